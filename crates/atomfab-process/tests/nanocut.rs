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

/// The tool is placed by its edge whatever its rake: for 0°, −30° and −45° the edge's lowest atom ends the
/// travel `length_nm` inside the workpiece (within an edge radius), at the same x for a 3 and a 4 nm tall
/// tool, and no tool atom starts within the start gap of the workpiece. (Placing a negative-rake tool by
/// its overall foremost atom, the top of the forward-leaning rake face, cut 1.4 nm × tan|rake| short.)
#[test]
fn tool_edge_cuts_the_recipe_length_for_any_rake_and_height() {
    let (length, gap, radius) = (22.0, 2.0, 3.0);
    for rake in [0.0, -30.0, -45.0] {
        let mut ends = Vec::new();
        for height in [3.0, 4.0] {
            let text = edit(SI_CUT, &[("rake_deg = 0", &format!("rake_deg = {rake:.1}")), ("size_nm = [1.5, 2.5]", &format!("size_nm = [1.5, {height}]"))]);
            let (system, setup, _) = atomfab_process::nanocut::build(&config(&text)).unwrap();
            let (work, tool) = system.positions.split_at(setup.workpiece_atoms);
            let width = system.cell.lengths()[1];
            let distance = |w: &[f64; 3], t: &[f64; 3]| {
                let dy = t[1] - w[1];
                ((w[0] - t[0]).powi(2) + (dy - width * (dy / width).round()).powi(2) + (w[2] - t[2]).powi(2)).sqrt()
            };
            let (closest, wc, tc) = work.iter().flat_map(|w| tool.iter().map(move |t| (distance(w, t), *w, *t))).min_by(|a, b| a.0.total_cmp(&b.0)).unwrap();
            assert!(closest >= gap, "rake {rake}°, height {height} nm: a tool atom starts {closest:.2} Å from the workpiece: {tc:?} {wc:?} end {} surface {}", setup.workpiece_end_x, setup.edge_z + 5.0);
            let lowest = tool.iter().min_by(|a, b| a[2].total_cmp(&b[2])).unwrap();
            let end = lowest[0] - setup.travel;
            let expected = setup.workpiece_end_x - length;
            assert!((end - expected).abs() <= radius + 1.0, "rake {rake}°, height {height} nm: the edge ends at x = {end:.2} Å, the cut at {expected:.2} Å");
            ends.push(end);
        }
        assert!((ends[0] - ends[1]).abs() < 1.0, "rake {rake}°: the edge's end depends on the tool height: {ends:?}");
    }
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
    // 2.7 nm fits the 3.1 nm of free length at 0° rake; at −45° the rake face meets the surface 0.5 nm ahead
    // of the edge and would run into the fixed end.
    let long = edit(SI_CUT, &[("length_nm = 2.2", "length_nm = 2.7")]);
    atomfab_process::nanocut::validate(&config(&long)).unwrap();
    let err = atomfab_process::nanocut::validate(&config(&edit(&long, &[("rake_deg = 0", "rake_deg = -45")]))).unwrap_err().to_string();
    assert!(err.contains("cut.length_nm") && err.contains("leads the edge by 0.50 nm"), "{err}");
}
