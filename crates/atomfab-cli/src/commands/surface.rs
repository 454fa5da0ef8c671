//! `atomfab surface stats|psd|tip|convert`: height-map metrology (ISO 25178-2 areal and ISO 21920
//! profile parameters, PSD and band RMS, AFM tip simulation/reconstruction, atomic terraces, spec
//! grading). Maps: .gwy (Gwyddion), .png/.tif (16-bit grey with scale; .tif also 32-bit float), .xyz (points on a grid), anything else an ASCII matrix with a
//! `# dx= dy= unit=` header or Gwyddion's ASCII export. Lengths on the command line take a unit
//! (nm, um, A, pm, m; bare numbers are nm); JSON values carry their unit next to them.

use anyhow::{bail, Context, Result};
use atomfab_metrology::blind_tip::{blind_estimate, BlindMode, BlindOptions};
use atomfab_metrology::io::{read_any, write_any};
use atomfab_metrology::level::{level, Level};
use atomfab_metrology::params::{height_params, sal_str, sdq_sdr, MaterialRatio};
use atomfab_metrology::profile::map_profile_params;
use atomfab_metrology::psd::{psd_1d, psd_2d, svg_loglog, Window};
use atomfab_metrology::spec::{grade_map, Dim};
use atomfab_metrology::steps::{terraces, TerraceOptions};
use atomfab_metrology::tip::{certainty_map, dilate, erode, parse_length_nm, Tip, TipModel};
use atomfab_metrology::HeightMap;
use clap::{Args, Subcommand, ValueEnum};
use serde_json::{json, Map, Value};
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Args)]
pub struct SurfaceArgs {
    #[command(subcommand)]
    pub what: SurfaceWhat,
}

#[derive(Subcommand)]
pub enum SurfaceWhat {
    /// ISO 25178-2 areal parameters, ISO 21920 profile parameters, terraces, optional spec grade.
    Stats(StatsArgs),
    /// 1-D and radially averaged 2-D PSD, band-limited RMS, optional SVG plot.
    Psd(PsdArgs),
    /// Simulated AFM image (dilation) or tip-deconvolved reconstruction (erosion) with certainty map.
    Tip(TipArgs),
    /// Convert between height-map formats (by extension: .gwy, .png, .tif, .xyz, other = ASCII matrix).
    Convert(ConvertArgs),
}

#[derive(Args)]
pub struct StatsArgs {
    pub file: PathBuf,
    /// Form removal: none, mean, plane, poly:N, rows, rows-median, 3point:i0,j0,i1,j1,i2,j2.
    #[arg(long, default_value = "plane")]
    pub level: String,
    /// Gaussian profile filter cut-off λc for the R parameters (e.g. 250nm); none = primary profile.
    #[arg(long)]
    pub lambda_c: Option<String>,
    /// Expected atomic step height for the terrace analysis (e.g. 1.36A for Si(001)).
    #[arg(long)]
    pub step: Option<String>,
    /// Pass/fail spec, e.g. "Sq <= 0.05 nm, missing_layers < 3, band_rms[0.1..1 um^-1] <= 0.2 nm".
    #[arg(long)]
    pub spec: Option<String>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct PsdArgs {
    pub file: PathBuf,
    #[arg(long, default_value = "plane")]
    pub level: String,
    /// Window: rect, hann, blackman-harris.
    #[arg(long, default_value = "hann")]
    pub window: String,
    /// Spatial-frequency bands in 1/µm, e.g. "0.1..1,1..10,10..100".
    #[arg(long, value_delimiter = ',')]
    pub bands: Vec<String>,
    /// Write the radially averaged PSD as an SVG log–log plot.
    #[arg(long)]
    pub svg: Option<PathBuf>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TipMode {
    /// Simulate the AFM image of FILE taken as the true surface.
    Dilate,
    /// Reconstruct the surface from FILE taken as an AFM image (upper bound) with a certainty map.
    Erode,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BlindModeArg {
    /// Refine at local maxima only (quick).
    Partial,
    /// Refine at every informative image point until nothing changes.
    Full,
}

#[derive(Args)]
pub struct TipArgs {
    pub file: PathBuf,
    /// Tip: paraboloid:R=10nm, sphere:R=5nm, cone:angle=20,R=2nm, or map:TIPFILE (apex = highest point).
    #[arg(long, required_unless_present = "blind")]
    pub tip: Option<String>,
    /// Blind tip estimation from FILE taken as an AFM image (Villarrubia 1997, as Gwyddion):
    /// SIZE[,THRESHOLD] with SIZE = N or NXxNY pixels and a noise threshold length (bare = nm,
    /// default 0; use at least a few 1/10 000 of the image range, or rounding noise over-sharpens
    /// the tip). Writes the estimated tip (apex = highest point) to --out.
    #[arg(long, conflicts_with_all = ["tip", "certainty"])]
    pub blind: Option<String>,
    /// Blind estimation: partial (local maxima only) or full.
    #[arg(long, value_enum, default_value = "full")]
    pub blind_mode: BlindModeArg,
    /// Blind estimation: also use image points within a tip size of the edges.
    #[arg(long)]
    pub use_edges: bool,
    #[arg(long, value_enum, default_value = "dilate")]
    pub mode: TipMode,
    /// Output map (format by extension).
    #[arg(long, short)]
    pub out: Option<PathBuf>,
    /// Erode only: write the certainty map (1 certain, 0 not) as a height map of 0/1 values.
    #[arg(long)]
    pub certainty: Option<PathBuf>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct ConvertArgs {
    pub input: PathBuf,
    pub output: PathBuf,
}

pub fn run(args: SurfaceArgs) -> Result<()> {
    match args.what {
        SurfaceWhat::Stats(a) => stats(a),
        SurfaceWhat::Psd(a) => psd(a),
        SurfaceWhat::Tip(a) => tip(a),
        SurfaceWhat::Convert(a) => {
            let m = read_any(&a.input)?;
            write_any(&a.output, &m)?;
            Ok(())
        }
    }
}

fn load(path: &Path, how: &str) -> Result<(HeightMap, Level)> {
    let lv: Level = how.parse().context("--level")?;
    let map = read_any(path)?;
    let l = level(&map, &lv).with_context(|| format!("{}: levelling", path.display()))?;
    Ok((l, lv))
}

fn length_arg(name: &str, v: &Option<String>) -> Result<Option<f64>> {
    match v {
        None => Ok(None),
        Some(s) => {
            let x = parse_length_nm(s).map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
            if !(x.is_finite() && x > 0.0) {
                bail!("{name} {s}: expected a length > 0");
            }
            Ok(Some(x))
        }
    }
}

fn v(value: f64, unit: &str) -> Value {
    json!({ "value": if value.is_finite() { json!(value) } else { Value::Null }, "unit": unit })
}

/// nm from metres.
fn nm(x: f64) -> f64 {
    x * 1e9
}

/// All areal parameters as ISO-named JSON values (lengths in nm).
pub fn areal_json(m: &HeightMap) -> Result<Map<String, Value>> {
    let hp = height_params(m)?;
    let af = MaterialRatio::new(m)?;
    let (sal, str_) = sal_str(m, 0.2)?;
    let (sdq_, sdr_) = sdq_sdr(m)?;
    let mut o = Map::new();
    for (k, val, u) in [
        ("Sa", nm(hp.Sa), "nm"),
        ("Sq", nm(hp.Sq), "nm"),
        ("Ssk", hp.Ssk, "1"),
        ("Sku", hp.Sku, "1"),
        ("Sp", nm(hp.Sp), "nm"),
        ("Sv", nm(hp.Sv), "nm"),
        ("Sz", nm(hp.Sz), "nm"),
        ("Sdq", sdq_, "1"),
        ("Sdr", sdr_, "%"),
        ("Sal", nm(sal), "nm"),
        ("Str", str_, "1"),
        ("Sk", nm(af.sk()), "nm"),
        ("Spk", nm(af.spk()), "nm"),
        ("Svk", nm(af.svk()), "nm"),
        ("Smr1", af.smr1(), "%"),
        ("Smr2", af.smr2(), "%"),
    ] {
        o.insert(k.to_string(), v(val, u));
    }
    // Smr(c) at c = 0 (the mean plane) and the height at 50 % material ratio, as commonly reported.
    o.insert("Smr(c=0nm)".into(), v(af.smr(0.0), "%"));
    o.insert("Smc(mr=50%)".into(), v(nm(af.smc(50.0)), "nm"));
    Ok(o)
}

fn stats(a: StatsArgs) -> Result<()> {
    let (m, lv) = load(&a.file, &a.level)?;
    let lc = length_arg("--lambda-c", &a.lambda_c)?;
    let step = length_arg("--step", &a.step)?;
    let areal = areal_json(&m).with_context(|| format!("{}", a.file.display()))?;
    let profile = if m.has_missing() {
        Value::Null
    } else {
        let p = map_profile_params(&m, lc, 5)?;
        json!({
            "lambda_c": lc.map(|x| v(nm(x), "nm")).unwrap_or(Value::Null),
            "rows_averaged": m.ny,
            "Ra": v(nm(p.Ra), "nm"), "Rq": v(nm(p.Rq), "nm"), "Rsk": v(p.Rsk, "1"), "Rku": v(p.Rku, "1"),
            "Rp": v(nm(p.Rp), "nm"), "Rv": v(nm(p.Rv), "nm"), "Rz": v(nm(p.Rz), "nm"), "Rt": v(nm(p.Rt), "nm"),
        })
    };
    let topts = TerraceOptions { step_hint: step, ..Default::default() };
    let terr = terraces(&m, &topts)?;
    let terr_json = json!({
        "levels": terr.levels.iter().map(|l| json!({
            "height": v(nm(l.height), "nm"), "sigma": v(nm(l.sigma), "nm"), "fraction": v(l.fraction * 100.0, "%"), "layer": l.layer,
        })).collect::<Vec<_>>(),
        "step_height": v(nm(terr.step_height), "nm"),
        "fitted_step_height": v(nm(terr.fitted_step_height), "nm"),
        "steps": terr.steps,
        "missing_layers": terr.missing_layers,
        "extra_layers": terr.extra_layers,
        "incomplete_layers": terr.incomplete_layers,
        "gaps": terr.gaps,
        "step_edges_per_row": terr.step_edges_per_row,
    });
    let grade = match &a.spec {
        None => None,
        Some(s) => Some(grade_map(&m, s, topts.clone())?),
    };
    let out = json!({
        "file": a.file.display().to_string(),
        "nx": m.nx, "ny": m.ny,
        "dx": v(nm(m.dx), "nm"), "dy": v(nm(m.dy), "nm"),
        "missing_points": m.missing(),
        "level": format!("{lv:?}"),
        "areal": areal,
        "profile": profile,
        "terraces": terr_json,
        "grade": grade.as_ref().map(|g| json!({
            "pass": g.iter().all(|c| c.pass),
            "clauses": g.iter().map(|c| json!({
                "clause": c.clause, "pass": c.pass,
                "value": match c.dim { Dim::Length => v(nm(c.value), "nm"), Dim::Percent => v(c.value, "%"), Dim::Number => v(c.value, "1") },
            })).collect::<Vec<_>>(),
        })),
    });
    if a.json {
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        println!("{}: {} x {} points, dx = {:.4} nm, dy = {:.4} nm, level {:?}", a.file.display(), m.nx, m.ny, nm(m.dx), nm(m.dy), lv);
        // ISO 25178-2 order (the JSON object itself is keyed, so unordered).
        for k in ["Sa", "Sq", "Ssk", "Sku", "Sp", "Sv", "Sz", "Sdq", "Sdr", "Sal", "Str", "Sk", "Spk", "Svk", "Smr1", "Smr2", "Smr(c=0nm)", "Smc(mr=50%)"] {
            let val = &out["areal"][k];
            println!("  {k:<12} {:>14} {}", fmt(&val["value"]), val["unit"].as_str().unwrap_or(""));
        }
        if let Some(p) = out["profile"].as_object() {
            for k in ["Ra", "Rq", "Rsk", "Rku", "Rp", "Rv", "Rz", "Rt"] {
                println!("  {k:<12} {:>14} {}  (mean of {} rows)", fmt(&p[k]["value"]), p[k]["unit"].as_str().unwrap_or(""), m.ny);
            }
        }
        println!(
            "  terraces: {} levels, {} steps, step {:.4} nm (fitted {:.4} nm), missing layers {}, extra layers {}",
            terr.levels.len(), terr.steps, nm(terr.step_height), nm(terr.fitted_step_height), terr.missing_layers, terr.extra_layers
        );
        if let Some(g) = &grade {
            for c in g {
                println!("  {} {}", if c.pass { "PASS" } else { "FAIL" }, c.clause);
            }
            println!("  grade: {}", if g.iter().all(|c| c.pass) { "PASS" } else { "FAIL" });
        }
    }
    if let Some(g) = &grade {
        if !g.iter().all(|c| c.pass) {
            // A failed grade is a result, not an error: exit 1 so scripts can branch on it.
            std::process::exit(1);
        }
    }
    Ok(())
}

fn fmt(x: &Value) -> String {
    match x.as_f64() {
        Some(f) => format!("{f:.6e}"),
        None => "undefined".into(),
    }
}

/// "0.1..1" (1/µm) → (lo, hi) in 1/m.
fn parse_band(s: &str) -> Result<(f64, f64)> {
    let (a, b) = s.split_once("..").with_context(|| format!("--bands `{s}`: expected LO..HI in 1/µm"))?;
    let lo: f64 = a.trim().parse().with_context(|| format!("--bands `{s}`: `{a}` is not a number"))?;
    let hi: f64 = b.trim().parse().with_context(|| format!("--bands `{s}`: `{b}` is not a number"))?;
    if !(lo >= 0.0 && hi > lo) {
        bail!("--bands `{s}`: expected 0 ≤ LO < HI");
    }
    Ok((lo * 1e6, hi * 1e6))
}

fn psd(a: PsdArgs) -> Result<()> {
    let (m, _) = load(&a.file, &a.level)?;
    let w: Window = a.window.parse()?;
    let bands: Vec<(f64, f64)> = a.bands.iter().map(|s| parse_band(s)).collect::<Result<_>>()?;
    let p2 = psd_2d(&m, w).with_context(|| format!("{}", a.file.display()))?;
    let p1 = psd_1d(&m, w).with_context(|| format!("{}", a.file.display()))?;
    let radial = p2.radial();
    let sq = height_params(&m)?.Sq;
    let mut band_out = Vec::new();
    for &(lo, hi) in &bands {
        band_out.push(json!({ "band": format!("{}..{} um^-1", lo * 1e-6, hi * 1e-6), "rms": v(nm(p2.band_rms(lo, hi)?), "nm") }));
    }
    if let Some(svg) = &a.svg {
        // m⁴ → nm²·µm² for readable axis labels.
        let scaled: Vec<f64> = radial.psd.iter().map(|x| x * 1e18 * 1e12).collect();
        let s = svg_loglog(&radial.f, &scaled, &format!("radial PSD of {}", a.file.display()), "nm²·µm²");
        std::fs::write(svg, s).with_context(|| format!("{}", svg.display()))?;
    }
    let total = p2.total_power().sqrt();
    if a.json {
        let out = json!({
            "file": a.file.display().to_string(),
            "window": format!("{w:?}"),
            "Sq": v(nm(sq), "nm"),
            "rms_from_psd": v(nm(total), "nm"),
            "bands": band_out,
            "psd_1d": { "f_unit": "1/um", "psd_unit": "nm^2*um", "f": p1.f.iter().map(|x| x * 1e-6).collect::<Vec<_>>(), "psd": p1.psd.iter().map(|x| x * 1e18 * 1e6).collect::<Vec<_>>() },
            "psd_radial": { "f_unit": "1/um", "psd_unit": "nm^2*um^2", "f": radial.f.iter().map(|x| x * 1e-6).collect::<Vec<_>>(), "psd": radial.psd.iter().map(|x| x * 1e18 * 1e12).collect::<Vec<_>>() },
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        println!("{}: Sq = {:.6e} nm, RMS from ∫PSD = {:.6e} nm ({w:?} window)", a.file.display(), nm(sq), nm(total));
        for b in &band_out {
            println!("  band {:<20} rms {:.6e} nm", b["band"].as_str().unwrap(), b["rms"]["value"].as_f64().unwrap_or(f64::NAN));
        }
        println!("  radial PSD: {} bins of {:.4} 1/um", radial.f.len(), radial.df * 1e-6);
    }
    Ok(())
}

/// `--blind SIZE[,THRESHOLD]` → (tx, ty, threshold in m).
fn parse_blind(s: &str) -> Result<(usize, usize, f64)> {
    let bad = || anyhow::anyhow!("--blind `{s}`: expected SIZE[,THRESHOLD], e.g. 11, 13x11 or 15,0.05nm");
    let (size, thr) = match s.split_once(',') {
        Some((a, b)) => (a.trim(), Some(b.trim())),
        None => (s.trim(), None),
    };
    let px = |v: &str| v.trim().parse::<usize>().ok().filter(|&n| n > 0);
    let (tx, ty) = match size.split_once(['x', 'X']) {
        Some((a, b)) => (px(a).ok_or_else(bad)?, px(b).ok_or_else(bad)?),
        None => {
            let n = px(size).ok_or_else(bad)?;
            (n, n)
        }
    };
    let threshold = match thr {
        Some(t) => parse_length_nm(t).map_err(|e| anyhow::anyhow!("--blind `{s}`: threshold: {e}"))?,
        None => 0.0,
    };
    if !(threshold >= 0.0) {
        bail!("--blind `{s}`: expected a threshold ≥ 0");
    }
    Ok((tx, ty, threshold))
}

fn blind(a: &TipArgs, spec: &str) -> Result<()> {
    let (tx, ty, threshold) = parse_blind(spec)?;
    let m = read_any(&a.file)?;
    let mode = match a.blind_mode {
        BlindModeArg::Partial => BlindMode::Partial,
        BlindModeArg::Full => BlindMode::Full,
    };
    let mut o = BlindOptions::new(tx, ty, threshold, mode);
    o.use_edges = a.use_edges;
    let start = Instant::now();
    let est = blind_estimate(&m, &o).with_context(|| format!("{}", a.file.display()))?;
    let secs = start.elapsed().as_secs_f64();
    let map = est.to_map(m.dx, m.dy)?;
    if let Some(o) = &a.out {
        write_any(o, &map)?;
    }
    // Tip height reached at the rim of the estimate: how far down the image constrained the tip.
    let depth = est.tip.t.iter().filter(|t| t.is_finite()).fold(0.0f64, |x, &t| x.max(t));
    if a.json {
        println!("{}", serde_json::to_string_pretty(&json!({
            "file": a.file.display().to_string(),
            "mode": if mode == BlindMode::Full { "blind-full" } else { "blind-partial" },
            "tip_size_px": [tx, ty],
            "threshold": v(nm(threshold), "nm"),
            "use_edges": a.use_edges,
            "iterations": est.iterations,
            "refinements": est.refinements,
            "tip_depth": v(nm(depth), "nm"),
            "out": a.out.as_ref().map(|p| p.display().to_string()),
            "seconds": secs,
        }))?);
    } else {
        println!(
            "{}: blind {} estimate of a {tx}x{ty} px tip (threshold {:.4} nm) in {:.3} s: {} iteration(s), {} refining locations, tip depth {:.4} nm{}",
            a.file.display(),
            if mode == BlindMode::Full { "full" } else { "partial" },
            nm(threshold), secs, est.iterations, est.refinements, nm(depth),
            a.out.as_ref().map(|p| format!(", written to {}", p.display())).unwrap_or_default()
        );
    }
    Ok(())
}

fn tip(a: TipArgs) -> Result<()> {
    if let Some(spec) = &a.blind {
        return blind(&a, spec);
    }
    let tip_spec = a.tip.clone().context("--tip: expected a tip model or map:FILE (or --blind SIZE)")?;
    let m = read_any(&a.file)?;
    let range = m.z.iter().filter(|x| !x.is_nan()).fold((f64::INFINITY, f64::NEG_INFINITY), |r, &x| (r.0.min(x), r.1.max(x)));
    let span = (range.1 - range.0).max(m.dx);
    let t = if let Some(f) = tip_spec.strip_prefix("map:") {
        Tip::from_map(&read_any(Path::new(f))?, m.dx, m.dy)?
    } else {
        let model: TipModel = tip_spec.parse()?;
        Tip::from_model(&model, m.dx, m.dy, span)?
    };
    let start = Instant::now();
    let (result, cert) = match a.mode {
        TipMode::Dilate => (dilate(&m, &t)?, None),
        TipMode::Erode => {
            let r = erode(&m, &t)?;
            let c = certainty_map(&m, &t)?;
            (r, Some(c))
        }
    };
    let secs = start.elapsed().as_secs_f64();
    if let Some(o) = &a.out {
        write_any(o, &result)?;
    }
    let certain = cert.as_ref().map(|c| c.iter().filter(|&&b| b).count());
    if let (Some(path), Some(c)) = (&a.certainty, &cert) {
        let cm = HeightMap::new(m.nx, m.ny, m.dx, m.dy, c.iter().map(|&b| if b { 1.0 } else { 0.0 }).collect())?;
        write_any(path, &cm)?;
    } else if a.certainty.is_some() {
        bail!("--certainty needs --mode erode");
    }
    let diff: Vec<f64> = result.z.iter().zip(&m.z).map(|(r, s)| r - s).filter(|d| !d.is_nan()).collect();
    let max_change = diff.iter().fold(0.0f64, |x, d| x.max(d.abs()));
    let rms_change = (diff.iter().map(|d| d * d).sum::<f64>() / diff.len().max(1) as f64).sqrt();
    let sq_in = height_params(&m)?.Sq;
    let sq_out = height_params(&result)?.Sq;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&json!({
            "file": a.file.display().to_string(),
            "tip": tip_spec,
            "mode": if a.mode == TipMode::Dilate { "dilate" } else { "erode" },
            "tip_half_width_px": [t.hx, t.hy],
            "Sq_in": v(nm(sq_in), "nm"),
            "Sq_out": v(nm(sq_out), "nm"),
            "max_change": v(nm(max_change), "nm"),
            "rms_change": v(nm(rms_change), "nm"),
            "certain_fraction": certain.map(|c| v(100.0 * c as f64 / m.z.len() as f64, "%")),
            "seconds": secs,
        }))?);
    } else {
        println!(
            "{}: {} with {} ({}x{} px kernel) in {:.3} s: Sq {:.6e} → {:.6e} nm, max change {:.6e} nm",
            a.file.display(),
            if a.mode == TipMode::Dilate { "dilated" } else { "eroded" },
            tip_spec, 2 * t.hx + 1, 2 * t.hy + 1, secs, nm(sq_in), nm(sq_out), nm(max_change)
        );
        if let Some(c) = certain {
            println!("  certain points: {c} of {} ({:.2} %)", m.z.len(), 100.0 * c as f64 / m.z.len() as f64);
        }
    }
    Ok(())
}

#[derive(Args)]
pub struct SurfaceBench {
    /// Map size (points per side).
    #[arg(long, default_value_t = 1024)]
    pub size: usize,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Write the benchmark map here (.gwy) so bench/surface_vs_surfalize.py can time surfalize on it.
    #[arg(long)]
    pub write: Option<PathBuf>,
    /// Time each group this many times and keep the fastest.
    #[arg(long, default_value_t = 3)]
    pub repeats: usize,
    #[arg(long)]
    pub json: bool,
}

/// CPU time (s) the calling thread has run: clock_gettime(CLOCK_THREAD_CPUTIME_ID), nanosecond
/// resolution (/proc schedstat only advances at scheduler ticks, too coarse for a 1024² map).
#[cfg(all(target_os = "linux", target_pointer_width = "64"))]
fn thread_cpu_s() -> Option<f64> {
    #[repr(C)]
    struct Timespec {
        tv_sec: i64,
        tv_nsec: i64,
    }
    extern "C" {
        fn clock_gettime(clock: i32, tp: *mut Timespec) -> i32;
    }
    const CLOCK_THREAD_CPUTIME_ID: i32 = 3;
    let mut t = Timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: a valid pointer to a timespec the call fills; the C library is linked by std.
    let rc = unsafe { clock_gettime(CLOCK_THREAD_CPUTIME_ID, &mut t) };
    (rc == 0).then(|| t.tv_sec as f64 + t.tv_nsec as f64 * 1e-9)
}

#[cfg(not(all(target_os = "linux", target_pointer_width = "64")))]
fn thread_cpu_s() -> Option<f64> {
    None
}

/// `atomfab bench surface`: full stats and PSD timings on a seeded rough map.
pub fn bench(b: SurfaceBench) -> Result<()> {
    let pool = super::bench::rayon_pool(b.threads)?;
    let m = atomfab_metrology::synthetic::rough_surface(b.size, b.size, 1e-9, 4, 0.3e-9, 42)?;
    if let Some(p) = &b.write {
        write_any(p, &m)?;
    }
    let mut times = Map::new();
    let mut cpu = Map::new();
    let mut results = Map::new();
    pool.install(|| -> Result<()> {
        // Wall time and, for the calling worker thread, CPU time (exact for --threads 1, where all
        // the work runs on this thread; robust against other load on a shared machine).
        let mut clock = |name: &str, t0: Instant, c0: Option<f64>| {
            let keep_min = |m: &mut Map<String, Value>, v: f64| {
                let old = m.get(name).and_then(|x| x.as_f64()).unwrap_or(f64::INFINITY);
                m.insert(name.into(), json!(old.min(v)));
            };
            keep_min(&mut times, t0.elapsed().as_secs_f64());
            if let (Some(a), Some(b)) = (c0, thread_cpu_s()) {
                keep_min(&mut cpu, b - a);
            }
        };
        let reps = b.repeats.max(1);
        let mut hp = None;
        for _ in 0..reps {
            let (t, c) = (Instant::now(), thread_cpu_s());
            hp = Some(height_params(&m)?);
            clock("height", t, c);
        }
        let mut gr = (0.0, 0.0);
        for _ in 0..reps {
            let (t, c) = (Instant::now(), thread_cpu_s());
            gr = sdq_sdr(&m)?;
            clock("hybrid_Sdq_Sdr", t, c);
        }
        let mut fun = (0.0, 0.0, 0.0);
        for _ in 0..reps {
            let (t, c) = (Instant::now(), thread_cpu_s());
            let af = MaterialRatio::new(&m)?;
            fun = (af.sk(), af.spk(), af.svk());
            clock("functional_Sk_Spk_Svk", t, c);
        }
        let mut ss = (0.0, 0.0);
        for _ in 0..reps {
            let (t, c) = (Instant::now(), thread_cpu_s());
            ss = sal_str(&m, 0.2)?;
            clock("spatial_Sal_Str", t, c);
        }
        let mut nbins = 0;
        for _ in 0..reps {
            let (t, c) = (Instant::now(), thread_cpu_s());
            let p = psd_2d(&m, Window::Hann)?;
            nbins = p.radial().f.len();
            clock("psd_2d_radial", t, c);
        }
        let hp = hp.unwrap();
        let (g, r) = gr;
        let (sk, spk, svk) = fun;
        let (sal, st) = ss;
        let radial_bins = nbins;
        for (k, x) in [("Sa", hp.Sa), ("Sq", hp.Sq), ("Ssk", hp.Ssk), ("Sku", hp.Sku), ("Sp", hp.Sp), ("Sv", hp.Sv), ("Sz", hp.Sz),
            ("Sdq", g), ("Sdr", r), ("Sk", sk), ("Spk", spk), ("Svk", svk), ("Sal", sal), ("Str", st), ("radial_bins", radial_bins as f64)] {
            results.insert(k.into(), json!(x));
        }
        Ok(())
    })?;
    for t in [&mut times, &mut cpu] {
        let full: f64 = ["height", "hybrid_Sdq_Sdr", "functional_Sk_Spk_Svk", "spatial_Sal_Str"].iter().filter_map(|k| t.get(*k)?.as_f64()).sum();
        t.insert("full_stats".into(), json!(full));
    }
    let threads = b.threads.unwrap_or_else(rayon::current_num_threads);
    if b.json {
        println!("{}", serde_json::to_string_pretty(&json!({"size": b.size, "threads": threads, "seconds": times, "cpu_seconds": cpu, "values_SI": results}))?);
    } else {
        println!("surface bench: {0} x {0} map, {threads} thread(s); wall s (CPU s of the timing thread)", b.size);
        for k in ["height", "hybrid_Sdq_Sdr", "functional_Sk_Spk_Svk", "spatial_Sal_Str", "full_stats", "psd_2d_radial"] {
            println!("  {k:<24} {:.4} s ({:.4} s)", times[k].as_f64().unwrap(), cpu.get(k).and_then(|v| v.as_f64()).unwrap_or(f64::NAN));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blind_spec_parsing() {
        assert_eq!(parse_blind("11").unwrap(), (11, 11, 0.0));
        assert_eq!(parse_blind("13x9,0.5nm").unwrap(), (13, 9, 0.5e-9));
        for bad in ["", "0", "x5", "7,-1", "7,abc", "5x"] {
            assert!(parse_blind(bad).is_err(), "{bad}");
        }
    }

    /// `surface tip IMAGE --blind N --out TIP` writes a tip that the true tip fits inside.
    #[test]
    fn blind_writes_an_upper_bound_tip() {
        let dir = tempfile::tempdir().unwrap();
        let d = 1e-9;
        let mut s = HeightMap::from_fn(40, 40, d, d, |_, _| 0.0).unwrap();
        for &(i, j) in &[(10usize, 10usize), (28, 14), (18, 30)] {
            s.z[j * 40 + i] = 4e-9;
        }
        let truth = Tip::from_model(&TipModel::Paraboloid { radius: 3e-9 }, d, d, 4e-9).unwrap();
        let img = dilate(&s, &truth).unwrap();
        let (fimg, ftip) = (dir.path().join("img.gwy"), dir.path().join("tip.gwy"));
        write_any(&fimg, &img).unwrap();
        let n = 2 * truth.hx + 1;
        let args = TipArgs {
            file: fimg,
            tip: None,
            blind: Some(format!("{n},0.001nm")),
            blind_mode: BlindModeArg::Full,
            use_edges: false,
            mode: TipMode::Dilate,
            out: Some(ftip.clone()),
            certainty: None,
            json: true,
        };
        tip(args).unwrap();
        let est = Tip::from_map(&read_any(&ftip).unwrap(), d, d).unwrap();
        assert_eq!((est.hx, est.hy), (truth.hx, truth.hy));
        for (&te, &tt) in est.t.iter().zip(&truth.t) {
            if tt.is_finite() {
                assert!(te <= tt + 1e-15, "estimate {te:e} above the true tip {tt:e}");
            }
        }
    }
}
