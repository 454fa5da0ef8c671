//! The comparison page of a parameter sweep: one column per variant, one row per key figure, plots of
//! each figure against the swept value, links to each variant's own report.

use crate::{Block, Cell, Plot, Report, Series};

/// One compared quantity; `label` names it with its unit, e.g. "mean cutting force (nN)".
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    pub label: String,
}

/// One run of the sweep.
#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    /// The swept parameter's value as given (e.g. "300").
    pub value: String,
    /// Relative link to the variant's own report (or summary) from the comparison page.
    pub link: Option<String>,
    /// One entry per `Comparison::figures`; `None` where the run has no such figure.
    pub values: Vec<Option<FigureValue>>,
    /// Overall grade against the recipe's spec, if it has one.
    pub pass: Option<bool>,
}

/// A figure of one variant; `lower_bound` when the run only bounds it from below (e.g. damage reaching the
/// bottom of the workpiece), shown as "≥ value".
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FigureValue {
    pub value: f64,
    pub lower_bound: bool,
}

impl From<f64> for FigureValue {
    fn from(value: f64) -> Self {
        FigureValue { value, lower_bound: false }
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Comparison {
    pub title: String,
    pub subtitle: String,
    /// The swept recipe key, e.g. "process.temperature".
    pub parameter: String,
    /// The recipe text every variant started from.
    pub recipe: String,
    pub figures: Vec<Figure>,
    pub variants: Vec<Variant>,
    /// Extra lines shown under the table (what was run, where the files are).
    pub notes: Vec<String>,
}

/// A number with 6 significant digits (integers exactly), as shown in comparison tables.
pub fn format_value(v: f64) -> String {
    if !v.is_finite() {
        return format!("{v}");
    }
    if v == v.trunc() && v.abs() < 1e15 {
        return format!("{v:.0}");
    }
    let mag = v.abs().log10().floor();
    if (-3.0..7.0).contains(&mag) {
        let decimals = (5.0 - mag).max(0.0) as usize;
        format!("{v:.decimals$}")
    } else {
        format!("{v:.5e}")
    }
}

/// Builds the comparison report: sweep overview, the table, plots vs the swept value, the recipe.
pub fn comparison_report(c: &Comparison) -> Report {
    let mut r = Report::new(&c.title, &c.subtitle);
    let values: Vec<&str> = c.variants.iter().map(|v| v.value.as_str()).collect();
    let mut overview = vec![
        ("swept parameter".to_string(), c.parameter.clone()),
        ("values".to_string(), values.join(", ")),
        ("variants".to_string(), c.variants.len().to_string()),
    ];
    let graded: Vec<bool> = c.variants.iter().filter_map(|v| v.pass).collect();
    if !graded.is_empty() {
        overview.push(("variants passing the spec".to_string(), format!("{} of {}", graded.iter().filter(|p| **p).count(), graded.len())));
    }
    let mut blocks = vec![Block::KeyValues(overview)];
    blocks.extend(c.notes.iter().map(|n| Block::Text(n.clone())));
    if c.variants.iter().flat_map(|v| &v.values).flatten().any(|x| x.lower_bound) {
        blocks.push(Block::Text("≥ marks a lower bound: that run could only bound the figure from below (its own report says why, e.g. damage reaching the bottom of the workpiece).".into()));
    }
    r.section("Sweep", blocks);

    let mut header = vec![format!("figure \\ {}", c.parameter)];
    header.extend(c.variants.iter().map(|v| v.value.clone()));
    let mut rows: Vec<Vec<Cell>> = c
        .figures
        .iter()
        .enumerate()
        .map(|(k, f)| {
            let mut row = vec![Cell::Text(f.label.clone())];
            row.extend(c.variants.iter().map(|v| match v.values.get(k).copied().flatten() {
                Some(FigureValue { value, lower_bound: true }) => Cell::Text(format!("≥ {}", format_value(value))),
                Some(FigureValue { value, .. }) => Cell::Text(format_value(value)),
                None => Cell::Text("—".into()),
            }));
            row
        })
        .collect();
    if !graded.is_empty() {
        let mut row = vec![Cell::Text("grade (all criteria)".into())];
        row.extend(c.variants.iter().map(|v| v.pass.map_or(Cell::Text("—".into()), Cell::Grade)));
        rows.push(row);
    }
    if c.variants.iter().any(|v| v.link.is_some()) {
        let mut row = vec![Cell::Text("run".into())];
        row.extend(c.variants.iter().map(|v| match &v.link {
            Some(href) => Cell::Link { text: href.clone(), href: href.clone() },
            None => Cell::Text("—".into()),
        }));
        rows.push(row);
    }
    r.section("Comparison", vec![Block::RichTable { header, rows }]);

    // Plots need a numeric parameter; text values (e.g. materials) are compared in the table only.
    let xs: Option<Vec<f64>> = c.variants.iter().map(|v| v.value.trim().parse::<f64>().ok()).collect();
    let plots_block = match xs {
        Some(xs) => {
            let plots: Vec<Plot> = c
                .figures
                .iter()
                .enumerate()
                .filter_map(|(k, f)| {
                    let points: Vec<(f64, f64)> = xs
                        .iter()
                        .zip(&c.variants)
                        .filter_map(|(&x, v)| v.values.get(k).copied().flatten().map(|y| y.value).filter(|y| y.is_finite()).map(|y| (x, y)))
                        .collect();
                    (!points.is_empty()).then(|| Plot {
                        title: f.label.clone(),
                        x_label: c.parameter.clone(),
                        series: vec![Series { name: String::new(), points }],
                        ..Default::default()
                    })
                })
                .collect();
            Block::PlotGrid(plots)
        }
        None => Block::Text(format!("{} takes non-numeric values, so the figures are compared in the table only.", c.parameter)),
    };
    r.section("Figures vs the swept parameter", vec![plots_block]);
    r.section("Recipe", vec![Block::Code(c.recipe.clone())]);
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_six_significant_digits() {
        assert_eq!(format_value(12.0), "12");
        assert_eq!(format_value(1.234567891), "1.23457");
        assert_eq!(format_value(-0.01234567891), "-0.0123457");
        assert_eq!(format_value(123456.789), "123457");
        assert_eq!(format_value(1.5e-9), "1.50000e-9");
    }

    #[test]
    fn table_plots_links_and_grades() {
        let c = Comparison {
            title: "Sweep".into(),
            parameter: "process.temperature".into(),
            recipe: "[process]".into(),
            figures: vec![Figure { label: "force (nN)".into() }, Figure { label: "Sq (nm)".into() }],
            variants: vec![
                Variant { value: "300".into(), link: Some("sweep_0/report.html".into()), values: vec![Some(10.5.into()), None], pass: Some(true) },
                Variant { value: "600".into(), link: Some("sweep_1/report.html".into()), values: vec![Some(8.25.into()), Some(0.3.into())], pass: Some(false) },
            ],
            ..Default::default()
        };
        let html = crate::render_html(&comparison_report(&c));
        assert!(html.contains("<th>figure \\ process.temperature</th><th>300</th><th>600</th>"), "{html}");
        assert!(html.contains("<td>force (nN)</td><td>10.5000</td><td>8.25000</td>"));
        assert!(html.contains("<td>Sq (nm)</td><td>—</td><td>0.300000</td>"));
        assert!(!html.contains("lower bound"), "no lower bounds, no note");
        assert!(html.contains("href=\"sweep_1/report.html\""));
        assert!(html.contains("class=\"pass\">PASS") && html.contains("class=\"fail\">FAIL"));
        assert_eq!(html.matches("<svg").count(), 2, "one plot per figure");
        let text = Comparison { variants: vec![Variant { value: "Si".into(), link: None, values: vec![Some(1.0.into())], pass: None }], figures: vec![Figure { label: "x".into() }], ..c };
        assert!(crate::render_html(&comparison_report(&text)).contains("non-numeric"));
    }

    #[test]
    fn lower_bounds_show_as_such() {
        let bound = |value| Some(FigureValue { value, lower_bound: true });
        let c = Comparison {
            parameter: "process.ion.energy_ev".into(),
            figures: vec![Figure { label: "damage depth (nm)".into() }],
            variants: vec![
                Variant { value: "500".into(), link: None, values: vec![Some(2.5.into())], pass: None },
                Variant { value: "1000".into(), link: None, values: vec![bound(5.4)], pass: None },
            ],
            ..Default::default()
        };
        let html = crate::render_html(&comparison_report(&c));
        assert!(html.contains("<td>damage depth (nm)</td><td>2.50000</td><td>≥ 5.40000</td>"), "{html}");
        assert!(html.contains("≥ marks a lower bound"));
        assert_eq!(html.matches("<svg").count(), 1, "the bound is still plotted at its value");
    }
}
