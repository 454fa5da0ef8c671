//! ISO 25178-2 areal field parameters. Heights are taken about the mean plane of the measured points
//! (level the map first to remove form). Units: heights and lengths in metres, Sdq dimensionless,
//! Sdr and material ratios in percent.
//!
//! Discretisation choices (ISO 25178-2 defines the parameters on the continuous surface; the
//! discrete forms here are those of surfalize, checked against it in tests/surfalize.rs):
//! - Sdq: forward differences, each direction averaged over its own differences.
//! - Sdr: each grid cell's area is the mean of its two triangulations (ISO 25178-2:2021 D.3, eq. D.15);
//!   the projected area is (nx-1)·dx × (ny-1)·dy.
//! - Sal/Str: unbiased (overlap-normalised), non-circular autocorrelation, threshold s = 0.2
//!   (ISO 25178-3 default), decay length along rays from the centre to the edge of the central lobe.
//! - Sk/Spk/Svk: the material ratio curve sampled at 10 000 equally spaced material ratios (quantiles),
//!   40 % secant of least gradient, least-squares equivalent line over it (ISO 25178-2 B.1 / ISO 13565-2).

use crate::error::{MetrologyError, Result};
use crate::fft::{fft2_transposed, next_fast_len};
use crate::heightmap::HeightMap;
use rayon::prelude::*;
use rustfft::num_complex::Complex64;
use serde::Serialize;

/// Number of material-ratio classes of the Abbott–Firestone curve (as surfalize).
pub const AF_CLASSES: usize = 10_000;
/// Width of the equivalent-line window, % (ISO 13565-2).
const EQUIVALENCE_WIDTH: f64 = 40.0;

#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
#[allow(non_snake_case)]
pub struct HeightParams {
    /// Arithmetic mean height, m.
    pub Sa: f64,
    /// Root mean square height, m.
    pub Sq: f64,
    /// Skewness, 1.
    pub Ssk: f64,
    /// Kurtosis, 1.
    pub Sku: f64,
    /// Maximum peak height, m.
    pub Sp: f64,
    /// Maximum pit depth, m.
    pub Sv: f64,
    /// Maximum height Sp + Sv, m.
    pub Sz: f64,
}

/// Sa … Sz over the measured points, about their mean.
pub fn height_params(map: &HeightMap) -> Result<HeightParams> {
    let vals: Vec<f64> = map.z.iter().copied().filter(|v| !v.is_nan()).collect();
    if vals.is_empty() {
        return Err(MetrologyError::invalid("height parameters: the map has no measured points"));
    }
    Ok(height_params_of(&vals))
}

pub(crate) fn height_params_of(vals: &[f64]) -> HeightParams {
    let n = vals.len() as f64;
    let mean = pairwise_sum(vals) / n;
    // Chunked accumulation (rayon) keeps the sums accurate and fast on 16 M points.
    let (s1, s2, s3, s4, mx, mn) = vals
        .par_chunks(1 << 14)
        .map(|c| {
            let mut a = (0.0, 0.0, 0.0, 0.0, f64::NEG_INFINITY, f64::INFINITY);
            for &v in c {
                let d = v - mean;
                let d2 = d * d;
                a.0 += d.abs();
                a.1 += d2;
                a.2 += d2 * d;
                a.3 += d2 * d2;
                a.4 = a.4.max(d);
                a.5 = a.5.min(d);
            }
            a
        })
        .reduce(
            || (0.0, 0.0, 0.0, 0.0, f64::NEG_INFINITY, f64::INFINITY),
            |a, b| (a.0 + b.0, a.1 + b.1, a.2 + b.2, a.3 + b.3, a.4.max(b.4), a.5.min(b.5)),
        );
    let sq = (s2 / n).sqrt();
    HeightParams {
        Sa: s1 / n,
        Sq: sq,
        Ssk: s3 / n / sq.powi(3),
        Sku: s4 / n / sq.powi(4),
        Sp: mx,
        Sv: -mn,
        Sz: mx - mn,
    }
}

pub(crate) fn pairwise_sum(v: &[f64]) -> f64 {
    v.par_chunks(1 << 14).map(|c| c.iter().sum::<f64>()).sum()
}

/// Root mean square gradient Sdq (dimensionless). Differences touching a missing point are skipped.
pub fn sdq(map: &HeightMap) -> Result<f64> {
    let (nx, ny) = (map.nx, map.ny);
    if nx < 2 || ny < 2 {
        return Err(MetrologyError::invalid("Sdq: expected at least 2 x 2 points"));
    }
    let (sx, cx, sy, cy) = (0..ny)
        .into_par_iter()
        .map(|j| {
            let r = map.row(j);
            let (mut sx, mut cx, mut sy, mut cy) = (0.0, 0usize, 0.0, 0usize);
            for i in 0..nx - 1 {
                let d = (r[i + 1] - r[i]) / map.dx;
                if !d.is_nan() {
                    sx += d * d;
                    cx += 1;
                }
            }
            if j + 1 < ny {
                let r2 = map.row(j + 1);
                for i in 0..nx {
                    let d = (r2[i] - r[i]) / map.dy;
                    if !d.is_nan() {
                        sy += d * d;
                        cy += 1;
                    }
                }
            }
            (sx, cx, sy, cy)
        })
        .reduce(|| (0.0, 0, 0.0, 0), |a, b| (a.0 + b.0, a.1 + b.1, a.2 + b.2, a.3 + b.3));
    if cx == 0 || cy == 0 {
        return Err(MetrologyError::invalid("Sdq: no pair of neighbouring measured points"));
    }
    Ok((sx / cx as f64 + sy / cy as f64).sqrt())
}

/// Developed interfacial area ratio Sdr, percent. Cells with a missing corner are skipped (both in
/// the developed and the projected area).
pub fn sdr(map: &HeightMap) -> Result<f64> {
    let (nx, ny) = (map.nx, map.ny);
    if nx < 2 || ny < 2 {
        return Err(MetrologyError::invalid("Sdr: expected at least 2 x 2 points"));
    }
    let (dx, dy) = (map.dx, map.dy);
    let cz = (dx * dy) * (dx * dy);
    let (area, cells) = (0..ny - 1)
        .into_par_iter()
        .map(|j| {
            let (a, b) = (map.row(j), map.row(j + 1));
            let (mut s, mut n) = (0.0, 0usize);
            for i in 0..nx - 1 {
                // Edges of cell (i, j): x edges bottom/top, y edges left/right.
                let xb = (dy * (a[i + 1] - a[i])).powi(2);
                let xt = (dy * (b[i + 1] - b[i])).powi(2);
                let yl = (dx * (b[i] - a[i])).powi(2);
                let yr = (dx * (b[i + 1] - a[i + 1])).powi(2);
                let c = (xb + yl + cz).sqrt() + (xb + yr + cz).sqrt() + (xt + yr + cz).sqrt() + (xt + yl + cz).sqrt();
                if !c.is_nan() {
                    s += 0.25 * c;
                    n += 1;
                }
            }
            (s, n)
        })
        .reduce(|| (0.0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    if cells == 0 {
        return Err(MetrologyError::invalid("Sdr: no complete grid cell"));
    }
    // Each corner term is |normal| = 2 × that corner triangle's area; the cell (mean of its two
    // triangulations) is half the four triangles, hence the 0.25 above.
    let developed = area;
    let projected = cells as f64 * dx * dy;
    Ok((developed / projected - 1.0) * 100.0)
}

/// The autocorrelation function (unbiased, non-circular) and what Sal/Str need from it.
pub struct Acf {
    /// Lag-grid sizes of the padded transform.
    px: usize,
    py: usize,
    nx: usize,
    ny: usize,
    dx: f64,
    dy: f64,
    /// Raw correlation sums, layout [ty mod py][tx mod px].
    raw: Vec<f64>,
    /// Overlap counts per lag (only when the map has missing points).
    counts: Option<Vec<f64>>,
}

impl Acf {
    pub fn new(map: &HeightMap) -> Result<Acf> {
        let (nx, ny) = (map.nx, map.ny);
        if nx < 3 || ny < 3 {
            return Err(MetrologyError::invalid("autocorrelation: expected at least 3 x 3 points"));
        }
        let px = next_fast_len(2 * nx - 1);
        let py = next_fast_len(2 * ny - 1);
        let mean = map.mean();
        let has_missing = map.has_missing();
        let corr = |f: &dyn Fn(f64) -> f64| -> Vec<f64> {
            let mut a = vec![Complex64::default(); px * py];
            for j in 0..ny {
                for (i, &v) in map.row(j).iter().enumerate() {
                    a[j * px + i] = Complex64::new(f(v), 0.0);
                }
            }
            let mut s = fft2_transposed(a, px, py, false);
            s.par_iter_mut().for_each(|c| *c = Complex64::new(c.norm_sqr(), 0.0));
            // Inverse of the transposed spectrum comes back in the original layout.
            let r = fft2_transposed(s, py, px, true);
            let norm = 1.0 / (px * py) as f64;
            r.into_par_iter().map(|c| c.re * norm).collect()
        };
        let raw = corr(&|v: f64| if v.is_nan() { 0.0 } else { v - mean });
        let counts = if has_missing { Some(corr(&|v: f64| if v.is_nan() { 0.0 } else { 1.0 })) } else { None };
        Ok(Acf { px, py, nx, ny, dx: map.dx, dy: map.dy, raw, counts })
    }

    /// ACF at integer lag (tx, ty), |tx| < nx, |ty| < ny, in m².
    pub fn at(&self, tx: isize, ty: isize) -> f64 {
        let ix = tx.rem_euclid(self.px as isize) as usize;
        let iy = ty.rem_euclid(self.py as isize) as usize;
        let k = iy * self.px + ix;
        let n = match &self.counts {
            Some(c) => c[k].round().max(0.0),
            None => ((self.ny - ty.unsigned_abs()) * (self.nx - tx.unsigned_abs())) as f64,
        };
        if n < 0.5 {
            f64::NAN
        } else {
            self.raw[k] / n
        }
    }

    fn at_frac(&self, x: f64, y: f64) -> f64 {
        // Bilinear interpolation between integer lags.
        let (x0, y0) = (x.floor(), y.floor());
        let (fx, fy) = (x - x0, y - y0);
        let (x0, y0) = (x0 as isize, y0 as isize);
        let v = |a: isize, b: isize| self.at(a, b);
        let top = v(x0, y0) * (1.0 - fx) + if fx > 0.0 { v(x0 + 1, y0) * fx } else { 0.0 };
        let bot = if fy > 0.0 { v(x0, y0 + 1) * (1.0 - fx) + if fx > 0.0 { v(x0 + 1, y0 + 1) * fx } else { 0.0 } } else { 0.0 };
        top * (1.0 - fy) + bot * fy
    }

    /// Shortest and longest decay length (m) to s·ACF(0) and whether the central lobe stays inside
    /// the lag field (otherwise the longest length is only a lower bound and Str is undefined).
    pub fn decay_lengths(&self, s: f64) -> (f64, f64, bool) {
        let (nx, ny) = (self.nx as isize, self.ny as isize);
        let thr = s * self.at(0, 0);
        let w = (2 * nx - 1) as usize;
        let h = (2 * ny - 1) as usize;
        let idx = |tx: isize, ty: isize| ((ty + ny - 1) as usize) * w + (tx + nx - 1) as usize;
        // Flood fill (4-connected) of the lobe above the threshold around zero lag.
        let mut inside = vec![false; w * h];
        let mut stack = vec![(0isize, 0isize)];
        inside[idx(0, 0)] = true;
        let mut touches = false;
        let mut edge: Vec<(isize, isize)> = Vec::new();
        let mut is_edge = vec![false; w * h];
        while let Some((tx, ty)) = stack.pop() {
            for (ax, ay) in [(tx + 1, ty), (tx - 1, ty), (tx, ty + 1), (tx, ty - 1)] {
                if ax.abs() >= nx || ay.abs() >= ny {
                    touches = true;
                    continue;
                }
                let k = idx(ax, ay);
                if inside[k] || is_edge[k] {
                    continue;
                }
                if self.at(ax, ay) > thr {
                    inside[k] = true;
                    stack.push((ax, ay));
                } else {
                    is_edge[k] = true;
                    edge.push((ax, ay));
                }
            }
        }
        if edge.is_empty() {
            return (f64::NAN, f64::NAN, false);
        }
        let (mut lo, mut hi) = (f64::INFINITY, 0.0f64);
        for &(ex, ey) in &edge {
            // Walk from the centre to the edge pixel; bisect the first threshold crossing.
            let f = |t: f64| self.at_frac(t * ex as f64, t * ey as f64) - thr;
            let steps = 4 * (ex.unsigned_abs().max(ey.unsigned_abs())).max(1);
            let mut prev = 0.0;
            let mut t_cross = 1.0;
            for k in 1..=steps {
                let t = k as f64 / steps as f64;
                if f(t) <= 0.0 {
                    let (mut a, mut b) = (prev, t);
                    for _ in 0..50 {
                        let m = 0.5 * (a + b);
                        if f(m) > 0.0 { a = m } else { b = m }
                    }
                    t_cross = 0.5 * (a + b);
                    break;
                }
                prev = t;
            }
            let d = t_cross * ((ex as f64 * self.dx).powi(2) + (ey as f64 * self.dy).powi(2)).sqrt();
            lo = lo.min(d);
            hi = hi.max(d);
        }
        (lo, hi, !touches)
    }
}

/// Autocorrelation length Sal (m) and texture aspect ratio Str (1) at threshold s (ISO default 0.2).
/// Str is NaN when the ACF does not decay to s in some direction within the field.
pub fn sal_str(map: &HeightMap, s: f64) -> Result<(f64, f64)> {
    if !(s > 0.0 && s < 1.0) {
        return Err(MetrologyError::invalid(format!("Sal/Str threshold s = {s}: expected 0 < s < 1")));
    }
    let acf = Acf::new(map)?;
    let (lo, hi, inside) = acf.decay_lengths(s);
    Ok((lo, if inside { lo / hi } else { f64::NAN }))
}

/// The areal material ratio curve and the functional parameters derived from it.
pub struct MaterialRatio {
    /// Measured heights, ascending (m).
    sorted: Vec<f64>,
    /// Heights at material ratios mr[k] = 100·k/(K-1) %, descending (m).
    pub height: Vec<f64>,
    pub mr: Vec<f64>,
    yupper: f64,
    ylower: f64,
}

impl MaterialRatio {
    pub fn new(map: &HeightMap) -> Result<MaterialRatio> {
        let mut sorted: Vec<f64> = map.z.iter().copied().filter(|v| !v.is_nan()).collect();
        if sorted.len() < 2 {
            return Err(MetrologyError::invalid("material ratio: expected at least 2 measured points"));
        }
        let mean = pairwise_sum(&sorted) / sorted.len() as f64;
        sorted.par_iter_mut().for_each(|v| *v -= mean);
        sorted.par_sort_unstable_by(|a, b| a.total_cmp(b));
        Ok(Self::from_sorted(sorted, AF_CLASSES))
    }

    fn from_sorted(sorted: Vec<f64>, classes: usize) -> MaterialRatio {
        let n = sorted.len();
        let step = 100.0 / (classes - 1) as f64;
        let mr: Vec<f64> = (0..classes).map(|k| if k == classes - 1 { 100.0 } else { k as f64 * step }).collect();
        // Linear-interpolated quantile (numpy's default): position q·(n-1) in the sorted heights.
        let height: Vec<f64> = mr.iter().map(|&m| quantile_sorted(&sorted, n, 1.0 - m / 100.0)).collect();
        let mut out = MaterialRatio { sorted, height, mr, yupper: 0.0, ylower: 0.0 };
        out.equivalent_line();
        out
    }

    /// Height (m) at material ratio p (%), linear in the sampled curve.
    pub fn smc(&self, p: f64) -> f64 {
        interp(p, &self.mr, &self.height)
    }

    /// Areal material ratio Smr(c), %: share of the measured area at or above height c (m, about the
    /// mean plane). ISO 25178-2: "ratio of the area of the material at a specified height c to the
    /// evaluation area" — evaluated exactly on the points, not on the sampled curve.
    pub fn smr(&self, c: f64) -> f64 {
        let below = self.sorted.partition_point(|&v| v < c);
        100.0 * (self.sorted.len() - below) as f64 / self.sorted.len() as f64
    }

    /// Smr read from the sampled curve (linear interpolation, as surfalize's `Smr`).
    pub fn smr_curve(&self, c: f64) -> f64 {
        // height is descending; interpolate on the reversed (ascending) arrays.
        let n = self.height.len();
        if c <= self.height[n - 1] {
            return 100.0;
        }
        if c >= self.height[0] {
            return 0.0;
        }
        let k = self.height.partition_point(|&h| h > c); // first index with height <= c
        let (h0, h1) = (self.height[k - 1], self.height[k]);
        let (m0, m1) = (self.mr[k - 1], self.mr[k]);
        if h0 == h1 { m1 } else { m0 + (m1 - m0) * (h0 - c) / (h0 - h1) }
    }

    fn equivalent_line(&mut self) {
        let (mr, h) = (&self.mr, &self.height);
        // Step 1: the 40 % secant of least gradient (first one on ties, ISO 13565-2).
        let mut best = f64::NEG_INFINITY;
        let mut istart = 0;
        for i in 0..mr.len() {
            if mr[i] > 100.0 - EQUIVALENCE_WIDTH {
                break;
            }
            let slope = (interp(mr[i] + EQUIVALENCE_WIDTH, mr, h) - h[i]) / EQUIVALENCE_WIDTH;
            if i == 0 || slope > best {
                best = slope;
                istart = i;
            }
        }
        // Step 2: least-squares line through the curve points in that window.
        let lim = mr[istart] + EQUIVALENCE_WIDTH;
        let iend = mr.partition_point(|&m| m <= lim);
        let (xs, ys) = (&mr[istart..iend], &h[istart..iend]);
        let n = xs.len() as f64;
        let mx = xs.iter().sum::<f64>() / n;
        let my = ys.iter().sum::<f64>() / n;
        let sxy: f64 = xs.iter().zip(ys).map(|(x, y)| (x - mx) * (y - my)).sum();
        let sxx: f64 = xs.iter().map(|x| (x - mx).powi(2)).sum();
        let slope = sxy / sxx;
        let intercept = my - slope * mx;
        self.yupper = intercept;
        self.ylower = slope * 100.0 + intercept;
    }

    /// Core height Sk (m).
    pub fn sk(&self) -> f64 {
        self.yupper - self.ylower
    }
    /// Peak material ratio Smr1 (%).
    pub fn smr1(&self) -> f64 {
        self.smr_curve(self.yupper)
    }
    /// Dale material ratio Smr2 (%).
    pub fn smr2(&self) -> f64 {
        self.smr_curve(self.ylower)
    }
    /// Reduced peak height Spk (m): height of the triangle with the area of the peaks above the core.
    pub fn spk(&self) -> f64 {
        let idx = argclosest(self.yupper, &self.height);
        let a1 = trapz(&self.mr[..idx], &self.height[..idx]).abs();
        if a1 > 0.0 { 2.0 * a1 / self.smr1() } else { 0.0 }
    }
    /// Reduced dale height Svk (m).
    pub fn svk(&self) -> f64 {
        let idx = argclosest(self.ylower, &self.height);
        let y: Vec<f64> = self.mr[idx..].iter().map(|m| 100.0 - m).collect();
        let a2 = trapz(&y, &self.height[idx..]).abs();
        if a2 > 0.0 { 2.0 * a2 / (100.0 - self.smr2()) } else { 0.0 }
    }
}

fn quantile_sorted(s: &[f64], n: usize, q: f64) -> f64 {
    let pos = q * (n - 1) as f64;
    let lo = pos.floor() as usize;
    let lo = lo.min(n - 1);
    let t = pos - lo as f64;
    if lo + 1 >= n {
        return s[n - 1];
    }
    let (a, b) = (s[lo], s[lo + 1]);
    // numpy's lerp form, symmetric in t for accuracy.
    if t >= 0.5 { b - (b - a) * (1.0 - t) } else { a + (b - a) * t }
}

/// Linear interpolation y(x) on ascending xs, clamped at the ends (as numpy.interp).
fn interp(x: f64, xs: &[f64], ys: &[f64]) -> f64 {
    let n = xs.len();
    if x <= xs[0] {
        return ys[0];
    }
    if x >= xs[n - 1] {
        return ys[n - 1];
    }
    let k = xs.partition_point(|&v| v <= x); // xs[k-1] <= x < xs[k]
    let (x0, x1, y0, y1) = (xs[k - 1], xs[k], ys[k - 1], ys[k]);
    y0 + (y1 - y0) * (x - x0) / (x1 - x0)
}

fn argclosest(x: f64, v: &[f64]) -> usize {
    let mut best = 0;
    for (i, &h) in v.iter().enumerate() {
        if (h - x).abs() < (v[best] - x).abs() {
            best = i;
        }
    }
    best
}

/// ∫ y dx by the trapezoid rule.
fn trapz(y: &[f64], x: &[f64]) -> f64 {
    (1..y.len()).map(|i| 0.5 * (y[i] + y[i - 1]) * (x[i] - x[i - 1])).sum()
}

/// All areal parameters of a map, units in the field docs.
#[derive(Debug, Clone, Serialize)]
#[allow(non_snake_case)]
pub struct ArealParams {
    #[serde(flatten)]
    pub height: HeightParams,
    /// Root mean square gradient, 1.
    pub Sdq: f64,
    /// Developed interfacial area ratio, %.
    pub Sdr: f64,
    /// Autocorrelation length (s = 0.2), m.
    pub Sal: f64,
    /// Texture aspect ratio (s = 0.2), 1; NaN when undefined in the field.
    pub Str: f64,
    /// Core height, m.
    pub Sk: f64,
    /// Reduced peak height, m.
    pub Spk: f64,
    /// Reduced dale height, m.
    pub Svk: f64,
    /// Peak / dale material ratios, %.
    pub Smr1: f64,
    pub Smr2: f64,
}

pub fn areal_params(map: &HeightMap) -> Result<ArealParams> {
    let height = height_params(map)?;
    let af = MaterialRatio::new(map)?;
    let (sal, str_) = sal_str(map, 0.2)?;
    Ok(ArealParams {
        height,
        Sdq: sdq(map)?,
        Sdr: sdr(map)?,
        Sal: sal,
        Str: str_,
        Sk: af.sk(),
        Spk: af.spk(),
        Svk: af.svk(),
        Smr1: af.smr1(),
        Smr2: af.smr2(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::PI;

    #[test]
    fn pure_sine_analytic() {
        // z = A sin(2πx/λ) over whole periods: Sa = 2A/π, Sq = A/√2, Ssk = 0, Sku = 1.5.
        let (a, lam, n) = (2e-9, 64e-9, 256);
        let m = HeightMap::from_fn(n, 32, 1e-9, 1e-9, |x, _| a * (2.0 * PI * x / lam).sin()).unwrap();
        let p = height_params(&m).unwrap();
        assert!((p.Sa / (2.0 * a / PI) - 1.0).abs() < 1e-3, "{}", p.Sa);
        assert!((p.Sq / (a / 2f64.sqrt()) - 1.0).abs() < 1e-12, "{}", p.Sq);
        assert!(p.Ssk.abs() < 1e-9 && (p.Sku - 1.5).abs() < 1e-9);
        assert!((p.Sp - a).abs() < 1e-20 && (p.Sv - a).abs() < 1e-20);
        // Sdq of a sine: sqrt(mean (dz/dx)²) = A·2π/λ/√2 × sinc(π dx/λ) for forward differences that
        // cover whole periods (257 points = 256 differences = 4 periods).
        let m = HeightMap::from_fn(n + 1, 8, 1e-9, 1e-9, |x, _| a * (2.0 * PI * x / lam).sin()).unwrap();
        let exact = a * 2.0 * PI / lam / 2f64.sqrt() * ((PI * 1e-9 / lam).sin() / (PI * 1e-9 / lam));
        assert!((sdq(&m).unwrap() / exact - 1.0).abs() < 1e-9);
    }

    #[test]
    fn flat_plane_has_zero_sdr_and_tilt_known_sdr() {
        let m = HeightMap::from_fn(20, 10, 1.0, 1.0, |x, _| 0.5 * x).unwrap();
        // A plane of slope 0.5: area ratio √(1 + 0.25).
        assert!((sdr(&m).unwrap() - (1.25f64.sqrt() - 1.0) * 100.0).abs() < 1e-12);
    }

    #[test]
    fn smr_exact_definition() {
        let m = HeightMap::new(4, 1, 1.0, 1.0, vec![0.0, 1.0, 2.0, 3.0]).unwrap();
        let af = MaterialRatio::new(&m).unwrap();
        // About the mean 1.5: heights -1.5 -0.5 0.5 1.5.
        assert_eq!(af.smr(0.0), 50.0);
        assert_eq!(af.smr(-0.5), 75.0);
        assert_eq!(af.smr(2.0), 0.0);
    }

    #[test]
    fn acf_of_white_noise_decays_within_a_pixel_or_two() {
        use rand::{Rng, SeedableRng};
        let mut r = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(3);
        let m = HeightMap::from_fn(64, 64, 1.0, 1.0, |_, _| r.gen::<f64>()).unwrap();
        let (sal, st) = sal_str(&m, 0.2).unwrap();
        assert!(sal > 0.5 && sal < 1.5, "{sal}");
        assert!(st > 0.3 && st <= 1.0, "{st}");
    }
}
