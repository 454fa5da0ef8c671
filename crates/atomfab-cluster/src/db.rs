//! Duplicate detection and a database of the k lowest distinct minima.

use crate::potential::dist2;

/// Sorted list of all pair distances (length unit): invariant under rotation, translation and permutation.
pub fn fingerprint(pos: &[[f64; 3]]) -> Vec<f64> {
    let n = pos.len();
    let mut d = Vec::with_capacity(n * (n.saturating_sub(1)) / 2);
    for i in 0..n {
        for j in (i + 1)..n {
            d.push(dist2(pos[i], pos[j]).sqrt());
        }
    }
    d.sort_by(|a, b| a.partial_cmp(b).unwrap());
    d
}

/// Tolerances for "same minimum": energy (energy unit) and largest fingerprint difference (length unit).
#[derive(Debug, Clone, Copy)]
pub struct SameTol {
    pub energy: f64,
    pub distance: f64,
}

impl Default for SameTol {
    fn default() -> Self {
        Self { energy: 1e-5, distance: 1e-2 }
    }
}

/// True when two minima are the same structure (up to symmetry and permutation).
pub fn same_minimum(e1: f64, f1: &[f64], e2: f64, f2: &[f64], tol: SameTol) -> bool {
    (e1 - e2).abs() <= tol.energy * e1.abs().max(1.0)
        && f1.len() == f2.len()
        && f1.iter().zip(f2).all(|(a, b)| (a - b).abs() <= tol.distance)
}

/// One stored minimum.
#[derive(Debug, Clone)]
pub struct Minimum {
    /// Energy (potential's energy unit).
    pub energy: f64,
    /// Positions (potential's length unit).
    pub positions: Vec<[f64; 3]>,
    pub fingerprint: Vec<f64>,
}

/// The `k` lowest distinct minima seen so far, lowest first.
#[derive(Debug, Clone)]
pub struct MinimaDb {
    pub k: usize,
    pub tol: SameTol,
    pub entries: Vec<Minimum>,
}

impl MinimaDb {
    pub fn new(k: usize) -> Self {
        Self { k: k.max(1), tol: SameTol::default(), entries: Vec::new() }
    }

    /// Would a minimum of this energy be kept?
    pub fn wants(&self, energy: f64) -> bool {
        self.entries.len() < self.k || energy < self.entries.last().map_or(f64::INFINITY, |m| m.energy)
    }

    /// Insert unless a duplicate is already stored; returns true when inserted.
    pub fn insert(&mut self, energy: f64, positions: &[[f64; 3]]) -> bool {
        if !self.wants(energy) || !energy.is_finite() {
            return false;
        }
        let fp = fingerprint(positions);
        if self.entries.iter().any(|m| same_minimum(m.energy, &m.fingerprint, energy, &fp, self.tol)) {
            return false;
        }
        let at = self.entries.partition_point(|m| m.energy <= energy);
        self.entries.insert(at, Minimum { energy, positions: positions.to_vec(), fingerprint: fp });
        self.entries.truncate(self.k);
        true
    }

    /// Merge another database into this one.
    pub fn merge(&mut self, other: &MinimaDb) {
        for m in &other.entries {
            self.insert(m.energy, &m.positions);
        }
    }
}
