//! `atomfab surface …` end to end: JSON values against the surfalize fixtures of atomfab-metrology,
//! PSD normalisation, tip round trip, grading exit codes and one-line errors on bad input.

use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;

fn exe() -> Command {
    Command::new(env!("CARGO_BIN_EXE_atomfab"))
}

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../atomfab-metrology/tests/fixtures").join(name)
}

fn run_json(args: &[&str]) -> Value {
    let out = exe().args(args).output().unwrap();
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn stats_json_matches_surfalize_reference() {
    let refs: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("surfalize_reference.json")).unwrap()).unwrap();
    let case = refs["cases"].as_array().unwrap().iter().find(|c| c["name"] == "rough").unwrap();
    let f = fixture("rough.gwy");
    let j = run_json(&["surface", "stats", f.to_str().unwrap(), "--level", "none", "--json"]);
    for k in ["Sa", "Sq", "Sp", "Sv", "Sz", "Sk", "Spk", "Svk"] {
        assert_eq!(j["areal"][k]["unit"], "nm");
        let got = j["areal"][k]["value"].as_f64().unwrap();
        let want = case["params"][k].as_f64().unwrap() * 1e9;
        assert!((got / want - 1.0).abs() < 1e-9, "{k}: {got} vs {want}");
    }
    for (k, unit) in [("Ssk", "1"), ("Sku", "1"), ("Sdq", "1"), ("Sdr", "%"), ("Smr1", "%"), ("Smr2", "%")] {
        assert_eq!(j["areal"][k]["unit"], unit);
        let got = j["areal"][k]["value"].as_f64().unwrap();
        let want = case["params"][k].as_f64().unwrap();
        assert!((got - want).abs() <= 1e-9 * want.abs().max(1.0), "{k}: {got} vs {want}");
    }
    assert_eq!((j["nx"].as_u64(), j["ny"].as_u64()), (Some(192), Some(160)));
    assert!(j["profile"]["Ra"]["value"].as_f64().unwrap() > 0.0);
}

#[test]
fn psd_integral_equals_sq_and_svg_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("psd.svg");
    let f = fixture("rough.gwy");
    let j = run_json(&[
        "surface", "psd", f.to_str().unwrap(), "--window", "rect", "--bands", "0..10,10..1000000", "--svg",
        svg.to_str().unwrap(), "--json",
    ]);
    let sq = j["Sq"]["value"].as_f64().unwrap();
    assert!((j["rms_from_psd"]["value"].as_f64().unwrap() / sq - 1.0).abs() < 1e-12);
    // Two bands covering everything: their mean squares add up to Sq².
    let b: Vec<f64> = j["bands"].as_array().unwrap().iter().map(|b| b["rms"]["value"].as_f64().unwrap()).collect();
    assert!(((b[0] * b[0] + b[1] * b[1]) / (sq * sq) - 1.0).abs() < 1e-12);
    assert!(std::fs::read_to_string(&svg).unwrap().starts_with("<svg"));
}

#[test]
fn tip_dilate_then_erode_and_convert() {
    let dir = tempfile::tempdir().unwrap();
    let img = dir.path().join("img.gwy");
    let rec = dir.path().join("rec.txt");
    let cert = dir.path().join("cert.txt");
    let f = fixture("rough.gwy");
    let j = run_json(&["surface", "tip", f.to_str().unwrap(), "--tip", "paraboloid:R=1um", "--out", img.to_str().unwrap(), "--json"]);
    assert!(j["max_change"]["value"].as_f64().unwrap() > 0.0);
    let j = run_json(&[
        "surface", "tip", img.to_str().unwrap(), "--tip", "paraboloid:R=1um", "--mode", "erode", "--out", rec.to_str().unwrap(),
        "--certainty", cert.to_str().unwrap(), "--json",
    ]);
    let c = j["certain_fraction"]["value"].as_f64().unwrap();
    assert!(c > 0.0 && c < 100.0, "{c}");
    // The reconstruction is an upper bound of the true surface and below the image.
    let stats = run_json(&["surface", "stats", rec.to_str().unwrap(), "--level", "none", "--json"]);
    assert_eq!(stats["nx"], 192);
    let out = exe().args(["surface", "convert", rec.to_str().unwrap(), dir.path().join("back.gwy").to_str().unwrap()]).output().unwrap();
    assert!(out.status.success());
}

#[test]
fn failed_grade_exits_1_and_bad_input_exits_2_with_one_line() {
    let f = fixture("terraces.gwy");
    let out = exe().args(["surface", "stats", f.to_str().unwrap(), "--level", "none", "--step", "1.36A", "--spec", "Sq < 0.001 nm, steps >= 1"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("FAIL Sq < 0.001 nm") && text.contains("PASS steps >= 1"), "{text}");

    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.txt");
    std::fs::write(&bad, "# dx=1 unit=nm\n1 2 3\n4,5,6\n").unwrap();
    let cases: Vec<(Vec<String>, &str)> = vec![
        (vec!["surface".into(), "stats".into(), bad.display().to_string()], "bad.txt:3: expected whitespace separators as on line 2"),
        (vec!["surface".into(), "stats".into(), "/nonexistent/x.gwy".into()], "/nonexistent/x.gwy"),
        (vec!["surface".into(), "stats".into(), f.display().to_string(), "--level".into(), "poly:x".into()], "poly:N"),
        (vec!["surface".into(), "tip".into(), f.display().to_string(), "--tip".into(), "cone:R=1nm".into()], "missing angle"),
        (vec!["surface".into(), "psd".into(), f.display().to_string(), "--bands".into(), "5..1".into()], "--bands"),
    ];
    for (args, needle) in cases {
        let out = exe().args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(needle) && err.trim().lines().count() == 1, "{args:?}: {err}");
    }
    // Truncated .gwy.
    let t = dir.path().join("t.gwy");
    std::fs::write(&t, &std::fs::read(&f).unwrap()[..500]).unwrap();
    let out = exe().args(["surface", "stats", t.to_str().unwrap()]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("truncated"));
}

#[test]
fn convert_to_tiff_keeps_stats_and_bad_tiff_is_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let f = fixture("rough.gwy");
    let tif = dir.path().join("rough.tif");
    let out = exe().args(["surface", "convert", f.to_str().unwrap(), tif.to_str().unwrap()]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let a = run_json(&["surface", "stats", f.to_str().unwrap(), "--level", "none", "--json"]);
    let b = run_json(&["surface", "stats", tif.to_str().unwrap(), "--level", "none", "--json"]);
    assert_eq!((a["nx"].clone(), a["dx"].clone()), (b["nx"].clone(), b["dx"].clone()));
    // 16-bit levels: Sq moves by far less than 0.1 % of itself.
    let (sa, sb) = (a["areal"]["Sq"]["value"].as_f64().unwrap(), b["areal"]["Sq"]["value"].as_f64().unwrap());
    assert!((sa - sb).abs() < 1e-3 * sa, "{sa} {sb}");
    let bad = dir.path().join("bad.tiff");
    std::fs::write(&bad, b"GIF89a not a tiff").unwrap();
    let out = exe().args(["surface", "stats", bad.to_str().unwrap()]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.tiff") && err.contains("TIFF signature") && err.trim().lines().count() == 1, "{err}");
}
