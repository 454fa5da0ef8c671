//! The `[process]` recipe section. Lengths in nm (as process engineers state them), speeds in m/s,
//! temperatures in K, frequencies in GHz, time step in ps; converted to metal units (Å, ps) inside.
//!
//! ```toml
//! [process]
//! kind = "nanocutting"
//! material = "Si"              # Si (diamond, Tersoff) or Cu (fcc, EAM)
//! temperature = 300            # K
//! spec = ["Sq <= 0.3 nm", "damage_depth <= 3 nm"]
//! [process.workpiece]
//! size_nm = [8.0, 2.2, 4.0]    # x (cutting direction), y (width, periodic), z (depth)
//! [process.tool]
//! rake_deg = 0.0
//! clearance_deg = 10.0
//! edge_radius_nm = 0.5
//! [process.cut]
//! depth_nm = 1.0
//! speed_m_per_s = 200
//! length_nm = 4.0
//! ```

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProcessKind {
    Nanocutting,
    Scratching,
    Polishing,
    IonBeam,
}

impl ProcessKind {
    /// Name as written in a recipe.
    pub fn name(self) -> &'static str {
        match self {
            ProcessKind::Nanocutting => "nanocutting",
            ProcessKind::Scratching => "scratching",
            ProcessKind::Polishing => "polishing",
            ProcessKind::IonBeam => "ion_beam",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Material {
    Si,
    Cu,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProcessConfig {
    pub kind: ProcessKind,
    pub material: Material,
    /// Workpiece temperature (K): initial velocities and the thermostat layer.
    #[serde(default = "room_temperature")]
    pub temperature: f64,
    /// MD time step (ps). Default 0.001 (1 fs).
    #[serde(default = "one_fs")]
    pub dt_ps: f64,
    /// Pass/fail criteria, e.g. "Sq <= 0.3 nm", "damage_depth <= 3 nm", "missing_layers < 3".
    #[serde(default)]
    pub spec: Vec<String>,
    pub workpiece: WorkpieceConfig,
    /// Nanocutting: the cutting tool (default: `ToolConfig::default()`) and the cut.
    #[serde(default)]
    pub tool: Option<ToolConfig>,
    #[serde(default)]
    pub cut: Option<CutConfig>,
    /// Scratching: the indenter and its motion.
    #[serde(default)]
    pub indenter: Option<crate::scratch::IndenterConfig>,
    #[serde(default)]
    pub scratch: Option<crate::scratch::ScratchConfig>,
    /// Polishing: the abrasive particle and its motion.
    #[serde(default)]
    pub abrasive: Option<crate::polish::AbrasiveConfig>,
    #[serde(default)]
    pub polish: Option<crate::polish::PolishConfig>,
    /// Ion beam: the ions and the impact schedule.
    #[serde(default)]
    pub ion: Option<crate::ion_beam::IonConfig>,
    #[serde(default)]
    pub assist: AssistConfig,
    #[serde(default)]
    pub output: ProcessOutput,
    /// Worker threads (default: all cores).
    #[serde(default)]
    pub threads: Option<usize>,
}

impl ProcessConfig {
    /// Kind-specific sections and whether the recipe has them (to reject those of another kind).
    pub fn kind_sections(&self) -> Vec<(&'static str, bool)> {
        vec![
            ("tool", self.tool.is_some()),
            ("cut", self.cut.is_some()),
            ("ion", self.ion.is_some()),
            ("indenter", self.indenter.is_some()),
            ("scratch", self.scratch.is_some()),
            ("abrasive", self.abrasive.is_some()),
            ("polish", self.polish.is_some()),
        ]
    }
}

fn room_temperature() -> f64 {
    300.0
}
fn one_fs() -> f64 {
    0.001
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkpieceConfig {
    /// Size along x (cutting direction), y (width, periodic) and z (depth), nm; rounded to whole lattice
    /// periods.
    pub size_nm: [f64; 3],
    /// Miller indices of the crystal directions along x, y, z (z is the machined surface normal).
    #[serde(default = "default_orient")]
    pub orient: [[i32; 3]; 3],
    /// Bottom layer held fixed, nm.
    #[serde(default = "half_nm")]
    pub fixed_nm: f64,
    /// Thermostat layer above the fixed layer, nm.
    #[serde(default = "thermostat_nm")]
    pub thermostat_nm: f64,
}

fn default_orient() -> [[i32; 3]; 3] {
    [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
}
fn half_nm() -> f64 {
    0.5
}
fn thermostat_nm() -> f64 {
    0.7
}

/// A rigid diamond cutting tool, extruded over the whole workpiece width.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToolConfig {
    /// Rake angle (degrees; positive leans the rake face away from the chip).
    #[serde(default)]
    pub rake_deg: f64,
    /// Clearance angle between the flank face and the machined surface (degrees).
    #[serde(default = "ten")]
    pub clearance_deg: f64,
    /// Cutting-edge radius, nm (0 = sharp).
    #[serde(default = "edge_radius")]
    pub edge_radius_nm: f64,
    /// Tool length along x and height along z, nm. The height must stay well above the chip, or the chip
    /// spills over the tool onto the machined surface.
    #[serde(default = "tool_size")]
    pub size_nm: [f64; 2],
}

fn ten() -> f64 {
    10.0
}
fn edge_radius() -> f64 {
    0.5
}
fn tool_size() -> [f64; 2] {
    [2.5, 4.0]
}

impl Default for ToolConfig {
    fn default() -> Self {
        ToolConfig { rake_deg: 0.0, clearance_deg: ten(), edge_radius_nm: edge_radius(), size_nm: tool_size() }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CutConfig {
    /// Depth of cut below the original surface, nm.
    pub depth_nm: f64,
    /// Cutting speed, m/s (1 m/s = 0.01 Å/ps).
    pub speed_m_per_s: f64,
    /// Tool travel while cutting, nm (after the edge reaches the workpiece).
    pub length_nm: f64,
    /// Gap between the tool edge and the workpiece end at the start, nm.
    #[serde(default = "gap")]
    pub start_gap_nm: f64,
}

fn gap() -> f64 {
    0.5
}

/// Energy-field assistance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct AssistConfig {
    /// Ultrasonic / high-frequency tool vibration.
    #[serde(default)]
    pub vibration: Option<VibrationAssist>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VibrationAssist {
    /// Amplitude along x, y, z, nm. Amplitudes on x and z with phase_deg = [0, 0, 90] give elliptical
    /// vibration.
    pub amplitude_nm: [f64; 3],
    /// Frequency, GHz (MD-accessible time scales; 1 GHz = 0.001 ps⁻¹).
    pub frequency_ghz: f64,
    #[serde(default)]
    pub phase_deg: [f64; 3],
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProcessOutput {
    /// Thermo / force sampling interval, steps.
    #[serde(default = "fifty")]
    pub thermo_every: u64,
    /// Trajectory frame interval, steps (0 = first and last frame only).
    #[serde(default)]
    pub dump_every: u64,
    /// Checkpoint interval, steps (0 = none).
    #[serde(default = "two_thousand")]
    pub checkpoint_every: u64,
    /// Height-map pixel size, nm.
    #[serde(default = "pixel")]
    pub pixel_nm: f64,
}

fn fifty() -> u64 {
    50
}
fn two_thousand() -> u64 {
    2000
}
fn pixel() -> f64 {
    0.1
}

impl Default for ProcessOutput {
    fn default() -> Self {
        ProcessOutput { thermo_every: fifty(), dump_every: 0, checkpoint_every: two_thousand(), pixel_nm: pixel() }
    }
}
