//! XYZ point lists: one `x y z` point per line (whitespace, comma or semicolon separated), `#` comments.
//! Optional header `# unit=nm` (x, y, z) or `# unit=nm zunit=pm`; default metres. The points must lie on
//! a regular grid (any order, gaps allowed → NaN); scattered data is rejected rather than interpolated.

use super::{parse_value, read_text, write_atomic};
use crate::error::{MetrologyError, Result};
use crate::heightmap::{unit_to_metres, HeightMap, MAX_POINTS};
use std::path::Path;

pub fn read_xyz(path: &Path) -> Result<HeightMap> {
    parse_xyz(&read_text(path)?, path)
}

pub fn parse_xyz(text: &str, path: &Path) -> Result<HeightMap> {
    let err = |line: usize, msg: String| MetrologyError::parse(path, line, msg);
    let mut unit = 1.0;
    let mut zunit = None;
    let mut pts: Vec<[f64; 3]> = Vec::new();
    let mut sep: Option<(char, usize)> = None;
    for (k, raw) in text.lines().enumerate() {
        let lineno = k + 1;
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        if let Some(h) = line.strip_prefix('#') {
            for tok in h.split_whitespace() {
                if let Some((key @ ("unit" | "zunit"), val)) = tok.split_once('=') {
                    let u = unit_to_metres(val)
                        .ok_or_else(|| err(lineno, format!("expected a length unit after `{key}=`, found `{val}`")))?;
                    if key == "unit" { unit = u } else { zunit = Some(u) }
                }
            }
            continue;
        }
        let s = if line.contains(',') { ',' } else if line.contains(';') { ';' } else { ' ' };
        match sep {
            None => sep = Some((s, lineno)),
            Some((f, first)) if f != s => {
                return Err(err(lineno, format!("expected `{f}` separators as on line {first}, found `{s}`")))
            }
            _ => {}
        }
        let toks: Vec<&str> = if s == ' ' { line.split_whitespace().collect() } else { line.split(s).collect() };
        if toks.len() != 3 {
            return Err(err(lineno, format!("expected 3 values `x y z`, found {}", toks.len())));
        }
        let mut p = [0.0; 3];
        for c in 0..3 {
            p[c] = parse_value(toks[c]).map_err(|m| err(lineno, format!("column {}: {m}", c + 1)))?;
        }
        if p[0].is_nan() || p[1].is_nan() {
            return Err(err(lineno, "expected finite x and y coordinates, found NaN".into()));
        }
        if pts.len() >= MAX_POINTS {
            return Err(err(lineno, format!("expected at most {MAX_POINTS} points, found more")));
        }
        pts.push(p);
    }
    if pts.is_empty() {
        return Err(err(0, "expected at least one `x y z` point, found none".into()));
    }
    let zs = zunit.unwrap_or(unit);
    let (x0, dx, nx) = axis(pts.iter().map(|p| p[0]).collect()).map_err(|m| err(0, format!("x: {m}")))?;
    let (y0, dy, ny) = axis(pts.iter().map(|p| p[1]).collect()).map_err(|m| err(0, format!("y: {m}")))?;
    // Grid detection: a regular grid holds (nearly) as many nodes as points; scattered points would need
    // an enormous grid, which is refused here before allocation.
    let nodes = nx.checked_mul(ny).filter(|&n| n <= MAX_POINTS && n <= 4 * pts.len() + 16).ok_or_else(|| {
        err(0, format!("expected points on a regular grid, found {} points needing a {nx} x {ny} grid", pts.len()))
    })?;
    let mut z = vec![f64::NAN; nodes];
    let mut seen = vec![false; nodes];
    for p in &pts {
        let i = ((p[0] - x0) / dx).round() as usize;
        let j = ((p[1] - y0) / dy).round() as usize;
        let k = j * nx + i;
        if seen[k] {
            return Err(err(0, format!(
                "expected one point per node of the detected {nx} x {ny} grid (steps {dx:e}, {dy:e}), found two at x={}, y={}",
                p[0], p[1]
            )));
        }
        seen[k] = true;
        z[k] = p[2] * zs;
    }
    HeightMap::new(nx, ny, dx * unit, dy * unit, z).map_err(|e| err(0, e.to_string()))
}

/// Finds origin, step and count of a regular axis from (unsorted, repeated) coordinates.
fn axis(mut v: Vec<f64>) -> std::result::Result<(f64, f64, usize), String> {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let (lo, hi) = (v[0], v[v.len() - 1]);
    let span = hi - lo;
    if span == 0.0 {
        // A single column/row: no step can be read from the data.
        return Err("expected at least two distinct coordinates to read the grid step, found one".into());
    }
    let tol = span * 1e-9;
    let mut uniq: Vec<f64> = Vec::new();
    for x in v {
        if uniq.last().is_none_or(|&u| x - u > tol) {
            uniq.push(x);
        }
    }
    let step = uniq.windows(2).map(|w| w[1] - w[0]).fold(f64::INFINITY, f64::min);
    let n = (span / step).round();
    if n + 1.0 > MAX_POINTS as f64 {
        return Err(format!("expected a regular grid, found a step {step} too small for the span {span}"));
    }
    let step = span / n; // the average step is more accurate than the smallest difference
    for &u in &uniq {
        let f = (u - lo) / step;
        if (f - f.round()).abs() > 1e-6 {
            return Err(format!("expected coordinates on a regular grid of step {step}, found {u}"));
        }
    }
    Ok((lo, step, n as usize + 1))
}

pub fn write_xyz(path: &Path, map: &HeightMap) -> Result<()> {
    let mut s = String::with_capacity(map.z.len() * 40);
    s.push_str("# atomfab height map as x y z points\n# unit=m\n");
    for j in 0..map.ny {
        for i in 0..map.nx {
            let v = map.get(i, j);
            if !v.is_nan() {
                s.push_str(&format!("{:e} {:e} {:e}\n", i as f64 * map.dx, j as f64 * map.dy, v));
            }
        }
    }
    write_atomic(path, s.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_detection_any_order_with_gap() {
        let t = "# unit=nm\n1 0 5\n0 0 4\n0 0.5 6\n2 0.5 7\n2 0 9\n";
        let m = parse_xyz(t, Path::new("p.xyz")).unwrap();
        assert_eq!((m.nx, m.ny), (3, 2));
        assert!((m.dx - 1e-9).abs() < 1e-21 && (m.dy - 0.5e-9).abs() < 1e-21);
        assert!((m.get(0, 0) - 4e-9).abs() < 1e-21 && (m.get(2, 0) - 9e-9).abs() < 1e-21);
        assert!(m.get(1, 1).is_nan());
    }

    #[test]
    fn scattered_or_bad_points_rejected() {
        let p = Path::new("p.xyz");
        let e = parse_xyz("0 0 1\n1 0 1\n0.37 1 1\n", p).unwrap_err().to_string();
        assert!(e.contains("regular grid"), "{e}");
        assert!(parse_xyz("0 0 1\n1 0\n", p).unwrap_err().to_string().starts_with("p.xyz:2: expected 3 values"));
        assert!(parse_xyz("0 0 1\n1,0,1\n", p).unwrap_err().to_string().starts_with("p.xyz:2:"));
        assert!(parse_xyz("0 0 1\n1 0 inf\n", p).is_err());
        assert!(parse_xyz("0 0 1\n0 0 2\n1 1 1\n1 0 0\n", p).unwrap_err().to_string().contains("two at"));
        // Two points 1e-6 apart over a span of 1 would need a 2·10^6-node grid.
        assert!(parse_xyz("0 0 1\n1e-6 1 1\n1 0 1\n", p).is_err());
    }
}
