//! `atomfab run [RECIPE.toml] [--out DIR] [--set key=value]...`

use crate::recipe::{self, Recipe};
use anyhow::{Context, Result};
use clap::Args;
use std::path::{Path, PathBuf};

#[derive(Args)]
pub struct RunArgs {
    /// Recipe file (TOML). Without it the embedded default recipe runs.
    pub recipe: Option<PathBuf>,
    /// Output folder (created if missing).
    #[arg(long, default_value = "out")]
    pub out: PathBuf,
    /// Override a recipe key, e.g. --set seed=7 --set system.build.repeats=[4,4,4]. Repeatable.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub overrides: Vec<String>,
    /// Run once per value, e.g. --sweep kmc.cycle.phases.0.duration_s=0.01,0.1 (numeric path parts
    /// index arrays); writes OUT/sweep_<k>/ per value, OUT/sweep.csv and OUT/sweep_report.html.
    #[arg(long, value_name = "KEY=V1,V2,...")]
    pub sweep: Option<String>,
    /// Continue the run whose output folder is DIR from its MD checkpoint (bit-identical to not stopping).
    #[arg(long, value_name = "DIR")]
    pub resume: Option<PathBuf>,
}

pub fn run(mut args: RunArgs) -> Result<()> {
    if let Some(dir) = args.resume.clone() {
        args.out = dir;
    }
    if let Some(spec) = args.sweep.clone() {
        return super::sweep::run(args, &spec);
    }
    let (text, source) = recipe::load_text(args.recipe.as_deref())?;
    let text = recipe::apply_overrides(&text, &source, &args.overrides)?;
    let recipe: Recipe = recipe::parse_toml(&text, &source)?;
    if recipe.version != 1 {
        anyhow::bail!("{source}: version = {}: this atomfab reads recipe version 1", recipe.version);
    }
    let base = args.recipe.as_deref().and_then(Path::parent).unwrap_or(Path::new("."));
    std::fs::create_dir_all(&args.out).with_context(|| format!("{}: cannot create output folder", args.out.display()))?;

    let mut summary = serde_json::Map::new();
    summary.insert("title".into(), recipe.title.clone().unwrap_or_default().into());
    summary.insert("seed".into(), recipe.seed.into());
    summary.insert("units".into(), recipe.units.name().into());

    let mut md_system: Option<atomfab_core::System> = None;
    if let Some(section) = &recipe.system {
        let system = section.make_system(recipe.units, base).with_context(|| source.clone())?;
        system.validate().with_context(|| format!("{source}: [system]"))?;
        eprintln!(
            "atomfab: system of {} atoms, cell {:.4?} Å, pbc {:?}",
            system.len(),
            system.cell.lengths(),
            system.cell.pbc()
        );
        let mut written = Vec::new();
        for file in &recipe.output.structure {
            let path = args.out.join(file);
            atomfab_io::write_structure(&path, &system, None).with_context(|| format!("writing {}", path.display()))?;
            eprintln!("atomfab: wrote {}", path.display());
            written.push(serde_json::Value::from(path.display().to_string()));
        }
        summary.insert("atoms".into(), system.len().into());
        let species: serde_json::Map<String, serde_json::Value> = system
            .species
            .iter()
            .zip(system.species_counts())
            .map(|(s, n)| (s.name.clone(), n.into()))
            .collect();
        summary.insert("species".into(), species.into());
        summary.insert("cell_vectors_angstrom".into(), serde_json::to_value(system.cell.vectors())?);
        summary.insert("pbc".into(), serde_json::to_value(system.cell.pbc())?);
        summary.insert("structure_files".into(), written.into());
        md_system = Some(system);
    }

    if let Some(kmc) = &recipe.kmc {
        summary.extend(super::kmc::run_recipe(kmc, &args.out, recipe.seed, recipe.title.as_deref().unwrap_or(""), &text, &source)?);
    }

    if let Some(process) = &recipe.process {
        summary.extend(super::process::run_recipe(process, recipe.seed, &text, &args.out, args.resume.is_some(), &source)?);
    }

    if let Some(md) = &recipe.md {
        summary.extend(super::md::run_recipe(md, md_system.take(), recipe.units, &args.out, base, args.resume.is_some(), &source)?);
    } else if args.resume.is_some() && recipe.process.is_none() {
        anyhow::bail!("{source}: --resume needs an [md] or [process] section with a checkpoint");
    }

    let summary_path = args.out.join("summary.json");
    let body = serde_json::to_string_pretty(&serde_json::Value::Object(summary))?;
    atomfab_core::fsutil::write_atomic(&summary_path, |w| std::io::Write::write_all(w, body.as_bytes()))
        .with_context(|| format!("writing {}", summary_path.display()))?;
    eprintln!("atomfab: wrote {}", summary_path.display());
    Ok(())
}
