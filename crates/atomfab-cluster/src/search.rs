//! A whole search: independent seeded walkers in parallel (rayon), a shared stop when the target energy is
//! reached or the time/evaluation/step budget ends, the k lowest distinct minima, and the point group.

use crate::db::MinimaDb;
use crate::error::ClusterError;
use crate::minimize::LbfgsParams;
use crate::potential::{ClusterPotential, PotentialSpec};
use crate::reference::ccd_lj_energy;
use crate::seed::icosahedral_lattice;
use crate::symmetry::point_group;
use crate::walker::{basin_hopping, genetic, Quencher, Shared, WalkerCtx, WalkerOutcome};
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Largest cluster accepted: one energy evaluation is O(N²), so beyond this a single quench takes minutes.
pub const MAX_ATOMS: usize = 2000;

/// Global optimisation method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// Basin hopping with lattice-seeded restarts.
    #[default]
    BasinHopping,
    /// Cut-and-splice genetic algorithm.
    Genetic,
}

impl std::str::FromStr for Method {
    type Err = ClusterError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "bh" | "basin-hopping" => Ok(Method::BasinHopping),
            "ga" | "genetic" => Ok(Method::Genetic),
            _ => Err(ClusterError::Config(format!("method: expected basin-hopping (bh) or genetic (ga), found `{s}`"))),
        }
    }
}

/// Target energy: a number (energy unit of the potential) or the Cambridge Cluster Database value.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Target {
    Energy(f64),
    /// `"ccd"`: the Cambridge Cluster Database putative global minimum (reduced LJ, N = 2..150).
    Named(NamedTarget),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NamedTarget {
    Ccd,
}

impl std::str::FromStr for Target {
    type Err = ClusterError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.eq_ignore_ascii_case("ccd") {
            return Ok(Target::Named(NamedTarget::Ccd));
        }
        s.parse::<f64>()
            .map(Target::Energy)
            .map_err(|_| ClusterError::Config(format!("target: expected an energy or `ccd`, found `{s}`")))
    }
}

/// Everything one search needs.
#[derive(Debug, Clone)]
pub struct SearchSettings {
    pub n: usize,
    pub potential: PotentialSpec,
    pub method: Method,
    pub seed: u64,
    /// Worker threads (and independent walkers).
    pub threads: usize,
    /// Wall-clock limit in seconds.
    pub time_limit_s: Option<f64>,
    pub target: Option<Target>,
    /// A minimum counts as the target when E ≤ target + target_tol (energy unit).
    pub target_tol: f64,
    /// Budget of energy+gradient evaluations over all walkers.
    pub max_evaluations: Option<u64>,
    /// Budget of basin-hopping steps (GA offspring) per walker.
    pub max_steps: Option<u64>,
    /// How many distinct lowest minima to keep.
    pub keep: usize,
    /// Metropolis temperature (energy unit); default 0.8 × the mean bond energy of the 13-atom icosahedron.
    pub temperature: Option<f64>,
    /// Restart walkers from icosahedral/decahedral/fcc lattice searches (else only random starts).
    pub seeding: bool,
    /// Chemical composition in order, e.g. [("Si", 4), ("C", 4)]; must sum to `n`. None: a single species
    /// (the potential's only species for shared-trait potentials, a dummy `X` for the built-in ones).
    pub composition: Option<Vec<(String, usize)>>,
}

impl SearchSettings {
    pub fn new(n: usize, potential: PotentialSpec) -> Self {
        Self {
            n,
            potential,
            method: Method::BasinHopping,
            seed: 1,
            threads: 1,
            time_limit_s: None,
            target: None,
            target_tol: 1e-5,
            max_evaluations: None,
            max_steps: None,
            keep: 5,
            temperature: None,
            seeding: true,
            composition: None,
        }
    }

    /// Chemical symbol of each atom, from the composition (or the potential's only species).
    pub fn symbols(&self) -> Result<Vec<String>, ClusterError> {
        let comp = match &self.composition {
            Some(c) => c.clone(),
            None => {
                let names = self.potential.species_names();
                match names.len() {
                    0 => vec![("X".to_string(), self.n)],
                    1 => vec![(names[0].clone(), self.n)],
                    k => {
                        // an example that splits n over the species
                        let example: String = names
                            .iter()
                            .enumerate()
                            .map(|(i, s)| format!("{s}{}", self.n / k + usize::from(i < self.n % k)))
                            .collect();
                        return Err(ClusterError::Config(format!(
                            "composition: potential `{}` has species {}; give a composition such as {example}",
                            self.potential,
                            names.join(", "),
                        )));
                    }
                }
            }
        };
        let total: usize = comp.iter().map(|c| c.1).sum();
        if total != self.n {
            return Err(ClusterError::Config(format!("composition: {total} atoms, but n = {}", self.n)));
        }
        Ok(comp.iter().flat_map(|(s, k)| std::iter::repeat_n(s.clone(), *k)).collect())
    }

    fn validate(&self) -> Result<Option<f64>, ClusterError> {
        let bad = |m: String| Err(ClusterError::Config(m));
        if self.n < 2 {
            return bad(format!("n: a cluster needs at least 2 atoms, found {}", self.n));
        }
        if self.n > MAX_ATOMS {
            return bad(format!("n: at most {MAX_ATOMS} atoms (O(N²) energy), found {}", self.n));
        }
        if self.threads == 0 || self.threads > 1024 {
            return bad(format!("threads: expected 1..=1024, found {}", self.threads));
        }
        if let Some(t) = self.time_limit_s {
            if !(t.is_finite() && t > 0.0) {
                return bad(format!("time limit: expected a positive number of seconds, found {t}"));
            }
        }
        if !(self.target_tol.is_finite() && self.target_tol >= 0.0) {
            return bad(format!("target tolerance: expected a finite number ≥ 0, found {}", self.target_tol));
        }
        if let Some(t) = self.temperature {
            if !(t.is_finite() && t > 0.0) {
                return bad(format!("temperature: expected a positive finite energy, found {t}"));
            }
        }
        if self.keep == 0 {
            return bad("keep: expected at least 1 minimum".into());
        }
        if self.max_evaluations == Some(0) || self.max_steps == Some(0) {
            return bad("budgets must be at least 1".into());
        }
        if self.time_limit_s.is_none() && self.max_evaluations.is_none() && self.max_steps.is_none() && self.target.is_none() {
            return bad("no stopping rule: give a time limit, an evaluation or step budget, or a target".into());
        }
        match self.target {
            None => Ok(None),
            Some(Target::Energy(e)) if e.is_finite() => Ok(Some(e)),
            Some(Target::Energy(e)) => bad(format!("target: expected a finite energy, found {e}")),
            Some(Target::Named(NamedTarget::Ccd)) => {
                if !self.potential.is_reduced_lj() {
                    return bad("target `ccd` needs the reduced Lennard-Jones potential (`lj`)".into());
                }
                ccd_lj_energy(self.n)
                    .map(Some)
                    .ok_or_else(|| ClusterError::Config(format!("target `ccd`: the table covers N = 2..150, found {}", self.n)))
            }
        }
    }
}

/// One distinct low minimum.
#[derive(Debug, Clone, Serialize)]
pub struct MinimumSummary {
    pub energy: f64,
    pub point_group: String,
}

/// Result of a search. Energies in the potential's energy unit, positions in its length unit.
#[derive(Debug, Clone, Serialize)]
pub struct SearchResult {
    pub n: usize,
    pub potential: String,
    pub energy_unit: String,
    pub method: Method,
    pub energy: f64,
    /// Energy+gradient evaluations over all walkers.
    pub evaluations: u64,
    /// Wall time in seconds.
    pub seconds: f64,
    pub point_group: String,
    /// Composition as written (e.g. `Si4C4`); positions are ordered by species in this order.
    pub composition: String,
    pub target: Option<f64>,
    pub target_reached: Option<bool>,
    /// Cambridge Cluster Database energy for reduced LJ, N ≤ 150.
    pub reference_energy: Option<f64>,
    /// Why the search stopped: "target reached", "time limit", "evaluation budget", "step budget".
    pub stop_reason: String,
    pub seed: u64,
    pub threads: usize,
    /// Basin-hopping steps (GA offspring) over all walkers.
    pub steps: u64,
    pub restarts: u64,
    /// The lowest distinct minima, lowest first.
    pub minima: Vec<MinimumSummary>,
    /// Chemical symbol of each atom (X for the built-in potentials without a composition).
    #[serde(skip)]
    pub symbols: Vec<String>,
    #[serde(skip)]
    pub positions: Vec<[f64; 3]>,
    #[serde(skip)]
    pub minima_positions: Vec<Vec<[f64; 3]>>,
}

/// `Si4C4` from per-atom symbols in order.
fn composition_string(symbols: &[String]) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < symbols.len() {
        let k = symbols[i..].iter().take_while(|s| **s == symbols[i]).count();
        out.push_str(&format!("{}{k}", symbols[i]));
        i += k;
    }
    out
}

fn walker_seed(seed: u64, walker: usize) -> u64 {
    // SplitMix64 step so that walkers of nearby seeds do not share streams
    let mut z = seed.wrapping_add((walker as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Default Metropolis temperature: 0.8 × |E(relaxed 13-atom icosahedron)| / 42 bonds (0.84 ε for LJ).
fn default_temperature(spec: &PotentialSpec, pot: &dyn ClusterPotential) -> f64 {
    if let Some(t) = pot.default_temperature() {
        return t;
    }
    let pot = spec.build().expect("built-in potential");
    let nn = pot.nn_distance();
    let mut x: Vec<[f64; 3]> = icosahedral_lattice(13).into_iter().take(13).map(|p| p.map(|v| v * nn)).collect();
    let mut q = Quencher::new(pot.as_ref(), 13, LbfgsParams::default());
    let e = q.quench(&mut x, None);
    0.8 * e.abs() / 42.0
}

/// Run a global optimisation.
pub fn search(s: &SearchSettings) -> Result<SearchResult, ClusterError> {
    let target = s.validate()?;
    let start = Instant::now();
    let symbols = s.symbols()?;
    let pot = s.potential.build_for(&symbols, s.threads)?;
    let nn = pot.nn_distance();
    let temperature = s.temperature.unwrap_or_else(|| default_temperature(&s.potential, pot.as_ref()));
    let lbfgs = LbfgsParams { max_step: 0.3 * nn, grad_tol: 1e-5 * pot.seed_pair_energy(nn).abs().max(1e-3) / nn, ..Default::default() };
    let ctx = WalkerCtx {
        n: s.n,
        pot: pot.as_ref(),
        nn,
        temperature,
        max_steps: s.max_steps,
        keep: s.keep,
        seeding: s.seeding,
        descent: s.seeding,
        compression: s.seeding,
        bond_energy: pot.seed_pair_energy(nn).abs().max(1e-12),
        lbfgs,
    };
    let shared = Shared {
        stop: AtomicBool::new(false),
        evaluations: AtomicU64::new(0),
        deadline: s.time_limit_s.map(|t| start + Duration::from_secs_f64(t)),
        target,
        target_tol: s.target_tol,
        max_evaluations: s.max_evaluations,
        best_bits: AtomicU64::new(f64::INFINITY.to_bits()),
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(s.threads)
        .build()
        .map_err(|e| ClusterError::Config(format!("threads: {e}")))?;
    let outcomes: Vec<WalkerOutcome> = pool.install(|| {
        (0..s.threads)
            .into_par_iter()
            .map(|w| {
                let mut rng = Xoshiro256PlusPlus::seed_from_u64(walker_seed(s.seed, w));
                match s.method {
                    Method::BasinHopping => basin_hopping(&ctx, &shared, w, s.threads, &mut rng),
                    Method::Genetic => genetic(&ctx, &shared, &mut rng),
                }
            })
            .collect()
    });
    let evaluations_search = shared.evaluations.load(Ordering::Relaxed);
    // lowest energy; ties go to the lowest walker index, so step-limited runs are reproducible
    let best = outcomes
        .iter()
        .filter(|o| !o.best_positions.is_empty())
        .min_by(|a, b| a.best_energy.partial_cmp(&b.best_energy).unwrap())
        .ok_or_else(|| ClusterError::Config("the time limit ended before the first local minimisation".into()))?;
    let mut db = MinimaDb::new(s.keep);
    for o in &outcomes {
        db.merge(&o.db);
    }
    // polish the best structure tightly so energy and symmetry are accurate
    let mut q = Quencher::new(pot.as_ref(), s.n, LbfgsParams { grad_tol: lbfgs.grad_tol * 1e-2, ..lbfgs });
    let mut positions = best.best_positions.clone();
    // the polish may overrun the time limit by at most a tenth of it (≥ 1 s): huge clusters quench slowly
    let polish_budget = s.time_limit_s.map_or(f64::INFINITY, |t| (0.1 * t).max(1.0));
    let polish_stop = Shared {
        stop: AtomicBool::new(false),
        evaluations: AtomicU64::new(0),
        deadline: polish_budget.is_finite().then(|| Instant::now() + Duration::from_secs_f64(polish_budget)),
        target: None,
        target_tol: 0.0,
        max_evaluations: None,
        best_bits: AtomicU64::new(f64::INFINITY.to_bits()),
    };
    let polished = q.quench(&mut positions, Some(&polish_stop));
    let energy = if polished <= best.best_energy { polished } else {
        positions = best.best_positions.clone();
        best.best_energy
    };
    let c = [0, 1, 2].map(|a| positions.iter().map(|p| p[a]).sum::<f64>() / s.n as f64);
    for p in positions.iter_mut() {
        for a in 0..3 {
            p[a] -= c[a];
        }
    }
    let pg_tol = 0.02 * nn;
    let point_group_best = point_group(&positions, pg_tol);
    let minima: Vec<MinimumSummary> =
        db.entries.iter().map(|m| MinimumSummary { energy: m.energy, point_group: point_group(&m.positions, pg_tol) }).collect();
    let target_reached = target.map(|t| energy <= t + s.target_tol);
    let stop_reason = if target_reached == Some(true) {
        "target reached"
    } else if shared.deadline.is_some_and(|d| Instant::now() >= d) {
        "time limit"
    } else if s.max_evaluations.is_some_and(|m| evaluations_search >= m) {
        "evaluation budget"
    } else {
        "step budget"
    };
    Ok(SearchResult {
        n: s.n,
        potential: s.potential.to_string(),
        energy_unit: s.potential.energy_unit().into(),
        method: s.method,
        energy,
        evaluations: evaluations_search + polish_stop.evaluations.load(Ordering::Relaxed),
        seconds: start.elapsed().as_secs_f64(),
        point_group: point_group_best,
        composition: composition_string(&symbols),
        target,
        target_reached,
        reference_energy: if s.potential.is_reduced_lj() { ccd_lj_energy(s.n) } else { None },
        stop_reason: stop_reason.into(),
        seed: s.seed,
        threads: s.threads,
        steps: outcomes.iter().map(|o| o.steps).sum(),
        restarts: outcomes.iter().map(|o| o.restarts).sum(),
        minima,
        symbols,
        positions,
        minima_positions: db.entries.iter().map(|m| m.positions.clone()).collect(),
    })
}
