//! The adapter to the shared potential trait (EAM, Tersoff): gradients, LAMMPS minimum energies, searches.

use atomfab_cluster::external::{parse_composition, SharedPotential};
use atomfab_cluster::potential::ClusterPotential;
use atomfab_cluster::seed::icosahedral_sites;

fn symbols(comp: &str) -> Vec<String> {
    parse_composition(comp).unwrap().into_iter().flat_map(|(s, k)| std::iter::repeat_n(s, k)).collect()
}

/// Deterministic small displacement so that no symmetry hides a gradient error.
fn shake(x: &mut [[f64; 3]], amp: f64) {
    for (i, p) in x.iter_mut().enumerate() {
        for (a, v) in p.iter_mut().enumerate() {
            *v += amp * (((i * 7 + a * 3) as f64 * 1.618).sin());
        }
    }
}

fn fd_check(pot: &dyn ClusterPotential, x: &[[f64; 3]]) -> f64 {
    let mut g = vec![[0.0; 3]; x.len()];
    let e0 = pot.energy_gradient(x, &mut g);
    assert!(e0.is_finite());
    let h = 1e-5;
    let mut worst: f64 = 0.0;
    for i in 0..x.len() {
        for a in 0..3 {
            let mut xp = x.to_vec();
            xp[i][a] += h;
            let mut xm = x.to_vec();
            xm[i][a] -= h;
            let fd = (pot.energy(&xp) - pot.energy(&xm)) / (2.0 * h);
            worst = worst.max((fd - g[i][a]).abs());
        }
    }
    worst
}

#[test]
fn gradients_match_finite_differences() {
    let ico: Vec<[f64; 3]> = icosahedral_sites(13, false).into_iter().take(13).collect();
    // Cu13 with EAM (funcfl), radial spacing 2.45 Å
    let cu = SharedPotential::new("eam:Cu_u3.eam", &symbols("Cu13"), 1).unwrap();
    let mut x: Vec<[f64; 3]> = ico.iter().map(|p| p.map(|v| v * 2.45)).collect();
    shake(&mut x, 0.05);
    let w = fd_check(&cu, &x);
    println!("Cu13 EAM: max |FD − analytic| = {w:.2e} eV/Å");
    assert!(w < 1e-6, "{w}");
    // Si4C4 with Tersoff, a 1.9 Å spacing
    let sic = SharedPotential::new("tersoff:SiC.tersoff:Si,C", &symbols("Si4C4"), 1).unwrap();
    let mut x: Vec<[f64; 3]> = ico.iter().take(8).map(|p| p.map(|v| v * 1.9)).collect();
    shake(&mut x, 0.08);
    let w = fd_check(&sic, &x);
    println!("Si4C4 Tersoff: max |FD − analytic| = {w:.2e} eV/Å");
    assert!(w < 1e-6, "{w}");
}

