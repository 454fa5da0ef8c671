//! `HeightMap`: a regular grid of heights. All lengths (dx, dy, z) are in metres (SI), like Gwyddion's
//! data fields; readers convert from the file's unit. Missing points are NaN.

use crate::error::{MetrologyError, Result};

/// Largest grid accepted anywhere (2^28 points = 2 GiB of f64). Checked before allocating, so a file that
/// declares 10⁹ × 10⁹ points fails cleanly instead of aborting on allocation.
pub const MAX_POINTS: usize = 1 << 28;

#[derive(Debug, Clone, PartialEq)]
pub struct HeightMap {
    /// Points along x (columns).
    pub nx: usize,
    /// Points along y (rows).
    pub ny: usize,
    /// Pixel size along x, metres.
    pub dx: f64,
    /// Pixel size along y, metres.
    pub dy: f64,
    /// Heights in metres, row-major: `z[j * nx + i]` is column i of row j. NaN marks a missing point.
    pub z: Vec<f64>,
}

/// Checks a declared grid size before anything is allocated.
pub fn check_dims(nx: usize, ny: usize) -> Result<()> {
    if nx == 0 || ny == 0 {
        return Err(MetrologyError::invalid(format!("grid {nx} x {ny}: expected at least 1 x 1 points")));
    }
    match nx.checked_mul(ny) {
        Some(n) if n <= MAX_POINTS => Ok(()),
        _ => Err(MetrologyError::invalid(format!(
            "grid {nx} x {ny}: expected at most {MAX_POINTS} points in total"
        ))),
    }
}

/// Checks that a pixel size is a finite positive length.
pub fn check_step(name: &str, d: f64) -> Result<()> {
    if d.is_finite() && d > 0.0 {
        Ok(())
    } else {
        Err(MetrologyError::invalid(format!("pixel size {name} = {d}: expected a finite length > 0")))
    }
}

impl HeightMap {
    /// Builds a map from row-major heights (metres). Infinite heights are rejected; NaN means missing.
    pub fn new(nx: usize, ny: usize, dx: f64, dy: f64, z: Vec<f64>) -> Result<Self> {
        check_dims(nx, ny)?;
        check_step("dx", dx)?;
        check_step("dy", dy)?;
        if z.len() != nx * ny {
            return Err(MetrologyError::invalid(format!(
                "height array has {} values: expected nx*ny = {}",
                z.len(),
                nx * ny
            )));
        }
        if let Some(k) = z.iter().position(|v| v.is_infinite()) {
            return Err(MetrologyError::invalid(format!(
                "height at column {}, row {} is infinite: expected a finite value or NaN (missing)",
                k % nx,
                k / nx
            )));
        }
        Ok(HeightMap { nx, ny, dx, dy, z })
    }

    /// A map filled by `f(x, y)` with x = i·dx, y = j·dy (metres).
    pub fn from_fn(nx: usize, ny: usize, dx: f64, dy: f64, mut f: impl FnMut(f64, f64) -> f64) -> Result<Self> {
        check_dims(nx, ny)?;
        let mut z = Vec::with_capacity(nx * ny);
        for j in 0..ny {
            for i in 0..nx {
                z.push(f(i as f64 * dx, j as f64 * dy));
            }
        }
        Self::new(nx, ny, dx, dy, z)
    }

    #[inline]
    pub fn get(&self, i: usize, j: usize) -> f64 {
        self.z[j * self.nx + i]
    }

    pub fn row(&self, j: usize) -> &[f64] {
        &self.z[j * self.nx..(j + 1) * self.nx]
    }

    /// Number of missing (NaN) points.
    pub fn missing(&self) -> usize {
        self.z.iter().filter(|v| v.is_nan()).count()
    }

    pub fn has_missing(&self) -> bool {
        self.z.iter().any(|v| v.is_nan())
    }

    /// Errors unless every point is measured (parameters that need a full grid call this).
    pub fn require_complete(&self, what: &str) -> Result<()> {
        let m = self.missing();
        if m > 0 {
            return Err(MetrologyError::invalid(format!(
                "{what}: the map has {m} missing (NaN) points: expected a complete grid (fill or crop first)"
            )));
        }
        Ok(())
    }

    /// Physical size along x as Gwyddion counts it (nx·dx, metres).
    pub fn xreal(&self) -> f64 {
        self.nx as f64 * self.dx
    }
    pub fn yreal(&self) -> f64 {
        self.ny as f64 * self.dy
    }

    /// Mean of the measured heights (metres); NaN if nothing is measured.
    pub fn mean(&self) -> f64 {
        let (s, n) = self.z.iter().filter(|v| !v.is_nan()).fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
        if n == 0 {
            f64::NAN
        } else {
            s / n as f64
        }
    }

    /// Copy with the mean subtracted.
    pub fn centered(&self) -> HeightMap {
        let m = self.mean();
        let mut out = self.clone();
        out.z.iter_mut().for_each(|v| *v -= m);
        out
    }

    /// Transposed copy (x ↔ y), for running a per-row operation along columns.
    pub fn transposed(&self) -> HeightMap {
        let mut z = vec![0.0; self.z.len()];
        for j in 0..self.ny {
            for i in 0..self.nx {
                z[i * self.ny + j] = self.z[j * self.nx + i];
            }
        }
        HeightMap { nx: self.ny, ny: self.nx, dx: self.dy, dy: self.dx, z }
    }

    /// Sub-rectangle [i0, i0+w) × [j0, j0+h).
    pub fn crop(&self, i0: usize, j0: usize, w: usize, h: usize) -> Result<HeightMap> {
        if w == 0 || h == 0 || i0 + w > self.nx || j0 + h > self.ny {
            return Err(MetrologyError::invalid(format!(
                "crop {w}x{h} at ({i0},{j0}) does not fit in a {}x{} map",
                self.nx, self.ny
            )));
        }
        let mut z = Vec::with_capacity(w * h);
        for j in j0..j0 + h {
            z.extend_from_slice(&self.z[j * self.nx + i0..j * self.nx + i0 + w]);
        }
        Ok(HeightMap { nx: w, ny: h, dx: self.dx, dy: self.dy, z })
    }
}

/// Multiplier from a length unit name to metres ("m", "mm", "um"/"µm", "nm", "A"/"Å", "pm").
pub fn unit_to_metres(unit: &str) -> Option<f64> {
    Some(match unit.trim() {
        "m" => 1.0,
        "mm" => 1e-3,
        "um" | "µm" | "μm" | "micron" => 1e-6,
        "nm" => 1e-9,
        "A" | "Å" | "\u{212B}" | "angstrom" | "Ang" => 1e-10,
        "pm" => 1e-12,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absurd_dimensions_rejected_without_allocation() {
        let e = check_dims(1_000_000_000, 1_000_000_000).unwrap_err().to_string();
        assert!(e.contains("at most"), "{e}");
        assert!(check_dims(0, 5).is_err());
        assert!(check_dims(usize::MAX, 2).is_err());
    }

    #[test]
    fn bad_steps_and_values_rejected() {
        assert!(HeightMap::new(2, 1, 0.0, 1.0, vec![0.0, 0.0]).is_err());
        assert!(HeightMap::new(2, 1, 1.0, -1.0, vec![0.0, 0.0]).is_err());
        assert!(HeightMap::new(2, 1, f64::NAN, 1.0, vec![0.0, 0.0]).is_err());
        let e = HeightMap::new(2, 1, 1.0, 1.0, vec![0.0, f64::INFINITY]).unwrap_err().to_string();
        assert!(e.contains("column 1, row 0"), "{e}");
        assert!(HeightMap::new(2, 2, 1.0, 1.0, vec![0.0; 3]).is_err());
        let m = HeightMap::new(2, 1, 1.0, 1.0, vec![1.0, f64::NAN]).unwrap();
        assert_eq!(m.missing(), 1);
        assert_eq!(m.mean(), 1.0);
    }

    #[test]
    fn transpose_and_crop() {
        let m = HeightMap::from_fn(3, 2, 1.0, 2.0, |x, y| x + 10.0 * y).unwrap();
        let t = m.transposed();
        assert_eq!((t.nx, t.ny, t.dx, t.dy), (2, 3, 2.0, 1.0));
        assert_eq!(t.get(1, 2), m.get(2, 1));
        let c = m.crop(1, 1, 2, 1).unwrap();
        assert_eq!(c.z, vec![21.0, 22.0]);
        assert!(m.crop(2, 0, 2, 1).is_err());
    }
}
