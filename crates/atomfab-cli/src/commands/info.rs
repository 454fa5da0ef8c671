//! `atomfab info FILE [--json]`: atoms, species counts, cell, density.

use super::convert::{format_arg, read_options};
use anyhow::Result;
use atomfab_core::cell::{dot, norm};
use clap::Args;
use std::path::PathBuf;

#[derive(Args)]
pub struct InfoArgs {
    pub file: PathBuf,
    #[arg(long)]
    pub format: Option<String>,
    /// Elements of LAMMPS atom types 1, 2, ... (comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub types: Vec<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: InfoArgs) -> Result<()> {
    let system = atomfab_io::read_structure(&args.file, format_arg(args.format.as_deref())?, &read_options(&args.types))?;
    let cell = &system.cell;
    let [a, b, c] = *cell.vectors();
    let angle = |u, v| (dot(u, v) / (norm(u) * norm(v))).clamp(-1.0, 1.0).acos().to_degrees();
    let angles = [angle(b, c), angle(a, c), angle(a, b)];
    let counts = system.species_counts();
    let has_masses = system.species.iter().all(|s| s.element.is_some() || s.mass > 0.0);
    let density = (system.units == atomfab_core::UnitSystem::Metal && has_masses).then(|| system.density_g_per_cm3());
    if args.json {
        let species: serde_json::Map<String, serde_json::Value> =
            system.species.iter().zip(&counts).map(|(s, n)| (s.name.clone(), (*n).into())).collect();
        let v = serde_json::json!({
            "file": args.file.display().to_string(),
            "atoms": system.len(),
            "species": species,
            "cell_vectors_angstrom": cell.vectors(),
            "cell_origin_angstrom": cell.origin(),
            "cell_lengths_angstrom": cell.lengths(),
            "cell_angles_degree": angles,
            "pbc": cell.pbc(),
            "volume_angstrom3": cell.volume(),
            "density_g_per_cm3": density,
            "units": system.units.name(),
        });
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(());
    }
    println!("file      {}", args.file.display());
    println!("atoms     {}", system.len());
    for (s, n) in system.species.iter().zip(&counts) {
        println!("  {:<6} {:>10}  (mass {} amu)", s.name, n, s.mass);
    }
    println!("cell a    {:>12.6} {:>12.6} {:>12.6} Å", a[0], a[1], a[2]);
    println!("cell b    {:>12.6} {:>12.6} {:>12.6} Å", b[0], b[1], b[2]);
    println!("cell c    {:>12.6} {:>12.6} {:>12.6} Å", c[0], c[1], c[2]);
    println!("lengths   {:.6?} Å, angles {:.4?}°", cell.lengths(), angles);
    println!("pbc       {:?}", cell.pbc());
    println!("volume    {:.6} Å³", cell.volume());
    if let Some(d) = density {
        println!("density   {d:.6} g/cm³");
    }
    Ok(())
}
