//! Neighbour search: a linked-cell binning of local atoms plus periodic ghost images, producing a Verlet
//! list with a skin (full or half), as LAMMPS does.
//!
//! Periodicity is handled with ghost atoms (images of local atoms within `cutoff + skin` of the cell), so
//! the list is correct for triclinic cells and for cells smaller than the cutoff (several images of the
//! same atom, including an atom's own images). Neighbour indices `j ≥ n_local` refer to ghosts; their
//! owning local atom is `source(j)`. Forces on ghosts must be added to their source atom.

use crate::cell::{dot, sub, Cell, Vec3};
use crate::error::CoreError;
use rayon::prelude::*;
use std::ops::Range;

/// Whether each pair appears once (half, "newton on") or from both sides (full, for many-body terms).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListKind {
    Full,
    Half,
}

/// Most ghosts one list may create; protects against absurd cutoffs in tiny cells.
const MAX_GHOSTS: usize = 50_000_000;

/// Atoms per parallel task in per-atom loops (small systems stay on one thread).
const PAR_MIN: usize = 4096;

#[derive(Debug, Clone)]
pub struct NeighborList {
    pub kind: ListKind,
    /// Interaction cutoff (Å).
    pub cutoff: f64,
    /// Extra distance (Å) so the list stays valid until some atom moves more than skin/2.
    pub skin: f64,
    n_local: usize,
    ghost_source: Vec<u32>,
    /// Cartesian shift of each ghost relative to its source atom's position (Å).
    ghost_shift: Vec<Vec3>,
    /// Positions of local atoms followed by ghosts (Å); refreshed by `update_positions`.
    extended: Vec<Vec3>,
    /// Neighbour entries of atoms 0..i (prefix sums of the list lengths), i in 0..=n_local.
    offsets: Vec<usize>,
    /// Neighbour entries of atoms in consecutive chunks of `1 << part_shift` atoms, one part per chunk:
    /// parts are filled in parallel and keep their capacity across rebuilds (no copy into one array,
    /// no fresh pages to fault in at every rebuild).
    parts: Vec<Vec<u32>>,
    part_shift: u32,
    /// Positions of local atoms at the last build (Å).
    reference: Vec<Vec3>,
    /// Ghosts of local atom i are ghost numbers `ghost_start[i]..ghost_start[i + 1]` (ghosts are created
    /// in atom order).
    ghost_start: Vec<u32>,
    /// Rebuild scratch, kept so rebuilds do not allocate: integer bins of extended atoms, bin starts,
    /// extended atoms in bin order and their positions.
    coord: Vec<[i32; 3]>,
    bin_start: Vec<u32>,
    order: Vec<u32>,
    bpos: Vec<Vec3>,
    /// Species pairs left out of the list (as LAMMPS `neigh_modify exclude type`): the species of each
    /// local atom, the species count and `skip[a * count + b]`. Empty when nothing is excluded.
    exclude_types: Vec<u32>,
    exclude_count: usize,
    exclude_skip: Vec<bool>,
    /// Species of extended atoms (rebuild scratch, with exclusions only).
    ext_types: Vec<u32>,
}

/// `values[n_local + g] = values[sources[g]]` for every ghost g.
fn copy_from_sources<T: Copy + Send + Sync>(sources: &[u32], n_local: usize, values: &mut [T]) {
    assert_eq!(values.len(), n_local + sources.len(), "one value per local atom and ghost");
    let (local, ghosts) = values.split_at_mut(n_local);
    let local = &*local;
    ghosts.par_iter_mut().zip(sources).with_min_len(PAR_MIN).for_each(|(g, &s)| *g = local[s as usize]);
}

impl NeighborList {
    /// Builds the list. Positions should be wrapped into the cell along periodic axes
    /// (`System::wrap_positions`); atoms within skin/2 outside are still handled correctly.
    pub fn build(cell: &Cell, positions: &[Vec3], cutoff: f64, skin: f64, kind: ListKind) -> Result<NeighborList, CoreError> {
        NeighborList::build_excluding(cell, positions, cutoff, skin, kind, None)
    }

    /// `build`, leaving out pairs of species that do not interact: `exclude = (species of each atom, species
    /// count, skip[a * count + b])`, kept for every rebuild. Potentials then never see those pairs.
    pub fn build_excluding(
        cell: &Cell,
        positions: &[Vec3],
        cutoff: f64,
        skin: f64,
        kind: ListKind,
        exclude: Option<(&[u32], usize, &[bool])>,
    ) -> Result<NeighborList, CoreError> {
        if !(cutoff > 0.0 && cutoff.is_finite()) || !(skin >= 0.0 && skin.is_finite()) {
            return Err(CoreError::InvalidSystem(format!(
                "neighbour cutoff {cutoff} and skin {skin} must be finite, cutoff > 0 and skin ≥ 0"
            )));
        }
        let mut list = NeighborList {
            kind,
            cutoff,
            skin,
            n_local: 0,
            ghost_source: Vec::new(),
            ghost_shift: Vec::new(),
            extended: Vec::new(),
            offsets: vec![0],
            parts: Vec::new(),
            part_shift: 0,
            reference: Vec::new(),
            ghost_start: vec![0],
            coord: Vec::new(),
            bin_start: Vec::new(),
            order: Vec::new(),
            bpos: Vec::new(),
            exclude_types: Vec::new(),
            exclude_count: 0,
            exclude_skip: Vec::new(),
            ext_types: Vec::new(),
        };
        if let Some((types, count, skip)) = exclude {
            if skip.len() != count * count || types.iter().any(|&t| t as usize >= count) {
                return Err(CoreError::InvalidSystem(format!(
                    "neighbour exclusions: {} skip entries for {count} species, or a species index ≥ {count}",
                    skip.len()
                )));
            }
            if skip.iter().any(|&x| x) {
                list.exclude_types = types.to_vec();
                list.exclude_count = count;
                list.exclude_skip = skip.to_vec();
            }
        }
        list.rebuild(cell, positions)?;
        Ok(list)
    }

    /// Rebuilds the list for new positions (and possibly a new atom count) with the same cutoff, skin
    /// and kind, reusing this list's memory. The result equals `build` on the same input. On error the
    /// list is left empty (no atoms).
    pub fn rebuild(&mut self, cell: &Cell, positions: &[Vec3]) -> Result<(), CoreError> {
        let rlist = self.cutoff + self.skin;
        if let Err(e) = make_ghosts(cell, positions, rlist, &mut self.ghost_source, &mut self.ghost_shift) {
            self.clear();
            return Err(e);
        }
        let n_local = positions.len();
        self.n_local = n_local;
        self.reference.resize(n_local, [0.0; 3]);
        self.reference.par_chunks_mut(PAR_MIN).zip(positions.par_chunks(PAR_MIN)).for_each(|(r, p)| r.copy_from_slice(p));
        if !self.exclude_skip.is_empty() {
            if self.exclude_types.len() != n_local {
                self.clear();
                return Err(CoreError::InvalidSystem(format!(
                    "neighbour exclusions give species for {} atoms, the system has {n_local}",
                    self.exclude_types.len()
                )));
            }
            self.ext_types.resize(n_local + self.ghost_source.len(), 0);
            self.ext_types[..n_local].copy_from_slice(&self.exclude_types);
            copy_from_sources(&self.ghost_source, n_local, &mut self.ext_types);
        }
        self.index_ghosts();
        self.extended.resize(n_local + self.ghost_source.len(), [0.0; 3]);
        self.update_positions(positions);
        if !(cell.is_orthorhombic() && self.fill_pairs_aligned(cell, rlist)) {
            self.fill_pairs(rlist);
        }
        Ok(())
    }

    /// An empty list (no atoms), keeping its memory.
    fn clear(&mut self) {
        self.n_local = 0;
        self.ghost_source.clear();
        self.ghost_shift.clear();
        self.extended.clear();
        self.reference.clear();
        self.offsets.clear();
        self.offsets.push(0);
        self.parts.clear();
        self.ghost_start.clear();
        self.ghost_start.push(0);
    }

    /// Orthorhombic cells: bins whose size divides each periodic length, so a ghost's bin is its source's
    /// bin shifted by a whole number of bins (exact integers, as LAMMPS' bins). Pair (i, image of j) and
    /// its mirror (j, image of i) then sit at opposite bin offsets, and a half list takes each pair once by
    /// searching only the upper half of the stencil (same-bin pairs by `keep_half`), testing half as many
    /// candidates. Returns false (nothing done) when the bin grid would be unreasonably large.
    fn fill_pairs_aligned(&mut self, cell: &Cell, rlist: f64) -> bool {
        let n_local = self.n_local;
        let n_ext = self.extended.len();
        if n_local == 0 {
            self.offsets.clear();
            self.offsets.push(0);
            self.parts.clear();
            return true;
        }
        let pbc = cell.pbc();
        let origin = cell.origin();
        let len = [0, 1, 2].map(|k| cell.vectors()[k][k]);
        // Bins a little wider than rlist/2 so rounding in a ghost's bin never hides a pair from the stencil.
        let target = 0.5 * rlist * (1.0 + 1e-9);
        let mut lo = origin;
        let mut nb = [1i64; 3];
        let mut size = [target; 3];
        for k in 0..3 {
            if pbc[k] {
                nb[k] = ((len[k] / target).floor() as i64).max(1);
                size[k] = len[k] / nb[k] as f64;
            } else {
                lo[k] = self.extended.iter().fold(f64::INFINITY, |m, r| m.min(r[k]));
            }
        }
        let reach = [0, 1, 2].map(|k| ((rlist * (1.0 + 1e-9)) / size[k]).ceil() as i64);
        let inv = size.map(|b| 1.0 / b);
        // Integer bin of every extended atom: locals by position, ghosts from their source and image.
        let coord = &mut self.coord;
        coord.resize(n_ext, [0; 3]);
        let (local_coord, ghost_coord) = coord.split_at_mut(n_local);
        local_coord.par_iter_mut().zip(&self.extended[..n_local]).with_min_len(PAR_MIN).for_each(|(c, r)| {
            *c = [0, 1, 2].map(|k| floor_i64((r[k] - lo[k]) * inv[k]).clamp(-(1 << 30), 1 << 30) as i32)
        });
        let local_coord = &*local_coord;
        (ghost_coord, &self.ghost_source[..], &self.ghost_shift[..]).into_par_iter().with_min_len(PAR_MIN).for_each(
            |(g, &s, shift)| {
                let c = local_coord[s as usize];
                *g = [0, 1, 2]
                    .map(|k| if pbc[k] { (c[k] as i64 + (shift[k] / len[k]).round() as i64 * nb[k]) as i32 } else { c[k] });
            },
        );
        let coord = &*coord;
        let none = || ([i64::MAX; 3], [i64::MIN; 3]);
        let (cmin, cmax) = coord
            .par_iter()
            .with_min_len(PAR_MIN)
            .fold(none, |(mut mn, mut mx), c| {
                for k in 0..3 {
                    mn[k] = mn[k].min(c[k] as i64);
                    mx[k] = mx[k].max(c[k] as i64);
                }
                (mn, mx)
            })
            .reduce(none, |a, b| ([0, 1, 2].map(|k| a.0[k].min(b.0[k])), [0, 1, 2].map(|k| a.1[k].max(b.1[k]))));
        let dims = [0, 1, 2].map(|k| (cmax[k] - cmin[k] + 1) as usize);
        let nbins = dims[0] as f64 * dims[1] as f64 * dims[2] as f64;
        if nbins > (4 * n_ext + 1000) as f64 {
            return false;
        }
        let nbins = nbins as usize;
        let bin = |c: [i64; 3]| -> usize {
            let c = [0, 1, 2].map(|k| (c[k] - cmin[k]) as usize);
            (c[0] * dims[1] + c[1]) * dims[2] + c[2]
        };
        // Counting sort of extended atoms by bin, with a copy of their positions in bin order.
        counting_sort(
            n_ext,
            nbins,
            |a| bin(coord[a].map(i64::from)),
            &self.extended,
            &mut self.bin_start,
            &mut self.order,
            &mut self.bpos,
        );
        let rlist2 = rlist * rlist;
        let slack = 1e-7 * rlist;
        let extended = &self.extended;
        let ghost_source = &self.ghost_source;
        let ghost_shift = &self.ghost_shift;
        let half = self.kind == ListKind::Half;
        let (start, order, bpos) = (&self.bin_start, &self.order, &self.bpos);
        let keep = Keep::new(&self.ext_types, self.exclude_count, &self.exclude_skip);
        self.part_shift = chunked_lists(n_local, &mut self.parts, &mut self.offsets, keep, |i, neigh| {
            let ri = extended[i];
            let ci = coord[i].map(i64::from);
            // Distance from ri to the slab of bins at offset o along axis k (0 inside), less a slack.
            let gap = |k: usize, o: i64| -> f64 {
                let a = lo[k] + (ci[k] + o) as f64 * size[k];
                let d = (a - ri[k]).max(ri[k] - (a + size[k])).max(0.0);
                (d - slack).max(0.0)
            };
            let x0 = (ci[0] - reach[0]).max(cmin[0]);
            let x1 = (ci[0] + reach[0]).min(cmax[0]);
            for bx in x0..=x1 {
                let ox = bx - ci[0];
                if half && ox < 0 {
                    continue;
                }
                let gx = gap(0, ox);
                if gx * gx >= rlist2 {
                    continue;
                }
                let y0 = (ci[1] - reach[1]).max(cmin[1]);
                let y1 = (ci[1] + reach[1]).min(cmax[1]);
                for by in y0..=y1 {
                    let oy = by - ci[1];
                    if half && ox == 0 && oy < 0 {
                        continue;
                    }
                    let gy = gap(1, oy);
                    let gxy = gx * gx + gy * gy;
                    if gxy >= rlist2 {
                        continue;
                    }
                    // Bins along z that the sphere of radius rlist around ri reaches in this column.
                    let h = (rlist2 - gxy).sqrt() + slack;
                    let mut z0 = floor_i64((ri[2] - h - lo[2]) * inv[2]);
                    let mut z1 = floor_i64((ri[2] + h - lo[2]) * inv[2]);
                    z0 = z0.max(ci[2] - reach[2]).max(cmin[2]);
                    z1 = z1.min(ci[2] + reach[2]).min(cmax[2]);
                    if half && ox == 0 && oy == 0 {
                        z0 = z0.max(ci[2]);
                    }
                    if z0 > z1 {
                        continue;
                    }
                    let s = start[bin([bx, by, z0])] as usize;
                    let e = start[bin([bx, by, z1]) + 1] as usize;
                    // Atoms of bin (bx, by, ci_z) when this is i's own column (same-bin rule).
                    let own = if ox == 0 && oy == 0 && z0 <= ci[2] && ci[2] <= z1 {
                        start[bin(ci)] as usize..start[bin(ci) + 1] as usize
                    } else {
                        e..e
                    };
                    // Every candidate is written and kept by advancing the length (no
                    // mispredicted branch on the ~30 % hit rate); only i's own bin needs the self
                    // and same-bin half-list rules, so the rest is scanned by a tight loop.
                    neigh.reserve(e - s);
                    let mut len = neigh.len();
                    let out = neigh.as_mut_ptr();
                    let scan = |range: Range<usize>, len: &mut usize| {
                        // SAFETY: range ⊆ s..e ⊆ 0..n_ext = order.len() = bpos.len(); at most e − s
                        // entries are written past the old length, all reserved.
                        for slot in range {
                            let (j, rj) = unsafe { (*order.get_unchecked(slot), *bpos.get_unchecked(slot)) };
                            let d = sub(rj, ri);
                            unsafe { out.add(*len).write(j) };
                            *len += (dot(d, d) < rlist2) as usize;
                        }
                    };
                    scan(s..own.start, &mut len);
                    for slot in own.clone() {
                        let j = order[slot];
                        let d = sub(bpos[slot], ri);
                        let ju = j as usize;
                        let hit = dot(d, d) < rlist2
                            && ju != i
                            && (!half || keep_half(i, ju, n_local, ghost_source, ghost_shift));
                        // SAFETY: as in `scan`.
                        unsafe { out.add(len).write(j) };
                        len += hit as usize;
                    }
                    scan(own.end..e, &mut len);
                    // SAFETY: entries up to `len` were written above.
                    unsafe { neigh.set_len(len) };
                }
            }
            // Neighbours come out in bin order, already spatially regular for the force loops.
        });
        true
    }

    fn fill_pairs(&mut self, rlist: f64) {
        let n_local = self.n_local;
        if n_local == 0 {
            self.offsets.clear();
            self.offsets.push(0);
            self.parts.clear();
            return;
        }
        let bins = Bins::new(&self.extended, rlist);
        let rlist2 = rlist * rlist;
        let extended = &self.extended;
        let ghost_source = &self.ghost_source;
        let ghost_shift = &self.ghost_shift;
        let kind = self.kind;
        let keep = Keep::new(&self.ext_types, self.exclude_count, &self.exclude_skip);
        self.part_shift = chunked_lists(n_local, &mut self.parts, &mut self.offsets, keep, |i, neigh| {
            let before = neigh.len();
            let ri = extended[i];
            bins.for_each_near(ri, |j| {
                if j == i {
                    return;
                }
                if kind == ListKind::Half && !keep_half(i, j, n_local, ghost_source, ghost_shift) {
                    return;
                }
                let d = sub(extended[j], ri);
                if dot(d, d) < rlist2 {
                    neigh.push(j as u32);
                }
            });
            // Sorted neighbours make memory access regular in the force loops.
            neigh[before..].sort_unstable();
        });
    }

    /// Start of each local atom's ghosts (ghosts are in atom order: `make_ghosts`), so ghost values can be
    /// folded onto their sources in parallel, atom by atom, in the same order as a serial loop.
    fn index_ghosts(&mut self) {
        debug_assert!(self.ghost_source.windows(2).all(|w| w[0] <= w[1]));
        let start = &mut self.ghost_start;
        start.clear();
        start.resize(self.n_local + 1, 0);
        for &s in &self.ghost_source {
            start[s as usize + 1] += 1;
        }
        for i in 0..self.n_local {
            start[i + 1] += start[i];
        }
    }

    /// Ghost numbers g (extended index `n_local + g`) that are images of local atom i, ascending.
    #[inline]
    pub fn ghosts_of(&self, i: usize) -> std::ops::Range<usize> {
        self.ghost_start[i] as usize..self.ghost_start[i + 1] as usize
    }

    /// Neighbour entries of atoms 0..i for i in 0..=n_local (prefix sums of the list lengths).
    pub fn offsets(&self) -> &[usize] {
        &self.offsets
    }

    /// Number of local (real) atoms.
    pub fn n_local(&self) -> usize {
        self.n_local
    }
    /// Number of local plus ghost atoms.
    pub fn n_extended(&self) -> usize {
        self.extended.len()
    }
    /// Neighbour indices of local atom i (into the extended array).
    #[inline]
    pub fn neighbors_of(&self, i: usize) -> &[u32] {
        let c = i >> self.part_shift;
        let base = self.offsets[c << self.part_shift];
        &self.parts[c][self.offsets[i] - base..self.offsets[i + 1] - base]
    }
    /// Local atom that extended index j is (an image of).
    #[inline]
    pub fn source(&self, j: usize) -> usize {
        if j < self.n_local {
            j
        } else {
            self.ghost_source[j - self.n_local] as usize
        }
    }
    /// Sources of all ghosts, in ghost order.
    pub fn ghost_sources(&self) -> &[u32] {
        &self.ghost_source
    }
    /// Copies each local atom's value onto its ghosts: `values` has n_extended entries, the first n_local
    /// of them set (per-atom data a potential needs on the ghosts too: species, F'(ρ)).
    pub fn copy_to_ghosts<T: Copy + Send + Sync>(&self, values: &mut [T]) {
        copy_from_sources(&self.ghost_source, self.n_local, values);
    }
    /// Positions of local atoms then ghosts (Å).
    #[inline]
    pub fn extended_positions(&self) -> &[Vec3] {
        &self.extended
    }
    /// Total number of stored neighbour entries.
    pub fn pair_count(&self) -> usize {
        self.offsets[self.n_local]
    }

    /// Positions of local atoms at the last build (Å): the reference of `needs_rebuild`.
    pub fn build_positions(&self) -> &[Vec3] {
        &self.reference
    }

    /// Moves ghosts with their source atoms after the local atoms moved (no rebuild).
    pub fn update_positions(&mut self, positions: &[Vec3]) {
        debug_assert_eq!(positions.len(), self.n_local);
        let (local, ghosts) = self.extended.split_at_mut(self.n_local);
        local.par_chunks_mut(PAR_MIN).zip(positions.par_chunks(PAR_MIN)).for_each(|(l, p)| l.copy_from_slice(p));
        (ghosts, &self.ghost_source[..], &self.ghost_shift[..]).into_par_iter().with_min_len(PAR_MIN).for_each(
            |(g, &s, shift)| {
                let r = positions[s as usize];
                *g = [r[0] + shift[0], r[1] + shift[1], r[2] + shift[2]];
            },
        );
    }

    /// True when some atom moved more than half the skin since the build, so pairs may be missing.
    pub fn needs_rebuild(&self, positions: &[Vec3]) -> bool {
        if positions.len() != self.n_local {
            return true;
        }
        let limit = 0.25 * self.skin * self.skin;
        positions.par_iter().zip(self.reference.par_iter()).any(|(r, r0)| {
            let d = sub(*r, *r0);
            dot(d, d) > limit
        })
    }

    /// Adds ghost values (forces, densities, per-atom energies; `values` has n_extended entries) onto their
    /// source atoms: `add(local[source(g)], ghost[g])`. Atoms in parallel; each atom adds its ghosts in ghost
    /// order (as a serial loop would), so the sums do not depend on the thread count.
    pub fn fold_ghosts<T: Send + Sync>(&self, values: &mut [T], add: impl Fn(&mut T, &T) + Sync) {
        let (local, ghosts) = values.split_at_mut(self.n_local);
        local.par_iter_mut().with_min_len(PAR_MIN).enumerate().for_each(|(i, l)| {
            for g in self.ghosts_of(i) {
                add(l, &ghosts[g]);
            }
        });
    }
}

/// Builds the neighbours of local atoms 0..n_local in parallel chunks of a power-of-two size, one part
/// per chunk (`parts`, reused): `near(i, out)` appends atom i's neighbours to `out`. Fills `offsets`
/// with the global prefix sums and returns log2 of the chunk size.
fn chunked_lists(
    n_local: usize,
    parts: &mut Vec<Vec<u32>>,
    offsets: &mut Vec<usize>,
    keep: Option<Keep>,
    near: impl Fn(usize, &mut Vec<u32>) + Sync,
) -> u32 {
    // Several chunks per thread, so work stealing evens out atoms of very different list lengths (a dense
    // tool next to a workpiece).
    let chunk = (n_local / (8 * rayon::current_num_threads().max(1)) + 1).next_power_of_two().max(512);
    let nchunks = n_local.div_ceil(chunk);
    parts.resize_with(nchunks, Vec::new);
    parts.truncate(nchunks);
    offsets.resize(n_local + 1, 0);
    offsets[0] = 0;
    // Each part's end offsets first, relative to the part.
    parts.par_iter_mut().zip(offsets[1..].par_chunks_mut(chunk)).enumerate().for_each(|(c, (neigh, ends))| {
        neigh.clear();
        for (k, end) in ends.iter_mut().enumerate() {
            let i = c * chunk + k;
            let before = neigh.len();
            near(i, neigh);
            if let Some(keep) = &keep {
                keep.filter(i, neigh, before);
            }
            *end = neigh.len();
        }
        // Growth by doubling can leave up to half the capacity unused; keep a modest margin for the
        // next rebuild instead.
        let margin = neigh.len() / 16 + 64;
        if neigh.capacity() > neigh.len() + 4 * margin {
            neigh.shrink_to(neigh.len() + margin);
        }
    });
    let mut base = 0;
    let bases: Vec<usize> = parts
        .iter()
        .map(|p| {
            base += p.len();
            base - p.len()
        })
        .collect();
    offsets[1..].par_chunks_mut(chunk).zip(bases).for_each(|(ends, b)| ends.iter_mut().for_each(|e| *e += b));
    chunk.trailing_zeros()
}

/// Excluded species pairs, applied to each atom's new neighbours.
struct Keep<'a> {
    types: &'a [u32],
    count: usize,
    skip: &'a [bool],
}

impl<'a> Keep<'a> {
    fn new(types: &'a [u32], count: usize, skip: &'a [bool]) -> Option<Keep<'a>> {
        (!skip.is_empty()).then_some(Keep { types, count, skip })
    }

    /// Drops the entries of `neigh[from..]` whose species pair with atom i is excluded, keeping the order.
    fn filter(&self, i: usize, neigh: &mut Vec<u32>, from: usize) {
        let row = &self.skip[self.types[i] as usize * self.count..][..self.count];
        let mut w = from;
        for r in from..neigh.len() {
            let j = neigh[r];
            if !row[self.types[j as usize] as usize] {
                neigh[w] = j;
                w += 1;
            }
        }
        neigh.truncate(w);
    }
}

/// Stable counting sort of extended atoms by bin (`bin_of(a)` < nbins), in parallel blocks: `start`
/// gets the nbins + 1 bin starts, `order` the atoms in bin order and `bpos` their positions. Blocks
/// of atoms count and scatter independently; the result equals the serial sort.
fn counting_sort(
    n_ext: usize,
    nbins: usize,
    bin_of: impl Fn(usize) -> usize + Sync,
    positions: &[Vec3],
    start: &mut Vec<u32>,
    order: &mut Vec<u32>,
    bpos: &mut Vec<Vec3>,
) {
    let nblocks = rayon::current_num_threads().clamp(1, n_ext.div_ceil(PAR_MIN).max(1));
    let block = n_ext.div_ceil(nblocks).max(1);
    // Per block: its count in each bin, then turned into its first slot in each bin.
    let mut slots: Vec<Vec<u32>> = (0..nblocks)
        .into_par_iter()
        .map(|b| {
            let mut count = vec![0u32; nbins];
            for a in b * block..((b + 1) * block).min(n_ext) {
                count[bin_of(a)] += 1;
            }
            count
        })
        .collect();
    start.clear();
    start.resize(nbins + 1, 0);
    let mut next = 0u32;
    for bin in 0..nbins {
        start[bin] = next;
        for s in slots.iter_mut() {
            let c = s[bin];
            s[bin] = next;
            next += c;
        }
    }
    start[nbins] = next;
    order.resize(n_ext, 0);
    bpos.resize(n_ext, [0.0; 3]);
    let (order_ptr, bpos_ptr) = (SyncPtr(order.as_mut_ptr()), SyncPtr(bpos.as_mut_ptr()));
    slots.par_iter_mut().enumerate().for_each(|(b, slot)| {
        let (order_ptr, bpos_ptr) = (&order_ptr, &bpos_ptr);
        for a in b * block..((b + 1) * block).min(n_ext) {
            let bin = bin_of(a);
            let k = slot[bin] as usize;
            slot[bin] += 1;
            // SAFETY: every slot k < n_ext is handed to exactly one atom (each block owns its own
            // consecutive slots within every bin), so the writes are disjoint and in bounds.
            unsafe {
                *order_ptr.0.add(k) = a as u32;
                *bpos_ptr.0.add(k) = positions[a];
            }
        }
    });
}

/// A raw pointer shared by the blocks of `counting_sort`, which write disjoint elements.
struct SyncPtr<T>(*mut T);
unsafe impl<T: Send> Sync for SyncPtr<T> {}

/// ⌊x⌋ as an integer without a libm call (x86-64 baseline has no rounding instruction).
#[inline]
fn floor_i64(x: f64) -> i64 {
    let t = x as i64;
    t - ((t as f64) > x) as i64
}

/// Half-list rule: each physical pair once. A ghost of atom s pairs with i when s > i, or when it is
/// i's own image with a lexicographically positive shift.
#[inline]
fn keep_half(i: usize, j: usize, n_local: usize, ghost_source: &[u32], ghost_shift: &[Vec3]) -> bool {
    if j < n_local {
        return j > i;
    }
    let s = ghost_source[j - n_local] as usize;
    if s != i {
        return s > i;
    }
    let d = ghost_shift[j - n_local];
    d[0] > 0.0 || (d[0] == 0.0 && (d[1] > 0.0 || (d[1] == 0.0 && d[2] > 0.0)))
}

/// Fills `sources` and `shifts` (reused) with the images of local atoms within `rlist` of the cell
/// along periodic axes, in atom order.
fn make_ghosts(
    cell: &Cell,
    positions: &[Vec3],
    rlist: f64,
    sources: &mut Vec<u32>,
    shifts: &mut Vec<Vec3>,
) -> Result<(), CoreError> {
    let widths = cell.perpendicular_widths();
    let pbc = cell.pbc();
    let margin = [0, 1, 2].map(|k| if pbc[k] { rlist / widths[k] } else { 0.0 });
    let images_per_atom: f64 = (0..3).map(|k| 1.0 + 2.0 * margin[k].ceil()).product();
    if images_per_atom * positions.len() as f64 > MAX_GHOSTS as f64 + positions.len() as f64 * 8.0 {
        return Err(CoreError::InvalidSystem(format!(
            "cutoff {rlist} Å needs about {images_per_atom:.0} periodic images per atom; the cell is too small for it"
        )));
    }
    let range = |k: usize, s: f64| -> (i64, i64) {
        if !pbc[k] {
            return (0, 0);
        }
        // Images with -m ≤ s + n < 1 + m.
        ((-margin[k] - s).ceil() as i64, ((1.0 + margin[k] - s).ceil() as i64) - 1)
    };
    // Chunks of atoms in parallel, concatenated in atom order (the same ghosts as a serial loop).
    let parts: Vec<(Vec<u32>, Vec<Vec3>)> = positions
        .par_chunks(PAR_MIN)
        .enumerate()
        .map(|(chunk, rs)| {
            let mut sources = Vec::new();
            let mut shifts = Vec::new();
            for (k, &r) in rs.iter().enumerate() {
                let i = chunk * PAR_MIN + k;
                let s = cell.to_fractional(r);
                let (a0, a1) = range(0, s[0]);
                let (b0, b1) = range(1, s[1]);
                let (c0, c1) = range(2, s[2]);
                for a in a0..=a1 {
                    for b in b0..=b1 {
                        for c in c0..=c1 {
                            if a == 0 && b == 0 && c == 0 {
                                continue;
                            }
                            sources.push(i as u32);
                            shifts.push(cell.fractional_to_vector([a as f64, b as f64, c as f64]));
                        }
                    }
                }
                if sources.len() > MAX_GHOSTS {
                    break;
                }
            }
            (sources, shifts)
        })
        .collect();
    let total: usize = parts.iter().map(|p| p.0.len()).sum();
    if total > MAX_GHOSTS {
        return Err(CoreError::InvalidSystem(format!("more than {MAX_GHOSTS} ghost atoms needed")));
    }
    sources.clear();
    shifts.clear();
    for (a, b) in parts {
        sources.extend_from_slice(&a);
        shifts.extend_from_slice(&b);
    }
    Ok(())
}

/// Cartesian bins of side ≥ rlist/2 over the bounding box of all (local + ghost) atoms; a stencil of
/// ±`reach` bins covers rlist (half-size bins, as LAMMPS, test about 40 % fewer candidate pairs).
struct Bins {
    lo: Vec3,
    inv_size: Vec3,
    dims: [usize; 3],
    reach: usize,
    start: Vec<u32>,
    atoms: Vec<u32>,
}

impl Bins {
    fn new(positions: &[Vec3], rlist: f64) -> Bins {
        let mut lo = [f64::INFINITY; 3];
        let mut hi = [f64::NEG_INFINITY; 3];
        for r in positions {
            for k in 0..3 {
                lo[k] = lo[k].min(r[k]);
                hi[k] = hi[k].max(r[k]);
            }
        }
        // Bin count bounded by the atom count, so one far-flying atom cannot blow up memory.
        let max_bins = (2 * positions.len()).max(27) as f64;
        let mut size = 0.5 * rlist;
        let dims = loop {
            let d = [0, 1, 2].map(|k| (((hi[k] - lo[k]) / size).floor() as usize).max(1));
            if (d[0] as f64) * (d[1] as f64) * (d[2] as f64) <= max_bins {
                break d;
            }
            size *= 1.26;
        };
        let inv_size = [0, 1, 2].map(|k| dims[k] as f64 / (hi[k] - lo[k]).max(f64::MIN_POSITIVE));
        let nbins = dims[0] * dims[1] * dims[2];
        let mut bin_of = Vec::with_capacity(positions.len());
        let mut count = vec![0u32; nbins + 1];
        for r in positions {
            let b = bin_index(r, lo, inv_size, dims);
            bin_of.push(b as u32);
            count[b + 1] += 1;
        }
        for b in 0..nbins {
            count[b + 1] += count[b];
        }
        let mut fill = count.clone();
        let mut atoms = vec![0u32; positions.len()];
        for (j, &b) in bin_of.iter().enumerate() {
            atoms[fill[b as usize] as usize] = j as u32;
            fill[b as usize] += 1;
        }
        // Actual bin widths are ≥ size; two bins reach rlist while size < rlist, one once size ≥ rlist.
        let reach = if size >= rlist { 1 } else { 2 };
        Bins { lo, inv_size, dims, reach, start: count, atoms }
    }

    #[inline]
    fn for_each_near(&self, r: Vec3, mut f: impl FnMut(usize)) {
        let c = [0, 1, 2].map(|k| (((r[k] - self.lo[k]) * self.inv_size[k]) as usize).min(self.dims[k] - 1));
        let lo = c.map(|x| x.saturating_sub(self.reach));
        let hi = [0, 1, 2].map(|k| (c[k] + self.reach).min(self.dims[k] - 1));
        for x in lo[0]..=hi[0] {
            for y in lo[1]..=hi[1] {
                let row = (x * self.dims[1] + y) * self.dims[2];
                let s = self.start[row + lo[2]] as usize;
                let e = self.start[row + hi[2] + 1] as usize;
                for &j in &self.atoms[s..e] {
                    f(j as usize);
                }
            }
        }
    }
}

#[inline]
fn bin_index(r: &Vec3, lo: Vec3, inv_size: Vec3, dims: [usize; 3]) -> usize {
    let c = [0, 1, 2].map(|k| (((r[k] - lo[k]) * inv_size[k]).max(0.0) as usize).min(dims[k] - 1));
    (c[0] * dims[1] + c[1]) * dims[2] + c[2]
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// All (i, source j, rounded displacement) with |d| < r, by brute force over periodic images.
    fn brute_force(cell: &Cell, pos: &[Vec3], r: f64) -> Vec<(usize, usize, [i64; 3])> {
        let widths = cell.perpendicular_widths();
        let pbc = cell.pbc();
        let n = [0, 1, 2].map(|k| if pbc[k] { (r / widths[k]).ceil() as i64 + 1 } else { 0 });
        let mut out = Vec::new();
        for i in 0..pos.len() {
            for j in 0..pos.len() {
                for a in -n[0]..=n[0] {
                    for b in -n[1]..=n[1] {
                        for c in -n[2]..=n[2] {
                            if i == j && a == 0 && b == 0 && c == 0 {
                                continue;
                            }
                            let shift = cell.fractional_to_vector([a as f64, b as f64, c as f64]);
                            let d = sub([pos[j][0] + shift[0], pos[j][1] + shift[1], pos[j][2] + shift[2]], pos[i]);
                            if dot(d, d) < r * r {
                                out.push((i, j, d.map(|x| (x * 1e6).round() as i64)));
                            }
                        }
                    }
                }
            }
        }
        out.sort();
        out
    }

    fn from_list(list: &NeighborList, both_sides: bool) -> Vec<(usize, usize, [i64; 3])> {
        let ext = list.extended_positions();
        let mut out = Vec::new();
        for i in 0..list.n_local() {
            for &j in list.neighbors_of(i) {
                let d = sub(ext[j as usize], ext[i]);
                out.push((i, list.source(j as usize), d.map(|x| (x * 1e6).round() as i64)));
                if both_sides {
                    out.push((list.source(j as usize), i, d.map(|x| (-x * 1e6).round() as i64)));
                }
            }
        }
        out.sort();
        out
    }

    fn random_case(seed: u64, n: usize, tilt: f64, pbc: [bool; 3]) -> (Cell, Vec<Vec3>) {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(seed);
        let mut v = [[0.0; 3]; 3];
        for k in 0..3 {
            v[k][k] = rng.gen_range(3.0..9.0);
            for d in 0..3 {
                if d != k {
                    v[k][d] += tilt * rng.gen_range(-1.0..1.0);
                }
            }
        }
        let cell = Cell::new(v, [rng.gen_range(-2.0..2.0), 0.0, 1.0], pbc).unwrap();
        let pos = (0..n).map(|_| cell.to_cartesian([rng.gen(), rng.gen(), rng.gen()])).collect();
        (cell, pos)
    }

    /// Full and half lists both hold exactly the brute-force pairs within cutoff + skin.
    fn full_and_half_match_brute_force(cell: &Cell, pos: &[Vec3], cutoff: f64, skin: f64) -> Result<(), TestCaseError> {
        let expected = brute_force(cell, pos, cutoff + skin);
        let full = NeighborList::build(cell, pos, cutoff, skin, ListKind::Full).unwrap();
        prop_assert_eq!(from_list(&full, false), expected.clone());
        let half = NeighborList::build(cell, pos, cutoff, skin, ListKind::Half).unwrap();
        prop_assert_eq!(half.pair_count() * 2, full.pair_count());
        prop_assert_eq!(from_list(&half, true), expected);
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        #[test]
        fn matches_brute_force(seed in 0u64..1_000_000, n in 1usize..40, tilt in 0.0f64..3.0,
                               px: bool, py: bool, pz: bool, cutoff in 0.5f64..7.0, skin in 0.0f64..1.0) {
            let (cell, pos) = random_case(seed, n, tilt, [px, py, pz]);
            full_and_half_match_brute_force(&cell, &pos, cutoff, skin)?;
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// Orthorhombic cells take the aligned-bin path (half stencil); cells down to a fraction of the cutoff.
        #[test]
        fn orthorhombic_matches_brute_force(seed in 0u64..1_000_000, n in 1usize..60, px: bool, py: bool,
                                            pz: bool, cutoff in 0.5f64..7.0, skin in 0.0f64..1.0) {
            let (cell, pos) = random_case(seed, n, 0.0, [px, py, pz]);
            prop_assert!(cell.is_orthorhombic());
            full_and_half_match_brute_force(&cell, &pos, cutoff, skin)?;
        }
    }

    /// A lattice has many pairs at exactly equal distances and atoms on bin boundaries.
    #[test]
    fn lattice_matches_brute_force() {
        let a = 1.6;
        let cell = Cell::orthorhombic([0.0; 3], [4.0 * a; 3], [true, true, false]).unwrap();
        let mut pos = Vec::new();
        for i in 0..4 {
            for j in 0..4 {
                for k in 0..4 {
                    pos.push([i as f64 * a, j as f64 * a, k as f64 * a]);
                }
            }
        }
        for rc in [1.6, 2.2627, 3.2] {
            let expected = brute_force(&cell, &pos, rc + 0.2);
            let half = NeighborList::build(&cell, &pos, rc, 0.2, ListKind::Half).unwrap();
            assert_eq!(from_list(&half, true), expected);
        }
    }

    #[test]
    fn ghosts_follow_and_rebuild_triggers() {
        let (cell, mut pos) = random_case(7, 30, 1.0, [true; 3]);
        let mut list = NeighborList::build(&cell, &pos, 2.5, 0.4, ListKind::Full).unwrap();
        pos[3][0] += 0.1;
        assert!(!list.needs_rebuild(&pos));
        list.update_positions(&pos);
        for (g, &s) in list.ghost_sources().iter().enumerate() {
            let ext = list.extended_positions()[list.n_local() + g];
            let back = cell.wrap(ext).0;
            let home = cell.wrap(pos[s as usize]).0;
            assert!(sub(back, home).iter().all(|x| x.abs() < 1e-9));
        }
        pos[3][0] += 0.15;
        assert!(list.needs_rebuild(&pos));
    }

    /// Systems above the parallel grain (several chunks of ghosts, coordinates, list parts): the same list
    /// for any thread count, ghosts indexed back to their sources, and sampled atoms' neighbours as by
    /// brute force over periodic images.
    #[test]
    fn large_lists_match_across_threads_and_brute_force() {
        use rand::{Rng, SeedableRng};
        for (tilt, seed) in [(0.0, 11u64), (2.0, 12)] {
            let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(seed);
            let l = 22.0;
            let cell = Cell::new([[l, 0.0, 0.0], [tilt, l, 0.0], [0.0, 0.5 * tilt, l]], [0.0; 3], [true, true, false]).unwrap();
            let pos: Vec<Vec3> = (0..9000).map(|_| cell.to_cartesian([rng.gen(), rng.gen(), rng.gen()])).collect();
            let build = |threads: usize, kind| {
                let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
                pool.install(|| NeighborList::build(&cell, &pos, 2.0, 0.3, kind).unwrap())
            };
            let (a, b) = (build(1, ListKind::Full), build(3, ListKind::Full));
            let all = |l: &NeighborList| (0..l.n_local()).flat_map(|i| l.neighbors_of(i).to_vec()).collect::<Vec<u32>>();
            assert_eq!((&a.offsets, all(&a), &a.ghost_source), (&b.offsets, all(&b), &b.ghost_source));
            assert_eq!(a.extended, b.extended);
            let half = build(3, ListKind::Half);
            assert_eq!(half.pair_count() * 2, a.pair_count());
            assert!(pos.len() > 2 * PAR_MIN && a.ghost_source.len() > PAR_MIN, "{} ghosts", a.ghost_source.len());
            assert!(a.ghost_source.windows(2).all(|w| w[0] <= w[1]), "ghosts in atom order");
            for i in 0..a.n_local() {
                for g in a.ghosts_of(i) {
                    assert_eq!(a.ghost_sources()[g] as usize, i);
                }
            }
            assert_eq!((0..a.n_local()).map(|i| a.ghosts_of(i).len()).sum::<usize>(), a.ghost_source.len());
            let ext = a.extended_positions();
            for i in (0..pos.len()).step_by(181) {
                let mut got: Vec<(usize, [i64; 3])> = a
                    .neighbors_of(i)
                    .iter()
                    .map(|&j| (a.source(j as usize), sub(ext[j as usize], pos[i]).map(|x| (x * 1e6).round() as i64)))
                    .collect();
                got.sort();
                let mut want = Vec::new();
                for (j, &rj) in pos.iter().enumerate() {
                    for sa in -1..=1 {
                        for sb in -1..=1 {
                            let shift = cell.fractional_to_vector([sa as f64, sb as f64, 0.0]);
                            let d = sub([rj[0] + shift[0], rj[1] + shift[1], rj[2] + shift[2]], pos[i]);
                            if (j != i || sa != 0 || sb != 0) && dot(d, d) < 2.3 * 2.3 {
                                want.push((j, d.map(|x| (x * 1e6).round() as i64)));
                            }
                        }
                    }
                }
                want.sort();
                assert_eq!(got, want, "atom {i}");
            }
            // Folding ghost values: the parallel per-atom fold equals a serial loop over ghosts.
            let values: Vec<Vec3> = (0..a.n_extended()).map(|k| [k as f64 * 0.5, 1.0, -(k as f64)]).collect();
            let mut serial = values.clone();
            for (g, &s) in a.ghost_sources().iter().enumerate() {
                let v = values[a.n_local() + g];
                for k in 0..3 {
                    serial[s as usize][k] += v[k];
                }
            }
            let mut folded = values.clone();
            a.fold_ghosts(&mut folded, |l, g| (0..3).for_each(|k| l[k] += g[k]));
            assert_eq!(folded[..a.n_local()], serial[..a.n_local()]);
        }
    }

    /// A list rebuilt in place (new positions, fewer or more atoms, after an error) equals a fresh build.
    #[test]
    fn rebuild_in_place_equals_a_fresh_build() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(5);
        let cell = Cell::orthorhombic([0.0; 3], [18.0, 17.0, 16.0], [true, true, false]).unwrap();
        let mut random = |n: usize| -> Vec<Vec3> { (0..n).map(|_| cell.to_cartesian([rng.gen(), rng.gen(), rng.gen()])).collect() };
        let view = |l: &NeighborList| {
            let lists: Vec<Vec<u32>> = (0..l.n_local()).map(|i| l.neighbors_of(i).to_vec()).collect();
            (lists, l.offsets.clone(), l.ghost_source.clone(), l.extended.clone(), l.reference.clone(), l.ghost_start.clone())
        };
        for kind in [ListKind::Half, ListKind::Full] {
            let mut list = NeighborList::build(&cell, &random(6000), 2.5, 0.4, kind).unwrap();
            for n in [5000, 9000, 0, 7000] {
                let pos = random(n);
                list.rebuild(&cell, &pos).unwrap();
                assert_eq!(view(&list), view(&NeighborList::build(&cell, &pos, 2.5, 0.4, kind).unwrap()), "{n} atoms");
            }
            let tiny = Cell::orthorhombic([0.0; 3], [0.1; 3], [true; 3]).unwrap();
            assert!(list.rebuild(&tiny, &vec![[0.05; 3]; 1000]).is_err());
            assert_eq!((list.n_local(), list.n_extended(), list.pair_count()), (0, 0, 0));
            let pos = random(3000);
            list.rebuild(&cell, &pos).unwrap();
            assert_eq!(view(&list), view(&NeighborList::build(&cell, &pos, 2.5, 0.4, kind).unwrap()));
        }
    }

    /// Excluding a species pair gives the full list minus exactly those pairs, in the same order, across
    /// rebuilds; a bad exclusion is an error.
    #[test]
    fn excluded_species_pairs_leave_the_list() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(9);
        let cell = Cell::orthorhombic([0.0; 3], [16.0, 15.0, 14.0], [true, false, true]).unwrap();
        let pos: Vec<Vec3> = (0..5000).map(|_| cell.to_cartesian([rng.gen(), rng.gen(), rng.gen()])).collect();
        let types: Vec<u32> = (0..pos.len()).map(|i| (i % 3 == 0) as u32).collect();
        let skip = [false, false, false, true]; // species 1 with 1
        for kind in [ListKind::Half, ListKind::Full] {
            let all = NeighborList::build(&cell, &pos, 2.5, 0.4, kind).unwrap();
            let mut some = NeighborList::build_excluding(&cell, &pos, 2.5, 0.4, kind, Some((&types, 2, &skip))).unwrap();
            for round in 0..2 {
                let mut dropped = 0;
                for i in 0..pos.len() {
                    let want: Vec<u32> = all
                        .neighbors_of(i)
                        .iter()
                        .copied()
                        .filter(|&j| !(types[i] == 1 && types[all.source(j as usize)] == 1))
                        .collect();
                    dropped += all.neighbors_of(i).len() - want.len();
                    assert_eq!(some.neighbors_of(i), &want[..], "atom {i}, rebuild {round}");
                }
                assert!(dropped > 1000, "{dropped} pairs dropped");
                some.rebuild(&cell, &pos).unwrap();
            }
            assert!(some.rebuild(&cell, &pos[..100]).is_err(), "species for 5000 atoms, 100 given");
        }
        assert!(NeighborList::build_excluding(&cell, &pos, 2.5, 0.4, ListKind::Full, Some((&types, 2, &skip[..3]))).is_err());
        let wrong: Vec<u32> = vec![2; pos.len()];
        assert!(NeighborList::build_excluding(&cell, &pos, 2.5, 0.4, ListKind::Full, Some((&wrong, 2, &skip))).is_err());
    }

    #[test]
    fn absurd_cutoff_is_an_error() {
        let cell = Cell::orthorhombic([0.0; 3], [0.1; 3], [true; 3]).unwrap();
        let pos = vec![[0.05; 3]; 1000];
        assert!(NeighborList::build(&cell, &pos, 50.0, 0.0, ListKind::Full).is_err());
        assert!(NeighborList::build(&cell, &pos, f64::NAN, 0.0, ListKind::Full).is_err());
    }
}
