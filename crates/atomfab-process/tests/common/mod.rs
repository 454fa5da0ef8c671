//! Recipes and helpers shared by the process test files.
// each test file compiles this module on its own and uses only part of it
#![allow(dead_code)]

use atomfab_process::{run, ProcessConfig, ProcessSummary};
use std::path::Path;

/// CI-sized Si(001) orthogonal cut: 4.4 × 2.2 × 2.5 nm workpiece, 0° rake diamond tool with a 0.3 nm edge
/// radius, 0.5 nm deep at 1000 m/s over 2.2 nm (the cut of tests/fixtures/si_cut_lammps/ci_cut.toml).
pub const SI_CUT: &str = r#"
kind = "nanocutting"
material = "Si"
temperature = 300
spec = ["Sq <= 0.5 nm", "damage_depth <= 2 nm"]
[workpiece]
size_nm = [4.4, 2.2, 2.5]
fixed_nm = 0.3
thermostat_nm = 0.5
[tool]
rake_deg = 0
clearance_deg = 10
edge_radius_nm = 0.3
size_nm = [1.5, 2.5]
[cut]
depth_nm = 0.5
speed_m_per_s = 1000
length_nm = 2.2
start_gap_nm = 0.2
[output]
thermo_every = 20
checkpoint_every = 0
pixel_nm = 0.1
"#;

/// CI-sized depth-controlled Cu scratch: a spherical indenter (R = 0.8 nm) 0.35 nm deep, 2 nm along −x at
/// 1000 m/s, on a 4.8 × 3.3 × 2.0 nm workpiece.
pub const CU_SCRATCH: &str = r#"
kind = "scratching"
material = "Cu"
temperature = 300
spec = ["groove_depth >= 0.05 nm", "Sq <= 1 nm"]
[workpiece]
size_nm = [4.8, 3.3, 2.0]
fixed_nm = 0.3
thermostat_nm = 0.4
[indenter]
shape = "sphere"
radius_nm = 0.8
[scratch]
depth_nm = 0.35
speed_m_per_s = 1000
length_nm = 2.0
[output]
thermo_every = 20
checkpoint_every = 0
"#;

/// `base` with each `(from, to)` applied once, in order; a `from` missing from the text fails the test
/// (a variant that silently equals its base would test nothing new).
pub fn edit(base: &str, changes: &[(&str, &str)]) -> String {
    changes.iter().fold(base.to_string(), |text, (from, to)| {
        let edited = text.replacen(from, to, 1);
        assert_ne!(edited, text, "{from}");
        edited
    })
}

pub fn config(text: &str) -> ProcessConfig {
    toml::from_str(text).unwrap()
}

/// Runs the recipe `text` with `seed` into `dir` (the text is also the report's recipe echo).
pub fn run_recipe(dir: &Path, text: &str, seed: u64) -> ProcessSummary {
    run(&config(text), seed, text, dir, false, &mut |_| {}).unwrap()
}

/// One column of a CSV file's text (e.g. thermo.csv), by its header name.
pub fn column(csv: &str, name: &str) -> Vec<f64> {
    let mut lines = csv.lines();
    let k = lines.next().unwrap().split(',').position(|h| h == name).unwrap_or_else(|| panic!("column {name}"));
    lines.map(|l| l.split(',').nth(k).unwrap().parse().unwrap()).collect()
}
