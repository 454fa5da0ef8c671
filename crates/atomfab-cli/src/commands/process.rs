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
    // The bar starts at the first report, which carries the step count of the run the process built.
    let mut bar: Option<crate::progress::Progress> = None;
    let summary = atomfab_process::run(cfg, seed, recipe_text, out, resume, &mut |p| {
        bar.get_or_insert_with(|| crate::progress::Progress::new("process md steps", p.total_steps)).set(p.step)
    })
    .with_context(|| source.to_string())?;
    if let Some(bar) = &mut bar {
        bar.finish();
    }
    eprintln!(
        "atomfab: {:?} of {:?}: {} workpiece + {} tool atoms, {} steps",
        cfg.kind, cfg.material, summary.workpiece_atoms, summary.tool_atoms, summary.steps
    );
    eprintln!(
        "atomfab: {}, Sq {:.4} nm, damage depth {} — {}",
        summary.headline,
        summary.surface.height.Sq * 1e9,
        atomfab_process::damage_figure(summary.damage.damage_depth_nm, &summary.damage.damage_depth_is),
        if summary.grades.is_empty() { "no spec" } else if summary.pass { "PASS" } else { "FAIL" }
    );
    eprintln!("atomfab: report {}", out.join("report.html").display());
    match serde_json::to_value(&summary)? {
        serde_json::Value::Object(m) => Ok(m),
        _ => unreachable!("a struct serialises to an object"),
    }
}
