//! The LAMMPS `in.lj` melt (fcc ρ* = 0.8442, lj/cut 2.5, velocity 1.44 87287 loop geom, nve, skin 0.3,
//! neighbours every 20 steps without check) on a 10³-cell box, against LAMMPS' own thermo output
//! (tests/fixtures/lj_melt: in.lj_melt, log.lammps, v0.dump).

use atomfab_md::{build_engine, build_system, run_md, MdConfig};
use std::collections::HashMap;

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/lj_melt");

fn config(steps: u64) -> MdConfig {
    toml::from_str(&format!(
        r#"
        units = "lj"
        lattice = {{ kind = "fcc", density = 0.8442, species = ["Ar"], repeats = [10, 10, 10] }}
        potential = "lj:epsilon=1,sigma=1,cutoff=2.5"
        dt = 0.005
        steps = {steps}
        velocity = {{ temperature = 1.44, seed = 87287, loop = "geom" }}
        neighbor = {{ skin = 0.3, every = 20, check = false }}
        thermo = {{ every = 10 }}
        "#
    ))
    .unwrap()
}

/// LAMMPS thermo rows (step → [temp, pe, ke, etotal, press]).
fn lammps_thermo() -> HashMap<u64, [f64; 5]> {
    let log = std::fs::read_to_string(format!("{FIXTURE}/log.lammps")).unwrap();
    let mut rows = HashMap::new();
    let mut on = false;
    for line in log.lines() {
        if line.trim_start().starts_with("Step") {
            on = true;
            continue;
        }
        if on {
            let f: Vec<&str> = line.split_whitespace().collect();
            if f.len() != 6 || f[0].parse::<u64>().is_err() {
                on = false;
                continue;
            }
            let v: Vec<f64> = f[1..].iter().map(|x| x.parse().unwrap()).collect();
            rows.insert(f[0].parse().unwrap(), [v[0], v[1], v[2], v[3], v[4]]);
        }
    }
    rows
}

#[test]
fn loop_geom_velocities_match_lammps_bitwise() {
    let cfg = config(0);
    let md = build_engine(&cfg, build_system(&cfg).unwrap(), true).unwrap();
    let key = |r: [f64; 3]| r.map(f64::to_bits);
    let ours: HashMap<[u64; 3], [f64; 3]> =
        md.system.positions.iter().zip(&md.system.velocities).map(|(r, v)| (key(*r), *v)).collect();
    let dump = std::fs::read_to_string(format!("{FIXTURE}/v0.dump")).unwrap();
    let mut checked = 0;
    for line in dump.lines().skip(9) {
        let f: Vec<f64> = line.split_whitespace().map(|x| x.parse().unwrap()).collect();
        let v = ours.get(&key([f[1], f[2], f[3]])).unwrap_or_else(|| panic!("no atom at LAMMPS position {:?}", &f[1..4]));
        for k in 0..3 {
            // Positions are bitwise equal; velocities differ only by the summation order of the
            // momentum and temperature sums (LAMMPS orders atoms differently).
            assert!((v[k] - f[4 + k]).abs() <= 1e-14 * f[4 + k].abs().max(1.0), "{v:?} vs {:?}", &f[4..7]);
        }
        checked += 1;
    }
    assert_eq!(checked, 200);
}

#[test]
fn melt_thermo_matches_lammps() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(1000);
    let summary = run_md(&cfg, dir.path(), &mut |_| {}).unwrap();
    assert_eq!(summary.final_step, 1000);
    let reference = lammps_thermo();
    assert_eq!(reference.len(), 101);
    let csv = std::fs::read_to_string(dir.path().join("thermo.csv")).unwrap();
    let mut compared = 0;
    let mut worst_early: f64 = 0.0;
    let mut late_t = (0.0, 0.0, 0);
    for line in csv.lines().skip(1) {
        let f: Vec<f64> = line.split(',').map(|x| x.parse().unwrap()).collect();
        let step = f[0] as u64;
        let ours = [f[2], f[3], f[4], f[5], f[7]];
        let theirs = reference[&step];
        if step <= 100 {
            for k in 0..5 {
                // Relative to the scale of each quantity (pressure crosses zero).
                let scale = [1.44, 27093.0, 8637.0, 18455.0, 5.0][k];
                let rel = (ours[k] - theirs[k]).abs() / theirs[k].abs().max(scale);
                worst_early = worst_early.max(rel);
            }
        } else if step > 500 {
            late_t.0 += ours[0];
            late_t.1 += theirs[0];
            late_t.2 += 1;
        }
        // Total energy is conserved in both to the same level throughout.
        assert!((ours[3] - theirs[3]).abs() / theirs[3].abs() < 1e-3, "step {step}: E {} vs {}", ours[3], theirs[3]);
        compared += 1;
    }
    assert_eq!(compared, 101);
    eprintln!("lj melt: worst relative deviation over steps 0-100 = {worst_early:e}");
    assert!(worst_early <= 1e-6, "first 100 steps: worst relative deviation {worst_early:e}");
    // After chaos has decorrelated the trajectories the melt's temperature agrees statistically.
    let (a, b) = (late_t.0 / late_t.2 as f64, late_t.1 / late_t.2 as f64);
    assert!((a - b).abs() / b < 0.02, "mean T over steps 510-1000: {a} vs LAMMPS {b}");
}
