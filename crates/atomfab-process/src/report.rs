//! The HTML report of a process run: the common parts (overview, temperature, surface metrology,
//! structure and damage, recipe) around the kind's own entries and sections (`KindReport`).

use crate::analysis::{Series, TemperatureField, LOWER_BOUND};
use crate::evaluate::KindReport;
use crate::ProcessSummary;
use atomfab_core::{Axis, System};
use atomfab_metrology::psd::Psd2d;
use atomfab_metrology::HeightMap;
use atomfab_report::{atoms_png, height_map_png, AtomView, Band, Block, Grade, Plot, Report, Series as PlotSeries};

pub struct Inputs<'a> {
    pub recipe_text: &'a str,
    pub summary: &'a ProcessSummary,
    pub series: &'a Series,
    pub map: &'a HeightMap,
    pub psd: &'a Psd2d,
    pub tfield: &'a TemperatureField,
    pub fin: &'a System,
    /// Structure type id of each atom (workpiece atoms; tool atoms ignored).
    pub type_of: &'a [u8],
    pub names: &'a [&'static str],
    pub workpiece_species: u32,
    pub wall_seconds: f64,
    pub atom_steps_per_second: f64,
    pub citation: &'a str,
}

/// OVITO's colours of structure types (diamond identification and CNA share the first slot "Other").
fn type_colour(names: &[&str], t: u8) -> [u8; 3] {
    match names.get(t as usize).copied().unwrap_or("Other") {
        "Cubic diamond" => [19, 160, 254],
        "Cubic diamond (1st neighbor)" => [0, 110, 220],
        "Cubic diamond (2nd neighbor)" => [0, 74, 160],
        "Hexagonal diamond" => [255, 133, 0],
        "Hexagonal diamond (1st neighbor)" => [204, 102, 0],
        "Hexagonal diamond (2nd neighbor)" => [153, 76, 0],
        "FCC" => [102, 255, 102],
        "HCP" => [255, 102, 102],
        "BCC" => [102, 102, 255],
        "ICO" => [243, 204, 51],
        _ => [235, 235, 235],
    }
}

fn nm(v: f64) -> String {
    format!("{:.4} nm", v * 1e9)
}

/// A damage figure (nm) as measured, or as the lower bound it is when the damage reaches the bottom.
pub fn depth(v_nm: f64, is: &str) -> String {
    if is == LOWER_BOUND {
        format!("≥ {v_nm:.3} nm (lower bound)")
    } else {
        format!("{v_nm:.3} nm")
    }
}

/// What the report says when the damage runs into the bottom layers of the workpiece.
const BOTTOM_NOTE: &str = "the damage reaches the fixed + thermostat layers at the bottom of the workpiece, so the \
simulated slab cuts it off: the depth is a lower bound, so an upper limit on it cannot pass; use a thicker workpiece";

pub fn build(x: &Inputs, kind: KindReport) -> Report {
    let s = x.summary;
    let mut r = Report::new(
        &format!("atomfab — {:?} of {:?}", s.kind, s.material),
        &format!("{} atoms, {}, {} steps ({:.1} ps simulated), seed {}; {}", s.atoms, kind.subtitle, s.steps, s.simulated_time_ps, s.seed, x.citation),
    );
    let grades: Vec<Grade> = s
        .grades
        .iter()
        .map(|g| Grade {
            criterion: g.criterion.clone(),
            measured: if g.lower_bound { format!("≥ {:.4} {} (lower bound)", g.value, g.unit) } else { format!("{:.4} {}", g.value, g.unit) },
            pass: g.pass,
        })
        .collect();
    let mut entries: Vec<(String, String)> =
        vec![("verdict".into(), if s.grades.is_empty() { "no spec given".into() } else if s.pass { "PASS".into() } else { "FAIL".into() })];
    if s.damage.damage_reaches_bottom {
        entries.push(("damage reaches the bottom".into(), BOTTOM_NOTE.into()));
    }
    entries.extend(kind.overview);
    entries.extend([
        ("Sa / Sq of machined surface".into(), format!("{} / {}", nm(s.surface.height.Sa), nm(s.surface.height.Sq))),
        ("subsurface damage depth".into(), depth(s.damage.damage_depth_nm, &s.damage.damage_depth_is)),
        ("amorphous layer".into(), depth(s.damage.amorphous_thickness_nm, &s.damage.amorphous_thickness_is)),
        (format!("peak temperature ({} Å bins)", x.tfield.bin_angstrom), format!("{:.0} K", s.max_temperature_k)),
        ("MD speed".into(), format!("{:.3e} atom-steps/s, {:.1} s wall", x.atom_steps_per_second, x.wall_seconds)),
    ]);
    let mut overview = vec![Block::KeyValues(entries)];
    if !grades.is_empty() {
        overview.push(Block::Grades(grades));
    }
    r.section("Overview", overview);

    for (heading, blocks) in kind.sections {
        r.section(&heading, blocks);
    }

    let tf = x.tfield;
    r.section(
        "Temperature",
        vec![
            Block::Plot(Plot {
                title: "Temperature of all atoms".into(),
                x_label: "time (ps)".into(),
                y_label: "T (K)".into(),
                series: vec![PlotSeries {
                    name: "T".into(),
                    points: x.series.time_ps.iter().copied().zip(x.series.temperature_k.iter().copied()).collect(),
                }],
                ..Default::default()
            }),
            Block::Png {
                caption: format!(
                    "Temperature field of the workpiece at the end (x–z plane, {} Å bins, dark = 0 K, yellow = {:.0} K, grey = empty)",
                    tf.bin_angstrom, tf.max_kelvin
                ),
                data: height_map_png(tf.nx, tf.nz, &tf.kelvin),
            },
        ],
    );

    let map = x.map;
    let p = &s.surface;
    let radial = x.psd.radial();
    let per_nm: Vec<(f64, f64)> = radial.f.iter().zip(&radial.psd).skip(1).map(|(f, v)| (f * 1e-9, v * 1e36)).collect();
    let mut surface = vec![
        Block::Png {
            caption: format!(
                "Machined surface {} × {} px, pixel {:.3} nm, plane-levelled; height range {} (file {})",
                map.nx,
                map.ny,
                map.dx * 1e9,
                nm(p.height.Sz),
                s.surface_map.file
            ),
            data: height_map_png(map.nx, map.ny, &map.z),
        },
        Block::Table {
            header: vec!["ISO 25178-2".into(), "value".into()],
            rows: vec![
                vec!["Sa".into(), nm(p.height.Sa)],
                vec!["Sq".into(), nm(p.height.Sq)],
                vec!["Ssk".into(), format!("{:.4}", p.height.Ssk)],
                vec!["Sku".into(), format!("{:.4}", p.height.Sku)],
                vec!["Sp".into(), nm(p.height.Sp)],
                vec!["Sv".into(), nm(p.height.Sv)],
                vec!["Sz".into(), nm(p.height.Sz)],
                vec!["Sdq".into(), format!("{:.4}", p.Sdq)],
                vec!["Sdr".into(), format!("{:.4} %", p.Sdr)],
                vec!["Sal".into(), nm(p.Sal)],
                vec!["Str".into(), format!("{:.4}", p.Str)],
                vec!["Sk / Spk / Svk".into(), format!("{} / {} / {}", nm(p.Sk), nm(p.Spk), nm(p.Svk))],
            ],
        },
        Block::Plot(Plot {
            title: "Radially averaged PSD".into(),
            x_label: "spatial frequency (1/nm)".into(),
            y_label: "PSD (nm⁴)".into(),
            series: vec![PlotSeries { name: "radial PSD (Hann)".into(), points: per_nm }],
            log_x: true,
            log_y: true,
            bands: s.band_rms.iter().map(|b| Band { from: b.from_per_nm, to: b.to_per_nm, label: b.band.clone() }).collect(),
        }),
        Block::Table {
            header: vec!["band".into(), "spatial frequency (1/nm)".into(), "RMS (nm)".into()],
            rows: s.band_rms.iter().map(|b| vec![b.band.clone(), format!("{} – {}", b.from_per_nm, b.to_per_nm), format!("{:.4}", b.rms_nm)]).collect(),
        },
    ];
    if let Some(t) = &s.terraces {
        surface.push(Block::KeyValues(vec![
            ("exposed atomic levels".into(), t.levels.len().to_string()),
            ("step height (fitted)".into(), format!("{:.3} Å (lattice {:.3} Å)", t.fitted_step_height * 1e10, t.step_height * 1e10)),
            ("missing layers below the main terrace".into(), t.missing_layers.to_string()),
            ("layers above the main terrace".into(), t.extra_layers.to_string()),
            ("incomplete layers".into(), t.incomplete_layers.to_string()),
        ]));
    }
    r.section("Machined surface", surface);

    let d = &s.damage;
    let colours: Vec<[u8; 3]> = (0..x.fin.len())
        .map(|i| if x.fin.species_index[i] == x.workpiece_species { type_colour(x.names, x.type_of[i]) } else { [70, 70, 70] })
        .collect();
    let view = AtomView { axis: Axis::Y, up: Axis::Z, pixels_per_angstrom: 8.0, max_pixels: 1400 };
    let legend = x.names.iter().map(|n| n.to_string()).collect::<Vec<_>>().join(", ");
    r.section(
        "Structure and subsurface damage",
        vec![
            Block::Png {
                caption: format!("Final atoms seen along y, coloured by structure type ({}); tool dark grey. Types: {legend}", d.method),
                data: atoms_png(&x.fin.positions, &colours, 1.1, view),
            },
            Block::Plot(Plot {
                title: "Non-crystalline fraction below the machined surface".into(),
                x_label: "depth below local surface (Å)".into(),
                y_label: "non-crystalline fraction".into(),
                series: vec![PlotSeries { name: "machined region".into(), points: d.profile.clone() }],
                ..Default::default()
            }),
            Block::KeyValues(
                [
                    ("damage depth".to_string(), depth(d.damage_depth_nm, &d.damage_depth_is)),
                    ("amorphous thickness".to_string(), depth(d.amorphous_thickness_nm, &d.amorphous_thickness_is)),
                    (
                        "non-crystalline fraction just above the fixed + thermostat layers".to_string(),
                        if d.bottom_layer_non_crystalline_fraction.is_nan() { "not known".into() } else { format!("{:.2}", d.bottom_layer_non_crystalline_fraction) },
                    ),
                ]
                .into_iter()
                .chain(d.damage_reaches_bottom.then(|| ("damage reaches the bottom".to_string(), BOTTOM_NOTE.to_string())))
                .collect(),
            ),
            Block::Table {
                header: vec!["structure type (machined region)".into(), "atoms".into()],
                rows: d.counts.iter().map(|(n, c)| vec![n.clone(), c.to_string()]).collect(),
            },
        ],
    );
    r.section("Recipe", vec![Block::Code(x.recipe_text.to_string())]);
    r
}
