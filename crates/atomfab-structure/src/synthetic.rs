//! Test and benchmark inputs: thermal noise on crystal positions (seeded).

use atomfab_core::Vec3;
use rand::SeedableRng;
use rand_distr::{Distribution, Normal};

/// Adds independent Gaussian displacements of standard deviation `sigma_angstrom` (Å) to every
/// coordinate, from `seed` (Xoshiro256++), as a crude stand-in for thermal vibration.
pub fn add_thermal_noise(positions: &mut [Vec3], sigma_angstrom: f64, seed: u64) {
    if sigma_angstrom <= 0.0 || !sigma_angstrom.is_finite() {
        return;
    }
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(seed);
    let normal = Normal::new(0.0, sigma_angstrom).expect("finite positive sigma");
    for r in positions.iter_mut() {
        for x in r.iter_mut() {
            *x += normal.sample(&mut rng);
        }
    }
}
