//! `atomfab run RECIPE --sweep key=v1,v2,...`: one run per value (any recipe kind: `[process]`, `[kmc]`,
//! `[md]`), then the comparison: `OUT/sweep.csv` (every numeric and true/false summary figure, nested ones as dotted
//! columns), `OUT/summary.json`, `OUT/sweep_report.html` (the key figures per variant, plotted against the
//! swept value, with links to each variant's report) and, for kMC, `OUT/sweep.svg` (GPC/EPC vs value).

use anyhow::{bail, Context, Result};
use serde_json::{Map, Value};
use std::fmt::Write as _;
use std::path::Path;

use super::run::RunArgs;

/// A key figure of a summary: where it is (JSON pointer), its label with unit, the factor from the
/// summary's unit to the label's, and where the summary says whether it is only a lower bound.
struct KeyFigure {
    pointer: String,
    label: String,
    scale: f64,
    bound_pointer: Option<&'static str>,
}

fn fig(pointer: &str, label: &str, scale: f64) -> KeyFigure {
    KeyFigure { pointer: pointer.to_string(), label: label.to_string(), scale, bound_pointer: None }
}

impl KeyFigure {
    /// The figure in one summary, marked as a lower bound where the summary says so.
    fn value_in(&self, doc: &Value) -> Option<atomfab_report::FigureValue> {
        let value = doc.pointer(&self.pointer).and_then(Value::as_f64)? * self.scale;
        let lower_bound = self.bound_pointer.is_some_and(|p| doc.pointer(p).and_then(Value::as_str) == Some(atomfab_process::analysis::LOWER_BOUND));
        Some(atomfab_report::FigureValue { value, lower_bound })
    }
}

/// The figures a process engineer compares, by the kind of run the summary comes from (taken from the
/// first variant; figures missing in a variant show as "—").
fn key_figures(first: &Value) -> Vec<KeyFigure> {
    let mut out = Vec::new();
    let is_process = first.get("surface").is_some() && first.get("damage").is_some();
    if is_process {
        out.extend(kind_specific(first));
    }
    if first.get("removal").is_some() {
        out.extend([
            fig("/removal/mean_cutting_force_nn", "mean cutting force (nN)", 1.0),
            fig("/removal/mean_thrust_force_nn", "mean thrust force (nN)", 1.0),
            fig("/removal/cutting_force_per_width_n_per_m", "cutting force per width (N/m)", 1.0),
            fig("/removal/specific_cutting_energy_gpa", "specific cutting energy (GPa)", 1.0),
            fig("/removal/force_ratio", "thrust / cutting force", 1.0),
            fig("/removal/chip_atoms", "chip atoms", 1.0),
            fig("/removal/material_removal_rate_nm3_per_ns", "material removal rate (nm³/ns)", 1.0),
            fig("/removal/chip_temperature_k", "chip temperature (K)", 1.0),
        ]);
    }
    if is_process {
        out.extend([
            fig("/max_temperature_k", "max temperature (K)", 1.0),
            // ISO 25178 heights are stored in metres.
            fig("/surface/Sa", "Sa (nm)", 1e9),
            fig("/surface/Sq", "Sq (nm)", 1e9),
        ]);
        if let Some(bands) = first.get("band_rms").and_then(Value::as_array) {
            for (k, b) in bands.iter().enumerate() {
                let label = format!(
                    "band RMS {} {}–{} 1/nm (nm)",
                    b["band"].as_str().unwrap_or("?"),
                    b["from_per_nm"].as_f64().unwrap_or(f64::NAN),
                    b["to_per_nm"].as_f64().unwrap_or(f64::NAN)
                );
                out.push(fig(&format!("/band_rms/{k}/rms_nm"), &label, 1.0));
            }
        }
        out.extend([
            KeyFigure { bound_pointer: Some("/damage/damage_depth_is"), ..fig("/damage/damage_depth_nm", "damage depth (nm)", 1.0) },
            KeyFigure { bound_pointer: Some("/damage/amorphous_thickness_is"), ..fig("/damage/amorphous_thickness_nm", "amorphous thickness (nm)", 1.0) },
        ]);
    }
    if first.get("gpc_angstrom_per_cycle").is_some() {
        out.extend([
            fig("/gpc_angstrom_per_cycle", "GPC (Å/cycle)", 1.0),
            fig("/gpc_steady_angstrom_per_cycle", "steady-state GPC (Å/cycle)", 1.0),
            fig("/epc_angstrom_per_cycle", "EPC (Å/cycle)", 1.0),
            fig("/thickness_angstrom", "film thickness (Å)", 1.0),
            fig("/roughness_rms_angstrom", "RMS roughness (Å)", 1.0),
        ]);
        if let Some(cov) = first.get("coverage").and_then(Value::as_object) {
            for sp in cov.keys() {
                out.push(fig(&format!("/coverage/{}", pointer_escape(sp)), &format!("final coverage {sp}"), 1.0));
            }
        }
        if let Some(regions) = first.get("regions").and_then(Value::as_object) {
            if regions.len() > 1 {
                for r in regions.keys() {
                    out.push(fig(&format!("/regions/{}/gpc_angstrom_per_cycle", pointer_escape(r)), &format!("GPC on {r} (Å/cycle)"), 1.0));
                }
            }
        }
        out.extend([
            fig("/selectivity", "selectivity", 1.0),
            fig("/step_coverage", "step coverage", 1.0),
            fig("/events", "kMC events", 1.0),
            fig("/simulated_time_s", "simulated time (s)", 1.0),
        ]);
    }
    if first.get("md_final_temperature").is_some() {
        let unit = if first["units"] == "lj" { "" } else { " (K)" };
        let e = if first["units"] == "lj" { "" } else { " (eV)" };
        out.extend([
            fig("/md_final_temperature", &format!("final temperature{unit}"), 1.0),
            fig("/md_final_potential_energy", &format!("final potential energy{e}"), 1.0),
            fig("/md_final_total_energy", &format!("final total energy{e}"), 1.0),
            fig("/md_final_conserved_energy", &format!("final conserved energy{e}"), 1.0),
            fig("/md_atom_steps_per_second", "atom-steps per second", 1.0),
        ]);
    }
    // Any other section (e.g. a [system]-only recipe, or one added later): every numeric figure.
    if out.is_empty() {
        out = kind_specific(first);
    }
    // Figures no variant has (e.g. selectivity of a plain ALD recipe) are dropped in `compare`.
    out
}

/// Figures of process kinds this module does not name (e.g. an ion beam's sputter yield): numeric
/// top-level fields and the numeric leaves of top-level objects that are not shared by every kind.
fn kind_specific(first: &Value) -> Vec<KeyFigure> {
    const SHARED: [&str; 20] = [
        "seed", "atoms", "workpiece_atoms", "tool_atoms", "steps", "simulated_time_ps", "depth_of_cut_nm", "cut_length_nm",
        "width_nm", "max_temperature_k", "removal", "surface", "surface_map", "band_rms", "terraces", "damage", "grades",
        "pass", "files", "species",
    ];
    fn leaves(prefix: &str, label: &str, v: &Value, out: &mut Vec<KeyFigure>) {
        match v {
            Value::Number(_) => out.push(fig(prefix, label, 1.0)),
            Value::Object(m) => {
                for (k, x) in m {
                    leaves(&format!("{prefix}/{}", pointer_escape(k)), &format!("{label}.{k}"), x, out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    if let Some(m) = first.as_object() {
        for (k, v) in m.iter().filter(|(k, _)| !SHARED.contains(&k.as_str())) {
            leaves(&format!("/{}", pointer_escape(k)), k, v, &mut out);
        }
    }
    out
}

fn pointer_escape(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

pub fn run(args: RunArgs, spec: &str) -> Result<()> {
    let (key, values) = spec.split_once('=').with_context(|| format!("--sweep '{spec}': expected key=v1,v2,..."))?;
    let key = key.trim();
    let values: Vec<&str> = values.split(',').map(str::trim).filter(|v| !v.is_empty()).collect();
    if key.is_empty() || values.is_empty() {
        bail!("--sweep '{spec}': expected key=v1,v2,... with at least one value");
    }
    // The recipe every variant starts from, for the echo (also checks it parses before any run).
    let (text, source) = crate::recipe::load_text(args.recipe.as_deref())?;
    let text = crate::recipe::apply_overrides(&text, &source, &args.overrides)?;
    let title = toml::from_str::<toml::Table>(&text)
        .ok()
        .and_then(|t| t.get("title").and_then(|v| v.as_str()).map(str::to_string))
        .unwrap_or_else(|| source.clone());
    std::fs::create_dir_all(&args.out).with_context(|| format!("{}: cannot create output folder", args.out.display()))?;
    let mut rows: Vec<(String, Map<String, Value>)> = Vec::new();
    for (k, v) in values.iter().enumerate() {
        let dir = args.out.join(format!("sweep_{k}"));
        eprintln!("atomfab: sweep {key} = {v} -> {}", dir.display());
        let mut overrides = args.overrides.clone();
        overrides.push(format!("{key}={v}"));
        let one = RunArgs { recipe: args.recipe.clone(), out: dir.clone(), overrides, sweep: None, resume: None };
        super::run::run(one).with_context(|| format!("--sweep {key} = {v}"))?;
        let body = std::fs::read_to_string(dir.join("summary.json")).with_context(|| format!("{}: summary.json", dir.display()))?;
        let map = match serde_json::from_str(&body).with_context(|| format!("{}: summary.json", dir.display()))? {
            Value::Object(m) => m,
            _ => bail!("{}: summary.json is not an object", dir.display()),
        };
        rows.push((v.to_string(), map));
    }
    write_csv(&args.out, key, &rows)?;
    let summary = serde_json::json!({
        "sweep_key": key,
        "values": values,
        "runs": rows.iter().enumerate().map(|(k, (v, m))| serde_json::json!({"value": v, "dir": format!("sweep_{k}"), "summary": m})).collect::<Vec<_>>(),
    });
    write_text(&args.out.join("summary.json"), &(serde_json::to_string_pretty(&summary)? + "\n"))?;

    let comparison = compare(&args.out, key, &title, &text, &rows);
    let html = args.out.join("sweep_report.html");
    atomfab_report::write_html(&html, &atomfab_report::comparison_report(&comparison)).with_context(|| format!("writing {}", html.display()))?;
    write_kmc_svg(&args.out, key, &rows)?;
    eprintln!("atomfab: wrote {} and {}", args.out.join("sweep.csv").display(), html.display());
    Ok(())
}

/// The comparison page's data: key figures of every variant, grades, links to the variants' reports.
fn compare(out: &Path, key: &str, title: &str, recipe: &str, rows: &[(String, Map<String, Value>)]) -> atomfab_report::Comparison {
    let docs: Vec<Value> = rows.iter().map(|(_, m)| Value::Object(m.clone())).collect();
    let figures: Vec<KeyFigure> = key_figures(&docs[0])
        .into_iter()
        .filter(|f| docs.iter().any(|d| d.pointer(&f.pointer).is_some_and(Value::is_number)))
        .collect();
    let variants = rows
        .iter()
        .zip(&docs)
        .enumerate()
        .map(|(k, ((v, _), doc))| {
            let dir = format!("sweep_{k}");
            let link = ["report.html", "summary.json"].iter().find(|f| out.join(&dir).join(f).is_file()).map(|f| format!("{dir}/{f}"));
            let graded = doc.get("grades").and_then(Value::as_array).is_some_and(|g| !g.is_empty());
            atomfab_report::Variant {
                value: v.clone(),
                link,
                values: figures.iter().map(|f| f.value_in(doc)).collect(),
                pass: if graded { doc.get("pass").and_then(Value::as_bool) } else { None },
            }
        })
        .collect();
    atomfab_report::Comparison {
        title: format!("{title}: sweep of {key}"),
        subtitle: format!("{} variants; each variant's files are in sweep_<k>/", rows.len()),
        parameter: key.to_string(),
        recipe: recipe.to_string(),
        figures: figures.iter().map(|f| atomfab_report::Figure { label: f.label.clone() }).collect(),
        variants,
        notes: vec!["Every numeric and true/false figure of every variant is in sweep.csv (nested figures as dotted columns).".into()],
    }
}

/// `sweep.csv`: the swept value, the run folder, then every numeric or true/false figure present in all
/// runs (flags such as `damage.damage_reaches_bottom` say when a figure is only a bound).
fn write_csv(out: &Path, key: &str, rows: &[(String, Map<String, Value>)]) -> Result<()> {
    let flat: Vec<Map<String, Value>> = rows.iter().map(|(_, m)| flatten(m)).collect();
    let cols: Vec<String> = flat[0]
        .iter()
        .filter(|(name, val)| {
            let same_kind = |v: &Value| (v.is_number() && val.is_number()) || (v.is_boolean() && val.is_boolean());
            flat.iter().all(|r| r.get(*name).is_some_and(same_kind))
        })
        .map(|(name, _)| name.clone())
        .collect();
    let mut csv = format!("{key},run_dir");
    for c in &cols {
        let _ = write!(csv, ",{c}");
    }
    csv.push('\n');
    for (k, ((v, _), m)) in rows.iter().zip(&flat).enumerate() {
        let _ = write!(csv, "{v},sweep_{k}");
        for c in &cols {
            let _ = write!(csv, ",{}", m[c]);
        }
        csv.push('\n');
    }
    write_text(&out.join("sweep.csv"), &csv)
}

/// kMC sweeps also get the saturation-curve picture `sweep.svg` (GPC, EPC, step coverage, selectivity
/// vs the swept value) when the values are numbers.
fn write_kmc_svg(out: &Path, key: &str, rows: &[(String, Map<String, Value>)]) -> Result<()> {
    let Some(xs) = rows.iter().map(|(v, _)| v.parse::<f64>().ok()).collect::<Option<Vec<f64>>>() else {
        return Ok(());
    };
    let series: Vec<atomfab_report::Series> = ["gpc_angstrom_per_cycle", "epc_angstrom_per_cycle", "step_coverage", "selectivity"]
        .iter()
        .filter(|c| rows.iter().all(|(_, m)| m.get(**c).is_some_and(Value::is_number)))
        .map(|c| atomfab_report::Series {
            name: c.to_string(),
            points: xs.iter().zip(rows).map(|(&x, (_, m))| (x, m[*c].as_f64().unwrap_or(f64::NAN))).collect(),
        })
        .collect();
    if series.is_empty() {
        return Ok(());
    }
    let plot = atomfab_report::Plot {
        title: format!("Sweep of {key}"),
        x_label: key.to_string(),
        y_label: "Å/cycle (GPC, EPC); fraction (step coverage, selectivity)".into(),
        series,
        ..Default::default()
    };
    write_text(&out.join("sweep.svg"), &plot.to_svg(760, 420))
}

fn write_text(path: &Path, text: &str) -> Result<()> {
    atomfab_core::fsutil::write_atomic(path, |w| std::io::Write::write_all(w, text.as_bytes())).with_context(|| format!("writing {}", path.display()))
}

/// Object fields of a summary flattened to dotted names (arrays stay as they are).
fn flatten(map: &Map<String, Value>) -> Map<String, Value> {
    fn walk(prefix: &str, map: &Map<String, Value>, out: &mut Map<String, Value>) {
        for (k, v) in map {
            let name = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
            match v {
                Value::Object(m) => walk(&name, m, out),
                other => {
                    out.insert(name, other.clone());
                }
            }
        }
    }
    let mut out = Map::new();
    walk("", map, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn process_figures_include_kind_specific_ones() {
        let s = serde_json::json!({
            "seed": 1, "atoms": 10, "kind": "ion_beam", "max_temperature_k": 400.0,
            "sputter": {"yield_atoms_per_ion": 1.25, "ions": 20},
            "surface": {"Sa": 1e-10, "Sq": 2e-10}, "damage": {"damage_depth_nm": 1.0, "amorphous_thickness_nm": 0.5},
            "band_rms": [{"band": "low", "from_per_nm": 0.1, "to_per_nm": 0.5, "rms_nm": 0.01}],
        });
        let labels: Vec<String> = key_figures(&s).into_iter().map(|f| f.label).collect();
        assert_eq!(
            labels,
            [
                "sputter.ions", "sputter.yield_atoms_per_ion", "max temperature (K)", "Sa (nm)", "Sq (nm)",
                "band RMS low 0.1–0.5 1/nm (nm)", "damage depth (nm)", "amorphous thickness (nm)"
            ]
        );
        let f = key_figures(&s);
        assert_eq!(s.pointer(&f[1].pointer).and_then(Value::as_f64), Some(1.25));
        // An unknown kind of run: all its numeric figures.
        let other = serde_json::json!({"seed": 1, "title": "x", "energy_ev": -44.3, "point_group": "Ih", "stats": {"minima": 12}});
        let labels: Vec<String> = key_figures(&other).into_iter().map(|f| f.label).collect();
        assert_eq!(labels, ["energy_ev", "stats.minima"]);
    }

    #[test]
    fn damage_figures_carry_their_lower_bound_mark() {
        let s = serde_json::json!({
            "surface": {"Sq": 2e-10},
            "damage": {"damage_depth_nm": 5.4, "damage_depth_is": "lower bound", "amorphous_thickness_nm": 0.5, "amorphous_thickness_is": "measured"},
        });
        let figs = key_figures(&s);
        let value = |label: &str| figs.iter().find(|f| f.label == label).and_then(|f| f.value_in(&s)).unwrap();
        assert_eq!(value("damage depth (nm)"), atomfab_report::FigureValue { value: 5.4, lower_bound: true });
        assert_eq!(value("amorphous thickness (nm)"), atomfab_report::FigureValue { value: 0.5, lower_bound: false });
        assert_eq!(value("Sq (nm)"), atomfab_report::FigureValue { value: 2e-10 * 1e9, lower_bound: false });
    }

    #[test]
    fn csv_has_numeric_and_boolean_figures() {
        let dir = tempfile::tempdir().unwrap();
        let row = |depth: f64, bottom: bool| {
            let v = serde_json::json!({"title": "t", "damage": {"damage_depth_nm": depth, "damage_reaches_bottom": bottom, "damage_depth_is": "measured"}});
            v.as_object().unwrap().clone()
        };
        write_csv(dir.path(), "process.temperature", &[("300".into(), row(1.5, false)), ("900".into(), row(5.0, true))]).unwrap();
        let csv = std::fs::read_to_string(dir.path().join("sweep.csv")).unwrap();
        assert_eq!(csv, "process.temperature,run_dir,damage.damage_depth_nm,damage.damage_reaches_bottom\n300,sweep_0,1.5,false\n900,sweep_1,5.0,true\n");
    }
}
