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
