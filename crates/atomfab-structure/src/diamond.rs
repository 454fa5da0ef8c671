//! Identify diamond structure (Maras, Trushin, Stukowski, Ala-Nissila, Jónsson, Comput. Phys. Commun.
//! 205, 13 (2016)), as OVITO's `IdentifyDiamondModifier`.
//!
//! Each atom's 4 nearest neighbours are found; the 12 second neighbours are the neighbours of those
//! (excluding the way back), and must be exactly 3 per first neighbour. A CNA with an adaptive cutoff
//! (1.2071068 × mean second-neighbour distance) on the 12 second neighbours classifies the atom: all
//! 12 (421) → cubic diamond, 6 (421) + 6 (422) → hexagonal diamond. Then, in index order, the still
//! unclassified nearest neighbours of diamond atoms become "1st neighbour" atoms, and the still
//! unclassified nearest neighbours of those become "2nd neighbour" atoms. Type codes are OVITO's.

use crate::cna::{bond_masks, signature};
use crate::error::StructureError;
use crate::grid::{NearestNeighbors, NeighborGrid};
use atomfab_core::{Cell, Vec3};
use rayon::prelude::*;
use serde::Serialize;

/// Types of the diamond identification; the discriminants are OVITO's type ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[repr(u8)]
pub enum DiamondType {
    Other = 0,
    Cubic = 1,
    CubicFirstNeighbor = 2,
    CubicSecondNeighbor = 3,
    Hexagonal = 4,
    HexagonalFirstNeighbor = 5,
    HexagonalSecondNeighbor = 6,
}

impl DiamondType {
    pub const ALL: [DiamondType; 7] = [
        DiamondType::Other,
        DiamondType::Cubic,
        DiamondType::CubicFirstNeighbor,
        DiamondType::CubicSecondNeighbor,
        DiamondType::Hexagonal,
        DiamondType::HexagonalFirstNeighbor,
        DiamondType::HexagonalSecondNeighbor,
    ];
    /// OVITO's name of the type.
    pub fn name(self) -> &'static str {
        match self {
            DiamondType::Other => "Other",
            DiamondType::Cubic => "Cubic diamond",
            DiamondType::CubicFirstNeighbor => "Cubic diamond (1st neighbor)",
            DiamondType::CubicSecondNeighbor => "Cubic diamond (2nd neighbor)",
            DiamondType::Hexagonal => "Hexagonal diamond",
            DiamondType::HexagonalFirstNeighbor => "Hexagonal diamond (1st neighbor)",
            DiamondType::HexagonalSecondNeighbor => "Hexagonal diamond (2nd neighbor)",
        }
    }
    /// A short key for JSON and tables.
    pub fn key(self) -> &'static str {
        match self {
            DiamondType::Other => "other",
            DiamondType::Cubic => "cubic_diamond",
            DiamondType::CubicFirstNeighbor => "cubic_diamond_1st_neighbor",
            DiamondType::CubicSecondNeighbor => "cubic_diamond_2nd_neighbor",
            DiamondType::Hexagonal => "hexagonal_diamond",
            DiamondType::HexagonalFirstNeighbor => "hexagonal_diamond_1st_neighbor",
            DiamondType::HexagonalSecondNeighbor => "hexagonal_diamond_2nd_neighbor",
        }
    }
    pub fn from_id(id: i64) -> Option<DiamondType> {
        DiamondType::ALL.get(usize::try_from(id).ok()?).copied()
    }
    /// Any diamond lattice site, including the neighbour shells of diamond atoms (surface and defect
    /// atoms whose own environment is incomplete but which sit on the lattice).
    pub fn is_crystalline(self) -> bool {
        self != DiamondType::Other
    }
}

/// A nearest neighbour kept for the second pass: vector (Å) and atom index (u32::MAX when missing).
#[derive(Debug, Clone, Copy)]
struct Near {
    delta: Vec3,
    index: u32,
}

/// Per-atom diamond structure types of `positions` (Å) in `cell`, in input order.
pub fn identify_diamond(cell: &Cell, positions: &[Vec3]) -> Result<Vec<DiamondType>, StructureError> {
    let grid = NeighborGrid::new(cell, positions)?;
    Ok(diamond_on_grid(&grid))
}

/// Diamond identification on an already built grid.
pub fn diamond_on_grid(grid: &NeighborGrid) -> Vec<DiamondType> {
    let n = grid.len();
    let missing = Near { delta: [0.0; 3], index: u32::MAX };
    let mut near = vec![[missing; 4]; n];
    let radius = grid.typical_radius(4);
    near.par_iter_mut().with_min_len(512).enumerate().for_each(|(i, slot)| {
        let mut nn = NearestNeighbors::new(4);
        grid.nearest_hinted(i, radius, 4, &mut nn);
        for (s, nb) in slot.iter_mut().zip(nn.as_slice()) {
            *s = Near { delta: nb.delta, index: nb.index };
        }
    });
    let mut out: Vec<DiamondType> = (0..n).into_par_iter().with_min_len(512).map(|i| classify(&near, i)).collect();
    // Neighbour shells, sequentially in index order as OVITO marks them (the first claimant wins).
    for i in 0..n {
        let t = out[i];
        if t != DiamondType::Cubic && t != DiamondType::Hexagonal {
            continue;
        }
        let mark = if t == DiamondType::Cubic { DiamondType::CubicFirstNeighbor } else { DiamondType::HexagonalFirstNeighbor };
        for nb in &near[i] {
            let j = nb.index as usize;
            if out[j] == DiamondType::Other {
                out[j] = mark;
            }
        }
    }
    for i in 0..n {
        let t = out[i];
        if t != DiamondType::CubicFirstNeighbor && t != DiamondType::HexagonalFirstNeighbor {
            continue;
        }
        let mark = if t == DiamondType::CubicFirstNeighbor { DiamondType::CubicSecondNeighbor } else { DiamondType::HexagonalSecondNeighbor };
        for nb in &near[i] {
            if nb.index != u32::MAX && out[nb.index as usize] == DiamondType::Other {
                out[nb.index as usize] = mark;
            }
        }
    }
    out
}

/// Cubic / hexagonal diamond or Other for atom i from the nearest-neighbour table.
fn classify(near: &[[Near; 4]], i: usize) -> DiamondType {
    let mut second = [[0.0; 3]; 12];
    let mut count = 0;
    for (k, first) in near[i].iter().enumerate() {
        if first.index == u32::MAX {
            return DiamondType::Other;
        }
        for nb2 in &near[first.index as usize] {
            let v = [first.delta[0] + nb2.delta[0], first.delta[1] + nb2.delta[1], first.delta[2] + nb2.delta[2]];
            // The path back to the central atom (OVITO: Vector3::isZero(1e-2)).
            if v.iter().all(|x| x.abs() <= 1e-2) {
                continue;
            }
            if count == 12 {
                return DiamondType::Other;
            }
            second[count] = v;
            count += 1;
        }
        if count != 3 * k + 3 {
            return DiamondType::Other;
        }
    }
    let mut sum = 0.0;
    for v in &second {
        sum += (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt();
    }
    sum /= 12.0;
    let cutoff = sum * 1.2071068;
    let adj = bond_masks(second.iter().copied(), cutoff * cutoff);
    let (mut n421, mut n422) = (0, 0);
    for ni in 0..12 {
        match signature(&adj[..12], ni) {
            (4, 2, 1) => n421 += 1,
            (4, 2, 2) => n422 += 1,
            _ => return DiamondType::Other,
        }
    }
    if n421 == 12 {
        DiamondType::Cubic
    } else if n421 == 6 && n422 == 6 {
        DiamondType::Hexagonal
    } else {
        DiamondType::Other
    }
}

/// Number of atoms of each type, indexed by the type id.
pub fn counts(types: &[DiamondType]) -> [usize; 7] {
    let mut c = [0; 7];
    for &t in types {
        c[t as usize] += 1;
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use atomfab_core::{LatticeKind, LatticeSpec, UnitSystem};

    #[test]
    fn perfect_cubic_diamond() {
        let s = LatticeSpec::new(LatticeKind::Diamond, 5.431, &["Si"]).build([3, 3, 3], UnitSystem::Metal).unwrap();
        let t = identify_diamond(&s.cell, &s.positions).unwrap();
        assert!(t.iter().all(|&x| x == DiamondType::Cubic));
    }

    #[test]
    fn lonsdaleite_from_hcp_pairs() {
        // Hexagonal diamond: an ideal hcp lattice with a second atom 3c/8 above each site.
        let a = 2.52;
        let hcp = LatticeSpec::new(LatticeKind::Hcp, a, &["C"]).build([4, 3, 3], UnitSystem::Metal).unwrap();
        let c = a * (8.0f64 / 3.0).sqrt();
        let mut pos = hcp.positions.clone();
        for r in &hcp.positions {
            pos.push([r[0], r[1], r[2] + 3.0 * c / 8.0]);
        }
        let t = identify_diamond(&hcp.cell, &pos).unwrap();
        assert!(t.iter().all(|&x| x == DiamondType::Hexagonal), "{:?}", counts(&t));
    }

    #[test]
    fn surface_atoms_are_neighbour_types() {
        let mut s = LatticeSpec::new(LatticeKind::Diamond, 5.431, &["Si"]).build([3, 3, 3], UnitSystem::Metal).unwrap();
        let l = s.cell.lengths();
        s.cell = Cell::orthorhombic([0.0; 3], [l[0], l[1], l[2] + 10.0], [true, true, false]).unwrap();
        let c = counts(&identify_diamond(&s.cell, &s.positions).unwrap());
        assert!(c[DiamondType::CubicFirstNeighbor as usize] > 0 && c[DiamondType::CubicSecondNeighbor as usize] > 0);
        assert!(c[DiamondType::Cubic as usize] > 0);
        assert_eq!(c.iter().sum::<usize>(), s.len());
    }
}
