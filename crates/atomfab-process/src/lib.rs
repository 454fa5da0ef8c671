//! atomfab-process: atomic-scale removal processes end to end. A `[process]` recipe section builds its
//! own geometry, runs the MD engine, then evaluates the result with the metrology and structure crates
//! and writes `summary.json` and a self-contained `report.html`.
//!
//! Units: recipe lengths in nm, speeds m/s, temperatures K; internally metal units (Å, ps, eV).

pub mod analysis;
pub mod config;
pub mod error;
pub mod geometry;
pub mod material;
pub mod nanocut;
mod report;

pub use config::{Material, ProcessConfig, ProcessKind};
pub use error::ProcessError;

use analysis::{Damage, Removal};
use atomfab_metrology::level::{level, Level};
use atomfab_metrology::params::{areal_params, ArealParams};
use atomfab_metrology::psd::{psd_2d, Window};
use atomfab_metrology::spec::{grade, parse_spec, Dim, MapMetrics};
use atomfab_metrology::steps::{terraces, TerraceAnalysis, TerraceOptions};
use serde::Serialize;
use std::path::{Path, PathBuf};

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
    pub depth_of_cut_nm: f64,
    pub cut_length_nm: f64,
    pub width_nm: f64,
    pub removal: Removal,
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
    match cfg.kind {
        ProcessKind::Nanocutting => run_nanocutting(cfg, seed, recipe_text, out_dir, resume, progress),
    }
}

fn run_nanocutting(cfg: &ProcessConfig, seed: u64, recipe_text: &str, out_dir: &Path, resume: bool, progress: ProgressFn) -> Result<ProcessSummary, ProcessError> {
    let (system, setup, preset) = nanocut::build(cfg)?;
    std::fs::create_dir_all(out_dir).map_err(|e| ProcessError::Io(format!("{}: {e}", out_dir.display())))?;
    let md = nanocut::md_config(cfg, seed, &system, &setup, &preset, out_dir)?;
    let started = std::time::Instant::now();
    let md_summary = if resume { atomfab_md::resume_md(&md, out_dir, progress)? } else { atomfab_md::run_md(&md, out_dir, progress)? };
    let wall = started.elapsed().as_secs_f64();

    let series = analysis::read_series(&out_dir.join("thermo.csv"), setup.speed)?;
    let fin = analysis::read_last_frame(&out_dir.join("final.xyz"))?;
    let ws = 0u32;
    // The tool edge reaches the workpiece after the start gap; forces are averaged from one edge
    // radius later, when the cut is established.
    let approach = setup.tool_start_x - setup.workpiece_end_x;
    let engaged_from = approach + cfg.tool.edge_radius_nm * 10.0 + 5.0;
    let removal = analysis::removal(&setup, &series, &fin, ws, engaged_from, cfg.cut.length_nm * 10.0);
    let tfield = analysis::temperature_field(&fin, ws, 7.0);

    // Machined region: behind the tool's final edge position, in front of the workpiece end.
    let tool_x_end = setup.tool_start_x - setup.travel;
    let x_from = tool_x_end + cfg.tool.edge_radius_nm * 10.0 + 10.0;
    let x_to = setup.workpiece_end_x - 5.0;
    let pixel = cfg.output.pixel_nm * 10.0;
    let raw_map = analysis::machined_surface(&fin, ws, &setup, x_from, x_to, pixel)?;
    let map = level(&raw_map, &Level::Plane).map_err(|e| ProcessError::Analysis(e.to_string()))?;
    // Gwyddion native file, and a plain ASCII matrix for everything else.
    let map_file = out_dir.join("machined_surface.gwy");
    let map_txt = out_dir.join("machined_surface.txt");
    for f in [&map_file, &map_txt] {
        atomfab_metrology::io::write_any(f, &map).map_err(|e| ProcessError::Io(e.to_string()))?;
    }
    let params = areal_params(&map).map_err(|e| ProcessError::Analysis(format!("areal parameters: {e}")))?;
    let psd = psd_2d(&map, Window::Hann).map_err(|e| ProcessError::Analysis(format!("PSD: {e}")))?;
    let band_rms = BANDS_PER_NM
        .iter()
        .map(|&(lo, hi, name)| BandRms {
            band: name.to_string(),
            from_per_nm: lo,
            to_per_nm: hi,
            rms_nm: psd.band_rms(lo * 1e9, hi * 1e9).map(|v| v * 1e9).unwrap_or(f64::NAN),
        })
        .collect::<Vec<_>>();
    let terrace_opts = TerraceOptions { step_hint: Some(setup.layer_spacing * 1e-10), ..Default::default() };
    let terr = terraces(&map, &terrace_opts).ok();

    // Structure below the machined surface (workpiece atoms of the machined region).
    let region: Vec<usize> = (0..fin.len())
        .filter(|&i| fin.species_index[i] == ws && fin.positions[i][0] >= x_from && fin.positions[i][0] < x_to)
        .collect();
    let all_work: Vec<usize> = (0..fin.len()).filter(|&i| fin.species_index[i] == ws).collect();
    let (types_all, names, crystal) = analysis::structure_types(&fin, &all_work, preset.structure)?;
    let mut type_of = vec![0u8; fin.len()];
    for (k, &i) in all_work.iter().enumerate() {
        type_of[i] = types_all[k];
    }
    let region_pos: Vec<[f64; 3]> = region.iter().map(|&i| fin.positions[i]).collect();
    let region_types: Vec<u8> = region.iter().map(|&i| type_of[i]).collect();
    let damage = analysis::damage(&region_pos, &region_types, &names, &crystal, preset.structure)?;

    // Grades against the spec.
    let mut metrics = MapMetrics::new(&map, terrace_opts.clone());
    let mut grades = Vec::new();
    for s in &cfg.spec {
        let clauses = parse_spec(s).map_err(|e| ProcessError::Config(format!("spec '{s}': {e}")))?;
        let results = grade(&clauses, |c| match c.name.as_str() {
            "damage_depth" => Ok((damage.damage_depth_nm * 1e-9, Dim::Length)),
            "amorphous_thickness" => Ok((damage.amorphous_thickness_nm * 1e-9, Dim::Length)),
            "chip_atoms" => Ok((removal.chip_atoms as f64, Dim::Number)),
            _ => metrics.get(c),
        })
        .map_err(|e| ProcessError::Config(format!("spec '{s}': {e}")))?;
        for r in results {
            let (value, unit) = match r.dim {
                Dim::Length => (r.value * 1e9, "nm"),
                Dim::Percent => (r.value, "%"),
                Dim::Number => (r.value, ""),
            };
            grades.push(GradeResult { criterion: r.clause, value, unit: unit.to_string(), pass: r.pass });
        }
    }

    let files: Vec<PathBuf> = md_summary.files.iter().cloned().chain([map_file.clone(), map_txt.clone(), out_dir.join("report.html"), out_dir.join("summary.json")]).collect();
    let summary = ProcessSummary {
        kind: cfg.kind,
        material: cfg.material,
        seed,
        atoms: fin.len(),
        workpiece_atoms: setup.workpiece_atoms,
        tool_atoms: setup.tool_atoms,
        steps: setup.steps,
        simulated_time_ps: setup.steps as f64 * setup.dt,
        depth_of_cut_nm: (setup.surface_z - setup.edge_z) / 10.0,
        cut_length_nm: cfg.cut.length_nm,
        width_nm: setup.width / 10.0,
        removal,
        max_temperature_k: tfield.max_kelvin,
        surface: params,
        surface_map: SurfaceMapInfo {
            file: file_name(&map_file),
            nx: map.nx,
            ny: map.ny,
            pixel_nm: map.dx * 1e9,
            x_from_nm: x_from / 10.0,
            x_to_nm: x_to / 10.0,
            method: "probe sphere R = 2 Å on atoms of radius 1.2 Å, plane-levelled".into(),
        },
        band_rms,
        terraces: terr,
        pass: grades.iter().all(|g| g.pass),
        grades,
        damage,
        files: files.iter().map(|f| file_name(f)).collect(),
    };
    let json = serde_json::to_string_pretty(&summary).map_err(|e| ProcessError::Io(e.to_string()))?;
    let summary_path = out_dir.join("summary.json");
    atomfab_core::fsutil::write_atomic(&summary_path, |w| std::io::Write::write_all(w, json.as_bytes()))
        .map_err(|e| ProcessError::Io(format!("{}: {e}", summary_path.display())))?;

    let inputs = report::Inputs {
        recipe_text,
        summary: &summary,
        series: &series,
        map: &map,
        psd: &psd,
        tfield: &tfield,
        fin: &fin,
        type_of: &type_of,
        names: &names,
        workpiece_species: ws,
        wall_seconds: wall,
        atom_steps_per_second: md_summary.atom_steps_per_second,
        citation: preset.citation,
    };
    let page = report::build(&inputs);
    atomfab_report::write_html(&out_dir.join("report.html"), &page).map_err(|e| ProcessError::Io(format!("report.html: {e}")))?;
    Ok(summary)
}

fn file_name(p: &Path) -> String {
    p.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default()
}
