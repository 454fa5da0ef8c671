//! Reference global minima from the Cambridge Cluster Database (fixture `tests/fixtures/ccd_lj_2_150.txt`).

const CCD_LJ: &str = include_str!("../tests/fixtures/ccd_lj_2_150.txt");

/// Putative global-minimum energy of the N-atom Lennard-Jones cluster in reduced units (ε), N = 2..150,
/// from the Cambridge Cluster Database (Wales & Doye, J. Phys. Chem. A 101, 5111 (1997) and later entries).
pub fn ccd_lj_energy(n: usize) -> Option<f64> {
    ccd_lj_table().into_iter().find(|(m, _)| *m == n).map(|(_, e)| e)
}

/// The whole table as (N, energy) pairs.
pub fn ccd_lj_table() -> Vec<(usize, f64)> {
    CCD_LJ
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let mut it = l.split_whitespace();
            Some((it.next()?.parse().ok()?, it.next()?.parse().ok()?))
        })
        .collect()
}
