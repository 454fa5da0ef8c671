//! The `[process]` recipe section: an atomic-scale removal process run end to end, with its report.

use anyhow::{Context, Result};
use std::path::Path;

/// Runs (or, with `resume`, continues from the checkpoint in `out`) a process; returns the summary fields.
pub fn run_recipe(
    cfg: &atomfab_process::ProcessConfig,
    seed: u64,
    recipe_text: &str,
    out: &Path,
    resume: bool,
    source: &str,
) -> Result<serde_json::Map<String, serde_json::Value>> {
    let (_, setup, _) = atomfab_process::nanocut::build(cfg).with_context(|| source.to_string())?;
    eprintln!(
        "atomfab: {:?} of {:?}: {} workpiece + {} tool atoms, {} steps",
        cfg.kind, cfg.material, setup.workpiece_atoms, setup.tool_atoms, setup.steps
    );
    let mut bar = crate::progress::Progress::new("process md steps", setup.steps);
    let summary = atomfab_process::run(cfg, seed, recipe_text, out, resume, &mut |p| bar.set(p.step))
        .with_context(|| source.to_string())?;
    bar.finish();
    eprintln!(
        "atomfab: cutting force {:.2} nN, thrust {:.2} nN, chip {} atoms, Sq {:.4} nm, damage depth {:.2} nm — {}",
        summary.removal.mean_cutting_force_nn,
        summary.removal.mean_thrust_force_nn,
        summary.removal.chip_atoms,
        summary.surface.height.Sq * 1e9,
        summary.damage.damage_depth_nm,
        if summary.grades.is_empty() { "no spec" } else if summary.pass { "PASS" } else { "FAIL" }
    );
    eprintln!("atomfab: report {}", out.join("report.html").display());
    match serde_json::to_value(&summary)? {
        serde_json::Value::Object(m) => Ok(m),
        _ => unreachable!("a struct serialises to an object"),
    }
}
