//! The adapter to the shared potential trait (EAM, Tersoff): gradients, LAMMPS minimum energies, searches.

use atomfab_cluster::external::{parse_composition, SharedPotential};
use atomfab_cluster::potential::ClusterPotential;
use atomfab_cluster::seed::icosahedral_sites;

mod common;
use common::pts;

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

#[test]
fn minima_match_lammps_minimize() {
    let text = std::fs::read_to_string("tests/fixtures/lammps_minima/lammps_minima.json").unwrap();
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    for case in doc["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let syms: Vec<String> = case["symbols"].as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_string()).collect();
        let pot = SharedPotential::new(case["spec"].as_str().unwrap(), &syms, 1).unwrap();
        let start = pts(&case["start"]);
        let e_start = pot.energy(&start);
        let ref_start = case["lammps_start_energy"].as_f64().unwrap();
        assert!((e_start - ref_start).abs() < 1e-8, "{name}: start {e_start} vs LAMMPS {ref_start}");
        let (r, x) = common::relax(&pot, &start, 1e-9, 100_000);
        let ref_min = case["lammps_min_energy"].as_f64().unwrap();
        let lmp = pts(&case["lammps_min_positions"]);
        let dmax = lmp.iter().zip(&x).map(|(p, q)| (0..3).map(|a| (p[a] - q[a]).abs()).fold(0.0, f64::max)).fold(0.0, f64::max);
        println!("{name}: atomfab {:.9} eV, LAMMPS {ref_min:.9} eV, diff {:.1e} eV, max |Δx| {dmax:.1e} Å, rms grad {:.1e}", r.energy, r.energy - ref_min, r.rms_grad);
        assert!((r.energy - ref_min).abs() < 1e-6, "{name}: {} vs LAMMPS {ref_min}", r.energy);
        assert!(dmax < 1e-3, "{name}: positions differ by {dmax} Å");
    }
}

#[test]
fn searches_with_shared_potentials() {
    use atomfab_cluster::{search, PotentialSpec, SearchSettings};
    // Cu13 (EAM funcfl): the icosahedron, at the energy LAMMPS minimises it to (fixture cu13)
    let mut s = SearchSettings::new(13, PotentialSpec::parse("eam:tests/fixtures/lammps_minima/Cu_u3.eam").unwrap());
    s.threads = 2;
    s.seed = 3;
    s.max_steps = Some(100);
    s.time_limit_s = Some(20.0);
    let r = search(&s).unwrap();
    assert_eq!(r.composition, "Cu13");
    assert_eq!(r.energy_unit, "eV");
    assert!((r.energy - -34.383880747).abs() < 1e-6, "{}", r.energy);
    assert_eq!(r.point_group, "Ih");
    // Si4C4 (Tersoff, two species, swap moves): at least as low as the LAMMPS-verified local minimum
    let mut s = SearchSettings::new(8, PotentialSpec::parse("tersoff:tests/fixtures/lammps_minima/SiC.tersoff:Si,C").unwrap());
    s.composition = Some(parse_composition("Si4C4").unwrap());
    s.threads = 2;
    s.max_steps = Some(400);
    s.time_limit_s = Some(20.0);
    let r = search(&s).unwrap();
    assert_eq!(r.composition, "Si4C4");
    assert_eq!(r.symbols.iter().filter(|x| *x == "C").count(), 4);
    assert!(r.energy <= -32.568397956 + 1e-6, "{}", r.energy);
    println!("Si4C4 best {:.6} eV ({})", r.energy, r.point_group);
}

#[test]
fn bad_compositions_are_clear_errors() {
    use atomfab_cluster::{search, PotentialSpec, SearchSettings};
    let sic = PotentialSpec::parse("tersoff:tests/fixtures/lammps_minima/SiC.tersoff:Si,C").unwrap();
    let run = |n: usize, comp: Option<&str>, pot: &PotentialSpec| {
        let mut s = SearchSettings::new(n, pot.clone());
        s.composition = comp.map(|c| parse_composition(c).unwrap());
        s.time_limit_s = Some(5.0);
        s.max_steps = Some(5);
        search(&s).map(|_| ()).unwrap_err().to_string()
    };
    let e = run(8, Some("Si4Ge4"), &sic);
    assert!(e.contains("Ge") && e.contains("Si, C"), "{e}");
    let e = run(8, None, &sic);
    assert!(e.contains("give a composition"), "{e}");
    let e = run(9, Some("Si4C4"), &sic);
    assert!(e.contains("8 atoms, but n = 9"), "{e}");
    let e = run(8, Some("Ar4Kr4"), &PotentialSpec::lj());
    assert!(e.contains("one species"), "{e}");
    for (text, needle) in [("", "expected element"), ("si4", "capital"), ("Si0C2", "count 0"), ("Si99999999999999999999999", "too large")] {
        let e = parse_composition(text).unwrap_err().to_string();
        assert!(e.contains(needle) && !e.contains('\n'), "`{text}`: {e}");
    }
    assert_eq!(parse_composition("Si C2 Si").unwrap(), vec![("Si".to_string(), 2), ("C".to_string(), 2)]);
}
