//! Deterministic synthetic surfaces for tests and benchmarks.

use crate::error::Result;
use crate::heightmap::{check_dims, HeightMap};
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;

/// Isotropic random rough surface: uniform white noise smoothed by three passes of a periodic box
/// filter of half-width `corr_px` along each axis (≈ Gaussian correlation), scaled to RMS height `rms`
/// (m) about zero mean. Pixel size `d` (m). The same seed gives the same map on every machine.
pub fn rough_surface(nx: usize, ny: usize, d: f64, corr_px: usize, rms: f64, seed: u64) -> Result<HeightMap> {
    check_dims(nx, ny)?;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut z: Vec<f64> = (0..nx * ny).map(|_| rng.gen::<f64>() - 0.5).collect();
    if corr_px > 0 {
        for _ in 0..3 {
            z.par_chunks_mut(nx).for_each(|row| box_periodic(row, corr_px));
            let mut t = crate::fft::transpose(&z, nx, ny);
            t.par_chunks_mut(ny).for_each(|col| box_periodic(col, corr_px));
            z = crate::fft::transpose(&t, ny, nx);
        }
    }
    let n = z.len() as f64;
    let mean = z.iter().sum::<f64>() / n;
    let sd = (z.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt();
    let s = if sd > 0.0 { rms / sd } else { 0.0 };
    z.iter_mut().for_each(|v| *v = (*v - mean) * s);
    HeightMap::new(nx, ny, d, d, z)
}

fn box_periodic(v: &mut [f64], h: usize) {
    let n = v.len();
    let src = v.to_vec();
    let w = 2 * h + 1;
    let mut s: f64 = (0..w).map(|k| src[(k + n * w - h) % n]).sum();
    for i in 0..n {
        v[i] = s / w as f64;
        s += src[(i + h + 1) % n] - src[(i + n * w - h) % n];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_scaled() {
        let a = rough_surface(64, 48, 1e-9, 3, 0.2e-9, 5).unwrap();
        let b = rough_surface(64, 48, 1e-9, 3, 0.2e-9, 5).unwrap();
        assert_eq!(a.z, b.z);
        let p = crate::params::height_params(&a).unwrap();
        assert!((p.Sq - 0.2e-9).abs() < 1e-22);
        // Correlated: Sal spans several pixels.
        let (sal, _) = crate::params::sal_str(&a, 0.2).unwrap();
        assert!(sal > 2e-9, "{sal}");
    }
}
