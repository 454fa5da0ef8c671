//! ASCII matrix: one grid row per line. Header lines start with `#`:
//! atomfab's own `# dx=1e-9 dy=1e-9 unit=m [zunit=nm]` (pixel sizes in `unit`, heights in `zunit`, default
//! `unit`), or Gwyddion's "ASCII data matrix" export header (`# Width: 5.000 µm`, `# Height: …`,
//! `# Value units: m`), where Width/Height are the full scan size nx·dx, ny·dy.
//! Separators: tabs/spaces, or commas, or semicolons — one kind per file; mixing them is an error.

use super::{parse_value, read_text, write_atomic};
use crate::error::{MetrologyError, Result};
use crate::heightmap::{check_dims, check_step, unit_to_metres, HeightMap, MAX_POINTS};
use std::path::Path;

#[derive(Clone, Copy, PartialEq, Debug)]
enum Sep {
    Space,
    Comma,
    Semicolon,
}

impl Sep {
    fn name(self) -> &'static str {
        match self {
            Sep::Space => "whitespace",
            Sep::Comma => "comma",
            Sep::Semicolon => "semicolon",
        }
    }
}

pub fn read_ascii(path: &Path) -> Result<HeightMap> {
    let text = read_text(path)?;
    parse_ascii(&text, path)
}

/// Parses ASCII matrix text; `path` only labels errors.
pub fn parse_ascii(text: &str, path: &Path) -> Result<HeightMap> {
    let err = |line: usize, msg: String| MetrologyError::parse(path, line, msg);
    let mut dx: Option<f64> = None;
    let mut dy: Option<f64> = None;
    let mut width: Option<f64> = None;
    let mut height: Option<f64> = None;
    let mut unit = 1.0; // metres per lateral unit
    let mut zunit: Option<f64> = None;
    let mut sep: Option<(Sep, usize)> = None;
    let mut nx: Option<usize> = None;
    let mut z: Vec<f64> = Vec::new();
    let mut ny = 0usize;

    for (k, raw) in text.lines().enumerate() {
        let lineno = k + 1;
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        if let Some(h) = line.strip_prefix('#') {
            let h = h.trim();
            // Gwyddion export header.
            if let Some(v) = h.strip_prefix("Width:") {
                width = Some(parse_length(v).map_err(|m| err(lineno, m))?);
            } else if let Some(v) = h.strip_prefix("Height:") {
                height = Some(parse_length(v).map_err(|m| err(lineno, m))?);
            } else if let Some(v) = h.strip_prefix("Value units:") {
                let u = v.trim();
                zunit = Some(unit_to_metres(u).ok_or_else(|| {
                    err(lineno, format!("expected a length unit (m, nm, µm, Å …) for heights, found `{u}`"))
                })?);
            } else {
                for tok in h.split_whitespace() {
                    let Some((key, val)) = tok.split_once('=') else { continue };
                    match key {
                        "dx" | "dy" => {
                            let v: f64 = val.parse().map_err(|_| {
                                err(lineno, format!("expected a number after `{key}=`, found `{val}`"))
                            })?;
                            if key == "dx" { dx = Some(v) } else { dy = Some(v) }
                        }
                        "unit" | "zunit" => {
                            let u = unit_to_metres(val).ok_or_else(|| {
                                err(lineno, format!("expected a length unit (m, mm, um, nm, A, pm) after `{key}=`, found `{val}`"))
                            })?;
                            if key == "unit" { unit = u } else { zunit = Some(u) }
                        }
                        _ => {}
                    }
                }
            }
            continue;
        }
        // Data row.
        let has_comma = line.contains(',');
        let has_semi = line.contains(';');
        let has_ws = line.contains(|c: char| c == ' ' || c == '\t');
        let this = match (has_comma, has_semi) {
            (true, true) => {
                return Err(err(lineno, "expected one kind of separator, found both `,` and `;`".into()))
            }
            (true, false) => Sep::Comma,
            (false, true) => Sep::Semicolon,
            (false, false) => Sep::Space,
        };
        if this != Sep::Space && has_ws && line.split(|c| c == ',' || c == ';').any(|t| t.trim().contains(char::is_whitespace)) {
            return Err(err(lineno, format!("expected {} separators only, found whitespace between values too", this.name())));
        }
        match sep {
            None => sep = Some((this, lineno)),
            Some((s, first)) if s != this && !(this == Sep::Space && nx == Some(1)) => {
                return Err(err(
                    lineno,
                    format!("expected {} separators as on line {first}, found {}", s.name(), this.name()),
                ))
            }
            _ => {}
        }
        let before = z.len();
        let toks: Box<dyn Iterator<Item = &str>> = match sep.unwrap().0 {
            Sep::Space => Box::new(line.split_whitespace()),
            Sep::Comma => Box::new(line.split(',')),
            Sep::Semicolon => Box::new(line.split(';')),
        };
        for (c, tok) in toks.enumerate() {
            let v = parse_value(tok).map_err(|m| err(lineno, format!("column {}: {m}", c + 1)))?;
            z.push(v);
            if z.len() > MAX_POINTS {
                return Err(err(lineno, format!("expected at most {MAX_POINTS} values, found more")));
            }
        }
        let n = z.len() - before;
        match nx {
            None => nx = Some(n),
            Some(w) if w != n => {
                return Err(err(lineno, format!("expected {w} values per row (as in the first row), found {n}")))
            }
            _ => {}
        }
        ny += 1;
    }
    let nx = nx.ok_or_else(|| err(0, "expected at least one row of heights, found none".into()))?;
    check_dims(nx, ny).map_err(|e| err(0, e.to_string()))?;
    let dx_declared = dx.is_some();
    let (dx, dy) = match (dx, dy, width, height) {
        (Some(a), b, _, _) => (a * unit, b.unwrap_or(a) * unit),
        (None, _, Some(w), h) => (w / nx as f64, h.unwrap_or(w * ny as f64 / nx as f64) / ny as f64),
        _ => {
            return Err(err(
                1,
                "expected a pixel-size header `# dx=… dy=… unit=…` or Gwyddion's `# Width: …`, found none".into(),
            ))
        }
    };
    check_step("dx", dx).map_err(|e| err(0, e.to_string()))?;
    check_step("dy", dy).map_err(|e| err(0, e.to_string()))?;
    // Gwyddion exports heights in base SI units; atomfab's header gives heights in `unit` unless `zunit`.
    let zs = zunit.unwrap_or(if dx_declared { unit } else { 1.0 });
    if zs != 1.0 {
        z.iter_mut().for_each(|v| *v *= zs);
    }
    HeightMap::new(nx, ny, dx, dy, z).map_err(|e| err(0, e.to_string()))
}

/// Parses "5.000 µm" (Gwyddion's Width/Height) into metres.
fn parse_length(v: &str) -> std::result::Result<f64, String> {
    let mut it = v.split_whitespace();
    let num = it.next().ok_or("expected `<number> <unit>`, found nothing")?;
    let x: f64 = num.parse().map_err(|_| format!("expected a number, found `{num}`"))?;
    let u = it.next().unwrap_or("m");
    let s = unit_to_metres(u).ok_or_else(|| format!("expected a length unit, found `{u}`"))?;
    Ok(x * s)
}

/// Writes the atomfab ASCII matrix (metres, shortest round-trip decimal, tab separated).
pub fn write_ascii(path: &Path, map: &HeightMap) -> Result<()> {
    write_atomic(path, format_ascii(map).as_bytes())
}

pub fn format_ascii(map: &HeightMap) -> String {
    let mut s = String::with_capacity(map.z.len() * 24 + 128);
    s.push_str(&format!("# atomfab height map nx={} ny={}\n", map.nx, map.ny));
    s.push_str(&format!("# dx={:e} dy={:e} unit=m zunit=m\n", map.dx, map.dy));
    for j in 0..map.ny {
        for (i, v) in map.row(j).iter().enumerate() {
            if i > 0 {
                s.push('\t');
            }
            if v.is_nan() {
                s.push_str("NaN");
            } else {
                s.push_str(&format!("{v:e}"));
            }
        }
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(t: &str) -> Result<HeightMap> {
        parse_ascii(t, Path::new("t.txt"))
    }

    #[test]
    fn roundtrip_exact() {
        let m = HeightMap::from_fn(5, 3, 2e-9, 3e-9, |x, y| (x * 1e8).sin() * 1e-9 + y * 0.1).unwrap();
        let mut m2 = m.clone();
        m2.z[4] = f64::NAN;
        let back = p(&format_ascii(&m2)).unwrap();
        assert_eq!((back.nx, back.ny, back.dx, back.dy), (5, 3, 2e-9, 3e-9));
        for (a, b) in m2.z.iter().zip(&back.z) {
            assert!(a == b || (a.is_nan() && b.is_nan()));
        }
    }

    #[test]
    fn units_and_separators() {
        let m = p("# dx=0.5 dy=0.25 unit=nm\n1,2,3\n4,5,6\n").unwrap();
        assert_eq!((m.nx, m.ny), (3, 2));
        assert!((m.dx - 0.5e-9).abs() < 1e-24 && (m.dy - 0.25e-9).abs() < 1e-24);
        assert!((m.z[5] - 6e-9).abs() < 1e-22);
        let m = p("# dx=1 unit=um zunit=nm\n1;2\n3;nan\n").unwrap();
        assert_eq!(m.dy, 1e-6);
        assert!(m.z[3].is_nan());
    }

    #[test]
    fn gwyddion_export_header() {
        let t = "# Channel: Height\n# Width: 4.000 µm\n# Height: 2.000 µm\n# Value units: m\n1e-9\t2e-9\n3e-9\t4e-9\n";
        let m = p(t).unwrap();
        assert!((m.dx - 2e-6).abs() < 1e-18 && (m.dy - 1e-6).abs() < 1e-18);
        assert_eq!(m.z[3], 4e-9);
    }

    #[test]
    fn bad_input_is_a_clear_error() {
        let e = p("# dx=1\n1 2 3\n4 5\n").unwrap_err().to_string();
        assert_eq!(e, "t.txt:3: expected 3 values per row (as in the first row), found 2");
        let e = p("# dx=1\n1,2\n3\t4\n").unwrap_err().to_string();
        assert!(e.starts_with("t.txt:3: expected comma separators as on line 2"), "{e}");
        let e = p("# dx=1\n1, 2;3\n").unwrap_err().to_string();
        assert!(e.contains("t.txt:2:"), "{e}");
        let e = p("# dx=1\n1 inf\n").unwrap_err().to_string();
        assert_eq!(e, "t.txt:2: column 2: expected a finite number or NaN, found `inf`");
        let e = p("# dx=1\n1 x\n").unwrap_err().to_string();
        assert!(e.contains("expected a number, found `x`"), "{e}");
        assert!(p("# dx=0\n1 2\n").unwrap_err().to_string().contains("expected a finite length > 0"));
        assert!(p("# dx=-1\n1 2\n").is_err());
        assert!(p("1 2\n").unwrap_err().to_string().contains("pixel-size header"));
        assert!(p("# dx=1\n").is_err());
        assert!(p("# dx=1 unit=furlong\n1\n").is_err());
    }
}
