//! The `[cluster]` recipe section and a runner for it.

use crate::error::ClusterError;
use crate::potential::PotentialSpec;
use crate::search::{search, Method, SearchResult, SearchSettings, Target};
use crate::xyz::{write_extxyz, XyzFrame};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// `[cluster]` in a recipe. Example:
/// ```toml
/// [cluster]
/// n = 38
/// potential = "lj"          # lj | morse:rho=6 | gupta:Au | sutton-chen:12-6 | …
/// target = "ccd"            # or an energy
/// time_limit_s = 30
/// out = "lj38.xyz"
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterConfig {
    /// Number of atoms.
    pub n: usize,
    #[serde(default = "default_potential")]
    pub potential: PotentialSpec,
    #[serde(default)]
    pub method: Method,
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// Threads (= independent walkers); default: all available cores.
    pub threads: Option<usize>,
    /// Wall-clock limit (s); default 60.
    pub time_limit_s: Option<f64>,
    pub target: Option<Target>,
    pub max_evaluations: Option<u64>,
    /// Basin-hopping steps (GA offspring) per walker; default 2000 when no target is given.
    pub steps: Option<u64>,
    /// Number of distinct lowest minima to keep (and write to `minima_out`).
    #[serde(default = "default_keep")]
    pub keep: usize,
    /// Metropolis temperature (energy unit of the potential).
    pub temperature: Option<f64>,
    /// Restart from icosahedral/decahedral/fcc lattice searches.
    #[serde(default = "default_true")]
    pub seeding: bool,
    /// Extended XYZ file for the best structure.
    pub out: Option<PathBuf>,
    /// Extended XYZ file with the `keep` lowest distinct minima.
    pub minima_out: Option<PathBuf>,
    /// Chemical symbol written to the XYZ files (default X, a dummy atom).
    #[serde(default = "default_species")]
    pub species: String,
}

fn default_potential() -> PotentialSpec {
    PotentialSpec::lj()
}
fn default_seed() -> u64 {
    1
}
fn default_keep() -> usize {
    5
}
fn default_true() -> bool {
    true
}
fn default_species() -> String {
    "X".into()
}

impl ClusterConfig {
    /// A config with defaults for `n` atoms of reduced LJ.
    pub fn new(n: usize) -> Self {
        Self {
            n,
            potential: default_potential(),
            method: Method::default(),
            seed: 1,
            threads: None,
            time_limit_s: None,
            target: None,
            max_evaluations: None,
            steps: None,
            keep: 5,
            temperature: None,
            seeding: true,
            out: None,
            minima_out: None,
            species: default_species(),
        }
    }

    /// Search settings with the documented defaults filled in.
    pub fn settings(&self) -> SearchSettings {
        let mut s = SearchSettings::new(self.n, self.potential.clone());
        s.method = self.method;
        s.seed = self.seed;
        s.threads = self.threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
        s.time_limit_s = Some(self.time_limit_s.unwrap_or(60.0));
        s.target = self.target;
        s.max_evaluations = self.max_evaluations;
        s.max_steps = self.steps.or(if self.target.is_none() { Some(2000) } else { None });
        s.keep = self.keep;
        s.temperature = self.temperature;
        s.seeding = self.seeding;
        s
    }
}

/// Run the search described by `cfg` and write the requested files.
pub fn run_config(cfg: &ClusterConfig) -> Result<SearchResult, ClusterError> {
    if cfg.species.trim().is_empty() || cfg.species.contains(char::is_whitespace) {
        return Err(ClusterError::Config(format!("species: expected a chemical symbol, found `{}`", cfg.species)));
    }
    // fail before a long search, not after it
    for path in cfg.out.iter().chain(cfg.minima_out.iter()) {
        let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(std::path::Path::new("."));
        if !dir.is_dir() {
            return Err(ClusterError::Io { path: path.display().to_string(), msg: format!("folder {} does not exist", dir.display()) });
        }
    }
    let r = search(&cfg.settings())?;
    let label = cfg.potential.to_string();
    let units = cfg.potential.unit_system();
    if let Some(path) = &cfg.out {
        let f = XyzFrame { positions: &r.positions, energy: r.energy, point_group: &r.point_group };
        write_extxyz(path, &[f], &cfg.species, units, &label)?;
    }
    if let Some(path) = &cfg.minima_out {
        let frames: Vec<XyzFrame> = r
            .minima
            .iter()
            .zip(&r.minima_positions)
            .map(|(m, p)| XyzFrame { positions: p, energy: m.energy, point_group: &m.point_group })
            .collect();
        write_extxyz(path, &frames, &cfg.species, units, &label)?;
    }
    Ok(r)
}
