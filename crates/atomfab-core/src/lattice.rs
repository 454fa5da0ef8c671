//! Crystal lattice builders: sc, bcc, fcc, hcp and diamond, oriented by Miller indices (as LAMMPS
//! `lattice ... orient x .. orient y .. orient z ..`), filling a periodic block of whole periods.

use crate::cell::{dot, norm, Cell, Vec3};
use crate::error::CoreError;
use crate::system::{Species, System};
use crate::units::UnitSystem;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LatticeKind {
    Sc,
    Bcc,
    Fcc,
    Hcp,
    Diamond,
}

impl LatticeKind {
    /// Basis of the conventional cell in fractional coordinates, with the sublattice index of each site
    /// (diamond: 0 = fcc sites, 1 = the (¼,¼,¼) sites, so two species give zincblende).
    fn basis(self) -> Vec<(Vec3, usize)> {
        let fcc = [[0.0, 0.0, 0.0], [0.5, 0.5, 0.0], [0.5, 0.0, 0.5], [0.0, 0.5, 0.5]];
        match self {
            LatticeKind::Sc => vec![([0.0; 3], 0)],
            LatticeKind::Bcc => vec![([0.0; 3], 0), ([0.5; 3], 0)],
            LatticeKind::Fcc => fcc.iter().map(|&b| (b, 0)).collect(),
            LatticeKind::Diamond => fcc
                .iter()
                .map(|&b| (b, 0))
                .chain(fcc.iter().map(|&b| ([b[0] + 0.25, b[1] + 0.25, b[2] + 0.25], 1)))
                .collect(),
            // Orthohexagonal cell (a, √3 a, c); sublattice 1 is the B layer.
            LatticeKind::Hcp => vec![
                ([0.0, 0.0, 0.0], 0),
                ([0.5, 0.5, 0.0], 0),
                ([0.5, 5.0 / 6.0, 0.5], 1),
                ([0.0, 1.0 / 3.0, 0.5], 1),
            ],
        }
    }

    /// Pure translations of the Bravais lattice within the conventional cell.
    fn centering(self) -> Vec<Vec3> {
        match self {
            LatticeKind::Sc => vec![[0.0; 3]],
            LatticeKind::Bcc => vec![[0.0; 3], [0.5; 3]],
            LatticeKind::Fcc | LatticeKind::Diamond => {
                vec![[0.0, 0.0, 0.0], [0.5, 0.5, 0.0], [0.5, 0.0, 0.5], [0.0, 0.5, 0.5]]
            }
            LatticeKind::Hcp => vec![[0.0, 0.0, 0.0], [0.5, 0.5, 0.0]],
        }
    }

    fn sublattices(self) -> usize {
        match self {
            LatticeKind::Diamond | LatticeKind::Hcp => 2,
            _ => 1,
        }
    }
}

/// A lattice description. Lengths in Å (metal) or σ (lj).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LatticeSpec {
    pub kind: LatticeKind,
    /// Cubic lattice constant, or hcp basal constant a.
    pub a: f64,
    /// hcp c constant; defaults to the ideal √(8/3)·a.
    #[serde(default)]
    pub c: Option<f64>,
    /// Miller indices of the crystal directions along x, y and z. Default [100], [010], [001].
    #[serde(default = "default_orient")]
    pub orient: [[i32; 3]; 3],
    /// Species per sublattice: one name, or two for diamond (zincblende, e.g. ["Si", "C"]) or hcp.
    pub species: Vec<String>,
}

fn default_orient() -> [[i32; 3]; 3] {
    [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
}

fn gcd(a: i32, b: i32) -> i32 {
    if b == 0 {
        a.abs()
    } else {
        gcd(b, a % b)
    }
}

impl LatticeSpec {
    pub fn new(kind: LatticeKind, a: f64, species: &[&str]) -> LatticeSpec {
        LatticeSpec { kind, a, c: None, orient: default_orient(), species: species.iter().map(|s| s.to_string()).collect() }
    }

    pub fn oriented(mut self, orient: [[i32; 3]; 3]) -> LatticeSpec {
        self.orient = orient;
        self
    }

    fn check(&self) -> Result<(), CoreError> {
        if !(self.a > 0.0 && self.a.is_finite()) {
            return Err(CoreError::InvalidLattice(format!("lattice constant a = {} must be > 0", self.a)));
        }
        if let Some(c) = self.c {
            if !(c > 0.0 && c.is_finite()) {
                return Err(CoreError::InvalidLattice(format!("lattice constant c = {c} must be > 0")));
            }
        }
        let n = self.species.len();
        if n == 0 || n > self.kind.sublattices() {
            return Err(CoreError::InvalidLattice(format!(
                "{:?} takes 1..={} species names, got {}",
                self.kind,
                self.kind.sublattices(),
                n
            )));
        }
        let o = self.orient;
        if o.iter().any(|v| *v == [0, 0, 0]) {
            return Err(CoreError::InvalidLattice("orient vectors must be non-zero".into()));
        }
        let of = o.map(|v| v.map(f64::from));
        if dot(of[0], of[1]) != 0.0 || dot(of[0], of[2]) != 0.0 || dot(of[1], of[2]) != 0.0 {
            return Err(CoreError::InvalidLattice(format!("orient vectors {o:?} must be mutually orthogonal")));
        }
        if dot(crate::cell::cross(of[0], of[1]), of[2]) <= 0.0 {
            return Err(CoreError::InvalidLattice(format!("orient vectors {o:?} must be right-handed (x × y ∥ +z)")));
        }
        if self.kind == LatticeKind::Hcp && o != default_orient() {
            return Err(CoreError::InvalidLattice(
                "hcp supports only the default orientation (x ∥ a, z ∥ c)".into(),
            ));
        }
        Ok(())
    }

    /// Conventional cell edge lengths in the crystal frame.
    fn cell_edges(&self) -> Vec3 {
        match self.kind {
            LatticeKind::Hcp => [self.a, self.a * 3f64.sqrt(), self.c.unwrap_or(self.a * (8.0f64 / 3.0).sqrt())],
            _ => [self.a; 3],
        }
    }

    /// Shortest repeat distance along each oriented axis (Å).
    pub fn periods(&self) -> Result<Vec3, CoreError> {
        self.check()?;
        let edges = self.cell_edges();
        let centering = self.kind.centering();
        let mut out = [0.0; 3];
        for (k, v) in self.orient.iter().enumerate() {
            let g = gcd(gcd(v[0], v[1]), v[2]);
            let v = v.map(|x| f64::from(x / g));
            let full = norm([v[0] * edges[0], v[1] * edges[1], v[2] * edges[2]]);
            // Smallest fraction t of the integer vector that is itself a lattice translation.
            let t = (1..=4)
                .rev()
                .map(|n| 1.0 / n as f64)
                .find(|&t| {
                    let s = v.map(|x| (x * t).rem_euclid(1.0));
                    centering.iter().any(|c| (0..3).all(|d| {
                        let diff = (s[d] - c[d]).rem_euclid(1.0);
                        diff < 1e-9 || diff > 1.0 - 1e-9
                    }))
                })
                .unwrap_or(1.0);
            out[k] = full * t;
        }
        Ok(out)
    }

    /// Builds a fully periodic block of `repeats` periods along x, y, z.
    pub fn build(&self, repeats: [usize; 3], units: UnitSystem) -> Result<System, CoreError> {
        let periods = self.periods()?;
        if repeats.iter().any(|&n| n == 0) {
            return Err(CoreError::InvalidLattice(format!("repeats {repeats:?} must all be ≥ 1")));
        }
        let lengths = [0, 1, 2].map(|k| periods[k] * repeats[k] as f64);
        let edges = self.cell_edges();
        let rotation: [Vec3; 3] = self.orient.map(|v| {
            let v = v.map(f64::from);
            let n = norm(v);
            v.map(|x| x / n)
        });
        let volume_cells = lengths[0] * lengths[1] * lengths[2] / (edges[0] * edges[1] * edges[2]);
        let basis = self.kind.basis();
        let expected = (volume_cells * basis.len() as f64).round() as usize;
        if expected > 200_000_000 {
            return Err(CoreError::InvalidLattice(format!("{expected} atoms requested; the limit is 2e8")));
        }
        // Range of conventional cells that can overlap the oriented box.
        let mut lo = [f64::INFINITY; 3];
        let mut hi = [f64::NEG_INFINITY; 3];
        for corner in 0..8 {
            let q = [0, 1, 2].map(|k| if corner >> k & 1 == 1 { lengths[k] } else { 0.0 });
            for d in 0..3 {
                let p = rotation[0][d] * q[0] + rotation[1][d] * q[1] + rotation[2][d] * q[2];
                lo[d] = lo[d].min(p / edges[d]);
                hi[d] = hi[d].max(p / edges[d]);
            }
        }
        let cell = Cell::orthorhombic([0.0; 3], lengths, [true; 3])?;
        let mut system = System::new(cell, units);
        let species: Vec<u32> = self
            .species
            .iter()
            .map(|name| Species::element(name).map(|s| system.species_named(s)))
            .collect::<Result<_, _>>()?;
        system.positions.reserve(expected);
        let eps = 1e-8 * self.a;
        for i in (lo[0].floor() as i64 - 1)..=(hi[0].ceil() as i64 + 1) {
            for j in (lo[1].floor() as i64 - 1)..=(hi[1].ceil() as i64 + 1) {
                for k in (lo[2].floor() as i64 - 1)..=(hi[2].ceil() as i64 + 1) {
                    for &(b, sub) in &basis {
                        let p = [
                            (i as f64 + b[0]) * edges[0],
                            (j as f64 + b[1]) * edges[1],
                            (k as f64 + b[2]) * edges[2],
                        ];
                        let q = [dot(rotation[0], p), dot(rotation[1], p), dot(rotation[2], p)];
                        if (0..3).all(|d| q[d] >= -eps && q[d] < lengths[d] - eps) {
                            let q = q.map(|x| if x < 0.0 { 0.0 } else { x });
                            let s = species[sub.min(species.len() - 1)];
                            system.push_atom_with_id(s, q, system.positions.len() as u64 + 1);
                        }
                    }
                }
            }
        }
        if system.len() != expected {
            return Err(CoreError::InvalidLattice(format!(
                "orientation {:?} produced {} atoms, expected {expected}; the orient vectors do not give a periodic block",
                self.orient,
                system.len()
            )));
        }
        Ok(system)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_density() {
        let si = LatticeSpec::new(LatticeKind::Diamond, 5.431, &["Si"]).build([2, 2, 2], UnitSystem::Metal).unwrap();
        assert_eq!(si.len(), 64);
        assert!((si.density_g_per_cm3() - 2.329).abs() < 0.01);
        let cu = LatticeSpec::new(LatticeKind::Fcc, 3.615, &["Cu"]).build([3, 3, 3], UnitSystem::Metal).unwrap();
        assert_eq!(cu.len(), 108);
        let fe = LatticeSpec::new(LatticeKind::Bcc, 2.8665, &["Fe"]).build([2, 2, 2], UnitSystem::Metal).unwrap();
        assert_eq!(fe.len(), 16);
        let mg = LatticeSpec::new(LatticeKind::Hcp, 3.21, &["Mg"]).build([2, 2, 2], UnitSystem::Metal).unwrap();
        assert_eq!(mg.len(), 32);
    }

    #[test]
    fn oriented_periods() {
        let spec = LatticeSpec::new(LatticeKind::Fcc, 4.0, &["Cu"]).oriented([[1, -1, 0], [1, 1, -2], [1, 1, 1]]);
        let p = spec.periods().unwrap();
        assert!((p[0] - 4.0 / 2f64.sqrt()).abs() < 1e-12);
        assert!((p[1] - 4.0 * 6f64.sqrt() / 2.0).abs() < 1e-12);
        assert!((p[2] - 4.0 * 3f64.sqrt()).abs() < 1e-12);
        let s = spec.build([2, 2, 2], UnitSystem::Metal).unwrap();
        // 4 atoms per a³.
        assert_eq!(s.len() as f64, (s.cell.volume() * 4.0 / 64.0).round());
    }

    #[test]
    fn si111_slab_has_bilayers() {
        let spec = LatticeSpec::new(LatticeKind::Diamond, 5.431, &["Si"]).oriented([[1, -1, 0], [1, 1, -2], [1, 1, 1]]);
        let s = spec.build([2, 1, 1], UnitSystem::Metal).unwrap();
        let mut z: Vec<f64> = s.positions.iter().map(|r| (r[2] * 1e6).round() / 1e6).collect();
        z.sort_by(f64::total_cmp);
        z.dedup();
        // Six (111) planes per [111] period, in three closely spaced bilayers.
        assert_eq!(z.len(), 6);
    }

    #[test]
    fn nearest_neighbour_distances() {
        // Every atom of an oriented diamond crystal has exactly 4 neighbours at a√3/4.
        let spec = LatticeSpec::new(LatticeKind::Diamond, 5.431, &["Si", "C"]).oriented([[1, 1, 0], [-1, 1, 0], [0, 0, 1]]);
        let s = spec.build([2, 2, 2], UnitSystem::Metal).unwrap();
        let d0 = 5.431 * 3f64.sqrt() / 4.0;
        for i in 0..s.len() {
            let mut n = 0;
            for j in 0..s.len() {
                let d = s.cell.minimum_image(crate::cell::sub(s.positions[j], s.positions[i]));
                if i != j && (norm(d) - d0).abs() < 1e-6 {
                    n += 1;
                    assert_ne!(s.species_index[i], s.species_index[j], "zincblende neighbours are unlike");
                }
            }
            assert_eq!(n, 4);
        }
    }

    #[test]
    fn bad_specs_are_errors() {
        let bad = LatticeSpec::new(LatticeKind::Fcc, 4.0, &["Cu"]).oriented([[1, 0, 0], [1, 1, 0], [0, 0, 1]]);
        assert!(bad.build([1, 1, 1], UnitSystem::Metal).is_err());
        let left = LatticeSpec::new(LatticeKind::Fcc, 4.0, &["Cu"]).oriented([[0, 1, 0], [1, 0, 0], [0, 0, 1]]);
        assert!(left.build([1, 1, 1], UnitSystem::Metal).unwrap_err().to_string().contains("right-handed"));
        assert!(LatticeSpec::new(LatticeKind::Fcc, -1.0, &["Cu"]).build([1, 1, 1], UnitSystem::Metal).is_err());
        assert!(LatticeSpec::new(LatticeKind::Fcc, 4.0, &["Qq"]).build([1, 1, 1], UnitSystem::Metal).is_err());
    }
}
