//! Polishing: a rigid diamond abrasive particle (a sphere of radius R; a shell of atoms, `none@C-C`) is
//! pressed onto the surface with a normal load (load control, atomfab-md fix `driven`) or held at a depth,
//! and slides along −x — optionally rolling (angular velocity = rolling × v / R) — for one or more passes
//! over the periodic workpiece. A pass is one workpiece length of travel; a lateral offset between passes
//! moves the particle along −y by `offset_nm` per pass (slanted, overlapping tracks). The particle lands
//! while already sliding, so pass k ends exactly at step k × (steps per pass). Measures forces and
//! friction, atoms displaced per pass, surface Sa/Sq before and after each pass, then the common surface
//! metrology and subsurface damage.

use crate::analysis::{self, EV_PER_ANGSTROM_IN_NN};
use crate::common::{self, bad, NM};
use crate::config::ProcessConfig;
use crate::error::ProcessError;
use crate::evaluate::{self, KindReport, RunInfo, SurfaceRegion, WORKPIECE_SPECIES};
use crate::geometry::Indenter;
use crate::material::{preset, MaterialPreset};
use crate::scratch::{self, Control, Slide, SlideSetup};
use crate::{KindFigures, ProcessSummary, ProgressFn};
use atomfab_core::units::METRE_PER_SECOND_IN_ANGSTROM_PER_PS;
use atomfab_core::{System, UnitSystem};
use atomfab_metrology::level::{level, Level};
use atomfab_metrology::spec::Dim;
use atomfab_report::{Block, Plot, Series as PlotSeries};
use serde::{Deserialize, Serialize};
use std::io::BufReader;
use std::path::Path;

/// `[process.abrasive]`: a diamond particle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AbrasiveConfig {
    /// Particle radius, nm.
    pub radius_nm: f64,
}

/// `[process.polish]`: load (or depth), sliding, rolling and passes. Give exactly one of `load_nn` and
/// `depth_nm`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolishConfig {
    /// Load control: normal load on the particle, nN.
    #[serde(default)]
    pub load_nn: Option<f64>,
    /// Depth control: depth of the particle's lowest point below the original surface, nm.
    #[serde(default)]
    pub depth_nm: Option<f64>,
    /// Sliding speed of the particle's centre along −x, m/s.
    pub speed_m_per_s: f64,
    /// Number of passes (each one workpiece length along x).
    #[serde(default = "one")]
    pub passes: u32,
    /// Lateral (−y) offset of the track per pass, nm.
    #[serde(default)]
    pub offset_nm: f64,
    /// Rolling fraction: 0 = pure sliding, 1 = rolling without slip (angular velocity v/R about y).
    #[serde(default)]
    pub rolling: f64,
    /// Load control: time over which the load rises to its value, ps.
    #[serde(default = "five")]
    pub load_ramp_ps: f64,
    /// Load control: viscous damping time of the particle's vertical motion, ps.
    #[serde(default = "damping")]
    pub damping_ps: f64,
    /// Depth control: descent speed while landing, m/s (default: the sliding speed).
    #[serde(default)]
    pub indent_speed_m_per_s: Option<f64>,
    /// Gap between the particle and the surface atoms at the start, nm.
    #[serde(default = "gap")]
    pub start_gap_nm: f64,
}

fn one() -> u32 {
    1
}
fn five() -> f64 {
    5.0
}
fn damping() -> f64 {
    0.2
}
fn gap() -> f64 {
    0.2
}

fn sections(cfg: &ProcessConfig) -> Result<(&AbrasiveConfig, &PolishConfig), ProcessError> {
    let a = cfg.abrasive.as_ref().ok_or_else(|| ProcessError::Config("abrasive: kind = \"polishing\" needs a [process.abrasive] section (radius_nm)".into()))?;
    let p = cfg.polish.as_ref().ok_or_else(|| ProcessError::Config("polish: kind = \"polishing\" needs a [process.polish] section (load_nn or depth_nm, speed_m_per_s)".into()))?;
    Ok((a, p))
}

fn body(a: &AbrasiveConfig) -> Result<Indenter, ProcessError> {
    let r = a.radius_nm;
    if !(r.is_finite() && r >= 0.3) {
        return bad("abrasive.radius_nm", format!("{r} must be ≥ 0.3 nm"));
    }
    Ok(Indenter::Sphere { radius: r * NM, height: 2.0 * r * NM })
}

/// Checks a polishing recipe before anything is built, naming the key.
pub fn validate(cfg: &ProcessConfig) -> Result<(), ProcessError> {
    common::validate_common(cfg)?;
    common::only_sections(cfg, &["abrasive", "polish"])?;
    let (a, p) = sections(cfg)?;
    let b = body(a)?;
    scratch::validate_slide(cfg, "polish", p.depth_nm, p.load_nn, p.speed_m_per_s, "abrasive.radius_nm", &b, p.start_gap_nm, p.load_ramp_ps, p.damping_ps)?;
    if p.passes == 0 || p.passes > 100 {
        return bad("polish.passes", format!("{} must be in 1..=100", p.passes));
    }
    if !p.offset_nm.is_finite() || p.offset_nm.abs() > cfg.workpiece.size_nm[1] {
        return bad("polish.offset_nm", format!("{} must be finite and at most the workpiece width", p.offset_nm));
    }
    if !(p.rolling.is_finite() && (0.0..=1.0).contains(&p.rolling)) {
        return bad("polish.rolling", format!("{} must be in [0, 1]", p.rolling));
    }
    if let Some(v) = p.indent_speed_m_per_s {
        if !(v.is_finite() && v > 0.0) {
            return bad("polish.indent_speed_m_per_s", format!("{v} must be > 0"));
        }
    }
    Ok(())
}

/// Steps of one pass.
fn pass_steps(cfg: &ProcessConfig, length: f64, speed: f64) -> u64 {
    ((length / speed / cfg.dt_ps).round() as u64).max(1)
}

/// Builds atoms and setup of a polishing recipe.
pub fn build(cfg: &ProcessConfig) -> Result<(System, SlideSetup, MaterialPreset), ProcessError> {
    validate(cfg)?;
    let (a, pc) = sections(cfg)?;
    let p = preset(cfg.material);
    let work = common::build_workpiece(cfg, &p)?;
    let speed = pc.speed_m_per_s * METRE_PER_SECOND_IN_ANGSTROM_PER_PS;
    let b = body(a)?;
    let per_pass = pass_steps(cfg, work.length, speed);
    // Whole passes of whole steps; the speed is kept, so a pass is the workpiece length to within a step.
    let slide_time = (per_pass * pc.passes as u64) as f64 * cfg.dt_ps;
    let pass_time = per_pass as f64 * cfg.dt_ps;
    let radius = a.radius_nm * NM;
    let slide = Slide {
        body: b,
        control: match (pc.depth_nm, pc.load_nn) {
            (Some(d), _) => Control::Depth(d * NM),
            (_, Some(f)) => Control::Load(f / EV_PER_ANGSTROM_IN_NN),
            _ => unreachable!("validated"),
        },
        velocity: [-speed, -pc.offset_nm * NM / pass_time, 0.0],
        indent_speed: pc.indent_speed_m_per_s.unwrap_or(pc.speed_m_per_s) * METRE_PER_SECOND_IN_ANGSTROM_PER_PS,
        load_ramp: pc.load_ramp_ps,
        damping: pc.damping_ps,
        // Raised by the z vibration's downward reach (depth control only).
        gap: (pc.start_gap_nm + common::vibration_down_nm(cfg)) * NM,
        slide_time,
        spin: [0.0, -pc.rolling * speed / radius, 0.0],
        start_xy: [0.5 * work.length, 0.5 * work.width],
        shell: 6.0,
        land_while_sliding: true,
        equilibrate: 0.0,
        vibration: common::vibration_json(cfg),
    };
    let (system, mut setup) = slide.build(cfg, &p, &work)?;
    setup.base.steps = per_pass * pc.passes as u64;
    Ok((system, setup, p))
}

/// Surface state after one pass (pass 0 = before polishing).
#[derive(Debug, Clone, Serialize)]
pub struct PassRecord {
    pub pass: u32,
    /// Workpiece atoms above the original surface (pile-up, debris, atoms carried by the particle).
    pub displaced_atoms: usize,
    /// Increase of `displaced_atoms` during this pass.
    pub displaced_this_pass: i64,
    /// Workpiece atoms within 3 Å of a particle atom (transferred to / adhering on the abrasive).
    pub attached_atoms: usize,
    /// Sa, Sq of the whole plane-levelled surface, nm.
    pub sa_nm: f64,
    pub sq_nm: f64,
}

/// Polishing figures (summary.json key `polish`).
#[derive(Debug, Clone, Serialize)]
pub struct PolishFigures {
    pub control: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub set_load_nn: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub set_depth_nm: Option<f64>,
    pub abrasive_radius_nm: f64,
    pub speed_m_per_s: f64,
    pub passes: u32,
    pub pass_length_nm: f64,
    pub offset_nm: f64,
    pub rolling: f64,
    /// Angular velocity about y, rad/ps.
    pub spin_rad_per_ps: f64,
    /// Mean normal (+z) and tangential (+x, against the motion) force on the particle after landing, nN.
    pub mean_normal_force_nn: f64,
    pub mean_tangential_force_nn: f64,
    pub friction_coefficient: f64,
    /// Depth of the particle's lowest point below the original surface (mean after landing), nm.
    pub tip_depth_nm: f64,
    /// Material removal: workpiece atoms displaced above the original surface at the end, their volume
    /// (atoms / crystal number density, nm³), per pass (atoms) and per simulated time (nm³/ns).
    pub removed_atoms: usize,
    pub removed_volume_nm3: f64,
    pub removed_atoms_per_pass: f64,
    pub removal_rate_nm3_per_ns: f64,
    /// Sa and Sq of the whole surface before and after polishing, nm.
    pub sa_before_nm: f64,
    pub sq_before_nm: f64,
    pub sa_after_nm: f64,
    pub sq_after_nm: f64,
    pub per_pass: Vec<PassRecord>,
    /// Tool vibration, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vibration: Option<String>,
}

/// Surface state of one frame: displaced and attached atom counts, Sa and Sq (nm).
fn pass_state(frame: &System, setup: &SlideSetup, pixel: f64) -> Result<(usize, usize, f64, f64), ProcessError> {
    let surface = setup.surface_z + 0.5 * setup.layer_spacing;
    let work: Vec<usize> = (0..frame.len()).filter(|&i| frame.species_index[i] == WORKPIECE_SPECIES).collect();
    let displaced = work.iter().filter(|&&i| frame.positions[i][2] > surface).count();
    // Atoms near the particle: cheap test against its centre, then the nearest shell atom.
    let tool: Vec<[f64; 3]> = (0..frame.len()).filter(|&i| frame.species_index[i] != WORKPIECE_SPECIES).map(|i| frame.positions[i]).collect();
    let n = tool.len().max(1) as f64;
    let c = [0, 1, 2].map(|k| tool.iter().map(|r| r[k]).sum::<f64>() / n);
    let radius = match setup.slide.body {
        Indenter::Sphere { radius, .. } => radius,
        Indenter::Cone { tip_radius, .. } => tip_radius,
    };
    let (lx, ly) = (setup.length, setup.width);
    let d2 = |a: [f64; 3], b: [f64; 3]| {
        let dx = (a[0] - b[0]) - lx * ((a[0] - b[0]) / lx).round();
        let dy = (a[1] - b[1]) - ly * ((a[1] - b[1]) / ly).round();
        dx * dx + dy * dy + (a[2] - b[2]).powi(2)
    };
    let attached = work
        .iter()
        .filter(|&&i| {
            let r = frame.positions[i];
            d2(r, c) < (radius + 4.0).powi(2) && tool.iter().any(|t| d2(r, *t) < 9.0)
        })
        .count();
    let raw = analysis::machined_surface(frame, WORKPIECE_SPECIES, setup.width, setup.nearest_neighbour, setup.surface_z, 0.0, setup.length, pixel)?;
    let map = level(&raw, &Level::Plane).map_err(|e| ProcessError::Analysis(e.to_string()))?;
    let p = atomfab_metrology::params::areal_params(&map).map_err(|e| ProcessError::Analysis(format!("areal parameters: {e}")))?;
    Ok((displaced, attached, p.height.Sa * 1e9, p.height.Sq * 1e9))
}

/// Builds, runs (or resumes) and evaluates a polishing recipe.
pub fn run(cfg: &ProcessConfig, seed: u64, recipe_text: &str, out_dir: &Path, resume: bool, progress: ProgressFn) -> Result<ProcessSummary, ProcessError> {
    let (system, setup, preset) = build(cfg)?;
    let (a, pc) = sections(cfg)?;
    let slide = &setup.slide;
    let mut md = common::md_config(cfg, seed, &system, &setup.base, &preset, out_dir, vec![slide.fix(&setup)])?;
    let per_pass = setup.steps / pc.passes as u64;
    // One frame at the start and at the end of every pass.
    md.dumps.push(serde_json::from_value(serde_json::json!({"every": per_pass, "file": "passes.xyz"})).map_err(|e| ProcessError::Config(format!("internal MD configuration: {e}")))?);
    let (md_summary, wall) = evaluate::run_md(&md, out_dir, resume, progress)?;

    let speed = -slide.velocity[0];
    let thermo = out_dir.join("thermo.csv");
    let series = analysis::read_series(&thermo, |t| t * speed)?;
    let tip_dz = analysis::read_column(&thermo, "driven_dz")?;
    // Forces are averaged once the particle has landed (load ramp or descent) and slid a quarter pass.
    let landed = match slide.control {
        Control::Load(_) => slide.load_ramp,
        Control::Depth(d) => (slide.gap + d) / slide.indent_speed,
    } * speed;
    let steady_from = landed + 0.25 * setup.length;
    let (fn_, ft, mu, tip_depth) = scratch::steady_means(&series, &tip_dz, slide.gap, steady_from);

    let pixel = cfg.output.pixel_nm * NM;
    let path = out_dir.join("passes.xyz");
    let f = std::fs::File::open(&path).map_err(|e| ProcessError::Io(format!("{}: {e}", path.display())))?;
    let mut per_pass_records = Vec::new();
    let mut last = 0i64;
    for (k, frame) in atomfab_io::extxyz::read_frames(BufReader::new(f), &path.display().to_string(), UnitSystem::Metal).enumerate() {
        let frame = frame.map_err(|e| ProcessError::Io(e.to_string()))?.system;
        let (displaced, attached, sa, sq) = pass_state(&frame, &setup, pixel)?;
        per_pass_records.push(PassRecord { pass: k as u32, displaced_atoms: displaced, displaced_this_pass: displaced as i64 - last, attached_atoms: attached, sa_nm: sa, sq_nm: sq });
        last = displaced as i64;
    }
    if per_pass_records.len() != pc.passes as usize + 1 {
        return Err(ProcessError::Analysis(format!("{}: {} frames, expected one per pass plus the start ({})", path.display(), per_pass_records.len(), pc.passes + 1)));
    }

    let region = SurfaceRegion { x_from: 0.0, x_to: setup.length, ref_z: setup.surface_z };
    let ev = evaluate::evaluate(cfg, out_dir, &setup.base, &preset, region)?;
    let (first, fin) = (&per_pass_records[0], per_pass_records.last().expect("passes ≥ 1"));
    let removed = fin.displaced_atoms;
    let time_ns = setup.steps as f64 * cfg.dt_ps * 1e-3;
    let figures = PolishFigures {
        control: if slide.depth().is_some() { "depth".into() } else { "load".into() },
        set_load_nn: pc.load_nn,
        set_depth_nm: pc.depth_nm,
        abrasive_radius_nm: a.radius_nm,
        speed_m_per_s: pc.speed_m_per_s,
        passes: pc.passes,
        pass_length_nm: speed * per_pass as f64 * cfg.dt_ps / NM,
        offset_nm: pc.offset_nm,
        rolling: pc.rolling,
        spin_rad_per_ps: slide.spin[1],
        mean_normal_force_nn: fn_,
        mean_tangential_force_nn: ft,
        friction_coefficient: mu,
        tip_depth_nm: tip_depth / NM,
        removed_atoms: removed,
        removed_volume_nm3: removed as f64 / setup.number_density * 1e-3,
        removed_atoms_per_pass: removed as f64 / pc.passes as f64,
        removal_rate_nm3_per_ns: removed as f64 / setup.number_density * 1e-3 / time_ns,
        sa_before_nm: first.sa_nm,
        sq_before_nm: first.sq_nm,
        sa_after_nm: fin.sa_nm,
        sq_after_nm: fin.sq_nm,
        per_pass: per_pass_records,
        vibration: common::describe_vibration(cfg),
    };
    let grades = evaluate::grades(cfg, &ev, &|name| match name {
        "removed_atoms" => Some((figures.removed_atoms as f64, Dim::Number)),
        _ => None,
    })?;
    let headline = format!(
        "normal force {:.2} nN, tangential {:.2} nN, friction {:.3}, {} atoms removed in {} pass(es), Sq {:.3} → {:.3} nm",
        fn_, ft, mu, removed, pc.passes, figures.sq_before_nm, figures.sq_after_nm
    );
    let kind_report = report(&series, &tip_dz, slide.gap, &figures);
    let kind_figures = KindFigures { polish: Some(figures), ..Default::default() };
    let run = RunInfo { seed, recipe_text, md: &md_summary, wall_seconds: wall };
    evaluate::finish(cfg, out_dir, &setup.base, &preset, run, &series, ev, kind_figures, grades, kind_report, headline)
}

fn report(series: &analysis::Series, tip_dz: &[f64], gap: f64, f: &PolishFigures) -> KindReport {
    let mut overview = vec![
        ("abrasive".into(), format!("diamond sphere R = {} nm, rolling {} ({:.4} rad/ps)", f.abrasive_radius_nm, f.rolling, f.spin_rad_per_ps)),
        ("control".into(), match (f.set_depth_nm, f.set_load_nn) {
            (Some(d), _) => format!("depth {d} nm"),
            (_, Some(l)) => format!("load {l} nN"),
            _ => String::new(),
        }),
        ("passes".into(), format!("{} × {:.2} nm, lateral offset {} nm per pass", f.passes, f.pass_length_nm, f.offset_nm)),
        ("mean normal / tangential force".into(), format!("{:.3} nN / {:.3} nN", f.mean_normal_force_nn, f.mean_tangential_force_nn)),
        ("friction coefficient".into(), format!("{:.3}", f.friction_coefficient)),
        ("particle depth below the original surface".into(), format!("{:.3} nm", f.tip_depth_nm)),
        ("removed (displaced) atoms".into(), format!("{} ({:.3} nm³, {:.1} per pass, {:.3} nm³/ns)", f.removed_atoms, f.removed_volume_nm3, f.removed_atoms_per_pass, f.removal_rate_nm3_per_ns)),
        ("Sa / Sq before → after".into(), format!("{:.4} / {:.4} nm → {:.4} / {:.4} nm", f.sa_before_nm, f.sq_before_nm, f.sa_after_nm, f.sq_after_nm)),
    ];
    if let Some(v) = &f.vibration {
        overview.push(("tool vibration".into(), v.clone()));
    }
    let mut sections = scratch::slide_sections(series, 0.0, tip_dz, gap, Vec::new());
    sections.retain(|(h, _)| h != "Track cross-section");
    let passes: Vec<f64> = f.per_pass.iter().map(|p| p.pass as f64).collect();
    let pts = |v: Vec<f64>| passes.iter().copied().zip(v).collect::<Vec<_>>();
    sections.push((
        "Passes".into(),
        vec![
            Block::Plot(Plot {
                title: "Surface roughness after each pass (0 = before)".into(),
                x_label: "pass".into(),
                y_label: "nm".into(),
                series: vec![
                    PlotSeries { name: "Sa".into(), points: pts(f.per_pass.iter().map(|p| p.sa_nm).collect()) },
                    PlotSeries { name: "Sq".into(), points: pts(f.per_pass.iter().map(|p| p.sq_nm).collect()) },
                ],
                ..Default::default()
            }),
            Block::Table {
                header: vec!["pass".into(), "displaced atoms".into(), "this pass".into(), "on the particle".into(), "Sa (nm)".into(), "Sq (nm)".into()],
                rows: f
                    .per_pass
                    .iter()
                    .map(|p| vec![p.pass.to_string(), p.displaced_atoms.to_string(), p.displaced_this_pass.to_string(), p.attached_atoms.to_string(), format!("{:.4}", p.sa_nm), format!("{:.4}", p.sq_nm)])
                    .collect(),
            },
        ],
    ));
    KindReport { subtitle: format!("polishing, diamond particle R = {} nm, {} pass(es) at {} m/s", f.abrasive_radius_nm, f.passes, f.speed_m_per_s), overview, sections }
}
