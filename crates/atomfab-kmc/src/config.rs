//! The `[kmc]` recipe section (serde) and its validation into a compiled [`Model`].
//!
//! Units are in the key names: `_angstrom`, `_s`, `_pa`, `_ev`, `_hz`, `_k`, `_amu`, `_per_nm2_s`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{KmcError, Result};
use crate::lattice::{Lattice, LatticeKind};
use crate::rates;

/// Largest lattice the engine accepts, as an estimate of the memory it needs (bytes).
pub const MAX_MEMORY_BYTES: f64 = 8.0 * 1024.0 * 1024.0 * 1024.0;

/// The `[kmc]` section of a recipe.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KmcConfig {
    pub lattice: LatticeConfig,
    /// Substrate temperature (K); enters Arrhenius and Hertz–Knudsen rates.
    pub temperature_k: f64,
    /// Names of the site states (adsorbates, bare sites, gas-voxel states); at most 64.
    pub species: Vec<String>,
    /// Species every surface site starts with (regions may override).
    pub initial_species: String,
    /// Film thickness that one unit of `height_change` adds to a column (Å).
    pub layer_thickness_angstrom: f64,
    #[serde(default)]
    pub gases: Vec<GasConfig>,
    #[serde(default)]
    pub regions: Vec<RegionConfig>,
    pub events: Vec<EventConfig>,
    pub cycle: CycleConfig,
    #[serde(default)]
    pub reactor: ReactorConfig,
    #[serde(default)]
    pub output: OutputConfig,
    /// Two region names whose thickness gives the selectivity (G − N)/(G + N) per cycle.
    #[serde(default)]
    pub selectivity: Option<SelectivityConfig>,
    /// Runaway guard: a phase that needs more events than this is an error (non-terminating half-cycle).
    #[serde(default = "default_max_events")]
    pub max_events_per_phase: f64,
}

fn default_max_events() -> f64 {
    2.0e9
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LatticeConfig {
    pub kind: LatticeKind,
    /// Sites along x (square/hexagonal); for a trench the extrusion length along y is `ny`.
    #[serde(default)]
    pub nx: usize,
    pub ny: usize,
    /// Site spacing (Å).
    pub a_angstrom: f64,
    /// Trench only: opening width in voxels.
    #[serde(default)]
    pub width_sites: Option<usize>,
    /// Trench only: depth in voxels (aspect ratio = depth / width).
    #[serde(default)]
    pub depth_sites: Option<usize>,
    /// Trench only: flat field on each side of the opening, in voxels.
    #[serde(default)]
    pub margin_sites: Option<usize>,
    /// Trench only: species of an empty gas voxel.
    #[serde(default)]
    pub gas_species: Option<String>,
    /// Trench only: species of solid voxels not at the surface (never reacts).
    #[serde(default)]
    pub bulk_species: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GasConfig {
    pub name: String,
    /// Molecular mass (amu) for the Hertz–Knudsen impingement flux.
    pub mass_amu: f64,
}

/// A rectangle of a 2-D lattice (fractions of the box) that gets its own site type and start species.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionConfig {
    pub name: String,
    #[serde(default)]
    pub x_from: f64,
    #[serde(default = "one")]
    pub x_to: f64,
    #[serde(default)]
    pub y_from: f64,
    #[serde(default = "one")]
    pub y_to: f64,
    #[serde(default)]
    pub initial_species: Option<String>,
}

fn one() -> f64 {
    1.0
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SelectivityConfig {
    pub growth: String,
    pub nongrowth: String,
}

/// One elementary event: `site` → `becomes` (and optionally a neighbour `neighbor` → `neighbor_becomes`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventConfig {
    pub name: String,
    /// Species required on the site.
    pub site: String,
    pub becomes: String,
    /// Change of the column height (layers) of the site, e.g. +1 for layer completion, −1 for removal.
    #[serde(default)]
    pub height_change: i32,
    /// Pair event: species required on one nearest neighbour (rate is per ordered pair).
    #[serde(default)]
    pub neighbor: Option<String>,
    #[serde(default)]
    pub neighbor_becomes: Option<String>,
    #[serde(default)]
    pub neighbor_height_change: i32,
    /// Put the site's height change on the lowest column among the site and its nearest neighbours
    /// (ties keep the site): downhill relaxation of the deposited unit (F. Family, J. Phys. A 19,
    /// L441 (1986)), so that films grow smooth instead of as uncorrelated columns.
    #[serde(default)]
    pub relax_to_lowest: bool,
    /// Restrict to these site types (default: all).
    #[serde(default)]
    pub site_types: Option<Vec<String>>,
    #[serde(default)]
    pub neighbor_site_types: Option<Vec<String>>,
    /// Neighbour-count conditions on the site, e.g. steric hindrance `{ species = ["AlMe2"], max = 0 }`.
    #[serde(default)]
    pub conditions: Vec<ConditionConfig>,
    pub rate: RateConfig,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConditionConfig {
    pub species: Vec<String>,
    #[serde(default)]
    pub min: Option<u32>,
    #[serde(default)]
    pub max: Option<u32>,
}

/// Rate law of an event (per site, or per ordered pair for pair events), in 1/s.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum RateConfig {
    /// A fixed rate (Hz).
    ConstantHz(f64),
    /// ν·exp(−Ea/kT).
    Arrhenius { prefactor_hz: f64, barrier_ev: f64 },
    /// s · p / sqrt(2π m kT) · A_site (Hertz–Knudsen impingement × sticking coefficient).
    HertzKnudsen {
        gas: String,
        sticking: f64,
        /// Optional; default is the lattice site area.
        #[serde(default)]
        site_area_angstrom2: Option<f64>,
    },
    /// hz_per_pa · p(gas): a generic first-order rate in partial pressure.
    Pressure { gas: String, hz_per_pa: f64 },
    /// Γ_ion · A_site · Y(E), Y = yield_prefactor · (√E − √E_th) above the threshold, 0 below.
    Ion {
        yield_prefactor: f64,
        threshold_ev: f64,
    },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CycleConfig {
    pub count: u32,
    pub phases: Vec<PhaseConfig>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhaseConfig {
    pub name: String,
    pub duration_s: f64,
    /// Set partial pressures (Pa) during this phase; gases not named are pumped to 0.
    #[serde(default)]
    pub pressures_pa: BTreeMap<String, f64>,
    #[serde(default)]
    pub ion: Option<IonConfig>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IonConfig {
    pub energy_ev: f64,
    pub flux_per_nm2_s: f64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReactorConfig {
    /// Gas residence time (s): partial pressures relax exponentially to each phase's set value.
    #[serde(default)]
    pub residence_time_s: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputConfig {
    /// Coverage samples written per phase to coverage.csv.
    #[serde(default = "default_samples")]
    pub samples_per_phase: usize,
}

impl Default for OutputConfig {
    fn default() -> Self {
        OutputConfig {
            samples_per_phase: default_samples(),
        }
    }
}

fn default_samples() -> usize {
    20
}

impl KmcConfig {
    /// Parse a whole recipe file's text and take its `[kmc]` table (used by the benchmark and tests).
    pub fn from_recipe_str(text: &str, file: &str) -> Result<Self> {
        let mut value: toml::Table = toml::from_str(text).map_err(|e| KmcError::Parse(format!("{file}: {e}")))?;
        let kmc = value
            .remove("kmc")
            .ok_or_else(|| KmcError::config(format!("{file}: kmc"), "missing [kmc] section"))?;
        kmc.try_into()
            .map_err(|e: toml::de::Error| KmcError::Parse(format!("{file}: [kmc]: {e}")))
    }
}

// ---------------------------------------------------------------------------------------------
// Compiled model

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Rate {
    Constant(f64),
    /// k = s · A_site(m²) / sqrt(2π m kT) · p(gas)
    PerPascal { gas: usize, hz_per_pa: f64 },
    Ion { yield_prefactor: f64, threshold_ev: f64, site_area_nm2: f64 },
}

#[derive(Debug, Clone)]
pub(crate) struct Condition {
    pub mask: u64,
    pub min: u32,
    pub max: u32,
}

#[derive(Debug, Clone)]
pub(crate) struct Event {
    pub name: String,
    pub center: u8,
    pub becomes: u8,
    pub dh: i32,
    pub partner: Option<(u8, u8)>,
    pub partner_dh: i32,
    pub relax: bool,
    pub type_mask: u64,
    pub partner_type_mask: u64,
    pub conditions: Vec<Condition>,
    pub rate: Rate,
}

#[derive(Debug, Clone)]
pub(crate) struct Phase {
    pub name: String,
    pub duration_s: f64,
    pub pressures_pa: Vec<f64>,
    pub ion: Option<(f64, f64)>,
}

/// A validated, index-based model ready for the engine.
#[derive(Debug, Clone)]
pub struct Model {
    pub(crate) species: Vec<String>,
    pub(crate) gases: Vec<String>,
    pub(crate) events: Vec<Event>,
    pub(crate) phases: Vec<Phase>,
    pub(crate) cycles: u32,
    pub(crate) lattice: Lattice,
    pub(crate) layer_thickness_angstrom: f64,
    pub(crate) residence_time_s: f64,
    pub(crate) samples_per_phase: usize,
    pub(crate) max_events_per_phase: f64,
    pub(crate) selectivity: Option<(usize, usize)>,
}

fn finite_nonneg(key: &str, v: f64) -> Result<()> {
    if !v.is_finite() || v < 0.0 {
        return Err(KmcError::config(key, format!("expected a finite value >= 0, found {v}")));
    }
    Ok(())
}

fn finite_pos(key: &str, v: f64) -> Result<()> {
    if !v.is_finite() || v <= 0.0 {
        return Err(KmcError::config(key, format!("expected a finite value > 0, found {v}")));
    }
    Ok(())
}

impl Model {
    /// Validate `cfg` and build the lattice. Every error names the recipe key (`kmc.…`).
    pub fn compile(cfg: &KmcConfig) -> Result<Model> {
        finite_pos("kmc.temperature_k", cfg.temperature_k)?;
        finite_pos("kmc.layer_thickness_angstrom", cfg.layer_thickness_angstrom)?;
        if cfg.species.is_empty() || cfg.species.len() > 64 {
            return Err(KmcError::config(
                "kmc.species",
                format!("expected 1 to 64 species names, found {}", cfg.species.len()),
            ));
        }
        for (i, s) in cfg.species.iter().enumerate() {
            if cfg.species[..i].contains(s) {
                return Err(KmcError::config(format!("kmc.species[{i}]"), format!("duplicate species '{s}'")));
            }
        }
        let species_idx = |key: &str, name: &str| -> Result<u8> {
            cfg.species.iter().position(|s| s == name).map(|i| i as u8).ok_or_else(|| {
                KmcError::config(
                    key,
                    format!("unknown species '{name}' (kmc.species = [{}])", cfg.species.join(", ")),
                )
            })
        };
        let initial = species_idx("kmc.initial_species", &cfg.initial_species)?;

        // Gases
        let mut gases = Vec::new();
        let mut masses = Vec::new();
        for (i, g) in cfg.gases.iter().enumerate() {
            if gases.contains(&g.name) {
                return Err(KmcError::config(format!("kmc.gases[{i}].name"), format!("duplicate gas '{}'", g.name)));
            }
            finite_pos(&format!("kmc.gases[{i}].mass_amu"), g.mass_amu)?;
            gases.push(g.name.clone());
            masses.push(g.mass_amu);
        }
        let gas_idx = |key: &str, name: &str| -> Result<usize> {
            gases.iter().position(|s| s == name).ok_or_else(|| {
                KmcError::config(key, format!("unknown gas '{name}' (kmc.gases: [{}])", gases.join(", ")))
            })
        };

        // Lattice (with regions and initial species)
        let lattice = Lattice::build(cfg, initial, &species_idx, &cfg_bytes_per_site(cfg))?;
        let type_idx = |key: &str, name: &str| -> Result<usize> {
            lattice.type_names.iter().position(|s| s == name).ok_or_else(|| {
                KmcError::config(
                    key,
                    format!("unknown site type '{name}' (types of this lattice: [{}])", lattice.type_names.join(", ")),
                )
            })
        };
        let type_mask = |key: &str, names: &Option<Vec<String>>| -> Result<u64> {
            match names {
                None => Ok(u64::MAX),
                Some(v) => {
                    let mut m = 0u64;
                    for (k, n) in v.iter().enumerate() {
                        m |= 1 << type_idx(&format!("{key}[{k}]"), n)?;
                    }
                    Ok(m)
                }
            }
        };

        // Events
        if cfg.events.is_empty() {
            return Err(KmcError::config("kmc.events", "expected at least one [[kmc.events]]"));
        }
        if cfg.events.len() > 1024 {
            return Err(KmcError::config("kmc.events", "at most 1024 events"));
        }
        let site_area_a2 = lattice.site_area_angstrom2;
        let mut events = Vec::new();
        for (i, e) in cfg.events.iter().enumerate() {
            let k = format!("kmc.events[{i}]");
            if cfg.events[..i].iter().any(|o| o.name == e.name) {
                return Err(KmcError::config(format!("{k}.name"), format!("duplicate event name '{}'", e.name)));
            }
            let center = species_idx(&format!("{k}.site"), &e.site)?;
            let becomes = species_idx(&format!("{k}.becomes"), &e.becomes)?;
            let partner = match (&e.neighbor, &e.neighbor_becomes) {
                (None, None) => None,
                (Some(n), Some(nb)) => Some((
                    species_idx(&format!("{k}.neighbor"), n)?,
                    species_idx(&format!("{k}.neighbor_becomes"), nb)?,
                )),
                (Some(_), None) => {
                    return Err(KmcError::config(format!("{k}.neighbor_becomes"), "required when `neighbor` is given"))
                }
                (None, Some(_)) => {
                    return Err(KmcError::config(format!("{k}.neighbor"), "required when `neighbor_becomes` is given"))
                }
            };
            if partner.is_none() && (e.neighbor_height_change != 0 || e.neighbor_site_types.is_some()) {
                return Err(KmcError::config(
                    format!("{k}.neighbor"),
                    "neighbor_height_change / neighbor_site_types need a pair event (`neighbor`)",
                ));
            }
            if partner.is_none() && center == becomes && e.height_change == 0 {
                return Err(KmcError::config(
                    format!("{k}.becomes"),
                    "the event changes nothing (same species, no height change); it would never end a phase",
                ));
            }
            if e.relax_to_lowest && (e.height_change < 0 || lattice.kind == LatticeKind::Trench) {
                return Err(KmcError::config(
                    format!("{k}.relax_to_lowest"),
                    "only for deposition (height_change > 0) on 2-D lattices",
                ));
            }
            let mut conditions = Vec::new();
            for (c, cond) in e.conditions.iter().enumerate() {
                let ck = format!("{k}.conditions[{c}]");
                let mut mask = 0u64;
                for (s, name) in cond.species.iter().enumerate() {
                    mask |= 1 << species_idx(&format!("{ck}.species[{s}]"), name)?;
                }
                let min = cond.min.unwrap_or(0);
                let max = cond.max.unwrap_or(u32::MAX);
                if min > max {
                    return Err(KmcError::config(ck, format!("min = {min} > max = {max}")));
                }
                if cond.min.is_none() && cond.max.is_none() {
                    return Err(KmcError::config(ck, "expected `min` and/or `max`"));
                }
                conditions.push(Condition { mask, min, max });
            }
            let rk = format!("{k}.rate");
            let rate = match &e.rate {
                RateConfig::ConstantHz(v) => {
                    finite_nonneg(&format!("{rk}.constant_hz"), *v)?;
                    Rate::Constant(*v)
                }
                RateConfig::Arrhenius { prefactor_hz, barrier_ev } => {
                    finite_nonneg(&format!("{rk}.arrhenius.prefactor_hz"), *prefactor_hz)?;
                    finite_nonneg(&format!("{rk}.arrhenius.barrier_ev"), *barrier_ev)?;
                    Rate::Constant(rates::arrhenius(*prefactor_hz, *barrier_ev, cfg.temperature_k))
                }
                RateConfig::HertzKnudsen { gas, sticking, site_area_angstrom2 } => {
                    let g = gas_idx(&format!("{rk}.hertz_knudsen.gas"), gas)?;
                    let sk = format!("{rk}.hertz_knudsen.sticking");
                    finite_nonneg(&sk, *sticking)?;
                    if *sticking > 1.0 {
                        return Err(KmcError::config(sk, format!("expected a probability in [0, 1], found {sticking}")));
                    }
                    let area = site_area_angstrom2.unwrap_or(site_area_a2);
                    finite_pos(&format!("{rk}.hertz_knudsen.site_area_angstrom2"), area)?;
                    Rate::PerPascal {
                        gas: g,
                        hz_per_pa: sticking * rates::impingement_per_pa(masses[g], cfg.temperature_k, area),
                    }
                }
                RateConfig::Pressure { gas, hz_per_pa } => {
                    let g = gas_idx(&format!("{rk}.pressure.gas"), gas)?;
                    finite_nonneg(&format!("{rk}.pressure.hz_per_pa"), *hz_per_pa)?;
                    Rate::PerPascal { gas: g, hz_per_pa: *hz_per_pa }
                }
                RateConfig::Ion { yield_prefactor, threshold_ev } => {
                    finite_nonneg(&format!("{rk}.ion.yield_prefactor"), *yield_prefactor)?;
                    finite_nonneg(&format!("{rk}.ion.threshold_ev"), *threshold_ev)?;
                    Rate::Ion {
                        yield_prefactor: *yield_prefactor,
                        threshold_ev: *threshold_ev,
                        site_area_nm2: site_area_a2 / 100.0,
                    }
                }
            };
            events.push(Event {
                name: e.name.clone(),
                center,
                becomes,
                dh: e.height_change,
                partner,
                partner_dh: e.neighbor_height_change,
                relax: e.relax_to_lowest,
                type_mask: type_mask(&format!("{k}.site_types"), &e.site_types)?,
                partner_type_mask: type_mask(&format!("{k}.neighbor_site_types"), &e.neighbor_site_types)?,
                conditions,
                rate,
            });
        }

        // Phases
        if cfg.cycle.count == 0 {
            return Err(KmcError::config("kmc.cycle.count", "expected at least 1 cycle"));
        }
        if cfg.cycle.phases.is_empty() {
            return Err(KmcError::config("kmc.cycle.phases", "expected at least one [[kmc.cycle.phases]]"));
        }
        let mut phases = Vec::new();
        for (i, p) in cfg.cycle.phases.iter().enumerate() {
            let k = format!("kmc.cycle.phases[{i}]");
            finite_pos(&format!("{k}.duration_s"), p.duration_s)?;
            let mut pressures = vec![0.0; gases.len()];
            for (g, v) in &p.pressures_pa {
                let gk = format!("{k}.pressures_pa.{g}");
                let gi = gas_idx(&gk, g)?;
                finite_nonneg(&gk, *v)?;
                pressures[gi] = *v;
            }
            let ion = match &p.ion {
                None => None,
                Some(ion) => {
                    finite_nonneg(&format!("{k}.ion.energy_ev"), ion.energy_ev)?;
                    finite_nonneg(&format!("{k}.ion.flux_per_nm2_s"), ion.flux_per_nm2_s)?;
                    Some((ion.energy_ev, ion.flux_per_nm2_s))
                }
            };
            phases.push(Phase {
                name: p.name.clone(),
                duration_s: p.duration_s,
                pressures_pa: pressures,
                ion,
            });
        }
        finite_nonneg("kmc.reactor.residence_time_s", cfg.reactor.residence_time_s)?;
        if !(cfg.max_events_per_phase.is_finite() && cfg.max_events_per_phase >= 1.0) {
            return Err(KmcError::config(
                "kmc.max_events_per_phase",
                format!("expected a number >= 1, found {}", cfg.max_events_per_phase),
            ));
        }
        if cfg.output.samples_per_phase > 100_000 {
            return Err(KmcError::config("kmc.output.samples_per_phase", "at most 100000"));
        }
        let selectivity = match &cfg.selectivity {
            None => None,
            Some(s) => Some((
                type_idx("kmc.selectivity.growth", &s.growth)?,
                type_idx("kmc.selectivity.nongrowth", &s.nongrowth)?,
            )),
        };
        Ok(Model {
            species: cfg.species.clone(),
            gases,
            events,
            phases,
            cycles: cfg.cycle.count,
            lattice,
            layer_thickness_angstrom: cfg.layer_thickness_angstrom,
            residence_time_s: cfg.reactor.residence_time_s,
            samples_per_phase: cfg.output.samples_per_phase,
            max_events_per_phase: cfg.max_events_per_phase,
            selectivity,
        })
    }

    pub fn species(&self) -> &[String] {
        &self.species
    }
    pub fn lattice(&self) -> &Lattice {
        &self.lattice
    }
    pub fn event_names(&self) -> Vec<&str> {
        self.events.iter().map(|e| e.name.as_str()).collect()
    }
}

/// Memory the engine needs per site (bytes), an upper bound for the lattice-size guard: the site
/// record (state word + one list position per single-site event), height, neighbour table (twice on
/// the trench: the engine's state-table path keeps a copy in its records), pair-event position
/// arrays, and the enabled-slot lists.
fn cfg_bytes_per_site(cfg: &KmcConfig) -> f64 {
    let (z, nbr_copies) = match cfg.lattice.kind {
        LatticeKind::Square => (4.0, 1.0),
        LatticeKind::Hexagonal => (6.0, 1.0),
        LatticeKind::Trench => (6.0, 2.0),
    };
    let single = cfg.events.iter().filter(|e| e.neighbor.is_none()).count() as f64;
    let pair = cfg.events.len() as f64 - single;
    let masks = cfg.events.iter().map(|e| e.conditions.len()).sum::<usize>() as f64;
    4.0 + 4.0 * (masks / 4.0).ceil() + 4.0 * single + 4.0 + 4.0 * z * nbr_copies + 8.0 * z * pair + 4.0 * single
}

/// Memory the lattice may use: half of the available memory (Linux /proc/meminfo), at most
/// [`MAX_MEMORY_BYTES`].
pub(crate) fn memory_limit_bytes() -> f64 {
    let avail = std::fs::read_to_string("/proc/meminfo").ok().and_then(|m| {
        m.lines()
            .find(|l| l.starts_with("MemAvailable:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map(|kb| kb * 1024.0)
    });
    match avail {
        Some(b) => (0.5 * b).min(MAX_MEMORY_BYTES),
        None => MAX_MEMORY_BYTES,
    }
}
