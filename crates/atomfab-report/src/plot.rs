//! Line plots rendered to SVG with plotters (no font files needed: text stays `<text>` in the SVG).

use plotters::prelude::*;

#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: String,
    pub points: Vec<(f64, f64)>,
}

/// A shaded x-interval with a label (e.g. a PSD spatial-frequency band).
#[derive(Debug, Clone, PartialEq)]
pub struct Band {
    pub from: f64,
    pub to: f64,
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Plot {
    pub title: String,
    /// Axis labels with units, e.g. "tool travel (Å)".
    pub x_label: String,
    pub y_label: String,
    pub series: Vec<Series>,
    pub log_x: bool,
    pub log_y: bool,
    pub bands: Vec<Band>,
}

const PALETTE: [RGBColor; 8] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(255, 127, 14),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
];

impl Plot {
    /// Finite points of every series that a log axis can show.
    fn usable(&self) -> Vec<Vec<(f64, f64)>> {
        self.series
            .iter()
            .map(|s| {
                s.points
                    .iter()
                    .copied()
                    .filter(|&(x, y)| {
                        x.is_finite() && y.is_finite() && (!self.log_x || x > 0.0) && (!self.log_y || y > 0.0)
                    })
                    .collect()
            })
            .collect()
    }

    /// Renders the plot as an SVG document of the given pixel size.
    pub fn to_svg(&self, width: u32, height: u32) -> String {
        let data = self.usable();
        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
            let _ = root.fill(&WHITE);
            if data.iter().all(|s| s.is_empty()) {
                let _ = root.draw(&Text::new(
                    format!("{}: no data", self.title),
                    (20, (height / 2) as i32),
                    ("sans-serif", 16).into_font(),
                ));
                let _ = root.present();
                drop(root);
                return svg;
            }
            let (mut x0, mut x1, mut y0, mut y1) = (f64::INFINITY, f64::NEG_INFINITY, f64::INFINITY, f64::NEG_INFINITY);
            for &(x, y) in data.iter().flatten() {
                x0 = x0.min(x);
                x1 = x1.max(x);
                y0 = y0.min(y);
                y1 = y1.max(y);
            }
            let pad = |lo: f64, hi: f64, log: bool| -> (f64, f64) {
                if log {
                    let (a, b) = if hi > lo { (lo, hi) } else { (lo / 2.0, hi * 2.0) };
                    (a / 1.2, b * 1.2)
                } else {
                    let span = if hi > lo { hi - lo } else { lo.abs().max(1.0) };
                    (lo - 0.05 * span, hi + 0.05 * span)
                }
            };
            let (x0, x1) = pad(x0, x1, self.log_x);
            let (y0, mut y1) = pad(y0, y1, self.log_y);
            // Headroom for the legend (about one text line per series), so it covers no data.
            let legend = self.series.len() > 1 || self.series.iter().any(|s| !s.name.is_empty());
            if legend {
                let share = (0.06 * self.series.len() as f64 + 0.04).min(0.4);
                y1 = if self.log_y { y1 * (y1 / y0).powf(share / (1.0 - share)) } else { y1 + (y1 - y0) * share / (1.0 - share) };
            }
            // plotters needs a concrete coordinate type per axis combination.
            macro_rules! draw {
                ($xr:expr, $yr:expr) => {{
                    let mut chart = ChartBuilder::on(&root)
                        .caption(&self.title, ("sans-serif", 18))
                        .margin(12)
                        .x_label_area_size(42)
                        .y_label_area_size(64)
                        .build_cartesian_2d($xr, $yr)
                        .expect("finite, non-empty ranges");
                    // Log axes get short labels (plotters would print 9.999999999999999e-6 for 1e-5).
                    let short = |v: &f64| short_number(*v);
                    let mut mesh = chart.configure_mesh();
                    mesh.x_desc(&self.x_label).y_desc(&self.y_label).light_line_style(WHITE.mix(0.0));
                    if self.log_x {
                        mesh.x_label_formatter(&short);
                    }
                    if self.log_y {
                        mesh.y_label_formatter(&short);
                    }
                    let _ = mesh.draw();
                    for band in &self.bands {
                        let (a, b) = (band.from.max(x0), band.to.min(x1));
                        if b > a {
                            let _ = chart.draw_series(std::iter::once(Rectangle::new(
                                [(a, y0), (b, y1)],
                                RGBColor(255, 200, 0).mix(0.15).filled(),
                            )));
                            let _ = chart.draw_series(std::iter::once(Text::new(
                                band.label.clone(),
                                (a, y1),
                                ("sans-serif", 12).into_font(),
                            )));
                        }
                    }
                    for (k, (s, pts)) in self.series.iter().zip(&data).enumerate() {
                        let color = PALETTE[k % PALETTE.len()];
                        // Sparse series (e.g. a sweep of a few runs) get a marker on every point.
                        if pts.len() <= 20 {
                            let _ = chart.draw_series(pts.iter().map(|&p| Circle::new(p, 4, color.filled())));
                        }
                        if let Ok(drawn) = chart.draw_series(LineSeries::new(pts.iter().copied(), color.stroke_width(2))) {
                            drawn.label(s.name.clone()).legend(move |(x, y)| {
                                PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2))
                            });
                        }
                    }
                    if legend {
                        let _ = chart
                            .configure_series_labels()
                            .background_style(WHITE.mix(0.85))
                            .border_style(BLACK)
                            .position(legend_corner(&data, (x0, x1), (y0, y1), self.log_x, self.log_y))
                            .draw();
                    }
                }};
            }
            match (self.log_x, self.log_y) {
                (false, false) => draw!(x0..x1, y0..y1),
                (true, false) => draw!((x0..x1).log_scale(), y0..y1),
                (false, true) => draw!(x0..x1, (y0..y1).log_scale()),
                (true, true) => draw!((x0..x1).log_scale(), (y0..y1).log_scale()),
            }
            let _ = root.present();
        }
        svg
    }
}

/// A tick label with 3 significant digits at most, trailing zeros dropped ("0.02", "1e-6", "2.5e5").
fn short_number(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    let mag = v.abs().log10().floor();
    if (-3.0..=4.0).contains(&mag) {
        let decimals = (2.0 - mag).max(0.0) as usize;
        let s = format!("{v:.decimals$}");
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        }
    } else {
        let s = format!("{v:.2e}");
        let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
        let m = if m.contains('.') { m.trim_end_matches('0').trim_end_matches('.') } else { m };
        format!("{m}e{e}")
    }
}

/// The upper corner (in the headroom kept for the legend) with fewer data points near it.
fn legend_corner(data: &[Vec<(f64, f64)>], xr: (f64, f64), yr: (f64, f64), log_x: bool, log_y: bool) -> SeriesLabelPosition {
    let frac = |v: f64, (a, b): (f64, f64), log: bool| if log { (v.ln() - a.ln()) / (b.ln() - a.ln()) } else { (v - a) / (b - a) };
    let (mut right, mut left) = (0usize, 0usize);
    for &(x, y) in data.iter().flatten() {
        let (fx, fy) = (frac(x, xr, log_x), frac(y, yr, log_y));
        if fy > 0.6 {
            right += (fx > 0.6) as usize;
            left += (fx < 0.4) as usize;
        }
    }
    if left < right {
        SeriesLabelPosition::UpperLeft
    } else {
        SeriesLabelPosition::UpperRight
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_series_labels_and_bands() {
        let plot = Plot {
            title: "PSD".into(),
            x_label: "f (1/nm)".into(),
            y_label: "PSD (nm⁴)".into(),
            series: vec![Series { name: "radial".into(), points: (1..50).map(|k| (k as f64, 1.0 / (k * k) as f64)).collect() }],
            log_x: true,
            log_y: true,
            bands: vec![Band { from: 2.0, to: 10.0, label: "mid".into() }],
        };
        let svg = plot.to_svg(600, 400);
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("radial") && svg.contains("f (1/nm)") && svg.contains("mid"));
        assert!(svg.contains("<polyline"));
    }

    #[test]
    fn short_tick_labels() {
        assert_eq!(short_number(9.999999999999999e-6), "1e-5");
        assert_eq!(short_number(0.02), "0.02");
        assert_eq!(short_number(2.0), "2");
        assert_eq!(short_number(1234.6), "1235");
        assert_eq!(short_number(2.5e5), "2.5e5");
    }

    #[test]
    fn empty_or_non_finite_data_still_renders() {
        let plot = Plot {
            title: "F".into(),
            series: vec![Series { name: "a".into(), points: vec![(f64::NAN, 1.0), (0.0, f64::INFINITY)] }],
            ..Default::default()
        };
        assert!(plot.to_svg(300, 200).contains("no data"));
        let flat = Plot { series: vec![Series { name: "c".into(), points: vec![(1.0, 2.0), (1.0, 2.0)] }], ..Default::default() };
        assert!(flat.to_svg(300, 200).contains("<svg"));
    }
}
