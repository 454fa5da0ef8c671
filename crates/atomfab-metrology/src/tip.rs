//! AFM tip effects, after Villarrubia, J. Res. NIST 102, 425 (1997): a tip is described by t(u) ≥ 0,
//! its height above the apex at lateral offset u (metres); the simulated image is the dilation
//! I(x) = max_u [S(x+u) − t(u)], the reconstruction the erosion R(x) = min_v [I(x−v) + t(v)]
//! (an upper bound of the true surface), and a reconstructed point is certain where some tip position
//! touched R at that point only.

use crate::error::{MetrologyError, Result};
use crate::heightmap::{unit_to_metres, HeightMap};
use rayon::prelude::*;

/// Largest tip half-width in pixels (a 1025 × 1025 kernel).
pub const MAX_TIP_HALF: usize = 512;

/// Analytic tip shapes (lengths in metres, angles in radians).
#[derive(Debug, Clone, PartialEq)]
pub enum TipModel {
    /// t = r²/(2R).
    Paraboloid { radius: f64 },
    /// Hemisphere t = R − √(R² − r²), r ≤ R (nothing beyond).
    Sphere { radius: f64 },
    /// Cone of half-angle θ with a spherical apex of radius R, tangent where r = R·cos θ.
    Cone { half_angle: f64, radius: f64 },
}

impl std::str::FromStr for TipModel {
    type Err = MetrologyError;
    /// `paraboloid:R=10nm`, `sphere:R=5nm`, `cone:angle=20,R=2nm` (half-angle in degrees). Lengths take
    /// a unit suffix m, mm, um, nm, A, pm; a bare number is nm.
    fn from_str(s: &str) -> Result<Self> {
        let bad = |why: &str| {
            MetrologyError::invalid(format!(
                "tip `{s}`: {why}; expected paraboloid:R=10nm, sphere:R=5nm or cone:angle=20,R=2nm"
            ))
        };
        let (kind, args) = s.split_once(':').ok_or_else(|| bad("missing `:`"))?;
        let mut radius = None;
        let mut angle = None;
        for kv in args.split(',') {
            let (k, v) = kv.split_once('=').ok_or_else(|| bad("expected key=value"))?;
            match k.trim() {
                "R" | "r" | "radius" => radius = Some(parse_length_nm(v.trim()).map_err(|e| bad(&e))?),
                "angle" => {
                    let a: f64 = v.trim().trim_end_matches("deg").parse().map_err(|_| bad("angle is not a number"))?;
                    if !(a > 0.0 && a < 90.0) {
                        return Err(bad("angle must be between 0 and 90 degrees"));
                    }
                    angle = Some(a.to_radians());
                }
                other => return Err(bad(&format!("unknown key `{other}`"))),
            }
        }
        let radius = radius.ok_or_else(|| bad("missing R="))?;
        if !(radius.is_finite() && radius > 0.0) {
            return Err(bad("R must be > 0"));
        }
        match kind {
            "paraboloid" => Ok(TipModel::Paraboloid { radius }),
            "sphere" => Ok(TipModel::Sphere { radius }),
            "cone" => Ok(TipModel::Cone { half_angle: angle.ok_or_else(|| bad("missing angle="))?, radius }),
            _ => Err(bad("unknown shape")),
        }
    }
}

/// "10nm", "2.5 A", "1e-8m", "3" (nm) → metres.
pub fn parse_length_nm(v: &str) -> std::result::Result<f64, String> {
    let split = v.find(|c: char| c.is_alphabetic() && c != 'e' && c != 'E').unwrap_or(v.len());
    // An exponent like 1e-8 has an 'e' we must keep; a unit starts at the first other letter.
    let (num, unit) = v.split_at(split);
    let x: f64 = num.trim().parse().map_err(|_| format!("`{v}` is not a length"))?;
    let u = unit.trim();
    let s = if u.is_empty() { 1e-9 } else { unit_to_metres(u).ok_or_else(|| format!("unknown length unit `{u}`"))? };
    Ok(x * s)
}

impl TipModel {
    /// Height above the apex at lateral distance r (m); +∞ outside the tip.
    pub fn height(&self, r: f64) -> f64 {
        match *self {
            TipModel::Paraboloid { radius } => r * r / (2.0 * radius),
            TipModel::Sphere { radius } => {
                if r <= radius { radius - (radius * radius - r * r).max(0.0).sqrt() } else { f64::INFINITY }
            }
            TipModel::Cone { half_angle, radius } => {
                let rt = radius * half_angle.cos();
                if r <= rt {
                    radius - (radius * radius - r * r).max(0.0).sqrt()
                } else {
                    let ht = radius - (radius * radius - rt * rt).sqrt();
                    ht + (r - rt) / half_angle.tan()
                }
            }
        }
    }
}

/// A tip sampled on an image grid: `t[(j + hy)·(2hx+1) + (i + hx)]` is the height above the apex at
/// offset (i·dx, j·dy), +∞ where the tip has no material.
#[derive(Debug, Clone)]
pub struct Tip {
    pub hx: usize,
    pub hy: usize,
    pub dx: f64,
    pub dy: f64,
    pub t: Vec<f64>,
}

impl Tip {
    /// Samples a model on pixels dx × dy (m), keeping offsets where the tip rises less than
    /// `max_height` (m) above its apex: higher parts can never touch a surface of that height range.
    pub fn from_model(model: &TipModel, dx: f64, dy: f64, max_height: f64) -> Result<Tip> {
        let reach = |d: f64| -> Result<usize> {
            let mut h = 0usize;
            while h < MAX_TIP_HALF && model.height((h + 1) as f64 * d) <= max_height {
                h += 1;
            }
            Ok(h)
        };
        let (hx, hy) = (reach(dx)?, reach(dy)?);
        let w = 2 * hx + 1;
        let mut t = vec![f64::INFINITY; w * (2 * hy + 1)];
        for j in 0..2 * hy + 1 {
            for i in 0..w {
                let (u, v) = ((i as f64 - hx as f64) * dx, (j as f64 - hy as f64) * dy);
                let h = model.height((u * u + v * v).sqrt());
                if h <= max_height {
                    t[j * w + i] = h;
                }
            }
        }
        Ok(Tip { hx, hy, dx, dy, t })
    }

    /// A tip measured or modelled as a height map (apex = highest point). Pixel sizes must equal the
    /// image's (dx, dy).
    pub fn from_map(tip: &HeightMap, dx: f64, dy: f64) -> Result<Tip> {
        if ((tip.dx - dx) / dx).abs() > 1e-6 || ((tip.dy - dy) / dy).abs() > 1e-6 {
            return Err(MetrologyError::invalid(format!(
                "tip pixel {:e} x {:e} m: expected the image's {dx:e} x {dy:e} m",
                tip.dx, tip.dy
            )));
        }
        let (k, apex) = tip.z.iter().enumerate().filter(|(_, v)| !v.is_nan()).fold((0, f64::NEG_INFINITY), |a, (k, &v)| if v > a.1 { (k, v) } else { a });
        if apex == f64::NEG_INFINITY {
            return Err(MetrologyError::invalid("tip map has no measured points"));
        }
        let (ci, cj) = (k % tip.nx, k / tip.nx);
        let hx = ci.max(tip.nx - 1 - ci);
        let hy = cj.max(tip.ny - 1 - cj);
        if hx > MAX_TIP_HALF || hy > MAX_TIP_HALF {
            return Err(MetrologyError::invalid(format!("tip map: expected a half-width ≤ {MAX_TIP_HALF} px around the apex")));
        }
        let w = 2 * hx + 1;
        let mut t = vec![f64::INFINITY; w * (2 * hy + 1)];
        for j in 0..tip.ny {
            for i in 0..tip.nx {
                let v = tip.get(i, j);
                if !v.is_nan() {
                    t[(j + hy - cj) * w + (i + hx - ci)] = apex - v;
                }
            }
        }
        Ok(Tip { hx, hy, dx, dy, t })
    }

    /// Finite kernel entries (di, dj, t).
    fn entries(&self) -> Vec<(isize, isize, f64)> {
        let w = 2 * self.hx + 1;
        self.t
            .iter()
            .enumerate()
            .filter(|(_, v)| v.is_finite())
            .map(|(k, &v)| ((k % w) as isize - self.hx as isize, (k / w) as isize - self.hy as isize, v))
            .collect()
    }
}

fn check_grid(map: &HeightMap, tip: &Tip) -> Result<()> {
    if ((map.dx - tip.dx) / map.dx).abs() > 1e-6 || ((map.dy - tip.dy) / map.dy).abs() > 1e-6 {
        return Err(MetrologyError::invalid("tip and image pixel sizes differ"));
    }
    Ok(())
}

/// Simulated AFM image of `surface` scanned with `tip` (grey-scale dilation). Missing points are
/// ignored (the tip does not touch them); an image point whose tip touched nothing stays NaN.
pub fn dilate(surface: &HeightMap, tip: &Tip) -> Result<HeightMap> {
    check_grid(surface, tip)?;
    let e = tip.entries();
    let (nx, ny) = (surface.nx as isize, surface.ny as isize);
    let mut out = surface.clone();
    out.z.par_chunks_mut(surface.nx).enumerate().for_each(|(j, row)| {
        for (i, o) in row.iter_mut().enumerate() {
            let mut best = f64::NEG_INFINITY;
            for &(di, dj, t) in &e {
                let (x, y) = (i as isize + di, j as isize + dj);
                if x >= 0 && y >= 0 && x < nx && y < ny {
                    let v = surface.z[(y * nx + x) as usize] - t;
                    if v > best {
                        best = v;
                    }
                }
            }
            *o = if best == f64::NEG_INFINITY { f64::NAN } else { best };
        }
    });
    Ok(out)
}

/// Surface reconstruction (grey-scale erosion): the highest surface compatible with the image.
pub fn erode(image: &HeightMap, tip: &Tip) -> Result<HeightMap> {
    check_grid(image, tip)?;
    let e = tip.entries();
    let (nx, ny) = (image.nx as isize, image.ny as isize);
    let mut out = image.clone();
    out.z.par_chunks_mut(image.nx).enumerate().for_each(|(j, row)| {
        for (i, o) in row.iter_mut().enumerate() {
            let mut best = f64::INFINITY;
            for &(di, dj, t) in &e {
                let (x, y) = (i as isize - di, j as isize - dj);
                if x >= 0 && y >= 0 && x < nx && y < ny {
                    let v = image.z[(y * nx + x) as usize] + t;
                    if v < best {
                        best = v;
                    }
                }
            }
            *o = if best == f64::INFINITY { f64::NAN } else { best };
        }
    });
    Ok(out)
}

/// Certainty map of the reconstruction `erode(image, tip)`: true where the reconstructed height was
/// touched by the tip as its single contact point for some image position (Villarrubia 1997, §5).
pub fn certainty_map(image: &HeightMap, tip: &Tip) -> Result<Vec<bool>> {
    let rec = erode(image, tip)?;
    let e = tip.entries();
    let (nx, ny) = (image.nx as isize, image.ny as isize);
    let range = image.z.iter().filter(|v| !v.is_nan()).fold((f64::INFINITY, f64::NEG_INFINITY), |a, &v| (a.0.min(v), a.1.max(v)));
    let tol = 1e-9 * (range.1 - range.0).abs().max(f64::MIN_POSITIVE) + 1e-24;
    // Per image point: the single contact, if unique.
    let contacts: Vec<Option<usize>> = (0..image.z.len())
        .into_par_iter()
        .map(|k| {
            let (i, j) = ((k % image.nx) as isize, (k / image.nx) as isize);
            let iv = image.z[k];
            if iv.is_nan() {
                return None;
            }
            let mut found = None;
            for &(di, dj, t) in &e {
                let (x, y) = (i + di, j + dj);
                if x >= 0 && y >= 0 && x < nx && y < ny {
                    let kk = (y * nx + x) as usize;
                    if (rec.z[kk] - t - iv).abs() <= tol {
                        if found.is_some() {
                            return None;
                        }
                        found = Some(kk);
                    }
                }
            }
            found
        })
        .collect();
    let mut certain = vec![false; image.z.len()];
    for k in contacts.into_iter().flatten() {
        certain[k] = true;
    }
    Ok(certain)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_models() {
        assert_eq!("paraboloid:R=10nm".parse::<TipModel>().unwrap(), TipModel::Paraboloid { radius: 10e-9 });
        assert_eq!("sphere:R=20A".parse::<TipModel>().unwrap(), TipModel::Sphere { radius: 2e-9 });
        assert!(matches!("cone:angle=20,R=2".parse::<TipModel>().unwrap(), TipModel::Cone { .. }));
        for bad in ["paraboloid", "paraboloid:R=-1nm", "cone:R=2nm", "cone:angle=95,R=1nm", "blob:R=1nm", "sphere:R=1furlong"] {
            assert!(bad.parse::<TipModel>().is_err(), "{bad}");
        }
        // The cone is continuous at the tangent point.
        let c = TipModel::Cone { half_angle: 0.3, radius: 1.0 };
        let rt = 0.3f64.cos();
        assert!((c.height(rt - 1e-9) - c.height(rt + 1e-9)).abs() < 1e-8);
    }

    #[test]
    fn spike_images_as_inverted_tip() {
        let (d, h) = (1e-9, 5e-9);
        let mut s = HeightMap::from_fn(41, 41, d, d, |_, _| 0.0).unwrap();
        s.z[20 * 41 + 20] = h;
        let model = TipModel::Paraboloid { radius: 4e-9 };
        let tip = Tip::from_model(&model, d, d, h).unwrap();
        let img = dilate(&s, &tip).unwrap();
        for j in 0..41 {
            for i in 0..41 {
                let r = (((i as f64 - 20.0).powi(2) + (j as f64 - 20.0).powi(2)).sqrt()) * d;
                let want = (h - model.height(r)).max(0.0);
                assert!((img.get(i, j) - want).abs() < 1e-20, "({i},{j})");
            }
        }
        // The reconstruction of the spike is bounded by the image and above the surface.
        let rec = erode(&img, &tip).unwrap();
        for k in 0..s.z.len() {
            assert!(rec.z[k] >= s.z[k] - 1e-20 && rec.z[k] <= img.z[k] + 1e-20);
        }
        assert!((rec.z[20 * 41 + 20] - h).abs() < 1e-20);
    }

    #[test]
    fn smooth_surface_reconstructed_exactly_trench_uncertain() {
        let d = 1e-9;
        // Curvature radius of the sine (λ²/(4π²A) ≈ 40 nm) exceeds the tip radius: the continuous
        // surface is fully accessible. On the grid, contacts can only happen at whole-pixel offsets, so
        // the reconstruction is exact up to a small discretisation error (and near the edges, where the
        // tip would need to touch outside the scan, it stays an upper bound).
        let s = HeightMap::from_fn(64, 8, d, d, |x, _| 1e-9 * (2.0 * std::f64::consts::PI * x / 40e-9).sin()).unwrap();
        let tip = Tip::from_model(&TipModel::Paraboloid { radius: 5e-9 }, d, d, 3e-9).unwrap();
        let img = dilate(&s, &tip).unwrap();
        let rec = erode(&img, &tip).unwrap();
        for j in 0..8 {
            for i in 0..64 {
                let e = rec.get(i, j) - s.get(i, j);
                assert!(e > -1e-24, "reconstruction below the surface at ({i},{j})");
                if (6..58).contains(&i) {
                    assert!(e < 5e-12, "({i},{j}): {e:e}");
                }
            }
        }
        // A tip much sharper than the pixel spacing touches only with its apex: image = surface exactly.
        let sharp = Tip::from_model(&TipModel::Paraboloid { radius: 0.2e-9 }, d, d, 3e-9).unwrap();
        let img = dilate(&s, &sharp).unwrap();
        assert_eq!(img.z, s.z);
        assert_eq!(erode(&img, &sharp).unwrap().z, s.z);
        assert!(certainty_map(&img, &sharp).unwrap().iter().all(|&c| c));
        // A 1-pixel-wide, 3 nm deep trench is not reached by the tip: its bottom is uncertain.
        let mut t = HeightMap::from_fn(32, 4, d, d, |_, _| 0.0).unwrap();
        for j in 0..4 {
            t.z[j * 32 + 16] = -3e-9;
        }
        let img = dilate(&t, &tip).unwrap();
        let rec = erode(&img, &tip).unwrap();
        assert!(rec.get(16, 1) > -3e-9 + 1e-10);
        let c = certainty_map(&img, &tip).unwrap();
        assert!(!c[32 + 16]);
        assert!(c[32 + 3]);
    }

    #[test]
    fn tip_from_map_matches_model() {
        let d = 1e-9;
        let model = TipModel::Paraboloid { radius: 3e-9 };
        let tm = HeightMap::from_fn(9, 9, d, d, |x, y| -model.height(((x - 4e-9).powi(2) + (y - 4e-9).powi(2)).sqrt())).unwrap();
        let t = Tip::from_map(&tm, d, d).unwrap();
        assert_eq!((t.hx, t.hy), (4, 4));
        assert!((t.t[4 * 9 + 6] - model.height(2e-9)).abs() < 1e-24);
        assert!(Tip::from_map(&tm, 2e-9, d).is_err());
    }
}
