//! Lattice kinetic Monte Carlo for atomic-layer deposition (ALD), atomic-layer etching (ALE),
//! area-selective deposition and trench conformality.
//!
//! * [`KmcConfig`] is the `[kmc]` recipe section: lattice, species, a recipe-defined reaction
//!   network (`[[kmc.events]]` with Arrhenius, Hertz–Knudsen, pressure or ion-yield rates, steric
//!   neighbour conditions, pair events for diffusion) and the cycle of timed phases.
//! * [`Model::compile`] validates it (errors name the recipe key) and builds the lattice.
//! * [`engine::Engine`] is the rejection-free BKL engine (see its module docs for the algorithm).
//! * [`run`] drives all cycles and writes `summary.json`, `cycles.csv`, `coverage.csv` and the final
//!   surface (`height_map.txt` or `trench_profile.csv`); [`run_with_figures`] also returns the data of
//!   the plots ([`output::Figure`]) for the report layer to draw.
//!
//! Units: Å, s, Pa, eV, K, amu; film thickness in Å, growth per cycle in Å/cycle.

pub mod config;
pub mod engine;
pub mod error;
pub mod lattice;
pub mod output;
pub mod rates;
pub mod sim;

use std::path::Path;

pub use config::{KmcConfig, Model};
pub use error::{KmcError, Result};
pub use output::Summary;
pub use sim::{simulate, simulate_with, Progress, SimResult};

/// Validate `config`, run all cycles from `seed` and write the outputs into `out_dir`.
/// `progress` is called after every cycle.
pub fn run(config: &KmcConfig, out_dir: &Path, seed: u64, progress: &mut dyn FnMut(Progress)) -> Result<Summary> {
    run_with_figures(config, out_dir, seed, progress).map(|(summary, _)| summary)
}

/// As [`run`], also returning the data of the run's plots.
pub fn run_with_figures(config: &KmcConfig, out_dir: &Path, seed: u64, progress: &mut dyn FnMut(Progress)) -> Result<(Summary, Vec<output::Figure>)> {
    let model = Model::compile(config)?;
    let res = simulate(&model, seed, progress)?;
    let summary = output::summarize(&model, &res);
    output::write_outputs(&model, &res, &summary, out_dir)?;
    Ok((summary, output::figures(&model, &res)))
}

/// The Al₂O₃ TMA/H₂O recipe shipped in `examples/ald_al2o3.toml` (used by the benchmark).
pub const AL2O3_RECIPE: &str = include_str!("../../../examples/ald_al2o3.toml");

/// Result of [`bench`].
#[derive(Debug, Clone, serde::Serialize)]
pub struct BenchReport {
    pub sites: usize,
    pub cycles: u32,
    pub events: u64,
    pub wall_time_s: f64,
    /// Events per second of wall-clock time.
    pub events_per_second: f64,
    /// CPU time of the simulating thread (Linux schedstat; absent elsewhere). On a shared machine
    /// this is the fairer figure: waiting for a core is not counted.
    pub cpu_time_s: Option<f64>,
    pub events_per_cpu_second: Option<f64>,
    pub gpc_angstrom_per_cycle: f64,
    /// Engine memory per site (bytes): site records, heights, neighbour table and slot lists.
    pub bytes_per_site: f64,
}

/// Time the engine on the Al₂O₃ recipe on an `n × n` lattice for `cycles` cycles (one thread).
pub fn bench(n: usize, cycles: u32, seed: u64) -> Result<BenchReport> {
    let mut cfg = KmcConfig::from_recipe_str(AL2O3_RECIPE, "examples/ald_al2o3.toml")?;
    cfg.lattice.nx = n;
    cfg.lattice.ny = n;
    cfg.cycle.count = cycles;
    cfg.output.samples_per_phase = 0;
    let model = Model::compile(&cfg)?;
    let cpu0 = thread_cpu_time_s();
    let res = simulate(&model, seed, &mut |_| {})?;
    let cpu = match (cpu0, thread_cpu_time_s()) {
        (Some(a), Some(b)) if b > a => Some(b - a),
        _ => None,
    };
    let lat = &model.lattice;
    Ok(BenchReport {
        sites: lat.n_sites(),
        cycles,
        events: res.events,
        wall_time_s: res.wall_time_s,
        events_per_second: res.events as f64 / res.wall_time_s.max(1e-12),
        cpu_time_s: cpu,
        events_per_cpu_second: cpu.map(|c| res.events as f64 / c),
        gpc_angstrom_per_cycle: res.gpc_angstrom_per_cycle(),
        bytes_per_site: res.engine_bytes as f64 / lat.n_sites() as f64,
    })
}

/// CPU time (s) the calling thread has run, from /proc/thread-self/schedstat (Linux only).
fn thread_cpu_time_s() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: f64 = s.split_whitespace().next()?.parse().ok()?;
    Some(ns * 1e-9)
}
