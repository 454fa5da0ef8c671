//! `atomfab cluster`: global minimum of an N-atom cluster (basin hopping or cut-and-splice GA), and
//! `atomfab bench cluster`: time and evaluations to the Cambridge Cluster Database LJ minima.

use anyhow::{Context, Result};
use atomfab_cluster::reference::ccd_lj_energy;
use atomfab_cluster::{run_config, search, ClusterConfig, Method, PotentialSpec, SearchResult, SearchSettings, Target};
use clap::Args;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct ClusterArgs {
    /// Number of atoms (2..=2000); may be left out when --composition is given.
    #[arg(long)]
    pub n: Option<usize>,
    /// lj | lj:epsilon=E,sigma=S | morse:rho=6 | gupta:Au | gupta:A=..,xi=..,p=..,q=..,r0=.. | sutton-chen:12-6,
    /// or a shared potential spec (metal units): eam:Cu_u3.eam | eam/alloy:FILE:EL,.. | tersoff:SiC.tersoff:Si,C | hybrid:..
    #[arg(long, default_value = "lj")]
    pub potential: String,
    /// Composition for multi-species potentials, e.g. Si4C4 (element symbols with counts, in order).
    #[arg(long)]
    pub composition: Option<String>,
    /// basin-hopping (bh) or genetic (ga, cut-and-splice).
    #[arg(long, default_value = "bh")]
    pub method: String,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Threads = independent walkers (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Wall-clock limit in seconds.
    #[arg(long, default_value_t = 60.0)]
    pub time_limit: f64,
    /// Stop at this energy (potential's energy unit), or `ccd` for the Cambridge Cluster Database LJ minimum.
    #[arg(long, allow_hyphen_values = true)]
    pub target: Option<String>,
    /// Budget of energy+gradient evaluations over all walkers.
    #[arg(long)]
    pub max_evaluations: Option<u64>,
    /// Basin-hopping steps (GA offspring) per walker; default 2000 without a target.
    #[arg(long)]
    pub steps: Option<u64>,
    /// Number of distinct lowest minima to keep.
    #[arg(long, default_value_t = 5)]
    pub keep: usize,
    /// Metropolis temperature (energy unit of the potential).
    #[arg(long)]
    pub temperature: Option<f64>,
    /// Only random starts (no icosahedral/decahedral/fcc lattice seeds).
    #[arg(long)]
    pub no_seeding: bool,
    /// Print the result as one JSON object.
    #[arg(long)]
    pub json: bool,
    /// Write the best structure as extended XYZ.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Write the `keep` lowest distinct minima as extended XYZ frames.
    #[arg(long)]
    pub minima_out: Option<PathBuf>,
    /// Chemical symbol for the XYZ files (default X).
    #[arg(long, default_value = "X")]
    pub species: String,
}

pub fn run(a: ClusterArgs) -> Result<()> {
    let cfg = ClusterConfig {
        n: a.n,
        composition: a.composition,
        potential: PotentialSpec::parse(&a.potential)?,
        method: a.method.parse::<Method>()?,
        seed: a.seed,
        threads: a.threads,
        time_limit_s: Some(a.time_limit),
        target: a.target.as_deref().map(str::parse::<Target>).transpose()?,
        max_evaluations: a.max_evaluations,
        steps: a.steps,
        keep: a.keep,
        temperature: a.temperature,
        seeding: !a.no_seeding,
        out: a.out,
        minima_out: a.minima_out,
        species: a.species,
    };
    let r = run_config(&cfg)?;
    if a.json {
        println!("{}", serde_json::to_string(&r)?);
    } else {
        print_human(&r);
    }
    Ok(())
}

fn print_human(r: &SearchResult) {
    println!("cluster: N = {} ({}), potential {}, method {:?}", r.n, r.composition, r.potential, r.method);
    println!("  lowest energy  {:.6} {}   point group {}", r.energy, r.energy_unit, r.point_group);
    if let Some(e) = r.reference_energy {
        println!("  CCD reference  {e:.6} {}   (difference {:+.6})", r.energy_unit, r.energy - e);
    }
    match (r.target, r.target_reached) {
        (Some(t), Some(true)) => println!("  target {t:.6} reached"),
        (Some(t), _) => println!("  target {t:.6} NOT reached ({}); best found above", r.stop_reason),
        _ => println!("  stopped: {}", r.stop_reason),
    }
    println!(
        "  {} evaluations, {} steps, {} restarts, {:.3} s on {} threads (seed {})",
        r.evaluations, r.steps, r.restarts, r.seconds, r.threads, r.seed
    );
    let lows: Vec<String> = r.minima.iter().map(|m| format!("{:.6} ({})", m.energy, m.point_group)).collect();
    println!("  lowest distinct minima: {}", lows.join(", "));
}

#[derive(Args, Debug)]
pub struct BenchClusterArgs {
    /// Cluster sizes (reduced LJ), comma separated.
    #[arg(long, value_delimiter = ',', default_values_t = [13usize, 38, 55, 75])]
    pub sizes: Vec<usize>,
    /// Seeds per size (1..=seeds).
    #[arg(long, default_value_t = 10)]
    pub seeds: u64,
    #[arg(long, default_value_t = 2)]
    pub threads: usize,
    /// Time limit per run, seconds.
    #[arg(long, default_value_t = 120.0)]
    pub time_limit: f64,
    /// Instead: every N = 2..=150 once (seed 1), reporting which reach the CCD minimum and when
    /// (alias --table); --time-limit is then the limit per size.
    #[arg(long, alias = "table")]
    pub full: bool,
    /// With --full: first and last size of the table run.
    #[arg(long, default_value_t = 2)]
    pub first: usize,
    #[arg(long, default_value_t = 150)]
    pub last: usize,
    #[arg(long)]
    pub method: Option<String>,
    /// Print one JSON object per size.
    #[arg(long)]
    pub json: bool,
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let k = v.len();
    if k == 0 {
        f64::NAN
    } else if k % 2 == 1 {
        v[k / 2]
    } else {
        0.5 * (v[k / 2 - 1] + v[k / 2])
    }
}

fn one_run(n: usize, seed: u64, b: &BenchClusterArgs) -> Result<SearchResult> {
    let mut s = SearchSettings::new(n, PotentialSpec::lj());
    s.seed = seed;
    s.threads = b.threads;
    s.time_limit_s = Some(b.time_limit);
    s.target = Some("ccd".parse()?);
    if let Some(m) = &b.method {
        s.method = m.parse()?;
    }
    Ok(search(&s)?)
}

pub fn bench(b: BenchClusterArgs) -> Result<()> {
    anyhow::ensure!(b.seeds >= 1, "--seeds must be ≥ 1");
    if b.full {
        anyhow::ensure!(
            (2..=150).contains(&b.first) && (b.first..=150).contains(&b.last),
            "--first/--last: expected 2 ≤ first ≤ last ≤ 150, found {}..{}",
            b.first,
            b.last
        );
        let (mut found, mut total_s, mut slowest) = (0, 0.0, (0usize, 0.0f64));
        let mut missed = Vec::new();
        for n in b.first..=b.last {
            let r = one_run(n, 1, &b).with_context(|| format!("LJ{n}"))?;
            total_s += r.seconds;
            if r.target_reached == Some(true) {
                found += 1;
                if r.seconds > slowest.1 {
                    slowest = (n, r.seconds);
                }
            } else {
                missed.push(format!("{n} ({:.6} vs {:.6})", r.energy, ccd_lj_energy(n).unwrap_or(f64::NAN)));
            }
            if b.json {
                println!("{}", serde_json::to_string(&r)?);
            } else {
                println!("LJ{n:<4} {:>12.6} {:<4} {:>9.3} s {:>10} evals  {}", r.energy, r.point_group, r.seconds, r.evaluations,
                    if r.target_reached == Some(true) { "found" } else { "NOT found" });
            }
        }
        println!(
            "bench cluster --full: {found}/{} CCD minima reached ({} threads, ≤ {} s each), {total_s:.1} s in all, slowest found LJ{} in {:.1} s; missed: {}",
            b.last + 1 - b.first,
            b.threads,
            b.time_limit,
            slowest.0,
            slowest.1,
            if missed.is_empty() { "none".into() } else { missed.join(", ") }
        );
        return Ok(());
    }
    for &n in &b.sizes {
        anyhow::ensure!(ccd_lj_energy(n).is_some(), "--sizes: the CCD table covers N = 2..150, found {n}");
        let (mut times, mut evals) = (Vec::new(), Vec::new());
        let mut hits = 0;
        for seed in 1..=b.seeds {
            let r = one_run(n, seed, &b)?;
            if r.target_reached == Some(true) {
                hits += 1;
            }
            // runs that miss count with their full time (a lower bound on the time to the minimum)
            times.push(r.seconds);
            evals.push(r.evaluations as f64);
        }
        let (mt, me) = (median(&mut times), median(&mut evals));
        if b.json {
            println!(
                "{}",
                serde_json::json!({"n": n, "seeds": b.seeds, "threads": b.threads, "found": hits,
                    "median_seconds": mt, "median_evaluations": me, "max_seconds": times.last(), "reference_energy": ccd_lj_energy(n)})
            );
        } else {
            println!(
                "LJ{n}: {hits}/{} seeds reached {:.6}; median {:.4} s, {:.0} evaluations (max {:.4} s) on {} threads",
                b.seeds,
                ccd_lj_energy(n).unwrap_or(f64::NAN),
                mt,
                me,
                times.last().copied().unwrap_or(f64::NAN),
                b.threads
            );
        }
    }
    Ok(())
}
