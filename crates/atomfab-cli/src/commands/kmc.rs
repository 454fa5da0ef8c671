//! The `[kmc]` recipe section in `atomfab run` (the engine's files, its plots drawn here, report.html)
//! and `atomfab bench kmc`.

use anyhow::{Context, Result};
use atomfab_report::{Block, Plot, Report, Series};
use clap::Args;
use std::path::Path;

/// Runs the lattice kMC of a recipe into `out`: the engine's data files, one SVG per plot and
/// `report.html`; returns the summary fields for summary.json.
pub fn run_recipe(cfg: &atomfab_kmc::KmcConfig, out: &Path, seed: u64, title: &str, recipe_text: &str, source: &str) -> Result<serde_json::Map<String, serde_json::Value>> {
    let mut bar = crate::progress::Progress::new("kmc cycles", cfg.cycle.count as u64);
    let (summary, figures) =
        atomfab_kmc::run_with_figures(cfg, out, seed, &mut |p| bar.set(p.cycle as u64)).with_context(|| source.to_string())?;
    bar.finish();
    eprintln!(
        "atomfab: kmc {} cycles, GPC {:.4} Å/cycle, {} events ({:.3e} events/s)",
        summary.cycles, summary.gpc_angstrom_per_cycle, summary.events, summary.events_per_second
    );
    let plots: Vec<Plot> = figures
        .iter()
        .map(|f| Plot {
            title: f.title.clone(),
            x_label: f.x_label.clone(),
            y_label: f.y_label.clone(),
            series: f.series.iter().map(|(name, points)| Series { name: name.clone(), points: points.clone() }).collect(),
            ..Default::default()
        })
        .collect();
    for (f, p) in figures.iter().zip(&plots) {
        let path = out.join(format!("{}.svg", f.file_stem));
        let svg = p.to_svg(760, 420);
        atomfab_core::fsutil::write_atomic(&path, |w| std::io::Write::write_all(w, svg.as_bytes()))
            .with_context(|| format!("writing {}", path.display()))?;
    }
    let page = report(&summary, plots, out, title, recipe_text);
    atomfab_report::write_html(&out.join("report.html"), &page).with_context(|| format!("writing {}", out.join("report.html").display()))?;
    eprintln!("atomfab: report {}", out.join("report.html").display());
    match serde_json::to_value(&summary)? {
        serde_json::Value::Object(m) => Ok(m),
        _ => unreachable!("Summary serialises to an object"),
    }
}

/// The kMC run's report: key figures, plots, the final height map (2-D lattices), the recipe.
fn report(s: &atomfab_kmc::Summary, plots: Vec<Plot>, out: &Path, title: &str, recipe_text: &str) -> Report {
    let mut r = Report::new(if title.is_empty() { "kMC run" } else { title }, &format!("lattice kinetic Monte Carlo, seed {}", s.seed));
    let mut kv = vec![
        ("cycles".to_string(), s.cycles.to_string()),
        ("GPC (mean over all cycles)".to_string(), format!("{:.4} Å/cycle", s.gpc_angstrom_per_cycle)),
        ("GPC (second half, steady state)".to_string(), format!("{:.4} Å/cycle", s.gpc_steady_angstrom_per_cycle)),
        ("EPC".to_string(), format!("{:.4} Å/cycle", s.epc_angstrom_per_cycle)),
        ("film thickness".to_string(), format!("{:.4} Å", s.thickness_angstrom)),
        ("RMS roughness".to_string(), format!("{:.4} Å", s.roughness_rms_angstrom)),
    ];
    kv.extend(s.coverage.iter().map(|(sp, c)| (format!("final coverage {sp}"), format!("{c:.4}"))));
    if let Some(x) = s.selectivity {
        kv.push(("selectivity".into(), format!("{x:.4}")));
    }
    if let Some(x) = s.step_coverage {
        kv.push(("step coverage (bottom / field)".into(), format!("{x:.4}")));
    }
    kv.push(("events".into(), format!("{} in {} s simulated ({:.3e} events/s wall)", s.events, atomfab_report::compare::format_value(s.simulated_time_s), s.events_per_second)));
    kv.push(("sites".into(), s.sites.to_string()));
    r.section("Summary", vec![Block::KeyValues(kv)]);
    if s.regions.len() > 1 {
        let rows = s
            .regions
            .iter()
            .map(|(name, g)| vec![name.clone(), g.sites.to_string(), format!("{:.4}", g.thickness_angstrom), format!("{:.4}", g.gpc_angstrom_per_cycle)])
            .collect();
        r.section(
            "Regions",
            vec![Block::Table { header: vec!["region".into(), "sites".into(), "thickness (Å)".into(), "GPC (Å/cycle)".into()], rows }],
        );
    }
    r.section("Plots", plots.into_iter().map(Block::Plot).collect());
    if let Some((nx, ny, z)) = read_height_map(&out.join("height_map.txt")) {
        let (lo, hi) = z.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
        r.section(
            "Final surface",
            vec![Block::Png {
                caption: format!("height map {nx} × {ny} sites (height_map.txt): dark = {lo:.2} Å, yellow = {hi:.2} Å"),
                data: atomfab_report::height_map_png(nx, ny, &z),
            }],
        );
    }
    r.section("Recipe", vec![Block::Code(recipe_text.to_string())]);
    r
}

/// The engine's height_map.txt (comment lines, then rows y = 0.. of nx values) as (nx, ny, z) with row 0
/// at the bottom; `None` when absent (trench runs) or unreadable.
fn read_height_map(path: &Path) -> Option<(usize, usize, Vec<f64>)> {
    let text = std::fs::read_to_string(path).ok()?;
    let rows: Vec<Vec<f64>> = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| l.split_whitespace().map(|x| x.parse().ok()).collect::<Option<Vec<f64>>>())
        .collect::<Option<_>>()?;
    let nx = rows.first()?.len();
    (nx > 0 && rows.iter().all(|r| r.len() == nx)).then(|| (nx, rows.len(), rows.concat()))
}

#[derive(Args)]
pub struct BenchKmcArgs {
    /// Lattice edge (sites); the Al2O3 TMA/H2O recipe runs on size × size sites.
    #[arg(long, default_value_t = 256)]
    pub size: usize,
    /// ALD cycles to run.
    #[arg(long, default_value_t = 100)]
    pub cycles: u32,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `atomfab bench kmc`: events per second of the BKL engine on the Al2O3 recipe (one thread).
pub fn bench(b: BenchKmcArgs) -> Result<()> {
    let r = atomfab_kmc::bench(b.size, b.cycles, b.seed)?;
    if b.json {
        println!("{}", serde_json::to_string_pretty(&r)?);
    } else {
        println!(
            "kmc: Al2O3 TMA/H2O on {}x{} sites, {} cycles, {} events in {:.3} s: {:.3e} events/s (wall), {} (thread CPU time); GPC {:.4} Å/cycle; engine memory {:.0} bytes/site",
            b.size,
            b.size,
            r.cycles,
            r.events,
            r.wall_time_s,
            r.events_per_second,
            r.events_per_cpu_second.map_or("n/a".to_string(), |x| format!("{x:.3e} events/s")),
            r.gpc_angstrom_per_cycle,
            r.bytes_per_site
        );
    }
    Ok(())
}
