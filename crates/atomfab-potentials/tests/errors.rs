//! Bad potential files and spec strings give one-line `FILE:LINE: expected …` errors, never panics.

use atomfab_potentials::{from_spec, Eam, StillingerWeber, Tersoff};
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/potentials").join(name)
}

/// Writes `text` to a temporary file named `name` and returns its path (the directory lives as long as it).
fn temp_file(dir: &tempfile::TempDir, name: &str, text: &str) -> PathBuf {
    let p = dir.path().join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn message<T>(r: Result<T, atomfab_potentials::PotentialError>) -> String {
    match r {
        Ok(_) => panic!("expected an error"),
        Err(e) => {
            let m = e.to_string();
            assert!(!m.contains('\n'), "error must be one line: {m}");
            m
        }
    }
}

#[test]
fn funcfl_errors_name_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let good = std::fs::read_to_string(fixture("Cu_u3.eam")).unwrap();
    let lines: Vec<&str> = good.lines().collect();
    // Truncated: the r*phi table stops early.
    let p = temp_file(&dir, "short.eam", &lines[..120].join("\n"));
    let m = message(Eam::from_funcfl_files(&[&p]));
    assert!(m.contains("short.eam:121: expected") && m.contains("end of file"), "{m}");
    // A word where a number belongs, on line 10.
    let mut bad: Vec<String> = lines.iter().map(|s| s.to_string()).collect();
    bad[9] = bad[9].replacen(|c: char| c.is_ascii_digit(), "x", 1);
    let p = temp_file(&dir, "word.eam", &bad.join("\n"));
    let m = message(Eam::from_funcfl_files(&[&p]));
    assert!(m.contains("word.eam:10: expected a number (F(rho))"), "{m}");
    // Grid line with a missing value.
    let mut bad: Vec<String> = lines.iter().map(|s| s.to_string()).collect();
    bad[2] = "500 5.0e-4 500".into();
    let p = temp_file(&dir, "grid.eam", &bad.join("\n"));
    let m = message(Eam::from_funcfl_files(&[&p]));
    assert!(m.contains("grid.eam:3: expected 'Nrho drho Nr dr cutoff'"), "{m}");
}

#[test]
fn setfl_errors_name_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let good = std::fs::read_to_string(fixture("CuNi.eam.alloy")).unwrap();
    let mut lines: Vec<String> = good.lines().map(str::to_string).collect();
    lines[3] = "  3 Ni Cu".into();
    let p = temp_file(&dir, "count.eam.alloy", &lines.join("\n"));
    let m = message(Eam::from_setfl_file(&p, None));
    assert!(m.contains("count.eam.alloy:4: expected 3 element names, found 2"), "{m}");
    let m = message(Eam::from_setfl_file(&fixture("CuNi.eam.alloy"), Some(&["Al".to_string()])));
    assert!(m.contains("element 'Al' is not in the file"), "{m}");
    let m = message(Eam::from_setfl_file(&dir.path().join("missing.eam.alloy"), None));
    assert!(m.contains("missing.eam.alloy: cannot read"), "{m}");
}

#[test]
fn tersoff_errors_name_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let p = temp_file(&dir, "short.tersoff", "# comment\nSi Si Si 3.0 1.0 1.3258 4.8381 2.0417 0.0 22.956\n");
    let m = message(Tersoff::from_file(&p, &["Si".into()]));
    assert!(m.contains("short.tersoff:2: expected 17 values per entry"), "{m}");
    let p = temp_file(
        &dir,
        "word.tersoff",
        "Si Si Si 3.0 1.0 1.3258 4.8381 2.0417 0.0 22.956\n  0.33675 1.3258 95.373 three 0.2 3.2394 3264.7\n",
    );
    let m = message(Tersoff::from_file(&p, &["Si".into()]));
    assert!(m.contains("word.tersoff:2: expected a number for R, found 'three'"), "{m}");
    let p = temp_file(&dir, "neg.tersoff", "Si Si Si 3.0 1.0 1.3258 4.8381 2.0417 0.0 22.956 0.33675 1.3258 95.373 3.0 4.2 3.2394 3264.7\n");
    let m = message(Tersoff::from_file(&p, &["Si".into()]));
    assert!(m.contains("neg.tersoff:1: expected valid Tersoff parameters"), "{m}");
    let m = message(Tersoff::from_file(&fixture("Si.tersoff"), &["Si".into(), "C".into()]));
    assert!(m.contains("missing entry for Si Si C"), "{m}");
}

#[test]
fn sw_errors_name_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let si = ["Si".to_string()];
    let entry = "Si Si Si 2.1683 2.0951 1.80 21.0 1.20 -0.333333333333\n  7.049556277 0.6022245584 4.0 0.0 0.0\n";
    let p = temp_file(&dir, "short.sw", "# comment\nSi Si Si 2.1683 2.0951 1.80 21.0 1.20 -0.333333333333\n  7.049556277\n");
    let m = message(StillingerWeber::from_file(&p, &si));
    assert!(m.contains("short.sw:3: expected 14 values per entry") && m.contains("found 10 at end of file"), "{m}");
    let p = temp_file(&dir, "long.sw", "Si Si Si 2.1683 2.0951 1.80 21.0 1.20 -0.333333333333 7.049556277 0.6022245584 4.0 0.0 0.0 9.9\n");
    let m = message(StillingerWeber::from_file(&p, &si));
    assert!(m.contains("long.sw:1: expected 14 values per entry") && m.contains("found 15"), "{m}");
    let p = temp_file(&dir, "word.sw", &entry.replace("0.6022245584", "B"));
    let m = message(StillingerWeber::from_file(&p, &si));
    assert!(m.contains("word.sw:2: expected a number for B, found 'B'"), "{m}");
    let p = temp_file(&dir, "neg.sw", &entry.replace("21.0", "-21.0"));
    let m = message(StillingerWeber::from_file(&p, &si));
    assert!(m.contains("neg.sw:1: expected valid Stillinger-Weber parameters"), "{m}");
    let p = temp_file(&dir, "dup.sw", &format!("{entry}# again\n{entry}"));
    let m = message(StillingerWeber::from_file(&p, &si));
    assert!(m.contains("dup.sw:4: duplicate entry Si Si Si (first at line 1)"), "{m}");
    let m = message(StillingerWeber::from_file(&fixture("Si.sw"), &["Si".into(), "Ge".into()]));
    assert!(m.contains("missing entry for Si Si Ge"), "{m}");
    // Entries whose LAMMPS result would depend on atom ids or neighbour order.
    let text = std::fs::read_to_string(fixture("SiGe_test.sw")).unwrap();
    let p = temp_file(&dir, "pair.sw", &text.replace("Ge Si Si 2.05 2.138", "Ge Si Si 2.05 2.139"));
    let m = message(StillingerWeber::from_file(&p, &["Si".into(), "Ge".into()]));
    assert!(m.contains("pair.sw:10: expected the two-body parameters") && m.contains("of Si Ge Ge to equal those of Ge Si Si (line 11)"), "{m}");
    let p = temp_file(&dir, "triple.sw", &text.replace("Ge Ge Si 2.00 0.0 0.0 28.0 0.0 -0.35", "Ge Ge Si 2.00 0.0 0.0 28.0 0.0 -0.36"));
    let m = message(StillingerWeber::from_file(&p, &["Si".into(), "Ge".into()]));
    assert!(m.contains("triple.sw:14: expected lambda*epsilon and costheta0 of Ge Si Ge to equal those of Ge Ge Si (line 15;"), "{m}");
    let p = temp_file(&dir, "lambda.sw", &text.replace("Ge Ge Si 2.00 0.0 0.0 28.0", "Ge Ge Si 2.00 0.0 0.0 28.001"));
    let m = message(StillingerWeber::from_file(&p, &["Si".into(), "Ge".into()]));
    assert!(m.contains("lambda.sw:14: expected lambda*epsilon"), "{m}");
    // λε differing by rounding only (as in CdTeZnSeHgS0.sw) is accepted.
    let p = temp_file(&dir, "rounded.sw", &text.replace("Ge Ge Si 2.00 0.0 0.0 28.0", "Ge Ge Si 2.00 0.0 0.0 28.00001"));
    assert!(StillingerWeber::from_file(&p, &["Si".into(), "Ge".into()]).is_ok());
}

#[test]
fn spec_errors() {
    std::env::set_var("ATOMFAB_POTENTIALS", fixture(""));
    let cases = [
        ("lj", "expected STYLE:ARGS"),
        ("lj:epsilon=1,sigma=1", "missing key 'cutoff'"),
        ("lj:epsilon=1,sigma=x,cutoff=2", "sigma: expected a number, found 'x'"),
        ("lj:epsilon=1,sigma=1,cutoff=2,radius=3", "unknown key 'radius'"),
        ("morse:d0=1,alpha=1,r0=1,cutoff=2,shift=maybe", "shift: expected true or false"),
        ("edip:Si.edip:Si", "unknown style 'edip'"),
        ("sw:Si.sw", "expected sw:FILE:EL1"),
        ("sw:Si.sw:Si:zblcut=1", "ZBL keys need sw/zbl"),
        ("sw:Si.sw:C", "missing entry for C C C"),
        ("sw/zbl:Si.sw:Si", "missing key 'zblcut'"),
        ("sw/zbl:Si.sw:Si:zblcut=0.95", "missing key 'zblexpscale'"),
        ("sw/zbl:Si.sw:Si:zblcut=0.95,zblexpscale=x", "zblexpscale: expected a number, found 'x'"),
        ("sw/zbl:Si.sw:Si:zblcut=0.95,scale=14", "unknown key 'scale' for sw/zbl"),
        ("sw/zbl:Si.sw:Si:zblcut=-1,zblexpscale=14", "zblcut must be a positive number of Å"),
        ("tersoff:Si.tersoff", "expected tersoff:FILE:EL1"),
        ("tersoff:nothere.tersoff:Si", "potential file 'nothere.tersoff' not found"),
        ("hybrid:tersoff:Si.tersoff:Si;tersoff:SiC.tersoff:C", "species pair Si-C is not handled by any part"),
        ("hybrid:tersoff:Si.tersoff:Si@Si-C", "part 'tersoff' only knows species Si"),
        ("hybrid:lj:epsilon=1,sigma=1,cutoff=2@Si", "expected a species pair like Si-C"),
        ("zbl:inner=3,outer=4", "zbl needs its elements"),
        ("zbl:inner=3:Si", "missing key 'outer'"),
        ("zbl:inner=4,outer=3:Si", "outer must be larger than inner"),
        ("zbl:inner=3,outer=4,cut=2:Si", "unknown key 'cut' for zbl"),
        ("zbl:inner=3,outer=4:Xx", "'Xx' is not an element symbol"),
        ("tersoff/zbl:SiC.tersoff.zbl", "expected tersoff/zbl:FILE:EL1"),
        ("tersoff/zbl:SiC.tersoff:Si", "expected 21 values per entry"),
    ];
    for (spec, expected) in cases {
        let m = message(from_spec(spec));
        assert!(m.contains(expected), "{spec}: {m}");
    }
}
