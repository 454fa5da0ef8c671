//! Adaptive time step, as LAMMPS `fix dt/reset N Tmin Tmax Xmax units box`: every N steps (and at setup)
//! the step becomes the largest dt for which no atom of the group moves more than `xmax` in one step,
//! estimated from its velocity and force (Δx = v dt + ½ (f/m) dt²), clamped to [dt_min, dt_max]. Used for
//! impacts (ion beams) where one fast atom would otherwise need a tiny step for the whole run.
//!
//! Recipe key (in `[md]`): `dt_reset = { every = 1, xmax = 0.05, dt_min = 1e-5, dt_max = 0.001 }`
//! (Å or σ; ps or τ). Simulated time accumulates over the steps as LAMMPS' `time` does.

use crate::error::{MdError, Result};
use atomfab_core::units::Constants;
use atomfab_core::System;
use serde::{Deserialize, Serialize};

/// The `[md] dt_reset` recipe key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DtResetConfig {
    /// Recompute dt every this many steps (default 1).
    #[serde(default = "one")]
    pub every: u64,
    /// Largest distance an atom may move in one step (Å or σ).
    pub xmax: f64,
    /// Bounds on dt (ps or τ); none when omitted.
    #[serde(default)]
    pub dt_min: Option<f64>,
    #[serde(default)]
    pub dt_max: Option<f64>,
    /// Atoms considered (default all).
    #[serde(default = "crate::config::default_all")]
    pub group: String,
}

fn one() -> u64 {
    1
}

/// Validated settings with the group resolved to its bit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DtReset {
    pub every: u64,
    pub xmax: f64,
    pub dt_min: Option<f64>,
    pub dt_max: Option<f64>,
    /// Group bit (0: all atoms).
    pub bit: u32,
}

impl DtReset {
    /// Checks the values; `bit` is the group's bit (0 for all atoms). Errors name the `dt_reset` key.
    pub fn new(cfg: &DtResetConfig, bit: u32) -> Result<DtReset> {
        let bad = |m: String| Err(MdError::Config(format!("dt_reset.{m}")));
        if cfg.every == 0 {
            return bad("every must be ≥ 1".into());
        }
        if !(cfg.xmax > 0.0 && cfg.xmax.is_finite()) {
            return bad(format!("xmax must be > 0 (Å or σ), found {}", cfg.xmax));
        }
        for (k, v) in [("dt_min", cfg.dt_min), ("dt_max", cfg.dt_max)] {
            if let Some(v) = v {
                if !(v > 0.0 && v.is_finite()) {
                    return bad(format!("{k} must be > 0 (ps or τ), found {v}"));
                }
            }
        }
        if let (Some(lo), Some(hi)) = (cfg.dt_min, cfg.dt_max) {
            if lo > hi {
                return bad(format!("dt_min {lo} is larger than dt_max {hi}"));
            }
        }
        Ok(DtReset { every: cfg.every, xmax: cfg.xmax, dt_min: cfg.dt_min, dt_max: cfg.dt_max, bit })
    }

    /// The new time step for the current velocities and forces, or `None` when no atom constrains it
    /// and no bound applies (dt then stays as it is).
    pub fn compute(&self, system: &System, consts: Constants) -> Option<f64> {
        let ftm2v = consts.ftm2v;
        let xmax = self.xmax;
        let mut dtmin = f64::INFINITY;
        for i in 0..system.len() {
            if self.bit != 0 && system.group_mask[i] & self.bit == 0 {
                continue;
            }
            let massinv = 1.0 / system.species[system.species_index[i] as usize].mass;
            let (v, f) = (system.velocities[i], system.forces[i]);
            let vsq = v[0] * v[0] + v[1] * v[1] + v[2] * v[2];
            let fsq = f[0] * f[0] + f[1] * f[1] + f[2] * f[2];
            let dtv = if vsq > 0.0 { xmax / vsq.sqrt() } else { f64::INFINITY };
            let dtf = if fsq > 0.0 { (2.0 * xmax / (ftm2v * fsq.sqrt() * massinv)).sqrt() } else { f64::INFINITY };
            let mut dt = dtv.min(dtf);
            if !dt.is_finite() {
                continue;
            }
            // The estimate ignores that v and f add up; scale down when the combined move is too long.
            let dtsq = dt * dt;
            let del = [0, 1, 2].map(|k| dt * v[k] + 0.5 * dtsq * massinv * f[k] * ftm2v);
            let delr = (del[0] * del[0] + del[1] * del[1] + del[2] * del[2]).sqrt();
            if delr > xmax {
                dt *= xmax / delr;
            }
            dtmin = dtmin.min(dt);
        }
        let mut dt = dtmin;
        if let Some(lo) = self.dt_min {
            dt = dt.max(lo);
        }
        if let Some(hi) = self.dt_max {
            dt = dt.min(hi);
        }
        dt.is_finite().then_some(dt)
    }
}
