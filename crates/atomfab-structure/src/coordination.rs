//! Coordination numbers: neighbours (other atoms and periodic images) within a cutoff, as OVITO's
//! `CoordinationAnalysisModifier` counts them (distance ≤ cutoff).

use crate::error::StructureError;
use crate::grid::NeighborGrid;
use atomfab_core::{Cell, Vec3};
use rayon::prelude::*;

/// Number of neighbours of each atom within `cutoff_angstrom` (Å), in input order.
pub fn coordination_numbers(cell: &Cell, positions: &[Vec3], cutoff_angstrom: f64) -> Result<Vec<u32>, StructureError> {
    if !(cutoff_angstrom > 0.0 && cutoff_angstrom.is_finite()) {
        return Err(StructureError::Parameter(format!("coordination cutoff {cutoff_angstrom} Å must be finite and > 0")));
    }
    let grid = NeighborGrid::new(cell, positions)?;
    Ok(coordination_on_grid(&grid, cutoff_angstrom))
}

/// Coordination numbers on an already built grid.
pub fn coordination_on_grid(grid: &NeighborGrid, cutoff_angstrom: f64) -> Vec<u32> {
    (0..grid.len())
        .into_par_iter()
        .with_min_len(512)
        .map(|i| {
            let mut n = 0u32;
            grid.for_each_within(i, cutoff_angstrom, |_, _, _| n += 1);
            n
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use atomfab_core::{LatticeKind, LatticeSpec, UnitSystem};

    #[test]
    fn shells_of_perfect_crystals() {
        let si = LatticeSpec::new(LatticeKind::Diamond, 5.431, &["Si"]).build([2, 2, 2], UnitSystem::Metal).unwrap();
        assert!(coordination_numbers(&si.cell, &si.positions, 2.6).unwrap().iter().all(|&c| c == 4));
        assert!(coordination_numbers(&si.cell, &si.positions, 4.0).unwrap().iter().all(|&c| c == 16));
        // A one-cell fcc box: 12 neighbours are all images of the 4 atoms.
        let cu = LatticeSpec::new(LatticeKind::Fcc, 3.615, &["Cu"]).build([1, 1, 1], UnitSystem::Metal).unwrap();
        assert_eq!(coordination_numbers(&cu.cell, &cu.positions, 3.0).unwrap(), vec![12; 4]);
        assert!(coordination_numbers(&cu.cell, &cu.positions, 0.0).is_err());
    }
}
