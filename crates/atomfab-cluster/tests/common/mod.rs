//! Test support shared by the cluster test files: fixture points and L-BFGS around a cluster potential.
// each test file compiles this module on its own and uses only part of it
#![allow(dead_code)]

use atomfab_cluster::minimize::{lbfgs, LbfgsParams, LbfgsWorkspace, MinResult};
use atomfab_cluster::potential::ClusterPotential;

/// A JSON array of [x, y, z] (fixture positions, Å or reduced length).
pub fn pts(v: &serde_json::Value) -> Vec<[f64; 3]> {
    v.as_array().unwrap().iter().map(|p| [0, 1, 2].map(|a| p[a].as_f64().unwrap())).collect()
}

/// The potential as the flat-slice function the minimisers take (energy returned, gradient written).
pub fn flat(pot: &dyn ClusterPotential) -> impl FnMut(&[f64], &mut [f64]) -> f64 + '_ {
    move |v: &[f64], g: &mut [f64]| {
        let p: Vec<[f64; 3]> = v.chunks(3).map(|c| [c[0], c[1], c[2]]).collect();
        let mut g3 = vec![[0.0; 3]; p.len()];
        let e = pot.energy_gradient(&p, &mut g3);
        g.copy_from_slice(g3.as_flattened());
        e
    }
}

/// L-BFGS from `start` to an RMS gradient of `grad_tol` (energy/length), steps of at most 0.1 length units
/// and no energy rise, so that it ends in the minimum a reference minimiser finds; returns the result and
/// the final positions.
pub fn relax(pot: &dyn ClusterPotential, start: &[[f64; 3]], grad_tol: f64, max_iter: usize) -> (MinResult, Vec<[f64; 3]>) {
    let mut x: Vec<f64> = start.as_flattened().to_vec();
    let params = LbfgsParams { max_step: 0.1, grad_tol, max_iter, max_rise: 0.0, ..Default::default() };
    let r = lbfgs(&mut x, &mut flat(pot), &params, &mut LbfgsWorkspace::default(), &|| false);
    (r, x.chunks(3).map(|c| [c[0], c[1], c[2]]).collect())
}
