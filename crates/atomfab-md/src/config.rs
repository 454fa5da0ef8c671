//! The `[md]` recipe section.
//!
//! ```toml
//! [md]
//! lattice = { kind = "fcc", a = 3.615, species = ["Cu"], repeats = [10, 10, 10] }   # or structure = "in.xyz"
//! potential = "eam/alloy:Cu_mishin1.eam.alloy:Cu"
//! dt = 0.001          # ps (metal) or τ (lj)
//! steps = 10000
//! velocity = { temperature = 300, seed = 4928459 }
//! ensemble = { kind = "nvt", thermostat = "nose_hoover", temperature = 300, damp = 0.1 }
//! groups = [{ name = "base", region = { shape = "block", lo = [-inf, -inf, -inf], hi = [inf, inf, 5] } }]
//! fixes = [{ kind = "fixed", group = "base" }]
//! thermo = { every = 100, group_forces = ["base"] }
//! dumps = [{ every = 1000, file = "traj.xyz" }]
//! checkpoint = { every = 5000 }
//! ```

use atomfab_core::{LatticeKind, Region, UnitSystem, Vec3};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MdConfig {
    /// Unit system (default: the given system's, else metal).
    #[serde(default)]
    pub units: Option<UnitSystem>,
    /// Structure file (extxyz, LAMMPS data or dump); exclusive with `lattice`. Without either, the caller
    /// supplies the system (e.g. the recipe's `[system]`).
    #[serde(default)]
    pub structure: Option<PathBuf>,
    /// LAMMPS atom type → species name for LAMMPS files, e.g. { 1 = "Si", 2 = "C" }.
    #[serde(default)]
    pub type_map: BTreeMap<u32, String>,
    #[serde(default)]
    pub lattice: Option<LatticeConfig>,
    /// Mass overrides per species name (amu, or reduced units in lj).
    #[serde(default)]
    pub masses: BTreeMap<String, f64>,
    /// Potential spec, e.g. `lj:epsilon=1,sigma=1,cutoff=2.5` or `tersoff:Si.tersoff:Si`.
    pub potential: String,
    /// Time step (ps in metal units, τ in lj).
    pub dt: f64,
    /// Total number of steps of the run.
    pub steps: u64,
    #[serde(default)]
    pub velocity: Option<VelocityConfig>,
    #[serde(default)]
    pub neighbor: NeighborConfig,
    #[serde(default)]
    pub ensemble: EnsembleConfig,
    #[serde(default)]
    pub groups: Vec<GroupConfig>,
    #[serde(default)]
    pub fixes: Vec<FixConfig>,
    #[serde(default)]
    pub thermo: ThermoConfig,
    #[serde(default)]
    pub dumps: Vec<DumpConfig>,
    #[serde(default)]
    pub checkpoint: Option<CheckpointConfig>,
    /// Worker threads for force loops (default: rayon's global pool).
    #[serde(default)]
    pub threads: Option<usize>,
    /// Adaptive time step (LAMMPS `fix dt/reset`); `dt` is then the initial step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dt_reset: Option<crate::dt_reset::DtResetConfig>,
}

/// A crystal block built from a lattice (atomfab_core::LatticeSpec plus repeats and periodicity).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LatticeConfig {
    pub kind: LatticeKind,
    /// Lattice constant (Å or σ); or give `density`.
    #[serde(default)]
    pub a: Option<f64>,
    /// Reduced number density (lj units, as LAMMPS `lattice fcc 0.8442`): a = (atoms per cell / ρ)^(1/3).
    #[serde(default)]
    pub density: Option<f64>,
    #[serde(default)]
    pub c: Option<f64>,
    #[serde(default)]
    pub orient: Option<[[i32; 3]; 3]>,
    pub species: Vec<String>,
    pub repeats: [usize; 3],
    #[serde(default = "all_true")]
    pub pbc: [bool; 3],
}

fn all_true() -> [bool; 3] {
    [true; 3]
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VelocityConfig {
    /// Temperature (K or ε/k_B).
    pub temperature: f64,
    pub seed: u64,
    #[serde(default = "default_all")]
    pub group: String,
    /// `seeded` (default) or `geom` (LAMMPS `loop geom`, reproduces LAMMPS velocities).
    #[serde(default, rename = "loop")]
    pub loop_: crate::velocity::VelocityLoop,
    #[serde(default)]
    pub distribution: crate::velocity::Distribution,
}

pub(crate) fn default_all() -> String {
    "all".into()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct NeighborConfig {
    /// Skin (Å or σ); default 2.0 Å in metal and 0.3 σ in lj units (LAMMPS defaults).
    #[serde(default)]
    pub skin: Option<f64>,
    /// Consider a rebuild every N steps (default 1).
    #[serde(default)]
    pub every: Option<u64>,
    /// Rebuild only when an atom moved more than skin/2 (default true).
    #[serde(default)]
    pub check: Option<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum EnsembleKind {
    #[default]
    Nve,
    Nvt,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ThermostatStyle {
    #[default]
    NoseHoover,
    Langevin,
    Berendsen,
}

/// The global ensemble: NVE, or NVT with a thermostat on `group` (default all).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct EnsembleConfig {
    #[serde(default)]
    pub kind: EnsembleKind,
    #[serde(default)]
    pub thermostat: ThermostatStyle,
    /// Target temperature at the start (K or ε/k_B).
    #[serde(default)]
    pub temperature: Option<f64>,
    /// Target at the end (default: `temperature`).
    #[serde(default)]
    pub t_stop: Option<f64>,
    /// Damping time (ps or τ).
    #[serde(default)]
    pub damp: Option<f64>,
    #[serde(default)]
    pub group: Option<String>,
    /// Langevin random seed.
    #[serde(default)]
    pub seed: Option<u64>,
    /// Nosé–Hoover chain length (default 3).
    #[serde(default)]
    pub chain: Option<usize>,
}

/// A named group: atoms matching every given criterion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupConfig {
    pub name: String,
    #[serde(default)]
    pub region: Option<Region>,
    #[serde(default)]
    pub species: Option<Vec<String>>,
    /// Atom ids.
    #[serde(default)]
    pub ids: Option<Vec<u64>>,
}

/// Sinusoidal vibration d_k = A_k (sin(2πft + φ_k) − sin φ_k).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VibrationConfig {
    /// Amplitude per axis (Å or σ).
    pub amplitude: Vec3,
    /// Frequency (1/ps = THz in metal units, 1/τ in lj).
    pub frequency: f64,
    /// Phase per axis in degrees; [0, 0, 90] with amplitudes on x and z gives elliptical vibration.
    #[serde(default)]
    pub phase_deg: Vec3,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum FixConfig {
    /// Held in place (zero force and velocity).
    Fixed { group: String },
    /// Prescribed motion: velocity (Å/ps), waypoints `[t, dx, dy, dz]` (ps, Å) and vibration.
    Move {
        group: String,
        #[serde(default)]
        velocity: Vec3,
        #[serde(default)]
        path: Vec<[f64; 4]>,
        #[serde(default)]
        vibration: Option<VibrationConfig>,
    },
    /// Rigid body under its summed force (+ `force`, eV/Å) and torque.
    Rigid {
        group: String,
        #[serde(default = "all_true")]
        translate: [bool; 3],
        #[serde(default = "yes")]
        rotate: bool,
        #[serde(default)]
        force: Vec3,
    },
    /// Thermostat on one group (e.g. a thermostat layer).
    Thermostat {
        group: String,
        #[serde(default)]
        style: ThermostatStyle,
        temperature: f64,
        #[serde(default)]
        t_stop: Option<f64>,
        /// Damping time (ps or τ).
        damp: f64,
        #[serde(default)]
        seed: Option<u64>,
        #[serde(default)]
        chain: Option<usize>,
    },
    /// Force on a group written every N steps to a CSV file in the output folder.
    RecordForce { group: String, every: u64, file: String },
    /// Rigid indenter / abrasive: centre of mass follows `velocity` (Å/ps) + `path` (`[t, dx, dy, dz]`, ps,
    /// Å) on the driven axes; on `free` axes it moves under the atom force + `load` (eV/Å, ramped in over
    /// `load_ramp` ps) − M v/`damp` (ps); turns at `spin` (rad/ps) about its centre of mass. A `vibration`
    /// adds to the driven axes only.
    Driven {
        group: String,
        #[serde(default)]
        velocity: Vec3,
        #[serde(default)]
        path: Vec<[f64; 4]>,
        #[serde(default)]
        vibration: Option<VibrationConfig>,
        #[serde(default)]
        free: [bool; 3],
        #[serde(default)]
        load: Vec3,
        #[serde(default)]
        load_ramp: f64,
        #[serde(default)]
        damp: f64,
        #[serde(default)]
        spin: Vec3,
        /// Time (ps) until which the free axes are held on the prescribed motion; the load ramps in after it.
        #[serde(default)]
        release: f64,
    },
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThermoConfig {
    #[serde(default = "hundred")]
    pub every: u64,
    #[serde(default = "thermo_file")]
    pub file: String,
    /// Groups whose summed potential force (eV/Å) gets columns fx_G, fy_G, fz_G.
    #[serde(default)]
    pub group_forces: Vec<String>,
}

fn hundred() -> u64 {
    100
}
fn thermo_file() -> String {
    "thermo.csv".into()
}

impl Default for ThermoConfig {
    fn default() -> Self {
        ThermoConfig { every: 100, file: thermo_file(), group_forces: Vec::new() }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DumpConfig {
    pub every: u64,
    /// File in the output folder; `.xyz`/`.extxyz` → extxyz, `.dump`/`.lammpstrj` → LAMMPS dump.
    pub file: String,
    /// `extxyz` or `lammps-dump` (default from the file name).
    #[serde(default)]
    pub format: Option<String>,
    /// LAMMPS dump columns (default id type element x y z …).
    #[serde(default)]
    pub columns: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckpointConfig {
    pub every: u64,
    #[serde(default = "checkpoint_file")]
    pub file: String,
}

fn checkpoint_file() -> String {
    "checkpoint.bin".into()
}
