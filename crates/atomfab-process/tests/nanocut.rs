//! End-to-end nanocutting runs on a small Si workpiece (CI-sized): outputs, determinism, consistency
//! of the report's numbers with the metrology of the written surface file, and bad input.

use atomfab_process::ProcessConfig;
use std::path::Path;

mod common;
use common::{config, edit, run_recipe, SI_CUT};

#[test]
fn small_si_cut_produces_chip_forces_surface_and_report() {
    let dir = tempfile::tempdir().unwrap();
    let s = run_recipe(dir.path(), SI_CUT, 5);
    for f in ["summary.json", "report.html", "thermo.csv", "final.xyz", "trajectory.dump", "machined_surface.gwy", "machined_surface.txt"] {
        assert!(dir.path().join(f).exists(), "{f} written");
    }
    let removal = s.figures.removal.as_ref().unwrap();
    assert!(removal.chip_atoms > 0, "a chip forms");
    assert!(removal.mean_cutting_force_nn > 0.0, "the workpiece resists the tool: {}", removal.mean_cutting_force_nn);
    assert!(s.surface.height.Sq > 0.0 && s.surface.height.Sq < 1e-9);
    assert_eq!(s.grades.len(), 2);
    // intact crystal between the damage and the bottom layers (tests/damage_bottom.rs: a thinner workpiece)
    assert!(!s.damage.damage_reaches_bottom && s.damage.damage_depth_is == "measured", "{:?}", s.damage);
    assert!(s.grades.iter().all(|g| !g.lower_bound));
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert!(html.contains("Forces on the tool") && html.contains("data:image/png;base64"));
}

#[test]
fn same_seed_same_summary() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    run_recipe(a.path(), SI_CUT, 5);
    run_recipe(b.path(), SI_CUT, 5);
    let read = |d: &Path| std::fs::read_to_string(d.join("summary.json")).unwrap();
    assert_eq!(read(a.path()), read(b.path()));
}

#[test]
fn small_cu_cut_uses_eam_and_cna() {
    let dir = tempfile::tempdir().unwrap();
    let s = run_recipe(dir.path(), &edit(SI_CUT, &[("material = \"Si\"", "material = \"Cu\"")]), 3);
    assert!(s.figures.removal.as_ref().unwrap().chip_atoms > 0, "a chip forms");
    assert!(s.damage.method.contains("common neighbour"));
    assert!(s.damage.counts.iter().any(|(name, n)| name == "FCC" && *n > 0), "crystalline fcc below the surface");
}

#[test]
fn bad_recipes_name_the_key_before_running() {
    let cases = [
        ("depth_nm = 0.5", "depth_nm = 2.4", "cut.depth_nm"),
        ("speed_m_per_s = 1000", "speed_m_per_s = 0", "cut.speed_m_per_s"),
        ("size_nm = [1.5, 2.5]", "size_nm = [5.0, 2.5]", "tool.size_nm"),
        ("length_nm = 2.2", "length_nm = 9.0", "cut.length_nm"),
        ("spec = [\"Sq <= 0.5 nm\", \"damage_depth <= 2 nm\"]", "spec = [\"Sq <= banana\"]", "spec"),
    ];
    for (from, to, key) in cases {
        let text = edit(SI_CUT, &[(from, to)]);
        let err = atomfab_process::nanocut::validate(&config(&text)).unwrap_err().to_string();
        assert!(err.contains(key), "{to}: {err}");
    }
    assert!(toml::from_str::<ProcessConfig>(&edit(SI_CUT, &[("material = \"Si\"", "material = \"Unobtainium\"")])).is_err());
    // A 1.9 nm slab is built as 3 Si periods (1.63 nm): a 0.6 nm cut fits the nominal thickness, not the slab.
    let text = edit(SI_CUT, &[("size_nm = [4.4, 2.2, 2.5]", "size_nm = [4.4, 2.2, 1.9]"), ("depth_nm = 0.5", "depth_nm = 0.6")]);
    let err = atomfab_process::nanocut::validate(&config(&text)).unwrap_err().to_string();
    assert!(err.contains("cut.depth_nm") && err.contains("1.63 nm thick"), "{err}");
    let text = edit(SI_CUT, &[("size_nm = [4.4, 2.2, 2.5]", "size_nm = [4.4, 2.2, 1.9]"), ("depth_nm = 0.5", "depth_nm = 0.45")]);
    atomfab_process::nanocut::validate(&config(&text)).unwrap();
}
