//! `atomfab convert IN OUT [--from F] [--to F] [--types Si,C]`

use anyhow::{Context, Result};
use atomfab_io::{Format, ReadOptions};
use clap::Args;
use std::path::PathBuf;

#[derive(Args)]
pub struct ConvertArgs {
    pub input: PathBuf,
    pub output: PathBuf,
    /// Input format (extxyz, lammps-data, lammps-dump); default from the extension.
    #[arg(long)]
    pub from: Option<String>,
    /// Output format; default from the extension.
    #[arg(long)]
    pub to: Option<String>,
    /// Elements of LAMMPS atom types 1, 2, ... (comma-separated), e.g. --types Si,C.
    #[arg(long, value_delimiter = ',')]
    pub types: Vec<String>,
}

pub fn format_arg(name: Option<&str>) -> Result<Option<Format>> {
    name.map(|n| Format::from_name(n).with_context(|| format!("unknown format '{n}': expected extxyz, lammps-data or lammps-dump")))
        .transpose()
}

pub fn read_options(types: &[String]) -> ReadOptions {
    ReadOptions {
        species_map: types.iter().enumerate().map(|(k, s)| (k as u32 + 1, s.clone())).collect(),
        ..Default::default()
    }
}

pub fn run(args: ConvertArgs) -> Result<()> {
    let from = format_arg(args.from.as_deref())?;
    let to = format_arg(args.to.as_deref())?;
    let system = atomfab_io::read_structure(&args.input, from, &read_options(&args.types))?;
    atomfab_io::write_structure(&args.output, &system, to)?;
    eprintln!("atomfab: {} atoms {} → {}", system.len(), args.input.display(), args.output.display());
    Ok(())
}
