//! `atomfab`: one tool from a TOML recipe to the atomistic result and its atomic-level evaluation.
//!
//! Exit codes: 0 success, 2 any error (bad input, unreadable file, failed run); errors print one line.

mod commands;
mod progress;
mod recipe;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "atomfab", version, about = "Atomic-level manufacturing workbench: simulate, then measure.")]
struct Cli {
    #[command(subcommand)]
    command: Commands,
}

#[derive(Subcommand)]
enum Commands {
    /// Run a recipe (TOML); with no recipe, the embedded default.
    Run(commands::run::RunArgs),
    /// Convert a structure file between extxyz, LAMMPS data and LAMMPS dump.
    Convert(commands::convert::ConvertArgs),
    /// Summarise a structure file: atoms, species, cell, density.
    Info(commands::info::InfoArgs),
    /// Energy, forces and virial of a structure with a potential, as JSON (metal units).
    Forces(commands::forces::ForcesArgs),
    /// Benchmarks (timesteps/s, events/s, ...), compared against reference tools by scripts in bench/.
    Bench(commands::bench::BenchArgs),
    /// Structure identification (CNA / identify-diamond as OVITO), damage depth, amorphous thickness.
    Analyze(commands::analyze::AnalyzeArgs),
    /// Global minimum of an N-atom cluster (basin hopping / cut-and-splice GA), with point group.
    Cluster(commands::cluster::ClusterArgs),
    /// Height-map metrology: ISO 25178 / ISO 21920 parameters, PSD, AFM tip, terraces, spec grade.
    Surface(commands::surface::SurfaceArgs),
}

fn main() {
    let cli = Cli::parse();
    let result = match cli.command {
        Commands::Run(args) => commands::run::run(args),
        Commands::Convert(args) => commands::convert::run(args),
        Commands::Info(args) => commands::info::run(args),
        Commands::Forces(args) => commands::forces::run(args),
        Commands::Bench(args) => commands::bench::run(args),
        Commands::Analyze(args) => commands::analyze::run(args),
        Commands::Cluster(args) => commands::cluster::run(args),
        Commands::Surface(args) => commands::surface::run(args),
    };
    if let Err(err) = result {
        eprintln!("atomfab: error: {err:#}");
        std::process::exit(2);
    }
}
