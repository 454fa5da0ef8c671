//! `atomfab analyze` end to end on the OVITO fixtures of atomfab-structure, and its bad-input errors.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn atomfab(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_atomfab")).args(args).current_dir(cwd).output().expect("atomfab runs")
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../atomfab-structure/tests/fixtures").join(name)
}

/// OVITO's per-type counts from an integer column of a fixture (the last columns of each atom line).
fn ovito_counts(name: &str, column_from_end: usize, types: usize) -> Vec<usize> {
    let text = std::fs::read_to_string(fixture(name)).unwrap();
    let mut counts = vec![0; types];
    for line in text.lines().skip(2) {
        let f: Vec<&str> = line.split_whitespace().collect();
        counts[f[f.len() - column_from_end].parse::<usize>().unwrap()] += 1;
    }
    counts
}

fn json(out: &Output) -> serde_json::Value {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn diamond_counts_and_damage_depth_of_an_amorphised_si_surface() {
    let dir = tempfile::tempdir().unwrap();
    let file = fixture("si_amorphous_surface.xyz");
    let v = json(&atomfab(&["analyze", file.to_str().unwrap(), "--structure", "diamond", "--json"], dir.path()));
    // Columns: ... cna cna_fixed diamond coord.
    let expected = ovito_counts("si_amorphous_surface.xyz", 2, 7);
    let keys = ["other", "cubic_diamond", "cubic_diamond_1st_neighbor", "cubic_diamond_2nd_neighbor"];
    for (k, key) in keys.iter().enumerate() {
        assert_eq!(v["structures"][key]["count"], expected[k], "{key}");
    }
    // The fixture script disorders the atoms above 4 of 6 cells of a = 5.431 Å: the top 2a = 10.86 Å.
    let depth = v["damage_depth_angstrom"].as_f64().unwrap();
    assert!((depth - 2.0 * 5.431).abs() <= 2.0, "damage depth {depth}");
    let amorphous = v["amorphous_thickness_angstrom"].as_f64().unwrap();
    assert!(amorphous > 0.5 * depth && amorphous <= depth, "amorphous {amorphous}");
    assert!(!v["damage"]["profile"].as_array().unwrap().is_empty());
}

#[test]
fn cna_counts_and_per_atom_output() {
    let dir = tempfile::tempdir().unwrap();
    let file = fixture("fcc_stacking_fault.xyz");
    let out = dir.path().join("typed.xyz");
    let v = json(&atomfab(
        &["analyze", file.to_str().unwrap(), "--json", "--coordination", "3.087", "--write", out.to_str().unwrap()],
        dir.path(),
    ));
    let expected = ovito_counts("fcc_stacking_fault.xyz", 4, 5);
    for (k, key) in ["other", "fcc", "hcp", "bcc", "ico"].iter().enumerate() {
        assert_eq!(v["structures"][key]["count"], expected[k], "{key}");
    }
    assert!(v["coordination"]["mean"].as_f64().unwrap() > 11.0);
    // The written frame carries the per-atom types.
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.lines().nth(1).unwrap().contains("structure_type:I:1"));
    let text_fixed = atomfab(&["analyze", file.to_str().unwrap(), "--cutoff", "3.087", "--profile"], dir.path());
    assert!(text_fixed.status.success());
    assert!(String::from_utf8_lossy(&text_fixed.stdout).contains("damage depth"));
}

#[test]
fn bad_input_is_one_line_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let file = fixture("fcc_free_surface.xyz");
    let f = file.to_str().unwrap();
    std::fs::write(dir.path().join("broken.xyz"), "5\nLattice=\"1 0 0 0 1 0 0 0 1\" Properties=species:S:1:pos:R:3\nCu 0 0\n").unwrap();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["analyze", "missing.xyz"], "missing.xyz"),
        (vec!["analyze", "broken.xyz"], "broken.xyz"),
        (vec!["analyze", f, "--normal", "0,0,0"], "--normal"),
        (vec!["analyze", f, "--normal", "up"], "--normal"),
        (vec!["analyze", f, "--bin", "-1"], "bin width"),
        (vec!["analyze", f, "--cutoff", "0"], "--cutoff"),
        (vec!["analyze", f, "--structure", "diamond", "--cutoff", "3"], "--cutoff"),
        (vec!["analyze", f, "--damage-threshold", "2"], "threshold"),
        (vec!["analyze", f, "--structure", "ptm"], "ptm"),
    ];
    for (args, needle) in cases {
        let out = atomfab(&args, dir.path());
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}
