//! Neighbour search for structure identification: the k nearest neighbours of an atom (as OVITO's
//! `NearestNeighborFinder`) and all neighbours within a radius (as its `CutoffNeighborFinder`).
//!
//! Atoms are binned on a grid in fractional coordinates (so triclinic cells work) and sorted by bin.
//! A query visits bins in Chebyshev shells of growing radius; periodic axes wrap with an image shift,
//! so every periodic image of every atom is reachable, including an atom's own images in small cells.
//! The search stops once the nearest unvisited bin is farther than the k-th best distance (or the radius),
//! using the perpendicular bin widths as a lower bound, so results are exact for any cell.

use crate::error::StructureError;
use atomfab_core::cell::{dot, Vec3};
use atomfab_core::Cell;

/// Most neighbours one k-nearest query may ask for.
pub const MAX_K: usize = 16;
/// Most candidates `nearest_hinted` keeps from its radius scan.
const MAX_CANDIDATES: usize = 40;

/// One neighbour: the vector from the central atom to it (Å), its squared length (Å²) and its atom index.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Neighbor {
    pub delta: Vec3,
    pub distance_sq: f64,
    pub index: u32,
}

const EMPTY: Neighbor = Neighbor { delta: [0.0; 3], distance_sq: f64::INFINITY, index: u32::MAX };

/// The nearest neighbours of one atom, sorted by distance; a fixed-size stack buffer (no allocation).
#[derive(Debug, Clone, Copy)]
pub struct NearestNeighbors {
    items: [Neighbor; MAX_K],
    len: usize,
    k: usize,
}

impl NearestNeighbors {
    /// An empty buffer for up to `k` (≤ `MAX_K`) neighbours.
    pub fn new(k: usize) -> NearestNeighbors {
        assert!((1..=MAX_K).contains(&k), "k = {k} must be in 1..={MAX_K}");
        NearestNeighbors { items: [EMPTY; MAX_K], len: 0, k }
    }
    /// Found neighbours, nearest first.
    #[inline]
    pub fn as_slice(&self) -> &[Neighbor] {
        &self.items[..self.len]
    }
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    #[inline]
    fn clear(&mut self) {
        self.len = 0;
    }
    #[inline]
    fn full(&self) -> bool {
        self.len == self.k
    }
    /// Squared distance a candidate must beat to enter.
    #[inline]
    fn worst(&self) -> f64 {
        if self.full() {
            self.items[self.len - 1].distance_sq
        } else {
            f64::INFINITY
        }
    }
    /// Inserts in sorted position; a candidate tied with the current worst of a full buffer is dropped.
    #[inline]
    fn insert(&mut self, n: Neighbor) {
        if n.distance_sq >= self.worst() {
            return;
        }
        let mut p = if self.full() { self.len - 1 } else { self.len };
        while p > 0 && self.items[p - 1].distance_sq > n.distance_sq {
            self.items[p] = self.items[p - 1];
            p -= 1;
        }
        self.items[p] = n;
        if !self.full() {
            self.len += 1;
        }
    }
}

/// Atoms binned for neighbour queries. Positions are wrapped into the cell along periodic axes.
#[derive(Debug, Clone)]
pub struct NeighborGrid {
    vectors: [Vec3; 3],
    pbc: [bool; 3],
    dims: [usize; 3],
    /// Fractional lower bound and span of the binned region per axis (0 and 1 on periodic axes).
    lo: Vec3,
    span: Vec3,
    /// Rows of the inverse cell matrix (fractional s_k = inv[k] · (r − origin)).
    inv: [Vec3; 3],
    origin: Vec3,
    /// Perpendicular width of one bin along each axis (Å).
    bin_width: Vec3,
    bin_start: Vec<u32>,
    /// Wrapped Cartesian positions in bin order, with the atom index of each slot.
    sorted_pos: Vec<Vec3>,
    sorted_index: Vec<u32>,
    /// Wrapped position of each atom, in input order.
    wrapped: Vec<Vec3>,
    /// True when the cell vectors are mutually orthogonal: per-axis distance bounds then combine
    /// in quadrature; otherwise only their maximum is a valid bound.
    orthogonal: bool,
    /// Bin offsets within `STENCIL` bins (as indices offset + STENCIL), sorted by their smallest
    /// possible squared distance (Å², `stencil_lb`).
    stencil: Vec<[usize; 3]>,
    stencil_lb: Vec<f64>,
}

/// Average number of atoms per bin the grid aims for. Small bins plus the distance-sorted stencil
/// make a query scan little more than the sphere that holds the wanted neighbours.
const TARGET_PER_BIN: f64 = 3.0;
/// Largest bin offset per axis in the stencil; queries reaching past it fall back to shell search.
const STENCIL: i32 = 3;
const W: usize = 2 * STENCIL as usize + 1;

/// Per-query stencil tables (see `NeighborGrid::frame`).
struct Frame {
    lb2: [[f64; W]; 3],
    bin: [[usize; W]; 3],
    image: [[i64; W]; 3],
}
/// Upper bound on bins, so a sparse system cannot make the grid huge.
const MAX_BINS_PER_ATOM: f64 = 4.0;

impl NeighborGrid {
    /// Bins `positions` (Å) in `cell`. Fails on non-finite coordinates or more than 2³² − 1 atoms.
    pub fn new(cell: &Cell, positions: &[Vec3]) -> Result<NeighborGrid, StructureError> {
        let n = positions.len();
        if n >= u32::MAX as usize {
            return Err(StructureError::Input(format!("{n} atoms; at most {} are supported", u32::MAX - 1)));
        }
        if let Some(i) = positions.iter().position(|r| r.iter().any(|x| !x.is_finite())) {
            return Err(StructureError::Input(format!("atom {} has a non-finite position {:?}", i + 1, positions[i])));
        }
        let vectors = *cell.vectors();
        let pbc = cell.pbc();
        let origin = cell.origin();
        let o = cell.to_fractional(origin);
        debug_assert!(o.iter().all(|x| x.abs() < 1e-12));
        let e = [cell.to_fractional(add3(origin, [1.0, 0.0, 0.0])), cell.to_fractional(add3(origin, [0.0, 1.0, 0.0])), cell.to_fractional(add3(origin, [0.0, 0.0, 1.0]))];
        // Column j of the inverse holds the fractional image of Cartesian unit vector j.
        let inv = [0, 1, 2].map(|k| [e[0][k], e[1][k], e[2][k]]);
        let mut frac: Vec<Vec3> = Vec::with_capacity(n);
        let mut wrapped: Vec<Vec3> = Vec::with_capacity(n);
        for &r in positions {
            let d = sub3(r, origin);
            let mut s = [dot(inv[0], d), dot(inv[1], d), dot(inv[2], d)];
            let mut moved = false;
            for k in 0..3 {
                if pbc[k] && !(0.0..1.0).contains(&s[k]) {
                    s[k] -= s[k].floor();
                    if s[k] >= 1.0 {
                        s[k] = 0.0;
                    }
                    moved = true;
                }
            }
            frac.push(s);
            wrapped.push(if moved { cell.to_cartesian(s) } else { r });
        }
        let mut lo = [0.0; 3];
        let mut span = [1.0; 3];
        for k in 0..3 {
            if !pbc[k] && n > 0 {
                let (mn, mx) = frac.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), s| (a.min(s[k]), b.max(s[k])));
                lo[k] = mn;
                span[k] = (mx - mn).max(1e-9);
            }
        }
        let widths = cell.perpendicular_widths();
        let extent = [0, 1, 2].map(|k| widths[k] * span[k]);
        // Bin edge from the mean density over the binned region.
        let volume = cell.volume() * span[0] * span[1] * span[2];
        let per_atom = volume / (n.max(1) as f64);
        let mut edge = (TARGET_PER_BIN * per_atom).cbrt().max(1e-6);
        let dims = loop {
            let d = [0, 1, 2].map(|k| ((extent[k] / edge).floor() as usize).max(1));
            if (d[0] as f64) * (d[1] as f64) * (d[2] as f64) <= MAX_BINS_PER_ATOM * n.max(1) as f64 {
                break d;
            }
            edge *= 1.26;
        };
        let bin_width = [0, 1, 2].map(|k| extent[k] / dims[k] as f64);
        let nbins = dims[0] * dims[1] * dims[2];
        let mut bin_of = Vec::with_capacity(n);
        let mut count = vec![0u32; nbins + 1];
        for s in &frac {
            let c = bin_coords(s, lo, span, dims);
            let b = (c[0] * dims[1] + c[1]) * dims[2] + c[2];
            bin_of.push(b as u32);
            count[b + 1] += 1;
        }
        for b in 0..nbins {
            count[b + 1] += count[b];
        }
        let mut fill = count.clone();
        let mut sorted_index = vec![0u32; n];
        let mut sorted_pos = vec![[0.0; 3]; n];
        for (i, &b) in bin_of.iter().enumerate() {
            let slot = fill[b as usize] as usize;
            sorted_index[slot] = i as u32;
            sorted_pos[slot] = wrapped[i];
            fill[b as usize] += 1;
        }
        let scale = vectors.iter().map(|v| dot(*v, *v)).fold(0.0, f64::max);
        let orthogonal = [(0, 1), (0, 2), (1, 2)].iter().all(|&(a, b)| dot(vectors[a], vectors[b]).abs() <= 1e-12 * scale);
        let mut stencil = Vec::new();
        for x in 0..W {
            for y in 0..W {
                for z in 0..W {
                    stencil.push([x, y, z]);
                }
            }
        }
        // Smallest squared distance from anywhere in the home bin to the bin at stencil index t.
        let static_lb2 = |t: &[usize; 3]| -> f64 {
            let g = [0, 1, 2].map(|k| ((t[k] as i32 - STENCIL).abs() - 1).max(0) as f64 * bin_width[k]);
            let b = combine(g, orthogonal);
            b * b
        };
        stencil.sort_by(|a, b| static_lb2(a).total_cmp(&static_lb2(b)));
        let stencil_lb = stencil.iter().map(static_lb2).collect();
        Ok(NeighborGrid {
            vectors,
            pbc,
            dims,
            lo,
            span,
            inv,
            origin,
            bin_width,
            bin_start: count,
            sorted_pos,
            sorted_index,
            wrapped,
            orthogonal,
            stencil,
            stencil_lb,
        })
    }

    pub fn len(&self) -> usize {
        self.wrapped.len()
    }
    pub fn is_empty(&self) -> bool {
        self.wrapped.is_empty()
    }
    /// Atom indices in bin order: iterating queries in this order keeps memory access local.
    pub fn spatial_order(&self) -> &[u32] {
        &self.sorted_index
    }
    /// Position of atom i wrapped into the cell along periodic axes (Å).
    pub fn wrapped_position(&self, i: usize) -> Vec3 {
        self.wrapped[i]
    }

    #[inline]
    fn home_bin(&self, q: Vec3) -> ([usize; 3], Vec3, Vec3) {
        let d = sub3(q, self.origin);
        // Bin of q and the distance from q to the lower and upper faces of its bin per axis (Å, ≥ 0).
        let mut c = [0usize; 3];
        let mut gap_lo = [0.0; 3];
        let mut gap_hi = [0.0; 3];
        for k in 0..3 {
            let s = dot(self.inv[k], d);
            let t = (s - self.lo[k]) / self.span[k] * self.dims[k] as f64;
            c[k] = (t.max(0.0) as usize).min(self.dims[k] - 1);
            let f = (t - c[k] as f64).clamp(0.0, 1.0);
            gap_lo[k] = f * self.bin_width[k];
            gap_hi[k] = (1.0 - f) * self.bin_width[k];
        }
        (c, gap_lo, gap_hi)
    }

    /// Lower bound (Å) on the distance from q to any atom outside shells 0..=m; None when none remain.
    #[inline]
    fn unvisited_bound(&self, c: [usize; 3], m: usize, gap_lo: Vec3, gap_hi: Vec3) -> Option<f64> {
        let mut bound = f64::INFINITY;
        for k in 0..3 {
            let reach = m as f64 * self.bin_width[k];
            if self.pbc[k] || c[k] + m + 1 < self.dims[k] {
                bound = bound.min(reach + gap_hi[k]);
            }
            if self.pbc[k] || c[k] >= m + 1 {
                bound = bound.min(reach + gap_lo[k]);
            }
        }
        bound.is_finite().then_some(bound)
    }

    /// Calls `f(delta, distance_sq, index)` for every atom image in the bins of Chebyshev shell m
    /// around bin c (zero-distance images, i.e. the atom itself, are skipped).
    #[inline]
    fn visit_shell(&self, q: Vec3, c: [usize; 3], m: usize, f: &mut impl FnMut(Vec3, f64, u32)) {
        let mi = m as i64;
        for dx in -mi..=mi {
            let Some((bx, sx)) = self.axis_bin(0, c[0], dx) else { continue };
            for dy in -mi..=mi {
                let Some((by, sy)) = self.axis_bin(1, c[1], dy) else { continue };
                let edge = dx.abs() == mi || dy.abs() == mi;
                let mut dz = -mi;
                while dz <= mi {
                    if let Some((bz, sz)) = self.axis_bin(2, c[2], dz) {
                        let b = (bx * self.dims[1] + by) * self.dims[2] + bz;
                        let (s, e) = (self.bin_start[b] as usize, self.bin_start[b + 1] as usize);
                        if s < e {
                            let shift = self.image_shift([sx, sy, sz]);
                            let qs = sub3(q, shift);
                            for slot in s..e {
                                let p = self.sorted_pos[slot];
                                let d = [p[0] - qs[0], p[1] - qs[1], p[2] - qs[2]];
                                let d2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
                                if d2 != 0.0 {
                                    f(d, d2, self.sorted_index[slot]);
                                }
                            }
                        }
                    }
                    // Interior rows of the shell only need their two end bins.
                    dz += if edge || mi == 0 { 1 } else { 2 * mi };
                }
            }
        }
    }

    /// Bin index along axis k at offset d from c, with the periodic image count; None past a free edge.
    #[inline]
    fn axis_bin(&self, k: usize, c: usize, d: i64) -> Option<(usize, i64)> {
        let n = self.dims[k] as i64;
        let t = c as i64 + d;
        if self.pbc[k] {
            Some((t.rem_euclid(n) as usize, t.div_euclid(n)))
        } else if t < 0 || t >= n {
            None
        } else {
            Some((t as usize, 0))
        }
    }

    #[inline]
    fn image_shift(&self, s: [i64; 3]) -> Vec3 {
        if s == [0, 0, 0] {
            return [0.0; 3];
        }
        let v = &self.vectors;
        let (a, b, c) = (s[0] as f64, s[1] as f64, s[2] as f64);
        [
            a * v[0][0] + b * v[1][0] + c * v[2][0],
            a * v[0][1] + b * v[1][1] + c * v[2][1],
            a * v[0][2] + b * v[1][2] + c * v[2][2],
        ]
    }

    /// The `out.k` nearest neighbours of atom i (other atoms and periodic images), nearest first.
    /// Fewer are returned only when the system has fewer.
    pub fn nearest(&self, i: usize, out: &mut NearestNeighbors) {
        self.nearest_to_point(self.wrapped[i], out);
    }

    /// Per-query tables for stencil offsets −STENCIL..=STENCIL along each axis: the squared lower bound
    /// of the distance along that axis (Å²), the bin index (usize::MAX past a free edge) and the
    /// periodic image count. Built once per query so the stencil loop has no divisions or roots.
    #[inline]
    fn frame(&self, c: [usize; 3], gap_lo: Vec3, gap_hi: Vec3) -> Frame {
        let mut f = Frame { lb2: [[0.0; W]; 3], bin: [[usize::MAX; W]; 3], image: [[0; W]; 3] };
        for k in 0..3 {
            for (t, m) in (-STENCIL..=STENCIL).enumerate() {
                let g = if m > 0 {
                    (m - 1) as f64 * self.bin_width[k] + gap_hi[k]
                } else if m < 0 {
                    (-m - 1) as f64 * self.bin_width[k] + gap_lo[k]
                } else {
                    0.0
                };
                f.lb2[k][t] = g * g;
                let n = self.dims[k] as i64;
                let b = c[k] as i64 + m as i64;
                if self.pbc[k] && n > STENCIL as i64 {
                    // At most one wrap either way; no division needed.
                    let (b, img) = if b < 0 { (b + n, -1) } else if b >= n { (b - n, 1) } else { (b, 0) };
                    f.bin[k][t] = b as usize;
                    f.image[k][t] = img;
                } else if let Some((b, img)) = self.axis_bin(k, c[k], m as i64) {
                    f.bin[k][t] = b;
                    f.image[k][t] = img;
                }
            }
        }
        f
    }

    /// Squared lower bound (Å²) of the distance to bin offset index t (offset + STENCIL per axis).
    #[inline(always)]
    fn frame_lb2(&self, f: &Frame, t: [usize; 3]) -> f64 {
        let (a, b, c) = (f.lb2[0][t[0]], f.lb2[1][t[1]], f.lb2[2][t[2]]);
        if self.orthogonal {
            a + b + c
        } else {
            a.max(b).max(c)
        }
    }

    /// Scans the bin at stencil index t, calling f for each atom image except q itself.
    #[inline(always)]
    fn scan_frame_bin(&self, q: Vec3, fr: &Frame, t: [usize; 3], f: &mut impl FnMut(Vec3, f64, u32)) {
        let (bx, by, bz) = (fr.bin[0][t[0]], fr.bin[1][t[1]], fr.bin[2][t[2]]);
        if bx == usize::MAX || by == usize::MAX || bz == usize::MAX {
            return;
        }
        let b = (bx * self.dims[1] + by) * self.dims[2] + bz;
        let (s, e) = (self.bin_start[b] as usize, self.bin_start[b + 1] as usize);
        if s == e {
            return;
        }
        let qs = sub3(q, self.image_shift([fr.image[0][t[0]], fr.image[1][t[1]], fr.image[2][t[2]]]));
        for slot in s..e {
            let p = self.sorted_pos[slot];
            let dd = [p[0] - qs[0], p[1] - qs[1], p[2] - qs[2]];
            let d2 = dd[0] * dd[0] + dd[1] * dd[1] + dd[2] * dd[2];
            if d2 != 0.0 {
                f(dd, d2, self.sorted_index[slot]);
            }
        }
    }

    /// Scans every bin of the stencil that may hold points within √r2 of q, row by row: along z the
    /// bins of a row are contiguous in the sorted storage, so each row is one or two slot ranges.
    #[inline(always)]
    fn scan_rows(&self, q: Vec3, fr: &Frame, r2: f64, f: &mut impl FnMut(Vec3, f64, u32)) {
        let mid = STENCIL as usize;
        let orth = self.orthogonal;
        for tx in 0..W {
            let (lx, bx) = (fr.lb2[0][tx], fr.bin[0][tx]);
            if lx > r2 || bx == usize::MAX {
                continue;
            }
            for ty in 0..W {
                let (ly, by) = (fr.lb2[1][ty], fr.bin[1][ty]);
                let lxy = if orth { lx + ly } else { lx.max(ly) };
                if lxy > r2 || by == usize::MAX {
                    continue;
                }
                // z offsets allowed by the remaining budget form a range around the middle.
                let budget = if orth { r2 - lxy } else { r2 };
                let mut lo = mid;
                while lo > 0 && fr.lb2[2][lo - 1] <= budget && fr.bin[2][lo - 1] != usize::MAX {
                    lo -= 1;
                }
                let mut hi = mid;
                while hi + 1 < W && fr.lb2[2][hi + 1] <= budget && fr.bin[2][hi + 1] != usize::MAX {
                    hi += 1;
                }
                if fr.bin[2][mid] == usize::MAX {
                    continue;
                }
                let row = (bx * self.dims[1] + by) * self.dims[2];
                let (ix, iy) = (fr.image[0][tx], fr.image[1][ty]);
                // Split [lo, hi] into runs of consecutive bins with one periodic image.
                let mut t = lo;
                while t <= hi {
                    let (b0, img) = (fr.bin[2][t], fr.image[2][t]);
                    let mut e = t;
                    while e < hi && fr.image[2][e + 1] == img && fr.bin[2][e + 1] == fr.bin[2][e] + 1 {
                        e += 1;
                    }
                    let (s, end) = (self.bin_start[row + b0] as usize, self.bin_start[row + fr.bin[2][e] + 1] as usize);
                    if s < end {
                        let qs = sub3(q, self.image_shift([ix, iy, img]));
                        for slot in s..end {
                            let p = self.sorted_pos[slot];
                            let dd = [p[0] - qs[0], p[1] - qs[1], p[2] - qs[2]];
                            let d2 = dd[0] * dd[0] + dd[1] * dd[1] + dd[2] * dd[2];
                            if d2 != 0.0 {
                                f(dd, d2, self.sorted_index[slot]);
                            }
                        }
                    }
                    t = e + 1;
                }
            }
        }
    }

    /// Nearest neighbours of atom i, looking first among the images within `radius` (Å). All images
    /// within the radius, sorted, are exactly the nearest ones; when there are at least `min_k` of them,
    /// up to `out.k` are returned directly (so `out.len()` may lie between `min_k` and `out.k`).
    /// Otherwise (or with more than `MAX_CANDIDATES` inside) the general search returns `out.k`.
    /// `radius` is only a speed hint (a little above the typical k-th neighbour distance).
    pub fn nearest_hinted(&self, i: usize, radius: f64, min_k: usize, out: &mut NearestNeighbors) {
        let q = self.wrapped[i];
        if radius > 0.0 && radius < self.outside_stencil() {
            let (c, gap_lo, gap_hi) = self.home_bin(q);
            let fr = self.frame(c, gap_lo, gap_hi);
            let mut buf = [EMPTY; MAX_CANDIDATES];
            let mut n = 0;
            let mut overflow = false;
            let r2 = radius * radius;
            self.scan_rows(q, &fr, r2, &mut |delta, distance_sq, index| {
                if distance_sq <= r2 {
                    if n < MAX_CANDIDATES {
                        buf[n] = Neighbor { delta, distance_sq, index };
                        n += 1;
                    } else {
                        overflow = true;
                    }
                }
            });
            if !overflow && n >= min_k.min(out.k) {
                let cand = &mut buf[..n];
                cand.sort_unstable_by(|a, b| a.distance_sq.total_cmp(&b.distance_sq));
                let m = n.min(out.k);
                out.items[..m].copy_from_slice(&cand[..m]);
                out.len = m;
                return;
            }
        }
        self.nearest_to_point(q, out);
    }

    /// A radius (Å) that holds the k nearest neighbours of almost every atom, for `nearest_hinted`:
    /// the 98th percentile of the k-th neighbour distance over up to 2000 sampled atoms, plus 2 %.
    pub fn typical_radius(&self, k: usize) -> f64 {
        let n = self.len();
        if n == 0 {
            return 0.0;
        }
        let stride = (n / 2000).max(1);
        let mut dk: Vec<f64> = (0..n)
            .step_by(stride)
            .filter_map(|i| {
                let mut nn = NearestNeighbors::new(k);
                self.nearest(i, &mut nn);
                (nn.len() == k).then(|| nn.as_slice()[k - 1].distance_sq.sqrt())
            })
            .collect();
        if dk.is_empty() {
            return 0.0;
        }
        dk.sort_by(f64::total_cmp);
        dk[(dk.len() * 98 / 100).min(dk.len() - 1)] * 1.02
    }

    /// The nearest atoms to a point (Å); atoms exactly at the point are skipped.
    pub fn nearest_to_point(&self, q: Vec3, out: &mut NearestNeighbors) {
        out.clear();
        if self.is_empty() {
            return;
        }
        let (c, gap_lo, gap_hi) = self.home_bin(q);
        let fr = self.frame(c, gap_lo, gap_hi);
        // Bins in order of their smallest possible distance; stop once no bin can beat the k-th best.
        let mut worst = f64::INFINITY;
        let mut finished = false;
        for (t, &slb2) in self.stencil.iter().zip(&self.stencil_lb) {
            if slb2 >= worst {
                finished = true;
                break;
            }
            if self.frame_lb2(&fr, *t) >= worst {
                continue;
            }
            self.scan_frame_bin(q, &fr, *t, &mut |delta, distance_sq, index| {
                if distance_sq < worst {
                    out.insert(Neighbor { delta, distance_sq, index });
                    worst = out.worst();
                }
            });
        }
        if finished || (out.full() && worst <= self.outside_stencil() * self.outside_stencil()) || self.stencil_covers_all(c) {
            return;
        }
        // Rare (sparse systems, far neighbours): exhaustive shell search.
        out.clear();
        self.nearest_by_shells(q, c, gap_lo, gap_hi, out);
    }

    /// Every atom image outside the stencil is at least this far (Å) from a point in the home bin.
    #[inline]
    fn outside_stencil(&self) -> f64 {
        STENCIL as f64 * self.bin_width[0].min(self.bin_width[1]).min(self.bin_width[2])
    }

    /// True when the stencil reaches every bin (free axes only, all within STENCIL of the home bin).
    fn stencil_covers_all(&self, c: [usize; 3]) -> bool {
        (0..3).all(|k| !self.pbc[k] && c[k] <= STENCIL as usize && self.dims[k] - 1 - c[k] <= STENCIL as usize)
    }

    fn nearest_by_shells(&self, q: Vec3, c: [usize; 3], gap_lo: Vec3, gap_hi: Vec3, out: &mut NearestNeighbors) {
        let mut m = 0;
        loop {
            self.visit_shell(q, c, m, &mut |delta, distance_sq, index| {
                out.insert(Neighbor { delta, distance_sq, index });
            });
            match self.unvisited_bound(c, m, gap_lo, gap_hi) {
                None => return,
                Some(b) => {
                    if out.full() && out.worst() <= b * b {
                        return;
                    }
                }
            }
            m += 1;
        }
    }

    /// Calls `f(delta, distance_sq, index)` for every neighbour image of atom i with distance ≤ `radius` (Å).
    pub fn for_each_within(&self, i: usize, radius: f64, mut f: impl FnMut(Vec3, f64, u32)) {
        let q = self.wrapped[i];
        let r2 = radius * radius;
        let (c, gap_lo, gap_hi) = self.home_bin(q);
        if radius < self.outside_stencil() {
            let fr = self.frame(c, gap_lo, gap_hi);
            self.scan_rows(q, &fr, r2, &mut |dd, d2, j| {
                if d2 <= r2 {
                    f(dd, d2, j)
                }
            });
            return;
        }
        let mut m = 0;
        loop {
            self.visit_shell(q, c, m, &mut |d, d2, j| {
                if d2 <= r2 {
                    f(d, d2, j)
                }
            });
            match self.unvisited_bound(c, m, gap_lo, gap_hi) {
                Some(b) if b <= radius => m += 1,
                _ => return,
            }
        }
    }
}

/// Combines per-axis distance bounds: in quadrature for orthogonal axes, else their maximum.
#[inline]
fn combine(g: Vec3, orthogonal: bool) -> f64 {
    if orthogonal {
        (g[0] * g[0] + g[1] * g[1] + g[2] * g[2]).sqrt()
    } else {
        g[0].max(g[1]).max(g[2])
    }
}

#[inline]
fn bin_coords(s: &Vec3, lo: Vec3, span: Vec3, dims: [usize; 3]) -> [usize; 3] {
    [0, 1, 2].map(|k| {
        let t = (s[k] - lo[k]) / span[k] * dims[k] as f64;
        (t.max(0.0) as usize).min(dims[k] - 1)
    })
}

#[inline]
fn sub3(a: Vec3, b: Vec3) -> Vec3 {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}
#[inline]
fn add3(a: Vec3, b: Vec3) -> Vec3 {
    [a[0] + b[0], a[1] + b[1], a[2] + b[2]]
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    fn random_case(seed: u64, n: usize, tilt: f64, pbc: [bool; 3]) -> (Cell, Vec<Vec3>) {
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
        // Some atoms outside the cell, to exercise wrapping and free-axis bounds.
        let pos = (0..n).map(|_| cell.to_cartesian([rng.gen_range(-0.3..1.3), rng.gen(), rng.gen()])).collect();
        (cell, pos)
    }

    /// Sorted squared distances from atom i to all images within `r` (brute force).
    fn brute(cell: &Cell, pos: &[Vec3], i: usize, r: f64) -> Vec<f64> {
        let w = cell.perpendicular_widths();
        let p = cell.pbc();
        let n = [0, 1, 2].map(|k| if p[k] { (r / w[k]).ceil() as i64 + 2 } else { 0 });
        let mut out = Vec::new();
        for (j, &rj) in pos.iter().enumerate() {
            for a in -n[0]..=n[0] {
                for b in -n[1]..=n[1] {
                    for c in -n[2]..=n[2] {
                        let s = cell.fractional_to_vector([a as f64, b as f64, c as f64]);
                        let d = sub3(add3(rj, s), pos[i]);
                        let d2 = dot(d, d);
                        if d2 <= r * r && !(j == i && a == 0 && b == 0 && c == 0) {
                            out.push(d2);
                        }
                    }
                }
            }
        }
        out.sort_by(f64::total_cmp);
        out
    }

    #[test]
    fn nearest_and_radius_match_brute_force() {
        for seed in 0..40u64 {
            let pbc = [seed % 2 == 0, seed % 3 != 0, seed % 5 != 1];
            let (cell, pos) = random_case(seed, 1 + (seed as usize * 7) % 60, (seed % 4) as f64, pbc);
            let grid = NeighborGrid::new(&cell, &pos).unwrap();
            for i in 0..pos.len() {
                let all = brute(&cell, &pos, i, 12.0);
                let mut nn = NearestNeighbors::new(14);
                grid.nearest(i, &mut nn);
                let expect: Vec<f64> = all.iter().copied().take(14).collect();
                let got: Vec<f64> = nn.as_slice().iter().map(|n| n.distance_sq).collect();
                // Brute force only sees 12 Å; beyond it the grid may find more (periodic images).
                if pbc.iter().any(|&b| b) {
                    assert!(got.len() == 14 && got.len() >= expect.len(), "seed {seed} atom {i}");
                } else {
                    assert_eq!(got.len(), expect.len().min(pos.len() - 1), "seed {seed} atom {i}");
                }
                for (a, b) in got.iter().zip(&expect) {
                    assert!((a - b).abs() < 1e-9, "seed {seed} atom {i}: {a} vs {b}");
                }
                let mut within = Vec::new();
                grid.for_each_within(i, 4.5, |_, d2, _| within.push(d2));
                within.sort_by(f64::total_cmp);
                let expect: Vec<f64> = all.iter().copied().filter(|&d2| d2 <= 4.5 * 4.5).collect();
                assert_eq!(within.len(), expect.len(), "seed {seed} atom {i}");
            }
        }
    }

    #[test]
    fn dense_systems_use_the_stencil_exactly() {
        // Larger boxes than above, so most queries end inside the stencil, including a triclinic
        // and a slab case; compared with brute force on a sample of atoms.
        use rand::{Rng, SeedableRng};
        for (seed, tilt, pbc) in [(11u64, 0.0, [true; 3]), (12, 4.0, [true; 3]), (13, 0.0, [true, true, false]), (14, 2.0, [false, true, false])] {
            let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(seed);
            let v = [[24.0, 0.0, 0.0], [tilt, 22.0, 0.0], [-tilt, 0.5 * tilt, 20.0]];
            let cell = Cell::new(v, [0.0; 3], pbc).unwrap();
            let pos: Vec<Vec3> = (0..900).map(|_| cell.to_cartesian([rng.gen(), rng.gen(), rng.gen()])).collect();
            let grid = NeighborGrid::new(&cell, &pos).unwrap();
            for i in (0..pos.len()).step_by(7) {
                let all = brute(&cell, &pos, i, 9.0);
                let mut nn = NearestNeighbors::new(16);
                grid.nearest(i, &mut nn);
                assert_eq!(nn.len(), 16);
                for (n, b) in nn.as_slice().iter().zip(&all) {
                    assert!((n.distance_sq - b).abs() < 1e-9, "seed {seed} atom {i}");
                }
                let mut count = 0;
                grid.for_each_within(i, 3.3, |_, _, _| count += 1);
                assert_eq!(count, all.iter().filter(|&&d2| d2 <= 3.3 * 3.3).count(), "seed {seed} atom {i}");
            }
        }
    }

    #[test]
    fn deltas_point_to_the_neighbour() {
        let (cell, pos) = random_case(3, 30, 1.0, [true; 3]);
        let grid = NeighborGrid::new(&cell, &pos).unwrap();
        let mut nn = NearestNeighbors::new(8);
        grid.nearest(5, &mut nn);
        for n in nn.as_slice() {
            let d = cell.minimum_image(sub3(pos[n.index as usize], pos[5]));
            // The delta is some periodic image of the minimum-image vector.
            let s = cell.to_fractional(add3(cell.origin(), sub3(n.delta, d)));
            assert!(s.iter().all(|x| (x - x.round()).abs() < 1e-9));
            assert!((dot(n.delta, n.delta) - n.distance_sq).abs() < 1e-9);
        }
    }
}
