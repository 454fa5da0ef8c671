//! 2-D FFT helpers on row-major grids (rustfft). Rows are transformed in place, then the grid is
//! transposed in cache blocks and the (former) columns are transformed; callers that only need |F|²
//! keep the transposed layout.

use rayon::prelude::*;
use rustfft::{num_complex::Complex64, FftPlanner};

/// Blocked transpose of an (ny rows × nx cols) grid into (nx rows × ny cols).
pub fn transpose<T: Copy + Send + Sync + Default>(a: &[T], nx: usize, ny: usize) -> Vec<T> {
    let mut out = vec![T::default(); a.len()];
    const B: usize = 32;
    out.par_chunks_mut(B * ny).enumerate().for_each(|(bi, chunk)| {
        let i0 = bi * B;
        let i1 = (i0 + B).min(nx);
        for j0 in (0..ny).step_by(B) {
            let j1 = (j0 + B).min(ny);
            for i in i0..i1 {
                let orow = &mut chunk[(i - i0) * ny..(i - i0 + 1) * ny];
                for j in j0..j1 {
                    orow[j] = a[j * nx + i];
                }
            }
        }
    });
    out
}

/// Forward 2-D FFT of a (ny × nx) complex grid. Returns the spectrum TRANSPOSED: element
/// `[kx * ny + ky]` holds frequency (kx, ky).
pub fn fft2_transposed(mut a: Vec<Complex64>, nx: usize, ny: usize, inverse: bool) -> Vec<Complex64> {
    let mut planner = FftPlanner::new();
    let fx = if inverse { planner.plan_fft_inverse(nx) } else { planner.plan_fft_forward(nx) };
    let fy = if inverse { planner.plan_fft_inverse(ny) } else { planner.plan_fft_forward(ny) };
    a.par_chunks_mut(nx).for_each_init(
        || vec![Complex64::default(); fx.get_inplace_scratch_len()],
        |s, row| fx.process_with_scratch(row, s),
    );
    let mut t = transpose(&a, nx, ny);
    drop(a);
    t.par_chunks_mut(ny).for_each_init(
        || vec![Complex64::default(); fy.get_inplace_scratch_len()],
        |s, col| fy.process_with_scratch(col, s),
    );
    t
}

/// Sizes whose only prime factors are 2, 3, 5 (fast for rustfft), at least n.
pub fn next_fast_len(n: usize) -> usize {
    let mut m = n.max(1);
    loop {
        let mut k = m;
        for p in [2, 3, 5] {
            while k % p == 0 {
                k /= p;
            }
        }
        if k == 1 {
            return m;
        }
        m += 1;
    }
}

use realfft::RealFftPlanner;

/// Half spectrum of a real (ny × nx) grid zero-padded to (py × px): `[kx * py + ky]`, kx = 0 … px/2.
/// Rows beyond ny are zero and skipped.
pub fn rfft2_padded(z: &[f64], nx: usize, ny: usize, px: usize, py: usize) -> Vec<Complex64> {
    debug_assert!(px >= nx && py >= ny && z.len() == nx * ny);
    let h = px / 2 + 1;
    let mut planner = RealFftPlanner::<f64>::new();
    let r2c = planner.plan_fft_forward(px);
    let mut rows = vec![Complex64::default(); ny * h];
    rows.par_chunks_mut(h).enumerate().for_each_init(
        || (r2c.make_input_vec(), r2c.make_scratch_vec()),
        |(inp, scr), (j, out)| {
            inp[..nx].copy_from_slice(&z[j * nx..(j + 1) * nx]);
            inp[nx..].fill(0.0);
            r2c.process_with_scratch(inp, out, scr).expect("r2c lengths are planned");
        },
    );
    let t = transpose(&rows, h, ny);
    drop(rows);
    let mut cols = if py == ny {
        t
    } else {
        let mut c = vec![Complex64::default(); h * py];
        c.par_chunks_mut(py).zip(t.par_chunks(ny)).for_each(|(d, s)| d[..ny].copy_from_slice(s));
        c
    };
    let fy = FftPlanner::new().plan_fft_forward(py);
    cols.par_chunks_mut(py).for_each_init(
        || vec![Complex64::default(); fy.get_inplace_scratch_len()],
        |s, col| fy.process_with_scratch(col, s),
    );
    cols
}

/// Inverse of a Hermitian half spectrum `[kx * py + ky]` (kx = 0 … px/2) to the real (py × px) grid,
/// unnormalised (multiply by 1/(px·py) for the inverse transform).
pub fn irfft2(mut cols: Vec<Complex64>, px: usize, py: usize) -> Vec<f64> {
    let h = px / 2 + 1;
    let fy = FftPlanner::new().plan_fft_inverse(py);
    cols.par_chunks_mut(py).for_each_init(
        || vec![Complex64::default(); fy.get_inplace_scratch_len()],
        |s, col| fy.process_with_scratch(col, s),
    );
    let rows = transpose(&cols, py, h);
    drop(cols);
    let c2r = RealFftPlanner::<f64>::new().plan_fft_inverse(px);
    let mut out = vec![0.0; px * py];
    out.par_chunks_mut(px).zip(rows.par_chunks(h)).for_each_init(
        || (c2r.make_input_vec(), c2r.make_scratch_vec()),
        |(inp, scr), (o, r)| {
            inp.copy_from_slice(r);
            // The DC and Nyquist bins of a real signal are real; drop rounding residue.
            inp[0].im = 0.0;
            if px % 2 == 0 {
                inp[h - 1].im = 0.0;
            }
            c2r.process_with_scratch(inp, o, scr).expect("c2r lengths are planned");
        },
    );
    out
}

/// Circular autocorrelation sums Σ a(x)·a(x+t) of a real (ny × nx) grid zero-padded to (py × px),
/// layout `[ty * px + tx]` (lags modulo the padded size). With px ≥ 2nx−1, py ≥ 2ny−1 these are the
/// linear (non-wrapping) correlation sums.
pub fn autocorr_sums(z: &[f64], nx: usize, ny: usize, px: usize, py: usize) -> Vec<f64> {
    let mut s = rfft2_padded(z, nx, ny, px, py);
    s.par_iter_mut().for_each(|c| *c = Complex64::new(c.norm_sqr(), 0.0));
    let mut r = irfft2(s, px, py);
    let norm = 1.0 / (px * py) as f64;
    r.par_iter_mut().for_each(|v| *v *= norm);
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn autocorr_matches_direct_sums() {
        let (nx, ny) = (7, 5);
        let z: Vec<f64> = (0..nx * ny).map(|k| ((k * 37 % 11) as f64 - 5.0) * 0.3).collect();
        for (px, py) in [(nx, ny), (13, 9), (16, 10)] {
            let r = autocorr_sums(&z, nx, ny, px, py);
            for ty in 0..py {
                for tx in 0..px {
                    let mut s = 0.0;
                    for y in 0..ny {
                        for x in 0..nx {
                            let (x2, y2) = ((x + tx) % px, (y + ty) % py);
                            if x2 < nx && y2 < ny {
                                s += z[y * nx + x] * z[y2 * nx + x2];
                            }
                        }
                    }
                    assert!((r[ty * px + tx] - s).abs() < 1e-12, "{px}x{py} lag ({tx},{ty})");
                }
            }
        }
    }
}
