//! ISO 25178-2 areal field parameters. Heights are taken about the mean plane of the measured points
//! (level the map first to remove form). Units: heights and lengths in metres, Sdq dimensionless,
//! Sdr and material ratios in percent.
//!
//! Discretisation choices (ISO 25178-2 defines the parameters on the continuous surface; the
//! discrete forms here are those of surfalize, checked against it in tests/surfalize.rs):
//! - Sdq: forward differences, each direction averaged over its own differences.
//! - Sdr: each grid cell's area is the mean of its two triangulations (ISO 25178-2:2021 D.3, eq. D.15);
//!   the projected area is (nx-1)·dx × (ny-1)·dy.
//! - Sal/Str: unbiased (overlap-normalised), non-circular autocorrelation, threshold s = 0.2
//!   (ISO 25178-3 default), decay length along rays from the centre to the edge of the central lobe.
//! - Sk/Spk/Svk: the material ratio curve sampled at 10 000 equally spaced material ratios (quantiles),
//!   40 % secant of least gradient, least-squares equivalent line over it (ISO 25178-2 B.1 / ISO 13565-2).

use crate::error::{MetrologyError, Result};
use crate::fft::{autocorr_sums, next_fast_len};
use crate::heightmap::HeightMap;
use rayon::prelude::*;
use serde::Serialize;

/// Number of material-ratio classes of the Abbott–Firestone curve (as surfalize).
pub const AF_CLASSES: usize = 10_000;
/// Width of the equivalent-line window, % (ISO 13565-2).
const EQUIVALENCE_WIDTH: f64 = 40.0;

#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
#[allow(non_snake_case)]
pub struct HeightParams {
    /// Arithmetic mean height, m.
    pub Sa: f64,
    /// Root mean square height, m.
    pub Sq: f64,
    /// Skewness, 1.
    pub Ssk: f64,
    /// Kurtosis, 1.
    pub Sku: f64,
    /// Maximum peak height, m.
    pub Sp: f64,
    /// Maximum pit depth, m.
    pub Sv: f64,
    /// Maximum height Sp + Sv, m.
    pub Sz: f64,
}

/// Sa … Sz over the measured points, about their mean.
pub fn height_params(map: &HeightMap) -> Result<HeightParams> {
    if !map.has_missing() {
        return Ok(height_params_of(&map.z));
    }
    let vals: Vec<f64> = map.z.iter().copied().filter(|v| !v.is_nan()).collect();
    if vals.is_empty() {
        return Err(MetrologyError::invalid("height parameters: the map has no measured points"));
    }
    Ok(height_params_of(&vals))
}

/// Four independent lanes let the compiler vectorise the accumulation (strict FP order forbids it for
/// a single running sum).
const LANES: usize = 4;
/// Values per parallel chunk. Chunk results are combined in chunk order, so sums do not depend on how
/// rayon schedules the work (a parallel `reduce` may associate differently from run to run).
const CHUNK: usize = 1 << 14;

pub(crate) fn height_params_of(vals: &[f64]) -> HeightParams {
    let n = vals.len() as f64;
    let mean = pairwise_sum(vals) / n;
    type Acc = ([f64; LANES], [f64; LANES], [f64; LANES], [f64; LANES], [f64; LANES], [f64; LANES]);
    let zero: Acc = ([0.0; LANES], [0.0; LANES], [0.0; LANES], [0.0; LANES], [f64::NEG_INFINITY; LANES], [f64::INFINITY; LANES]);
    let parts: Vec<(f64, f64, f64, f64, f64, f64)> = vals
        .par_chunks(CHUNK)
        .map(|c| {
            let mut a = zero;
            let mut it = c.chunks_exact(LANES);
            for q in &mut it {
                for l in 0..LANES {
                    let d = q[l] - mean;
                    let d2 = d * d;
                    a.0[l] += d.abs();
                    a.1[l] += d2;
                    a.2[l] += d2 * d;
                    a.3[l] += d2 * d2;
                    a.4[l] = a.4[l].max(d);
                    a.5[l] = a.5[l].min(d);
                }
            }
            for (l, &v) in it.remainder().iter().enumerate() {
                let d = v - mean;
                let d2 = d * d;
                a.0[l] += d.abs();
                a.1[l] += d2;
                a.2[l] += d2 * d;
                a.3[l] += d2 * d2;
                a.4[l] = a.4[l].max(d);
                a.5[l] = a.5[l].min(d);
            }
            let sum = |x: [f64; LANES]| x.iter().sum::<f64>();
            (sum(a.0), sum(a.1), sum(a.2), sum(a.3), a.4.iter().cloned().fold(f64::NEG_INFINITY, f64::max), a.5.iter().cloned().fold(f64::INFINITY, f64::min))
        })
        .collect();
    let (s1, s2, s3, s4, mx, mn) = parts.iter().fold((0.0, 0.0, 0.0, 0.0, f64::NEG_INFINITY, f64::INFINITY), |a, b| {
        (a.0 + b.0, a.1 + b.1, a.2 + b.2, a.3 + b.3, a.4.max(b.4), a.5.min(b.5))
    });
    let sq = (s2 / n).sqrt();
    HeightParams {
        Sa: s1 / n,
        Sq: sq,
        Ssk: s3 / n / sq.powi(3),
        Sku: s4 / n / sq.powi(4),
        Sp: mx,
        Sv: -mn,
        Sz: mx - mn,
    }
}

pub(crate) fn pairwise_sum(v: &[f64]) -> f64 {
    sum_min_max(v).0
}

/// (Σ v, min v, max v) in one pass, deterministic for any thread count.
pub(crate) fn sum_min_max(v: &[f64]) -> (f64, f64, f64) {
    let parts: Vec<(f64, f64, f64)> = v
        .par_chunks(CHUNK)
        .map(|c| {
            let mut acc = [0.0; LANES];
            let mut lo = [f64::INFINITY; LANES];
            let mut hi = [f64::NEG_INFINITY; LANES];
            let mut it = c.chunks_exact(LANES);
            for q in &mut it {
                for l in 0..LANES {
                    acc[l] += q[l];
                    lo[l] = lo[l].min(q[l]);
                    hi[l] = hi[l].max(q[l]);
                }
            }
            let r = it.remainder();
            let lo = r.iter().chain(&lo).cloned().fold(f64::INFINITY, f64::min);
            let hi = r.iter().chain(&hi).cloned().fold(f64::NEG_INFINITY, f64::max);
            (acc.iter().sum::<f64>() + r.iter().sum::<f64>(), lo, hi)
        })
        .collect();
    parts.iter().fold((0.0, f64::INFINITY, f64::NEG_INFINITY), |a, b| (a.0 + b.0, a.1.min(b.1), a.2.max(b.2)))
}

/// Per-row sums of a complete map for Sdq and Sdr, from rows a (j) and b (j + 1, or None for the
/// last row): (Σ (Δx z)² along a, Σ (Δy z)² between a and b, Σ over the cells between a and b of the
/// four corner terms of `sdr`). `area` switches the square roots off when only Sdq is wanted.
#[inline(always)]
fn hybrid_row(a: &[f64], b: Option<&[f64]>, dx: f64, dy: f64, area: bool) -> (f64, f64, f64) {
    let nx = a.len();
    let sx = sum_sq_diff(&a[1..], &a[..nx - 1]);
    let Some(b) = b else { return (sx, 0.0, 0.0) };
    let sy = sum_sq_diff(b, a);
    if !area {
        return (sx, sy, 0.0);
    }
    let cz = (dx * dy) * (dx * dy);
    // Cell i: x edges bottom/top, y edges left/right; four corner triangles (see `sdr`). LANES cells
    // at a time from fixed-size windows (no bounds checks), so the square roots vectorise.
    let cell4 = |i0: usize| -> [f64; LANES] {
        let a0: &[f64; LANES] = a[i0..i0 + LANES].try_into().unwrap();
        let a1: &[f64; LANES] = a[i0 + 1..i0 + 1 + LANES].try_into().unwrap();
        let b0: &[f64; LANES] = b[i0..i0 + LANES].try_into().unwrap();
        let b1: &[f64; LANES] = b[i0 + 1..i0 + 1 + LANES].try_into().unwrap();
        let mut out = [0.0; LANES];
        for l in 0..LANES {
            let xb = dy * (a1[l] - a0[l]);
            let xt = dy * (b1[l] - b0[l]);
            let yl = dx * (b0[l] - a0[l]);
            let yr = dx * (b1[l] - a1[l]);
            let (xb, xt, yl, yr) = (xb * xb, xt * xt, yl * yl, yr * yr);
            out[l] = (xb + yl + cz).sqrt() + (xb + yr + cz).sqrt() + (xt + yr + cz).sqrt() + (xt + yl + cz).sqrt();
        }
        out
    };
    let mut acc = [0.0; LANES];
    let full = (nx - 1) / LANES * LANES;
    for i0 in (0..full).step_by(LANES) {
        let c = cell4(i0);
        for l in 0..LANES {
            acc[l] += c[l];
        }
    }
    (sx, sy, acc.iter().sum::<f64>() + cells_rest(a, b, dx, dy, full))
}

/// The cell sum of `hybrid_row` with AVX: four cells per instruction, each lane doing exactly the
/// scalar operations in the same order (IEEE add/mul/sqrt round the same way), so the result is
/// bit-for-bit that of the portable loop.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx")]
unsafe fn cells_avx(a: &[f64], b: &[f64], dx: f64, dy: f64) -> f64 {
    use std::arch::x86_64::*;
    let nx = a.len();
    let cz = (dx * dy) * (dx * dy);
    let (vdx, vdy, vcz) = (_mm256_set1_pd(dx), _mm256_set1_pd(dy), _mm256_set1_pd(cz));
    let mut acc = _mm256_setzero_pd();
    let full = (nx - 1) / LANES * LANES;
    let (pa, pb) = (a.as_ptr(), b.as_ptr());
    let mut i0 = 0;
    while i0 < full {
        // i0 + 4 ≤ nx − 1, so the loads at i0 + 1 stay inside the rows.
        let a0 = _mm256_loadu_pd(pa.add(i0));
        let a1 = _mm256_loadu_pd(pa.add(i0 + 1));
        let b0 = _mm256_loadu_pd(pb.add(i0));
        let b1 = _mm256_loadu_pd(pb.add(i0 + 1));
        let xb = _mm256_mul_pd(vdy, _mm256_sub_pd(a1, a0));
        let xt = _mm256_mul_pd(vdy, _mm256_sub_pd(b1, b0));
        let yl = _mm256_mul_pd(vdx, _mm256_sub_pd(b0, a0));
        let yr = _mm256_mul_pd(vdx, _mm256_sub_pd(b1, a1));
        let (xb, xt, yl, yr) = (_mm256_mul_pd(xb, xb), _mm256_mul_pd(xt, xt), _mm256_mul_pd(yl, yl), _mm256_mul_pd(yr, yr));
        let t = |p: __m256d, q: __m256d| _mm256_sqrt_pd(_mm256_add_pd(_mm256_add_pd(p, q), vcz));
        let c = _mm256_add_pd(_mm256_add_pd(_mm256_add_pd(t(xb, yl), t(xb, yr)), t(xt, yr)), t(xt, yl));
        acc = _mm256_add_pd(acc, c);
        i0 += LANES;
    }
    let mut lanes = [0.0; LANES];
    _mm256_storeu_pd(lanes.as_mut_ptr(), acc);
    lanes.iter().sum::<f64>() + cells_rest(a, b, dx, dy, full)
}

/// Cells full..nx−1 of a row pair (the tail after the LANES-wide loop).
#[inline(always)]
fn cells_rest(a: &[f64], b: &[f64], dx: f64, dy: f64, full: usize) -> f64 {
    let cz = (dx * dy) * (dx * dy);
    (full..a.len() - 1)
        .map(|i| {
            let xb = dy * (a[i + 1] - a[i]);
            let xt = dy * (b[i + 1] - b[i]);
            let yl = dx * (b[i] - a[i]);
            let yr = dx * (b[i + 1] - a[i + 1]);
            let (xb, xt, yl, yr) = (xb * xb, xt * xt, yl * yl, yr * yr);
            (xb + yl + cz).sqrt() + (xb + yr + cz).sqrt() + (xt + yr + cz).sqrt() + (xt + yl + cz).sqrt()
        })
        .sum()
}

fn hybrid_row_dispatch(a: &[f64], b: Option<&[f64]>, dx: f64, dy: f64, area: bool) -> (f64, f64, f64) {
    #[cfg(target_arch = "x86_64")]
    if area && std::arch::is_x86_feature_detected!("avx") {
        if let Some(b) = b {
            let nx = a.len();
            let sx = sum_sq_diff(&a[1..], &a[..nx - 1]);
            let sy = sum_sq_diff(b, a);
            // SAFETY: the CPU supports AVX (checked above); a and b have the same length nx ≥ 2.
            return (sx, sy, unsafe { cells_avx(a, b, dx, dy) });
        }
    }
    hybrid_row(a, b, dx, dy, area)
}

/// Sums over all rows of a complete map (see `hybrid_row`), combined in row order.
fn hybrid_sums(map: &HeightMap, area: bool) -> (f64, f64, f64) {
    let ny = map.ny;
    let rows: Vec<(f64, f64, f64)> = (0..ny)
        .into_par_iter()
        .with_min_len(16)
        .map(|j| hybrid_row_dispatch(map.row(j), (j + 1 < ny).then(|| map.row(j + 1)), map.dx, map.dy, area))
        .collect();
    rows.iter().fold((0.0, 0.0, 0.0), |s, r| (s.0 + r.0, s.1 + r.1, s.2 + r.2))
}

fn sdq_from(map: &HeightMap, sx: f64, sy: f64) -> f64 {
    let (nx, ny) = (map.nx, map.ny);
    let (cx, cy) = ((ny * (nx - 1)) as f64, ((ny - 1) * nx) as f64);
    (sx / (map.dx * map.dx) / cx + sy / (map.dy * map.dy) / cy).sqrt()
}

fn sdr_from(map: &HeightMap, area: f64) -> f64 {
    // Each corner term is |normal| = 2 × that corner triangle's area; the cell (mean of its two
    // triangulations) is half the four triangles, hence the 0.25.
    let projected = ((map.nx - 1) * (map.ny - 1)) as f64 * map.dx * map.dy;
    (0.25 * area / projected - 1.0) * 100.0
}

/// Sdq and Sdr together in one pass over a map (the form `areal_params` uses).
pub fn sdq_sdr(map: &HeightMap) -> Result<(f64, f64)> {
    if map.has_missing() || map.nx < 2 || map.ny < 2 {
        return Ok((sdq(map)?, sdr(map)?));
    }
    let (sx, sy, area) = hybrid_sums(map, true);
    Ok((sdq_from(map, sx, sy), sdr_from(map, area)))
}

/// Root mean square gradient Sdq (dimensionless). Differences touching a missing point are skipped.
pub fn sdq(map: &HeightMap) -> Result<f64> {
    let (nx, ny) = (map.nx, map.ny);
    if nx < 2 || ny < 2 {
        return Err(MetrologyError::invalid("Sdq: expected at least 2 x 2 points"));
    }
    if !map.has_missing() {
        let (sx, sy, _) = hybrid_sums(map, false);
        return Ok(sdq_from(map, sx, sy));
    }
    let rows: Vec<(f64, usize, f64, usize)> = (0..ny)
        .into_par_iter()
        .map(|j| {
            let r = map.row(j);
            let (mut sx, mut cx, mut sy, mut cy) = (0.0, 0usize, 0.0, 0usize);
            for i in 0..nx - 1 {
                let d = (r[i + 1] - r[i]) / map.dx;
                if !d.is_nan() {
                    sx += d * d;
                    cx += 1;
                }
            }
            if j + 1 < ny {
                let r2 = map.row(j + 1);
                for i in 0..nx {
                    let d = (r2[i] - r[i]) / map.dy;
                    if !d.is_nan() {
                        sy += d * d;
                        cy += 1;
                    }
                }
            }
            (sx, cx, sy, cy)
        })
        .collect();
    let (sx, cx, sy, cy) = rows.iter().fold((0.0, 0, 0.0, 0), |a, b| (a.0 + b.0, a.1 + b.1, a.2 + b.2, a.3 + b.3));
    if cx == 0 || cy == 0 {
        return Err(MetrologyError::invalid("Sdq: no pair of neighbouring measured points"));
    }
    Ok((sx / cx as f64 + sy / cy as f64).sqrt())
}

/// Σ a[i]·b[i] in vectorisable lanes.
#[inline(always)]
fn dot(a: &[f64], b: &[f64]) -> f64 {
    debug_assert_eq!(a.len(), b.len());
    let mut acc = [0.0; LANES];
    let mut ia = a.chunks_exact(LANES);
    let mut ib = b.chunks_exact(LANES);
    for (p, q) in (&mut ia).zip(&mut ib) {
        for l in 0..LANES {
            acc[l] += p[l] * q[l];
        }
    }
    acc.iter().sum::<f64>() + ia.remainder().iter().zip(ib.remainder()).map(|(p, q)| p * q).sum::<f64>()
}

/// Σ (a[i] − b[i])² in vectorisable lanes.
#[inline(always)]
fn sum_sq_diff(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0.0; LANES];
    let mut ia = a.chunks_exact(LANES);
    let mut ib = b.chunks_exact(LANES);
    for (p, q) in (&mut ia).zip(&mut ib) {
        for l in 0..LANES {
            let d = p[l] - q[l];
            acc[l] += d * d;
        }
    }
    let rest: f64 = ia.remainder().iter().zip(ib.remainder()).map(|(p, q)| (p - q) * (p - q)).sum();
    acc.iter().sum::<f64>() + rest
}

/// Developed interfacial area ratio Sdr, percent. Cells with a missing corner are skipped (both in
/// the developed and the projected area).
pub fn sdr(map: &HeightMap) -> Result<f64> {
    let (nx, ny) = (map.nx, map.ny);
    if nx < 2 || ny < 2 {
        return Err(MetrologyError::invalid("Sdr: expected at least 2 x 2 points"));
    }
    if !map.has_missing() {
        let (_, _, area) = hybrid_sums(map, true);
        return Ok(sdr_from(map, area));
    }
    let (dx, dy) = (map.dx, map.dy);
    let cz = (dx * dy) * (dx * dy);
    let rows: Vec<(f64, usize)> = (0..ny - 1)
        .into_par_iter()
        .map(|j| {
            let (a, b) = (map.row(j), map.row(j + 1));
            let (mut s, mut n) = (0.0, 0usize);
            for i in 0..nx - 1 {
                let xb = dy * (a[i + 1] - a[i]);
                let xt = dy * (b[i + 1] - b[i]);
                let yl = dx * (b[i] - a[i]);
                let yr = dx * (b[i + 1] - a[i + 1]);
                let (xb, xt, yl, yr) = (xb * xb, xt * xt, yl * yl, yr * yr);
                let c = (xb + yl + cz).sqrt() + (xb + yr + cz).sqrt() + (xt + yr + cz).sqrt() + (xt + yl + cz).sqrt();
                if !c.is_nan() {
                    s += 0.25 * c;
                    n += 1;
                }
            }
            (s, n)
        })
        .collect();
    let (area, cells) = rows.iter().fold((0.0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    if cells == 0 {
        return Err(MetrologyError::invalid("Sdr: no complete grid cell"));
    }
    Ok((area / (cells as f64 * dx * dy) - 1.0) * 100.0)
}

/// Surface area (m²) by Gwyddion's discretisation (`gwy_data_field_get_surface_area`, Gwyddion user
/// guide "Surface area"): each square of four neighbouring pixel centres is split into four triangles
/// meeting at its centre (height = mean of the corners); the half-pixel border stripes are extended
/// flat outwards and the four corner quarter-pixels counted flat, so the projected area is the whole
/// image nx·dx × ny·dy. ISO 25178-2 (and `sdr`) instead triangulate the (nx−1)·(ny−1) cells between
/// the points; both converge to the same area as the sampling refines.
pub fn surface_area_gwyddion(map: &HeightMap) -> Result<f64> {
    map.require_complete("surface area")?;
    let (nx, ny) = (map.nx, map.ny);
    if nx < 2 || ny < 2 {
        return Err(MetrologyError::invalid("surface area: expected at least 2 x 2 points"));
    }
    let (xx, yy) = (map.dx * map.dx, map.dy * map.dy);
    // Twice the areas of the four triangles (in units of dx·dy/4) of the cell with corners
    // z1 (i, j), z2 (i+1, j), z3 (i+1, j+1), z4 (i, j+1); c is twice the centre height.
    let cell = |z1: f64, z2: f64, z3: f64, z4: f64| {
        let c = (z1 + z2 + z3 + z4) / 2.0;
        (1.0 + (z1 - z2).powi(2) / xx + (z1 + z2 - c).powi(2) / yy).sqrt()
            + (1.0 + (z2 - z3).powi(2) / yy + (z2 + z3 - c).powi(2) / xx).sqrt()
            + (1.0 + (z3 - z4).powi(2) / xx + (z3 + z4 - c).powi(2) / yy).sqrt()
            + (1.0 + (z1 - z4).powi(2) / yy + (z1 + z4 - c).powi(2) / xx).sqrt()
    };
    let inner: f64 = (0..ny - 1)
        .into_par_iter()
        .map(|j| {
            let (a, b) = (map.row(j), map.row(j + 1));
            (0..nx - 1).map(|i| cell(a[i], a[i + 1], b[i + 1], b[i])).sum::<f64>()
        })
        .collect::<Vec<f64>>()
        .iter()
        .sum();
    // A half-pixel stripe along an edge, sloping only along the edge: 2·√(1 + (Δz/d)²) per step.
    let stripe = |v: &mut dyn Iterator<Item = f64>, dd: f64| {
        let v: Vec<f64> = v.collect();
        v.windows(2).map(|w| 2.0 * (1.0 + (w[1] - w[0]).powi(2) / dd).sqrt()).sum::<f64>()
    };
    let edges = stripe(&mut map.row(0).iter().copied(), xx)
        + stripe(&mut map.row(ny - 1).iter().copied(), xx)
        + stripe(&mut (0..ny).map(|j| map.get(0, j)), yy)
        + stripe(&mut (0..ny).map(|j| map.get(nx - 1, j)), yy);
    Ok((inner + edges + 4.0) * map.dx * map.dy / 4.0)
}

/// Sdr (%) from `surface_area_gwyddion` over the projected area nx·dx × ny·dy, as Gwyddion reports it.
pub fn sdr_gwyddion(map: &HeightMap) -> Result<f64> {
    let a = surface_area_gwyddion(map)?;
    Ok((a / (map.nx as f64 * map.dx * map.ny as f64 * map.dy) - 1.0) * 100.0)
}

/// The autocorrelation function (unbiased, non-circular) and what Sal/Str need from it.
///
/// Fast path (complete maps): the circular correlation from an unpadded real FFT, minus the wrapped
/// products computed directly for each lag that is actually visited (cost |tx|·ny + |ty|·nx per lag,
/// cached). Sal only needs the central lobe, so this is far cheaper than the zero-padded transform,
/// which is still used for maps with missing points or when the lobe is so large that the direct
/// corrections would cost more than the padded FFT.
pub struct Acf {
    nx: usize,
    ny: usize,
    dx: f64,
    dy: f64,
    mode: AcfMode,
}

enum AcfMode {
    Padded {
        px: usize,
        py: usize,
        /// Linear correlation sums, layout [ty mod py][tx mod px].
        raw: Vec<f64>,
        /// Overlap counts per lag (only when the map has missing points).
        counts: Option<Vec<f64>>,
    },
    Circular {
        /// Circular correlation sums, layout [ty mod ny][tx mod nx].
        circ: Vec<f64>,
        /// Mean-centred heights.
        z: Vec<f64>,
        cache: std::cell::RefCell<std::collections::HashMap<(isize, isize), f64>>,
        /// Multiply-adds spent on wrap corrections so far; past the budget the caller switches mode.
        work: std::cell::Cell<usize>,
    },
}

impl Acf {
    pub fn new(map: &HeightMap) -> Result<Acf> {
        Self::build(map, !map.has_missing())
    }

    fn build(map: &HeightMap, circular: bool) -> Result<Acf> {
        let (nx, ny) = (map.nx, map.ny);
        if nx < 3 || ny < 3 {
            return Err(MetrologyError::invalid("autocorrelation: expected at least 3 x 3 points"));
        }
        let mean = map.mean();
        let z: Vec<f64> = map.z.iter().map(|&v| if v.is_nan() { 0.0 } else { v - mean }).collect();
        let mode = if circular {
            let circ = autocorr_sums(&z, nx, ny, nx, ny);
            AcfMode::Circular { circ, z, cache: Default::default(), work: Default::default() }
        } else {
            let px = next_fast_len(2 * nx - 1);
            let py = next_fast_len(2 * ny - 1);
            let raw = autocorr_sums(&z, nx, ny, px, py);
            let counts = if map.has_missing() {
                let m: Vec<f64> = map.z.iter().map(|v| if v.is_nan() { 0.0 } else { 1.0 }).collect();
                Some(autocorr_sums(&m, nx, ny, px, py))
            } else {
                None
            };
            AcfMode::Padded { px, py, raw, counts }
        };
        Ok(Acf { nx, ny, dx: map.dx, dy: map.dy, mode })
    }

    fn over_budget(&self) -> bool {
        match &self.mode {
            AcfMode::Circular { work, .. } => work.get() > 40 * self.nx * self.ny,
            AcfMode::Padded { .. } => false,
        }
    }

    /// ACF at integer lag (tx, ty), |tx| < nx, |ty| < ny, in m².
    pub fn at(&self, tx: isize, ty: isize) -> f64 {
        let (nx, ny) = (self.nx, self.ny);
        match &self.mode {
            AcfMode::Padded { px, py, raw, counts } => {
                let ix = tx.rem_euclid(*px as isize) as usize;
                let iy = ty.rem_euclid(*py as isize) as usize;
                let k = iy * px + ix;
                let n = match counts {
                    Some(c) => c[k].round().max(0.0),
                    None => ((ny - ty.unsigned_abs()) * (nx - tx.unsigned_abs())) as f64,
                };
                if n < 0.5 {
                    f64::NAN
                } else {
                    raw[k] / n
                }
            }
            AcfMode::Circular { circ, z, cache, work } => {
                if let Some(v) = cache.borrow().get(&(tx, ty)) {
                    return *v;
                }
                let (ax, ay) = (tx.unsigned_abs(), ty.unsigned_abs());
                let ix = tx.rem_euclid(nx as isize) as usize;
                let iy = ty.rem_euclid(ny as isize) as usize;
                // Wrapped products: pairs whose partner (x+tx, y+ty) left the grid, i.e. x in
                // [xo0, xo1) or y in [yo0, yo1).
                let (xo0, xo1) = if tx >= 0 { (nx - ax, nx) } else { (0, ax) };
                let (yo0, yo1) = if ty >= 0 { (ny - ay, ny) } else { (0, ay) };
                // Partner column of x is x + ix (mod nx): split at the wrap so no modulo is needed.
                let split = nx - ix;
                let mut wsum = 0.0;
                for y in 0..ny {
                    let row = &z[y * nx..(y + 1) * nx];
                    let py = (y + iy) % ny;
                    let prow = &z[py * nx..(py + 1) * nx];
                    if (yo0..yo1).contains(&y) {
                        // The whole row wraps in y.
                        wsum += dot(&row[..split], &prow[ix..]) + dot(&row[split..], &prow[..ix]);
                    } else if xo1 > xo0 {
                        // Only the columns whose partner wrapped in x: [xo0, xo1) = [split, nx) for
                        // tx > 0 (partners 0..ax), [0, ax) for tx < 0 (partners ix..nx).
                        if tx > 0 {
                            wsum += dot(&row[xo0..xo1], &prow[..ax]);
                        } else {
                            wsum += dot(&row[xo0..xo1], &prow[ix..ix + ax]);
                        }
                    }
                }
                work.set(work.get() + ax * ny + ay * nx);
                let n = ((ny - ay) * (nx - ax)) as f64;
                let v = (circ[iy * nx + ix] - wsum) / n;
                cache.borrow_mut().insert((tx, ty), v);
                v
            }
        }
    }
    fn at_frac(&self, x: f64, y: f64) -> f64 {
        // Bilinear interpolation between integer lags.
        let (x0, y0) = (x.floor(), y.floor());
        let (fx, fy) = (x - x0, y - y0);
        let (x0, y0) = (x0 as isize, y0 as isize);
        let v = |a: isize, b: isize| self.at(a, b);
        let top = v(x0, y0) * (1.0 - fx) + if fx > 0.0 { v(x0 + 1, y0) * fx } else { 0.0 };
        let bot = if fy > 0.0 { v(x0, y0 + 1) * (1.0 - fx) + if fx > 0.0 { v(x0 + 1, y0 + 1) * fx } else { 0.0 } } else { 0.0 };
        top * (1.0 - fy) + bot * fy
    }

    /// Shortest and longest decay length (m) to s·ACF(0) and whether the central lobe stays inside
    /// the lag field (otherwise the longest length is only a lower bound and Str is undefined).
    pub fn decay_lengths(&self, s: f64) -> (f64, f64, bool) {
        let (nx, ny) = (self.nx as isize, self.ny as isize);
        let thr = s * self.at(0, 0);
        // Flood fill (4-connected) of the lobe above the threshold around zero lag. Hash sets, not
        // lag-grid arrays: the lobe is usually tiny compared with the (2nx−1)(2ny−1) lag field.
        let mut inside: std::collections::HashSet<(isize, isize)> = std::collections::HashSet::new();
        let mut is_edge: std::collections::HashSet<(isize, isize)> = std::collections::HashSet::new();
        let mut stack = vec![(0isize, 0isize)];
        inside.insert((0, 0));
        let mut touches = false;
        let mut edge: Vec<(isize, isize)> = Vec::new();
        while let Some((tx, ty)) = stack.pop() {
            if self.over_budget() {
                return (f64::NAN, f64::NAN, false);
            }
            for (ax, ay) in [(tx + 1, ty), (tx - 1, ty), (tx, ty + 1), (tx, ty - 1)] {
                if ax.abs() >= nx || ay.abs() >= ny {
                    touches = true;
                    continue;
                }
                if inside.contains(&(ax, ay)) || is_edge.contains(&(ax, ay)) {
                    continue;
                }
                if self.at(ax, ay) > thr {
                    inside.insert((ax, ay));
                    stack.push((ax, ay));
                } else {
                    is_edge.insert((ax, ay));
                    edge.push((ax, ay));
                }
            }
        }
        if edge.is_empty() {
            return (f64::NAN, f64::NAN, false);
        }
        let (mut lo, mut hi) = (f64::INFINITY, 0.0f64);
        for &(ex, ey) in &edge {
            if self.over_budget() {
                return (f64::NAN, f64::NAN, false);
            }
            // Walk from the centre to the edge pixel; bisect the first threshold crossing.
            let f = |t: f64| self.at_frac(t * ex as f64, t * ey as f64) - thr;
            let steps = 4 * (ex.unsigned_abs().max(ey.unsigned_abs())).max(1);
            let mut prev = 0.0;
            let mut t_cross = 1.0;
            for k in 1..=steps {
                let t = k as f64 / steps as f64;
                if f(t) <= 0.0 {
                    let (mut a, mut b) = (prev, t);
                    for _ in 0..50 {
                        let m = 0.5 * (a + b);
                        if f(m) > 0.0 { a = m } else { b = m }
                    }
                    t_cross = 0.5 * (a + b);
                    break;
                }
                prev = t;
            }
            let d = t_cross * ((ex as f64 * self.dx).powi(2) + (ey as f64 * self.dy).powi(2)).sqrt();
            lo = lo.min(d);
            hi = hi.max(d);
        }
        (lo, hi, !touches)
    }
}

/// Autocorrelation length Sal (m) and texture aspect ratio Str (1) at threshold s (ISO default 0.2).
/// Str is NaN when the ACF does not decay to s in some direction within the field.
pub fn sal_str(map: &HeightMap, s: f64) -> Result<(f64, f64)> {
    if !(s > 0.0 && s < 1.0) {
        return Err(MetrologyError::invalid(format!("Sal/Str threshold s = {s}: expected 0 < s < 1")));
    }
    let mut acf = Acf::new(map)?;
    let mut r = acf.decay_lengths(s);
    if acf.over_budget() {
        // A large lobe: the per-lag corrections would cost more than the zero-padded transform.
        acf = Acf::build(map, false)?;
        r = acf.decay_lengths(s);
    }
    let (lo, hi, inside) = r;
    Ok((lo, if inside { lo / hi } else { f64::NAN }))
}

/// The areal material ratio curve and the functional parameters derived from it.
pub struct MaterialRatio<'a> {
    /// Measured heights (m), unsorted; borrowed from the map when it has no missing points.
    values: std::borrow::Cow<'a, [f64]>,
    /// Their mean (m): heights below are about it.
    mean: f64,
    /// Heights at material ratios mr[k] = 100·k/(K-1) %, descending (m).
    pub height: Vec<f64>,
    pub mr: Vec<f64>,
    yupper: f64,
    ylower: f64,
}

impl<'a> MaterialRatio<'a> {
    pub fn new(map: &'a HeightMap) -> Result<MaterialRatio<'a>> {
        let values: std::borrow::Cow<'a, [f64]> = if map.has_missing() {
            std::borrow::Cow::Owned(map.z.iter().copied().filter(|v| !v.is_nan()).collect())
        } else {
            std::borrow::Cow::Borrowed(&map.z)
        };
        if values.len() < 2 {
            return Err(MetrologyError::invalid("material ratio: expected at least 2 measured points"));
        }
        let (sum, lo, hi) = sum_min_max(&values);
        let mean = sum / values.len() as f64;
        Ok(Self::from_values(values, mean, (lo, hi), AF_CLASSES))
    }

    fn from_values(values: std::borrow::Cow<'a, [f64]>, mean: f64, range: (f64, f64), classes: usize) -> MaterialRatio<'a> {
        let n = values.len();
        let step = 100.0 / (classes - 1) as f64;
        let mr: Vec<f64> = (0..classes).map(|k| if k == classes - 1 { 100.0 } else { k as f64 * step }).collect();
        // Linear-interpolated quantile (numpy's default): position q·(n-1) between order statistics
        // floor and floor+1. Only those ≤ 2·classes order statistics are selected, not a full sort.
        let pos: Vec<(usize, f64)> = mr
            .iter()
            .map(|&m| {
                let p = (1.0 - m / 100.0) * (n - 1) as f64;
                let lo = (p.floor() as usize).min(n - 1);
                (lo, p - lo as f64)
            })
            .collect();
        let mut ranks: Vec<usize> = pos.iter().flat_map(|&(lo, _)| [lo, (lo + 1).min(n - 1)]).collect();
        ranks.sort_unstable();
        ranks.dedup();
        let stats = order_statistics_in(&values, &ranks, range);
        // Heights about the mean; centring after selection keeps the order and each value.
        let at = |r: usize| stats[ranks.binary_search(&r).unwrap()] - mean;
        let height: Vec<f64> = pos
            .iter()
            .map(|&(lo, t)| {
                let (a, b) = (at(lo), at((lo + 1).min(n - 1)));
                // numpy's lerp form, symmetric in t for accuracy.
                if t >= 0.5 { b - (b - a) * (1.0 - t) } else { a + (b - a) * t }
            })
            .collect();
        let mut out = MaterialRatio { values, mean, height, mr, yupper: 0.0, ylower: 0.0 };
        out.equivalent_line();
        out
    }

    /// Height (m) at material ratio p (%), linear in the sampled curve.
    pub fn smc(&self, p: f64) -> f64 {
        interp(p, &self.mr, &self.height)
    }

    /// Areal material ratio Smr(c), %: share of the measured area at or above height c (m, about the
    /// mean plane). ISO 25178-2: "ratio of the area of the material at a specified height c to the
    /// evaluation area" — evaluated exactly on the points, not on the sampled curve.
    pub fn smr(&self, c: f64) -> f64 {
        let above = self.values.par_chunks(1 << 14).map(|ch| ch.iter().filter(|&&v| v - self.mean >= c).count()).sum::<usize>();
        100.0 * above as f64 / self.values.len() as f64
    }

    /// Smr read from the sampled curve (linear interpolation, as surfalize's `Smr`).
    pub fn smr_curve(&self, c: f64) -> f64 {
        // height is descending; interpolate on the reversed (ascending) arrays.
        let n = self.height.len();
        if c <= self.height[n - 1] {
            return 100.0;
        }
        if c >= self.height[0] {
            return 0.0;
        }
        let k = self.height.partition_point(|&h| h > c); // first index with height <= c
        let (h0, h1) = (self.height[k - 1], self.height[k]);
        let (m0, m1) = (self.mr[k - 1], self.mr[k]);
        if h0 == h1 { m1 } else { m0 + (m1 - m0) * (h0 - c) / (h0 - h1) }
    }

    fn equivalent_line(&mut self) {
        let (mr, h) = (&self.mr, &self.height);
        // Step 1: the 40 % secant of least gradient (first one on ties, ISO 13565-2).
        let mut best = f64::NEG_INFINITY;
        let mut istart = 0;
        for i in 0..mr.len() {
            if mr[i] > 100.0 - EQUIVALENCE_WIDTH {
                break;
            }
            let slope = (interp(mr[i] + EQUIVALENCE_WIDTH, mr, h) - h[i]) / EQUIVALENCE_WIDTH;
            if i == 0 || slope > best {
                best = slope;
                istart = i;
            }
        }
        // Step 2: least-squares line through the curve points in that window.
        let lim = mr[istart] + EQUIVALENCE_WIDTH;
        let iend = mr.partition_point(|&m| m <= lim);
        let (xs, ys) = (&mr[istart..iend], &h[istart..iend]);
        let n = xs.len() as f64;
        let mx = xs.iter().sum::<f64>() / n;
        let my = ys.iter().sum::<f64>() / n;
        let sxy: f64 = xs.iter().zip(ys).map(|(x, y)| (x - mx) * (y - my)).sum();
        let sxx: f64 = xs.iter().map(|x| (x - mx).powi(2)).sum();
        let slope = sxy / sxx;
        let intercept = my - slope * mx;
        self.yupper = intercept;
        self.ylower = slope * 100.0 + intercept;
    }

    /// Core height Sk (m).
    pub fn sk(&self) -> f64 {
        self.yupper - self.ylower
    }
    /// Peak material ratio Smr1 (%).
    pub fn smr1(&self) -> f64 {
        self.smr_curve(self.yupper)
    }
    /// Dale material ratio Smr2 (%).
    pub fn smr2(&self) -> f64 {
        self.smr_curve(self.ylower)
    }
    /// Reduced peak height Spk (m): height of the triangle with the area of the peaks above the core.
    pub fn spk(&self) -> f64 {
        let idx = argclosest(self.yupper, &self.height);
        let a1 = trapz(&self.mr[..idx], &self.height[..idx]).abs();
        if a1 > 0.0 { 2.0 * a1 / self.smr1() } else { 0.0 }
    }
    /// Reduced dale height Svk (m).
    pub fn svk(&self) -> f64 {
        let idx = argclosest(self.ylower, &self.height);
        let y: Vec<f64> = self.mr[idx..].iter().map(|m| 100.0 - m).collect();
        let a2 = trapz(&y, &self.height[idx..]).abs();
        if a2 > 0.0 { 2.0 * a2 / (100.0 - self.smr2()) } else { 0.0 }
    }
}

/// Order statistics (0-based ranks, ascending and unique) of `v` without sorting all of it: a
/// histogram locates the bin of each rank, then only the values in those bins are gathered and sorted.
#[cfg(test)]
pub(crate) fn order_statistics(v: &[f64], ranks: &[usize]) -> Vec<f64> {
    let (_, lo, hi) = sum_min_max(v);
    order_statistics_in(v, ranks, (lo, hi))
}

/// `order_statistics` with the (min, max) of `v` already known.
fn order_statistics_in(v: &[f64], ranks: &[usize], (lo, hi): (f64, f64)) -> Vec<f64> {
    let n = v.len();
    if lo == hi {
        return vec![lo; ranks.len()];
    }
    // About 16 values per bin, at most 2^19 bins (2 MiB of counters, cache-resident while the values
    // stream past); fewer values per wanted bin make the gather and the in-bin selections cheap.
    let nb = (n / 16).clamp(1024, 1 << 19);
    let scale = nb as f64 / (hi - lo);
    let bin = |x: f64| (((x - lo) * scale) as usize).min(nb - 1);
    let counts = v
        .par_chunks(1 << 18)
        .fold(|| vec![0u32; nb], |mut h, c| {
            for &x in c {
                h[bin(x)] += 1;
            }
            h
        })
        .reduce(|| vec![0u32; nb], |mut a, b| {
            a.iter_mut().zip(&b).for_each(|(x, y)| *x += y);
            a
        });
    let mut start = vec![0usize; nb + 1];
    for b in 0..nb {
        start[b + 1] = start[b] + counts[b] as usize;
    }
    // Compact slots for the bins holding a requested rank, with the ranks each must deliver.
    let mut slot = vec![u32::MAX; nb];
    let mut needed: Vec<usize> = Vec::new();
    let mut wanted: Vec<Vec<usize>> = Vec::new();
    for &r in ranks {
        let b = start.partition_point(|&s| s <= r) - 1;
        if slot[b] == u32::MAX {
            slot[b] = needed.len() as u32;
            needed.push(b);
            wanted.push(Vec::new());
        }
        wanted[slot[b] as usize].push(r - start[b]);
    }
    let mut off = vec![0usize; needed.len() + 1];
    for (k, &b) in needed.iter().enumerate() {
        off[k + 1] = off[k] + counts[b] as usize;
    }
    // Slots past the wanted bins collect everything else, one cell per lane, so the gather has no
    // data-dependent branch (a wanted bin is a coin flip per value, often mispredicted) and the lanes'
    // read-modify-writes of their trash counters do not form one serial chain through memory.
    const T: usize = 4;
    let trash = needed.len();
    let base = off[needed.len()];
    let mut buf = vec![0.0; base + T];
    let mut fill = off.clone();
    fill.truncate(trash);
    fill.extend((0..T).map(|l| base + l));
    for s in slot.iter_mut() {
        if *s == u32::MAX {
            *s = trash as u32;
        }
    }
    let mut it = v.chunks_exact(T);
    for q in &mut it {
        for (l, &x) in q.iter().enumerate() {
            let s = slot[bin(x)] as usize;
            let t = (s == trash) as usize;
            let s = s + t * l;
            buf[fill[s]] = x;
            fill[s] += 1 - t;
        }
    }
    for &x in it.remainder() {
        let s = slot[bin(x)] as usize;
        let t = (s == trash) as usize;
        buf[fill[s]] = x;
        fill[s] += 1 - t;
    }
    buf.truncate(base);
    let mut parts: Vec<&mut [f64]> = Vec::with_capacity(needed.len());
    let mut rest = buf.as_mut_slice();
    for k in 0..needed.len() {
        let (a, b) = rest.split_at_mut(off[k + 1] - off[k]);
        parts.push(a);
        rest = b;
    }
    // A bin usually holds one or two wanted ranks: selection (linear) instead of sorting the bin.
    let picked: Vec<Vec<f64>> = parts
        .into_par_iter()
        .zip(wanted.par_iter())
        .map(|(p, w)| {
            if w.len() > 8 {
                p.sort_unstable_by(|a, b| a.total_cmp(b));
                return w.iter().map(|&r| p[r]).collect();
            }
            // Ranks ascending: each selection leaves everything above the pivot to its right.
            let mut out = Vec::with_capacity(w.len());
            let mut base = 0;
            for &r in w {
                let (_, x, _) = p[base..].select_nth_unstable_by(r - base, |a, b| a.total_cmp(b));
                out.push(*x);
                base = r;
            }
            out
        })
        .collect();
    ranks
        .iter()
        .map(|&r| {
            let b = start.partition_point(|&s| s <= r) - 1;
            let k = slot[b] as usize;
            let pos = wanted[k].binary_search(&(r - start[b])).unwrap();
            picked[k][pos]
        })
        .collect()
}

/// Linear interpolation y(x) on ascending xs, clamped at the ends (as numpy.interp).
fn interp(x: f64, xs: &[f64], ys: &[f64]) -> f64 {
    let n = xs.len();
    if x <= xs[0] {
        return ys[0];
    }
    if x >= xs[n - 1] {
        return ys[n - 1];
    }
    let k = xs.partition_point(|&v| v <= x); // xs[k-1] <= x < xs[k]
    let (x0, x1, y0, y1) = (xs[k - 1], xs[k], ys[k - 1], ys[k]);
    y0 + (y1 - y0) * (x - x0) / (x1 - x0)
}

fn argclosest(x: f64, v: &[f64]) -> usize {
    let mut best = 0;
    for (i, &h) in v.iter().enumerate() {
        if (h - x).abs() < (v[best] - x).abs() {
            best = i;
        }
    }
    best
}

/// ∫ y dx by the trapezoid rule.
fn trapz(y: &[f64], x: &[f64]) -> f64 {
    (1..y.len()).map(|i| 0.5 * (y[i] + y[i - 1]) * (x[i] - x[i - 1])).sum()
}

/// All areal parameters of a map, units in the field docs.
#[derive(Debug, Clone, Serialize)]
#[allow(non_snake_case)]
pub struct ArealParams {
    #[serde(flatten)]
    pub height: HeightParams,
    /// Root mean square gradient, 1.
    pub Sdq: f64,
    /// Developed interfacial area ratio, %.
    pub Sdr: f64,
    /// Autocorrelation length (s = 0.2), m.
    pub Sal: f64,
    /// Texture aspect ratio (s = 0.2), 1; NaN when undefined in the field.
    pub Str: f64,
    /// Core height, m.
    pub Sk: f64,
    /// Reduced peak height, m.
    pub Spk: f64,
    /// Reduced dale height, m.
    pub Svk: f64,
    /// Peak / dale material ratios, %.
    pub Smr1: f64,
    pub Smr2: f64,
}

pub fn areal_params(map: &HeightMap) -> Result<ArealParams> {
    let height = height_params(map)?;
    let af = MaterialRatio::new(map)?;
    let (sal, str_) = sal_str(map, 0.2)?;
    let (sdq, sdr) = sdq_sdr(map)?;
    Ok(ArealParams {
        height,
        Sdq: sdq,
        Sdr: sdr,
        Sal: sal,
        Str: str_,
        Sk: af.sk(),
        Spk: af.spk(),
        Svk: af.svk(),
        Smr1: af.smr1(),
        Smr2: af.smr2(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::PI;

    #[test]
    fn pure_sine_analytic() {
        // z = A sin(2πx/λ) over whole periods: Sa = 2A/π, Sq = A/√2, Ssk = 0, Sku = 1.5.
        let (a, lam, n) = (2e-9, 64e-9, 256);
        let m = HeightMap::from_fn(n, 32, 1e-9, 1e-9, |x, _| a * (2.0 * PI * x / lam).sin()).unwrap();
        let p = height_params(&m).unwrap();
        assert!((p.Sa / (2.0 * a / PI) - 1.0).abs() < 1e-3, "{}", p.Sa);
        assert!((p.Sq / (a / 2f64.sqrt()) - 1.0).abs() < 1e-12, "{}", p.Sq);
        assert!(p.Ssk.abs() < 1e-9 && (p.Sku - 1.5).abs() < 1e-9);
        assert!((p.Sp - a).abs() < 1e-20 && (p.Sv - a).abs() < 1e-20);
        // Sdq of a sine: sqrt(mean (dz/dx)²) = A·2π/λ/√2 × sinc(π dx/λ) for forward differences that
        // cover whole periods (257 points = 256 differences = 4 periods).
        let m = HeightMap::from_fn(n + 1, 8, 1e-9, 1e-9, |x, _| a * (2.0 * PI * x / lam).sin()).unwrap();
        let exact = a * 2.0 * PI / lam / 2f64.sqrt() * ((PI * 1e-9 / lam).sin() / (PI * 1e-9 / lam));
        assert!((sdq(&m).unwrap() / exact - 1.0).abs() < 1e-9);
    }

    #[test]
    fn simd_cells_equal_portable_loop_bitwise() {
        use rand::{Rng, SeedableRng};
        let mut r = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(17);
        for nx in [2usize, 3, 5, 8, 9, 64, 131] {
            let a: Vec<f64> = (0..nx).map(|_| r.gen::<f64>() * 1e-9).collect();
            let b: Vec<f64> = (0..nx).map(|_| r.gen::<f64>() * 1e-9).collect();
            let p = hybrid_row(&a, Some(&b), 1e-9, 1.5e-9, true);
            let d = hybrid_row_dispatch(&a, Some(&b), 1e-9, 1.5e-9, true);
            assert_eq!((p.0.to_bits(), p.1.to_bits(), p.2.to_bits()), (d.0.to_bits(), d.1.to_bits(), d.2.to_bits()), "nx {nx}");
        }
    }

    #[test]
    fn flat_plane_has_zero_sdr_and_tilt_known_sdr() {
        let m = HeightMap::from_fn(20, 10, 1.0, 1.0, |x, _| 0.5 * x).unwrap();
        // A plane of slope 0.5: area ratio √(1 + 0.25).
        assert!((sdr(&m).unwrap() - (1.25f64.sqrt() - 1.0) * 100.0).abs() < 1e-12);
    }

    #[test]
    fn order_statistics_equal_full_sort() {
        use rand::{Rng, SeedableRng};
        let mut r = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(11);
        // Skewed data with ties, so many ranks share crowded bins.
        let v: Vec<f64> = (0..50_000).map(|_| (r.gen::<f64>().powi(8) * 1000.0).round() / 10.0).collect();
        let mut s = v.clone();
        s.sort_by(f64::total_cmp);
        let ranks: Vec<usize> = (0..v.len()).step_by(7).chain([v.len() - 1]).collect();
        assert_eq!(order_statistics(&v, &ranks), ranks.iter().map(|&k| s[k]).collect::<Vec<_>>());
        assert_eq!(order_statistics(&[2.0; 9], &[0, 8]), vec![2.0, 2.0]);
    }

    #[test]
    fn acf_fast_path_equals_padded_transform() {
        use rand::{Rng, SeedableRng};
        let mut r = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(5);
        let m = HeightMap::from_fn(37, 29, 1.0, 1.5, |x, y| (x * 0.3).sin() + 0.5 * (y * 0.2).cos() + r.gen::<f64>()).unwrap();
        let (a, b) = (Acf::build(&m, true).unwrap(), Acf::build(&m, false).unwrap());
        for ty in -28isize..29 {
            for tx in -36isize..37 {
                // Both are sums over all points divided by the overlap: compare at the sums' precision.
                let n = ((37 - tx.unsigned_abs()) * (29 - ty.unsigned_abs())) as f64;
                assert!((a.at(tx, ty) - b.at(tx, ty)).abs() * n < 1e-11, "({tx},{ty}) {} {}", a.at(tx, ty), b.at(tx, ty));
            }
        }
    }

    #[test]
    fn smr_exact_definition() {
        let m = HeightMap::new(4, 1, 1.0, 1.0, vec![0.0, 1.0, 2.0, 3.0]).unwrap();
        let af = MaterialRatio::new(&m).unwrap();
        // About the mean 1.5: heights -1.5 -0.5 0.5 1.5.
        assert_eq!(af.smr(0.0), 50.0);
        assert_eq!(af.smr(-0.5), 75.0);
        assert_eq!(af.smr(2.0), 0.0);
    }

    #[test]
    fn acf_of_white_noise_decays_within_a_pixel_or_two() {
        use rand::{Rng, SeedableRng};
        let mut r = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(3);
        let m = HeightMap::from_fn(64, 64, 1.0, 1.0, |_, _| r.gen::<f64>()).unwrap();
        let (sal, st) = sal_str(&m, 0.2).unwrap();
        assert!(sal > 0.5 && sal < 1.5, "{sal}");
        assert!(st > 0.3 && st <= 1.0, "{st}");
    }
}
