//! Ion-beam runs on a small Si workpiece (CI-sized: a few low-energy impacts): outputs, determinism,
//! resume after an interruption, and bad input naming its key.

use atomfab_process::{run, validate, ProcessConfig};
use std::path::Path;

const SMALL: &str = r#"
kind = "ion_beam"
material = "Si"
temperature = 300
spec = ["sputter_yield <= 5"]
[workpiece]
size_nm = [2.2, 2.2, 2.2]
fixed_nm = 0.3
thermostat_nm = 0.4
[ion]
species = "Ar"
energy_ev = 150
polar_deg = 20
azimuth_deg = 30
ions = 3
cascade_ps = 0.25
thermalise_ps = 0.1
equilibrate_ps = 0.05
detect_nm = 0.8
[output]
checkpoint_every = 1
pixel_nm = 0.1
"#;

fn config(text: &str) -> ProcessConfig {
    toml::from_str(text).unwrap()
}

fn read(dir: &Path, f: &str) -> String {
    std::fs::read_to_string(dir.join(f)).unwrap_or_else(|e| panic!("{f}: {e}"))
}

#[test]
fn small_si_impacts_outputs_determinism_and_resume() {
    let cfg = config(SMALL);
    let a = tempfile::tempdir().unwrap();
    let t0 = std::time::Instant::now();
    let s = run(&cfg, 11, SMALL, a.path(), false, &mut |_| {}).unwrap();
    eprintln!("3 impacts: {:.1} s, {} atoms, {} steps; {}", t0.elapsed().as_secs_f64(), s.atoms, s.steps, s.headline);
    for f in ["summary.json", "report.html", "thermo.csv", "impacts.csv", "final.xyz", "machined_surface.gwy", "checkpoint.bin", "SiC.tersoff.zbl"] {
        assert!(a.path().join(f).exists(), "{f} written");
    }
    let f = s.figures.ion_beam.as_ref().unwrap();
    assert_eq!(f.ions, 3);
    assert_eq!(f.impacts.len(), 3);
    // Every ion is accounted for exactly once; atoms are conserved.
    assert_eq!(f.implanted_ions + f.reflected_ions + f.transmitted_ions, 3 - f.impacts.iter().map(|m| m.ions_reemitted).sum::<u64>());
    assert_eq!(s.atoms as u64, s.workpiece_atoms as u64 - f.sputtered_atoms + f.implanted_ions);
    // The cascade needed steps far below dt_ps = 1 fs: the adaptive step acted.
    assert!(f.impacts.iter().all(|m| m.min_dt_ps < 5e-4 && m.energy_deposited_ev <= 150.0 + 1e-9), "{:?}", f.impacts);
    let summary: serde_json::Value = serde_json::from_str(&read(a.path(), "summary.json")).unwrap();
    assert_eq!(summary["ion_beam"]["ions"], 3);
    assert!(summary["ion_beam"]["sputter_yield"].is_number() && summary["surface"]["Sq"].is_number());
    assert!(summary["damage"]["amorphous_thickness_nm"].is_number());
    assert_eq!(read(a.path(), "impacts.csv").lines().count(), 4);
    assert!(read(a.path(), "report.html").contains("Sputter yield vs impact number"));

    // Same seed ⇒ same summary.json; another seed ⇒ other impact points.
    let b = tempfile::tempdir().unwrap();
    run(&cfg, 11, SMALL, b.path(), false, &mut |_| {}).unwrap();
    assert_eq!(read(a.path(), "summary.json"), read(b.path(), "summary.json"));

    // Interrupted after the first impact's checkpoint, then resumed: the same result.
    let c = tempfile::tempdir().unwrap();
    let mut one = cfg.clone();
    one.ion.as_mut().unwrap().ions = Some(1);
    run(&one, 11, SMALL, c.path(), false, &mut |_| {}).unwrap();
    // A finished 1-ion run extended to 3 ions equals the 3-ion run (impact k draws from its own stream) ...
    run(&cfg, 11, SMALL, c.path(), true, &mut |_| {}).unwrap();
    assert_eq!(read(a.path(), "summary.json"), read(c.path(), "summary.json"));
    // ... but fewer ions than the checkpoint holds, or another recipe or seed, are refused.
    let err = run(&one, 11, SMALL, c.path(), true, &mut |_| {}).unwrap_err().to_string();
    assert!(err.contains("ion.ions: 1 impacts asked for") && err.contains("already has 3"), "{err}");
    let mut hotter = cfg.clone();
    hotter.temperature = 310.0;
    let err = run(&hotter, 11, SMALL, c.path(), true, &mut |_| {}).unwrap_err().to_string();
    assert!(err.contains("different recipe"), "{err}");
    let err = run(&cfg, 12, SMALL, c.path(), true, &mut |_| {}).unwrap_err().to_string();
    assert!(err.contains("different recipe"), "{err}");
    // A run killed after impact 1 of the same recipe resumes to the same summary.
    let d = tempfile::tempdir().unwrap();
    let killed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut last = 0;
        run(&cfg, 11, SMALL, d.path(), false, &mut |p| {
            // Progress counts simulated fs: impact 2 starts after 50 + 350 fs.
            if p.step > 480 && last <= 480 {
                panic!("simulated kill during impact 2");
            }
            last = p.step;
        })
    }));
    assert!(killed.is_err());
    run(&cfg, 11, SMALL, d.path(), true, &mut |_| {}).unwrap();
    assert_eq!(read(a.path(), "summary.json"), read(d.path(), "summary.json"));
}

#[test]
fn bad_ion_recipes_name_their_key() {
    let cases = [
        ("energy_ev = 150", "energy_ev = 0", "ion.energy_ev"),
        ("energy_ev = 150", "energy_ev = -5", "ion.energy_ev"),
        ("polar_deg = 20", "polar_deg = 90", "ion.polar_deg"),
        ("species = \"Ar\"", "species = \"Zz\"", "ion.species: unknown ion species 'Zz'"),
        ("species = \"Ar\"", "species = \"Si\"", "ion.species: unknown ion species 'Si'"),
        ("ions = 3", "ions = 3\nfluence_per_nm2 = 1.0", "ion.fluence_per_nm2"),
        ("ions = 3", "", "ion.ions"),
        ("detect_nm = 0.8", "detect_nm = 0.2", "ion.detect_nm"),
        ("temperature = 300", "temperature = 300\nthreads = 0", "threads: must be ≥ 1"),
    ];
    for (from, to, expected) in cases {
        let text = SMALL.replace(from, to);
        let err = validate(&config(&text)).unwrap_err().to_string();
        assert!(err.contains(expected), "{to}: {err}");
    }
    // Sections of another kind, and a missing [ion] section.
    let text = SMALL.replace("[output]", "[cut]\ndepth_nm = 0.5\nspeed_m_per_s = 100\nlength_nm = 1\n[output]");
    let err = validate(&config(&text)).unwrap_err().to_string();
    assert!(err.contains("cut: [process.cut] does not belong"), "{err}");
    let text = SMALL.split("[ion]").next().unwrap().to_string() + "[output]\ncheckpoint_every = 0\n";
    let err = validate(&config(&text)).unwrap_err().to_string();
    assert!(err.contains("ion: kind = \"ion_beam\" needs a [process.ion] section"), "{err}");
    // Unknown keys are rejected by the parser, naming them.
    let err = toml::from_str::<ProcessConfig>(&SMALL.replace("energy_ev = 150", "energy_ev = 150\nenergy_kev = 1")).unwrap_err().to_string();
    assert!(err.contains("energy_kev"), "{err}");
}
