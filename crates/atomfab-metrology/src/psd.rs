//! Power spectral density. Spatial frequencies in 1/m, PSD in m³ (1-D) or m⁴ (2-D), normalised so
//! that the integral over frequency is the mean square height: Σ PSD·Δf = Rq² (1-D, per row, averaged)
//! and Σ PSD·Δfx·Δfy = Sq² (2-D). With a window w the data are scaled by 1/√mean(w²) so the integral
//! is preserved on average (exactly for the rectangular window).

use crate::error::{MetrologyError, Result};
use crate::fft::rfft2_padded;
use crate::heightmap::HeightMap;
use rayon::prelude::*;
use rustfft::{num_complex::Complex64, FftPlanner};
use serde::Serialize;
use std::f64::consts::PI;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Window {
    Rect,
    Hann,
    BlackmanHarris,
}

impl std::str::FromStr for Window {
    type Err = MetrologyError;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "rect" | "none" => Ok(Window::Rect),
            "hann" => Ok(Window::Hann),
            "blackman-harris" | "blackmanharris" | "bh" => Ok(Window::BlackmanHarris),
            _ => Err(MetrologyError::invalid(format!("window `{s}`: expected rect, hann or blackman-harris"))),
        }
    }
}

impl Window {
    /// Window coefficients (symmetric form, as numpy.hanning / scipy blackmanharris(sym=True)).
    pub fn coefficients(self, n: usize) -> Vec<f64> {
        if n == 1 {
            return vec![1.0];
        }
        let m = (n - 1) as f64;
        (0..n)
            .map(|i| {
                let x = 2.0 * PI * i as f64 / m;
                match self {
                    Window::Rect => 1.0,
                    Window::Hann => 0.5 - 0.5 * x.cos(),
                    // 4-term Blackman–Harris (−92 dB side lobes).
                    Window::BlackmanHarris => {
                        0.35875 - 0.48829 * x.cos() + 0.14128 * (2.0 * x).cos() - 0.01168 * (3.0 * x).cos()
                    }
                }
            })
            .collect()
    }
}

/// One-sided 1-D PSD averaged over profiles.
#[derive(Debug, Clone, Serialize)]
pub struct Psd1d {
    /// Frequencies k/(N·dx), k = 0 … N/2, in 1/m.
    pub f: Vec<f64>,
    /// PSD in m³ (m² per 1/m).
    pub psd: Vec<f64>,
    /// Frequency step, 1/m.
    pub df: f64,
}

/// 1-D PSD along x, averaged over all rows (each row's mean removed before windowing).
pub fn psd_1d(map: &HeightMap, window: Window) -> Result<Psd1d> {
    map.require_complete("PSD")?;
    let n = map.nx;
    if n < 2 {
        return Err(MetrologyError::invalid("PSD: expected at least 2 points per profile"));
    }
    let w = window.coefficients(n);
    let u = w.iter().map(|v| v * v).sum::<f64>() / n as f64;
    let fft = FftPlanner::<f64>::new().plan_fft_forward(n);
    let half = n / 2;
    let acc = (0..map.ny)
        .into_par_iter()
        .fold(
            || (vec![0.0; half + 1], vec![Complex64::default(); n], vec![Complex64::default(); fft.get_inplace_scratch_len()]),
            |(mut acc, mut buf, mut scratch), j| {
                let row = map.row(j);
                let mean = row.iter().sum::<f64>() / n as f64;
                for i in 0..n {
                    buf[i] = Complex64::new((row[i] - mean) * w[i], 0.0);
                }
                fft.process_with_scratch(&mut buf, &mut scratch);
                for k in 0..=half {
                    acc[k] += buf[k].norm_sqr();
                }
                (acc, buf, scratch)
            },
        )
        .map(|(a, _, _)| a)
        .reduce(|| vec![0.0; half + 1], |a, b| a.iter().zip(&b).map(|(x, y)| x + y).collect());
    let df = 1.0 / (n as f64 * map.dx);
    // |F_k|² · dx / (N·U) is the two-sided density; fold negative frequencies onto positive ones.
    let scale = map.dx / (n as f64 * u * map.ny as f64);
    let psd = acc
        .iter()
        .enumerate()
        .map(|(k, &p)| {
            let both = k != 0 && !(n % 2 == 0 && k == half);
            p * scale * if both { 2.0 } else { 1.0 }
        })
        .collect();
    Ok(Psd1d { f: (0..=half).map(|k| k as f64 * df).collect(), psd, df })
}

/// Two-sided 2-D PSD on the FFT grid, stored as the half plane kx = 0 … nx/2 (the PSD of a real map is
/// symmetric: PSD(−f) = PSD(f)).
#[derive(Debug, Clone)]
pub struct Psd2d {
    pub nx: usize,
    pub ny: usize,
    /// Frequency steps, 1/m.
    pub dfx: f64,
    pub dfy: f64,
    /// PSD in m⁴, layout `[kx * ny + ky]` for kx = 0 … nx/2, ky in natural FFT order (ky > ny/2 are
    /// negative frequencies).
    pub data: Vec<f64>,
}

impl Psd2d {
    /// Signed frequency index of FFT bin k of an N-point transform.
    fn signed(k: usize, n: usize) -> f64 {
        if k <= n / 2 { k as f64 } else { k as f64 - n as f64 }
    }

    /// How many bins of the full plane the half-plane column kx stands for (1 or 2).
    #[inline]
    pub fn weight(&self, kx: usize) -> f64 {
        if kx == 0 || (self.nx % 2 == 0 && kx == self.nx / 2) { 1.0 } else { 2.0 }
    }

    /// |f| of bin (kx, ky), 1/m.
    pub fn freq(&self, kx: usize, ky: usize) -> f64 {
        let fx = Self::signed(kx, self.nx) * self.dfx;
        let fy = Self::signed(ky, self.ny) * self.dfy;
        (fx * fx + fy * fy).sqrt()
    }

    /// ∫ PSD over the whole plane, m² (= Sq² for the rectangular window).
    pub fn total_power(&self) -> f64 {
        let s: f64 = self.data.par_chunks(self.ny).enumerate().map(|(kx, c)| self.weight(kx) * c.iter().sum::<f64>()).sum();
        s * self.dfx * self.dfy
    }

    /// RMS height (m) of the spatial-frequency band f_lo ≤ |f| < f_hi (1/m). The DC bin has no power
    /// (mean removed).
    pub fn band_rms(&self, f_lo: f64, f_hi: f64) -> Result<f64> {
        if !(f_lo >= 0.0 && f_hi > f_lo) {
            return Err(MetrologyError::invalid(format!("band [{f_lo}, {f_hi}) 1/m: expected 0 ≤ low < high")));
        }
        let ny = self.ny;
        let s: f64 = self
            .data
            .par_chunks(ny)
            .enumerate()
            .map(|(kx, col)| {
                self.weight(kx)
                    * col.iter().enumerate().filter(|(ky, _)| {
                        let f = self.freq(kx, *ky);
                        f >= f_lo && f < f_hi
                    }).map(|(_, p)| p).sum::<f64>()
            })
            .sum();
        Ok((s * self.dfx * self.dfy).sqrt())
    }

    /// Radially averaged PSD: mean of the 2-D PSD over annuli of width Δf = max(Δfx, Δfy), centred on
    /// f = i·Δf. Returns (f in 1/m, PSD in m⁴). ∫ 2π f PSD(f) df ≈ Sq².
    pub fn radial(&self) -> RadialPsd {
        let df = self.dfx.max(self.dfy);
        let fmax = (self.nx / 2) as f64 * self.dfx;
        let fmax = fmax.min((self.ny / 2) as f64 * self.dfy);
        let nb = (fmax / df).floor() as usize + 1;
        let mut sum = vec![0.0; nb];
        let mut cnt = vec![0.0; nb];
        for kx in 0..=self.nx / 2 {
            let w = self.weight(kx);
            for ky in 0..self.ny {
                let b = (self.freq(kx, ky) / df).round() as usize;
                if b < nb {
                    sum[b] += w * self.data[kx * self.ny + ky];
                    cnt[b] += w;
                }
            }
        }
        let f: Vec<f64> = (0..nb).map(|b| b as f64 * df).collect();
        let psd: Vec<f64> = sum.iter().zip(&cnt).map(|(s, &c)| if c > 0.0 { s / c } else { 0.0 }).collect();
        RadialPsd { f, psd, df }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct RadialPsd {
    /// Bin centres, 1/m.
    pub f: Vec<f64>,
    /// Mean 2-D PSD in the annulus, m⁴.
    pub psd: Vec<f64>,
    /// Bin width, 1/m.
    pub df: f64,
}

/// 2-D PSD of a complete map (mean removed, separable window w(x)·w(y)).
pub fn psd_2d(map: &HeightMap, window: Window) -> Result<Psd2d> {
    map.require_complete("PSD")?;
    let (nx, ny) = (map.nx, map.ny);
    let wx = window.coefficients(nx);
    let wy = window.coefficients(ny);
    let ux = wx.iter().map(|v| v * v).sum::<f64>() / nx as f64;
    let uy = wy.iter().map(|v| v * v).sum::<f64>() / ny as f64;
    let mean = map.mean();
    let mut a = vec![0.0; nx * ny];
    a.par_chunks_mut(nx).enumerate().for_each(|(j, row)| {
        let src = map.row(j);
        for i in 0..nx {
            row[i] = (src[i] - mean) * wx[i] * wy[j];
        }
    });
    let spec = rfft2_padded(&a, nx, ny, nx, ny);
    drop(a);
    let n = (nx * ny) as f64;
    let scale = map.dx * map.dy / (n * ux * uy);
    let data = spec.into_par_iter().map(|c| c.norm_sqr() * scale).collect();
    Ok(Psd2d { nx, ny, dfx: 1.0 / (nx as f64 * map.dx), dfy: 1.0 / (ny as f64 * map.dy), data })
}

/// Log–log SVG plot of a PSD (frequencies 1/m shown as 1/µm, PSD in the unit given).
pub fn svg_loglog(f: &[f64], psd: &[f64], title: &str, unit: &str) -> String {
    let pts: Vec<(f64, f64)> = f.iter().zip(psd).filter(|(a, b)| **a > 0.0 && **b > 0.0).map(|(a, b)| ((a * 1e-6).log10(), b.log10())).collect();
    let (w, h, m) = (640.0, 420.0, 60.0);
    let mut s = format!("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" font-family=\"sans-serif\" font-size=\"12\">\n");
    s.push_str(&format!("<text x=\"{}\" y=\"20\" text-anchor=\"middle\">{}</text>\n", w / 2.0, xml_escape(title)));
    if pts.len() < 2 {
        s.push_str("<text x=\"320\" y=\"210\" text-anchor=\"middle\">no positive PSD values</text>\n</svg>\n");
        return s;
    }
    let (x0, x1) = pts.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| (a.min(p.0), b.max(p.0)));
    let (y0, y1) = pts.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| (a.min(p.1), b.max(p.1)));
    let sx = |x: f64| m + (x - x0) / (x1 - x0).max(1e-12) * (w - 2.0 * m);
    let sy = |y: f64| h - m - (y - y0) / (y1 - y0).max(1e-12) * (h - 2.0 * m);
    s.push_str(&format!("<rect x=\"{m}\" y=\"{m}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"black\"/>\n", w - 2.0 * m, h - 2.0 * m));
    let path: Vec<String> = pts.iter().map(|p| format!("{:.1},{:.1}", sx(p.0), sy(p.1))).collect();
    s.push_str(&format!("<polyline fill=\"none\" stroke=\"steelblue\" stroke-width=\"1.5\" points=\"{}\"/>\n", path.join(" ")));
    for d in (x0.ceil() as i32)..=(x1.floor() as i32) {
        s.push_str(&format!("<text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\">1e{d}</text>\n", sx(d as f64), h - m + 16.0));
    }
    for d in (y0.ceil() as i32)..=(y1.floor() as i32) {
        s.push_str(&format!("<text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">1e{d}</text>\n", m - 4.0, sy(d as f64) + 4.0));
    }
    s.push_str(&format!("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">spatial frequency (1/µm)</text>\n", w / 2.0, h - 12.0));
    s.push_str(&format!("<text x=\"14\" y=\"{}\" transform=\"rotate(-90 14 {})\" text-anchor=\"middle\">PSD ({})</text>\n", h / 2.0, h / 2.0, xml_escape(unit)));
    s.push_str("</svg>\n");
    s
}

fn xml_escape(t: &str) -> String {
    t.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::height_params;
    use rand::{Rng, SeedableRng};

    fn rough(nx: usize, ny: usize, seed: u64) -> HeightMap {
        let mut r = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(seed);
        let raw: Vec<f64> = (0..nx * ny).map(|_| r.gen::<f64>() - 0.5).collect();
        // Smooth a little so the spectrum is not flat.
        let z: Vec<f64> = (0..nx * ny)
            .map(|k| {
                let (i, j) = (k % nx, k / nx);
                let mut s = 0.0;
                for (di, dj) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
                    s += raw[((j + dj) % ny) * nx + (i + di) % nx];
                }
                s * 1e-9
            })
            .collect();
        HeightMap::new(nx, ny, 2e-9, 3e-9, z).unwrap()
    }

    #[test]
    fn sine_peak_exact_and_normalisation() {
        // 8 whole periods over 256 points: with the rectangular window all power sits in bin 8.
        let (a, n) = (1.5e-9, 256);
        let lam = n as f64 * 1e-9 / 8.0;
        let m = HeightMap::from_fn(n, 4, 1e-9, 1e-9, |x, _| a * (2.0 * PI * x / lam).sin()).unwrap();
        let p = psd_1d(&m, Window::Rect).unwrap();
        let kmax = (0..p.psd.len()).max_by(|&i, &j| p.psd[i].total_cmp(&p.psd[j])).unwrap();
        assert_eq!(kmax, 8);
        assert!((p.f[kmax] - 1.0 / lam).abs() < 1e-6 / lam);
        assert!((p.psd[8] * p.df / (a * a / 2.0) - 1.0).abs() < 1e-12);
        let total: f64 = p.psd.iter().sum::<f64>() * p.df;
        assert!((total / (a * a / 2.0) - 1.0).abs() < 1e-12);
        // Hann: the peak stays at bin 8, the power spreads to the neighbours but its sum is kept.
        let h = psd_1d(&m, Window::Hann).unwrap();
        let kmax = (0..h.psd.len()).max_by(|&i, &j| h.psd[i].total_cmp(&h.psd[j])).unwrap();
        assert_eq!(kmax, 8);
        let total: f64 = h.psd.iter().sum::<f64>() * h.df;
        assert!((total / (a * a / 2.0) - 1.0).abs() < 0.02, "{total}");
        // 2-D: exact peak at (kx = 8, ky = 0) and its mirror.
        let p2 = psd_2d(&m, Window::Rect).unwrap();
        let k = (0..p2.data.len()).max_by(|&i, &j| p2.data[i].total_cmp(&p2.data[j])).unwrap();
        assert_eq!(k, 8 * 4);
        assert!((p2.data[k] * 2.0 * p2.dfx * p2.dfy / (a * a / 2.0) - 1.0).abs() < 1e-12);
        assert!((p2.freq(8, 0) - 1.0 / lam).abs() < 1e-6 / lam);
    }

    #[test]
    fn integral_of_2d_psd_is_sq_squared() {
        let m = rough(96, 80, 1);
        let sq = height_params(&m).unwrap().Sq;
        let p = psd_2d(&m, Window::Rect).unwrap();
        assert!((p.total_power() / (sq * sq) - 1.0).abs() < 1e-12);
        // Bands partition the plane: their mean squares add up to Sq².
        let fmax = p.freq(48, 40) * 1.01;
        let edges = [0.0, 0.05e9, 0.1e9, 0.2e9, fmax];
        let sum: f64 = edges.windows(2).map(|e| p.band_rms(e[0], e[1]).unwrap().powi(2)).sum();
        assert!((sum / (sq * sq) - 1.0).abs() < 1e-12);
        // Windows keep the total approximately (exact only on average).
        for w in [Window::Hann, Window::BlackmanHarris] {
            let t = psd_2d(&m, w).unwrap().total_power();
            assert!((t / (sq * sq) - 1.0).abs() < 0.1, "{w:?}: {}", t / (sq * sq));
        }
        // Radial average integrates to about Sq² (annulus sampling of the plane).
        let r = p.radial();
        let ring: f64 = r.f.iter().zip(&r.psd).map(|(f, c)| 2.0 * PI * f * c * r.df).sum();
        assert!((ring / (sq * sq) - 1.0).abs() < 0.25, "{}", ring / (sq * sq));
        // 1-D: Σ PSD Δf equals the mean row variance.
        let p1 = psd_1d(&m, Window::Rect).unwrap();
        let var: f64 = (0..m.ny).map(|j| {
            let r = m.row(j);
            let mu = r.iter().sum::<f64>() / r.len() as f64;
            r.iter().map(|v| (v - mu).powi(2)).sum::<f64>() / r.len() as f64
        }).sum::<f64>() / m.ny as f64;
        assert!((p1.psd.iter().sum::<f64>() * p1.df / var - 1.0).abs() < 1e-12);
    }

    #[test]
    fn bad_band_and_missing_points() {
        let mut m = rough(16, 16, 2);
        let p = psd_2d(&m, Window::Hann).unwrap();
        assert!(p.band_rms(2.0, 1.0).is_err());
        m.z[3] = f64::NAN;
        assert!(psd_2d(&m, Window::Rect).unwrap_err().to_string().contains("missing"));
        assert!("kaiser".parse::<Window>().is_err());
        assert!(svg_loglog(&p.radial().f, &p.radial().psd, "t", "m^4").starts_with("<svg"));
    }
}
