//! `cargo run --release -p atomfab-kmc --example kmc_bench -- [N] [CYCLES]`: the engine benchmark
//! without the CLI (same code path as `atomfab bench kmc`).
//!
//! `... --example kmc_bench -- --recipe FILE [SEED]`: run any recipe's `[kmc]` section (no output
//! files) and print events, thread CPU time and the mean coverage over the second half as JSON (used by
//! `bench/kmc_vs_kmos.sh` for the reference comparison).
use atomfab_kmc::{simulate, KmcConfig, Model};

fn main() {
    let a: Vec<String> = std::env::args().collect();
    let out = if a.get(1).map(String::as_str) == Some("--recipe") {
        let seed = a.get(3).and_then(|s| s.parse().ok()).unwrap_or(1);
        match a.get(2) {
            Some(path) => run_recipe(path, seed),
            None => Err("--recipe needs a file".to_string()),
        }
    } else {
        let n = a.get(1).and_then(|s| s.parse().ok()).unwrap_or(256);
        let cycles = a.get(2).and_then(|s| s.parse().ok()).unwrap_or(50);
        atomfab_kmc::bench(n, cycles, 1)
            .map(|r| serde_json::to_value(&r).expect("report serialises"))
            .map_err(|e| e.to_string())
    };
    match out {
        Ok(v) => println!("{}", serde_json::to_string_pretty(&v).expect("json")),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2)
        }
    }
}

fn run_recipe(path: &str, seed: u64) -> Result<serde_json::Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let cfg = KmcConfig::from_recipe_str(&text, path).map_err(|e| e.to_string())?;
    let model = Model::compile(&cfg).map_err(|e| e.to_string())?;
    let cpu0 = thread_cpu_time_s();
    let res = simulate(&model, seed, &mut |_| {}).map_err(|e| e.to_string())?;
    let cpu = thread_cpu_time_s().zip(cpu0).map(|(b, a)| b - a);
    // Mean coverage of each species over the samples of the second half of the run.
    let half: Vec<_> = res.samples.iter().filter(|s| s.time_s >= 0.5 * res.simulated_time_s).collect();
    let coverage: Vec<f64> = (0..model.species().len())
        .map(|k| half.iter().map(|s| s.counts[k] as f64).sum::<f64>() / (half.len() as f64 * res.surface_sites as f64))
        .collect();
    Ok(serde_json::json!({
        "recipe": path,
        "sites": res.surface_sites,
        "events": res.events,
        "simulated_time_s": res.simulated_time_s,
        "wall_time_s": res.wall_time_s,
        "cpu_time_s": cpu,
        "events_per_cpu_second": cpu.map(|c| res.events as f64 / c),
        "species": model.species(),
        "mean_coverage_second_half": coverage,
        "bytes_per_site": res.engine_bytes as f64 / res.surface_sites as f64,
    }))
}

/// CPU time (s) of the calling thread, from /proc/thread-self/schedstat (Linux only).
fn thread_cpu_time_s() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: f64 = s.split_whitespace().next()?.parse().ok()?;
    Some(ns * 1e-9)
}
