//! Simulation cell: three lattice vectors (Å), an origin and per-axis periodicity.
//!
//! The cell may be orthorhombic or triclinic (any three non-coplanar vectors). LAMMPS' restricted
//! triclinic form (a along x, b in the xy plane) is one case of it; `lammps_form` converts to it.

use crate::error::CoreError;
use serde::{Deserialize, Serialize};

pub type Vec3 = [f64; 3];

#[inline]
pub fn dot(a: Vec3, b: Vec3) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}
#[inline]
pub fn cross(a: Vec3, b: Vec3) -> Vec3 {
    [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]
}
#[inline]
pub fn norm(a: Vec3) -> f64 {
    dot(a, a).sqrt()
}
#[inline]
pub fn sub(a: Vec3, b: Vec3) -> Vec3 {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}
#[inline]
pub fn add(a: Vec3, b: Vec3) -> Vec3 {
    [a[0] + b[0], a[1] + b[1], a[2] + b[2]]
}
#[inline]
pub fn scale(a: Vec3, s: f64) -> Vec3 {
    [a[0] * s, a[1] * s, a[2] * s]
}

/// A parallelepiped cell. Rows of `vectors` are the lattice vectors a, b, c in Å.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cell {
    vectors: [Vec3; 3],
    origin: Vec3,
    pbc: [bool; 3],
    /// Rows of the inverse transpose: fractional s_k = dot(inv[k], r - origin).
    inverse: [Vec3; 3],
}

impl Cell {
    /// A cell from three lattice vectors (Å). Fails when they are coplanar or not finite.
    pub fn new(vectors: [Vec3; 3], origin: Vec3, pbc: [bool; 3]) -> Result<Cell, CoreError> {
        if vectors.iter().flatten().chain(origin.iter()).any(|v| !v.is_finite()) {
            return Err(CoreError::InvalidCell("cell vectors and origin must be finite numbers".into()));
        }
        let [a, b, c] = vectors;
        let volume = dot(a, cross(b, c));
        let scale_ = norm(a) * norm(b) * norm(c);
        if scale_ == 0.0 || volume.abs() <= 1e-12 * scale_ {
            return Err(CoreError::InvalidCell(format!(
                "cell vectors are degenerate (volume {volume:e} Å³)"
            )));
        }
        let inverse = [
            scale(cross(b, c), 1.0 / volume),
            scale(cross(c, a), 1.0 / volume),
            scale(cross(a, b), 1.0 / volume),
        ];
        Ok(Cell { vectors, origin, pbc, inverse })
    }

    /// An orthorhombic box from `lo` to `hi` (Å).
    pub fn orthorhombic(lo: Vec3, hi: Vec3, pbc: [bool; 3]) -> Result<Cell, CoreError> {
        let l = sub(hi, lo);
        if l.iter().any(|&x| !(x > 0.0)) {
            return Err(CoreError::InvalidCell(format!(
                "box lengths must be positive, got {:?} Å",
                l
            )));
        }
        Cell::new([[l[0], 0.0, 0.0], [0.0, l[1], 0.0], [0.0, 0.0, l[2]]], lo, pbc)
    }

    /// A LAMMPS restricted-triclinic box: lo/hi bounds and tilt factors xy, xz, yz (Å).
    pub fn from_lammps(lo: Vec3, hi: Vec3, tilt: Vec3, pbc: [bool; 3]) -> Result<Cell, CoreError> {
        let l = sub(hi, lo);
        if l.iter().any(|&x| !(x > 0.0)) {
            return Err(CoreError::InvalidCell(format!("box lengths must be positive, got {:?} Å", l)));
        }
        let [xy, xz, yz] = tilt;
        Cell::new([[l[0], 0.0, 0.0], [xy, l[1], 0.0], [xz, yz, l[2]]], lo, pbc)
    }

    pub fn vectors(&self) -> &[Vec3; 3] {
        &self.vectors
    }
    pub fn origin(&self) -> Vec3 {
        self.origin
    }
    pub fn pbc(&self) -> [bool; 3] {
        self.pbc
    }
    pub fn set_pbc(&mut self, pbc: [bool; 3]) {
        self.pbc = pbc;
    }

    /// Volume in Å³.
    pub fn volume(&self) -> f64 {
        dot(self.vectors[0], cross(self.vectors[1], self.vectors[2])).abs()
    }

    /// Lengths |a|, |b|, |c| in Å.
    pub fn lengths(&self) -> Vec3 {
        [norm(self.vectors[0]), norm(self.vectors[1]), norm(self.vectors[2])]
    }

    /// Distances between opposite faces (Å): the widths that bound a cutoff under periodicity.
    pub fn perpendicular_widths(&self) -> Vec3 {
        let v = self.volume();
        let [a, b, c] = self.vectors;
        [v / norm(cross(b, c)), v / norm(cross(c, a)), v / norm(cross(a, b))]
    }

    /// True when a, b, c are along x, y, z.
    pub fn is_orthorhombic(&self) -> bool {
        let v = &self.vectors;
        v[0][1] == 0.0 && v[0][2] == 0.0 && v[1][0] == 0.0 && v[1][2] == 0.0 && v[2][0] == 0.0 && v[2][1] == 0.0
    }

    /// True when the cell is in LAMMPS restricted-triclinic form (a ∥ x, b in xy plane).
    pub fn is_lammps_form(&self) -> bool {
        let v = &self.vectors;
        v[0][1] == 0.0 && v[0][2] == 0.0 && v[1][2] == 0.0 && v[0][0] > 0.0 && v[1][1] > 0.0 && v[2][2] > 0.0
    }

    /// Fractional coordinates of a Cartesian position.
    #[inline]
    pub fn to_fractional(&self, r: Vec3) -> Vec3 {
        let d = sub(r, self.origin);
        [dot(self.inverse[0], d), dot(self.inverse[1], d), dot(self.inverse[2], d)]
    }

    /// Cartesian position of fractional coordinates.
    #[inline]
    pub fn to_cartesian(&self, s: Vec3) -> Vec3 {
        let v = &self.vectors;
        [
            self.origin[0] + s[0] * v[0][0] + s[1] * v[1][0] + s[2] * v[2][0],
            self.origin[1] + s[0] * v[0][1] + s[1] * v[1][1] + s[2] * v[2][1],
            self.origin[2] + s[0] * v[0][2] + s[1] * v[1][2] + s[2] * v[2][2],
        ]
    }

    /// Cartesian vector of a fractional displacement (no origin).
    #[inline]
    pub fn fractional_to_vector(&self, s: Vec3) -> Vec3 {
        let v = &self.vectors;
        [
            s[0] * v[0][0] + s[1] * v[1][0] + s[2] * v[2][0],
            s[0] * v[0][1] + s[1] * v[1][1] + s[2] * v[2][1],
            s[0] * v[0][2] + s[1] * v[1][2] + s[2] * v[2][2],
        ]
    }

    /// Wraps a position into the cell along periodic axes; returns the wrapped position and the
    /// number of cell vectors subtracted per axis (image flags move by that amount).
    #[inline]
    pub fn wrap(&self, r: Vec3) -> (Vec3, [i32; 3]) {
        let mut s = self.to_fractional(r);
        let mut shift = [0i32; 3];
        for k in 0..3 {
            if self.pbc[k] {
                let f = s[k].floor();
                s[k] -= f;
                // floor of a tiny negative number can give exactly 1.0 after subtraction.
                if s[k] >= 1.0 {
                    s[k] -= 1.0;
                    shift[k] += 1;
                }
                shift[k] += f as i32;
            }
        }
        if shift == [0, 0, 0] {
            return (r, shift);
        }
        (self.to_cartesian(s), shift)
    }

    /// Minimum-image displacement d = r_j − r_i, reduced along periodic axes.
    ///
    /// Exact for orthorhombic cells; for triclinic cells it searches the neighbouring images, so it is exact
    /// whenever |d| is less than half the smallest perpendicular width.
    pub fn minimum_image(&self, d: Vec3) -> Vec3 {
        let mut s = [dot(self.inverse[0], d), dot(self.inverse[1], d), dot(self.inverse[2], d)];
        for k in 0..3 {
            if self.pbc[k] {
                s[k] -= s[k].round();
            }
        }
        let base = self.fractional_to_vector(s);
        if self.is_orthorhombic() {
            return base;
        }
        let mut best = base;
        let mut best_r2 = dot(base, base);
        let range = |k: usize| if self.pbc[k] { -1..=1 } else { 0..=0 };
        for i in range(0) {
            for j in range(1) {
                for k in range(2) {
                    if i == 0 && j == 0 && k == 0 {
                        continue;
                    }
                    let cand = add(base, self.fractional_to_vector([i as f64, j as f64, k as f64]));
                    let r2 = dot(cand, cand);
                    if r2 < best_r2 {
                        best_r2 = r2;
                        best = cand;
                    }
                }
            }
        }
        best
    }

    /// This cell grown along its non-periodic axes just enough to hold every position (LAMMPS' shrink-wrap
    /// of `s` boundaries, never shrinking): what a file must declare so that atoms which left a
    /// non-periodic box (sputtered, ejected) still lie inside it. Periodic axes are unchanged.
    pub fn enclosing(&self, positions: &[Vec3]) -> Cell {
        let mut lo = [0.0f64; 3];
        let mut hi = [1.0f64; 3];
        for &r in positions {
            let s = self.to_fractional(r);
            for k in 0..3 {
                if !self.pbc[k] && s[k].is_finite() {
                    lo[k] = lo[k].min(s[k]);
                    hi[k] = hi[k].max(s[k]);
                }
            }
        }
        if lo == [0.0; 3] && hi == [1.0; 3] {
            return self.clone();
        }
        let origin = add(self.origin, self.fractional_to_vector(lo));
        let vectors = [0, 1, 2].map(|k| scale(self.vectors[k], hi[k] - lo[k]));
        Cell::new(vectors, origin, self.pbc).expect("growing a valid cell keeps it valid")
    }

    /// LAMMPS restricted-triclinic parameters of this cell after the rotation that brings a onto x and b
    /// into the xy plane: (lo, hi, [xy, xz, yz], rotation rows). Positions must be mapped with the same matrix.
    /// LAMMPS boxes are right-handed, so a left-handed cell gets an improper matrix (a rotation plus the mirror
    /// z → −z): the written system is the mirror image, which has the same energies and forces.
    pub fn lammps_form(&self) -> LammpsBox {
        let [a, b, c] = self.vectors;
        let ahat = scale(a, 1.0 / norm(a));
        let axb = cross(a, b);
        let normal = scale(axb, 1.0 / norm(axb));
        let yhat = cross(normal, ahat);
        let zhat = if dot(c, normal) < 0.0 { scale(normal, -1.0) } else { normal };
        let rotation = [ahat, yhat, zhat];
        let rotate = |v: Vec3| [dot(ahat, v), dot(yhat, v), dot(zhat, v)];
        let (ra, rb, rc) = (rotate(a), rotate(b), rotate(c));
        let lo = rotate(self.origin);
        LammpsBox { lo, hi: [lo[0] + ra[0], lo[1] + rb[1], lo[2] + rc[2]], tilt: [rb[0], rc[0], rc[1]], rotation }
    }
}

/// A cell expressed in LAMMPS' restricted-triclinic convention.
#[derive(Debug, Clone, PartialEq)]
pub struct LammpsBox {
    pub lo: Vec3,
    pub hi: Vec3,
    /// xy, xz, yz tilt factors (Å).
    pub tilt: Vec3,
    /// Rows: the new x, y, z unit vectors in the old frame (r_new = rotation · r_old).
    pub rotation: [Vec3; 3],
}

impl LammpsBox {
    pub fn is_triclinic(&self) -> bool {
        self.tilt.iter().any(|&t| t != 0.0)
    }
    pub fn rotate(&self, r: Vec3) -> Vec3 {
        [dot(self.rotation[0], r), dot(self.rotation[1], r), dot(self.rotation[2], r)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tri() -> Cell {
        Cell::new([[10.0, 0.0, 0.0], [3.0, 9.0, 0.0], [-2.0, 1.5, 8.0]], [1.0, -2.0, 0.5], [true; 3]).unwrap()
    }

    #[test]
    fn fractional_round_trip() {
        let c = tri();
        let r = [3.3, 4.4, -5.5];
        let back = c.to_cartesian(c.to_fractional(r));
        for k in 0..3 {
            assert!((back[k] - r[k]).abs() < 1e-12);
        }
        assert!((c.volume() - 720.0).abs() < 1e-9);
    }

    #[test]
    fn wrap_counts_images() {
        let c = tri();
        let r = c.to_cartesian([1.25, -0.5, 2.0]);
        let (w, shift) = c.wrap(r);
        assert_eq!(shift, [1, -1, 2]);
        let s = c.to_fractional(w);
        assert!((s[0] - 0.25).abs() < 1e-12 && (s[1] - 0.5).abs() < 1e-12 && s[2].abs() < 1e-12);
    }

    #[test]
    fn minimum_image_is_shortest() {
        let c = tri();
        let d = c.fractional_to_vector([0.45, 0.45, 0.45]);
        let m = c.minimum_image(d);
        for i in -2..=2 {
            for j in -2..=2 {
                for k in -2..=2 {
                    let cand = add(d, c.fractional_to_vector([i as f64, j as f64, k as f64]));
                    assert!(norm(m) <= norm(cand) + 1e-12);
                }
            }
        }
    }

    #[test]
    fn enclosing_grows_only_free_axes() {
        let c = Cell::orthorhombic([0.0; 3], [10.0; 3], [false, true, false]).unwrap();
        let grown = c.enclosing(&[[-2.0, 15.0, 5.0], [3.0, 1.0, 12.5]]);
        assert_eq!(grown.origin(), [-2.0, 0.0, 0.0]);
        assert_eq!(grown.lengths(), [12.0, 10.0, 12.5]);
        assert_eq!(c.enclosing(&[[1.0; 3]]), c);
    }

    #[test]
    fn degenerate_cells_are_errors() {
        assert!(Cell::new([[1.0, 0.0, 0.0], [2.0, 0.0, 0.0], [0.0, 0.0, 1.0]], [0.0; 3], [true; 3]).is_err());
        assert!(Cell::orthorhombic([0.0; 3], [1.0, -1.0, 1.0], [true; 3]).is_err());
        assert!(Cell::new([[f64::NAN, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]], [0.0; 3], [true; 3]).is_err());
    }

    #[test]
    fn lammps_form_preserves_geometry() {
        let c = Cell::new([[0.0, 5.0, 0.0], [-4.0, 1.0, 0.0], [1.0, 1.0, 6.0]], [0.0; 3], [true; 3]).unwrap();
        let lb = c.lammps_form();
        let l = [lb.hi[0] - lb.lo[0], lb.hi[1] - lb.lo[1], lb.hi[2] - lb.lo[2]];
        let rebuilt = Cell::from_lammps([0.0; 3], l, lb.tilt, [true; 3]).unwrap();
        assert!((rebuilt.volume() - c.volume()).abs() < 1e-9);
        for k in 0..3 {
            let rv = lb.rotate(c.vectors()[k]);
            for d in 0..3 {
                assert!((rv[d] - rebuilt.vectors()[k][d]).abs() < 1e-12, "{k} {d}");
            }
        }
    }

    #[test]
    fn lammps_form_of_a_left_handed_cell_is_its_mirror_image() {
        let c = Cell::new([[0.0, 5.0, 0.0], [1.0, 5.0, 0.0], [0.3, 1.0, 5.0]], [0.5, 0.0, 0.0], [true; 3]).unwrap();
        let lb = c.lammps_form();
        let l = [lb.hi[0] - lb.lo[0], lb.hi[1] - lb.lo[1], lb.hi[2] - lb.lo[2]];
        assert!(l.iter().all(|&x| x > 0.0), "{l:?}");
        let rebuilt = Cell::from_lammps([0.0; 3], l, lb.tilt, [true; 3]).unwrap();
        assert!((rebuilt.volume() - c.volume()).abs() < 1e-9);
        for k in 0..3 {
            let rv = lb.rotate(c.vectors()[k]);
            for d in 0..3 {
                assert!((rv[d] - rebuilt.vectors()[k][d]).abs() < 1e-12, "{k} {d}");
            }
        }
        // Distances are kept: the map is orthogonal (improper).
        let (p, q) = ([1.0, 2.0, 3.0], [-0.5, 4.0, 1.5]);
        let d0 = norm(sub(p, q));
        let d1 = norm(sub(lb.rotate(p), lb.rotate(q)));
        assert!((d0 - d1).abs() < 1e-12);
    }
}
