//! `atomfab bench <what>`: performance figures. Comparisons with reference tools run from bench/ scripts.

use anyhow::Result;
use clap::{Args, Subcommand};

#[derive(Args)]
pub struct BenchArgs {
    #[command(subcommand)]
    pub what: BenchWhat,
}

#[derive(Subcommand)]
pub enum BenchWhat {
    /// Neighbour-list build (cell list + Verlet) on an fcc LJ crystal.
    Neighbor(NeighborBench),
    /// Lattice kMC events/s on a 256×256 Al2O3 TMA/H2O lattice (one thread).
    Kmc(super::kmc::BenchKmcArgs),
    /// MD timesteps/s and atom-steps/s: --case lj|tersoff-si|eam-cu [--atoms N] [--steps S] [--threads T].
    Md(super::md::BenchMdArgs),
    /// LJ13/38/55/75 global minima over 10 seeds: median time and evaluations (`--full`: N = 2..150).
    Cluster(super::cluster::BenchClusterArgs),
    /// Structure identification (a-CNA, fixed CNA, identify-diamond) on a noisy crystal or a file.
    Structure(super::analyze::StructureBench),
    /// Height-map metrology: full ISO stats and PSD on a seeded rough map (see bench/surface_vs_surfalize.py).
    Surface(super::surface::SurfaceBench),
}

pub fn run(args: BenchArgs) -> Result<()> {
    match args.what {
        BenchWhat::Neighbor(b) => bench_neighbor(b),
        BenchWhat::Kmc(b) => super::kmc::bench(b),
        BenchWhat::Md(b) => super::md::bench(b),
        BenchWhat::Cluster(b) => super::cluster::bench(b),
        BenchWhat::Structure(b) => super::analyze::bench(b),
        BenchWhat::Surface(b) => super::surface::bench(b),
    }
}

#[derive(Args)]
pub struct NeighborBench {
    /// fcc cells per edge (4 atoms each).
    #[arg(long, default_value_t = 20)]
    pub cells: usize,
    #[arg(long, default_value_t = 10)]
    pub repeats: usize,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
}

fn bench_neighbor(b: NeighborBench) -> Result<()> {
    use atomfab_core::{LatticeKind, LatticeSpec, ListKind, NeighborList, UnitSystem};
    let pool = rayon_pool(b.threads)?;
    // LJ melt density ρ* = 0.8442 → a = (4/ρ)^(1/3) σ.
    let a = (4.0f64 / 0.8442).cbrt();
    let system = LatticeSpec::new(LatticeKind::Fcc, a, &["Ar"]).build([b.cells; 3], UnitSystem::Lj)?;
    let start = std::time::Instant::now();
    let mut pairs = 0;
    pool.install(|| -> Result<()> {
        for _ in 0..b.repeats {
            let list = NeighborList::build(&system.cell, &system.positions, 2.5, 0.3, ListKind::Half)?;
            pairs = list.pair_count();
        }
        Ok(())
    })?;
    let per_build = start.elapsed().as_secs_f64() / b.repeats as f64;
    println!(
        "neighbor: {} atoms, {pairs} half-list pairs, {:.3} ms per build, {:.3e} atoms/s",
        system.len(),
        per_build * 1e3,
        system.len() as f64 / per_build
    );
    Ok(())
}

/// A rayon pool with the requested number of threads (all cores by default).
pub fn rayon_pool(threads: Option<usize>) -> Result<rayon::ThreadPool> {
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(t) = threads {
        anyhow::ensure!(t >= 1, "--threads must be ≥ 1");
        builder = builder.num_threads(t);
    }
    Ok(builder.build()?)
}
