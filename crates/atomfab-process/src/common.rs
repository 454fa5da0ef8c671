//! Parts every process kind shares: recipe checks of the common keys, the crystalline workpiece with its
//! fixed and thermostat layers, and the `[md]` run that moves the tool. Lengths in Å, times in ps unless a
//! name says otherwise.

use crate::config::{Material, ProcessConfig};
use crate::error::ProcessError;
use crate::geometry::workpiece;
use crate::material::MaterialPreset;
use atomfab_core::{LatticeKind, System, Vec3};
use atomfab_md::MdConfig;
use serde_json::{json, Value};
use std::path::Path;

/// Recipe lengths are nm; the engine works in Å.
pub const NM: f64 = 10.0;

/// Error naming a recipe key (`[process] key: message`).
pub fn bad<T>(key: &str, msg: impl std::fmt::Display) -> Result<T, ProcessError> {
    Err(ProcessError::Config(format!("{key}: {msg}")))
}

/// Checks the keys every kind uses (workpiece, temperature, time step, output, spec), naming the key.
pub fn validate_common(cfg: &ProcessConfig) -> Result<(), ProcessError> {
    let w = &cfg.workpiece;
    if w.size_nm.iter().any(|v| !(v.is_finite() && *v > 0.0)) {
        return bad("workpiece.size_nm", format!("{:?} must be three positive lengths", w.size_nm));
    }
    if w.size_nm.iter().product::<f64>() > 2.0e5 {
        return bad("workpiece.size_nm", format!("{:?} nm³ is larger than the 2e5 nm³ (~1e7 atoms) limit", w.size_nm));
    }
    for (key, v) in [("workpiece.fixed_nm", w.fixed_nm), ("workpiece.thermostat_nm", w.thermostat_nm)] {
        if !(v.is_finite() && v >= 0.0) {
            return bad(key, format!("{v} must be ≥ 0"));
        }
    }
    if w.fixed_nm + w.thermostat_nm >= w.size_nm[2] - 0.3 {
        return bad("workpiece.thermostat_nm", format!("fixed + thermostat layers ({} nm) leave no free material in a {} nm thick workpiece", w.fixed_nm + w.thermostat_nm, w.size_nm[2]));
    }
    if !(cfg.temperature.is_finite() && cfg.temperature >= 0.0) {
        return bad("temperature", format!("{} K must be ≥ 0", cfg.temperature));
    }
    if !(cfg.dt_ps.is_finite() && cfg.dt_ps > 0.0 && cfg.dt_ps <= 0.01) {
        return bad("dt_ps", format!("{} ps must be in (0, 0.01]", cfg.dt_ps));
    }
    if let Some(v) = &cfg.assist.vibration {
        if v.amplitude_nm.iter().any(|a| !a.is_finite()) || !(v.frequency_ghz.is_finite() && v.frequency_ghz > 0.0) {
            return bad("assist.vibration", "amplitudes must be finite and frequency_ghz > 0");
        }
        if v.phase_deg.iter().any(|a| !a.is_finite()) {
            return bad("assist.vibration.phase_deg", format!("{:?} must be finite", v.phase_deg));
        }
        // A period shorter than ~20 time steps is not integrated, only aliased.
        let period_ps = 1e3 / v.frequency_ghz;
        if period_ps < 20.0 * cfg.dt_ps {
            return bad("assist.vibration.frequency_ghz", format!("{} GHz has a period of {period_ps:.4} ps, shorter than 20 time steps of {} ps", v.frequency_ghz, cfg.dt_ps));
        }
    }
    let o = &cfg.output;
    if o.thermo_every == 0 {
        return bad("output.thermo_every", "must be ≥ 1");
    }
    if !(o.pixel_nm.is_finite() && o.pixel_nm > 0.0) {
        return bad("output.pixel_nm", format!("{} must be > 0", o.pixel_nm));
    }
    for s in &cfg.spec {
        atomfab_metrology::spec::parse_spec(s).map_err(|e| ProcessError::Config(format!("spec '{s}': {e}")))?;
    }
    Ok(())
}

/// `[process.assist.vibration]` in engine units, as the md fixes `move` and `driven` take it (amplitude Å,
/// frequency 1/ps, phases in degrees); `Value::Null` without one.
pub fn vibration_json(cfg: &ProcessConfig) -> Value {
    match &cfg.assist.vibration {
        Some(v) => json!({"amplitude": v.amplitude_nm.map(|a| a * NM), "frequency": v.frequency_ghz * 1e-3, "phase_deg": v.phase_deg}),
        None => Value::Null,
    }
}

/// Largest downward excursion of the `[assist.vibration]` z motion below the prescribed path, nm:
/// d = A (sin(ωt + φ) − sin φ) reaches −|A| − A sin φ.
pub fn vibration_down_nm(cfg: &ProcessConfig) -> f64 {
    cfg.assist.vibration.as_ref().map_or(0.0, |v| {
        let a = v.amplitude_nm[2];
        (a.abs() + a * v.phase_deg[2].to_radians().sin()).max(0.0)
    })
}

/// Describes `[assist.vibration]` for the report (None without one).
pub fn describe_vibration(cfg: &ProcessConfig) -> Option<String> {
    cfg.assist.vibration.as_ref().map(|v| format!("amplitude {:?} nm, {} GHz, phase {:?}°", v.amplitude_nm, v.frequency_ghz, v.phase_deg))
}

/// Rejects recipe sections that belong to another kind (contradictory keys), naming them.
pub fn only_sections(cfg: &ProcessConfig, allowed: &[&str]) -> Result<(), ProcessError> {
    for (name, present) in cfg.kind_sections() {
        if present && !allowed.contains(&name) {
            return bad(name, format!("[process.{name}] does not belong to kind = \"{}\" (it takes {})", cfg.kind.name(), allowed.iter().map(|a| format!("[process.{a}]")).collect::<Vec<_>>().join(", ")));
        }
    }
    Ok(())
}

/// The crystalline workpiece block: x ∈ [0, length), y ∈ [0, width), top layer at `surface_z` (Å).
pub struct Workpiece {
    pub system: System,
    /// Lattice periods along x, y, z of the oriented crystal, Å.
    pub periods: Vec3,
    pub length: f64,
    pub width: f64,
    pub surface_z: f64,
    /// Rightmost atom x, Å.
    pub x_end: f64,
    /// Atomic step height on the surface (one layer), Å.
    pub layer_spacing: f64,
    /// Nearest-neighbour distance of the crystal, Å.
    pub nearest_neighbour: f64,
    /// Number density of the crystal, atoms/Å³.
    pub number_density: f64,
}

pub fn build_workpiece(cfg: &ProcessConfig, p: &MaterialPreset) -> Result<Workpiece, ProcessError> {
    let size = cfg.workpiece.size_nm.map(|v| v * NM);
    let (system, periods) = workpiece(p.lattice, p.a, p.element, cfg.workpiece.orient, size)?;
    let lengths = system.cell.lengths();
    let surface_z = system.positions.iter().map(|r| r[2]).fold(f64::NEG_INFINITY, f64::max);
    let x_end = system.positions.iter().map(|r| r[0]).fold(f64::NEG_INFINITY, f64::max);
    let cell_atoms = match p.lattice {
        LatticeKind::Diamond => 8.0,
        LatticeKind::Fcc => 4.0,
        LatticeKind::Bcc => 2.0,
        _ => 1.0,
    };
    Ok(Workpiece {
        length: lengths[0],
        width: lengths[1],
        surface_z,
        x_end,
        layer_spacing: p.layer_spacing_001 * periods[2] / p.a,
        nearest_neighbour: match p.lattice {
            LatticeKind::Diamond => p.a * 3f64.sqrt() / 4.0,
            LatticeKind::Bcc => p.a * 3f64.sqrt() / 2.0,
            _ => p.a / 2f64.sqrt(),
        },
        number_density: cell_atoms / p.a.powi(3),
        periods,
        system,
    })
}

/// What the shared MD generation and evaluation need to know about a built process (Å, ps).
#[derive(Debug, Clone)]
pub struct Setup {
    pub material: Material,
    /// Height of the original surface (the top workpiece atom layer), Å.
    pub surface_z: f64,
    /// Workpiece extent along x and y (y periodic), Å.
    pub length: f64,
    pub width: f64,
    pub steps: u64,
    pub dt: f64,
    /// Workpiece atoms come first in the system (species 0), then the tool (species 1 = C).
    pub workpiece_atoms: usize,
    pub tool_atoms: usize,
    pub layer_spacing: f64,
    pub nearest_neighbour: f64,
    pub number_density: f64,
    /// Whether the low-x end of the workpiece is a fixed + thermostat boundary too (a non-periodic x, as in
    /// cutting); otherwise only the bottom is.
    pub x_boundary: bool,
}

impl Setup {
    pub fn new(cfg: &ProcessConfig, w: &Workpiece, steps: u64, tool_atoms: usize, x_boundary: bool) -> Setup {
        Setup {
            material: cfg.material,
            surface_z: w.surface_z,
            length: w.length,
            width: w.width,
            steps,
            dt: cfg.dt_ps,
            workpiece_atoms: w.system.len(),
            tool_atoms,
            layer_spacing: w.layer_spacing,
            nearest_neighbour: w.nearest_neighbour,
            number_density: w.number_density,
            x_boundary,
        }
    }
}

/// Role of a workpiece atom by position: 0 fixed boundary, 1 thermostat layer, 2 free. With `x_boundary`
/// the low-x end is a boundary as well as the bottom.
pub fn role(r: Vec3, fixed: f64, thermostat: f64, x_boundary: bool) -> u8 {
    let d = if x_boundary { r[0].min(r[2]) } else { r[2] };
    if d < fixed {
        0
    } else if d < fixed + thermostat {
        1
    } else {
        2
    }
}

/// The MD run of a built process: writes the initial structure and potential file into `out_dir` and
/// returns the `[md]` configuration. Groups: `tool` (species C), `fixed`, `thermostat`, `mobile`; the
/// kind's `tool_fixes` (motion of the tool) run between the fixed layer and the thermostat. The thermo
/// file gets the force on the tool (fx_tool, fy_tool, fz_tool, eV/Å) and whatever the tool fixes add.
pub fn md_config(cfg: &ProcessConfig, seed: u64, system: &System, setup: &Setup, p: &MaterialPreset, out_dir: &Path, tool_fixes: Vec<Value>) -> Result<MdConfig, ProcessError> {
    let out_abs = std::fs::canonicalize(out_dir).map_err(|e| ProcessError::Io(format!("{}: {e}", out_dir.display())))?;
    let out_str = out_abs.display().to_string();
    if out_str.contains([',', ';', '@', ':']) {
        return Err(ProcessError::Config(format!("output folder '{out_str}' must not contain , ; @ or :")));
    }
    let pot_path = out_abs.join(p.file.name);
    atomfab_core::fsutil::write_atomic(&pot_path, |w| std::io::Write::write_all(w, p.file.contents.as_bytes()))
        .map_err(|e| ProcessError::Io(format!("{}: {e}", pot_path.display())))?;
    let structure = out_abs.join("initial.xyz");
    atomfab_io::write_structure(&structure, system, None).map_err(|e| ProcessError::Io(e.to_string()))?;

    let fixed = cfg.workpiece.fixed_nm * NM;
    let thermo = cfg.workpiece.thermostat_nm * NM;
    let mut ids = [Vec::new(), Vec::new(), Vec::new()];
    for i in 0..setup.workpiece_atoms {
        ids[role(system.positions[i], fixed, thermo, setup.x_boundary) as usize].push(system.ids[i]);
    }
    let spec = p.hybrid_spec().replace(p.file.name, &pot_path.display().to_string());
    let mut fixes = tool_fixes;
    fixes.push(json!({"kind": "thermostat", "group": "thermostat", "style": "langevin", "temperature": cfg.temperature,
           "damp": 0.1, "seed": seed.wrapping_mul(2654435761).wrapping_add(17) % 900_000_000 + 1}));
    let mobile: Vec<u64> = ids[1].iter().chain(&ids[2]).copied().collect();
    let mut groups = vec![
        json!({"name": "tool", "species": ["C"]}),
        json!({"name": "thermostat", "ids": ids[1]}),
        json!({"name": "mobile", "ids": mobile}),
    ];
    if !ids[0].is_empty() {
        groups.push(json!({"name": "fixed", "ids": ids[0]}));
        fixes.insert(0, json!({"kind": "fixed", "group": "fixed"}));
    }
    let last_every = setup.steps.max(1);
    let dump_every = if cfg.output.dump_every == 0 { last_every } else { cfg.output.dump_every };
    let mut md = json!({
        "units": "metal",
        "structure": structure,
        "potential": spec,
        "dt": cfg.dt_ps,
        "steps": setup.steps,
        "velocity": {"temperature": cfg.temperature, "seed": seed % 900_000_000 + 1, "group": "mobile"},
        "neighbor": {"skin": 1.0},
        "groups": groups,
        "fixes": fixes,
        "thermo": {"every": cfg.output.thermo_every, "group_forces": ["tool"]},
        "dumps": [
            {"every": dump_every, "file": "trajectory.dump", "columns": ["id", "type", "element", "x", "y", "z", "vx", "vy", "vz"]},
            {"every": last_every, "file": "final.xyz"}
        ],
        "threads": cfg.threads,
    });
    if cfg.output.checkpoint_every > 0 {
        md["checkpoint"] = json!({"every": cfg.output.checkpoint_every});
    }
    serde_json::from_value(md).map_err(|e| ProcessError::Config(format!("internal MD configuration: {e}")))
}

/// Puts workpiece (species 0) and tool (species 1 = C) atoms into one system in `cell`.
pub fn assemble(cell: atomfab_core::Cell, p: &MaterialPreset, work: &[Vec3], tool: &[Vec3]) -> Result<System, ProcessError> {
    use atomfab_core::{Species, UnitSystem};
    let mut system = System::new(cell, UnitSystem::Metal);
    let ws = system.species_named(Species::element(p.element).map_err(|e| ProcessError::Config(e.to_string()))?);
    let cs = system.species_named(Species::element("C").map_err(|e| ProcessError::Config(e.to_string()))?);
    system.push_atoms(ws, work);
    system.push_atoms(cs, tool);
    Ok(system)
}
