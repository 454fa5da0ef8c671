//! End-to-end tests of the `atomfab` binary: the main job, recipe errors, exit codes.

use std::path::Path;
use std::process::{Command, Output};

fn atomfab(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_atomfab")).args(args).current_dir(cwd).output().expect("atomfab runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn check_with_ase_and_ovito(n_atoms: usize, files: &[std::path::PathBuf]) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/check_structure_files.py");
    let check = Command::new("python3")
        .arg(script)
        .arg(n_atoms.to_string())
        .args(files)
        .output()
        .expect("python3 must be installed (CI installs it with ase and ovito)");
    assert!(
        check.status.success(),
        "ASE/OVITO check failed (pip install ase ovito):\n{}{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );
}

/// The main job: the embedded default recipe (Si nanocutting) runs to completion, writes its report and
/// summary, and its structure files load in ASE and OVITO.
#[test]
fn default_run_cuts_si_and_writes_files_ase_and_ovito_load() {
    let dir = tempfile::tempdir().unwrap();
    let out = atomfab(&["run", "--out", "o"], dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let o = dir.path().join("o");
    let summary: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(o.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["kind"], "nanocutting");
    assert!(summary["removal"]["chip_atoms"].as_u64().unwrap() > 0);
    assert!(o.join("report.html").exists() && o.join("machined_surface.gwy").exists());
    let atoms = summary["atoms"].as_u64().unwrap() as usize;
    check_with_ase_and_ovito(atoms, &[o.join("initial.xyz"), o.join("final.xyz"), o.join("trajectory.dump")]);

    // The report's surface numbers are what the metrology CLI computes on the written Gwyddion file.
    let stats = atomfab(&["surface", "stats", "o/machined_surface.gwy", "--json"], dir.path());
    assert!(stats.status.success(), "{}", stderr(&stats));
    let stats: serde_json::Value = serde_json::from_slice(&stats.stdout).unwrap();
    for (name, metres) in [("Sa", true), ("Sq", true), ("Sz", true), ("Sdq", false), ("Sdr", false), ("Sk", true)] {
        let reported = summary["surface"][name].as_f64().unwrap() * if metres { 1e9 } else { 1.0 };
        let measured = stats["areal"][name]["value"].as_f64().unwrap();
        assert!((reported - measured).abs() <= 1e-9 * measured.abs().max(1e-12), "{name}: report {reported}, surface stats {measured}");
    }
}

/// A lattice-build recipe writes extxyz, LAMMPS data and dump files that ASE and OVITO load.
#[test]
fn system_recipe_writes_files_ase_and_ovito_load() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("slab.toml"), SLAB).unwrap();
    let out = atomfab(&["run", "slab.toml", "--out", "o"], dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("o/summary.json")).unwrap()).unwrap();
    // Si(001) slab, 4×4×3 diamond cells of 8 atoms.
    assert_eq!(summary["atoms"], 384);
    assert_eq!(summary["species"]["Si"], 384);
    let files = ["slab.xyz", "slab.data", "slab.dump"].map(|f| dir.path().join("o").join(f));
    check_with_ase_and_ovito(384, &files);
}

const SLAB: &str = r#"
version = 1
[system.build]
repeats = [4, 4, 3]
vacuum = [0.0, 0.0, 15.0]
[system.build.lattice]
kind = "diamond"
a = 5.431
species = ["Si"]
[[system.build.groups]]
name = "bottom"
region = { shape = "block", lo = [-inf, -inf, -inf], hi = [inf, inf, 2.0] }
[output]
structure = ["slab.xyz", "slab.data", "slab.dump"]
"#;

#[test]
fn set_overrides_change_the_run() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("slab.toml"), SLAB).unwrap();
    let out = atomfab(&["run", "slab.toml", "--out", "o", "--set", "system.build.repeats=[2,2,2]", "--set", "output.structure=[\"a.xyz\"]"], dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let info = atomfab(&["info", "o/a.xyz", "--json"], dir.path());
    assert!(info.status.success(), "{}", stderr(&info));
    let v: serde_json::Value = serde_json::from_slice(&info.stdout).unwrap();
    assert_eq!(v["atoms"], 64);
    assert_eq!(v["pbc"], serde_json::json!([true, true, false]));
}

#[test]
fn recipe_errors_name_file_line_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("r.toml"), "seed = 1\n[system]\nfiel = \"x.xyz\"\n").unwrap();
    let out = atomfab(&["run", "r.toml", "--out", "o"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("r.toml:3:1: unknown field `fiel`"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "one-line error: {err}");

    std::fs::write(dir.path().join("v.toml"), "version = 7\n").unwrap();
    let out = atomfab(&["run", "v.toml"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("version"));

    std::fs::write(dir.path().join("m.toml"), "[system]\nfile = \"missing.xyz\"\n").unwrap();
    let out = atomfab(&["run", "m.toml"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("missing.xyz"), "{}", stderr(&out));

    let out = atomfab(&["run", "--set", "nokey"], dir.path());
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn bad_structure_files_exit_2_without_panic() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, &[u8]); 4] = [
        ("empty.xyz", b""),
        ("garbage.xyz", b"\x00\xff\xfe binary"),
        ("nan.xyz", b"1\nLattice=\"5 0 0 0 5 0 0 0 5\" Properties=species:S:1:pos:R:3\nSi nan 0 0\n"),
        ("unknown.xyz", b"1\nLattice=\"5 0 0 0 5 0 0 0 5\" Properties=species:S:1:pos:R:3\nQq 0 0 0\n"),
    ];
    for (name, body) in cases {
        std::fs::write(dir.path().join(name), body).unwrap();
        let out = atomfab(&["info", name], dir.path());
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{name}: {err}");
        assert!(err.contains(name) && !err.contains("panicked"), "{name}: {err}");
    }
}

#[test]
fn convert_round_trip_keeps_atoms() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("slab.toml"), SLAB).unwrap();
    assert!(atomfab(&["run", "slab.toml", "--out", "o", "--set", "system.build.repeats=[2,2,2]", "--set", "output.structure=[\"s.data\"]"], dir.path()).status.success());
    let out = atomfab(&["convert", "o/s.data", "o/s.xyz", "--types", "Si"], dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let out = atomfab(&["convert", "o/s.xyz", "o/s2.dump"], dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let info = atomfab(&["info", "o/s2.dump", "--json"], dir.path());
    let v: serde_json::Value = serde_json::from_slice(&info.stdout).unwrap();
    assert_eq!(v["atoms"], 64);
    let out = atomfab(&["convert", "o/s.xyz", "o/s.weird"], dir.path());
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn version_prints() {
    let out = atomfab(&["--version"], Path::new("."));
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("atomfab "));
}

/// `--sweep` over a process recipe tabulates nested figures (forces, roughness, damage) per variant.
#[test]
fn process_sweep_tabulates_nested_figures() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("cut.toml"),
        r#"
version = 1
seed = 2
[process]
kind = "nanocutting"
material = "Si"
[process.workpiece]
size_nm = [4.4, 2.2, 2.5]
fixed_nm = 0.3
thermostat_nm = 0.5
[process.tool]
edge_radius_nm = 0.3
size_nm = [1.5, 2.5]
[process.cut]
depth_nm = 0.5
speed_m_per_s = 1000
length_nm = 2.2
start_gap_nm = 0.2
[process.output]
checkpoint_every = 0
"#,
    )
    .unwrap();
    let out = atomfab(&["run", "cut.toml", "--out", "o", "--sweep", "process.temperature=300,600"], dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let csv = std::fs::read_to_string(dir.path().join("o/sweep.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 3, "{csv}");
    let header: Vec<&str> = lines[0].split(',').collect();
    for col in ["removal.mean_cutting_force_nn", "surface.Sq", "damage.damage_depth_nm"] {
        assert!(header.contains(&col), "{col} in {header:?}");
    }
    assert!(dir.path().join("o/sweep_1/report.html").is_file());
    // sweep_report.html: the key figures of each variant equal its summary.json.
    let html = std::fs::read_to_string(dir.path().join("o/sweep_report.html")).unwrap();
    let summaries: Vec<serde_json::Value> = (0..2)
        .map(|k| serde_json::from_str(&std::fs::read_to_string(dir.path().join(format!("o/sweep_{k}/summary.json"))).unwrap()).unwrap())
        .collect();
    for (label, pointer, scale) in [
        ("mean cutting force (nN)", "/removal/mean_cutting_force_nn", 1.0),
        ("cutting force per width (N/m)", "/removal/cutting_force_per_width_n_per_m", 1.0),
        ("specific cutting energy (GPa)", "/removal/specific_cutting_energy_gpa", 1.0),
        ("chip atoms", "/removal/chip_atoms", 1.0),
        ("chip temperature (K)", "/removal/chip_temperature_k", 1.0),
        ("Sa (nm)", "/surface/Sa", 1e9),
        ("Sq (nm)", "/surface/Sq", 1e9),
        ("band RMS mid 0.5–2 1/nm (nm)", "/band_rms/1/rms_nm", 1.0),
        ("damage depth (nm)", "/damage/damage_depth_nm", 1.0),
        ("amorphous thickness (nm)", "/damage/amorphous_thickness_nm", 1.0),
    ] {
        let cells = table_row(&html, label);
        assert_eq!(cells.len(), 2, "{label}");
        for (k, s) in summaries.iter().enumerate() {
            assert_shown(&cells[k], s.pointer(pointer).unwrap().as_f64().unwrap() * scale, &format!("{label} of sweep_{k}"));
        }
    }
    assert!(html.contains("href=\"sweep_0/report.html\"") && html.contains("href=\"sweep_1/report.html\""));
    assert!(html.contains("<th>figure \\ process.temperature</th><th>300</th><th>600</th>"));
}


/// The cells of the sweep_report.html table row whose first cell is `label` (text between <td> tags).
fn table_row(html: &str, label: &str) -> Vec<String> {
    let start = html.find(&format!("<tr><td>{label}</td>")).unwrap_or_else(|| panic!("row '{label}' in sweep_report.html"));
    let row = &html[start..start + html[start..].find("</tr>").unwrap()];
    row.split("<td").skip(2).map(|c| c[c.find('>').unwrap() + 1..c.find("</td>").unwrap()].to_string()).collect()
}

/// A table cell shows 6 significant digits of the summary value.
fn assert_shown(cell: &str, value: f64, what: &str) {
    let shown: f64 = cell.parse().unwrap_or_else(|_| panic!("{what}: '{cell}' is not a number"));
    assert!((shown - value).abs() <= 5e-6 * value.abs() + 1e-300, "{what}: table shows {shown}, summary.json has {value}");
}
