//! Lennard-Jones and Morse: analytic dimer values, gradients, determinism across runs.
mod common;

use atomfab_core::{Cell, Vec3};
use atomfab_potentials::{PairForm, PairParams, PairPotential};
use common::*;
use proptest::prelude::*;

#[test]
fn lj_dimer_matches_formula() {
    let cell = Cell::orthorhombic([0.0; 3], [20.0; 3], [false; 3]).unwrap();
    let mut lj = PairPotential::lennard_jones(0.7, 1.3, 3.0, false).unwrap();
    let r: f64 = 1.45;
    let pos = vec![[5.0, 5.0, 5.0], [5.0 + r, 5.0, 5.0]];
    let e = evaluate(&mut lj, &cell, &pos, &[0, 0]);
    let sr6 = (1.3 / r).powi(6);
    let expected = 4.0 * 0.7 * (sr6 * sr6 - sr6);
    let fr = 24.0 * 0.7 * (2.0 * sr6 * sr6 - sr6) / r;
    assert!((e.energy - expected).abs() < 1e-14);
    assert!((e.forces[1][0] - fr).abs() < 1e-13 && (e.forces[0][0] + fr).abs() < 1e-13);
    assert!((e.per_atom.iter().sum::<f64>() - e.energy).abs() < 1e-14);
    // Virial W_xx = Σ r_ij f_ij = r · (−dE/dr).
    assert!((e.virial[0] - r * fr).abs() < 1e-12);
    // Shifted: E(rc) = 0.
    let mut shifted = PairPotential::lennard_jones(0.7, 1.3, 3.0, true).unwrap();
    let at_cut = vec![[5.0, 5.0, 5.0], [5.0 + 3.0 - 1e-12, 5.0, 5.0]];
    assert!(evaluate(&mut shifted, &cell, &at_cut, &[0, 0]).energy.abs() < 1e-10);
}

#[test]
fn morse_dimer_matches_formula() {
    let cell = Cell::orthorhombic([0.0; 3], [20.0; 3], [false; 3]).unwrap();
    let (d0, alpha, r0) = (0.4, 1.7, 2.2);
    let mut m = PairPotential::morse(d0, alpha, r0, 5.0, false).unwrap();
    let r: f64 = 2.5;
    let pos = vec![[5.0, 5.0, 5.0], [5.0, 5.0 + r, 5.0]];
    let e = evaluate(&mut m, &cell, &pos, &[0, 0]);
    let x = (-alpha * (r - r0)).exp();
    assert!((e.energy - d0 * (x * x - 2.0 * x)).abs() < 1e-14);
    let f = 2.0 * d0 * alpha * (x * x - x);
    assert!((e.forces[1][1] - f).abs() < 1e-13);
}

#[test]
fn bad_parameters_are_errors() {
    assert!(PairPotential::lennard_jones(1.0, -1.0, 2.5, false).is_err());
    assert!(PairPotential::lennard_jones(1.0, 1.0, f64::NAN, false).is_err());
    assert!(PairPotential::morse(1.0, 1.0, 1.0, 0.0, false).is_err());
}

fn mixed_potential() -> PairPotential {
    let mut p = PairPotential::new(vec!["A".into(), "B".into()]);
    let lj = |e, s, c| PairParams { form: PairForm::LennardJones { epsilon: e, sigma: s }, cutoff: c, shift: true };
    p.set_pair(0, 0, lj(1.0, 1.0, 2.5)).unwrap();
    p.set_pair(1, 1, lj(0.6, 1.1, 2.7)).unwrap();
    p.set_pair(0, 1, PairParams { form: PairForm::Morse { d0: 0.8, alpha: 3.0, r0: 1.1 }, cutoff: 2.2, shift: false })
        .unwrap();
    p
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]
    #[test]
    fn forces_are_minus_gradient(seed in 0u64..10_000, tilt in -1.0f64..1.0) {
        let cell = Cell::new([[5.0, 0.0, 0.0], [tilt, 4.6, 0.0], [0.3 * tilt, -0.2, 4.8]], [0.0; 3], [true, true, false]).unwrap();
        let pos = random_positions(&cell, 14, 0.9, seed);
        let species: Vec<u32> = (0..pos.len()).map(|i| (i % 2) as u32).collect();
        let mut lj = PairPotential::lennard_jones(1.0, 1.0, 2.5, true).unwrap();
        let (ef, ev) = check_gradients(&mut lj, &cell, &pos, &species, seed, 12);
        prop_assert!(ef < 1e-6 && ev < 1e-6, "lj: force err {ef}, virial err {ev}");
        let mut mixed = mixed_potential();
        let (ef, ev) = check_gradients_with_kinks(&mut mixed, &cell, &pos, &species, seed, 12, &[2.5, 2.7, 2.2]);
        prop_assert!(ef < 1e-6 && ev < 1e-6, "mixed: force err {ef}, virial err {ev}");
    }
}

#[test]
fn deterministic_for_a_thread_count() {
    let cell = Cell::orthorhombic([0.0; 3], [9.0; 3], [true; 3]).unwrap();
    let pos: Vec<Vec3> = random_positions(&cell, 500, 0.85, 3);
    let species: Vec<u32> = (0..pos.len()).map(|i| (i % 2) as u32).collect();
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        pool.install(|| {
            let mut p = mixed_potential();
            evaluate(&mut p, &cell, &pos, &species)
        })
    };
    let (a, b, c) = (run(3), run(3), run(1));
    assert_eq!(a.forces, b.forces);
    assert_eq!(a.energy.to_bits(), b.energy.to_bits());
    for (x, y) in a.forces.iter().flatten().zip(c.forces.iter().flatten()) {
        assert!((x - y).abs() < 1e-9 * (1.0 + x.abs()));
    }
    assert!((a.energy - c.energy).abs() < 1e-9 * a.energy.abs());
    let sum: f64 = a.per_atom.iter().sum();
    assert!((sum - a.energy).abs() < 1e-9 * a.energy.abs());
}
