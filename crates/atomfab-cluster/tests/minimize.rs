//! L-BFGS and FIRE: convergence on a known function and agreement on an LJ cluster.

use atomfab_cluster::minimize::{fire, lbfgs, FireParams, LbfgsParams, LbfgsWorkspace};
use atomfab_cluster::potential::LennardJones;

mod common;

/// Extended Rosenbrock function, minimum 0 at (1, …, 1).
fn rosenbrock(x: &[f64], g: &mut [f64]) -> f64 {
    let mut e = 0.0;
    g.iter_mut().for_each(|v| *v = 0.0);
    for i in 0..x.len() - 1 {
        let a = x[i + 1] - x[i] * x[i];
        let b = 1.0 - x[i];
        e += 100.0 * a * a + b * b;
        g[i] += -400.0 * a * x[i] - 2.0 * b;
        g[i + 1] += 200.0 * a;
    }
    e
}

#[test]
fn lbfgs_solves_rosenbrock() {
    let mut x = vec![-1.2, 1.0, -1.2, 1.0, -1.2, 1.0];
    let p = LbfgsParams { grad_tol: 1e-8, max_step: 0.5, max_rise: 0.0, ..Default::default() };
    let r = lbfgs(&mut x, &mut rosenbrock, &p, &mut LbfgsWorkspace::default(), &|| false);
    assert!(r.converged, "{r:?}");
    for v in &x {
        assert!((v - 1.0).abs() < 1e-6, "{x:?}");
    }
    assert!(r.evaluations < 400, "{r:?}");
}

#[test]
fn lbfgs_and_fire_reach_the_same_lj13_icosahedron() {
    // icosahedron with centre, slightly distorted, relaxes to the LJ13 global minimum −44.326801 ε
    let t = (1.0 + 5f64.sqrt()) / 2.0;
    let mut x = vec![0.02, -0.01, 0.03];
    let s = 1.1 / (1.0 + t * t).sqrt();
    for (i, v) in [[0.0, 1.0, t], [0.0, -1.0, t], [0.0, 1.0, -t], [0.0, -1.0, -t], [1.0, t, 0.0], [-1.0, t, 0.0],
        [1.0, -t, 0.0], [-1.0, -t, 0.0], [t, 0.0, 1.0], [-t, 0.0, 1.0], [t, 0.0, -1.0], [-t, 0.0, -1.0]].iter().enumerate()
    {
        let w = 0.03 * ((i as f64) * 1.7).sin();
        x.extend([v[0] * s + w, v[1] * s - w, v[2] * s + 0.5 * w]);
    }
    let pot = LennardJones::reduced();
    let mut xl = x.clone();
    let rl = lbfgs(&mut xl, &mut common::flat(&pot), &LbfgsParams { grad_tol: 1e-8, ..Default::default() }, &mut LbfgsWorkspace::default(), &|| false);
    let mut xf = x.clone();
    let rf = fire(&mut xf, &mut common::flat(&pot), &FireParams { grad_tol: 1e-8, ..Default::default() }, &|| false);
    assert!(rl.converged && rf.converged, "{rl:?} {rf:?}");
    assert!((rl.energy + 44.326801).abs() < 1e-6, "{rl:?}");
    assert!((rf.energy + 44.326801).abs() < 1e-6, "{rf:?}");
    // L-BFGS is the efficient one
    assert!(rl.evaluations < rf.evaluations, "{rl:?} {rf:?}");
}

#[test]
fn stop_predicate_ends_a_minimisation() {
    let mut x = vec![-1.2, 1.0, -1.2, 1.0];
    let r = lbfgs(&mut x, &mut rosenbrock, &LbfgsParams::default(), &mut LbfgsWorkspace::default(), &|| true);
    assert!(!r.converged);
    assert_eq!(r.evaluations, 1);
}
