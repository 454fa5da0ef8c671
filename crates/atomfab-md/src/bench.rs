//! Benchmark cases of `atomfab bench md`, mirroring the LAMMPS benchmark inputs (bench/in.lj,
//! bench/POTENTIALS/in.tersoff, in.eam): same lattice, potential, velocities (`loop geom`), skin and
//! neighbour policy, NVE. `bench/md_vs_lammps.sh` runs the same systems in LAMMPS.

use crate::error::{MdError, Result};
use crate::run::run_md;
use crate::MdConfig;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BenchCase {
    /// LJ melt: fcc ρ* = 0.8442, lj/cut 2.5, T = 1.44, skin 0.3, rebuild every 20 steps, dt 0.005 τ.
    Lj,
    /// Si Tersoff: diamond a = 5.431 Å, T = 1000 K, skin 1 Å, check every step, dt 1 fs.
    TersoffSi,
    /// Cu EAM (Cu_u3.eam): fcc a = 3.615 Å, T = 1600 K, skin 1 Å, check every step, dt 5 fs.
    EamCu,
}

impl BenchCase {
    pub fn from_name(name: &str) -> Option<BenchCase> {
        match name {
            "lj" => Some(BenchCase::Lj),
            "tersoff-si" => Some(BenchCase::TersoffSi),
            "eam-cu" => Some(BenchCase::EamCu),
            _ => None,
        }
    }

    /// Atoms per conventional cell and the default atom count (LAMMPS benchmark sizes).
    fn basis(self) -> (usize, usize) {
        match self {
            BenchCase::Lj => (4, 32_000),
            BenchCase::TersoffSi => (8, 32_768),
            BenchCase::EamCu => (4, 32_000),
        }
    }

    /// Cubic repeats giving about `atoms` atoms.
    pub fn cells(self, atoms: Option<usize>) -> usize {
        let (per, default) = self.basis();
        let n = atoms.unwrap_or(default) as f64 / per as f64;
        (n.cbrt().round() as usize).max(2)
    }

    /// The MD configuration of this case with `cells`³ conventional cells.
    pub fn config(self, cells: usize, steps: u64, threads: Option<usize>) -> MdConfig {
        let body = match self {
            BenchCase::Lj => format!(
                r#"units = "lj"
                lattice = {{ kind = "fcc", density = 0.8442, species = ["Ar"], repeats = [{cells}, {cells}, {cells}] }}
                potential = "lj:epsilon=1,sigma=1,cutoff=2.5"
                dt = 0.005
                velocity = {{ temperature = 1.44, seed = 87287, loop = "geom" }}
                neighbor = {{ skin = 0.3, every = 20, check = false }}"#
            ),
            BenchCase::TersoffSi => format!(
                r#"lattice = {{ kind = "diamond", a = 5.431, species = ["Si"], repeats = [{cells}, {cells}, {cells}] }}
                potential = "tersoff:Si.tersoff:Si"
                dt = 0.001
                velocity = {{ temperature = 1000, seed = 376847, loop = "geom" }}
                neighbor = {{ skin = 1.0, every = 1, check = true }}"#
            ),
            BenchCase::EamCu => format!(
                r#"lattice = {{ kind = "fcc", a = 3.615, species = ["Cu"], repeats = [{cells}, {cells}, {cells}] }}
                potential = "eam:Cu_u3.eam"
                dt = 0.005
                velocity = {{ temperature = 1600, seed = 376847, loop = "geom" }}
                neighbor = {{ skin = 1.0, every = 1, check = true }}"#
            ),
        };
        let mut cfg: MdConfig =
            toml::from_str(&format!("{body}\nsteps = {steps}\nthermo = {{ every = {steps} }}\n")).expect("bench config parses");
        cfg.threads = threads;
        cfg
    }
}

/// Measured speed of one benchmark run.
#[derive(Debug, Clone)]
pub struct BenchResult {
    pub atoms: usize,
    pub steps: u64,
    pub threads: usize,
    /// Seconds of the stepping loop (setup excluded, as LAMMPS' "Loop time").
    pub loop_seconds: f64,
    pub timesteps_per_second: f64,
    pub atom_steps_per_second: f64,
    /// Peak resident memory of the process per atom (bytes), from /proc/self/status VmHWM when available.
    pub peak_bytes_per_atom: Option<f64>,
    pub final_temperature: f64,
    pub final_total_energy: f64,
    /// Seconds in forces, neighbour lists and the rest (integration, fixes).
    pub timing: crate::engine::Timing,
    /// CPU seconds (user + system, all threads) of the whole run including setup, from /proc/self/stat;
    /// on a shared machine this measures the work better than the wall-clock loop time.
    pub cpu_seconds: Option<f64>,
}

/// Runs a benchmark case (outputs go to a temporary folder and are discarded).
pub fn run_bench(case: BenchCase, atoms: Option<usize>, steps: u64, threads: Option<usize>) -> Result<BenchResult> {
    if steps == 0 {
        return Err(MdError::Config("bench needs --steps ≥ 1".into()));
    }
    let cfg = case.config(case.cells(atoms), steps, threads);
    let dir = std::env::temp_dir().join(format!("atomfab-bench-md-{}", std::process::id()));
    let cpu0 = process_cpu_seconds();
    let summary = run_md(&cfg, &dir, &mut |_| {});
    let cpu = process_cpu_seconds().zip(cpu0).map(|(b, a)| b - a);
    let _ = std::fs::remove_dir_all(&dir);
    let s = summary?;
    let threads = threads.unwrap_or_else(rayon::current_num_threads);
    Ok(BenchResult {
        atoms: s.atoms,
        steps: s.steps_run,
        threads,
        loop_seconds: s.wall_seconds,
        timesteps_per_second: s.timesteps_per_second,
        atom_steps_per_second: s.atom_steps_per_second,
        peak_bytes_per_atom: peak_rss_bytes().map(|b| b as f64 / s.atoms as f64),
        final_temperature: s.final_thermo.temperature,
        final_total_energy: s.final_thermo.total_energy,
        timing: s.timing,
        cpu_seconds: cpu,
    })
}

/// User + system CPU seconds of this process so far (Linux /proc/self/stat, clock ticks of 1/100 s).
fn process_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}
