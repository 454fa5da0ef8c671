//! The `driven` fix (load-controlled rigid indenter): analytic motion of a free body under a constant load
//! with viscous damping, prescribed motion on the driven axes, rigid spin, and bit-identical resume.

use atomfab_md::{build_engine, build_system, resume_md, run_md, MdConfig};

/// Four Cu atoms (one fcc cell, 2.56 Å apart) with an LJ cutoff below their spacing: a free rigid body.
fn config(fix: &str, steps: u64) -> MdConfig {
    toml::from_str(&format!(
        r#"
        units = "metal"
        lattice = {{ kind = "fcc", a = 3.615, species = ["Cu"], repeats = [1, 1, 1], pbc = [false, false, false] }}
        potential = "lj:epsilon=0.01,sigma=1.0,cutoff=1.5"
        dt = 0.001
        steps = {steps}
        groups = [ {{ name = "body", species = ["Cu"] }} ]
        fixes = [ {fix} ]
        thermo = {{ every = 100 }}
        checkpoint = {{ every = 1000 }}
        "#
    ))
    .unwrap()
}

const FIX: &str = r#"{ kind = "driven", group = "body", velocity = [1.0, 0.0, 0.0], free = [false, false, true], load = [0.0, 0.0, -1.0], damp = 0.5, spin = [0.0, 0.2, 0.0] }"#;

/// Unweighted centre of the body's unwrapped positions (all atoms have one mass here).
fn centre(md: &atomfab_md::Md) -> [f64; 3] {
    let n = md.system.len();
    let mut c = [0.0; 3];
    for i in 0..n {
        let r = md.system.unwrapped_position(i);
        for k in 0..3 {
            c[k] += r[k] / n as f64;
        }
    }
    c
}

#[test]
fn free_axis_follows_load_with_damping_and_driven_axis_follows_velocity() {
    let cfg = config(FIX, 3000);
    let mut md = build_engine(&cfg, build_system(&cfg).unwrap(), true).unwrap();
    md.last_step = cfg.steps;
    md.setup().unwrap();
    let n = md.system.len();
    let dist = |md: &atomfab_md::Md| -> Vec<f64> {
        let p: Vec<_> = (0..n).map(|i| md.system.unwrapped_position(i)).collect();
        (0..n).flat_map(|a| (0..n).map(move |b| (a, b))).map(|(a, b)| ((0..3).map(|k| (p[a][k] - p[b][k]).powi(2)).sum::<f64>()).sqrt()).collect()
    };
    let (c0, d0) = (centre(&md), dist(&md));
    let first = md.system.unwrapped_position(0);
    for _ in 0..3000 {
        md.step(false).unwrap();
    }
    let (c1, t, tau) = (centre(&md), 3.0, 0.5);
    // M dv/dt = F − M v/τ: v → v∞ = F τ / M; z(t) = −v∞ (t − τ (1 − e^{−t/τ})).
    let mass = 4.0 * 63.546;
    let ftm2v = 1.0 / 1.0364269e-4;
    let v_inf = 1.0 * tau * ftm2v / mass;
    let z = -v_inf * (t - tau * (1.0 - (-t / tau as f64).exp()));
    assert!(((c1[2] - c0[2]) - z).abs() < 2e-3 * z.abs(), "dz {} vs analytic {z}", c1[2] - c0[2]);
    assert!(((c1[0] - c0[0]) - 1.0 * t).abs() < 1e-9, "dx {}", c1[0] - c0[0]);
    assert!((c1[1] - c0[1]).abs() < 1e-9);
    for (a, b) in d0.iter().zip(dist(&md)) {
        assert!((a - b).abs() < 1e-9, "rigid distance {a} → {b}");
    }
    // Spin 0.2 rad/ps about y for 3 ps turns the body by 0.6 rad.
    let last = md.system.unwrapped_position(0);
    let (r0, r1) = ([first[0] - c0[0], first[2] - c0[2]], [last[0] - c1[0], last[2] - c1[2]]);
    let angle = (r0[0] * r1[1] - r0[1] * r1[0]).atan2(r0[0] * r1[0] + r0[1] * r1[1]);
    assert!((angle.abs() - 0.6).abs() < 1e-6, "turned by {angle} rad");
}

#[test]
fn killed_and_resumed_driven_run_is_bit_identical() {
    let fix = r#"{ kind = "driven", group = "body", path = [[0.5, 0.0, 0.0, -1.0], [1.5, 3.0, 0.0, -1.0]], free = [false, true, false], load = [0.0, 0.3, 0.0], load_ramp = 0.5, damp = 0.2 }"#;
    let cfg = config(fix, 2500);
    let full = tempfile::tempdir().unwrap();
    run_md(&cfg, full.path(), &mut |_| {}).unwrap();
    let cut = tempfile::tempdir().unwrap();
    let killed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        run_md(&cfg, cut.path(), &mut |p| {
            if p.step == 1700 {
                panic!("simulated kill");
            }
        })
    }));
    assert!(killed.is_err());
    resume_md(&cfg, cut.path(), &mut |_| {}).unwrap();
    for f in ["thermo.csv", "checkpoint.bin"] {
        assert_eq!(std::fs::read(full.path().join(f)).unwrap(), std::fs::read(cut.path().join(f)).unwrap(), "{f}");
    }
    let thermo = std::fs::read_to_string(full.path().join("thermo.csv")).unwrap();
    let header: Vec<&str> = thermo.lines().next().unwrap().split(',').collect();
    let last: Vec<f64> = thermo.lines().last().unwrap().split(',').map(|x| x.parse().unwrap()).collect();
    let col = |name: &str| last[header.iter().position(|h| *h == name).unwrap()];
    // Path holds (3, ·, −1) after 1.5 ps; y is pushed by the load.
    assert!((col("driven_dx") - 3.0).abs() < 1e-9 && (col("driven_dz") + 1.0).abs() < 1e-9);
    assert!(col("driven_dy") > 0.1, "dy {}", col("driven_dy"));
}

#[test]
fn vibration_adds_to_the_driven_axes_and_is_refused_on_a_free_axis() {
    // Elliptical vibration in x–z (90° apart) on top of the sliding velocity, y free under a load.
    let fix = r#"{ kind = "driven", group = "body", velocity = [-1.0, 0.0, 0.0], vibration = { amplitude = [0.5, 0.0, 0.3], frequency = 0.8, phase_deg = [0.0, 0.0, 90.0] }, free = [false, true, false], load = [0.0, 0.1, 0.0], damp = 0.5 }"#;
    let cfg = config(fix, 2000);
    let mut md = build_engine(&cfg, build_system(&cfg).unwrap(), true).unwrap();
    md.last_step = cfg.steps;
    md.setup().unwrap();
    let c0 = centre(&md);
    let w = 2.0 * std::f64::consts::PI * 0.8;
    for step in 1..=2000 {
        md.step(false).unwrap();
        if step % 37 == 0 {
            let t = step as f64 * 0.001;
            let c = centre(&md);
            // d_k = A_k (sin(ωt + φ_k) − sin φ_k) on the driven axes.
            let dx = -t + 0.5 * (w * t).sin();
            let dz = 0.3 * ((w * t + std::f64::consts::FRAC_PI_2).sin() - 1.0);
            assert!((c[0] - c0[0] - dx).abs() < 1e-9 && (c[2] - c0[2] - dz).abs() < 1e-9, "t = {t}: ({}, {}) vs ({dx}, {dz})", c[0] - c0[0], c[2] - c0[2]);
        }
    }
    assert!(centre(&md)[1] - c0[1] > 0.01, "the free axis still moves under its load");
    // A vibration on a free (load-controlled) axis has no prescribed motion to add to.
    let bad = r#"{ kind = "driven", group = "body", vibration = { amplitude = [0.0, 0.2, 0.0], frequency = 0.8 }, free = [false, true, false], load = [0.0, 0.1, 0.0], damp = 0.5 }"#;
    let cfg = config(bad, 10);
    let e = build_engine(&cfg, build_system(&cfg).unwrap(), true).err().expect("refused").to_string();
    assert!(e.contains("zero on the free axes"), "{e}");
}

#[test]
fn free_axis_is_held_until_release_then_follows_the_load() {
    // z free under a load, held for the first 1 ps (e.g. while a workpiece equilibrates under the tip).
    let fix = r#"{ kind = "driven", group = "body", velocity = [1.0, 0.0, 0.0], free = [false, false, true], load = [0.0, 0.0, -1.0], damp = 0.5, release = 1.0 }"#;
    let mut cfg = config(fix, 3000);
    let dir = tempfile::tempdir().unwrap();
    cfg.thermo.every = 50;
    run_md(&cfg, dir.path(), &mut |_| {}).unwrap();
    let thermo = std::fs::read_to_string(dir.path().join("thermo.csv")).unwrap();
    let header: Vec<&str> = thermo.lines().next().unwrap().split(',').collect();
    let (it, iz) = (header.iter().position(|h| *h == "time").unwrap(), header.iter().position(|h| *h == "driven_dz").unwrap());
    let (tau, mass, ftm2v) = (0.5, 4.0 * 63.546, 1.0 / 1.0364269e-4);
    let v_inf = 1.0 * tau * ftm2v / mass;
    for line in thermo.lines().skip(1) {
        let v: Vec<f64> = line.split(',').map(|x| x.parse().unwrap()).collect();
        let (t, dz) = (v[it], v[iz]);
        if t < 1.0 - 1e-9 {
            assert_eq!(dz, 0.0, "held at t = {t}");
        } else if t > 1.5 {
            let s = t - 1.0;
            let z = -v_inf * (s - tau * (1.0 - (-s / tau).exp()));
            assert!((dz - z).abs() < 3e-3 * z.abs(), "t = {t}: dz {dz} vs analytic {z}");
        }
    }
}
