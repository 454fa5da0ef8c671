//! Orthogonal nanocutting: a rigid diamond tool with rake and clearance angles and a rounded edge moves
//! along −x through the workpiece at a depth of cut (optionally vibrating). Measures cutting and thrust
//! forces, chip, removal rate and specific cutting energy, then the common surface and damage evaluation.

use crate::analysis::{self, Series, EV_PER_ANGSTROM3_IN_GPA, EV_PER_ANGSTROM_IN_NN};
use crate::common::{self, bad, Setup, NM};
use crate::config::{CutConfig, Material, ProcessConfig, ToolConfig};
use crate::error::ProcessError;
use crate::evaluate::{self, KindReport, RunInfo, SurfaceRegion, WORKPIECE_SPECIES};
use crate::geometry::{min_xz, tool_atoms, ToolShape};
use crate::material::{preset, MaterialPreset};
use crate::{KindFigures, ProcessSummary, ProgressFn};
use atomfab_core::units::METRE_PER_SECOND_IN_ANGSTROM_PER_PS;
use atomfab_core::{Cell, System};
use atomfab_md::MdConfig;
use atomfab_metrology::spec::Dim;
use atomfab_report::{Block, Plot, Series as PlotSeries};
use serde::Serialize;
use serde_json::json;
use std::path::Path;

/// The cutting setup (Å, ps) on top of the common one.
#[derive(Debug, Clone)]
pub struct CutSetup {
    pub base: Setup,
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
    /// Bottom of the region that moves freely (above fixed + thermostat layers), Å.
    pub mobile_bottom_z: f64,
    /// x below which atoms belong to the fixed or thermostat end layers, Å.
    pub end_layers_x: f64,
}

impl std::ops::Deref for CutSetup {
    type Target = Setup;
    fn deref(&self) -> &Setup {
        &self.base
    }
}

/// Checks the recipe values that must hold before anything is built, naming the key.
/// (The common keys are checked by `common::validate_common`; `crate::validate` runs both.)
pub fn validate(cfg: &ProcessConfig) -> Result<(), ProcessError> {
    common::validate_common(cfg)?;
    common::only_sections(cfg, &["tool", "cut"])?;
    let w = &cfg.workpiece;
    let c = cut(cfg)?;
    if !(c.speed_m_per_s.is_finite() && c.speed_m_per_s > 0.0) {
        return bad("cut.speed_m_per_s", format!("{} must be > 0", c.speed_m_per_s));
    }
    if !(c.depth_nm.is_finite() && c.depth_nm > 0.0) {
        return bad("cut.depth_nm", format!("{} must be > 0", c.depth_nm));
    }
    // The slab is whole lattice periods thick, which can be less than asked.
    let p = crate::material::preset(cfg.material);
    let built = crate::geometry::built_size(p.lattice, p.a, p.element, w.orient, w.size_nm.map(|v| v * NM))?.map(|v| v / NM);
    let free = built[2] - w.fixed_nm - w.thermostat_nm;
    if c.depth_nm >= free - 0.3 {
        return bad(
            "cut.depth_nm",
            format!(
                "{} nm leaves less than 0.3 nm above the {:.2} nm of fixed + thermostat layers in a {:.2} nm thick workpiece \
                 (workpiece.size_nm z = {} nm, built as whole lattice periods)",
                c.depth_nm,
                w.fixed_nm + w.thermostat_nm,
                built[2],
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
    let t = &tool(cfg);
    // A negative rake face meets the surface ahead of the edge, by depth × tan|rake|.
    let lead = c.depth_nm * (-t.rake_deg.to_radians()).tan().max(0.0);
    if c.length_nm + lead > w.size_nm[0] - w.fixed_nm - w.thermostat_nm - 0.5 {
        return bad(
            "cut.length_nm",
            format!(
                "{} nm runs the tool into the workpiece's fixed end (workpiece length {} nm{})",
                c.length_nm,
                w.size_nm[0],
                if lead > 0.0 { format!("; the rake face at the surface leads the edge by {lead:.2} nm") } else { String::new() }
            ),
        );
    }
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
    Ok(())
}

/// The `[process.cut]` section (required for nanocutting).
pub fn cut(cfg: &ProcessConfig) -> Result<&CutConfig, ProcessError> {
    cfg.cut.as_ref().ok_or_else(|| ProcessError::Config("cut: kind = \"nanocutting\" needs a [process.cut] section (depth_nm, speed_m_per_s, length_nm)".into()))
}

/// The `[process.tool]` section, or the default tool.
pub fn tool(cfg: &ProcessConfig) -> ToolConfig {
    cfg.tool.clone().unwrap_or_default()
}

/// Builds the atoms (workpiece species 0, tool species 1 = C) and the setup description.
pub fn build(cfg: &ProcessConfig) -> Result<(System, CutSetup, MaterialPreset), ProcessError> {
    validate(cfg)?;
    let (c, t) = (cut(cfg)?, tool(cfg));
    let p = preset(cfg.material);
    let work = common::build_workpiece(cfg, &p)?;
    let (surface_z, width, x_end) = (work.surface_z, work.width, work.x_end);
    let depth = c.depth_nm * NM;
    let shape = ToolShape {
        rake: t.rake_deg.to_radians(),
        clearance: t.clearance_deg.to_radians(),
        edge_radius: t.edge_radius_nm * NM,
        length: t.size_nm[0] * NM,
        height: t.size_nm[1] * NM,
    };
    // A shell of twice the interaction cutoff is all a rigid tool needs.
    let mut tool = tool_atoms(&shape, width, 8.0)?;
    let (tx, tz) = min_xz(&tool);
    // A negative rake face leans forward above the edge: the tool first touches the workpiece with that
    // face near the surface (its foremost atom up to one lattice spacing above it, within reach of the
    // workpiece's top corner, is placed `start_gap_nm` from the workpiece end), and the edge, the foremost
    // atom up to the arc's tangent with the rake face, follows `edge_lag` behind. With rake ≥ 0 the edge
    // is the tool's foremost atom.
    let a = crate::material::DIAMOND_A;
    let front = |top: f64| tool.iter().filter(|r| r[2] <= top).map(|r| r[0]).fold(f64::INFINITY, f64::min);
    let (contact_x, edge_x) = if shape.rake < 0.0 {
        (front(tz + depth + a), front(tz + depth.min(shape.edge_height() + 0.5 * a)))
    } else {
        (tx, tx)
    };
    let edge_lag = edge_x - contact_x;
    let tool_start_x = x_end + c.start_gap_nm * NM + 1.0 + edge_lag;
    let edge_z = surface_z - depth;
    for r in &mut tool {
        r[0] += tool_start_x - edge_x;
        r[2] += edge_z - tz;
    }
    let speed = c.speed_m_per_s * METRE_PER_SECOND_IN_ANGSTROM_PER_PS;
    let travel = c.start_gap_nm * NM + 1.0 + edge_lag + c.length_nm * NM;
    let steps = (travel / speed / cfg.dt_ps).ceil() as u64;
    let vib_z = cfg.assist.vibration.as_ref().map_or(0.0, |v| v.amplitude_nm[2].abs() * NM);
    let vib_x = cfg.assist.vibration.as_ref().map_or(0.0, |v| v.amplitude_nm[0].abs() * NM);
    let top = tool.iter().map(|r| r[2]).fold(surface_z, f64::max) + vib_z + 30.0;
    let right = tool.iter().map(|r| r[0]).fold(x_end, f64::max) + vib_x + 10.0;
    // A negative rake face ends ahead of the edge.
    let left = tool.iter().map(|r| r[0] - travel).fold(0.0, f64::min) - 10.0 - vib_x;
    let cell = Cell::orthorhombic([left, 0.0, -5.0], [right, width, top], [false, true, false])
        .map_err(|e| ProcessError::Config(format!("box: {e}")))?;
    let system = common::assemble(cell, &p, &work.system.positions, &tool)?;
    let fixed = cfg.workpiece.fixed_nm * NM;
    let thermo = cfg.workpiece.thermostat_nm * NM;
    let setup = CutSetup {
        base: Setup::new(cfg, &work, steps, tool.len(), true),
        edge_z,
        workpiece_end_x: x_end,
        tool_start_x,
        speed,
        travel,
        mobile_bottom_z: fixed + thermo,
        end_layers_x: fixed + thermo,
    };
    Ok((system, setup, p))
}

/// Role of a workpiece atom by position: fixed boundary (bottom or low-x end), thermostat layer, or free.
pub fn role(r: atomfab_core::Vec3, fixed: f64, thermostat: f64) -> u8 {
    common::role(r, fixed, thermostat, true)
}

/// The MD run of a setup: writes the initial structure and potential file into `out_dir` and returns
/// the `[md]` configuration that runs it (tool moving along −x at the cutting speed, optionally vibrating).
pub fn md_config(cfg: &ProcessConfig, seed: u64, system: &System, setup: &CutSetup, p: &MaterialPreset, out_dir: &Path) -> Result<MdConfig, ProcessError> {
    let motion = json!({"kind": "move", "group": "tool", "velocity": [-setup.speed, 0.0, 0.0], "vibration": common::vibration_json(cfg)});
    common::md_config(cfg, seed, system, &setup.base, p, out_dir, vec![motion])
}

/// Builds, runs (or resumes) and evaluates a nanocutting recipe.
pub fn run(cfg: &ProcessConfig, seed: u64, recipe_text: &str, out_dir: &Path, resume: bool, progress: ProgressFn) -> Result<ProcessSummary, ProcessError> {
    let (system, setup, preset) = build(cfg)?;
    let (c, t) = (cut(cfg)?, tool(cfg));
    let md = md_config(cfg, seed, &system, &setup, &preset, out_dir)?;
    let (md_summary, wall) = evaluate::run_md(&md, out_dir, resume, progress)?;

    let speed = setup.speed;
    let series = analysis::read_series(&out_dir.join("thermo.csv"), |t| t * speed)?;
    // The tool edge reaches the workpiece after the start gap; forces are averaged from one edge
    // radius later, when the cut is established.
    let approach = setup.tool_start_x - setup.workpiece_end_x;
    let engaged_from = approach + t.edge_radius_nm * NM + 5.0;
    // Machined region: behind the tool's final edge position, in front of the workpiece end.
    let tool_x_end = setup.tool_start_x - setup.travel;
    let region = SurfaceRegion { x_from: tool_x_end + t.edge_radius_nm * NM + 10.0, x_to: setup.workpiece_end_x - 5.0, ref_z: setup.edge_z };
    let ev = evaluate::evaluate(cfg, out_dir, &setup, &preset, region)?;
    let removal = removal(&setup, &series, &ev.fin, WORKPIECE_SPECIES, engaged_from, c.length_nm * NM);
    let grades = evaluate::grades(cfg, &ev, &|name| match name {
        "chip_atoms" => Some((removal.chip_atoms as f64, Dim::Number)),
        _ => None,
    })?;
    let headline = format!(
        "cutting force {:.2} nN, thrust {:.2} nN, chip {} atoms",
        removal.mean_cutting_force_nn, removal.mean_thrust_force_nn, removal.chip_atoms
    );
    let kind_report = report(&setup, &series, &removal, c, cfg.material);
    let figures = KindFigures {
        depth_of_cut_nm: Some((setup.surface_z - setup.edge_z) / NM),
        cut_length_nm: Some(c.length_nm),
        removal: Some(removal),
        ..Default::default()
    };
    let run = RunInfo { seed, recipe_text, md: &md_summary, wall_seconds: wall };
    evaluate::finish(cfg, out_dir, &setup, &preset, run, &series, ev, figures, grades, kind_report, headline)
}

/// The nanocutting part of the report: force figures and the force-vs-travel plot.
fn report(setup: &CutSetup, series: &Series, r: &Removal, _c: &CutConfig, _m: Material) -> KindReport {
    let overview = vec![
        ("mean cutting force".into(), format!("{:.3} nN ({:.3} N/m of width)", r.mean_cutting_force_nn, r.cutting_force_per_width_n_per_m)),
        ("mean thrust force".into(), format!("{:.3} nN (thrust/cutting {:.3})", r.mean_thrust_force_nn, r.force_ratio)),
        ("chip atoms".into(), format!("{} ({:.3} nm³; nominal removed {:.3} nm³)", r.chip_atoms, r.chip_volume_nm3, r.nominal_removed_volume_nm3)),
        ("chip temperature at the end".into(), format!("{:.0} K (drift removed)", r.chip_temperature_k)),
        ("material removal rate".into(), format!("{:.3} nm³/ns", r.material_removal_rate_nm3_per_ns)),
        ("specific cutting energy".into(), format!("{:.3} GPa (J/mm³)", r.specific_cutting_energy_gpa)),
    ];
    let plot = force_plot("Forces on the tool", "tool travel (nm)", series, &[("Fc", "+x"), ("Ft", "+z")]);
    KindReport {
        subtitle: format!("depth of cut {:.2} nm", (setup.surface_z - setup.edge_z) / NM),
        overview,
        sections: vec![("Forces".into(), vec![plot])],
    }
}

/// Plot of the x and z tool forces against the series' travel (nm): instantaneous values and a centred
/// running mean over ±0.1 nm of travel (instantaneous forces carry thermal noise). `names` labels the x
/// and z force and their direction.
pub fn force_plot(title: &str, x_label: &str, series: &Series, names: &[(&str, &str); 2]) -> Block {
    let travel_nm: Vec<f64> = series.travel_angstrom.iter().map(|v| v / 10.0).collect();
    let pair = |v: &[f64]| travel_nm.iter().copied().zip(v.iter().copied()).collect::<Vec<_>>();
    let smooth = |v: &[f64]| -> Vec<(f64, f64)> {
        let half = travel_nm.iter().position(|&t| t > travel_nm[0] + 0.1).unwrap_or(1).max(1);
        (0..v.len())
            .map(|k| {
                let (a, b) = (k.saturating_sub(half), (k + half + 1).min(v.len()));
                (travel_nm[k], v[a..b].iter().sum::<f64>() / (b - a) as f64)
            })
            .collect()
    };
    let [(fx, dx), (fz, dz)] = *names;
    Block::Plot(Plot {
        title: title.into(),
        x_label: x_label.into(),
        y_label: "force (nN)".into(),
        series: vec![
            PlotSeries { name: format!("{fx} instantaneous"), points: pair(&series.cutting_force_nn) },
            PlotSeries { name: format!("{fz} instantaneous"), points: pair(&series.thrust_force_nn) },
            PlotSeries { name: format!("{fx} ({dx}), running mean ±0.1 nm"), points: smooth(&series.cutting_force_nn) },
            PlotSeries { name: format!("{fz} ({dz}), running mean ±0.1 nm"), points: smooth(&series.thrust_force_nn) },
        ],
        ..Default::default()
    })
}

/// Removal figures.
#[derive(Debug, Clone, Serialize)]
pub struct Removal {
    /// Workpiece atoms above the original surface (the chip and side pile-up).
    pub chip_atoms: usize,
    /// Chip volume (chip atoms / crystal number density), nm³.
    pub chip_volume_nm3: f64,
    /// Nominal removed volume, depth × width × cut length, nm³.
    pub nominal_removed_volume_nm3: f64,
    /// Material removal rate, chip volume per simulated time, nm³/ns.
    pub material_removal_rate_nm3_per_ns: f64,
    /// Mean cutting / thrust force while the tool is engaged, nN.
    pub mean_cutting_force_nn: f64,
    pub mean_thrust_force_nn: f64,
    /// Mean cutting force per unit width, N/m (nN/nm).
    pub cutting_force_per_width_n_per_m: f64,
    /// Work of the cutting force over the removed nominal volume, GPa (= J/mm³).
    pub specific_cutting_energy_gpa: f64,
    /// Ratio thrust / cutting force (mean).
    pub force_ratio: f64,
    /// Mean temperature of the chip atoms at the end, their common drift removed, K (NaN below 2 atoms).
    pub chip_temperature_k: f64,
}

pub fn removal(setup: &CutSetup, series: &Series, fin: &System, workpiece_species: u32, engaged_from: f64, cut_length: f64) -> Removal {
    let chip: Vec<usize> = (0..fin.len())
        .filter(|&i| fin.species_index[i] == workpiece_species && fin.positions[i][2] > setup.surface_z + 1.0)
        .collect();
    let chip_atoms = chip.len();
    let chip_volume = chip_atoms as f64 / setup.number_density;
    let depth = setup.surface_z - setup.edge_z;
    let nominal = depth * setup.width * cut_length;
    let engaged: Vec<usize> = (0..series.time_ps.len()).filter(|&k| series.travel_angstrom[k] >= engaged_from).collect();
    let mean = |v: &[f64]| if engaged.is_empty() { f64::NAN } else { engaged.iter().map(|&k| v[k]).sum::<f64>() / engaged.len() as f64 };
    let fc = mean(&series.cutting_force_nn);
    let ft = mean(&series.thrust_force_nn);
    // Trapezoidal work of the cutting force over the travel, eV.
    let mut work = 0.0;
    for k in 1..series.travel_angstrom.len() {
        let dx = series.travel_angstrom[k] - series.travel_angstrom[k - 1];
        work += 0.5 * (series.cutting_force_nn[k] + series.cutting_force_nn[k - 1]) / EV_PER_ANGSTROM_IN_NN * dx;
    }
    let total_time = series.time_ps.last().copied().unwrap_or(0.0);
    Removal {
        chip_atoms,
        chip_volume_nm3: chip_volume * 1e-3,
        nominal_removed_volume_nm3: nominal * 1e-3,
        material_removal_rate_nm3_per_ns: if total_time > 0.0 { chip_volume * 1e-3 / (total_time * 1e-3) } else { 0.0 },
        mean_cutting_force_nn: fc,
        mean_thrust_force_nn: ft,
        cutting_force_per_width_n_per_m: fc / (setup.width * 0.1),
        specific_cutting_energy_gpa: if nominal > 0.0 { work / nominal * EV_PER_ANGSTROM3_IN_GPA } else { f64::NAN },
        force_ratio: ft / fc,
        chip_temperature_k: drift_free_temperature(fin, &chip),
    }
}

/// Temperature (K) of a set of atoms from their velocities relative to their centre of mass, with
/// 3(k − 1) degrees of freedom; NaN for fewer than 2 atoms.
fn drift_free_temperature(fin: &System, atoms: &[usize]) -> f64 {
    if atoms.len() < 2 {
        return f64::NAN;
    }
    let (mut ke, mut p, mut m) = (0.0, [0.0; 3], 0.0);
    for &i in atoms {
        let (v, mi) = (fin.velocities[i], fin.mass(i));
        ke += mi * (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
        for a in 0..3 {
            p[a] += mi * v[a];
        }
        m += mi;
    }
    let c = fin.units.constants();
    c.mvv2e * (ke - (p[0] * p[0] + p[1] * p[1] + p[2] * p[2]) / m) / (3.0 * (atoms.len() - 1) as f64 * c.boltzmann)
}

