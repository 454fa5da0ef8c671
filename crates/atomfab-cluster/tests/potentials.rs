//! Potentials: analytic gradients vs central finite differences, per-atom energies, dimers, and energies and
//! forces against ASE (fixtures/ase_reference.json, made by fixtures/make_ase_reference.py).

use atomfab_cluster::potential::{ClusterPotential, PotentialSpec};
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

fn random_cluster(n: usize, spacing: f64, seed: u64) -> Vec<[f64; 3]> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut pts: Vec<[f64; 3]> = Vec::new();
    while pts.len() < n {
        let s = spacing * (n as f64).cbrt() * 0.75;
        let p = [rng.gen_range(-s..s), rng.gen_range(-s..s), rng.gen_range(-s..s)];
        if pts.iter().all(|q| ((p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2) + (p[2] - q[2]).powi(2)).sqrt() > 0.85 * spacing) {
            pts.push(p);
        }
    }
    pts
}

fn check_gradient(pot: &dyn ClusterPotential, pos: &[[f64; 3]]) {
    let mut g = vec![[0.0; 3]; pos.len()];
    let e = pot.energy_gradient(pos, &mut g);
    assert!((e - pot.energy(pos)).abs() < 1e-10 * e.abs().max(1.0), "{}: energy_gradient and energy differ", pot.label());
    let mut per_atom = vec![0.0; pos.len()];
    pot.atom_energies(pos, &mut per_atom);
    assert!((per_atom.iter().sum::<f64>() - e).abs() < 1e-10 * e.abs().max(1.0), "{}: atom energies do not sum", pot.label());
    let h = 1e-6 * pot.nn_distance();
    let mut worst: f64 = 0.0;
    let gmax = g.iter().flatten().fold(0.0f64, |a, v| a.max(v.abs()));
    for i in 0..pos.len() {
        for a in 0..3 {
            let mut p = pos.to_vec();
            p[i][a] += h;
            let ep = pot.energy(&p);
            p[i][a] -= 2.0 * h;
            let em = pot.energy(&p);
            let fd = (ep - em) / (2.0 * h);
            worst = worst.max((fd - g[i][a]).abs());
        }
    }
    assert!(worst < 1e-6 * gmax.max(1.0), "{}: gradient error {worst:e} (max |g| {gmax:e})", pot.label());
}

fn specs() -> Vec<PotentialSpec> {
    ["lj", "lj:epsilon=0.0104,sigma=3.4", "morse:rho=3", "morse:rho=6", "morse:rho=14", "gupta:Au", "gupta:Cu", "sutton-chen:12-6", "sc:10-8"]
        .iter()
        .map(|s| PotentialSpec::parse(s).unwrap())
        .collect()
}

#[test]
fn analytic_gradients_match_finite_differences() {
    for spec in specs() {
        let pot = spec.build().unwrap();
        for (n, seed) in [(2, 1), (7, 2), (19, 3)] {
            let pos = random_cluster(n, pot.nn_distance() * 1.02, seed);
            check_gradient(pot.as_ref(), &pos);
        }
    }
}

#[test]
fn dimers_have_the_documented_minimum() {
    let dimer = |r: f64| vec![[0.0, 0.0, 0.0], [r, 0.0, 0.0]];
    let lj = PotentialSpec::parse("lj").unwrap().build().unwrap();
    assert!((lj.energy(&dimer(2f64.powf(1.0 / 6.0))) + 1.0).abs() < 1e-12);
    let m = PotentialSpec::parse("morse:rho=6,epsilon=2,r0=1.5").unwrap().build().unwrap();
    assert!((m.energy(&dimer(1.5)) + 2.0).abs() < 1e-12);
    // Gupta dimer at r0: each atom A − ξ
    let g = PotentialSpec::parse("gupta:A=0.2,xi=1.8,p=10,q=4,r0=2.9").unwrap().build().unwrap();
    assert!((g.energy(&dimer(2.9)) - 2.0 * (0.2 - 1.8)).abs() < 1e-12);
    // Sutton–Chen dimer: ε[(a/r)^n − 2c (a/r)^{m/2}]
    let sc = PotentialSpec::parse("sc:n=12,m=6,c=144.41").unwrap().build().unwrap();
    let r: f64 = 1.3;
    let expect = r.powi(-12) - 2.0 * 144.41 * r.powi(-3);
    assert!((sc.energy(&dimer(r)) - expect).abs() < 1e-10);
}

#[test]
fn energies_and_forces_match_ase() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/ase_reference.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let cases = v["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 6);
    for c in cases {
        let pot = PotentialSpec::parse(c["potential"].as_str().unwrap()).unwrap().build().unwrap();
        let pos: Vec<[f64; 3]> = c["positions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| [0, 1, 2].map(|a| p[a].as_f64().unwrap()))
            .collect();
        let mut g = vec![[0.0; 3]; pos.len()];
        let e = pot.energy_gradient(&pos, &mut g);
        let e_ref = c["energy"].as_f64().unwrap();
        assert!((e - e_ref).abs() < 1e-9 * e_ref.abs().max(1.0), "{}: {e} vs ASE {e_ref}", pot.label());
        for (i, f) in c["forces"].as_array().unwrap().iter().enumerate() {
            for a in 0..3 {
                let fr = f[a].as_f64().unwrap();
                assert!((-g[i][a] - fr).abs() < 1e-8 * fr.abs().max(1.0), "{}: force {i},{a}", pot.label());
            }
        }
    }
}

#[test]
fn bad_potential_specs_are_one_line_errors() {
    for (spec, needle) in [
        ("buckingham", "unknown potential"),
        ("eam", "expected STYLE:ARGS"),
        ("eam:no_such_file.eam", "no_such_file.eam"),
        ("tersoff:SiC.tersoff", "expected tersoff:FILE"),
        ("morse", "missing parameter `rho`"),
        ("morse:rho=nan", "must be finite"),
        ("morse:rho=inf", "must be finite"),
        ("lj:sigma=-1", "positive"),
        ("lj:sigma=abc", "expected a number"),
        ("lj:foo=1", "unknown parameter `foo`"),
        ("gupta:Zz", "unknown Gupta preset"),
        ("gupta:A=1,xi=1,p=2,q=3,r0=1", "p > q"),
        ("sc:n=2.5", "integers"),
    ] {
        let err = PotentialSpec::parse(spec).unwrap_err().to_string();
        assert!(err.contains(needle), "`{spec}` gave `{err}`");
        assert!(!err.contains('\n'));
    }
    // round trip through the canonical text form
    for s in specs() {
        assert_eq!(PotentialSpec::parse(&s.to_string()).unwrap(), s);
    }
}
