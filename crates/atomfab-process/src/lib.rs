//! atomfab-process: atomic-scale removal processes end to end. A `[process]` recipe section builds its
//! own geometry, runs the MD engine, then evaluates the result with the metrology and structure crates
//! and writes `summary.json` and a self-contained `report.html`.
//!
//! Each process kind is one module with `validate`, `build` and `run` (nanocut.rs, ...); the parts all
//! kinds share are in `common` (workpiece, MD run generation) and `evaluate` (surface metrology, damage,
//! grades, summary, report). Adding a kind: a module, a `ProcessKind` variant, one arm in `run` and
//! `validate`, and, if it measures figures of its own, one optional field of `KindFigures`.
//!
//! Units: recipe lengths in nm, speeds m/s, temperatures K; internally metal units (Å, ps, eV).

pub mod analysis;
pub mod common;
pub mod config;
pub mod error;
pub mod evaluate;
pub mod geometry;
pub mod ion_beam;
pub mod material;
pub mod nanocut;
pub mod polish;
pub mod scratch;
mod report;

pub use config::{Material, ProcessConfig, ProcessKind};
pub use error::ProcessError;
pub use report::depth as damage_figure;

use analysis::Damage;
use atomfab_metrology::params::ArealParams;
use atomfab_metrology::steps::TerraceAnalysis;
use serde::Serialize;
use std::path::Path;

/// Progress of the MD part, reported at every thermo step.
pub type ProgressFn<'a> = &'a mut (dyn FnMut(&atomfab_md::Progress) + Send);

/// Spatial-frequency bands (1/nm) whose RMS roughness is reported: low, mid, high.
pub const BANDS_PER_NM: [(f64, f64, &str); 3] = [(0.1, 0.5, "low"), (0.5, 2.0, "mid"), (2.0, 5.0, "high")];

#[derive(Debug, Clone, Serialize)]
pub struct BandRms {
    pub band: String,
    pub from_per_nm: f64,
    pub to_per_nm: f64,
    pub rms_nm: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct GradeResult {
    pub criterion: String,
    pub value: f64,
    pub unit: String,
    /// The value is only a lower bound (damage reaching the bottom of the workpiece): the criterion passes
    /// only when every larger value would pass it too.
    pub lower_bound: bool,
    pub pass: bool,
}

/// Everything a run measured; written as `summary.json` (deterministic: no wall-clock figures).
#[derive(Debug, Clone, Serialize)]
pub struct ProcessSummary {
    pub kind: ProcessKind,
    pub material: Material,
    pub seed: u64,
    pub atoms: usize,
    pub workpiece_atoms: usize,
    pub tool_atoms: usize,
    pub steps: u64,
    pub simulated_time_ps: f64,
    /// Workpiece width along y (periodic), nm.
    pub width_nm: f64,
    /// What only this kind measures (its keys appear at the top level of summary.json).
    #[serde(flatten)]
    pub figures: KindFigures,
    pub max_temperature_k: f64,
    /// ISO 25178-2 parameters of the machined surface (plane-levelled), lengths in m, Sdr in %.
    pub surface: ArealParams,
    pub surface_map: SurfaceMapInfo,
    pub band_rms: Vec<BandRms>,
    pub terraces: Option<TerraceAnalysis>,
    pub damage: Damage,
    pub grades: Vec<GradeResult>,
    pub pass: bool,
    pub files: Vec<String>,
    /// One line of the kind's key figures, for the terminal (not in summary.json).
    #[serde(skip)]
    pub headline: String,
}

/// Figures particular to one kind; each kind fills its own field(s), the others stay `None` and do not
/// appear in summary.json.
#[derive(Debug, Clone, Default, Serialize)]
pub struct KindFigures {
    /// Nanocutting: depth of cut and cut length (nm), chip, forces, specific cutting energy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub depth_of_cut_nm: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cut_length_nm: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub removal: Option<nanocut::Removal>,
    /// Scratching: forces, friction, groove and pile-up.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scratch: Option<scratch::ScratchFigures>,
    /// Polishing: forces, friction, removal per pass, roughness before/after.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub polish: Option<polish::PolishFigures>,
    /// Ion beam: sputter yield, implantation, per-impact records.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ion_beam: Option<ion_beam::IonFigures>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SurfaceMapInfo {
    pub file: String,
    pub nx: usize,
    pub ny: usize,
    pub pixel_nm: f64,
    /// Machined region along x, nm (workpiece coordinates).
    pub x_from_nm: f64,
    pub x_to_nm: f64,
    pub method: String,
}

/// Runs a process recipe into `out_dir` (created if missing). With `resume`, continues the MD run from
/// the checkpoint in `out_dir` bit-identically. `recipe_text` is echoed in the report.
pub fn run(cfg: &ProcessConfig, seed: u64, recipe_text: &str, out_dir: &Path, resume: bool, progress: ProgressFn) -> Result<ProcessSummary, ProcessError> {
    validate(cfg)?;
    std::fs::create_dir_all(out_dir).map_err(|e| ProcessError::Io(format!("{}: {e}", out_dir.display())))?;
    match cfg.kind {
        ProcessKind::Nanocutting => nanocut::run(cfg, seed, recipe_text, out_dir, resume, progress),
        ProcessKind::Scratching => scratch::run(cfg, seed, recipe_text, out_dir, resume, progress),
        ProcessKind::Polishing => polish::run(cfg, seed, recipe_text, out_dir, resume, progress),
        ProcessKind::IonBeam => ion_beam::run(cfg, seed, recipe_text, out_dir, resume, progress),
    }
}

/// Checks a recipe completely (each kind's `validate` checks the common keys, then its own) before
/// anything is built, naming the offending key.
pub fn validate(cfg: &ProcessConfig) -> Result<(), ProcessError> {
    match cfg.kind {
        ProcessKind::Nanocutting => nanocut::validate(cfg),
        ProcessKind::Scratching => scratch::validate(cfg),
        ProcessKind::Polishing => polish::validate(cfg),
        ProcessKind::IonBeam => ion_beam::validate(cfg),
    }
}
