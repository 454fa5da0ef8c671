//! HTML rendering: one file, inline CSS, inline SVG plots and PNG data URIs; no scripts, no network.

use crate::{Block, Cell, Report};
use base64::Engine;
use std::fmt::Write;
use std::path::Path;

/// Escapes text for HTML content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:0;color:#222;background:#f6f7f9}\
header{background:#1f3b57;color:#fff;padding:18px 32px}header h1{margin:0;font-size:26px}\
header p{margin:4px 0 0;opacity:.85}nav{padding:8px 32px;background:#e8ecf1;font-size:14px}\
nav a{margin-right:14px;color:#1f3b57}main{padding:8px 32px 40px;max-width:1200px}\
section{background:#fff;border-radius:6px;padding:12px 20px;margin:16px 0;box-shadow:0 1px 3px rgba(0,0,0,.08)}\
h2{font-size:20px;border-bottom:1px solid #dde;padding-bottom:6px}table{border-collapse:collapse;margin:8px 0}\
td,th{border:1px solid #ccd;padding:4px 10px;text-align:right;font-variant-numeric:tabular-nums}\
th{background:#eef1f5}td:first-child,th:first-child{text-align:left}.pass{background:#d9f2dd;color:#14532d;font-weight:600}\
.fail{background:#fbdada;color:#7f1d1d;font-weight:600}figure{margin:10px 0}figcaption{font-size:13px;color:#555}\
img{max-width:100%;image-rendering:auto}pre{background:#f3f4f6;padding:10px;overflow:auto;font-size:13px}\
.plot svg{max-width:100%;height:auto}.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(360px,1fr));gap:12px}\
.grid svg{width:100%;height:auto}";

/// Renders the report as a complete HTML document.
pub fn render_html(report: &Report) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title><style>{STYLE}</style></head><body>\n",
        escape(&report.title)
    );
    let _ = write!(h, "<header><h1>{}</h1><p>{}</p></header>\n<nav>", escape(&report.title), escape(&report.subtitle));
    for (k, s) in report.sections.iter().enumerate() {
        let _ = write!(h, "<a href=\"#s{k}\">{}</a>", escape(&s.heading));
    }
    h.push_str("</nav>\n<main>\n");
    for (k, s) in report.sections.iter().enumerate() {
        let _ = write!(h, "<section id=\"s{k}\"><h2>{}</h2>\n", escape(&s.heading));
        for b in &s.blocks {
            render_block(&mut h, b);
        }
        h.push_str("</section>\n");
    }
    h.push_str("</main></body></html>\n");
    h
}

fn render_block(h: &mut String, block: &Block) {
    match block {
        Block::Text(t) => {
            let _ = writeln!(h, "<p>{}</p>", escape(t));
        }
        Block::KeyValues(rows) => {
            h.push_str("<table>");
            for (k, v) in rows {
                let _ = write!(h, "<tr><th>{}</th><td>{}</td></tr>", escape(k), escape(v));
            }
            h.push_str("</table>\n");
        }
        Block::Table { header, rows } => {
            h.push_str("<table><tr>");
            for c in header {
                let _ = write!(h, "<th>{}</th>", escape(c));
            }
            h.push_str("</tr>");
            for r in rows {
                h.push_str("<tr>");
                for c in r {
                    let _ = write!(h, "<td>{}</td>", escape(c));
                }
                h.push_str("</tr>");
            }
            h.push_str("</table>\n");
        }
        Block::Grades(grades) => {
            h.push_str("<table><tr><th>criterion</th><th>measured</th><th>grade</th></tr>");
            for g in grades {
                let (class, word) = if g.pass { ("pass", "PASS") } else { ("fail", "FAIL") };
                let _ = write!(
                    h,
                    "<tr><td>{}</td><td>{}</td><td class=\"{class}\">{word}</td></tr>",
                    escape(&g.criterion),
                    escape(&g.measured)
                );
            }
            h.push_str("</table>\n");
        }
        Block::Plot(p) => {
            let svg = p.to_svg(760, 420);
            let _ = writeln!(h, "<figure class=\"plot\">{svg}</figure>");
        }
        Block::Png { caption, data } => {
            let b64 = base64::engine::general_purpose::STANDARD.encode(data);
            let _ = writeln!(
                h,
                "<figure><img alt=\"{0}\" src=\"data:image/png;base64,{b64}\"><figcaption>{0}</figcaption></figure>",
                escape(caption)
            );
        }
        Block::Code(t) => {
            let _ = writeln!(h, "<pre>{}</pre>", escape(t));
        }
        Block::RichTable { header, rows } => {
            h.push_str("<table><tr>");
            for c in header {
                let _ = write!(h, "<th>{}</th>", escape(c));
            }
            h.push_str("</tr>");
            for r in rows {
                h.push_str("<tr>");
                for c in r {
                    match c {
                        Cell::Text(t) => {
                            let _ = write!(h, "<td>{}</td>", escape(t));
                        }
                        Cell::Link { text, href } => {
                            let _ = write!(h, "<td><a href=\"{}\">{}</a></td>", escape(href), escape(text));
                        }
                        Cell::Grade(pass) => {
                            let (class, word) = if *pass { ("pass", "PASS") } else { ("fail", "FAIL") };
                            let _ = write!(h, "<td class=\"{class}\">{word}</td>");
                        }
                    }
                }
                h.push_str("</tr>");
            }
            h.push_str("</table>\n");
        }
        Block::PlotGrid(plots) => {
            h.push_str("<div class=\"grid\">");
            for p in plots {
                let _ = write!(h, "<figure class=\"plot\">{}</figure>", p.to_svg(480, 300));
            }
            h.push_str("</div>\n");
        }
    }
}

/// Writes the report atomically (temporary file, then rename).
pub fn write_html(path: &Path, report: &Report) -> std::io::Result<()> {
    let html = render_html(report);
    atomfab_core::fsutil::write_atomic(path, |w| std::io::Write::write_all(w, html.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Grade, Plot, Series};

    #[test]
    fn page_is_self_contained_and_escaped() {
        let mut r = Report::new("Si <001> cut", "seed 1");
        r.section(
            "Quality",
            vec![
                Block::Grades(vec![
                    Grade { criterion: "Sq ≤ 0.5 nm".into(), measured: "0.31 nm".into(), pass: true },
                    Grade { criterion: "damage ≤ 1 nm".into(), measured: "1.4 nm".into(), pass: false },
                ]),
                Block::Plot(Plot { title: "F".into(), series: vec![Series { name: "Fx".into(), points: vec![(0.0, 1.0), (1.0, 2.0)] }], ..Default::default() }),
                Block::Png { caption: "map".into(), data: crate::raster::height_map_png(2, 1, &[0.0, 1.0]) },
                Block::Code("a = \"<b>\"".into()),
            ],
        );
        let html = render_html(&r);
        assert!(html.contains("Si &lt;001&gt; cut"));
        assert!(html.contains("class=\"pass\">PASS") && html.contains("class=\"fail\">FAIL"));
        assert!(html.contains("<svg") && html.contains("data:image/png;base64,iVBORw0KGgo"));
        assert!(html.contains("a = &quot;&lt;b&gt;&quot;"));
        for external in ["<script", "http://", "https://", "src=\"/"] {
            let outside_svg_ns = html.replace("http://www.w3.org/2000/svg", "");
            assert!(!outside_svg_ns.contains(external), "{external}");
        }
    }
}
