//! Scratching and polishing end to end on CI-sized Cu workpieces: outputs, force balance under load
//! control, determinism, and bad recipes rejected before any simulation with the offending key named.

use atomfab_process::{validate, ProcessConfig};
use std::path::Path;

mod common;
use common::{column, config, edit, run_recipe, CU_SCRATCH};

/// Load-controlled, rolling polishing over two passes with a lateral offset.
const POLISH: &str = r#"
kind = "polishing"
material = "Cu"
temperature = 300
[workpiece]
size_nm = [3.3, 3.3, 1.8]
fixed_nm = 0.3
thermostat_nm = 0.4
[abrasive]
radius_nm = 0.7
[polish]
load_nn = 10
speed_m_per_s = 1000
passes = 2
offset_nm = 0.5
rolling = 0.5
load_ramp_ps = 1.0
damping_ps = 0.2
[output]
thermo_every = 10
checkpoint_every = 0
"#;

/// An elliptical (x–z) tool vibration: 0.1 nm along x, 0.05 nm along z, 90° apart, 200 GHz (5 ps period).
const VIBRATION: &str = r#"
[assist.vibration]
amplitude_nm = [0.1, 0.0, 0.05]
frequency_ghz = 200
phase_deg = [0.0, 0.0, 90.0]
"#;

#[test]
fn scratch_measures_forces_friction_groove_and_is_deterministic() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let s = run_recipe(a.path(), CU_SCRATCH, 4);
    for f in ["summary.json", "report.html", "thermo.csv", "final.xyz", "machined_surface.gwy"] {
        assert!(a.path().join(f).exists(), "{f} written");
    }
    let sc = s.figures.scratch.as_ref().unwrap();
    assert!(sc.mean_normal_force_nn > 1.0, "the surface pushes the indenter up: {}", sc.mean_normal_force_nn);
    assert!(sc.mean_tangential_force_nn > 0.5, "the surface resists the scratch: {}", sc.mean_tangential_force_nn);
    assert!((sc.friction_coefficient - sc.mean_tangential_force_nn / sc.mean_normal_force_nn).abs() < 1e-12);
    assert!((sc.tip_depth_nm - 0.35).abs() < 1e-9, "depth control holds the tip at 0.35 nm: {}", sc.tip_depth_nm);
    assert!(sc.groove_depth_nm > 0.05 && sc.groove_depth_nm < 0.6, "groove {} nm", sc.groove_depth_nm);
    assert!(sc.groove_width_nm > 0.3 && sc.groove_width_nm < 3.3, "groove width {} nm", sc.groove_width_nm);
    assert!(sc.displaced_atoms > 0, "material is pushed up beside and ahead of the tip");
    assert_eq!(s.grades.len(), 2);
    let html = std::fs::read_to_string(a.path().join("report.html")).unwrap();
    assert!(html.contains("Forces on the indenter while sliding") && html.contains("Track cross-section"));
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(a.path().join("summary.json")).unwrap()).unwrap();
    assert!(json["scratch"]["friction_coefficient"].is_number() && json.get("removal").is_none());
    run_recipe(b.path(), CU_SCRATCH, 4);
    let read = |d: &Path| std::fs::read_to_string(d.join("summary.json")).unwrap();
    assert_eq!(read(a.path()), read(b.path()), "same seed, same summary");
}

#[test]
fn polish_under_load_records_each_pass() {
    let dir = tempfile::tempdir().unwrap();
    let s = run_recipe(dir.path(), POLISH, 2);
    let p = s.figures.polish.as_ref().unwrap();
    assert_eq!(p.per_pass.len(), 3, "before + 2 passes");
    assert_eq!(p.per_pass[0].displaced_atoms, 0, "nothing displaced before polishing");
    // Load control: the surface carries the applied load once the particle has settled (thermal and
    // stick-slip fluctuations average out over the passes).
    assert!((p.mean_normal_force_nn - 10.0).abs() < 3.0, "normal force {} nN vs 10 nN load", p.mean_normal_force_nn);
    assert!(p.mean_tangential_force_nn > 0.0 && p.friction_coefficient > 0.0);
    assert!(p.spin_rad_per_ps < 0.0, "rolling along −x turns the particle about −y");
    assert!(p.sq_after_nm > p.sq_before_nm, "a rough track replaces the flat crystal: {} → {}", p.sq_before_nm, p.sq_after_nm);
    assert!(p.removed_atoms > 0 && p.removed_atoms == p.per_pass[2].displaced_atoms);
    assert!(dir.path().join("passes.xyz").exists());
}

#[test]
fn bad_slide_recipes_name_the_key_before_running() {
    let cases = [
        (CU_SCRATCH, "radius_nm = 0.8", "radius_nm = 3.0", "indenter.radius_nm"),
        (CU_SCRATCH, "depth_nm = 0.35", "depth_nm = 1.5", "scratch.depth_nm"),
        (CU_SCRATCH, "speed_m_per_s = 1000", "speed_m_per_s = 0", "scratch.speed_m_per_s"),
        (CU_SCRATCH, "depth_nm = 0.35", "load_nn = -5", "scratch.load_nn"),
        (CU_SCRATCH, "depth_nm = 0.35", "depth_nm = 0.35\nload_nn = 20", "scratch.load_nn"),
        (CU_SCRATCH, "depth_nm = 0.35", "", "scratch"),
        (CU_SCRATCH, "length_nm = 2.0", "length_nm = 3.5", "scratch.length_nm"),
        (CU_SCRATCH, "length_nm = 2.0", "length_nm = 1.0", "scratch.length_nm"),
        (CU_SCRATCH, "shape = \"sphere\"", "shape = \"cone\"", "indenter.half_angle_deg"),
        (CU_SCRATCH, "[scratch]", "[cut]\ndepth_nm = 0.5\nspeed_m_per_s = 1\nlength_nm = 1\n[scratch]", "cut"),
        (POLISH, "radius_nm = 0.7", "radius_nm = 2.0", "abrasive.radius_nm"),
        (POLISH, "load_nn = 10", "load_nn = 0", "polish.load_nn"),
        (POLISH, "load_nn = 10", "load_nn = 10\ndepth_nm = 0.2", "polish.load_nn"),
        (POLISH, "speed_m_per_s = 1000", "speed_m_per_s = 0", "polish.speed_m_per_s"),
        (POLISH, "passes = 2", "passes = 0", "polish.passes"),
        (POLISH, "rolling = 0.5", "rolling = 1.5", "polish.rolling"),
        (POLISH, "[abrasive]\nradius_nm = 0.7\n", "", "abrasive"),
        (CU_SCRATCH, "length_nm = 2.0", "length_nm = 2.0\nequilibrate_ps = -1", "scratch.equilibrate_ps"),
        // Vibration: a z amplitude under load control (the height is free), a period under 20 steps, an
        // x sweep wider than the workpiece, a z reach that buries the tip, a non-finite phase.
        (CU_SCRATCH, "depth_nm = 0.35", "load_nn = 10", "assist.vibration.amplitude_nm"),
        (POLISH, "[output]", "[assist.vibration]\namplitude_nm = [0.0, 0.0, 0.1]\nfrequency_ghz = 100\n[output]", "assist.vibration.amplitude_nm"),
        (CU_SCRATCH, "frequency_ghz = 200", "frequency_ghz = 60000", "assist.vibration.frequency_ghz"),
        (CU_SCRATCH, "amplitude_nm = [0.1, 0.0, 0.05]", "amplitude_nm = [2.0, 0.0, 0.05]", "assist.vibration.amplitude_nm"),
        (CU_SCRATCH, "amplitude_nm = [0.1, 0.0, 0.05]", "amplitude_nm = [0.1, 0.0, 0.6]", "scratch.depth_nm"),
        (CU_SCRATCH, "phase_deg = [0.0, 0.0, 90.0]", "phase_deg = [0.0, 0.0, nan]", "assist.vibration.phase_deg"),
        (CU_SCRATCH, "frequency_ghz = 200", "frequency_ghz = -5", "assist.vibration"),
    ];
    for (base, from, to, key) in cases {
        let base = if base == CU_SCRATCH && !to.contains("[assist") { format!("{CU_SCRATCH}{VIBRATION}") } else { base.to_string() };
        let text = edit(&base, &[(from, to)]);
        let err = validate(&config(&text)).unwrap_err().to_string();
        assert!(err.contains(key), "{to:?}: {err}");
    }
    // Unknown keys fail at parse time (deny_unknown_fields).
    assert!(toml::from_str::<ProcessConfig>(&edit(CU_SCRATCH, &[("length_nm = 2.0", "length = 1.2")])).is_err());
}

/// Columns of thermo.csv by name.
fn thermo_columns(dir: &Path, names: &[&str]) -> Vec<Vec<f64>> {
    let text = std::fs::read_to_string(dir.join("thermo.csv")).unwrap();
    names.iter().map(|n| column(&text, n)).collect()
}

#[test]
fn vibration_assisted_scratch_tip_follows_the_vibration() {
    // Depth control with a short equilibration: held 0.5 ps, down to 0.35 nm, 2 nm along −x at 10 Å/ps,
    // with the elliptical vibration on top from t = 0.
    let text = format!("{}{VIBRATION}", edit(CU_SCRATCH, &[("length_nm = 2.0", "length_nm = 2.0\nequilibrate_ps = 0.5")]));
    let dir = tempfile::tempdir().unwrap();
    let s = run_recipe(dir.path(), &text, 3);
    let c = thermo_columns(dir.path(), &["time", "driven_dx", "driven_dy", "driven_dz"]);
    // The z vibration reaches 2 × 0.05 nm below its path, so the tip starts that much higher:
    // gap 0.2 + 0.1 nm, then descends 3 + 3.5 Å at 10 Å/ps.
    let (eq, drop, v) = (0.5, 3.0 + 3.5, 10.0);
    let (t0, t1) = (eq + drop / v, eq + drop / v + 20.0 / v);
    let w = 2.0 * std::f64::consts::PI * 0.2;
    let mut checked = 0;
    for k in 0..c[0].len() {
        let t = c[0][k];
        let (px, pz) = if t <= eq {
            (0.0, 0.0)
        } else if t <= t0 {
            (0.0, -drop * (t - eq) / (t0 - eq))
        } else {
            (-v * (t.min(t1) - t0), -drop)
        };
        let (x, z) = (px + 1.0 * (w * t).sin(), pz + 0.5 * ((w * t + std::f64::consts::FRAC_PI_2).sin() - 1.0));
        assert!((c[1][k] - x).abs() < 1e-9 && (c[3][k] - z).abs() < 1e-9, "t = {t}: tip ({}, {}) vs ({x}, {z})", c[1][k], c[3][k]);
        assert_eq!(c[2][k], 0.0);
        checked += 1;
    }
    assert!(checked > 100 && c[0].last().unwrap() >= &(t1 - 1e-9), "{checked} samples up to t = {:?}", c[0].last());
    let sc = s.figures.scratch.as_ref().unwrap();
    assert!(sc.vibration.as_deref().is_some_and(|v| v.contains("200 GHz")), "{:?}", sc.vibration);
    assert!(sc.mean_normal_force_nn > 1.0 && sc.mean_tangential_force_nn > 0.0);
    // The groove is measured from the equilibrated surface: one frame, moved off the ideal lattice.
    let pre = std::fs::read_to_string(dir.path().join("prescratch.xyz")).unwrap();
    let n: usize = pre.lines().next().unwrap().trim().parse().unwrap();
    assert_eq!(pre.lines().count(), n + 2, "prescratch.xyz holds the one frame at the end of the equilibration");
    assert_ne!(pre.lines().nth(2), std::fs::read_to_string(dir.path().join("initial.xyz")).unwrap().lines().nth(2));
    assert!(sc.reference_level_nm.is_finite() && sc.equilibrate_ps == 0.5);
}

#[test]
fn friction_validation_example_is_valid() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let text = std::fs::read_to_string(root.join("examples/scratching_cu_friction.toml")).unwrap();
    let recipe: toml::Value = toml::from_str(&text).unwrap();
    for adhesive in [true, false] {
        let mut cfg: ProcessConfig = recipe["process"].clone().try_into().unwrap();
        cfg.indenter.as_mut().unwrap().adhesive = adhesive;
        validate(&cfg).unwrap();
    }
}

#[test]
fn example_vibration_blocks_are_valid_when_uncommented() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    for name in ["scratching_cu", "polishing_cu"] {
        let text = std::fs::read_to_string(root.join(format!("examples/{name}.toml"))).unwrap();
        let keys = ["[process.assist.vibration]", "amplitude_nm", "frequency_ghz", "phase_deg"];
        let on: Vec<&str> = text.lines().map(|l| l.strip_prefix("# ").filter(|r| keys.iter().any(|k| r.starts_with(k))).unwrap_or(l)).collect();
        let recipe: toml::Value = toml::from_str(&on.join("\n")).unwrap();
        let cfg: ProcessConfig = recipe["process"].clone().try_into().unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(cfg.assist.vibration.is_some(), "{name}: the vibration block is there to uncomment");
        validate(&cfg).unwrap_or_else(|e| panic!("{name} with vibration: {e}"));
    }
}
