//! Deterministic parallel accumulation of forces over the atoms of a neighbour list.
//!
//! The local atoms are split into one contiguous chunk per rayon thread, balanced by neighbour count.
//! Each chunk accumulates forces (and per-atom energies / scalars) into its own buffer over the
//! extended (local + ghost) atoms, so Newton's third law can scatter to any atom without races. The
//! buffers are then summed in chunk order, so results depend only on the thread count. The virial
//! comes from Σ x_a ⊗ f_a over extended atoms before ghosts are folded (LAMMPS' "fdotr").

use crate::{Output, Request};
use atomfab_core::{NeighborList, Vec3};
use rayon::prelude::*;
use std::ops::Range;

/// Per-chunk accumulators over extended atoms. `X` is the potential's own per-chunk scratch.
#[derive(Default)]
pub(crate) struct Chunk<X> {
    /// Forces on extended atoms (eV/Å).
    pub f: Vec<Vec3>,
    /// Per-atom energies on extended atoms (eV), empty unless requested.
    pub e_atom: Vec<f64>,
    /// A per-extended-atom scalar (EAM electron density).
    pub s: Vec<f64>,
    /// Energy of this chunk (eV).
    pub energy: f64,
    pub extra: X,
}

#[derive(Default)]
pub(crate) struct Workspace<X> {
    pub chunks: Vec<Chunk<X>>,
    /// Local atom ranges of the chunks.
    pub bounds: Vec<Range<usize>>,
}

/// Atoms per block in the reductions (fixed, so sums do not depend on scheduling), and the least number of
/// atoms per task in the per-atom loops.
pub(crate) const BLOCK: usize = 4096;

impl<X: Default + Send + Sync> Workspace<X> {
    /// Splits the local atoms into chunks and zeroes the force (and per-atom energy) buffers. `active(i)`:
    /// whether this potential computes anything for local atom i (a hybrid part skips the atoms of other
    /// parts), so chunks balance the work actually done, not the list length.
    pub fn prepare(&mut self, list: &NeighborList, request: Request, active: impl Fn(usize) -> bool + Sync) {
        let n = list.n_local();
        let n_ext = list.n_extended();
        let nchunks = rayon::current_num_threads().clamp(1, n.max(1));
        self.bounds.clear();
        if nchunks == 1 {
            self.bounds.push(0..n);
        } else {
            // Work of atom i: its neighbour entries plus a constant, or 1 when inactive. Chunk c ends at the
            // first atom whose running sum reaches c/nchunks of the total: block sums in parallel, then a
            // walk inside the block where each boundary falls.
            let offsets = list.offsets();
            let work = |i: usize| if active(i) { offsets[i + 1] - offsets[i] + 4 } else { 1 };
            let sums: Vec<usize> = (0..n.div_ceil(BLOCK))
                .into_par_iter()
                .map(|b| (b * BLOCK..((b + 1) * BLOCK).min(n)).map(work).sum())
                .collect();
            let total: usize = sums.iter().sum();
            let (mut start, mut block, mut before) = (0, 0, 0);
            for c in 1..nchunks {
                while block < sums.len() && (before + sums[block]) * nchunks < total * c {
                    before += sums[block];
                    block += 1;
                }
                if block == sums.len() {
                    break;
                }
                let mut acc = before;
                let mut end = n;
                for i in block * BLOCK..((block + 1) * BLOCK).min(n) {
                    acc += work(i);
                    if acc * nchunks >= total * c {
                        end = i + 1;
                        break;
                    }
                }
                if end >= n {
                    break;
                }
                if end > start {
                    self.bounds.push(start..end);
                    start = end;
                }
            }
            self.bounds.push(start..n);
        }
        while self.bounds.len() < nchunks {
            self.bounds.push(n..n);
        }
        self.chunks.resize_with(nchunks, Chunk::default);
        self.chunks.truncate(nchunks);
        let per_atom = request.per_atom_energy;
        self.chunks.par_iter_mut().for_each(|c| {
            c.f.clear();
            c.f.resize(n_ext, [0.0; 3]);
            c.e_atom.clear();
            if per_atom {
                c.e_atom.resize(n_ext, 0.0);
            }
            c.energy = 0.0;
        });
    }

    /// Runs `work(range, chunk)` for every chunk in parallel.
    pub fn run<F>(&mut self, work: F)
    where
        F: Fn(Range<usize>, &mut Chunk<X>) + Sync + Send,
    {
        let bounds = &self.bounds;
        self.chunks.par_iter_mut().zip(bounds.par_iter()).for_each(|(c, r)| work(r.clone(), c));
    }

    /// Zeroes the scalar buffers (length n_ext).
    pub fn zero_scalars(&mut self, n_ext: usize) {
        self.chunks.par_iter_mut().for_each(|c| {
            c.s.clear();
            c.s.resize(n_ext, 0.0);
        });
    }

    /// Sums the chunks' scalar buffers into `out` (length n_ext) and folds ghosts onto their sources;
    /// afterwards `out[..n_local]` holds the totals (ghost entries are left as partial sums).
    pub fn reduce_scalars(&self, list: &NeighborList, out: &mut Vec<f64>) {
        let n_ext = list.n_extended();
        out.clear();
        out.resize(n_ext, 0.0);
        let chunks = &self.chunks;
        out.par_chunks_mut(BLOCK).enumerate().for_each(|(b, block)| {
            let base = b * BLOCK;
            for c in chunks {
                for (k, v) in block.iter_mut().enumerate() {
                    *v += c.s[base + k];
                }
            }
        });
        list.fold_ghosts(out, |l, g| *l += *g);
    }

    /// Sums the chunks into `forces` (local atoms, overwritten), the energy, the virial and the per-atom
    /// energies of `out`.
    pub fn finish(&mut self, list: &NeighborList, forces: &mut [Vec3], request: Request, out: &mut Output) {
        let n = list.n_local();
        let n_ext = list.n_extended();
        assert_eq!(forces.len(), n, "forces buffer must have one entry per local atom");
        let (first, rest) = self.chunks.split_first_mut().expect("at least one chunk");
        // Sum all chunks into the first, block by block.
        if !rest.is_empty() {
            let rest = &*rest;
            first.f.par_chunks_mut(BLOCK).enumerate().for_each(|(b, block)| {
                let base = b * BLOCK;
                for c in rest {
                    for (k, v) in block.iter_mut().enumerate() {
                        let w = c.f[base + k];
                        v[0] += w[0];
                        v[1] += w[1];
                        v[2] += w[2];
                    }
                }
            });
            if request.per_atom_energy {
                first.e_atom.par_chunks_mut(BLOCK).enumerate().for_each(|(b, block)| {
                    let base = b * BLOCK;
                    for c in rest {
                        for (k, v) in block.iter_mut().enumerate() {
                            *v += c.e_atom[base + k];
                        }
                    }
                });
            }
        }
        let energy = first.energy + rest.iter().map(|c| c.energy).sum::<f64>();
        out.energy = energy;
        let total = &first.f;
        if request.virial {
            let x = list.extended_positions();
            let partial: Vec<[f64; 6]> = (0..n_ext.div_ceil(BLOCK))
                .into_par_iter()
                .map(|b| {
                    let mut v = [0.0; 6];
                    for a in b * BLOCK..((b + 1) * BLOCK).min(n_ext) {
                        let (r, f) = (x[a], total[a]);
                        v[0] += r[0] * f[0];
                        v[1] += r[1] * f[1];
                        v[2] += r[2] * f[2];
                        v[3] += r[0] * f[1];
                        v[4] += r[0] * f[2];
                        v[5] += r[1] * f[2];
                    }
                    v
                })
                .collect();
            let mut v = [0.0; 6];
            for p in partial {
                for k in 0..6 {
                    v[k] += p[k];
                }
            }
            out.virial = v;
        } else {
            out.virial = [0.0; 6];
        }
        // Each atom adds its ghosts in ghost order, as a serial loop over ghosts would.
        forces.par_iter_mut().with_min_len(BLOCK).enumerate().for_each(|(i, l)| {
            *l = total[i];
            for g in list.ghosts_of(i) {
                let g = total[n + g];
                l[0] += g[0];
                l[1] += g[1];
                l[2] += g[2];
            }
        });
        if request.per_atom_energy {
            // The buffer is zeroed again by the next `prepare`.
            list.fold_ghosts(&mut first.e_atom, |l, g| *l += *g);
            out.per_atom_energy.clear();
            out.per_atom_energy.extend_from_slice(&first.e_atom[..n]);
        }
    }
}

/// Species of every extended atom: `map(species[source(a)])`, reusing `buf` (in parallel: it runs
/// every step).
pub(crate) fn extended_types(list: &NeighborList, species: &[u32], map: impl Fn(u32) -> u32 + Sync, buf: &mut Vec<u32>) {
    let n = list.n_local();
    assert_eq!(species.len(), n, "species must have one entry per local atom");
    buf.resize(list.n_extended(), 0);
    buf[..n].par_iter_mut().zip(species).with_min_len(BLOCK).for_each(|(t, &s)| *t = map(s));
    list.copy_to_ghosts(buf);
}

/// Σ values in fixed blocks (the same sum for any thread count).
pub(crate) fn blocked_sum(values: &[f64]) -> f64 {
    let partial: Vec<f64> = values.par_chunks(BLOCK).map(|b| b.iter().sum::<f64>()).collect();
    partial.iter().sum()
}

/// With a full list, whether local atom i handles the pair with extended atom j (each physical pair
/// exactly once): the lower source index, or for an atom's own periodic image the image above it
/// (ordered by z, then y, then x).
#[inline(always)]
pub(crate) fn take_pair(list: &NeighborList, x: &[Vec3], i: usize, j: usize) -> bool {
    let s = list.source(j);
    if s != i {
        return i < s;
    }
    let (xi, xj) = (x[i], x[j]);
    xj[2] > xi[2] || (xj[2] == xi[2] && (xj[1] > xi[1] || (xj[1] == xi[1] && xj[0] > xi[0])))
}

/// Switches species pair (a, b) off in a symmetric per-pair table of (n + 1)² entries (the last row and column
/// stand for species the potential does not know): `exclude_pair` of the potentials that keep such a table.
pub(crate) fn switch_off_pair<T: Clone>(table: &mut [T], n: usize, a: u32, b: u32, off: T, who: &str) -> Result<(), crate::PotentialError> {
    let (a, b) = (a as usize, b as usize);
    if a >= n || b >= n {
        return Err(crate::PotentialError::Other(format!("{who}: species pair ({a}, {b}) out of range")));
    }
    let nt = n + 1;
    table[a * nt + b] = off.clone();
    table[b * nt + a] = off;
    Ok(())
}
