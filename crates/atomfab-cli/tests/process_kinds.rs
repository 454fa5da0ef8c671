//! `atomfab run` with the scratching and polishing process kinds: a small scratch end to end, the
//! shipped example recipes parse and pass every check, and bad recipes exit 2 naming the key before
//! any simulation starts.

use std::path::Path;
use std::process::{Command, Output};

fn atomfab(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_atomfab")).args(args).current_dir(cwd).output().expect("atomfab runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const SCRATCH: &str = r#"
version = 1
seed = 5
[process]
kind = "scratching"
material = "Cu"
[process.workpiece]
size_nm = [5.0, 3.3, 2.0]
fixed_nm = 0.3
thermostat_nm = 0.4
[process.indenter]
shape = "cone"
half_angle_deg = 45
radius_nm = 0.4
height_nm = 0.8
[process.scratch]
load_nn = 8
load_ramp_ps = 1.0
speed_m_per_s = 1000
length_nm = 2.0
[process.output]
thermo_every = 20
checkpoint_every = 0
"#;

#[test]
fn small_cone_scratch_under_load_writes_summary_and_report() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("s.toml"), SCRATCH).unwrap();
    let out = atomfab(&["run", "s.toml", "--out", "o"], dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("friction"), "{}", stderr(&out));
    let o = dir.path().join("o");
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(o.join("summary.json")).unwrap()).unwrap();
    assert_eq!(v["kind"], "scratching");
    assert_eq!(v["scratch"]["control"], "load");
    let fz = v["scratch"]["mean_normal_force_nn"].as_f64().unwrap();
    assert!((fz - 8.0).abs() < 3.0, "load control carries the 8 nN load: {fz}");
    assert!(v["scratch"]["friction_coefficient"].as_f64().unwrap() > 0.0);
    assert!(v["surface"]["height"]["Sq"].as_f64().is_some() || v["surface"]["Sq"].as_f64().is_some(), "{}", v["surface"]);
    assert!(o.join("report.html").is_file() && o.join("machined_surface.gwy").is_file());
}

/// Every shipped scratching/polishing example passes the recipe checks (the full runs take minutes:
/// `atomfab run examples/<name>.toml`).
#[test]
fn example_recipes_are_valid() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    for name in ["scratching_si", "scratching_cu", "polishing_si", "polishing_cu"] {
        let text = std::fs::read_to_string(root.join(format!("examples/{name}.toml"))).unwrap();
        let recipe: toml::Value = toml::from_str(&text).unwrap();
        let cfg: atomfab_process::ProcessConfig = recipe["process"].clone().try_into().unwrap_or_else(|e| panic!("{name}: {e}"));
        atomfab_process::validate(&cfg).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

#[test]
fn bad_scratch_and_polish_recipes_exit_2_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let polish = SCRATCH
        .replace("kind = \"scratching\"", "kind = \"polishing\"")
        .replace("[process.indenter]\nshape = \"cone\"\nhalf_angle_deg = 45\nradius_nm = 0.4\nheight_nm = 0.8", "[process.abrasive]\nradius_nm = 0.6")
        .replace("[process.scratch]", "[process.polish]")
        .replace("length_nm = 2.0\n", "");
    let cases = [
        (SCRATCH.replace("load_nn = 8", "load_nn = 8\ndepth_nm = 0.3"), "scratch.load_nn"),
        (SCRATCH.replace("load_nn = 8", "load_nn = 0"), "scratch.load_nn"),
        (SCRATCH.replace("speed_m_per_s = 1000", "speed_m_per_s = 0"), "scratch.speed_m_per_s"),
        (SCRATCH.replace("load_nn = 8", "depth_nm = 1.9"), "scratch.depth_nm"),
        (SCRATCH.replace("radius_nm = 0.4\nheight_nm = 0.8", "radius_nm = 0.4\nheight_nm = 4.0"), "indenter.radius_nm"),
        (polish.replace("radius_nm = 0.6", "radius_nm = 2.5"), "abrasive.radius_nm"),
        (polish.replace("load_nn = 8", "load_nn = -1"), "polish.load_nn"),
    ];
    for (k, (text, key)) in cases.iter().enumerate() {
        let name = format!("bad{k}.toml");
        std::fs::write(dir.path().join(&name), text).unwrap();
        let out = atomfab(&["run", &name, "--out", "o"], dir.path());
        assert_eq!(out.status.code(), Some(2), "{key}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains(key) && !err.contains("process md steps"), "{key}: {err}");
        assert!(!dir.path().join("o/thermo.csv").exists(), "{key}: no simulation ran");
    }
}
