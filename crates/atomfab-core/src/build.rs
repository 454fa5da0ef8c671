//! Building a system from a recipe description: a lattice block, optional vacuum (making an axis a free
//! surface), regions removed, and named groups. Lengths in Å (metal) or σ (lj).

use crate::cell::Cell;
use crate::error::CoreError;
use crate::lattice::LatticeSpec;
use crate::region::Region;
use crate::system::System;
use crate::units::UnitSystem;
use serde::{Deserialize, Serialize};

/// A named group defined by a region.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupSpec {
    pub name: String,
    pub region: Region,
}

/// How to build a system from a lattice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BuildSpec {
    pub lattice: LatticeSpec,
    /// Number of lattice periods along x, y, z (see `LatticeSpec::periods`).
    pub repeats: [usize; 3],
    /// Empty space added above the crystal along x, y, z (Å); an axis with vacuum > 0 is non-periodic
    /// and its top is a free surface.
    #[serde(default)]
    pub vacuum: [f64; 3],
    /// Regions whose atoms are removed (vacancies, pre-cut shapes).
    #[serde(default)]
    pub delete: Vec<Region>,
    #[serde(default)]
    pub groups: Vec<GroupSpec>,
}

impl BuildSpec {
    pub fn build(&self, units: UnitSystem) -> Result<System, CoreError> {
        if self.vacuum.iter().any(|v| !(v.is_finite() && *v >= 0.0)) {
            return Err(CoreError::InvalidLattice(format!("vacuum {:?} must be finite and ≥ 0", self.vacuum)));
        }
        let mut system = self.lattice.build(self.repeats, units)?;
        if self.vacuum.iter().any(|&v| v > 0.0) {
            let v = system.cell.vectors();
            let hi = [v[0][0] + self.vacuum[0], v[1][1] + self.vacuum[1], v[2][2] + self.vacuum[2]];
            let pbc = [0, 1, 2].map(|k| self.vacuum[k] == 0.0);
            system.cell = Cell::orthorhombic([0.0; 3], hi, pbc)?;
        }
        for region in &self.delete {
            region.validate()?;
            system.delete_where(|r| region.contains(r));
        }
        system.renumber_ids();
        for g in &self.groups {
            g.region.validate()?;
            system.define_group(&g.name, |_, r| g.region.contains(r))?;
        }
        Ok(system)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lattice::LatticeKind;

    #[test]
    fn slab_with_vacancy_and_groups() {
        let spec = BuildSpec {
            lattice: LatticeSpec::new(LatticeKind::Fcc, 3.615, &["Cu"]),
            repeats: [3, 3, 3],
            vacuum: [0.0, 0.0, 10.0],
            delete: vec![Region::Sphere { center: [0.0, 0.0, 3.615], radius: 0.1 }],
            groups: vec![GroupSpec {
                name: "bottom".into(),
                region: Region::Block { lo: [f64::NEG_INFINITY; 3], hi: [f64::INFINITY, f64::INFINITY, 1.0] },
            }],
        };
        let s = spec.build(UnitSystem::Metal).unwrap();
        assert_eq!(s.len(), 107);
        assert_eq!(s.cell.pbc(), [true, true, false]);
        assert!((s.cell.lengths()[2] - (3.0 * 3.615 + 10.0)).abs() < 1e-12);
        let bit = s.group_bit("bottom").unwrap();
        assert_eq!(s.group_mask.iter().filter(|m| *m & bit != 0).count(), 18);
        assert_eq!(*s.ids.last().unwrap(), 107);
        s.validate().unwrap();
    }
}
