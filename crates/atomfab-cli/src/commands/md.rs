//! The `[md]` recipe section (`atomfab run`, `--resume DIR`) and `atomfab bench md`.

use anyhow::{Context, Result};
use atomfab_core::System;
use clap::Args;
use std::path::Path;

/// Runs (or resumes from `out`'s checkpoint) the `[md]` section. `system`: the recipe's `[system]`, used
/// when `[md]` names neither a structure nor a lattice. Relative structure paths are taken from `base`.
pub fn run_recipe(
    cfg: &atomfab_md::MdConfig,
    system: Option<System>,
    units: atomfab_core::UnitSystem,
    out: &Path,
    base: &Path,
    resume: bool,
    source: &str,
) -> Result<serde_json::Map<String, serde_json::Value>> {
    let mut cfg = cfg.clone();
    // `[md] units` defaults to the recipe's top-level `units`.
    cfg.units = cfg.units.or(Some(units));
    if let Some(p) = &cfg.structure {
        if p.is_relative() {
            cfg.structure = Some(base.join(p));
        }
    }
    let mut bar = crate::progress::Progress::new("md steps", cfg.steps);
    let summary = atomfab_md::run_md_with(&cfg, system, out, resume, &mut |p| bar.set(p.step))
        .with_context(|| format!("{source}: [md]"))?;
    bar.finish();
    let t = summary.final_thermo;
    eprintln!(
        "atomfab: md {} atoms, {} steps to step {} ({:.1} timesteps/s, {:.3e} atom-steps/s); T = {:.4}, Etotal = {:.8e}",
        summary.atoms, summary.steps_run, summary.final_step, summary.timesteps_per_second, summary.atom_steps_per_second,
        t.temperature, t.total_energy
    );
    let mut m = serde_json::Map::new();
    m.insert("md_atoms".into(), summary.atoms.into());
    m.insert("md_steps_run".into(), summary.steps_run.into());
    m.insert("md_final_step".into(), summary.final_step.into());
    m.insert("md_timesteps_per_second".into(), summary.timesteps_per_second.into());
    m.insert("md_atom_steps_per_second".into(), summary.atom_steps_per_second.into());
    m.insert("md_neighbor_builds".into(), summary.neighbor_builds.into());
    m.insert("md_final_temperature".into(), t.temperature.into());
    m.insert("md_final_potential_energy".into(), t.potential_energy.into());
    m.insert("md_final_total_energy".into(), t.total_energy.into());
    m.insert("md_final_conserved_energy".into(), t.conserved_energy.into());
    m.insert(
        "md_files".into(),
        summary.files.iter().map(|f| serde_json::Value::from(f.display().to_string())).collect::<Vec<_>>().into(),
    );
    Ok(m)
}

#[derive(Args)]
pub struct BenchMdArgs {
    /// lj (LJ melt, fcc ρ*=0.8442), tersoff-si (diamond Si, Si.tersoff) or eam-cu (fcc Cu, Cu_u3.eam).
    #[arg(long, default_value = "lj")]
    pub case: String,
    /// Approximate atom count (default: 32000 for lj and eam-cu, 32768 for tersoff-si, as LAMMPS' benchmarks).
    #[arg(long)]
    pub atoms: Option<usize>,
    #[arg(long, default_value_t = 100)]
    pub steps: u64,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
}

/// `atomfab bench md`: prints timesteps/s and atom-steps/s (one line of text, then one JSON line).
pub fn bench(b: BenchMdArgs) -> Result<()> {
    let case = atomfab_md::bench::BenchCase::from_name(&b.case)
        .with_context(|| format!("--case '{}': expected lj, tersoff-si or eam-cu", b.case))?;
    let r = atomfab_md::bench::run_bench(case, b.atoms, b.steps, b.threads)?;
    println!(
        "md {}: {} atoms, {} steps, {} threads: {:.3} s loop, {:.2} timesteps/s, {:.4e} atom-steps/s, peak memory {} per atom",
        b.case,
        r.atoms,
        r.steps,
        r.threads,
        r.loop_seconds,
        r.timesteps_per_second,
        r.atom_steps_per_second,
        r.peak_bytes_per_atom.map_or("n/a".to_string(), |m| format!("{m:.0} B"))
    );
    println!(
        "  time: forces {:.3} s, neighbour lists {:.3} s, integration + fixes {:.3} s",
        r.timing.pair, r.timing.neigh, r.timing.other
    );
    println!(
        "{}",
        serde_json::json!({
            "case": b.case, "atoms": r.atoms, "steps": r.steps, "threads": r.threads,
            "loop_seconds": r.loop_seconds, "timesteps_per_second": r.timesteps_per_second,
            "atom_steps_per_second": r.atom_steps_per_second, "peak_bytes_per_atom": r.peak_bytes_per_atom,
            "final_temperature": r.final_temperature, "final_total_energy": r.final_total_energy,
            "pair_seconds": r.timing.pair, "neigh_seconds": r.timing.neigh, "other_seconds": r.timing.other,
            "cpu_seconds": r.cpu_seconds,
        })
    );
    Ok(())
}
