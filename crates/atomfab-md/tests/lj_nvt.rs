//! Nosé–Hoover chain NVT (LAMMPS `fix nvt temp 1.5 1.2 0.5`, tchain 3) against LAMMPS' thermo output,
//! including the conserved energy (tests/fixtures/lj_nvt: in.lj_nvt, log.lammps).

use atomfab_md::{run_md, MdConfig};
use std::collections::HashMap;

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/lj_nvt");

fn lammps_thermo(columns: usize) -> HashMap<u64, Vec<f64>> {
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
            if f.len() != columns + 1 || f[0].parse::<u64>().is_err() {
                on = false;
                continue;
            }
            rows.insert(f[0].parse().unwrap(), f[1..].iter().map(|x| x.parse().unwrap()).collect());
        }
    }
    rows
}

#[test]
fn nose_hoover_chain_matches_lammps_fix_nvt() {
    let cfg: MdConfig = toml::from_str(
        r#"
        units = "lj"
        lattice = { kind = "fcc", density = 0.8442, species = ["Ar"], repeats = [5, 5, 5] }
        potential = "lj:epsilon=1,sigma=1,cutoff=2.5,shift=true"
        dt = 0.005
        steps = 2000
        velocity = { temperature = 0.5, seed = 4928, loop = "geom" }
        neighbor = { skin = 0.3, every = 1, check = true }
        ensemble = { kind = "nvt", thermostat = "nose_hoover", temperature = 1.5, t_stop = 1.2, damp = 0.5 }
        thermo = { every = 10 }
        "#,
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    run_md(&cfg, dir.path(), &mut |_| {}).unwrap();
    let reference = lammps_thermo(6);
    assert_eq!(reference.len(), 201);
    let csv = std::fs::read_to_string(dir.path().join("thermo.csv")).unwrap();
    let mut worst: f64 = 0.0;
    let mut late = [0.0; 2];
    let mut n_late = 0;
    for line in csv.lines().skip(1) {
        let f: Vec<f64> = line.split(',').map(|x| x.parse().unwrap()).collect();
        let step = f[0] as u64;
        // temp pe ke etotal press econserve
        let ours = [f[2], f[3], f[4], f[5], f[7], f[6]];
        let theirs = &reference[&step];
        if step <= 100 {
            for k in 0..6 {
                let scale = [1.0, 3000.0, 300.0, 2800.0, 5.0, 2800.0][k];
                worst = worst.max((ours[k] - theirs[k]).abs() / theirs[k].abs().max(scale));
            }
        }
        if step >= 1000 {
            late[0] += ours[0];
            late[1] += theirs[0];
            n_late += 1;
        }
    }
    eprintln!("nvt: worst relative deviation over steps 0-100 = {worst:e}");
    assert!(worst <= 1e-6, "first 100 steps: worst relative deviation {worst:e}");
    // Later the trajectories decorrelate; the thermostat holds both at the same (ramped) temperature.
    let (a, b) = (late[0] / n_late as f64, late[1] / n_late as f64);
    assert!((a - b).abs() / b < 0.03, "mean T over steps 1000-2000: {a} vs LAMMPS {b}");
}
