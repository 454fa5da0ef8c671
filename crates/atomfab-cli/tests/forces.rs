//! `atomfab forces` against the LAMMPS fixtures of atomfab-potentials.

use std::path::Path;
use std::process::Command;

fn fixtures() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../atomfab-potentials/tests/fixtures")
}

#[test]
fn forces_json_matches_lammps() {
    let dir = fixtures();
    let out = Command::new(env!("CARGO_BIN_EXE_atomfab"))
        .arg("forces")
        .arg(dir.join("tersoff_sic_triclinic/data.lmp"))
        .args(["--potential", "tersoff:SiC.tersoff:Si,C", "--species", "1=Si,2=C"])
        .env("ATOMFAB_POTENTIALS", dir.join("potentials"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let reference = std::fs::read_to_string(dir.join("tersoff_sic_triclinic/ref.txt")).unwrap();
    let e_ref: f64 = reference.lines().next().unwrap().split_whitespace().nth(1).unwrap().parse().unwrap();
    let e = v["energy"].as_f64().unwrap();
    assert!((e - e_ref).abs() < 1e-8 * e_ref.abs(), "{e} vs {e_ref}");
    assert_eq!(v["forces"].as_array().unwrap().len(), 216);
    assert_eq!(v["virial"].as_array().unwrap().len(), 6);
    assert_eq!(v["units"], "metal");
}

#[test]
fn bad_potential_exits_2_with_one_line() {
    let dir = fixtures();
    let out = Command::new(env!("CARGO_BIN_EXE_atomfab"))
        .arg("forces")
        .arg(dir.join("lj_fcc/data.lmp"))
        .args(["--potential", "lj:epsilon=1,sigma=1", "--units", "lj"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("missing key 'cutoff'"), "{err}");
}
