//! `atomfab run` with a `[kmc]` recipe, `--sweep`, bad kMC input, and `atomfab bench kmc`.

use std::path::PathBuf;
use std::process::Command;

fn atomfab() -> Command {
    Command::new(env!("CARGO_BIN_EXE_atomfab"))
}

fn example(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples").join(name)
}

fn small() -> Vec<&'static str> {
    vec!["--set", "kmc.lattice.nx=32", "--set", "kmc.lattice.ny=32", "--set", "kmc.cycle.count=3"]
}

#[test]
fn run_al2o3_recipe_writes_kmc_summary() {
    let dir = tempfile::tempdir().unwrap();
    let out = atomfab().arg("run").arg(example("ald_al2o3.toml")).arg("--out").arg(dir.path()).args(small()).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let s: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.path().join("summary.json")).unwrap()).unwrap();
    assert_eq!(s["cycles"], 3);
    let gpc = s["gpc_angstrom_per_cycle"].as_f64().unwrap();
    assert!((gpc - 1.14).abs() < 0.05, "{gpc}");
    assert!(s["coverage"]["OH"].as_f64().unwrap() > 0.9);
    assert_eq!(s["title"], "Al2O3 ALD, TMA/H2O, 200 °C");
    for f in ["cycles.csv", "coverage.csv", "height_map.txt", "thickness_vs_cycle.svg", "coverage_vs_time.svg", "report.html"] {
        assert!(dir.path().join(f).is_file(), "{f}");
    }
}

#[test]
fn sweep_indexes_phase_arrays_and_tabulates() {
    let dir = tempfile::tempdir().unwrap();
    let out = atomfab()
        .arg("run")
        .arg(example("ald_al2o3.toml"))
        .arg("--out")
        .arg(dir.path())
        .args(small())
        .args(["--sweep", "kmc.cycle.phases.0.duration_s=0.002,0.1"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let csv = std::fs::read_to_string(dir.path().join("sweep.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 3);
    let header: Vec<&str> = lines[0].split(',').collect();
    let col = header.iter().position(|h| *h == "gpc_angstrom_per_cycle").unwrap();
    let gpc: Vec<f64> = lines[1..].iter().map(|l| l.split(',').nth(col).unwrap().parse().unwrap()).collect();
    assert!(gpc[0] < 0.7 * gpc[1], "short pulse must give less growth: {gpc:?}");
    assert!(dir.path().join("sweep_1/height_map.txt").is_file());
    assert!(dir.path().join("sweep.svg").is_file());
    // The comparison page: the key figures of each variant equal its summary.json; links to its report.
    let html = std::fs::read_to_string(dir.path().join("sweep_report.html")).unwrap();
    for (label, key) in [("GPC (Å/cycle)", "gpc_angstrom_per_cycle"), ("RMS roughness (Å)", "roughness_rms_angstrom"), ("kMC events", "events")] {
        let cells = table_row(&html, label);
        assert_eq!(cells.len(), 2, "{label}");
        for (k, cell) in cells.iter().enumerate() {
            let s: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.path().join(format!("sweep_{k}/summary.json"))).unwrap()).unwrap();
            assert_shown(cell, s[key].as_f64().unwrap(), &format!("{label} of sweep_{k}"));
        }
    }
    let cov = table_row(&html, "final coverage OH");
    let s1: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.path().join("sweep_1/summary.json")).unwrap()).unwrap();
    assert_shown(&cov[1], s1["coverage"]["OH"].as_f64().unwrap(), "coverage OH");
    for k in 0..2 {
        assert!(html.contains(&format!("href=\"sweep_{k}/report.html\"")));
        assert!(dir.path().join(format!("sweep_{k}/report.html")).is_file());
    }
    assert_eq!(html.matches("<svg").count(), table_rows(&html), "one plot per figure");
}

fn table_rows(html: &str) -> usize {
    // Figure rows: every row of the table except the header and the "run" row of links.
    let table = &html[html.find("<table><tr><th>figure").unwrap()..];
    table[..table.find("</table>").unwrap()].matches("<tr><td>").count() - 1
}


#[test]
fn bad_kmc_input_exits_2_with_the_key() {
    let dir = tempfile::tempdir().unwrap();
    for (set, expect) in [
        ("kmc.events.0.becomes=AlMe3", "kmc.events[0].becomes: unknown species 'AlMe3'"),
        ("kmc.events.1.rate.hertz_knudsen.sticking=-0.5", "kmc.events[1].rate.hertz_knudsen.sticking: expected a finite value >= 0"),
        ("kmc.lattice.nx=100000000", "kmc.lattice (nx × ny):"),
        ("kmc.cycle.phases.2.duration_s=0", "kmc.cycle.phases[2].duration_s: expected a finite value > 0"),
    ] {
        let out = atomfab().arg("run").arg(example("ald_al2o3.toml")).arg("--out").arg(dir.path()).args(["--set", set]).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{set}: {err}");
        assert!(err.contains(expect), "{set}: {err}");
        assert!(!err.contains("panicked"));
    }
}

#[test]
fn bench_kmc_reports_events_per_second() {
    let out = atomfab().args(["bench", "kmc", "--size", "32", "--cycles", "3", "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["sites"], 1024);
    assert!(r["events"].as_u64().unwrap() > 1000);
    assert!(r["events_per_second"].as_f64().unwrap() > 0.0);
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
