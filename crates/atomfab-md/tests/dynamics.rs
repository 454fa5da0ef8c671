//! Physics of the integrator, thermostats and machining fixes.

use atomfab_md::{build_engine, build_system, run_md, Md, MdConfig};

fn engine(toml_src: &str) -> Md {
    let cfg: MdConfig = toml::from_str(toml_src).unwrap();
    let mut md = build_engine(&cfg, build_system(&cfg).unwrap(), true).unwrap();
    md.last_step = cfg.steps;
    md.setup().unwrap();
    md
}

/// NVE energy conservation over `steps` steps: (drift, fluctuation) relative to |E(0)|, where drift is the
/// change of the mean energy between the first and the last tenth of the run and fluctuation the largest
/// single-step deviation from E(0).
fn drift(md: &mut Md, steps: u64) -> (f64, f64) {
    let e0 = md.thermo().conserved_energy;
    let tenth = (steps / 10) as usize;
    let mut energies = Vec::with_capacity(steps as usize);
    for _ in 0..steps {
        md.step(false).unwrap();
        energies.push(md.thermo().conserved_energy);
    }
    let mean = |s: &[f64]| s.iter().sum::<f64>() / s.len() as f64;
    let drift = (mean(&energies[energies.len() - tenth..]) - mean(&energies[..tenth])).abs() / e0.abs();
    let fluct = energies.iter().map(|e| (e - e0).abs() / e0.abs()).fold(0.0, f64::max);
    (drift, fluct)
}

#[test]
fn nve_lj_energy_drift() {
    // 500 atoms, dt = 0.005 τ, 10 000 steps, shifted LJ so the energy is continuous at the cutoff.
    let mut md = engine(
        r#"
        units = "lj"
        lattice = { kind = "fcc", density = 0.8442, species = ["Ar"], repeats = [5, 5, 5] }
        potential = "lj:epsilon=1,sigma=1,cutoff=2.5,shift=true"
        dt = 0.005
        steps = 10000
        velocity = { temperature = 1.44, seed = 87287, loop = "geom" }
        neighbor = { skin = 0.3, every = 1, check = true }
        "#,
    );
    assert_eq!(md.system.len(), 500);
    let (d, f) = drift(&mut md, 10_000);
    eprintln!("LJ NVE over 10000 steps: relative drift {d:e}, largest deviation {f:e}; {} list builds", md.builds);
    assert!(d < 1e-4, "relative drift {d:e}");
    // The shifted LJ force jumps at the cutoff, so single steps fluctuate more (LAMMPS alike).
    assert!(f < 1e-3, "largest deviation {f:e}");
    let t = md.thermo().temperature;
    assert!(t > 0.4 && t < 1.2, "melt temperature {t}");
}

#[test]
fn nve_si_tersoff_energy_drift() {
    // 216-atom diamond Si, dt = 1 fs, 10 000 steps from 600 K.
    let mut md = engine(
        r#"
        lattice = { kind = "diamond", a = 5.431, species = ["Si"], repeats = [3, 3, 3] }
        potential = "tersoff:Si.tersoff:Si"
        dt = 0.001
        steps = 10000
        velocity = { temperature = 600, seed = 4928 }
        neighbor = { skin = 1.0, every = 1, check = true }
        "#,
    );
    let (d, f) = drift(&mut md, 10_000);
    eprintln!("Si Tersoff NVE over 10000 steps: relative drift {d:e}, largest deviation {f:e}; {} list builds", md.builds);
    assert!(d < 1e-4 && f < 1e-4, "relative drift {d:e}, deviation {f:e}");
    let t = md.thermo().temperature;
    assert!(t > 150.0 && t < 450.0, "equipartition should give about 300 K, got {t}");
}

#[test]
fn langevin_and_berendsen_reach_their_targets() {
    for style in ["langevin", "berendsen"] {
        let mut md = engine(&format!(
            r#"
            units = "lj"
            lattice = {{ kind = "fcc", density = 0.8442, species = ["Ar"], repeats = [4, 4, 4] }}
            potential = "lj:epsilon=1,sigma=1,cutoff=2.5"
            dt = 0.005
            steps = 3000
            velocity = {{ temperature = 0.2, seed = 5 }}
            ensemble = {{ kind = "nvt", thermostat = "{style}", temperature = 1.2, damp = 0.2, seed = 3 }}
            "#
        ));
        let mut t = 0.0;
        for k in 0..3000 {
            md.step(false).unwrap();
            if k >= 1000 {
                t += md.thermo().temperature;
            }
        }
        t /= 2000.0;
        assert!((t - 1.2).abs() < 0.06, "{style}: mean T {t}");
        // Conserved quantity accounts for the heat added by the thermostat.
        let th = md.thermo();
        assert!(th.conserved_energy.is_finite() && (th.conserved_energy - th.total_energy).abs() > 1.0, "{style}");
    }
}

const SLAB: &str = r#"
    units = "lj"
    lattice = { kind = "fcc", density = 0.8442, species = ["Ar"], repeats = [5, 5, 6], pbc = [true, true, false] }
    potential = "lj:epsilon=1,sigma=1,cutoff=2.5"
    dt = 0.005
    steps = 400
    velocity = { temperature = 0.3, seed = 7 }
    neighbor = { skin = 0.3 }
    groups = [
        { name = "base", region = { shape = "block", lo = [-inf, -inf, -inf], hi = [inf, inf, 1.5] } },
        { name = "layer", region = { shape = "block", lo = [-inf, -inf, 1.5], hi = [inf, inf, 3.0] } },
        { name = "tool", region = { shape = "block", lo = [-inf, -inf, 8.0], hi = [inf, inf, inf] } },
    ]
"#;

#[test]
fn fixed_group_stays_and_moving_group_follows_its_elliptical_path() {
    let mut md = engine(&format!(
        r#"{SLAB}
        fixes = [
            {{ kind = "fixed", group = "base" }},
            {{ kind = "thermostat", style = "langevin", group = "layer", temperature = 0.3, damp = 0.5, seed = 1 }},
            {{ kind = "move", group = "tool", velocity = [0.2, 0.0, -0.05], vibration = {{ amplitude = [0.1, 0.0, 0.05], frequency = 0.4, phase_deg = [0, 0, 90] }} }},
        ]
        "#
    ));
    let base = md.system.group_bit("base").unwrap();
    let tool = md.system.group_bit("tool").unwrap();
    let start: Vec<_> = (0..md.system.len()).map(|i| md.system.unwrapped_position(i)).collect();
    for _ in 0..400 {
        md.step(false).unwrap();
    }
    let t = 400.0 * 0.005;
    let w = 2.0 * std::f64::consts::PI * 0.4;
    let expect = [0.2 * t + 0.1 * (w * t).sin(), 0.0, -0.05 * t + 0.05 * ((w * t + std::f64::consts::FRAC_PI_2).sin() - 1.0)];
    for i in 0..md.system.len() {
        let r = md.system.unwrapped_position(i);
        let m = md.system.group_mask[i];
        if m & base != 0 {
            assert_eq!(md.system.velocities[i], [0.0; 3]);
            for k in 0..3 {
                assert!((r[k] - start[i][k]).abs() < 1e-12);
            }
        }
        if m & tool != 0 {
            for k in 0..3 {
                assert!((r[k] - start[i][k] - expect[k]).abs() < 1e-9, "atom {i} axis {k}");
            }
        }
    }
}

#[test]
fn rigid_body_keeps_its_shape_and_total_momentum_is_conserved() {
    let mut md = engine(
        r#"
        units = "lj"
        lattice = { kind = "fcc", density = 0.8442, species = ["Ar"], repeats = [5, 5, 5] }
        potential = "lj:epsilon=1,sigma=1,cutoff=2.5,shift=true"
        dt = 0.002
        steps = 1000
        velocity = { temperature = 1.0, seed = 11 }
        neighbor = { skin = 0.3 }
        groups = [ { name = "blob", region = { shape = "sphere", center = [4.2, 4.2, 4.2], radius = 1.3 } } ]
        fixes = [ { kind = "rigid", group = "blob" } ]
        "#,
    );
    let blob = md.system.group_bit("blob").unwrap();
    let members: Vec<usize> = (0..md.system.len()).filter(|&i| md.system.group_mask[i] & blob != 0).collect();
    assert!(members.len() > 5);
    let dist = |md: &Md| -> Vec<f64> {
        let mut d = Vec::new();
        for &a in &members {
            for &b in &members {
                let (ra, rb) = (md.system.unwrapped_position(a), md.system.unwrapped_position(b));
                d.push(((ra[0] - rb[0]).powi(2) + (ra[1] - rb[1]).powi(2) + (ra[2] - rb[2]).powi(2)).sqrt());
            }
        }
        d
    };
    let momentum = |md: &Md| -> [f64; 3] {
        let mut p = [0.0; 3];
        for v in &md.system.velocities {
            for k in 0..3 {
                p[k] += v[k];
            }
        }
        p
    };
    let d0 = dist(&md);
    let e0 = md.thermo().total_energy;
    let com0 = md.system.unwrapped_position(members[0]);
    for _ in 0..1000 {
        md.step(false).unwrap();
    }
    for (a, b) in d0.iter().zip(dist(&md)) {
        assert!((a - b).abs() < 1e-9, "rigid distance changed {a} → {b}");
    }
    let p = momentum(&md);
    assert!(p.iter().all(|x| x.abs() < 1e-8), "total momentum {p:?}");
    let moved = md.system.unwrapped_position(members[0]);
    assert!((0..3).any(|k| (moved[k] - com0[k]).abs() > 1e-3), "the body moved");
    // Rigid-body integration is not exactly symplectic here; energy is still well conserved.
    let e1 = md.thermo().total_energy;
    assert!((e1 - e0).abs() / e0.abs() < 2e-3, "energy {e0} → {e1}");
}

#[test]
fn record_force_and_thermo_columns_hold_the_force_on_the_tool() {
    let cfg: MdConfig = toml::from_str(&format!(
        r#"{SLAB}
        fixes = [
            {{ kind = "fixed", group = "base" }},
            {{ kind = "move", group = "tool", velocity = [0.3, 0.0, -0.1] }},
            {{ kind = "record_force", group = "tool", every = 50, file = "force.csv" }},
        ]
        thermo = {{ every = 1, group_forces = ["tool"] }}
        "#
    ))
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut seen = 0;
    run_md(&cfg, dir.path(), &mut |_| seen += 1).unwrap();
    assert_eq!(seen, 401);
    let thermo = std::fs::read_to_string(dir.path().join("thermo.csv")).unwrap();
    let header: Vec<&str> = thermo.lines().next().unwrap().split(',').collect();
    assert_eq!(&header[8..11], &["fx_tool", "fy_tool", "fz_tool"]);
    let rows: Vec<Vec<f64>> = thermo.lines().skip(1).map(|l| l.split(',').map(|x| x.parse().unwrap()).collect()).collect();
    let forces = std::fs::read_to_string(dir.path().join("force.csv")).unwrap();
    assert_eq!(forces.lines().count(), 1 + 8);
    for line in forces.lines().skip(1) {
        let f: Vec<f64> = line.split(',').map(|x| x.parse().unwrap()).collect();
        let step = f[0] as usize;
        // Instantaneous value = thermo column at that step; mean = mean of the 50 steps ending there.
        assert_eq!(&rows[step][8..11], &f[2..5]);
        for k in 0..3 {
            let mean: f64 = rows[step - 49..=step].iter().map(|r| r[8 + k]).sum::<f64>() / 50.0;
            assert!((mean - f[5 + k]).abs() <= 1e-9 * mean.abs().max(1.0), "step {step}: {mean} vs {}", f[5 + k]);
        }
    }
    // The tool is dragged along x through the crystal: the mean x force opposes the motion.
    let last: Vec<f64> = forces.lines().last().unwrap().split(',').map(|x| x.parse().unwrap()).collect();
    assert!(last[5] < 0.0, "mean fx {}", last[5]);
}

#[test]
fn bad_configs_are_clear_errors() {
    let cases = [
        ("steps = 10\npotential = \"lj:epsilon=1,sigma=1,cutoff=2.5\"\ndt = 0.005", "missing `structure`"),
        (
            "units=\"lj\"\nlattice = { kind = \"fcc\", a = 1.6, species = [\"Ar\"], repeats = [3,3,3] }\npotential = \"lj:epsilon=1,sigma=1,cutoff=2.5\"\ndt = 0.005\nsteps = 1\nfixes = [{ kind = \"fixed\", group = \"nope\" }]",
            "unknown group 'nope'",
        ),
        (
            "units=\"lj\"\nlattice = { kind = \"fcc\", a = 1.6, species = [\"Ar\"], repeats = [3,3,3] }\npotential = \"lj:epsilon=1,sigma=1,cutoff=2.5\"\ndt = -1\nsteps = 1",
            "dt = -1",
        ),
        (
            "units=\"lj\"\nlattice = { kind = \"fcc\", a = 1.6, species = [\"Ar\"], repeats = [3,3,3] }\npotential = \"lj:epsilon=1,sigma=1,cutoff=2.5\"\ndt = 0.005\nsteps = 1\nensemble = { kind = \"nvt\", temperature = 1 }",
            "damp",
        ),
    ];
    for (src, want) in cases {
        let cfg: MdConfig = toml::from_str(src).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let err = run_md(&cfg, dir.path(), &mut |_| {}).unwrap_err().to_string();
        assert!(err.contains(want), "{err} (wanted {want})");
        assert!(!err.contains('\n'));
    }
    assert!(toml::from_str::<MdConfig>("potential = \"x\"\ndt = 1\nsteps = 1\nbogus = 2").is_err());
}
