//! Orthogonal nanocutting: build workpiece + rigid diamond tool, generate the MD run (fixed and
//! thermostat boundary layers, tool moving along −x with optional vibration), run it.

use crate::config::{Material, ProcessConfig};
use crate::error::ProcessError;
use crate::geometry::{min_xz, tool_atoms, workpiece, ToolShape};
use crate::material::{preset, MaterialPreset};
use atomfab_core::units::METRE_PER_SECOND_IN_ANGSTROM_PER_PS;
use atomfab_core::{Cell, Species, System, UnitSystem, Vec3};
use atomfab_md::MdConfig;
use serde_json::json;
use std::path::Path;

const NM: f64 = 10.0;

/// Everything the analysis needs to know about the setup (Å, ps).
#[derive(Debug, Clone)]
pub struct CutSetup {
    pub material: Material,
    /// Height of the original (uncut) surface: the top workpiece atom layer, Å.
    pub surface_z: f64,
    /// Workpiece extent: x ∈ [0, length), y ∈ [0, width), z ∈ [0, surface_z], Å.
    pub length: f64,
    pub width: f64,
    /// Lowest point of the tool (the nominal machined surface), Å.
    pub edge_z: f64,
    /// Rightmost workpiece atom x (the end the tool enters), Å.
    pub workpiece_end_x: f64,
    /// Leftmost tool x at the start, Å.
    pub tool_start_x: f64,
    /// Tool speed along −x, Å/ps.
    pub speed: f64,
    /// Total tool travel, Å.
    pub travel: f64,
    pub steps: u64,
    pub dt: f64,
    /// Bottom of the region that moves freely (above fixed + thermostat layers), Å.
    pub mobile_bottom_z: f64,
    /// x below which atoms belong to the fixed or thermostat end layers, Å.
    pub end_layers_x: f64,
    pub workpiece_atoms: usize,
    pub tool_atoms: usize,
    pub layer_spacing: f64,
    /// Nearest-neighbour distance of the crystal, Å.
    pub nearest_neighbour: f64,
    /// Number density of the crystal, atoms/Å³.
    pub number_density: f64,
}

/// Checks the recipe values that must hold before anything is built, naming the key.
pub fn validate(cfg: &ProcessConfig) -> Result<(), ProcessError> {
    let bad = |key: &str, msg: String| Err(ProcessError::Config(format!("{key}: {msg}")));
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
    if !(cfg.temperature.is_finite() && cfg.temperature >= 0.0) {
        return bad("temperature", format!("{} K must be ≥ 0", cfg.temperature));
    }
    if !(cfg.dt_ps.is_finite() && cfg.dt_ps > 0.0 && cfg.dt_ps <= 0.01) {
        return bad("dt_ps", format!("{} ps must be in (0, 0.01]", cfg.dt_ps));
    }
    let c = &cfg.cut;
    if !(c.speed_m_per_s.is_finite() && c.speed_m_per_s > 0.0) {
        return bad("cut.speed_m_per_s", format!("{} must be > 0", c.speed_m_per_s));
    }
    if !(c.depth_nm.is_finite() && c.depth_nm > 0.0) {
        return bad("cut.depth_nm", format!("{} must be > 0", c.depth_nm));
    }
    let free = w.size_nm[2] - w.fixed_nm - w.thermostat_nm;
    if c.depth_nm >= free - 0.3 {
        return bad(
            "cut.depth_nm",
            format!(
                "{} nm leaves less than 0.3 nm above the {:.2} nm of fixed + thermostat layers in a {} nm thick workpiece",
                c.depth_nm,
                w.fixed_nm + w.thermostat_nm,
                w.size_nm[2]
            ),
        );
    }
    if !(c.length_nm.is_finite() && c.length_nm > 0.0) {
        return bad("cut.length_nm", format!("{} must be > 0", c.length_nm));
    }
    if !(c.start_gap_nm.is_finite() && c.start_gap_nm >= 0.0) {
        return bad("cut.start_gap_nm", format!("{} must be ≥ 0", c.start_gap_nm));
    }
    if c.length_nm > w.size_nm[0] - w.fixed_nm - w.thermostat_nm - 0.5 {
        return bad(
            "cut.length_nm",
            format!("{} nm runs the tool into the workpiece's fixed end (workpiece length {} nm)", c.length_nm, w.size_nm[0]),
        );
    }
    let t = &cfg.tool;
    if t.size_nm.iter().any(|v| !(v.is_finite() && *v > 0.0)) {
        return bad("tool.size_nm", format!("{:?} must be two positive lengths", t.size_nm));
    }
    if t.size_nm[0] > w.size_nm[0] || t.size_nm[1] > 2.0 * w.size_nm[2] {
        return bad("tool.size_nm", format!("tool {:?} nm is larger than the workpiece {:?} nm", t.size_nm, w.size_nm));
    }
    if t.size_nm[1] < c.depth_nm + 1.5 {
        return bad(
            "tool.size_nm",
            format!("tool height {} nm must be at least the depth of cut + 1.5 nm, or the chip spills over the tool", t.size_nm[1]),
        );
    }
    if !(t.rake_deg.abs() < 60.0) || !(t.clearance_deg > 0.0 && t.clearance_deg < 45.0) {
        return bad("tool", format!("rake {}° must be within ±60°, clearance {}° within (0°, 45°)", t.rake_deg, t.clearance_deg));
    }
    if !(t.edge_radius_nm.is_finite() && t.edge_radius_nm >= 0.0 && t.edge_radius_nm < t.size_nm[1].min(t.size_nm[0]) / 2.0) {
        return bad("tool.edge_radius_nm", format!("{} must be ≥ 0 and under half the tool size", t.edge_radius_nm));
    }
    if let Some(v) = &cfg.assist.vibration {
        if v.amplitude_nm.iter().any(|a| !a.is_finite()) || !(v.frequency_ghz.is_finite() && v.frequency_ghz > 0.0) {
            return bad("assist.vibration", "amplitudes must be finite and frequency_ghz > 0".into());
        }
    }
    let o = &cfg.output;
    if o.thermo_every == 0 {
        return bad("output.thermo_every", "must be ≥ 1".into());
    }
    if !(o.pixel_nm.is_finite() && o.pixel_nm > 0.0) {
        return bad("output.pixel_nm", format!("{} must be > 0", o.pixel_nm));
    }
    for s in &cfg.spec {
        atomfab_metrology::spec::parse_spec(s).map_err(|e| ProcessError::Config(format!("spec '{s}': {e}")))?;
    }
    Ok(())
}

/// Builds the atoms (workpiece species 0, tool species 1 = C) and the setup description.
pub fn build(cfg: &ProcessConfig) -> Result<(System, CutSetup, MaterialPreset), ProcessError> {
    validate(cfg)?;
    let p = preset(cfg.material);
    let size = cfg.workpiece.size_nm.map(|v| v * NM);
    let (work, periods) = workpiece(p.lattice, p.a, p.element, cfg.workpiece.orient, size)?;
    let lengths = work.cell.lengths();
    let (length, width) = (lengths[0], lengths[1]);
    let surface_z = work.positions.iter().map(|r| r[2]).fold(f64::NEG_INFINITY, f64::max);
    let depth = cfg.cut.depth_nm * NM;
    let shape = ToolShape {
        rake: cfg.tool.rake_deg.to_radians(),
        clearance: cfg.tool.clearance_deg.to_radians(),
        edge_radius: cfg.tool.edge_radius_nm * NM,
        length: cfg.tool.size_nm[0] * NM,
        height: cfg.tool.size_nm[1] * NM,
    };
    // A shell of twice the interaction cutoff is all a rigid tool needs.
    let mut tool = tool_atoms(&shape, width, 8.0)?;
    let (tx, tz) = min_xz(&tool);
    let x_end = work.positions.iter().map(|r| r[0]).fold(f64::NEG_INFINITY, f64::max);
    let tool_start_x = x_end + cfg.cut.start_gap_nm * NM + 1.0;
    let edge_z = surface_z - depth;
    for r in &mut tool {
        r[0] += tool_start_x - tx;
        r[2] += edge_z - tz;
    }
    let speed = cfg.cut.speed_m_per_s * METRE_PER_SECOND_IN_ANGSTROM_PER_PS;
    let travel = cfg.cut.start_gap_nm * NM + 1.0 + cfg.cut.length_nm * NM;
    let steps = (travel / speed / cfg.dt_ps).ceil() as u64;
    let vib_z = cfg.assist.vibration.as_ref().map_or(0.0, |v| v.amplitude_nm[2].abs() * NM);
    let vib_x = cfg.assist.vibration.as_ref().map_or(0.0, |v| v.amplitude_nm[0].abs() * NM);
    let top = tool.iter().map(|r| r[2]).fold(surface_z, f64::max) + vib_z + 30.0;
    let right = tool.iter().map(|r| r[0]).fold(x_end, f64::max) + vib_x + 10.0;
    let left = -10.0 - vib_x;
    let cell = Cell::orthorhombic([left, 0.0, -5.0], [right, width, top], [false, true, false])
        .map_err(|e| ProcessError::Config(format!("box: {e}")))?;
    let mut system = System::new(cell, UnitSystem::Metal);
    let ws = system.species_named(Species::element(p.element).map_err(|e| ProcessError::Config(e.to_string()))?);
    let cs = system.species_named(Species::element("C").map_err(|e| ProcessError::Config(e.to_string()))?);
    for r in &work.positions {
        system.push_atom(ws, *r);
    }
    for r in &tool {
        system.push_atom(cs, *r);
    }
    let fixed = cfg.workpiece.fixed_nm * NM;
    let thermo = cfg.workpiece.thermostat_nm * NM;
    let cell_atoms = match p.lattice {
        atomfab_core::LatticeKind::Diamond => 8.0,
        atomfab_core::LatticeKind::Fcc => 4.0,
        atomfab_core::LatticeKind::Bcc => 2.0,
        _ => 1.0,
    };
    let setup = CutSetup {
        material: cfg.material,
        surface_z,
        length,
        width,
        edge_z,
        workpiece_end_x: x_end,
        tool_start_x,
        speed,
        travel,
        steps,
        dt: cfg.dt_ps,
        mobile_bottom_z: fixed + thermo,
        end_layers_x: fixed + thermo,
        workpiece_atoms: work.len(),
        tool_atoms: tool.len(),
        layer_spacing: p.layer_spacing_001 * periods[2] / p.a,
        nearest_neighbour: match p.lattice {
            atomfab_core::LatticeKind::Diamond => p.a * 3f64.sqrt() / 4.0,
            atomfab_core::LatticeKind::Bcc => p.a * 3f64.sqrt() / 2.0,
            _ => p.a / 2f64.sqrt(),
        },
        number_density: cell_atoms / p.a.powi(3),
    };
    Ok((system, setup, p))
}

/// Role of a workpiece atom by position: fixed boundary, thermostat layer, or free.
pub fn role(r: Vec3, fixed: f64, thermostat: f64) -> u8 {
    let d = r[0].min(r[2]);
    if d < fixed {
        0
    } else if d < fixed + thermostat {
        1
    } else {
        2
    }
}

/// The MD run of a setup: writes the initial structure and potential file into `out_dir` and returns
/// the `[md]` configuration that runs it.
pub fn md_config(cfg: &ProcessConfig, seed: u64, system: &System, setup: &CutSetup, p: &MaterialPreset, out_dir: &Path) -> Result<MdConfig, ProcessError> {
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

    let fixed_nm = cfg.workpiece.fixed_nm * NM;
    let thermo_nm = cfg.workpiece.thermostat_nm * NM;
    let mut ids = [Vec::new(), Vec::new(), Vec::new()];
    for i in 0..setup.workpiece_atoms {
        ids[role(system.positions[i], fixed_nm, thermo_nm) as usize].push(system.ids[i]);
    }
    let spec = p.hybrid_spec().replace(p.file.name, &pot_path.display().to_string());
    let vibration = cfg.assist.vibration.as_ref().map(|v| {
        json!({
            "amplitude": v.amplitude_nm.map(|a| a * NM),
            "frequency": v.frequency_ghz * 1e-3,
            "phase_deg": v.phase_deg,
        })
    });
    let mut fixes = vec![
        json!({"kind": "move", "group": "tool", "velocity": [-setup.speed, 0.0, 0.0], "vibration": vibration}),
        json!({"kind": "thermostat", "group": "thermostat", "style": "langevin", "temperature": cfg.temperature,
               "damp": 0.1, "seed": seed.wrapping_mul(2654435761).wrapping_add(17) % 900_000_000 + 1}),
    ];
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
