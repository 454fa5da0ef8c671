//! `atomfab run` with an `[md]` section: a run stopped half-way and continued with `--resume DIR` ends with
//! the same files as an uninterrupted run; bad input exits 2 with a one-line error.

use std::process::Command;

const RECIPE: &str = r#"
title = "LJ slab, tool dragged through it"
units = "lj"
[md]
lattice = { kind = "fcc", density = 0.8442, species = ["Ar"], repeats = [4, 4, 5], pbc = [true, true, false] }
potential = "lj:epsilon=1,sigma=1,cutoff=2.5"
dt = 0.005
steps = 200
velocity = { temperature = 0.3, seed = 7 }
groups = [ { name = "base", region = { shape = "block", lo = [-inf, -inf, -inf], hi = [inf, inf, 1.5] } },
           { name = "tool", region = { shape = "block", lo = [-inf, -inf, 6.5], hi = [inf, inf, inf] } } ]
fixes = [ { kind = "fixed", group = "base" }, { kind = "move", group = "tool", velocity = [0.3, 0, -0.05] } ]
thermo = { every = 20, group_forces = ["tool"] }
dumps = [ { every = 100, file = "traj.xyz" } ]
checkpoint = { every = 100 }
threads = 2
"#;

fn atomfab(args: &[&str], dir: &std::path::Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_atomfab")).args(args).current_dir(dir).output().unwrap()
}

#[test]
fn run_then_resume_equals_one_run() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("r.toml"), RECIPE).unwrap();
    let full = atomfab(&["run", "r.toml", "--out", "full"], dir.path());
    assert!(full.status.success(), "{}", String::from_utf8_lossy(&full.stderr));
    let half = atomfab(&["run", "r.toml", "--set", "md.steps=100", "--out", "part"], dir.path());
    assert!(half.status.success(), "{}", String::from_utf8_lossy(&half.stderr));
    let resumed = atomfab(&["run", "r.toml", "--resume", "part"], dir.path());
    assert!(resumed.status.success(), "{}", String::from_utf8_lossy(&resumed.stderr));
    for f in ["thermo.csv", "traj.xyz", "checkpoint.bin"] {
        let a = std::fs::read(dir.path().join("full").join(f)).unwrap();
        let b = std::fs::read(dir.path().join("part").join(f)).unwrap();
        assert!(a == b, "{f} differs");
    }
    let summary = std::fs::read_to_string(dir.path().join("part/summary.json")).unwrap();
    assert!(summary.contains("\"md_final_step\": 200"), "{summary}");
}

#[test]
fn bad_md_input_exits_2_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("r.toml"), RECIPE.replace("dt = 0.005", "dt = 0.005\nbogus = 1")).unwrap();
    let out = atomfab(&["run", "r.toml", "--out", "o"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bogus") && err.lines().count() == 1, "{err}");
    std::fs::write(dir.path().join("r.toml"), RECIPE.replace("\"tool\", velocity", "\"nope\", velocity")).unwrap();
    let out = atomfab(&["run", "r.toml", "--out", "o"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown group 'nope'"));
}
