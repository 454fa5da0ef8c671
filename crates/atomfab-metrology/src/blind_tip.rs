//! Blind tip estimation (Villarrubia, J. Res. NIST 102, 425 (1997), §6): the sharpest tip consistent
//! with an image, found from the image alone. Every image point x' whose neighbourhood is "sharper"
//! than the current tip can explain constrains the tip:
//!   P(x) ≤ max over d with I(x') − I(x' + xc − d) ≤ P(d) of [I(x + x' − d) + P(d) − I(x')] (+ threshold),
//! starting from a flat (zero) tip. The result is an upper bound of the true tip (the true tip fits
//! inside it) when the image is noise-free; a threshold (m) stops noise from sharpening it further.
//! Rounding is noise too: at threshold 0 one-quantum errors compound and the estimate can come out
//! sharper than the true tip (tests/gwyddion.rs: 2 nm for Gwyddion and us alike); a threshold of a
//! few quanta, (max − min)/levels each, restores the bound.
//!
//! The arithmetic is Villarrubia's and Gwyddion's: heights are quantised to integers in steps of
//! (max − min)/levels (Gwyddion: levels = 10 000) so every comparison is exact, and points are visited
//! in one fixed order, so results are reproducible and equal Gwyddion 2.62's `gwy_tip_estimate_partial`
//! / `gwy_tip_estimate_full` (run without threads) on the same image (tests/gwyddion.rs).
//!
//! Conventions: the tip array P[jd][id] (apex at (yc, xc) = (ty/2, tx/2), P ≤ 0, apex 0) acts as
//! I(x) = max_p S(x − p) + P(p); our `Tip` has t(u) = −P(−u). Gwyddion returns P itself as its tip
//! field, i.e. point-reflected with respect to the field its own `gwy_tip_dilation` expects;
//! `BlindTip::gwyddion_field` gives that array for comparison.

use crate::error::{MetrologyError, Result};
use crate::heightmap::HeightMap;
use crate::tip::{Tip, MAX_TIP_HALF};

/// Partial: refine only at local maxima of the image, repeated while more than 20 of them still
/// refine the tip (Gwyddion's "partial" estimate, quick). Full: every image point where the image
/// differs from its opening by the tip by more than the threshold, until nothing changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlindMode {
    Partial,
    Full,
}

#[derive(Debug, Clone, Copy)]
pub struct BlindOptions {
    /// Tip size in pixels (columns, rows); the apex sits at (tx/2, ty/2).
    pub tx: usize,
    pub ty: usize,
    /// Noise threshold, m (Gwyddion's "noise suppression threshold"); 0 for noise-free images.
    pub threshold: f64,
    /// Also use image points within a tip size of the edge (parts of the tip outside the image are
    /// then unconstrained).
    pub use_edges: bool,
    pub mode: BlindMode,
    /// Height quantisation: the image range is divided into this many steps (Gwyddion: 10 000).
    pub levels: u32,
}

impl BlindOptions {
    pub fn new(tx: usize, ty: usize, threshold: f64, mode: BlindMode) -> BlindOptions {
        BlindOptions { tx, ty, threshold, use_edges: false, mode, levels: 10_000 }
    }
}

/// An estimated tip.
#[derive(Debug, Clone)]
pub struct BlindTip {
    /// The tip in atomfab's convention (usable with `tip::dilate` / `erode` / `certainty_map`).
    pub tip: Tip,
    /// Villarrubia's P in metres, rows of `tx` values, apex (tx/2, ty/2) = 0, P ≤ 0 elsewhere.
    pub p: Vec<f64>,
    pub tx: usize,
    pub ty: usize,
    /// Number of image locations that refined the tip (summed over iterations).
    pub refinements: usize,
    pub iterations: usize,
}

impl BlindTip {
    /// The array Gwyddion 2.62 returns from its blind estimation: P shifted so its minimum is 0
    /// (metres, rows of `tx`).
    pub fn gwyddion_field(&self) -> Vec<f64> {
        let min = self.p.iter().cloned().fold(f64::INFINITY, f64::min);
        self.p.iter().map(|v| v - min).collect()
    }

    /// The tip as a height map with the apex the highest point (value 0) in the centre — the form
    /// `Tip::from_map` and Gwyddion's `gwy_tip_dilation` read (offset u holds −t(u) = P(−u)). For an
    /// even tip size the reflection leaves one row/column outside the estimated rectangle: NaN there.
    pub fn to_map(&self, dx: f64, dy: f64) -> Result<HeightMap> {
        let (w, h) = (2 * self.tip.hx + 1, 2 * self.tip.hy + 1);
        let z: Vec<f64> = self.tip.t.iter().map(|&t| if t.is_finite() { -t } else { f64::NAN }).collect();
        HeightMap::new(w, h, dx, dy, z)
    }
}

/// Integer image with Gwyddion's quantisation: q = trunc((z − min)/step).
struct Quantised {
    q: Vec<i64>,
    nx: usize,
    ny: usize,
    step: f64,
}

fn quantise(map: &HeightMap, levels: u32) -> Result<Quantised> {
    map.require_complete("blind tip estimation")?;
    let (min, max) = map.z.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |a, &v| (a.0.min(v), a.1.max(v)));
    if !(max > min) {
        return Err(MetrologyError::invalid("blind tip estimation: the image is flat (nothing constrains the tip)"));
    }
    let step = (max - min) / levels as f64;
    // trunc, as C's (gint) conversion of a non-negative double.
    let q = map.z.iter().map(|&z| ((z - min) / step) as i64).collect();
    Ok(Quantised { q, nx: map.nx, ny: map.ny, step })
}

/// Working state: image and tip as integer arrays, row-major.
struct Est<'a> {
    im: &'a [i64],
    xres: usize,
    yres: usize,
    txres: usize,
    tyres: usize,
    xc: usize,
    yc: usize,
    tip: Vec<i64>,
    thresh: i64,
    use_edges: bool,
}

impl Est<'_> {
    #[inline]
    fn i(&self, y: isize, x: isize) -> i64 {
        self.im[y as usize * self.xres + x as usize]
    }

    /// Refines the tip from the single image point (ixp, jxp); returns how many tip values changed.
    fn point(&mut self, ixp: usize, jxp: usize) -> usize {
        let (txres, tyres, xres, yres) = (self.txres, self.tyres, self.xres, self.yres);
        let (xc, yc) = (self.xc as isize, self.yc as isize);
        let (ixp, jxp) = (ixp as isize, jxp as isize);
        let interior = jxp >= tyres as isize - 1
            && jxp <= yres as isize - tyres as isize
            && ixp >= txres as isize - 1
            && ixp <= xres as isize - txres as isize;
        if !interior && !self.use_edges {
            return 0;
        }
        let imagep = self.i(jxp, ixp);
        let mut count = 0;
        for jx in 0..tyres as isize {
            'nextx: for ix in 0..txres as isize {
                let mut dil = i64::MIN;
                for jd in 0..tyres as isize {
                    for id in 0..txres as isize {
                        let p = self.tip[jd as usize * txres + id as usize];
                        let (ay, ax) = (jxp + yc - jd, ixp + xc - id);
                        let (py, px) = (jx + jxp - jd, ix + ixp - id);
                        if interior {
                            if imagep - self.i(ay, ax) > p {
                                continue;
                            }
                        } else {
                            // The apex position outside the image could be anywhere below: it
                            // constrains (as if touching); outside points are unknown (+∞), which
                            // leaves this tip value unconstrained.
                            let apex_out = ay < 0 || ay >= yres as isize || ax < 0 || ax >= xres as isize;
                            if !apex_out && imagep - self.i(ay, ax) > p {
                                continue;
                            }
                            if py < 0 || py >= yres as isize || px < 0 || px >= xres as isize {
                                continue 'nextx;
                            }
                        }
                        dil = dil.max(self.i(py, px) + p - imagep);
                    }
                }
                if dil == i64::MIN {
                    continue;
                }
                let k = jx as usize * txres + ix as usize;
                if dil < self.tip[k] - self.thresh {
                    self.tip[k] = dil + self.thresh;
                    count += 1;
                }
            }
        }
        count
    }

    /// Grey-scale erosion then dilation of the image by the tip (the opening), as Villarrubia's
    /// integer routines with edge-limited ranges.
    fn opening(&self) -> Vec<i64> {
        let (xres, yres, txres, tyres) = (self.xres as isize, self.yres as isize, self.txres as isize, self.tyres as isize);
        let (xc, yc) = (self.xc as isize, self.yc as isize);
        let t = |py: isize, px: isize| self.tip[((py + yc) * txres + px + xc) as usize];
        let mut ero = vec![0i64; self.im.len()];
        for i in 0..yres {
            let (pymin, pymax) = ((-i).max(-yc), (tyres - yc).min(yres - i) - 1);
            for j in 0..xres {
                let (pxmin, pxmax) = ((-xc).max(-j), (txres - xc).min(xres - j) - 1);
                let mut m = i64::MAX;
                for py in pymin..=pymax {
                    for px in pxmin..=pxmax {
                        m = m.min(self.i(i + py, j + px) - t(py, px));
                    }
                }
                ero[(i * xres + j) as usize] = m;
            }
        }
        let mut out = vec![0i64; self.im.len()];
        for i in 0..yres {
            let (pymin, pymax) = ((i - yres + 1).max(-yc), (tyres - yc - 1).min(i));
            for j in 0..xres {
                let (pxmin, pxmax) = ((j - xres + 1).max(-xc), (txres - xc - 1).min(j));
                let mut m = i64::MIN;
                for py in pymin..=pymax {
                    for px in pxmin..=pxmax {
                        m = m.max(ero[((i - py) * xres + j - px) as usize] + t(py, px));
                    }
                }
                out[(i * xres + j) as usize] = m;
            }
        }
        out
    }

    /// Villarrubia's point selection for the partial estimate: a local maximum within ±delta that is
    /// not on a flat (the running-maximum count as in his code).
    fn useit(&self, x: usize, y: usize, delta: usize) -> bool {
        let (xmin, xmax) = (x.saturating_sub(delta), (x + delta).min(self.xres - 1));
        let (ymin, ymax) = (y.saturating_sub(delta), (y + delta).min(self.yres - 1));
        let v = self.im[y * self.xres + x];
        let mut max = v;
        let mut count = 0;
        for j in ymin..=ymax {
            for i in xmin..=xmax {
                let w = self.im[j * self.xres + i];
                if w >= max {
                    count += 1;
                    max = w;
                }
            }
        }
        max == v && count <= (2 * delta + 1) * (2 * delta + 1) / 5
    }
}

/// Estimates the tip from `image` (complete map) by Villarrubia's blind reconstruction.
pub fn blind_estimate(image: &HeightMap, o: &BlindOptions) -> Result<BlindTip> {
    if o.tx == 0 || o.ty == 0 || o.tx / 2 > MAX_TIP_HALF || o.ty / 2 > MAX_TIP_HALF {
        return Err(MetrologyError::invalid(format!(
            "blind tip size {} x {} px: expected 1 … {} px per side",
            o.tx,
            o.ty,
            2 * MAX_TIP_HALF
        )));
    }
    if o.tx > image.nx || o.ty > image.ny {
        return Err(MetrologyError::invalid(format!(
            "blind tip size {} x {} px: expected at most the image size {} x {}",
            o.tx, o.ty, image.nx, image.ny
        )));
    }
    if !(o.threshold.is_finite() && o.threshold >= 0.0) {
        return Err(MetrologyError::invalid(format!("blind tip threshold {} m: expected ≥ 0", o.threshold)));
    }
    if o.levels < 2 {
        return Err(MetrologyError::invalid("blind tip quantisation: expected at least 2 levels"));
    }
    let qi = quantise(image, o.levels)?;
    let mut e = Est {
        im: &qi.q,
        xres: qi.nx,
        yres: qi.ny,
        txres: o.tx,
        tyres: o.ty,
        xc: o.tx / 2,
        yc: o.ty / 2,
        tip: vec![0; o.tx * o.ty],
        // C's (gint)(threshold/step): truncation.
        thresh: (o.threshold / qi.step) as i64,
        use_edges: o.use_edges,
    };
    let (xlo, xhi) = (e.txres - 1 - e.xc, e.xres - 1 - e.xc);
    let (ylo, yhi) = (e.tyres - 1 - e.yc, e.yres - 1 - e.yc);
    let mut refinements = 0;
    let mut iterations = 0;
    match o.mode {
        BlindMode::Partial => {
            let delta = (e.txres.max(e.tyres) / 10).max(1);
            let mut pts = Vec::new();
            for j in ylo..=yhi {
                for i in xlo..=xhi {
                    if e.useit(i, j, delta) {
                        pts.push((i, j));
                    }
                }
            }
            // Repeat while more than 20 maxima still refine the tip (Villarrubia's cut-off).
            loop {
                iterations += 1;
                let count = pts.iter().filter(|&&(i, j)| e.point(i, j) > 0).count();
                refinements += count;
                if count <= 20 {
                    break;
                }
            }
        }
        BlindMode::Full => loop {
            iterations += 1;
            let open = e.opening();
            let mut count = 0;
            for jxp in ylo..=yhi {
                for ixp in xlo..=xhi {
                    let k = jxp * e.xres + ixp;
                    if e.im[k] - open[k] > e.thresh && e.point(ixp, jxp) > 0 {
                        count += 1;
                    }
                }
            }
            refinements += count;
            if count == 0 {
                break;
            }
        },
    }
    // Back to metres as Gwyddion does (value·step), then into atomfab's Tip: t(u) = −P(−u).
    let p: Vec<f64> = e.tip.iter().map(|&v| v as f64 * qi.step).collect();
    let (tx, ty, xc, yc) = (o.tx, o.ty, e.xc, e.yc);
    let hx = xc.max(tx - 1 - xc);
    let hy = yc.max(ty - 1 - yc);
    let w = 2 * hx + 1;
    let mut t = vec![f64::INFINITY; w * (2 * hy + 1)];
    for jd in 0..ty {
        for id in 0..tx {
            // p = (id − xc, jd − yc), u = −p.
            let (ui, uj) = (xc as isize - id as isize, yc as isize - jd as isize);
            t[(uj + hy as isize) as usize * w + (ui + hx as isize) as usize] = -p[jd * tx + id];
        }
    }
    Ok(BlindTip { tip: Tip { hx, hy, dx: image.dx, dy: image.dy, t }, p, tx, ty, refinements, iterations })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tip::{dilate, TipModel};

    /// Sparse sharp spikes on a flat surface image the tip directly: the estimate must bound the
    /// true tip (t_est ≤ t_true, i.e. the true tip fits inside) and, away from quantisation, equal it.
    #[test]
    fn spikes_recover_the_tip_as_an_upper_bound() {
        let d = 1e-9;
        let mut s = HeightMap::from_fn(48, 40, d, d, |_, _| 0.0).unwrap();
        for &(i, j) in &[(10usize, 10usize), (30, 12), (20, 28), (38, 30)] {
            s.z[j * 48 + i] = 5e-9;
        }
        let model = TipModel::Paraboloid { radius: 4e-9 };
        let truth = Tip::from_model(&model, d, d, 5e-9).unwrap();
        let img = dilate(&s, &truth).unwrap();
        let size = 2 * truth.hx + 1;
        for mode in [BlindMode::Partial, BlindMode::Full] {
            let mut o = BlindOptions::new(size, size, 0.0, mode);
            o.levels = 1 << 20;
            let est = blind_estimate(&img, &o).unwrap();
            let step = 5e-9 / o.levels as f64;
            let mut worst: f64 = 0.0;
            for (k, (&te, &tt)) in est.tip.t.iter().zip(&truth.t).enumerate() {
                if tt.is_finite() {
                    assert!(te <= tt + step, "{mode:?} offset {k}: estimate {te:e} above truth {tt:e}");
                    worst = worst.max((tt - te).abs());
                }
            }
            // A spike of height 5 nm shows the tip down to 5 nm below its apex exactly.
            assert!(worst <= 2.0 * step, "{mode:?}: deviation {worst:e}");
            assert_eq!(est.tip.t[truth.hy * size + truth.hx], 0.0);
        }
    }

    #[test]
    fn bad_options_rejected() {
        let m = HeightMap::from_fn(16, 16, 1e-9, 1e-9, |x, y| (x * 1e8).sin() * (y * 1e8).cos() * 1e-9).unwrap();
        assert!(blind_estimate(&m, &BlindOptions::new(0, 5, 0.0, BlindMode::Full)).is_err());
        assert!(blind_estimate(&m, &BlindOptions::new(17, 5, 0.0, BlindMode::Full)).is_err());
        assert!(blind_estimate(&m, &BlindOptions::new(5, 5, -1.0, BlindMode::Full)).is_err());
        let flat = HeightMap::from_fn(16, 16, 1e-9, 1e-9, |_, _| 1.0).unwrap();
        assert!(blind_estimate(&flat, &BlindOptions::new(5, 5, 0.0, BlindMode::Full)).is_err());
        let mut holes = m.clone();
        holes.z[3] = f64::NAN;
        assert!(blind_estimate(&holes, &BlindOptions::new(5, 5, 0.0, BlindMode::Full)).is_err());
    }
}
