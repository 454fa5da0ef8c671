//! The `[kmc]` recipe section in `atomfab run`, `atomfab run --sweep`, and `atomfab bench kmc`.

use anyhow::{bail, Context, Result};
use clap::Args;
use std::fmt::Write as _;
use std::path::Path;

use super::run::RunArgs;

/// Runs the lattice kMC of a recipe into `out`; returns the summary fields for summary.json.
pub fn run_recipe(cfg: &atomfab_kmc::KmcConfig, out: &Path, seed: u64, source: &str) -> Result<serde_json::Map<String, serde_json::Value>> {
    let mut bar = crate::progress::Progress::new("kmc cycles", cfg.cycle.count as u64);
    let summary = atomfab_kmc::run(cfg, out, seed, &mut |p| bar.set(p.cycle as u64)).with_context(|| source.to_string())?;
    bar.finish();
    eprintln!(
        "atomfab: kmc {} cycles, GPC {:.4} Å/cycle, {} events ({:.3e} events/s)",
        summary.cycles, summary.gpc_angstrom_per_cycle, summary.events, summary.events_per_second
    );
    match serde_json::to_value(&summary)? {
        serde_json::Value::Object(m) => Ok(m),
        _ => unreachable!("Summary serialises to an object"),
    }
}

/// `atomfab run RECIPE --sweep key=v1,v2,...`: one run per value into `OUT/sweep_<k>/`, then
/// `OUT/sweep.csv` (every numeric summary field per value), `OUT/summary.json` and `OUT/sweep.svg`.
pub fn sweep(args: RunArgs, spec: &str) -> Result<()> {
    let (key, values) = spec.split_once('=').with_context(|| format!("--sweep '{spec}': expected key=v1,v2,..."))?;
    let key = key.trim();
    let values: Vec<&str> = values.split(',').map(str::trim).filter(|v| !v.is_empty()).collect();
    if key.is_empty() || values.is_empty() {
        bail!("--sweep '{spec}': expected key=v1,v2,... with at least one value");
    }
    std::fs::create_dir_all(&args.out).with_context(|| format!("{}: cannot create output folder", args.out.display()))?;
    let mut rows: Vec<(String, serde_json::Map<String, serde_json::Value>)> = Vec::new();
    for (k, v) in values.iter().enumerate() {
        let dir = args.out.join(format!("sweep_{k}"));
        eprintln!("atomfab: sweep {key} = {v} -> {}", dir.display());
        let mut overrides = args.overrides.clone();
        overrides.push(format!("{key}={v}"));
        let one = RunArgs { recipe: args.recipe.clone(), out: dir.clone(), overrides, sweep: None, resume: None };
        super::run::run(one).with_context(|| format!("--sweep {key} = {v}"))?;
        let text = std::fs::read_to_string(dir.join("summary.json")).with_context(|| format!("{}: summary.json", dir.display()))?;
        let map = match serde_json::from_str(&text)? {
            serde_json::Value::Object(m) => m,
            _ => bail!("{}: summary.json is not an object", dir.display()),
        };
        rows.push((v.to_string(), map));
    }
    // Nested figures (e.g. a process's removal.mean_cutting_force_nn) become dotted columns too.
    let flat: Vec<serde_json::Map<String, serde_json::Value>> = rows.iter().map(|(_, m)| flatten(m)).collect();
    // Numeric top-level fields present in every run, in the order of the first summary.
    let cols: Vec<String> = flat[0]
        .iter()
        .filter(|(name, val)| val.is_number() && flat.iter().all(|r| r.get(*name).is_some_and(|x| x.is_number())))
        .map(|(name, _)| name.clone())
        .collect();
    let mut csv = format!("{key},run_dir");
    for c in &cols {
        let _ = write!(csv, ",{c}");
    }
    csv.push('\n');
    for (k, ((v, _), m)) in rows.iter().zip(&flat).enumerate() {
        let _ = write!(csv, "{v},sweep_{k}");
        for c in &cols {
            let _ = write!(csv, ",{}", m[c]);
        }
        csv.push('\n');
    }
    atomfab_kmc::output::write_atomic(&args.out.join("sweep.csv"), &csv)?;
    let summary = serde_json::json!({
        "sweep_key": key,
        "values": values,
        "runs": rows.iter().enumerate().map(|(k, (v, m))| serde_json::json!({"value": v, "dir": format!("sweep_{k}"), "summary": m})).collect::<Vec<_>>(),
    });
    atomfab_kmc::output::write_atomic(&args.out.join("summary.json"), &(serde_json::to_string_pretty(&summary)? + "\n"))?;
    // Plot the main figures of merit against the swept value when the values are numbers.
    let xs: Option<Vec<f64>> = values.iter().map(|v| v.parse::<f64>().ok()).collect();
    if let Some(xs) = xs {
        let series: Vec<(String, Vec<(f64, f64)>)> =
            ["gpc_angstrom_per_cycle", "epc_angstrom_per_cycle", "step_coverage", "selectivity"]
                .iter()
                .filter(|c| cols.iter().any(|x| x == *c))
                .map(|c| (c.to_string(), xs.iter().zip(&flat).map(|(&x, r)| (x, r[*c].as_f64().unwrap_or(f64::NAN))).collect()))
                .collect();
        if !series.is_empty() {
            let svg = atomfab_kmc::output::line_plot(&format!("Sweep of {key}"), key, "value", &series);
            atomfab_kmc::output::write_atomic(&args.out.join("sweep.svg"), &svg)?;
        }
    }
    eprintln!("atomfab: wrote {}", args.out.join("sweep.csv").display());
    Ok(())
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

/// Object fields of a summary flattened to dotted names (arrays stay as they are).
fn flatten(map: &serde_json::Map<String, serde_json::Value>) -> serde_json::Map<String, serde_json::Value> {
    fn walk(prefix: &str, map: &serde_json::Map<String, serde_json::Value>, out: &mut serde_json::Map<String, serde_json::Value>) {
        for (k, v) in map {
            let name = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
            match v {
                serde_json::Value::Object(m) => walk(&name, m, out),
                other => {
                    out.insert(name, other.clone());
                }
            }
        }
    }
    let mut out = serde_json::Map::new();
    walk("", map, &mut out);
    out
}
