//! Files a run writes: summary.json, cycles.csv, coverage.csv, height_map.txt (2-D) or
//! trench_profile.csv (trench); and the data of its plots ([`figures`]), which the report layer draws
//! (data flows engine → report: this crate does not plot).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;

use crate::config::Model;
use crate::error::{KmcError, Result};
use crate::lattice::LatticeKind;
use crate::sim::SimResult;

#[derive(Debug, Clone, Serialize)]
pub struct RegionSummary {
    pub sites: u64,
    pub thickness_angstrom: f64,
    pub gpc_angstrom_per_cycle: f64,
}

/// What `summary.json` holds. Thicknesses are mean film thickness (Å) of the reference surface
/// (all sites of a 2-D lattice; the flat field of a trench).
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// Growth per cycle averaged over all cycles (Å/cycle); negative when etching.
    pub gpc_angstrom_per_cycle: f64,
    /// Growth per cycle averaged over the second half of the cycles (steady state; Å/cycle).
    pub gpc_steady_angstrom_per_cycle: f64,
    /// Etch per cycle = −GPC (Å/cycle).
    pub epc_angstrom_per_cycle: f64,
    pub cycles: u32,
    /// Final fraction of surface sites holding each species.
    pub coverage: BTreeMap<String, f64>,
    pub thickness_angstrom: f64,
    pub roughness_rms_angstrom: f64,
    /// Per site type (2-D regions, or trench field/wall/bottom).
    pub regions: BTreeMap<String, RegionSummary>,
    /// (t_G − t_N)/(t_G + t_N) after the last cycle, when `kmc.selectivity` is set.
    pub selectivity: Option<f64>,
    /// Trench: thickness at the bottom / thickness on the field.
    pub step_coverage: Option<f64>,
    pub events: u64,
    pub events_by_name: BTreeMap<String, u64>,
    pub simulated_time_s: f64,
    pub wall_time_s: f64,
    pub events_per_second: f64,
    pub sites: usize,
    pub seed: u64,
}

fn type_gpc(res: &SimResult, t: usize) -> f64 {
    let last = res.rows.last().expect("rows");
    (last.type_thickness_angstrom[t] - res.rows[0].type_thickness_angstrom[t]) / last.cycle.max(1) as f64
}

pub(crate) fn selectivity_of(tg: f64, tn: f64) -> f64 {
    if tg + tn == 0.0 {
        1.0
    } else {
        (tg - tn) / (tg + tn)
    }
}

pub fn summarize(model: &Model, res: &SimResult) -> Summary {
    let lat = &model.lattice;
    let last = res.rows.last().expect("rows");
    let gpc = res.gpc_angstrom_per_cycle();
    let half = &res.rows[res.rows.len() / 2];
    let steady = (last.thickness_angstrom - half.thickness_angstrom) / (last.cycle - half.cycle).max(1) as f64;
    let final_counts = &res.samples.last().expect("samples").counts;
    let coverage = model
        .species
        .iter()
        .zip(final_counts)
        .map(|(s, &c)| (s.clone(), c as f64 / res.surface_sites.max(1) as f64))
        .collect();
    let mut type_sites = vec![0u64; lat.type_names.len()];
    for &t in &lat.site_type {
        type_sites[t as usize] += 1;
    }
    let regions = lat
        .type_names
        .iter()
        .enumerate()
        .filter(|&(t, _)| lat.type_is_surface[t] && type_sites[t] > 0)
        .map(|(t, name)| {
            (
                name.clone(),
                RegionSummary {
                    sites: type_sites[t],
                    thickness_angstrom: last.type_thickness_angstrom[t],
                    gpc_angstrom_per_cycle: type_gpc(res, t),
                },
            )
        })
        .collect();
    let selectivity = model
        .selectivity
        .map(|(g, n)| selectivity_of(last.type_thickness_angstrom[g], last.type_thickness_angstrom[n]));
    let step_coverage = (lat.kind == LatticeKind::Trench).then(|| {
        let field = last.type_thickness_angstrom[2];
        if field > 0.0 {
            last.type_thickness_angstrom[4] / field
        } else {
            0.0
        }
    });
    Summary {
        gpc_angstrom_per_cycle: gpc,
        gpc_steady_angstrom_per_cycle: steady,
        epc_angstrom_per_cycle: 0.0 - gpc + 0.0,
        cycles: model.cycles,
        coverage,
        thickness_angstrom: last.thickness_angstrom,
        roughness_rms_angstrom: last.roughness_rms_angstrom,
        regions,
        selectivity,
        step_coverage,
        events: res.events,
        events_by_name: model.events.iter().zip(&res.fired).map(|(e, &n)| (e.name.clone(), n)).collect(),
        simulated_time_s: res.simulated_time_s,
        wall_time_s: res.wall_time_s,
        events_per_second: if res.wall_time_s > 0.0 { res.events as f64 / res.wall_time_s } else { 0.0 },
        sites: lat.n_sites(),
        seed: res.seed,
    }
}

/// Write `text` to `path` through a temporary file in the same folder and a rename.
pub fn write_atomic(path: &Path, text: &str) -> Result<()> {
    atomfab_core::fsutil::write_atomic(path, |w| std::io::Write::write_all(w, text.as_bytes()))
        .map_err(|source| KmcError::Io { path: path.to_path_buf(), source })
}

/// Write all output files of a run into `out_dir` (created if needed).
pub fn write_outputs(model: &Model, res: &SimResult, summary: &Summary, out_dir: &Path) -> Result<()> {
    std::fs::create_dir_all(out_dir).map_err(|source| KmcError::Io {
        path: out_dir.to_path_buf(),
        source,
    })?;
    let lat = &model.lattice;
    let json = serde_json::to_string_pretty(summary).expect("summary serialises");
    write_atomic(&out_dir.join("summary.json"), &(json + "\n"))?;

    // Per-cycle table.
    let mut type_sites = vec![0u64; lat.type_names.len()];
    for &t in &lat.site_type {
        type_sites[t as usize] += 1;
    }
    let surf_types: Vec<usize> =
        (0..lat.type_names.len()).filter(|&t| lat.type_is_surface[t] && type_sites[t] > 0).collect();
    let mut s = String::from("# atomfab-kmc per-cycle film thickness (angstrom), time (s)\ncycle,time_s,thickness_angstrom,gpc_angstrom,roughness_rms_angstrom,events");
    for &t in &surf_types {
        let _ = write!(s, ",thickness_{}_angstrom", lat.type_names[t]);
    }
    if model.selectivity.is_some() {
        s.push_str(",selectivity");
    }
    if lat.kind == LatticeKind::Trench {
        s.push_str(",step_coverage");
    }
    s.push('\n');
    for (k, r) in res.rows.iter().enumerate() {
        let gpc = if k == 0 { 0.0 } else { r.thickness_angstrom - res.rows[k - 1].thickness_angstrom };
        let _ = write!(
            s,
            "{},{:.6e},{:.6},{:.6},{:.6},{}",
            r.cycle, r.time_s, r.thickness_angstrom, gpc, r.roughness_rms_angstrom, r.events
        );
        for &t in &surf_types {
            let _ = write!(s, ",{:.6}", r.type_thickness_angstrom[t]);
        }
        if let Some((g, n)) = model.selectivity {
            let _ = write!(s, ",{:.6}", selectivity_of(r.type_thickness_angstrom[g], r.type_thickness_angstrom[n]));
        }
        if lat.kind == LatticeKind::Trench {
            let f = r.type_thickness_angstrom[2];
            let _ = write!(s, ",{:.6}", if f > 0.0 { r.type_thickness_angstrom[4] / f } else { 0.0 });
        }
        s.push('\n');
    }
    write_atomic(&out_dir.join("cycles.csv"), &s)?;

    // Coverage vs time.
    let mut s = String::from("# atomfab-kmc surface coverage (fraction of surface sites) and partial pressures (Pa) vs time (s)\ntime_s,cycle,phase");
    for sp in &model.species {
        let _ = write!(s, ",theta_{sp}");
    }
    for g in &model.gases {
        let _ = write!(s, ",p_{g}_pa");
    }
    s.push('\n');
    let ns = res.surface_sites.max(1) as f64;
    for smp in &res.samples {
        let _ = write!(s, "{:.6e},{},{}", smp.time_s, smp.cycle, csv_field(&model.phases[smp.phase].name));
        for &c in &smp.counts {
            let _ = write!(s, ",{:.6}", c as f64 / ns);
        }
        for p in &smp.pressures_pa {
            let _ = write!(s, ",{:.6e}", p);
        }
        s.push('\n');
    }
    write_atomic(&out_dir.join("coverage.csv"), &s)?;

    // Final surface.
    let lt = model.layer_thickness_angstrom;
    match lat.kind {
        LatticeKind::Square | LatticeKind::Hexagonal => {
            let (dx, dy, note) = if lat.kind == LatticeKind::Hexagonal {
                (lat.a_angstrom, lat.a_angstrom * 3f64.sqrt() / 2.0, " sheared=row_y_shifted_by_y*dx/2")
            } else {
                (lat.a_angstrom, lat.a_angstrom, "")
            };
            let mut s = format!(
                "# atomfab-kmc final surface height map, rows = y, columns = x\n# nx={} ny={} dx={dx} dy={dy} unit=angstrom{note}\n",
                lat.nx, lat.ny
            );
            for y in 0..lat.ny {
                let row: Vec<String> =
                    (0..lat.nx).map(|x| format!("{:.4}", res.final_heights[y * lat.nx + x] as f64 * lt)).collect();
                s.push_str(&row.join(" "));
                s.push('\n');
            }
            write_atomic(&out_dir.join("height_map.txt"), &s)?;
        }
        LatticeKind::Trench => {
            let prof = trench_profile(model, res);
            let mut s = String::from(
                "# atomfab-kmc film thickness along the trench surface (angstrom); depth from the field (angstrom)\nsurface,depth_angstrom,thickness_angstrom\n",
            );
            for (name, d, t) in &prof {
                let _ = writeln!(s, "{name},{d:.3},{t:.6}");
            }
            write_atomic(&out_dir.join("trench_profile.csv"), &s)?;
        }
    }

    Ok(())
}

/// Thickness per depth along the trench: ("field"|"wall"|"bottom", depth Å, thickness Å).
pub fn trench_profile(model: &Model, res: &SimResult) -> Vec<(String, f64, f64)> {
    let lat = &model.lattice;
    let lt = model.layer_thickness_angstrom;
    let mut out = Vec::new();
    // Accumulate by (type, layer).
    let mut sum = vec![[0i64; 3]; lat.nz];
    let mut cnt = vec![[0u64; 3]; lat.nz];
    for i in 0..lat.n_sites() {
        let t = lat.site_type[i] as usize;
        if (2..=4).contains(&t) {
            let (_, _, zz) = lat.coords(i);
            sum[zz][t - 2] += res.final_heights[i] as i64;
            cnt[zz][t - 2] += 1;
        }
    }
    for zz in 0..lat.nz {
        for (k, name) in ["field", "wall", "bottom"].iter().enumerate() {
            if cnt[zz][k] > 0 {
                let depth = (zz as f64 - 1.0) * lat.a_angstrom;
                out.push((name.to_string(), depth, sum[zz][k] as f64 / cnt[zz][k] as f64 * lt));
            }
        }
    }
    out
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The data of one plot of a run: drawn by the report layer into `<file_stem>.svg`.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    pub file_stem: String,
    pub title: String,
    /// Axis labels with units.
    pub x_label: String,
    pub y_label: String,
    /// (series name, points).
    pub series: Vec<(String, Vec<(f64, f64)>)>,
}

/// The plots of a run: film thickness per cycle (per surface region too), coverage of each species
/// that ever appeared vs time, and for a trench the film thickness along the wall.
pub fn figures(model: &Model, res: &SimResult) -> Vec<Figure> {
    let lat = &model.lattice;
    let mut type_sites = vec![0u64; lat.type_names.len()];
    for &t in &lat.site_type {
        type_sites[t as usize] += 1;
    }
    let surf_types: Vec<usize> =
        (0..lat.type_names.len()).filter(|&t| lat.type_is_surface[t] && type_sites[t] > 0).collect();
    let th: Vec<(f64, f64)> = res.rows.iter().map(|r| (r.cycle as f64, r.thickness_angstrom)).collect();
    let mut series = vec![("reference surface".to_string(), th)];
    if surf_types.len() > 1 {
        for &t in &surf_types {
            series.push((
                lat.type_names[t].clone(),
                res.rows.iter().map(|r| (r.cycle as f64, r.type_thickness_angstrom[t])).collect(),
            ));
        }
    }
    let ns = res.surface_sites.max(1) as f64;
    let cov: Vec<(String, Vec<(f64, f64)>)> = model
        .species
        .iter()
        .enumerate()
        .filter(|&(k, _)| res.samples.iter().any(|s| s.counts[k] > 0))
        .map(|(k, sp)| (sp.clone(), res.samples.iter().map(|s| (s.time_s, s.counts[k] as f64 / ns)).collect()))
        .collect();
    let fig = |stem: &str, title: &str, x: &str, y: &str, series| Figure {
        file_stem: stem.into(),
        title: title.into(),
        x_label: x.into(),
        y_label: y.into(),
        series,
    };
    let mut out = vec![
        fig("thickness_vs_cycle", "Film thickness per cycle", "cycle", "thickness (Å)", series),
        fig("coverage_vs_time", "Surface coverage", "time (s)", "coverage (fraction of surface sites)", cov),
    ];
    if lat.kind == LatticeKind::Trench {
        let wall: Vec<(f64, f64)> = trench_profile(model, res).into_iter().filter(|p| p.0 == "wall").map(|p| (p.1, p.2)).collect();
        out.push(fig("trench_profile", "Film thickness along the trench wall", "depth (Å)", "thickness (Å)", vec![("wall".into(), wall)]));
    }
    out
}
