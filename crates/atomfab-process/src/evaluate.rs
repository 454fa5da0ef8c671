//! The evaluation every kind shares once its MD run finished: the surface the tool passed over as a
//! height map → ISO 25178 parameters, PSD bands and terraces; structure identification → subsurface
//! damage; grades against the spec; then `summary.json` and `report.html`.

use crate::analysis::{self, Damage, Series, TemperatureField};
use crate::common::{Setup, NM};
use crate::config::ProcessConfig;
use crate::error::ProcessError;
use crate::material::MaterialPreset;
use crate::report;
use crate::{BandRms, GradeResult, KindFigures, ProcessSummary, SurfaceMapInfo, BANDS_PER_NM};
use atomfab_core::System;
use atomfab_metrology::level::{level, Level};
use atomfab_metrology::params::{areal_params, ArealParams};
use atomfab_metrology::psd::{psd_2d, Psd2d, Window};
use atomfab_metrology::spec::{grade, parse_spec, Clause, Dim, MapMetrics, Op};
use atomfab_metrology::steps::{terraces, TerraceAnalysis, TerraceOptions};
use atomfab_metrology::HeightMap;
use std::path::{Path, PathBuf};

/// Workpiece species index (species 0; the tool is species 1).
pub const WORKPIECE_SPECIES: u32 = 0;

/// The part of the surface that is measured: x ∈ [x_from, x_to) over the whole periodic width; heights
/// relative to `ref_z`. All Å.
#[derive(Debug, Clone, Copy)]
pub struct SurfaceRegion {
    pub x_from: f64,
    pub x_to: f64,
    pub ref_z: f64,
}

/// Common measured results of a run (and what the report draws from).
pub struct Evaluation {
    pub fin: System,
    /// Plane-levelled map of the region (what the metrology measures) and the map before levelling
    /// (heights from `SurfaceRegion::ref_z`, m).
    pub map: HeightMap,
    pub raw_map: HeightMap,
    pub psd: Psd2d,
    pub params: ArealParams,
    pub band_rms: Vec<BandRms>,
    pub terraces: Option<TerraceAnalysis>,
    pub terrace_opts: TerraceOptions,
    pub surface_map: SurfaceMapInfo,
    pub damage: Damage,
    /// Structure type of every atom of `fin` (tool atoms 0).
    pub type_of: Vec<u8>,
    pub names: Vec<&'static str>,
    pub tfield: TemperatureField,
    pub map_files: Vec<PathBuf>,
}

/// Measures the final frame (`out_dir/final.xyz`) in `region`.
pub fn evaluate(cfg: &ProcessConfig, out_dir: &Path, setup: &Setup, preset: &MaterialPreset, region: SurfaceRegion) -> Result<Evaluation, ProcessError> {
    let fin = analysis::read_last_frame(&out_dir.join("final.xyz"))?;
    let ws = WORKPIECE_SPECIES;
    let tfield = analysis::temperature_field(&fin, ws, 7.0);
    let SurfaceRegion { x_from, x_to, ref_z } = region;
    let pixel = cfg.output.pixel_nm * 10.0;
    let raw_map = analysis::machined_surface(&fin, ws, setup.width, setup.nearest_neighbour, ref_z, x_from, x_to, pixel)?;
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

    // Structure below the measured surface (workpiece atoms of the region).
    let region_atoms: Vec<usize> = (0..fin.len())
        .filter(|&i| fin.species_index[i] == ws && fin.positions[i][0] >= x_from && fin.positions[i][0] < x_to)
        .collect();
    let all_work: Vec<usize> = (0..fin.len()).filter(|&i| fin.species_index[i] == ws).collect();
    let (types_all, names, crystal) = analysis::structure_types(&fin, &all_work, preset.structure)?;
    let mut type_of = vec![0u8; fin.len()];
    for (k, &i) in all_work.iter().enumerate() {
        type_of[i] = types_all[k];
    }
    let region_pos: Vec<[f64; 3]> = region_atoms.iter().map(|&i| fin.positions[i]).collect();
    let region_types: Vec<u8> = region_atoms.iter().map(|&i| type_of[i]).collect();
    // Damage is judged against the mobile layer just above the fixed + thermostat layers (but never the
    // bottom's own free face, when there are no such layers).
    let bottom_z = ((cfg.workpiece.fixed_nm + cfg.workpiece.thermostat_nm) * NM).max(setup.nearest_neighbour);
    let damage = analysis::damage(&region_pos, &region_types, &names, &crystal, preset.structure, Some(bottom_z))?;
    let surface_map = SurfaceMapInfo {
        file: file_name(&map_file),
        nx: map.nx,
        ny: map.ny,
        pixel_nm: map.dx * 1e9,
        x_from_nm: x_from / 10.0,
        x_to_nm: x_to / 10.0,
        method: "probe sphere R = 2 Å on atoms of radius 1.2 Å, plane-levelled".into(),
    };
    Ok(Evaluation {
        fin,
        map,
        raw_map,
        psd,
        params,
        band_rms,
        terraces: terr,
        terrace_opts,
        surface_map,
        damage,
        type_of,
        names,
        tfield,
        map_files: vec![map_file, map_txt],
    })
}

/// Whether a clause holds for every value from `bound` up, all that a lower bound tells: `>=` and `>` when
/// the bound meets them, `!=` when the bound is above the limit; never `<=`, `<` or `==` (a spec that
/// caps the damage depth cannot pass while the damage runs into the bottom of the workpiece).
pub fn passes_as_lower_bound(c: &Clause, bound: f64) -> bool {
    match c.op {
        Op::Ge => bound >= c.limit,
        Op::Gt | Op::Ne => bound > c.limit,
        Op::Le | Op::Lt | Op::Eq => false,
    }
}

/// Grades the spec: surface criteria from the height map, `damage_depth` and `amorphous_thickness` from
/// the damage profile (as lower bounds when the damage reaches the bottom), anything else from
/// `kind_metric` (e.g. `chip_atoms`).
pub fn grades(cfg: &ProcessConfig, ev: &Evaluation, kind_metric: &dyn Fn(&str) -> Option<(f64, Dim)>) -> Result<Vec<GradeResult>, ProcessError> {
    let mut metrics = MapMetrics::new(&ev.map, ev.terrace_opts.clone());
    let mut out = Vec::new();
    for s in &cfg.spec {
        let clauses = parse_spec(s).map_err(|e| ProcessError::Config(format!("spec '{s}': {e}")))?;
        let results = grade(&clauses, |c| match c.name.as_str() {
            "damage_depth" => Ok((ev.damage.damage_depth_nm * 1e-9, Dim::Length)),
            "amorphous_thickness" => Ok((ev.damage.amorphous_thickness_nm * 1e-9, Dim::Length)),
            name => match kind_metric(name) {
                Some(v) => Ok(v),
                None => metrics.get(c),
            },
        })
        .map_err(|e| ProcessError::Config(format!("spec '{s}': {e}")))?;
        for (c, r) in clauses.iter().zip(results) {
            let lower_bound = match c.name.as_str() {
                "damage_depth" => ev.damage.damage_depth_is == analysis::LOWER_BOUND,
                "amorphous_thickness" => ev.damage.amorphous_thickness_is == analysis::LOWER_BOUND,
                _ => false,
            };
            let pass = if lower_bound { passes_as_lower_bound(c, r.value) } else { r.pass };
            let (value, unit) = match r.dim {
                Dim::Length => (r.value * 1e9, "nm"),
                Dim::Percent => (r.value, "%"),
                Dim::Number => (r.value, ""),
            };
            out.push(GradeResult { criterion: r.clause, value, unit: unit.to_string(), lower_bound, pass });
        }
    }
    Ok(out)
}

/// The kind's own part of the report: a line under the title, overview entries (after the verdict) and
/// whole sections (after the overview).
pub struct KindReport {
    pub subtitle: String,
    pub overview: Vec<(String, String)>,
    pub sections: Vec<(String, Vec<atomfab_report::Block>)>,
}

/// What the MD run reported that the summary and report keep.
pub struct RunInfo<'a> {
    pub seed: u64,
    pub recipe_text: &'a str,
    pub md: &'a atomfab_md::Summary,
    pub wall_seconds: f64,
}

/// Assembles the summary, writes `summary.json` and `report.html`, returns the summary.
#[allow(clippy::too_many_arguments)]
pub fn finish(
    cfg: &ProcessConfig,
    out_dir: &Path,
    setup: &Setup,
    preset: &MaterialPreset,
    run: RunInfo,
    series: &Series,
    ev: Evaluation,
    figures: KindFigures,
    grades: Vec<GradeResult>,
    kind_report: KindReport,
    headline: String,
) -> Result<ProcessSummary, ProcessError> {
    let files: Vec<PathBuf> =
        run.md.files.iter().cloned().chain(ev.map_files.iter().cloned()).chain([out_dir.join("report.html"), out_dir.join("summary.json")]).collect();
    let summary = ProcessSummary {
        kind: cfg.kind,
        material: cfg.material,
        seed: run.seed,
        atoms: ev.fin.len(),
        workpiece_atoms: setup.workpiece_atoms,
        tool_atoms: setup.tool_atoms,
        steps: setup.steps,
        simulated_time_ps: setup.steps as f64 * setup.dt,
        width_nm: setup.width / 10.0,
        figures,
        max_temperature_k: ev.tfield.max_kelvin,
        surface: ev.params.clone(),
        surface_map: ev.surface_map.clone(),
        band_rms: ev.band_rms.clone(),
        terraces: ev.terraces.clone(),
        pass: grades.iter().all(|g| g.pass),
        grades,
        damage: ev.damage.clone(),
        files: files.iter().map(|f| file_name(f)).collect(),
        headline,
    };
    let json = serde_json::to_string_pretty(&summary).map_err(|e| ProcessError::Io(e.to_string()))?;
    let summary_path = out_dir.join("summary.json");
    atomfab_core::fsutil::write_atomic(&summary_path, |w| std::io::Write::write_all(w, json.as_bytes()))
        .map_err(|e| ProcessError::Io(format!("{}: {e}", summary_path.display())))?;

    let inputs = report::Inputs {
        recipe_text: run.recipe_text,
        summary: &summary,
        series,
        map: &ev.map,
        psd: &ev.psd,
        tfield: &ev.tfield,
        fin: &ev.fin,
        type_of: &ev.type_of,
        names: &ev.names,
        workpiece_species: WORKPIECE_SPECIES,
        wall_seconds: run.wall_seconds,
        atom_steps_per_second: run.md.atom_steps_per_second,
        citation: preset.citation,
    };
    let page = report::build(&inputs, kind_report);
    atomfab_report::write_html(&out_dir.join("report.html"), &page).map_err(|e| ProcessError::Io(format!("report.html: {e}")))?;
    Ok(summary)
}

/// Runs the MD of a built process (or resumes it from the checkpoint in `out_dir`); returns its summary
/// and the wall time (s).
pub fn run_md(md: &atomfab_md::MdConfig, out_dir: &Path, resume: bool, progress: crate::ProgressFn) -> Result<(atomfab_md::Summary, f64), ProcessError> {
    let started = std::time::Instant::now();
    let s = if resume { atomfab_md::resume_md(md, out_dir, progress)? } else { atomfab_md::run_md(md, out_dir, progress)? };
    Ok((s, started.elapsed().as_secs_f64()))
}

pub fn file_name(p: &Path) -> String {
    p.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lower_bound_passes_only_what_every_larger_value_passes() {
        let nm = 1e-9;
        for (spec, bound_nm, pass) in [
            ("damage_depth <= 5 nm", 3.0, false), // the true depth may be above 5 nm
            ("damage_depth <= 5 nm", 7.0, false),
            ("damage_depth < 5 nm", 3.0, false),
            ("damage_depth == 3 nm", 3.0, false),
            ("damage_depth >= 2 nm", 3.0, true), // at least 3 nm, so at least 2 nm
            ("damage_depth >= 2 nm", 1.0, false),
            ("damage_depth > 3 nm", 3.0, false),
            ("damage_depth > 2 nm", 3.0, true),
            ("damage_depth != 2 nm", 3.0, true),
            ("damage_depth != 4 nm", 3.0, false),
        ] {
            let c = &parse_spec(spec).unwrap()[0];
            assert_eq!(passes_as_lower_bound(c, bound_nm * nm), pass, "{spec} with a lower bound of {bound_nm} nm");
        }
        let c = &parse_spec("damage_depth >= 2 nm").unwrap()[0];
        assert!(!passes_as_lower_bound(c, f64::NAN));
    }
}
