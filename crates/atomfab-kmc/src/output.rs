//! Files a run writes: summary.json, cycles.csv, coverage.csv, height_map.txt (2-D) or
//! trench_profile.csv (trench), and SVG plots.
//!
//! The SVG plots are written by hand (a few polylines, axes and text): that keeps the crate free of
//! plotting and font-loading dependencies and makes the files byte-for-byte deterministic.

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
            let wall: Vec<(f64, f64)> = prof.iter().filter(|p| p.0 == "wall").map(|p| (p.1, p.2)).collect();
            let svg = line_plot(
                "Film thickness along the trench wall",
                "depth (Å)",
                "thickness (Å)",
                &[("wall".into(), wall)],
            );
            write_atomic(&out_dir.join("trench_profile.svg"), &svg)?;
        }
    }

    // Plots.
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
    write_atomic(&out_dir.join("thickness_vs_cycle.svg"), &line_plot("Film thickness per cycle", "cycle", "thickness (Å)", &series))?;
    let cov: Vec<(String, Vec<(f64, f64)>)> = model
        .species
        .iter()
        .enumerate()
        .filter(|&(k, _)| res.samples.iter().any(|s| s.counts[k] > 0))
        .map(|(k, sp)| (sp.clone(), res.samples.iter().map(|s| (s.time_s, s.counts[k] as f64 / ns)).collect()))
        .collect();
    write_atomic(&out_dir.join("coverage_vs_time.svg"), &line_plot("Surface coverage", "time (s)", "coverage", &cov))?;
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

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// Round tick spacing (1, 2, 5 × 10^k) giving about 5 ticks over `span`.
fn tick_step(span: f64) -> f64 {
    let raw = span / 5.0;
    let mag = 10f64.powf(raw.log10().floor());
    let f = raw / mag;
    mag * if f < 1.5 { 1.0 } else if f < 3.5 { 2.0 } else if f < 7.5 { 5.0 } else { 10.0 }
}

/// A minimal SVG line plot with axes, ticks and a legend.
pub fn line_plot(title: &str, xlabel: &str, ylabel: &str, series: &[(String, Vec<(f64, f64)>)]) -> String {
    const W: f64 = 640.0;
    const H: f64 = 420.0;
    const L: f64 = 70.0;
    const R: f64 = 20.0;
    const T: f64 = 40.0;
    const B: f64 = 50.0;
    const COLORS: [&str; 8] = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"];
    let pts = series.iter().flat_map(|s| s.1.iter()).filter(|p| p.0.is_finite() && p.1.is_finite());
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for &(x, y) in pts {
        x0 = x0.min(x);
        x1 = x1.max(x);
        y0 = y0.min(y);
        y1 = y1.max(y);
    }
    if x0 > x1 {
        (x0, x1, y0, y1) = (0.0, 1.0, 0.0, 1.0);
    }
    if x1 - x0 <= 0.0 {
        x1 = x0 + 1.0;
    }
    if y1 - y0 <= 0.0 {
        y0 -= 0.5;
        y1 += 0.5;
    }
    let (xs, ys) = (tick_step(x1 - x0), tick_step(y1 - y0));
    let (x0, x1) = ((x0 / xs).floor() * xs, (x1 / xs).ceil() * xs);
    let (y0, y1) = ((y0 / ys).floor() * ys, (y1 / ys).ceil() * ys);
    let px = |x: f64| L + (x - x0) / (x1 - x0) * (W - L - R);
    let py = |y: f64| H - B - (y - y0) / (y1 - y0) * (H - T - B);
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{H}\" viewBox=\"0 0 {W} {H}\" font-family=\"sans-serif\" font-size=\"12\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n\
         <text x=\"{}\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">{}</text>\n",
        W / 2.0,
        xml_escape(title)
    );
    let _ = writeln!(
        s,
        "<rect x=\"{L}\" y=\"{T}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"black\"/>",
        W - L - R,
        H - T - B
    );
    let mut t = x0;
    while t <= x1 + 1e-9 * xs {
        let _ = writeln!(
            s,
            "<line x1=\"{0:.1}\" y1=\"{1}\" x2=\"{0:.1}\" y2=\"{2}\" stroke=\"black\"/><text x=\"{0:.1}\" y=\"{3}\" text-anchor=\"middle\">{4}</text>",
            px(t), H - B, H - B + 5.0, H - B + 18.0, fmt_tick(t, xs)
        );
        t += xs;
    }
    let mut t = y0;
    while t <= y1 + 1e-9 * ys {
        let _ = writeln!(
            s,
            "<line x1=\"{0}\" y1=\"{1:.1}\" x2=\"{2}\" y2=\"{1:.1}\" stroke=\"black\"/><text x=\"{3}\" y=\"{4:.1}\" text-anchor=\"end\">{5}</text>",
            L - 5.0, py(t), L, L - 8.0, py(t) + 4.0, fmt_tick(t, ys)
        );
        t += ys;
    }
    let _ = writeln!(s, "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>", (L + W - R) / 2.0, H - 12.0, xml_escape(xlabel));
    let _ = writeln!(
        s,
        "<text x=\"16\" y=\"{0}\" text-anchor=\"middle\" transform=\"rotate(-90 16 {0})\">{1}</text>",
        (T + H - B) / 2.0,
        xml_escape(ylabel)
    );
    for (k, (name, p)) in series.iter().enumerate() {
        let c = COLORS[k % COLORS.len()];
        let pts: Vec<String> =
            p.iter().filter(|q| q.0.is_finite() && q.1.is_finite()).map(|&(x, y)| format!("{:.1},{:.1}", px(x), py(y))).collect();
        let _ = writeln!(s, "<polyline fill=\"none\" stroke=\"{c}\" stroke-width=\"1.5\" points=\"{}\"/>", pts.join(" "));
        let ly = T + 16.0 + 16.0 * k as f64;
        let _ = writeln!(
            s,
            "<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"{c}\" stroke-width=\"2\"/><text x=\"{3}\" y=\"{4}\">{5}</text>",
            W - R - 150.0, ly, W - R - 130.0, W - R - 125.0, ly + 4.0, xml_escape(name)
        );
    }
    s.push_str("</svg>\n");
    s
}

fn fmt_tick(v: f64, step: f64) -> String {
    if v.abs() < step * 1e-9 {
        return "0".to_string();
    }
    if step >= 1.0 && v.abs() < 1e6 {
        format!("{v:.0}")
    } else if v.abs() >= 1e-3 && v.abs() < 1e6 {
        let dec = (-step.log10().floor()).max(0.0) as usize;
        format!("{v:.dec$}")
    } else {
        format!("{v:.1e}")
    }
}
