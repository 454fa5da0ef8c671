//! Velocity initialisation and temperature, following LAMMPS `velocity create` and `compute temp`.

use crate::ranpark::RanPark;
use atomfab_core::System;
use rand::{Rng, SeedableRng};
use rand_distr::StandardNormal;
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::{Deserialize, Serialize};

/// How random velocities are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum VelocityLoop {
    /// One seeded stream over atoms in order (fast; depends on atom order).
    #[default]
    Seeded,
    /// LAMMPS `loop geom`: each atom's numbers come from a generator reseeded by its position, so the
    /// result is independent of atom order and matches LAMMPS bit for bit.
    Geom,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Distribution {
    /// Uniform in [-½, ½) per component, as LAMMPS' default.
    #[default]
    Uniform,
    Gaussian,
}

/// Degrees of freedom of `count` atoms with the total momentum removed (LAMMPS `compute temp`).
pub fn dof(count: usize) -> f64 {
    (3 * count) as f64 - 3.0
}

/// Σ m v² over atoms with `mask & bit != 0` (mass·velocity² units), summed in atom order.
pub fn mv2(system: &System, bit: u32) -> (f64, usize) {
    let masses: Vec<f64> = system.species.iter().map(|s| s.mass).collect();
    let mut t = 0.0;
    let mut n = 0;
    for i in 0..system.len() {
        if system.group_mask[i] & bit != 0 {
            let v = system.velocities[i];
            t += (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]) * masses[system.species_index[i] as usize];
            n += 1;
        }
    }
    (t, n)
}

/// Temperature (K or ε/k_B) of a group, with 3 degrees of freedom removed as LAMMPS does.
pub fn temperature(system: &System, bit: u32) -> f64 {
    let c = system.units.constants();
    let (t, n) = mv2(system, bit);
    let d = dof(n);
    if d <= 0.0 {
        return 0.0;
    }
    let tfactor = c.mvv2e / (d * c.boltzmann);
    t * tfactor
}

/// Sets random velocities of a group at `temperature` (K, or ε/k_B in lj units) with zero total momentum,
/// as LAMMPS `velocity GROUP create T SEED dist D loop L mom yes rot no`.
pub fn create_velocities(
    system: &mut System,
    bit: u32,
    temperature_target: f64,
    seed: u64,
    loop_: VelocityLoop,
    dist: Distribution,
) -> Result<(), crate::MdError> {
    if !(temperature_target >= 0.0 && temperature_target.is_finite()) {
        return Err(crate::MdError::Config(format!("velocity temperature {temperature_target} must be ≥ 0")));
    }
    let masses: Vec<f64> = system.species.iter().map(|s| s.mass).collect();
    match loop_ {
        VelocityLoop::Geom => {
            if seed == 0 || seed > i32::MAX as u64 {
                return Err(crate::MdError::Config(format!(
                    "velocity seed {seed}: loop = \"geom\" needs a seed in 1..=2147483647 (as LAMMPS)"
                )));
            }
            let mut rng = RanPark::new(seed as i32);
            for i in 0..system.len() {
                if system.group_mask[i] & bit == 0 {
                    continue;
                }
                rng.reset(seed as i32, system.positions[i]);
                let v = match dist {
                    Distribution::Uniform => [rng.uniform() - 0.5, rng.uniform() - 0.5, rng.uniform() - 0.5],
                    Distribution::Gaussian => [rng.gaussian(), rng.gaussian(), rng.gaussian()],
                };
                let factor = 1.0 / masses[system.species_index[i] as usize].sqrt();
                system.velocities[i] = [v[0] * factor, v[1] * factor, v[2] * factor];
            }
        }
        VelocityLoop::Seeded => {
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
            for i in 0..system.len() {
                if system.group_mask[i] & bit == 0 {
                    continue;
                }
                let mut draw = || match dist {
                    Distribution::Uniform => rng.gen::<f64>() - 0.5,
                    Distribution::Gaussian => rng.sample::<f64, _>(StandardNormal),
                };
                let v = [draw(), draw(), draw()];
                let factor = 1.0 / masses[system.species_index[i] as usize].sqrt();
                system.velocities[i] = [v[0] * factor, v[1] * factor, v[2] * factor];
            }
        }
    }
    zero_momentum(system, bit);
    let t = temperature(system, bit);
    if t > 0.0 {
        let factor = (temperature_target / t).sqrt();
        for i in 0..system.len() {
            if system.group_mask[i] & bit != 0 {
                let v = &mut system.velocities[i];
                v[0] *= factor;
                v[1] *= factor;
                v[2] *= factor;
            }
        }
    }
    Ok(())
}

/// Removes the centre-of-mass velocity of a group (LAMMPS `zero_momentum`).
pub fn zero_momentum(system: &mut System, bit: u32) {
    let masses: Vec<f64> = system.species.iter().map(|s| s.mass).collect();
    let mut p = [0.0; 3];
    let mut mtot = 0.0;
    for i in 0..system.len() {
        if system.group_mask[i] & bit != 0 {
            let m = masses[system.species_index[i] as usize];
            let v = system.velocities[i];
            p[0] += v[0] * m;
            p[1] += v[1] * m;
            p[2] += v[2] * m;
            mtot += m;
        }
    }
    if mtot > 0.0 {
        let vcm = [p[0] / mtot, p[1] / mtot, p[2] / mtot];
        for i in 0..system.len() {
            if system.group_mask[i] & bit != 0 {
                let v = &mut system.velocities[i];
                v[0] -= vcm[0];
                v[1] -= vcm[1];
                v[2] -= vcm[2];
            }
        }
    }
}
