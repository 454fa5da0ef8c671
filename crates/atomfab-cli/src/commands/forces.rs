//! `atomfab forces STRUCTURE --potential SPEC [--species 1=Si,2=C] [--units metal|lj] [--per-atom]`:
//! energy, forces and virial of one structure as JSON, atom order as in the file.

use anyhow::{bail, Context, Result};
use atomfab_core::{NeighborList, UnitSystem};
use atomfab_io::ReadOptions;
use atomfab_potentials::{species_indices, Output, Request};
use clap::Args;
use std::path::PathBuf;

#[derive(Args)]
pub struct ForcesArgs {
    /// Structure file (extxyz, LAMMPS data or LAMMPS dump; the first frame).
    pub structure: PathBuf,
    /// Potential spec, e.g. `lj:epsilon=1,sigma=1,cutoff=2.5`, `eam/alloy:Cu_mishin1.eam.alloy:Cu`,
    /// `tersoff:SiC.tersoff:Si,C` or `hybrid:PART;PART` (see atomfab-potentials' spec module).
    #[arg(long)]
    pub potential: String,
    /// Elements of LAMMPS atom types, e.g. `1=Si,2=C`.
    #[arg(long)]
    pub species: Option<String>,
    /// Units of LAMMPS files: metal (default) or lj (types are then named 1, 2, ...).
    #[arg(long, default_value = "metal")]
    pub units: String,
    /// Also print per-atom energies (`per_atom_energy`).
    #[arg(long)]
    pub per_atom: bool,
}

fn parse_species(text: &str) -> Result<Vec<(u32, String)>> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|item| {
            let (t, name) = item
                .split_once('=')
                .with_context(|| format!("--species: expected TYPE=ELEMENT like 1=Si, found '{item}'"))?;
            let t: u32 = t.trim().parse().with_context(|| format!("--species: expected an atom type number, found '{t}'"))?;
            Ok((t, name.trim().to_string()))
        })
        .collect()
}

pub fn run(args: ForcesArgs) -> Result<()> {
    let units = match args.units.as_str() {
        "metal" => UnitSystem::Metal,
        "lj" => UnitSystem::Lj,
        other => bail!("--units: expected metal or lj, found '{other}'"),
    };
    let species_map = match &args.species {
        Some(s) => parse_species(s)?,
        None => Vec::new(),
    };
    let options = ReadOptions { species_map, units, ..Default::default() };
    let mut system = atomfab_io::read_structure(&args.structure, None, &options)?;
    let mut potential = atomfab_potentials::from_spec(&args.potential)?;
    let names: Vec<&str> = system.species.iter().map(|s| s.name.as_str()).collect();
    let map = species_indices(potential.as_ref(), &names)?;
    let species: Vec<u32> = system.species_index.iter().map(|&s| map[s as usize]).collect();
    system.wrap_positions();
    let list = NeighborList::build(&system.cell, &system.positions, potential.cutoff(), 0.0, potential.list_kind())?;
    let mut forces = vec![[0.0; 3]; system.len()];
    let mut out = Output::default();
    let request = Request { per_atom_energy: args.per_atom, virial: true };
    potential.compute(&list, &species, &mut forces, request, &mut out);
    let mut json = serde_json::json!({
        "energy": out.energy,
        "forces": forces,
        "virial": out.virial,
        "units": system.units.name(),
    });
    if args.per_atom {
        json["per_atom_energy"] = serde_json::json!(out.per_atom_energy);
    }
    println!("{}", serde_json::to_string(&json)?);
    Ok(())
}
