//! Common neighbour analysis (Honeycutt & Andersen 1987; Faken & Jónsson 1994) in OVITO's two
//! cutoff modes:
//!
//! - adaptive (a-CNA, Stukowski, Modelling Simul. Mater. Sci. Eng. 20, 045021 (2012)): the cutoff of
//!   each atom is set from its own nearest neighbours, 12 for FCC/HCP/ICO (r_c = (1+√2)/2 · mean r of the
//!   12) and 14 for BCC (r_c = 1.207 · mean of the 8 first-shell distances scaled by 2/√3 and the 6
//!   second-shell distances);
//! - fixed: one global cutoff; an atom must have exactly 12 or 14 neighbours within it.
//!
//! For each neighbour the signature (common neighbours, bonds among them, longest bond chain) is
//! computed with bit masks; FCC = 12×(421), HCP = 6×(421) + 6×(422), ICO = 12×(555),
//! BCC = 6×(444) + 8×(666). Type codes are OVITO's.
//!
//! The floating-point factors are OVITO's own single-precision literals, so atoms whose neighbour
//! distance sits next to the cutoff are classified the same way.

use crate::error::StructureError;
use crate::grid::{NearestNeighbors, Neighbor, NeighborGrid};
use atomfab_core::{Cell, Vec3};
use rayon::prelude::*;
use serde::Serialize;

/// Structure types of the CNA; the discriminants are OVITO's type ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[repr(u8)]
pub enum CnaType {
    Other = 0,
    Fcc = 1,
    Hcp = 2,
    Bcc = 3,
    Ico = 4,
}

impl CnaType {
    pub const ALL: [CnaType; 5] = [CnaType::Other, CnaType::Fcc, CnaType::Hcp, CnaType::Bcc, CnaType::Ico];
    /// OVITO's name of the type.
    pub fn name(self) -> &'static str {
        match self {
            CnaType::Other => "Other",
            CnaType::Fcc => "FCC",
            CnaType::Hcp => "HCP",
            CnaType::Bcc => "BCC",
            CnaType::Ico => "ICO",
        }
    }
    /// The type of an OVITO id.
    pub fn from_id(id: i64) -> Option<CnaType> {
        CnaType::ALL.get(usize::try_from(id).ok()?).copied()
    }
    /// A crystal lattice site (FCC, HCP or BCC); icosahedral order is not periodic.
    pub fn is_crystalline(self) -> bool {
        matches!(self, CnaType::Fcc | CnaType::Hcp | CnaType::Bcc)
    }
}

/// How the CNA chooses the neighbour cutoff.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CnaMode {
    /// Per-atom cutoff from the 12 / 14 nearest neighbours.
    Adaptive,
    /// One cutoff radius (Å) for all atoms.
    Fixed { cutoff_angstrom: f64 },
}

/// Most neighbours the fixed-cutoff CNA accepts (OVITO's `MAX_NEIGHBORS`); more means Other.
const MAX_NEIGHBORS: usize = 14;

/// Per-atom CNA structure types of `positions` (Å) in `cell`, in input order.
pub fn common_neighbor_analysis(cell: &Cell, positions: &[Vec3], mode: CnaMode) -> Result<Vec<CnaType>, StructureError> {
    if let CnaMode::Fixed { cutoff_angstrom } = mode {
        if !(cutoff_angstrom > 0.0 && cutoff_angstrom.is_finite()) {
            return Err(StructureError::Parameter(format!("CNA cutoff {cutoff_angstrom} Å must be finite and > 0")));
        }
    }
    let grid = NeighborGrid::new(cell, positions)?;
    Ok(cna_on_grid(&grid, mode))
}

/// CNA on an already built grid (the grid can be shared with other analyses).
pub fn cna_on_grid(grid: &NeighborGrid, mode: CnaMode) -> Vec<CnaType> {
    let order = grid.spatial_order();
    let radius = match mode {
        CnaMode::Adaptive => candidate_radius(grid),
        CnaMode::Fixed { .. } => 0.0,
    };
    // Results in spatial order (cache-friendly queries), then scattered to input order.
    let in_order: Vec<CnaType> = order
        .par_iter()
        .with_min_len(256)
        .map(|&i| match mode {
            CnaMode::Adaptive => adaptive_atom(grid, i as usize, radius),
            CnaMode::Fixed { cutoff_angstrom } => fixed_type(grid, i as usize, cutoff_angstrom),
        })
        .collect();
    let mut out = vec![CnaType::Other; order.len()];
    for (&i, &t) in order.iter().zip(&in_order) {
        out[i as usize] = t;
    }
    out
}

/// Radius hint for the 12-nearest searches (see `NeighborGrid::nearest_hinted`).
fn candidate_radius(grid: &NeighborGrid) -> f64 {
    grid.typical_radius(12)
}

/// a-CNA of atom i. The 12 nearest decide FCC/HCP/ICO; only atoms that fail need the 14 nearest (BCC),
/// and searching 12 scans a much smaller sphere in close-packed crystals.
fn adaptive_atom(grid: &NeighborGrid, i: usize, radius: f64) -> CnaType {
    // Up to 14 nearest from the radius scan (in bcc the 12th to 14th share a shell, so usually 14).
    let mut nn = NearestNeighbors::new(14);
    grid.nearest_hinted(i, radius, 12, &mut nn);
    if nn.len() < 12 {
        return CnaType::Other;
    }
    let t = close_packed_type(&nn.as_slice()[..12]);
    if t != CnaType::Other {
        return t;
    }
    if nn.len() < 14 {
        grid.nearest(i, &mut nn);
        if nn.len() < 14 {
            return CnaType::Other;
        }
    }
    bcc_type(&nn.as_slice()[..14])
}

/// a-CNA of one atom from its nearest neighbours (nearest first, at least 12 for FCC/HCP/ICO and
/// 14 for BCC; fewer gives Other), as OVITO's adaptive mode.
pub fn adaptive_type(nearest: &[Neighbor]) -> CnaType {
    if nearest.len() < 12 {
        return CnaType::Other;
    }
    let t = close_packed_type(&nearest[..12]);
    if t != CnaType::Other || nearest.len() < 14 {
        return t;
    }
    bcc_type(&nearest[..14])
}

/// FCC / HCP / ICO test on the 12 nearest neighbours.
#[inline]
fn close_packed_type(r: &[Neighbor]) -> CnaType {
    // OVITO: localScaling / nn * (1.0f + sqrt(2.0f)) * 0.5f, the factor in single precision.
    let factor12 = (1.0f32 + 2.0f32.sqrt()) as f64;
    let mut scaling = 0.0;
    for n in &r[..12] {
        scaling += n.distance_sq.sqrt();
    }
    let cutoff = scaling / 12.0 * factor12 * 0.5;
    let adj = bond_masks(r[..12].iter().map(|n| n.delta), cutoff * cutoff);
    small_signature(&adj[..12])
}

/// BCC test on the 14 nearest neighbours.
#[inline]
fn bcc_type(r: &[Neighbor]) -> CnaType {
    let mut scaling = 0.0;
    for n in &r[..8] {
        scaling += (n.distance_sq / (3.0f32 / 4.0f32) as f64).sqrt();
    }
    for n in &r[8..14] {
        scaling += n.distance_sq.sqrt();
    }
    let cutoff = scaling / 14.0 * 1.207f32 as f64;
    let adj = bond_masks(r[..14].iter().map(|n| n.delta), cutoff * cutoff);
    large_signature(&adj[..14])
}

/// Conventional CNA of atom i with a fixed cutoff (Å).
fn fixed_type(grid: &NeighborGrid, i: usize, cutoff: f64) -> CnaType {
    let mut vecs = [[0.0; 3]; MAX_NEIGHBORS];
    let mut n = 0;
    let mut overflow = false;
    grid.for_each_within(i, cutoff, |d, _, _| {
        if n == MAX_NEIGHBORS {
            overflow = true;
        } else {
            vecs[n] = d;
            n += 1;
        }
    });
    if overflow || (n != 12 && n != 14) {
        return CnaType::Other;
    }
    let adj = bond_masks(vecs[..n].iter().copied(), cutoff * cutoff);
    if n == 12 {
        small_signature(&adj[..12])
    } else {
        large_signature(&adj[..14])
    }
}

/// Bit mask per neighbour of the other neighbours within `cutoff_sq` of it (≤ 16 neighbours).
#[inline]
pub(crate) fn bond_masks(deltas: impl Iterator<Item = Vec3> + Clone, cutoff_sq: f64) -> [u32; 16] {
    let mut v = [[0.0; 3]; 16];
    let mut n = 0;
    for d in deltas {
        v[n] = d;
        n += 1;
    }
    let mut adj = [0u32; 16];
    for a in 0..n {
        for b in a + 1..n {
            let d = [v[a][0] - v[b][0], v[a][1] - v[b][1], v[a][2] - v[b][2]];
            // Branch-free: about a third of the pairs are bonds, a pattern no predictor learns.
            let bond = (d[0] * d[0] + d[1] * d[1] + d[2] * d[2] <= cutoff_sq) as u32;
            adj[a] |= bond << b;
            adj[b] |= bond << a;
        }
    }
    adj
}

/// CNA signature of the pair (centre, neighbour ni): common neighbours, bonds among them, and the
/// number of bonds in the largest connected cluster of those bonds.
#[inline]
pub(crate) fn signature(adj: &[u32], ni: usize) -> (u32, u32, u32) {
    let common = adj[ni];
    let ncn = common.count_ones();
    let mut bonds = 0;
    let mut max_degree = 0;
    let mut m = common;
    while m != 0 {
        let a = m.trailing_zeros() as usize;
        m &= m - 1;
        let degree = (adj[a] & common).count_ones();
        bonds += degree;
        max_degree = max_degree.max(degree);
    }
    bonds /= 2;
    // Shortcuts for the frequent small cases: two bonds form a chain of 2 exactly when they share an
    // atom; four bonds among four atoms are always connected.
    if bonds <= 1 {
        return (ncn, bonds, bonds);
    }
    if bonds == 2 {
        return (ncn, 2, if max_degree == 2 { 2 } else { 1 });
    }
    if ncn == 4 && bonds == 4 {
        return (4, 4, 4);
    }
    let mut max_chain = 0;
    let mut remaining = common;
    while remaining != 0 {
        let mut cluster = remaining & remaining.wrapping_neg();
        let mut frontier = cluster;
        while frontier != 0 {
            let mut grow = 0;
            let mut f = frontier;
            while f != 0 {
                let a = f.trailing_zeros() as usize;
                f &= f - 1;
                grow |= adj[a] & common;
            }
            frontier = grow & !cluster;
            cluster |= grow;
        }
        remaining &= !cluster;
        let mut cb = 0;
        let mut c = cluster;
        while c != 0 {
            let a = c.trailing_zeros() as usize;
            c &= c - 1;
            cb += (adj[a] & cluster).count_ones();
        }
        max_chain = max_chain.max(cb / 2);
    }
    (ncn, bonds, max_chain)
}

/// FCC / HCP / ICO from the 12-neighbour bond masks.
#[inline]
pub(crate) fn small_signature(adj: &[u32]) -> CnaType {
    let (mut n421, mut n422, mut n555) = (0, 0, 0);
    for ni in 0..adj.len() {
        match signature(adj, ni) {
            (4, 2, 1) => n421 += 1,
            (4, 2, 2) => n422 += 1,
            (5, 5, 5) => n555 += 1,
            _ => return CnaType::Other,
        }
    }
    if n421 == 12 {
        CnaType::Fcc
    } else if n421 == 6 && n422 == 6 {
        CnaType::Hcp
    } else if n555 == 12 {
        CnaType::Ico
    } else {
        CnaType::Other
    }
}

/// BCC from the 14-neighbour bond masks.
#[inline]
fn large_signature(adj: &[u32]) -> CnaType {
    let (mut n444, mut n666) = (0, 0);
    for ni in 0..adj.len() {
        match signature(adj, ni) {
            (4, 4, 4) => n444 += 1,
            (6, 6, 6) => n666 += 1,
            _ => return CnaType::Other,
        }
    }
    if n444 == 6 && n666 == 8 {
        CnaType::Bcc
    } else {
        CnaType::Other
    }
}

/// Number of atoms of each type, indexed by the type id.
pub fn counts(types: &[CnaType]) -> [usize; 5] {
    let mut c = [0; 5];
    for &t in types {
        c[t as usize] += 1;
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use atomfab_core::{LatticeKind, LatticeSpec, UnitSystem};

    fn crystal(kind: LatticeKind, a: f64, n: usize) -> atomfab_core::System {
        LatticeSpec::new(kind, a, &["Cu"]).build([n; 3], UnitSystem::Metal).unwrap()
    }

    #[test]
    fn perfect_crystals_in_both_modes() {
        let fcc = crystal(LatticeKind::Fcc, 3.615, 4);
        let bcc = crystal(LatticeKind::Bcc, 2.8665, 5);
        let hcp = crystal(LatticeKind::Hcp, 3.21, 4);
        for (s, t, rc) in [(&fcc, CnaType::Fcc, 3.09), (&bcc, CnaType::Bcc, 3.46), (&hcp, CnaType::Hcp, 3.87)] {
            for mode in [CnaMode::Adaptive, CnaMode::Fixed { cutoff_angstrom: rc }] {
                let types = common_neighbor_analysis(&s.cell, &s.positions, mode).unwrap();
                assert!(types.iter().all(|&x| x == t), "{t:?} {mode:?}: {:?}", counts(&types));
            }
        }
    }

    #[test]
    fn oriented_fcc_and_tiny_cells() {
        // A rotated crystal and a cell of one period (own images are neighbours) are still FCC.
        let s = LatticeSpec::new(LatticeKind::Fcc, 4.05, &["Al"]).oriented([[1, -1, 0], [1, 1, -2], [1, 1, 1]]).build([3, 2, 2], UnitSystem::Metal).unwrap();
        let types = common_neighbor_analysis(&s.cell, &s.positions, CnaMode::Adaptive).unwrap();
        assert!(types.iter().all(|&x| x == CnaType::Fcc));
        let tiny = crystal(LatticeKind::Fcc, 3.615, 1);
        let types = common_neighbor_analysis(&tiny.cell, &tiny.positions, CnaMode::Adaptive).unwrap();
        assert_eq!(types, vec![CnaType::Fcc; 4]);
    }

    #[test]
    fn icosahedron_centre() {
        // 13-atom Mackay icosahedron: the centre is ICO, the shell atoms are Other.
        let phi = (1.0 + 5f64.sqrt()) / 2.0;
        let mut pos = vec![[20.0; 3]];
        for &(a, b) in &[(1.0, phi), (-1.0, phi), (1.0, -phi), (-1.0, -phi)] {
            for p in [[0.0, a, b], [a, b, 0.0], [b, 0.0, a]] {
                pos.push([20.0 + 1.3 * p[0], 20.0 + 1.3 * p[1], 20.0 + 1.3 * p[2]]);
            }
        }
        let cell = Cell::orthorhombic([0.0; 3], [40.0; 3], [false; 3]).unwrap();
        let types = common_neighbor_analysis(&cell, &pos, CnaMode::Adaptive).unwrap();
        assert_eq!(types[0], CnaType::Ico);
        assert!(types[1..].iter().all(|&t| t == CnaType::Other));
    }

    #[test]
    fn signatures_of_fcc_neighbours() {
        let s = crystal(LatticeKind::Fcc, 1.0, 3);
        let grid = NeighborGrid::new(&s.cell, &s.positions).unwrap();
        let mut nn = NearestNeighbors::new(12);
        grid.nearest(0, &mut nn);
        let adj = bond_masks(nn.as_slice().iter().map(|n| n.delta), 0.8 * 0.8);
        for ni in 0..12 {
            assert_eq!(signature(&adj[..12], ni), (4, 2, 1));
        }
    }

    #[test]
    fn bad_cutoff_is_an_error() {
        let s = crystal(LatticeKind::Fcc, 3.615, 2);
        assert!(common_neighbor_analysis(&s.cell, &s.positions, CnaMode::Fixed { cutoff_angstrom: -1.0 }).is_err());
        assert!(common_neighbor_analysis(&s.cell, &s.positions, CnaMode::Fixed { cutoff_angstrom: f64::NAN }).is_err());
    }
}
