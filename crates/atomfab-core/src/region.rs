//! Geometric regions (Å) for selecting atoms: groups, deletions, vacancies.

use crate::cell::{dot, norm, sub, Vec3};
use crate::error::CoreError;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Axis {
    X,
    Y,
    Z,
}

impl Axis {
    pub fn index(self) -> usize {
        self as usize
    }
}

/// A region of space. In TOML: `{ shape = "block", lo = [..], hi = [..] }` (`inf`/`-inf` allowed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "shape", rename_all = "snake_case", deny_unknown_fields)]
pub enum Region {
    /// Axis-aligned box lo ≤ r < hi.
    Block { lo: Vec3, hi: Vec3 },
    Sphere { center: Vec3, radius: f64 },
    /// Cylinder along `axis` through `center` (the two other coordinates), between lo and hi along the axis.
    Cylinder { axis: Axis, center: [f64; 2], radius: f64, lo: f64, hi: f64 },
    /// The side of a plane that `normal` points into: (r − point)·normal ≥ 0.
    HalfSpace { point: Vec3, normal: Vec3 },
}

impl Region {
    pub fn validate(&self) -> Result<(), CoreError> {
        let bad = |m: String| Err(CoreError::InvalidRegion(m));
        match self {
            Region::Block { lo, hi } => {
                if (0..3).any(|k| lo[k].is_nan() || hi[k].is_nan() || !(hi[k] > lo[k])) {
                    return bad(format!("block needs lo < hi on every axis, got lo={lo:?} hi={hi:?}"));
                }
            }
            Region::Sphere { center, radius } => {
                if center.iter().any(|x| !x.is_finite()) || !(*radius > 0.0 && radius.is_finite()) {
                    return bad(format!("sphere needs a finite center and radius > 0, got radius {radius}"));
                }
            }
            Region::Cylinder { center, radius, lo, hi, .. } => {
                if center.iter().any(|x| !x.is_finite()) || !(*radius > 0.0) || lo.is_nan() || hi.is_nan() || !(hi > lo) {
                    return bad(format!("cylinder needs radius > 0 and lo < hi, got radius {radius}, lo {lo}, hi {hi}"));
                }
            }
            Region::HalfSpace { point, normal } => {
                if point.iter().chain(normal.iter()).any(|x| !x.is_finite()) || norm(*normal) == 0.0 {
                    return bad("half_space needs a finite point and a non-zero normal".into());
                }
            }
        }
        Ok(())
    }

    #[inline]
    pub fn contains(&self, r: Vec3) -> bool {
        match self {
            Region::Block { lo, hi } => (0..3).all(|k| r[k] >= lo[k] && r[k] < hi[k]),
            Region::Sphere { center, radius } => {
                let d = sub(r, *center);
                dot(d, d) <= radius * radius
            }
            Region::Cylinder { axis, center, radius, lo, hi } => {
                let a = axis.index();
                let (u, v) = ((a + 1) % 3, (a + 2) % 3);
                // The two transverse coordinates in cyclic order after the axis (y,z for x; z,x for y; x,y for z).
                let (cu, cv) = if a == 1 { (center[1], center[0]) } else { (center[0], center[1]) };
                let (du, dv) = (r[u] - cu, r[v] - cv);
                r[a] >= *lo && r[a] < *hi && du * du + dv * dv <= radius * radius
            }
            Region::HalfSpace { point, normal } => dot(sub(r, *point), *normal) >= 0.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        let b = Region::Block { lo: [0.0, 0.0, f64::NEG_INFINITY], hi: [1.0, 1.0, 5.0] };
        assert!(b.contains([0.5, 0.5, -100.0]) && !b.contains([0.5, 0.5, 5.0]));
        let c = Region::Cylinder { axis: Axis::Y, center: [1.0, 2.0], radius: 0.5, lo: 0.0, hi: 10.0 };
        // center = (x, z) for a y cylinder.
        assert!(c.contains([1.2, 3.0, 2.1]) && !c.contains([2.0, 3.0, 1.0]));
        let h = Region::HalfSpace { point: [0.0, 0.0, 3.0], normal: [0.0, 0.0, 1.0] };
        assert!(h.contains([9.0, 9.0, 3.5]) && !h.contains([0.0, 0.0, 2.9]));
        assert!(Region::Sphere { center: [0.0; 3], radius: -1.0 }.validate().is_err());
    }

    #[test]
    fn parses_from_toml() {
        #[derive(Deserialize)]
        struct W {
            r: Region,
        }
        let w: W = toml::from_str("r = { shape = \"block\", lo = [0, 0, -inf], hi = [1, 1, 2] }").unwrap();
        assert!(matches!(w.r, Region::Block { .. }));
        assert!(toml::from_str::<W>("r = { shape = \"sphere\", center = [0,0,0], radius = 1, oops = 2 }").is_err());
    }
}
