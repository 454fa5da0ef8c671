//! The `[cluster]` recipe section and a runner for it.

use crate::error::ClusterError;
use crate::external::parse_composition;
use crate::potential::PotentialSpec;
use crate::search::{search, Method, SearchResult, SearchSettings, Target};
use crate::xyz::{write_extxyz, XyzFrame};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// `[cluster]` in a recipe. Example:
/// ```toml
/// [cluster]
/// n = 38
/// potential = "lj"          # lj | morse:rho=6 | gupta:Au | sutton-chen:12-6 | eam:Cu_u3.eam | tersoff:SiC.tersoff:Si,C
/// # composition = "Si4C4"   # instead of n, for multi-species potentials
/// target = "ccd"            # or an energy
/// time_limit_s = 30
/// out = "lj38.xyz"
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterConfig {
    /// Number of atoms (may be left out when `composition` is given).
    pub n: Option<usize>,
    /// Composition for multi-species potentials, e.g. `Si4C4` (element symbols with counts, in order).
    pub composition: Option<String>,
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
    /// Chemical symbol written to the XYZ files for single-species built-in potentials (default X, a dummy
    /// atom); with a composition or a shared-trait potential the atoms carry their own species.
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
            n: Some(n),
            composition: None,
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
    pub fn settings(&self) -> Result<SearchSettings, ClusterError> {
        let composition = self.composition.as_deref().map(parse_composition).transpose()?;
        let from_comp = composition.as_ref().map(|c| c.iter().map(|e| e.1).sum::<usize>());
        let n = match (self.n, from_comp) {
            (Some(n), Some(m)) if n != m => {
                return Err(ClusterError::Config(format!("n = {n} but composition `{}` has {m} atoms", self.composition.as_deref().unwrap_or(""))))
            }
            (Some(n), _) | (None, Some(n)) => n,
            (None, None) => return Err(ClusterError::Config("n: give the number of atoms or a composition".into())),
        };
        let mut s = SearchSettings::new(n, self.potential.clone());
        s.composition = composition;
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
        Ok(s)
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
    let r = search(&cfg.settings()?)?;
    let label = cfg.potential.to_string();
    let units = cfg.potential.unit_system();
    // built-in potentials without a composition write the `species` name; otherwise each atom's own
    let names = if r.symbols.iter().all(|s| s == "X") { vec![cfg.species.clone()] } else { r.symbols.clone() };
    if let Some(path) = &cfg.out {
        let f = XyzFrame { positions: &r.positions, energy: r.energy, point_group: &r.point_group };
        write_extxyz(path, &[f], &names, units, &label)?;
    }
    if let Some(path) = &cfg.minima_out {
        let frames: Vec<XyzFrame> = r
            .minima
            .iter()
            .zip(&r.minima_positions)
            .map(|(m, p)| XyzFrame { positions: p, energy: m.energy, point_group: &m.point_group })
            .collect();
        write_extxyz(path, &frames, &names, units, &label)?;
    }
    Ok(r)
}
