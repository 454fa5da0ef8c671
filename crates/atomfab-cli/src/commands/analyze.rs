//! `atomfab analyze FRAME [--structure cna|diamond] [--json]`: structure identification of an atomistic
//! frame (adaptive or fixed-cutoff CNA, identify-diamond, as OVITO), per-structure counts and fractions,
//! subsurface damage depth and amorphous-layer thickness below the top surface, and the per-depth profile.

use super::convert::{format_arg, read_options};
use anyhow::{bail, Context, Result};
use atomfab_core::{Property, PropertyValues};
use atomfab_structure::cna::{cna_on_grid, CnaMode, CnaType};
use atomfab_structure::coordination::coordination_on_grid;
use atomfab_structure::diamond::{diamond_on_grid, DiamondType};
use atomfab_structure::{damage_profile, DamageOptions, NeighborGrid, SurfaceMode};
use clap::{Args, ValueEnum};
use std::path::PathBuf;

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StructureMethod {
    /// Adaptive common neighbour analysis: FCC, HCP, BCC, ICO, Other.
    Cna,
    /// Identify diamond structure: cubic / hexagonal diamond and their 1st / 2nd neighbours.
    Diamond,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SurfaceArg {
    Local,
    Mean,
}

#[derive(Args)]
pub struct AnalyzeArgs {
    /// Structure file (extxyz, LAMMPS data or dump; the first frame).
    pub frame: PathBuf,
    #[arg(long, value_enum, default_value = "cna")]
    pub structure: StructureMethod,
    /// Fixed CNA cutoff (Å) instead of the adaptive one (CNA only).
    #[arg(long, allow_negative_numbers = true)]
    pub cutoff: Option<f64>,
    #[arg(long)]
    pub format: Option<String>,
    /// Elements of LAMMPS atom types 1, 2, ... (comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub types: Vec<String>,
    /// Outward surface normal: x, y, z, -x, -y, -z or three comma-separated components.
    #[arg(long, default_value = "z", allow_hyphen_values = true)]
    pub normal: String,
    /// Depth bin width (Å).
    #[arg(long, default_value_t = 2.0, allow_negative_numbers = true)]
    pub bin: f64,
    /// Lateral column size (Å) for locating the top surface.
    #[arg(long, default_value_t = 5.0, allow_negative_numbers = true)]
    pub column: f64,
    /// Depth from each column's top atom (local) or from the mean top plane (mean).
    #[arg(long, value_enum, default_value = "local")]
    pub surface: SurfaceArg,
    /// A depth bin is damaged when its non-crystalline fraction exceeds this.
    #[arg(long, default_value_t = 0.1, allow_negative_numbers = true)]
    pub damage_threshold: f64,
    /// A depth bin is amorphous when its non-crystalline fraction is at least this.
    #[arg(long, default_value_t = 0.5, allow_negative_numbers = true)]
    pub amorphous_threshold: f64,
    /// Also report coordination numbers within this cutoff (Å).
    #[arg(long, allow_negative_numbers = true)]
    pub coordination: Option<f64>,
    /// Print the per-depth profile table (always included in --json).
    #[arg(long)]
    pub profile: bool,
    /// Write the frame with a per-atom `structure_type` column (OVITO type ids) to this file.
    #[arg(long)]
    pub write: Option<PathBuf>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

fn parse_normal(s: &str) -> Result<[f64; 3]> {
    let v = match s.trim() {
        "x" | "+x" => [1.0, 0.0, 0.0],
        "y" | "+y" => [0.0, 1.0, 0.0],
        "z" | "+z" => [0.0, 0.0, 1.0],
        "-x" => [-1.0, 0.0, 0.0],
        "-y" => [0.0, -1.0, 0.0],
        "-z" => [0.0, 0.0, -1.0],
        other => {
            let parts: Vec<&str> = other.split(',').map(str::trim).collect();
            let nums: Vec<f64> = parts.iter().filter_map(|p| p.parse::<f64>().ok()).collect();
            if parts.len() != 3 || nums.len() != 3 || nums.iter().any(|x| !x.is_finite()) || nums.iter().all(|&x| x == 0.0) {
                bail!("--normal: expected x, y, z, -x, -y, -z or three comma-separated numbers, found '{other}'");
            }
            [nums[0], nums[1], nums[2]]
        }
    };
    Ok(v)
}

pub fn run(args: AnalyzeArgs) -> Result<()> {
    let normal = parse_normal(&args.normal)?;
    if args.cutoff.is_some() && args.structure != StructureMethod::Cna {
        bail!("--cutoff applies to --structure cna only");
    }
    if let Some(rc) = args.cutoff {
        if !(rc > 0.0 && rc.is_finite()) {
            bail!("--cutoff: expected a positive length in Å, found {rc}");
        }
    }
    if let Some(rc) = args.coordination {
        if !(rc > 0.0 && rc.is_finite()) {
            bail!("--coordination: expected a positive length in Å, found {rc}");
        }
    }
    let mut system = atomfab_io::read_structure(&args.frame, format_arg(args.format.as_deref())?, &read_options(&args.types))
        .with_context(|| format!("reading {}", args.frame.display()))?;
    if system.is_empty() {
        bail!("{}: the frame has no atoms", args.frame.display());
    }
    let start = std::time::Instant::now();
    let grid = NeighborGrid::new(&system.cell, &system.positions).with_context(|| args.frame.display().to_string())?;
    // (type id, name, key, crystalline) per structure type, and per-atom ids.
    let (ids, table, method): (Vec<u8>, Vec<(u8, &str, &str, bool)>, String) = match args.structure {
        StructureMethod::Cna => {
            let mode = match args.cutoff {
                Some(rc) => CnaMode::Fixed { cutoff_angstrom: rc },
                None => CnaMode::Adaptive,
            };
            let t = cna_on_grid(&grid, mode);
            let keys = ["other", "fcc", "hcp", "bcc", "ico"];
            let table = CnaType::ALL.iter().map(|&c| (c as u8, c.name(), keys[c as usize], c.is_crystalline())).collect();
            let method = match args.cutoff {
                Some(rc) => format!("cna (fixed cutoff {rc} Å)"),
                None => "a-cna (adaptive)".to_string(),
            };
            (t.iter().map(|&c| c as u8).collect(), table, method)
        }
        StructureMethod::Diamond => {
            let t = diamond_on_grid(&grid);
            let table = DiamondType::ALL.iter().map(|&d| (d as u8, d.name(), d.key(), d.is_crystalline())).collect();
            (t.iter().map(|&d| d as u8).collect(), table, "identify-diamond".to_string())
        }
    };
    let coordination = args.coordination.map(|rc| (rc, coordination_on_grid(&grid, rc)));
    let elapsed = start.elapsed().as_secs_f64();
    let crystalline: Vec<bool> = table.iter().map(|t| t.3).collect();
    let options = DamageOptions {
        normal,
        bin_angstrom: args.bin,
        column_angstrom: args.column,
        surface: match args.surface {
            SurfaceArg::Local => SurfaceMode::Local,
            SurfaceArg::Mean => SurfaceMode::Mean,
        },
        damage_threshold: args.damage_threshold,
        amorphous_threshold: args.amorphous_threshold,
    };
    let damage = damage_profile(&system.positions, &ids, table.len(), |t| crystalline[t as usize], &options)?;
    let n = system.len();
    let mut counts = vec![0usize; table.len()];
    for &t in &ids {
        counts[t as usize] += 1;
    }
    if let Some(out) = &args.write {
        system.properties.retain(|p| p.name != "structure_type");
        system.properties.push(Property {
            name: "structure_type".into(),
            components: 1,
            values: PropertyValues::Int(ids.iter().map(|&t| t as i64).collect()),
        });
        atomfab_io::write_structure(out, &system, None).with_context(|| format!("writing {}", out.display()))?;
    }
    if args.json {
        let structures: serde_json::Map<String, serde_json::Value> = table
            .iter()
            .map(|&(id, name, key, cryst)| {
                let c = counts[id as usize];
                (key.to_string(), serde_json::json!({"id": id, "name": name, "count": c, "fraction": c as f64 / n as f64, "crystalline": cryst}))
            })
            .collect();
        let coord = coordination.as_ref().map(|(rc, c)| {
            let max = c.iter().copied().max().unwrap_or(0) as usize;
            let mut hist = vec![0usize; max + 1];
            for &x in c {
                hist[x as usize] += 1;
            }
            serde_json::json!({"cutoff_angstrom": rc, "mean": c.iter().map(|&x| x as f64).sum::<f64>() / n as f64, "histogram": hist})
        });
        let v = serde_json::json!({
            "file": args.frame.display().to_string(),
            "atoms": n,
            "method": method,
            "structures": structures,
            "crystalline_fraction": crystalline_fraction(&counts, &crystalline, n),
            "coordination": coord,
            "surface_normal": normal,
            "damage_depth_angstrom": damage.damage_depth_angstrom,
            "amorphous_thickness_angstrom": damage.amorphous_thickness_angstrom,
            "damage": damage,
            "analysis_seconds": elapsed,
        });
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(());
    }
    println!("file      {}", args.frame.display());
    println!("atoms     {n}");
    println!("method    {method} ({elapsed:.3} s)");
    for &(id, name, _, _) in &table {
        let c = counts[id as usize];
        println!("  {:<34} {:>10}  {:>7.3} %", name, c, 100.0 * c as f64 / n as f64);
    }
    println!("crystalline fraction {:.4}", crystalline_fraction(&counts, &crystalline, n));
    if let Some((rc, c)) = &coordination {
        println!("mean coordination (r ≤ {rc} Å) {:.4}", c.iter().map(|&x| x as f64).sum::<f64>() / n as f64);
    }
    println!(
        "surface   normal {:?}, {} surface, mean top {:.3} Å, {} columns of {} Å",
        normal,
        if options.surface == SurfaceMode::Local { "local" } else { "mean" },
        damage.mean_surface_height_angstrom,
        damage.columns,
        args.column
    );
    println!(
        "damage depth          {:.3} Å  (first {} Å bin from the top with non-crystalline fraction ≤ {})",
        damage.damage_depth_angstrom, args.bin, args.damage_threshold
    );
    println!(
        "amorphous thickness   {:.3} Å  (bins above it with non-crystalline fraction ≥ {})",
        damage.amorphous_thickness_angstrom, args.amorphous_threshold
    );
    if args.profile {
        println!("{:>10} {:>10} {:>8} {:>10}", "depth_top", "depth_bot", "atoms", "non_cryst");
        for b in &damage.profile {
            println!("{:>10.3} {:>10.3} {:>8} {:>10.4}", b.depth_top_angstrom, b.depth_bottom_angstrom, b.atoms, b.non_crystalline_fraction);
        }
    }
    Ok(())
}

fn crystalline_fraction(counts: &[usize], crystalline: &[bool], n: usize) -> f64 {
    counts.iter().zip(crystalline).filter(|(_, &c)| c).map(|(&k, _)| k).sum::<usize>() as f64 / n as f64
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BenchMethod {
    /// Adaptive CNA.
    Cna,
    /// Fixed-cutoff CNA (--cutoff, default 0.854 a for the built fcc crystal).
    CnaFixed,
    Diamond,
}

#[derive(Args)]
pub struct StructureBench {
    /// Analyse this file instead of a built crystal (timing excludes reading it).
    #[arg(long)]
    pub file: Option<PathBuf>,
    /// Conventional cells per edge of the built crystal (fcc Cu, or diamond Si for --method diamond);
    /// 63 gives 1,000,188 fcc atoms.
    #[arg(long, default_value_t = 63)]
    pub cells: usize,
    /// Gaussian thermal noise on the built crystal (Å).
    #[arg(long, default_value_t = 0.1)]
    pub noise: f64,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    #[arg(long, value_enum, default_value = "cna")]
    pub method: BenchMethod,
    /// Cutoff (Å) for --method cna-fixed.
    #[arg(long)]
    pub cutoff: Option<f64>,
    #[arg(long, default_value_t = 3)]
    pub repeats: usize,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Elements of LAMMPS atom types 1, 2, ... (comma-separated), for --file.
    #[arg(long, value_delimiter = ',')]
    pub types: Vec<String>,
}

/// `atomfab bench structure`: best-of-N wall time of one full analysis (grid build + classification).
pub fn bench(b: StructureBench) -> Result<()> {
    use atomfab_core::{LatticeKind, LatticeSpec, UnitSystem};
    anyhow::ensure!(b.repeats >= 1, "--repeats must be ≥ 1");
    anyhow::ensure!((1..=2000).contains(&b.cells), "--cells must be in 1..=2000");
    let pool = super::bench::rayon_pool(b.threads)?;
    let (system, default_cutoff) = match &b.file {
        Some(path) => (atomfab_io::read_structure(path, None, &read_options(&b.types))?, None),
        None => {
            let (kind, a, el) =
                if b.method == BenchMethod::Diamond { (LatticeKind::Diamond, 5.431, "Si") } else { (LatticeKind::Fcc, 3.615, "Cu") };
            let mut s = LatticeSpec::new(kind, a, &[el]).build([b.cells; 3], UnitSystem::Metal)?;
            atomfab_structure::synthetic::add_thermal_noise(&mut s.positions, b.noise, b.seed);
            (s, Some(0.854 * a))
        }
    };
    let mode = match b.method {
        BenchMethod::CnaFixed => {
            let rc = b.cutoff.or(default_cutoff).context("--method cna-fixed on a file needs --cutoff")?;
            Some(CnaMode::Fixed { cutoff_angstrom: rc })
        }
        BenchMethod::Cna => Some(CnaMode::Adaptive),
        BenchMethod::Diamond => None,
    };
    let mut best = f64::INFINITY;
    let mut best_cpu = f64::INFINITY;
    let mut counts: Vec<usize> = Vec::new();
    pool.install(|| -> Result<()> {
        for _ in 0..b.repeats {
            let (t0, c0) = (std::time::Instant::now(), process_cpu_seconds());
            let grid = NeighborGrid::new(&system.cell, &system.positions)?;
            counts = match mode {
                Some(m) => atomfab_structure::cna::counts(&cna_on_grid(&grid, m)).to_vec(),
                None => atomfab_structure::diamond::counts(&diamond_on_grid(&grid)).to_vec(),
            };
            best = best.min(t0.elapsed().as_secs_f64());
            best_cpu = best_cpu.min(process_cpu_seconds() - c0);
        }
        Ok(())
    })?;
    let method = match b.method {
        BenchMethod::Cna => "a-cna",
        BenchMethod::CnaFixed => "cna-fixed",
        BenchMethod::Diamond => "diamond",
    };
    println!(
        "structure: {method}, {} atoms, {} threads, best of {}: {:.4} s, {:.3e} atoms/s, cpu {:.3} s, counts {:?}",
        system.len(),
        pool.current_num_threads(),
        b.repeats,
        best,
        system.len() as f64 / best,
        best_cpu,
        counts
    );
    Ok(())
}

/// CPU time (user + system) of this process in seconds, from /proc/self/stat (10 ms ticks; NaN where
/// unavailable). On a shared machine it measures the work better than wall time.
fn process_cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else { return f64::NAN };
    let fields: Vec<&str> = stat.rsplit_once(')').map(|x| x.1).unwrap_or("").split_whitespace().collect();
    let tick = |k: usize| fields.get(k).and_then(|x| x.parse::<f64>().ok()).unwrap_or(f64::NAN);
    (tick(11) + tick(12)) / 100.0
}
