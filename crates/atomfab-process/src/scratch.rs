//! Nano-scratching: a rigid diamond indenter (sphere, or cone with a spherical tip; a shell of atoms
//! interacting with the workpiece through the material's Morse pair, `none@C-C`) indents the surface to a
//! depth (depth control) or under a normal load (load control: the indenter's height follows the load as
//! a damped rigid body, atomfab-md fix `driven`), then slides along −x over a length at a speed. Measures
//! normal and tangential force vs scratch distance, friction coefficient, groove depth and width, pile-up,
//! displaced atoms, then the common surface metrology and subsurface damage.
//!
//! The workpiece is periodic in x and y (a slab on a fixed bottom layer and a thermostat layer). It first
//! equilibrates at the set temperature with the indenter held above it (`equilibrate_ps`); the groove is
//! measured from the surface at the end of that, not from the ideal lattice. An `[assist.vibration]`
//! adds to the prescribed axes of the indenter's motion (all three under depth control; x and y under
//! load control, where the height is free).

use crate::analysis::{self, Series, EV_PER_ANGSTROM_IN_NN};
use crate::common::{self, bad, Setup, Workpiece, NM};
use crate::config::ProcessConfig;
use crate::error::ProcessError;
use crate::evaluate::{self, Evaluation, KindReport, RunInfo, SurfaceRegion, WORKPIECE_SPECIES};
use crate::geometry::{indenter_atoms, Indenter};
use crate::material::{preset, MaterialPreset};
use crate::{KindFigures, ProcessSummary, ProgressFn};
use atomfab_core::units::METRE_PER_SECOND_IN_ANGSTROM_PER_PS;
use atomfab_core::{Cell, System, Vec3};
use atomfab_metrology::spec::Dim;
use atomfab_report::{Block, Plot, Series as PlotSeries};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IndenterShape {
    Sphere,
    Cone,
}

/// `[process.indenter]`: a rigid diamond indenter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndenterConfig {
    /// `sphere` or `cone` (with a spherical tip).
    pub shape: IndenterShape,
    /// Sphere radius, or the cone's tip radius, nm.
    pub radius_nm: f64,
    /// Cone half-angle, degrees (cone only).
    #[serde(default)]
    pub half_angle_deg: Option<f64>,
    /// Height of the indenter built above its tip, nm (default: the sphere radius; tip radius + 1.5 nm for
    /// a cone). Must clear the scratch depth plus the pile-up.
    #[serde(default)]
    pub height_nm: Option<f64>,
    /// `false`: the tool–workpiece Morse pair is cut at its minimum r0, leaving only its repulsive part
    /// (no adhesion), as the frictionless indenters of many scratching studies; separates ploughing from
    /// the adhesive pull on the tip.
    #[serde(default = "yes")]
    pub adhesive: bool,
}

fn yes() -> bool {
    true
}

/// The repulsive part of a Morse pair spec (`morse:d0=…,alpha=…,r0=…,cutoff=…@A-B`): the same pair cut at
/// r0, where its force is zero (the energy is shifted by D0, forces stay continuous).
pub fn repulsive_morse(spec: &str) -> Result<String, ProcessError> {
    let fail = || ProcessError::Config(format!("indenter.adhesive = false needs a Morse tool–workpiece pair with r0 and cutoff, found '{spec}'"));
    let (form, pair) = spec.split_once('@').ok_or_else(fail)?;
    let params = form.strip_prefix("morse:").ok_or_else(fail)?;
    let r0 = params.split(',').find_map(|kv| kv.strip_prefix("r0=")).ok_or_else(fail)?;
    if !params.split(',').any(|kv| kv.starts_with("cutoff=")) {
        return Err(fail());
    }
    let params: Vec<String> = params.split(',').map(|kv| if kv.starts_with("cutoff=") { format!("cutoff={r0}") } else { kv.to_string() }).collect();
    Ok(format!("morse:{}@{pair}", params.join(",")))
}

/// `[process.scratch]`: indentation and scratch motion. Give exactly one of `depth_nm` and `load_nn`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScratchConfig {
    /// Depth control: tip depth below the original surface, nm.
    #[serde(default)]
    pub depth_nm: Option<f64>,
    /// Load control: normal load on the indenter, nN.
    #[serde(default)]
    pub load_nn: Option<f64>,
    /// Scratch speed along −x, m/s.
    pub speed_m_per_s: f64,
    /// Scratch length, nm.
    pub length_nm: f64,
    /// Depth control: indentation speed, m/s (default: the scratch speed).
    #[serde(default)]
    pub indent_speed_m_per_s: Option<f64>,
    /// Load control: time over which the load rises to its value before scratching starts, ps.
    #[serde(default = "five")]
    pub load_ramp_ps: f64,
    /// Load control: viscous damping time of the indenter's vertical motion, ps.
    #[serde(default = "damping")]
    pub damping_ps: f64,
    /// Gap between the tip and the surface atoms at the start, nm.
    #[serde(default = "gap")]
    pub start_gap_nm: f64,
    /// Time the workpiece equilibrates at the set temperature with the indenter held above it before it
    /// indents, ps (velocities start at twice the temperature on the ideal lattice; equipartition halves
    /// them). The groove is measured from the surface at the end of it.
    #[serde(default = "two")]
    pub equilibrate_ps: f64,
}

fn five() -> f64 {
    5.0
}
fn two() -> f64 {
    2.0
}
fn damping() -> f64 {
    0.2
}
fn gap() -> f64 {
    0.2
}

/// How the indenter's height is controlled.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Control {
    /// Tip depth below the original surface, Å.
    Depth(f64),
    /// Normal load, eV/Å.
    Load(f64),
}

/// A sliding rigid body over a periodic slab: what scratching and polishing share (Å, ps, rad).
#[derive(Debug, Clone)]
pub struct Slide {
    pub body: Indenter,
    pub control: Control,
    /// Sliding velocity (Å/ps), along −x (and −y for a lateral offset between passes).
    pub velocity: Vec3,
    /// Indentation speed (depth control), Å/ps.
    pub indent_speed: f64,
    pub load_ramp: f64,
    pub damping: f64,
    pub gap: f64,
    /// Sliding time, ps.
    pub slide_time: f64,
    /// Angular velocity about the body's centre of mass, rad/ps.
    pub spin: Vec3,
    /// Tip position at the start: x, y (Å); the tip starts `gap` above the surface.
    pub start_xy: [f64; 2],
    /// Shell thickness of the body's atoms, Å.
    pub shell: f64,
    /// Land on the surface while already sliding (no separate indentation phase: sliding starts at t = 0).
    pub land_while_sliding: bool,
    /// Time the body is held above the surface before anything moves (workpiece equilibration), ps.
    pub equilibrate: f64,
    /// Tool vibration added to the prescribed axes (`common::vibration_json`; null for none).
    pub vibration: Value,
}

/// A built slide setup.
#[derive(Debug, Clone)]
pub struct SlideSetup {
    pub base: Setup,
    /// Tip start position, Å.
    pub tip_start: Vec3,
    /// Time of the indentation phase, ps (sliding starts then).
    pub indent_time: f64,
    pub slide: Slide,
}

impl std::ops::Deref for SlideSetup {
    type Target = Setup;
    fn deref(&self) -> &Setup {
        &self.base
    }
}

impl Slide {
    /// Tip depth of a depth-controlled slide (Å); `None` under load control.
    pub fn depth(&self) -> Option<f64> {
        match self.control {
            Control::Depth(d) => Some(d),
            Control::Load(_) => None,
        }
    }

    /// Atoms and setup: workpiece (periodic in x and y) + the body, tip `gap` above the surface at
    /// `start_xy`.
    pub fn build(&self, cfg: &ProcessConfig, p: &MaterialPreset, work: &Workpiece) -> Result<(System, SlideSetup), ProcessError> {
        let mut body = indenter_atoms(&self.body, self.shell)?;
        let tip = [self.start_xy[0], self.start_xy[1], work.surface_z + self.gap];
        for r in &mut body {
            for k in 0..3 {
                r[k] += tip[k];
            }
        }
        // Room above the body for its upward vibration reach, |A| − A sin φ.
        let up = cfg.assist.vibration.as_ref().map_or(0.0, |v| (v.amplitude_nm[2].abs() - v.amplitude_nm[2] * v.phase_deg[2].to_radians().sin()).max(0.0) * NM);
        let top = tip[2] + self.body.height() + 30.0 + up;
        let cell = Cell::orthorhombic([0.0, 0.0, -5.0], [work.length, work.width, top], [true, true, false]).map_err(|e| ProcessError::Config(format!("box: {e}")))?;
        let system = common::assemble(cell, p, &work.system.positions, &body)?;
        let indent_time = self.equilibrate
            + match self.control {
                _ if self.land_while_sliding => 0.0,
                Control::Depth(d) => (self.gap + d) / self.indent_speed,
                Control::Load(_) => self.load_ramp,
            };
        let steps = ((indent_time + self.slide_time) / cfg.dt_ps).ceil() as u64;
        let base = Setup::new(cfg, work, steps, body.len(), false);
        Ok((system, SlideSetup { base, tip_start: tip, indent_time, slide: self.clone() }))
    }

    /// The `driven` fix that moves the body: indentation (a path down, or a load ramp), then sliding.
    pub fn fix(&self, setup: &SlideSetup) -> Value {
        let t0 = setup.indent_time;
        let t1 = t0 + self.slide_time;
        let v = self.velocity;
        let eq = self.equilibrate;
        // Held in place until the workpiece has equilibrated (a waypoint at rest, then the motion).
        let hold: Vec<[f64; 4]> = if eq > 0.0 { vec![[eq, 0.0, 0.0, 0.0]] } else { Vec::new() };
        let path = |rest: &[[f64; 4]]| hold.iter().chain(rest).copied().collect::<Vec<_>>();
        let vib = &self.vibration;
        match self.control {
            Control::Depth(d) if self.land_while_sliding => {
                let (dz, tl) = (-(self.gap + d), (self.gap + d) / self.indent_speed);
                json!({"kind": "driven", "group": "tool",
                       "path": [[tl, v[0] * tl, v[1] * tl, dz], [t1, v[0] * t1, v[1] * t1, dz]],
                       "spin": self.spin, "vibration": vib})
            }
            Control::Depth(d) => {
                let dz = -(self.gap + d);
                json!({"kind": "driven", "group": "tool",
                       "path": path(&[[t0, 0.0, 0.0, dz], [t1, v[0] * self.slide_time, v[1] * self.slide_time, dz]]),
                       "spin": self.spin, "vibration": vib})
            }
            // Landing while sliding starts at once (polishing has no equilibration phase).
            Control::Load(f) if self.land_while_sliding => json!({"kind": "driven", "group": "tool",
                       "velocity": v, "free": [false, false, true], "load": [0.0, 0.0, -f], "load_ramp": self.load_ramp,
                       "damp": self.damping, "spin": self.spin, "vibration": vib}),
            Control::Load(f) => json!({"kind": "driven", "group": "tool",
                       "path": path(&[[t0, 0.0, 0.0, 0.0], [t1, v[0] * self.slide_time, v[1] * self.slide_time, 0.0]]),
                       "free": [false, false, true], "load": [0.0, 0.0, -f], "load_ramp": self.load_ramp, "release": eq,
                       "damp": self.damping, "spin": self.spin, "vibration": vib}),
        }
    }
}

/// Common checks of an indenter and its control; `section` names the recipe section (for errors).
#[allow(clippy::too_many_arguments)]
pub fn validate_slide(cfg: &ProcessConfig, section: &str, depth_nm: Option<f64>, load_nn: Option<f64>, speed: f64, body_key: &str, body: &Indenter, gap_nm: f64, load_ramp_ps: f64, damping_ps: f64) -> Result<(), ProcessError> {
    let w = &cfg.workpiece;
    // A z vibration reaches this far below the prescribed depth (nm).
    let down = common::vibration_down_nm(cfg);
    match (depth_nm, load_nn) {
        (Some(_), Some(_)) => return bad(&format!("{section}.load_nn"), format!("give either {section}.depth_nm (depth control) or {section}.load_nn (load control), not both")),
        (None, None) => return bad(section, format!("needs {section}.depth_nm (depth control) or {section}.load_nn (load control)")),
        (Some(d), None) => {
            if !(d.is_finite() && d > 0.0) {
                return bad(&format!("{section}.depth_nm"), format!("{d} must be > 0"));
            }
            let free = w.size_nm[2] - w.fixed_nm - w.thermostat_nm;
            let plus = if down > 0.0 { format!(" (+ {down:.3} nm of z vibration)") } else { String::new() };
            if d + down >= free - 0.3 {
                return bad(&format!("{section}.depth_nm"), format!("{d} nm{plus} leaves less than 0.3 nm above the {:.2} nm of fixed + thermostat layers in a {} nm thick workpiece", w.fixed_nm + w.thermostat_nm, w.size_nm[2]));
            }
            if d + down > body.height() / NM - 0.3 {
                return bad(&format!("{section}.depth_nm"), format!("{d} nm{plus} buries the indenter (height {:.2} nm); raise its height_nm", body.height() / NM));
            }
        }
        (None, Some(f)) => {
            if !(f.is_finite() && f > 0.0) {
                return bad(&format!("{section}.load_nn"), format!("{f} nN must be > 0"));
            }
            if cfg.assist.vibration.as_ref().is_some_and(|v| v.amplitude_nm[2] != 0.0) {
                return bad("assist.vibration.amplitude_nm", format!("a z amplitude needs depth control ({section}.depth_nm): under {section}.load_nn the height is free, set by the load"));
            }
        }
    }
    if !(speed.is_finite() && speed > 0.0) {
        return bad(&format!("{section}.speed_m_per_s"), format!("{speed} must be > 0"));
    }
    if !(gap_nm.is_finite() && (0.0..=1.0).contains(&gap_nm)) {
        return bad(&format!("{section}.start_gap_nm"), format!("{gap_nm} must be in [0, 1] nm"));
    }
    if !(load_ramp_ps.is_finite() && load_ramp_ps > 0.0) {
        return bad(&format!("{section}.load_ramp_ps"), format!("{load_ramp_ps} must be > 0"));
    }
    if !(damping_ps.is_finite() && damping_ps > 0.0) {
        return bad(&format!("{section}.damping_ps"), format!("{damping_ps} must be > 0"));
    }
    // The body must fit the periodic box with room to spare on both sides.
    let diameter = 2.0 * body.section_radius(body.height()) / NM;
    if diameter + 1.0 > w.size_nm[1] || diameter + 1.0 > w.size_nm[0] {
        return bad(body_key, format!("the indenter ({diameter:.2} nm across) is larger than the workpiece {:?} nm less 1 nm", w.size_nm));
    }
    // A sideways vibration sweeps the body over 2|A|: it must still fit beside its own periodic image.
    if let Some(v) = &cfg.assist.vibration {
        for (k, axis) in [(0, "x"), (1, "y")] {
            if diameter + 1.0 + 2.0 * v.amplitude_nm[k].abs() > w.size_nm[k] {
                return bad("assist.vibration.amplitude_nm", format!("the {axis} amplitude {} nm sweeps the indenter ({diameter:.2} nm across) over more than the workpiece's {} nm less 1 nm", v.amplitude_nm[k], w.size_nm[k]));
            }
        }
    }
    Ok(())
}

/// The `[process.indenter]` body (Å, radians).
pub fn indenter(c: &IndenterConfig) -> Result<Indenter, ProcessError> {
    let r = c.radius_nm;
    if !(r.is_finite() && r >= 0.2) {
        return bad("indenter.radius_nm", format!("{r} must be ≥ 0.2 nm"));
    }
    Ok(match c.shape {
        IndenterShape::Sphere => {
            if c.half_angle_deg.is_some() {
                return bad("indenter.half_angle_deg", "applies to shape = \"cone\" only");
            }
            let h = c.height_nm.unwrap_or(r);
            if !(h.is_finite() && h > 0.0 && h <= 2.0 * r) {
                return bad("indenter.height_nm", format!("{h} must be in (0, 2·radius_nm] for a sphere"));
            }
            Indenter::Sphere { radius: r * NM, height: h * NM }
        }
        IndenterShape::Cone => {
            let a = c.half_angle_deg.ok_or_else(|| ProcessError::Config("indenter.half_angle_deg: shape = \"cone\" needs its half-angle (degrees)".into()))?;
            if !(a.is_finite() && a >= 20.0 && a <= 80.0) {
                return bad("indenter.half_angle_deg", format!("{a} must be in [20, 80] degrees"));
            }
            let h = c.height_nm.unwrap_or(r + 1.5);
            if !(h.is_finite() && h > 0.0) {
                return bad("indenter.height_nm", format!("{h} must be > 0"));
            }
            Indenter::Cone { half_angle: a.to_radians(), tip_radius: r * NM, height: h * NM }
        }
    })
}

fn sections(cfg: &ProcessConfig) -> Result<(&IndenterConfig, &ScratchConfig), ProcessError> {
    let i = cfg.indenter.as_ref().ok_or_else(|| ProcessError::Config("indenter: kind = \"scratching\" needs a [process.indenter] section (shape, radius_nm)".into()))?;
    let s = cfg.scratch.as_ref().ok_or_else(|| ProcessError::Config("scratch: kind = \"scratching\" needs a [process.scratch] section (depth_nm or load_nn, speed_m_per_s, length_nm)".into()))?;
    Ok((i, s))
}

/// Checks a scratching recipe before anything is built, naming the key.
pub fn validate(cfg: &ProcessConfig) -> Result<(), ProcessError> {
    common::validate_common(cfg)?;
    common::only_sections(cfg, &["indenter", "scratch"])?;
    let (i, s) = sections(cfg)?;
    let body = indenter(i)?;
    validate_slide(cfg, "scratch", s.depth_nm, s.load_nn, s.speed_m_per_s, "indenter.radius_nm", &body, s.start_gap_nm, s.load_ramp_ps, s.damping_ps)?;
    if let Some(v) = s.indent_speed_m_per_s {
        if !(v.is_finite() && v > 0.0) {
            return bad("scratch.indent_speed_m_per_s", format!("{v} must be > 0"));
        }
    }
    let l = s.length_nm;
    let diameter = 2.0 * body.section_radius(body.height()) / NM;
    if !(l.is_finite() && l > 0.0) {
        return bad("scratch.length_nm", format!("{l} must be > 0"));
    }
    // The groove must not run into the crater it started from across the periodic x boundary.
    if l < diameter / 2.0 + 1.0 {
        return bad("scratch.length_nm", format!("{l} nm must exceed the indenter radius ({:.2} nm) + 1 nm, or no groove is left behind the indenter to measure", diameter / 2.0));
    }
    let sweep = cfg.assist.vibration.as_ref().map_or(0.0, |v| 2.0 * v.amplitude_nm[0].abs());
    if l + diameter + 1.0 + sweep > cfg.workpiece.size_nm[0] {
        return bad("scratch.length_nm", format!("{l} nm plus the indenter ({diameter:.2} nm across), the x vibration sweep ({sweep} nm) and 1 nm of margin exceeds the workpiece length {} nm", cfg.workpiece.size_nm[0]));
    }
    if !i.adhesive {
        repulsive_morse(preset(cfg.material).tool_potential)?;
    }
    let e = s.equilibrate_ps;
    if !(e.is_finite() && (0.0..=1000.0).contains(&e)) {
        return bad("scratch.equilibrate_ps", format!("{e} must be in [0, 1000] ps"));
    }
    Ok(())
}

/// Builds atoms and setup of a scratching recipe.
pub fn build(cfg: &ProcessConfig) -> Result<(System, SlideSetup, MaterialPreset), ProcessError> {
    validate(cfg)?;
    let (i, s) = sections(cfg)?;
    let p = preset(cfg.material);
    let work = common::build_workpiece(cfg, &p)?;
    let speed = s.speed_m_per_s * METRE_PER_SECOND_IN_ANGSTROM_PER_PS;
    let length = s.length_nm * NM;
    let slide = Slide {
        body: indenter(i)?,
        control: match (s.depth_nm, s.load_nn) {
            (Some(d), _) => Control::Depth(d * NM),
            (_, Some(f)) => Control::Load(f / EV_PER_ANGSTROM_IN_NN),
            _ => unreachable!("validated"),
        },
        velocity: [-speed, 0.0, 0.0],
        indent_speed: s.indent_speed_m_per_s.unwrap_or(s.speed_m_per_s) * METRE_PER_SECOND_IN_ANGSTROM_PER_PS,
        load_ramp: s.load_ramp_ps,
        damping: s.damping_ps,
        // Raised by the z vibration's downward reach, so that the tip never touches before it indents.
        gap: (s.start_gap_nm + common::vibration_down_nm(cfg)) * NM,
        slide_time: length / speed,
        spin: [0.0; 3],
        // Centred: the groove runs from L/2 + length/2 to L/2 − length/2 in the middle of the width.
        start_xy: [0.5 * (work.length + length), 0.5 * work.width],
        shell: 6.0,
        land_while_sliding: false,
        equilibrate: s.equilibrate_ps,
        vibration: common::vibration_json(cfg),
    };
    let (system, setup) = slide.build(cfg, &p, &work)?;
    Ok((system, setup, p))
}

/// Scratching figures (summary.json key `scratch`).
#[derive(Debug, Clone, Serialize)]
pub struct ScratchFigures {
    /// `depth` or `load`.
    pub control: String,
    /// Prescribed tip depth (depth control) or normal load (load control); the other is measured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub set_depth_nm: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub set_load_nn: Option<f64>,
    pub indenter: String,
    pub speed_m_per_s: f64,
    pub length_nm: f64,
    /// Mean normal force (+z on the indenter) and tangential force (+x, against the scratch direction)
    /// over the steady part of the scratch, nN.
    pub mean_normal_force_nn: f64,
    pub mean_tangential_force_nn: f64,
    /// Mean tangential / mean normal force.
    pub friction_coefficient: f64,
    /// Scratch distance from which the means are taken (the groove is established), nm.
    pub steady_from_nm: f64,
    /// Tip depth below the original surface while scratching (mean over the steady part), nm.
    pub tip_depth_nm: f64,
    /// Groove cross-section (mean over x of the groove behind the indenter, relative to the original
    /// surface level as the same probe sees the initial crystal): depth, width half an atomic layer below
    /// that level, pile-up height beside the groove, nm.
    pub groove_depth_nm: f64,
    pub groove_width_nm: f64,
    pub pileup_height_nm: f64,
    /// Workpiece atoms above the original surface (pile-up and chip).
    pub displaced_atoms: usize,
    /// Of those, the atoms ahead of the indenter (the chip it pushes).
    pub chip_atoms: usize,
    /// Atoms in hcp stacking (stacking faults, partial dislocations) in the measured groove region and in
    /// the whole workpiece, including under the indenter at the end (a-CNA; fcc workpieces, 0 for Si).
    pub hcp_atoms: usize,
    pub hcp_atoms_total: usize,
    /// Cross-section profile: (y nm, height nm relative to the original surface).
    pub profile: Vec<(f64, f64)>,
    /// Equilibration before the indenter moved, ps.
    pub equilibrate_ps: f64,
    /// Level of the surface the groove is measured from (the equilibrated surface just before the
    /// scratch; the ideal lattice without equilibration), relative to the ideal top layer as the height
    /// probe sees it, nm.
    pub reference_level_nm: f64,
    /// Tool vibration, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vibration: Option<String>,
}

/// Forces, friction and indenter depth over the steady part of a slide. Returns (Fn, Ft, μ, tip depth Å).
pub fn steady_means(series: &Series, tip_dz: &[f64], gap: f64, steady_from: f64) -> (f64, f64, f64, f64) {
    let k: Vec<usize> = (0..series.time_ps.len()).filter(|&k| series.travel_angstrom[k] >= steady_from).collect();
    let mean = |f: &dyn Fn(usize) -> f64| if k.is_empty() { f64::NAN } else { k.iter().map(|&i| f(i)).sum::<f64>() / k.len() as f64 };
    let fz = mean(&|i| series.thrust_force_nn[i]);
    let fx = mean(&|i| series.cutting_force_nn[i]);
    let dz = mean(&|i| tip_dz.get(i).copied().unwrap_or(f64::NAN));
    (fz, fx, fx / fz, -(dz + gap))
}

/// Mean over x of each row (y) of a map: the cross-section profile (m).
fn profile_along_y(map: &atomfab_metrology::HeightMap, i_from: usize, i_to: usize) -> Vec<f64> {
    (0..map.ny)
        .map(|j| {
            let row = &map.z[j * map.nx + i_from..j * map.nx + i_to];
            let v: Vec<f64> = row.iter().copied().filter(|z| z.is_finite()).collect();
            if v.is_empty() {
                f64::NAN
            } else {
                v.iter().sum::<f64>() / v.len() as f64
            }
        })
        .collect()
}

/// Groove depth, width and pile-up height of a cross-section profile relative to `reference` (all in the
/// profile's units, the width in pixels). The width is taken `threshold` below the reference (half an
/// atomic layer in use), so that a surface that relaxes slightly below the ideal lattice level, as Si(001)
/// does, still has a groove edge.
pub fn groove(profile: &[f64], reference: f64, threshold: f64) -> (f64, f64, f64) {
    let n = profile.len();
    let (jmin, &pmin) = profile.iter().enumerate().filter(|(_, v)| v.is_finite()).min_by(|a, b| a.1.total_cmp(b.1)).unwrap_or((0, &f64::NAN));
    let pmax = profile.iter().copied().filter(|v| v.is_finite()).fold(f64::NEG_INFINITY, f64::max);
    // Walk out from the bottom on both sides (periodic) to where the profile crosses the reference.
    let edge = reference - threshold;
    let side = |step: isize| -> f64 {
        let mut prev = pmin;
        for s in 1..n {
            let j = (jmin as isize + step * s as isize).rem_euclid(n as isize) as usize;
            let v = profile[j];
            if v.is_finite() && v >= edge {
                return (s - 1) as f64 + (edge - prev) / (v - prev).max(1e-30);
            }
            if v.is_finite() {
                prev = v;
            }
        }
        n as f64 / 2.0
    };
    let width = if pmin < edge { (side(1) + side(-1)).min(n as f64) } else { 0.0 };
    (reference - pmin, width, pmax - reference)
}

/// File with the equilibrated workpiece just before the indenter moves.
pub const PRESCRATCH: &str = "prescratch.xyz";

/// The frame at the end of the equilibration (frame 1 of `prescratch.xyz`, dumped every equilibration
/// length); the file is rewritten with that frame alone.
pub fn prescratch_frame(out_dir: &Path) -> Result<System, ProcessError> {
    let path = out_dir.join(PRESCRATCH);
    let f = std::fs::File::open(&path).map_err(|e| ProcessError::Io(format!("{}: {e}", path.display())))?;
    let frame = atomfab_io::extxyz::read_frames(std::io::BufReader::new(f), &path.display().to_string(), atomfab_core::UnitSystem::Metal)
        .nth(1)
        .ok_or_else(|| ProcessError::Analysis(format!("{}: no frame at the end of the equilibration", path.display())))?
        .map_err(|e| ProcessError::Io(e.to_string()))?
        .system;
    atomfab_io::write_structure(&path, &frame, None).map_err(|e| ProcessError::Io(e.to_string()))?;
    Ok(frame)
}

/// Surface reference level: the mean height of an unscratched surface (`frame`) over a region, as the
/// same probe sees it (m, relative to `ref_z`).
pub fn surface_level(cfg: &ProcessConfig, frame: &System, setup: &Setup, region: SurfaceRegion) -> Result<f64, ProcessError> {
    let map = analysis::machined_surface(frame, WORKPIECE_SPECIES, setup.width, setup.nearest_neighbour, region.ref_z, region.x_from, region.x_to, cfg.output.pixel_nm * NM)?;
    let v: Vec<f64> = map.z.iter().copied().filter(|z| z.is_finite()).collect();
    Ok(v.iter().sum::<f64>() / v.len().max(1) as f64)
}

/// Atoms of a structure type by name in the evaluated region.
pub fn count_of(ev: &Evaluation, name: &str) -> usize {
    ev.damage.counts.iter().find(|(n, _)| n == name).map_or(0, |(_, c)| *c)
}

/// Workpiece atoms of a structure type by name in the whole final frame.
pub fn count_all(ev: &Evaluation, name: &str) -> usize {
    match ev.names.iter().position(|n| *n == name) {
        Some(t) => (0..ev.fin.len()).filter(|&i| ev.fin.species_index[i] == WORKPIECE_SPECIES && ev.type_of[i] as usize == t).count(),
        None => 0,
    }
}

/// Builds, runs (or resumes) and evaluates a scratching recipe.
pub fn run(cfg: &ProcessConfig, seed: u64, recipe_text: &str, out_dir: &Path, resume: bool, progress: ProgressFn) -> Result<ProcessSummary, ProcessError> {
    let (system, setup, preset) = build(cfg)?;
    let (ic, sc) = sections(cfg)?;
    let slide = &setup.slide;
    let mut md = common::md_config(cfg, seed, &system, &setup.base, &preset, out_dir, vec![slide.fix(&setup)])?;
    if !ic.adhesive {
        if !md.potential.contains(preset.tool_potential) {
            return Err(ProcessError::Config(format!("internal: tool pair '{}' not in '{}'", preset.tool_potential, md.potential)));
        }
        md.potential = md.potential.replace(preset.tool_potential, &repulsive_morse(preset.tool_potential)?);
    }
    let eq_steps = (slide.equilibrate / cfg.dt_ps).round() as u64;
    if eq_steps > 0 {
        // On the ideal lattice, equipartition halves the kinetic temperature: start at twice the set one.
        if let Some(v) = md.velocity.as_mut() {
            v.temperature = 2.0 * cfg.temperature;
        }
        // The equilibrated surface, just before the indenter moves: frame 1 of this file.
        md.dumps.push(serde_json::from_value(json!({"every": eq_steps, "file": PRESCRATCH})).map_err(|e| ProcessError::Config(format!("internal MD configuration: {e}")))?);
    }
    let (md_summary, wall) = evaluate::run_md(&md, out_dir, resume, progress)?;

    let speed = -slide.velocity[0];
    let t0 = setup.indent_time;
    let thermo = out_dir.join("thermo.csv");
    let series = analysis::read_series(&thermo, |t| (t - t0).max(0.0) * speed)?;
    let tip_dz = analysis::read_column(&thermo, "driven_dz")?;
    let length = sc.length_nm * NM;
    let contact = slide.body.section_radius(slide.depth().unwrap_or(slide.body.height() / 2.0).min(slide.body.height()));
    // Forces settle once the indenter has moved a contact diameter (or a quarter of the scratch).
    let steady_from = (2.0 * contact).min(0.5 * length).max(0.25 * length);
    let (fn_, ft, mu, tip_depth) = steady_means(&series, &tip_dz, slide.gap, steady_from);

    // Measured region: the groove behind the indenter's final position up to the start crater.
    let x_end = setup.tip_start[0] - length;
    let reach = slide.body.section_radius(slide.body.height());
    let region = SurfaceRegion { x_from: x_end + reach + 3.0, x_to: (setup.tip_start[0] + reach).min(setup.length), ref_z: setup.surface_z };
    let ev = evaluate::evaluate(cfg, out_dir, &setup.base, &preset, region)?;
    // The groove is measured from the surface as it was just before the scratch, away from the tip
    // hovering over its start.
    let before = if eq_steps > 0 { prescratch_frame(out_dir)? } else { analysis::read_last_frame(&out_dir.join("initial.xyz"))? };
    let level_region = SurfaceRegion { x_to: (setup.tip_start[0] - reach).max(region.x_from + 5.0), ..region };
    let level = surface_level(cfg, &before, &setup.base, level_region)?;
    // Cross-section of the groove left behind the indenter, up to the centre of the start crater.
    let pixel = ev.raw_map.dx;
    let i_to = (((setup.tip_start[0] - region.x_from) / (pixel * 1e10)).round() as usize).clamp(1, ev.raw_map.nx);
    let prof = profile_along_y(&ev.raw_map, 0, i_to);
    let (gd, gw, pu) = groove(&prof, level, 0.5 * setup.layer_spacing * 1e-10);
    let surface = setup.surface_z + 0.5 * setup.layer_spacing;
    let tip_x_end = x_end;
    let above: Vec<usize> = (0..ev.fin.len()).filter(|&i| ev.fin.species_index[i] == WORKPIECE_SPECIES && ev.fin.positions[i][2] > surface).collect();
    let chip = above.iter().filter(|&&i| {
        let dx = (ev.fin.positions[i][0] - tip_x_end).rem_euclid(setup.length);
        dx > setup.length - reach - 5.0 || dx < 1.0
    });
    let figures = ScratchFigures {
        control: if slide.depth().is_some() { "depth".into() } else { "load".into() },
        set_depth_nm: sc.depth_nm,
        set_load_nn: sc.load_nn,
        indenter: describe(ic),
        speed_m_per_s: sc.speed_m_per_s,
        length_nm: sc.length_nm,
        mean_normal_force_nn: fn_,
        mean_tangential_force_nn: ft,
        friction_coefficient: mu,
        steady_from_nm: steady_from / NM,
        tip_depth_nm: tip_depth / NM,
        groove_depth_nm: gd * 1e9,
        groove_width_nm: gw * pixel * 1e9,
        pileup_height_nm: pu * 1e9,
        displaced_atoms: above.len(),
        chip_atoms: chip.count(),
        hcp_atoms: count_of(&ev, "HCP"),
        hcp_atoms_total: count_all(&ev, "HCP"),
        profile: prof.iter().enumerate().map(|(j, z)| (j as f64 * pixel * 1e9, (z - level) * 1e9)).collect(),
        equilibrate_ps: slide.equilibrate,
        reference_level_nm: level * 1e9,
        vibration: common::describe_vibration(cfg),
    };
    let grades = evaluate::grades(cfg, &ev, &|name| match name {
        "groove_depth" => Some((figures.groove_depth_nm * 1e-9, Dim::Length)),
        "pileup_height" => Some((figures.pileup_height_nm * 1e-9, Dim::Length)),
        "displaced_atoms" => Some((figures.displaced_atoms as f64, Dim::Number)),
        _ => None,
    })?;
    let headline = format!(
        "normal force {:.2} nN, tangential {:.2} nN, friction {:.3}, groove {:.2} nm deep, pile-up {:.2} nm",
        fn_, ft, mu, figures.groove_depth_nm, figures.pileup_height_nm
    );
    let kind_report = slide_report("Scratch", &series, t0, &tip_dz, slide.gap, &figures);
    let kind_figures = KindFigures { scratch: Some(figures), ..Default::default() };
    let run = RunInfo { seed, recipe_text, md: &md_summary, wall_seconds: wall };
    evaluate::finish(cfg, out_dir, &setup.base, &preset, run, &series, ev, kind_figures, grades, kind_report, headline)
}

fn describe(c: &IndenterConfig) -> String {
    let body = match c.shape {
        IndenterShape::Sphere => format!("diamond sphere R = {} nm", c.radius_nm),
        IndenterShape::Cone => format!("diamond cone, half-angle {}°, tip radius {} nm", c.half_angle_deg.unwrap_or(f64::NAN), c.radius_nm),
    };
    if c.adhesive {
        body
    } else {
        format!("{body}, repulsive only (no adhesion)")
    }
}

/// The scratching part of the report.
fn slide_report(what: &str, series: &Series, t0: f64, tip_dz: &[f64], gap: f64, f: &ScratchFigures) -> KindReport {
    let mut overview = vec![
        ("indenter".into(), f.indenter.clone()),
        ("control".into(), match (f.set_depth_nm, f.set_load_nn) {
            (Some(d), _) => format!("depth {d} nm"),
            (_, Some(l)) => format!("load {l} nN"),
            _ => String::new(),
        }),
        ("mean normal force".into(), format!("{:.3} nN", f.mean_normal_force_nn)),
        ("mean tangential force".into(), format!("{:.3} nN", f.mean_tangential_force_nn)),
        ("friction coefficient".into(), format!("{:.3} (from {:.2} nm of scratch on)", f.friction_coefficient, f.steady_from_nm)),
        ("tip depth while scratching".into(), format!("{:.3} nm", f.tip_depth_nm)),
        ("groove depth / width".into(), format!("{:.3} nm / {:.3} nm", f.groove_depth_nm, f.groove_width_nm)),
        ("pile-up height".into(), format!("{:.3} nm", f.pileup_height_nm)),
        ("displaced atoms (of them ahead of the tip)".into(), format!("{} ({})", f.displaced_atoms, f.chip_atoms)),
        ("hcp atoms (groove region / whole workpiece)".into(), format!("{} / {}", f.hcp_atoms, f.hcp_atoms_total)),
        ("reference surface".into(), format!("{:.3} nm from the ideal top layer, after {} ps of equilibration", f.reference_level_nm, f.equilibrate_ps)),
    ];
    if let Some(v) = &f.vibration {
        overview.push(("tool vibration".into(), v.clone()));
    }
    KindReport {
        subtitle: format!("{} {}, {} nm at {} m/s", what.to_lowercase(), f.indenter, f.length_nm, f.speed_m_per_s),
        overview,
        sections: slide_sections(series, t0, tip_dz, gap, vec![PlotSeries { name: "groove cross-section".into(), points: f.profile.clone() }]),
    }
}

/// Plots shared by sliding kinds: indentation (normal force vs tip depth), forces and friction vs sliding
/// distance, and the given cross-section profile(s).
pub fn slide_sections(series: &Series, t0: f64, tip_dz: &[f64], gap: f64, profiles: Vec<PlotSeries>) -> Vec<(String, Vec<Block>)> {
    let n = series.time_ps.len();
    let indent: Vec<(f64, f64)> = (0..n).filter(|&k| series.time_ps[k] <= t0).map(|k| (-(tip_dz.get(k).copied().unwrap_or(f64::NAN) + gap) / NM, series.thrust_force_nn[k])).collect();
    let sliding: Vec<usize> = (0..n).filter(|&k| series.time_ps[k] >= t0).collect();
    let at = |v: &[f64]| sliding.iter().map(|&k| (series.travel_angstrom[k] / NM, v[k])).collect::<Vec<_>>();
    // Instantaneous Ft/Fn diverges where Fn passes through zero; the ratio of running means over ±0.2 nm
    // of sliding shows the trend (NaN where the mean normal force is under 1 nN).
    let start = sliding.first().map_or(0.0, |&k| series.travel_angstrom[k]);
    let half = sliding.iter().position(|&k| series.travel_angstrom[k] > start + 2.0).unwrap_or(1).max(1);
    let mut mu = vec![f64::NAN; n];
    for (p, &k) in sliding.iter().enumerate() {
        let w = &sliding[p.saturating_sub(half)..(p + half + 1).min(sliding.len())];
        let (ft, fz) = w.iter().fold((0.0, 0.0), |(a, b), &i| (a + series.cutting_force_nn[i], b + series.thrust_force_nn[i]));
        if fz / w.len() as f64 > 1.0 {
            mu[k] = ft / fz;
        }
    }
    let depth: Vec<f64> = tip_dz.iter().map(|d| -(d + gap) / NM).collect();
    let mut blocks = vec![
        Block::Plot(Plot {
            title: "Forces on the indenter while sliding".into(),
            x_label: "sliding distance (nm)".into(),
            y_label: "force (nN)".into(),
            series: vec![
                PlotSeries { name: "normal Fn (+z)".into(), points: at(&series.thrust_force_nn) },
                PlotSeries { name: "tangential Ft (+x, against the motion)".into(), points: at(&series.cutting_force_nn) },
                PlotSeries { name: "lateral (+y)".into(), points: at(&series.lateral_force_nn) },
            ],
            ..Default::default()
        }),
        Block::Plot(Plot {
            title: "Friction coefficient (running means ±0.2 nm) and tip depth".into(),
            x_label: "sliding distance (nm)".into(),
            y_label: "Ft/Fn; tip depth (nm)".into(),
            series: vec![
                PlotSeries { name: "Ft/Fn".into(), points: at(&mu).into_iter().filter(|p| p.1.is_finite()).collect() },
                PlotSeries { name: "tip depth below the original surface (nm)".into(), points: at(&depth) },
            ],
            ..Default::default()
        }),
    ];
    if indent.len() > 1 {
        blocks.insert(
            0,
            Block::Plot(Plot {
                title: "Indentation: normal force vs tip depth".into(),
                x_label: "tip depth below the original surface (nm)".into(),
                y_label: "normal force (nN)".into(),
                series: vec![PlotSeries { name: "Fn".into(), points: indent }],
                ..Default::default()
            }),
        );
    }
    let groove = Block::Plot(Plot {
        title: "Cross-section across the track (mean along x)".into(),
        x_label: "y (nm)".into(),
        y_label: "height relative to the original surface (nm)".into(),
        series: profiles,
        ..Default::default()
    });
    vec![("Forces and friction".into(), blocks), ("Track cross-section".into(), vec![groove])]
}

#[cfg(test)]
mod tests {
    use super::{groove, repulsive_morse};

    #[test]
    fn repulsive_morse_is_cut_at_its_minimum() {
        let s = repulsive_morse("morse:d0=0.087,alpha=5.14,r0=2.05,cutoff=4.0@Cu-C").unwrap();
        assert_eq!(s, "morse:d0=0.087,alpha=5.14,r0=2.05,cutoff=2.05@Cu-C");
        assert!(repulsive_morse("tersoff:Si.tersoff@Si-C").unwrap_err().to_string().contains("indenter.adhesive"));
        assert!(repulsive_morse("morse:d0=1,alpha=1,r0=2@Cu-C").is_err(), "no cutoff to move");
    }

    #[test]
    fn groove_of_a_v_profile_with_pileup() {
        // V groove 4 deep, 1 unit of pile-up on both sides, flat at 0 elsewhere (periodic, 20 pixels).
        let p: Vec<f64> = (0..20)
            .map(|j| {
                let x = (j as f64 - 10.0).abs();
                if x <= 4.0 { x - 4.0 } else if x <= 5.0 { 1.0 } else { 0.0 }
            })
            .collect();
        let (depth, width, pile) = groove(&p, 0.0, 0.5);
        assert_eq!((depth, pile), (4.0, 1.0));
        // The profile crosses −0.5 at x = ±3.5: width 7 pixels.
        assert!((width - 7.0).abs() < 1e-12, "{width}");
        // A relaxed flat surface 0.3 below the reference still has edges at the −0.5 threshold.
        let relaxed: Vec<f64> = p.iter().enumerate().map(|(j, v)| if (j as f64 - 10.0).abs() > 5.0 { -0.3 } else { *v }).collect();
        assert!((groove(&relaxed, 0.0, 0.5).1 - 7.0).abs() < 1e-12);
        assert_eq!(groove(&vec![0.0; 8], 0.0, 0.5).1, 0.0, "no groove, no width");
    }
}
