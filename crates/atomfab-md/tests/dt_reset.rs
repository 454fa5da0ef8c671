//! Adaptive time step (`[md] dt_reset`) against LAMMPS `fix dt/reset` (tests/fixtures/dt_reset/in.dt_reset,
//! `lmp -in in.dt_reset -log log.lammps -screen none`), its checkpoint/resume and its bad input.

use atomfab_md::{build_engine, build_system, resume_md, run_md, MdConfig};
use std::path::Path;

const LJ_FAST: &str = r#"
    units = "lj"
    lattice = { kind = "fcc", density = 0.8442, species = ["Ar"], repeats = [5, 5, 5] }
    potential = "lj:epsilon=1,sigma=1,cutoff=2.5"
    dt = 0.005
    steps = 200
    velocity = { temperature = 1.44, seed = 87287, loop = "geom" }
    neighbor = { skin = 0.3, every = 1, check = true }
    dt_reset = { every = 1, xmax = 0.02, dt_max = 0.005 }
"#;

/// (step, dt, time) rows of the LAMMPS log.
fn lammps_rows() -> Vec<(u64, f64, f64)> {
    let log = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/dt_reset/log.lammps")).unwrap();
    let mut rows = Vec::new();
    let mut on = false;
    for line in log.lines() {
        if line.starts_with("Step") {
            on = true;
            continue;
        }
        if line.starts_with("Loop") {
            on = false;
        }
        let w: Vec<&str> = line.split_whitespace().collect();
        if on && w.len() == 5 {
            rows.push((w[0].parse().unwrap(), w[1].parse().unwrap(), w[2].parse().unwrap()));
        }
    }
    rows
}

#[test]
fn matches_lammps_fix_dt_reset() {
    let cfg: MdConfig = toml::from_str(LJ_FAST).unwrap();
    let mut md = build_engine(&cfg, build_system(&cfg).unwrap(), true).unwrap();
    md.last_step = cfg.steps;
    // LAMMPS: velocity fast set 30 10 -5 on atom id 1.
    let i = md.system.ids.iter().position(|&id| id == 1).unwrap();
    md.system.velocities[i] = [30.0, 10.0, -5.0];
    md.setup().unwrap();
    let rows = lammps_rows();
    assert_eq!(rows.len(), 201);
    let rel = |a: f64, b: f64| (a - b).abs() / b.abs().max(1e-300);
    let mut worst = (0.0f64, 0.0f64);
    for &(step, dt, time) in &rows {
        if step > 0 {
            md.step(false).unwrap();
        }
        assert_eq!(md.step, step);
        let (edt, et) = (rel(md.dt, dt), if time == 0.0 { md.time().abs() } else { rel(md.time(), time) });
        // Trajectories diverge slowly (chaos, summation order): tight for 100 steps, then looser.
        let tol = if step <= 100 { 1e-9 } else { 1e-6 };
        assert!(edt <= tol && et <= tol, "step {step}: dt {} vs LAMMPS {dt}, time {} vs {time}", md.dt, md.time());
        if step <= 100 {
            worst = (worst.0.max(edt), worst.1.max(et));
        }
    }
    // The step did adapt: from the initial 6.2e-4 τ up to several times that as the projectile slowed.
    assert!(rows[0].1 < 7e-4 && rows[200].1 > 3e-3);
    eprintln!("dt/reset vs LAMMPS, steps 0-100: largest relative difference dt {:.1e}, time {:.1e}", worst.0, worst.1);
}

fn read(dir: &Path, name: &str) -> Vec<u8> {
    std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn resume_with_adaptive_step_is_bit_identical() {
    // A hot Si crystal: dt follows the fastest atom; the time column records the accumulated time.
    let mut cfg: MdConfig = toml::from_str(
        r#"
        lattice = { kind = "diamond", a = 5.431, species = ["Si"], repeats = [2, 2, 2] }
        potential = "tersoff:Si.tersoff:Si"
        dt = 0.001
        steps = 120
        velocity = { temperature = 3000, seed = 4711 }
        thermo = { every = 10 }
        ensemble = { kind = "nvt", thermostat = "langevin", temperature = 1500, damp = 0.05, seed = 5 }
        dt_reset = { every = 2, xmax = 0.02, dt_min = 0.0001, dt_max = 0.002 }
        checkpoint = { every = 50 }
        "#,
    )
    .unwrap();
    cfg.threads = Some(2);
    std::env::set_var("ATOMFAB_POTENTIALS", Path::new(env!("CARGO_MANIFEST_DIR")).join("../atomfab-potentials/tests/fixtures/potentials"));
    let full = tempfile::tempdir().unwrap();
    run_md(&cfg, full.path(), &mut |_| {}).unwrap();
    let cut = tempfile::tempdir().unwrap();
    let killed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        run_md(&cfg, cut.path(), &mut |p| {
            if p.step == 80 {
                panic!("simulated kill at step 80");
            }
        })
    }));
    assert!(killed.is_err());
    resume_md(&cfg, cut.path(), &mut |_| {}).unwrap();
    for f in ["thermo.csv", "checkpoint.bin"] {
        assert!(read(full.path(), f) == read(cut.path(), f), "{f} differs after resume");
    }
    // Time is not step × initial dt: the step changed during the run.
    let thermo = String::from_utf8(read(full.path(), "thermo.csv")).unwrap();
    let last: Vec<f64> = thermo.lines().last().unwrap().split(',').map(|x| x.parse().unwrap()).collect();
    assert_eq!(last[0], 120.0);
    assert!((last[1] - 0.12).abs() > 1e-3, "time {} should differ from 120 × 0.001 ps", last[1]);
}

#[test]
fn bad_dt_reset_names_the_key() {
    for (extra, expected) in [
        ("dt_reset = { xmax = 0.0 }", "dt_reset.xmax must be > 0"),
        ("dt_reset = { xmax = 0.1, every = 0 }", "dt_reset.every must be ≥ 1"),
        ("dt_reset = { xmax = 0.1, dt_min = 0.01, dt_max = 0.001 }", "dt_reset.dt_min 0.01 is larger than dt_max"),
        ("dt_reset = { xmax = 0.1, group = \"nope\" }", "dt_reset.group: unknown group 'nope'"),
    ] {
        let src = LJ_FAST.replace("dt_reset = { every = 1, xmax = 0.02, dt_max = 0.005 }", extra);
        let cfg: MdConfig = toml::from_str(&src).unwrap();
        let err = build_engine(&cfg, build_system(&cfg).unwrap(), true).err().expect("must fail").to_string();
        assert!(err.contains(expected), "{extra}: {err}");
    }
    let src = LJ_FAST.replace("dt_reset = { every = 1, xmax = 0.02, dt_max = 0.005 }", "dt_reset = { xmax = 0.1, typo = 1 }");
    let err = toml::from_str::<MdConfig>(&src).unwrap_err().to_string();
    assert!(err.contains("unknown field `typo`"), "{err}");
}
