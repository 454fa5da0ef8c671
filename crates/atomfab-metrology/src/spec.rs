//! Pass/fail grading of a surface against a specification string, e.g.
//! `Sq <= 0.05 nm, missing_layers < 3, band_rms[0.1..1 um^-1] <= 0.2 nm`.
//! Clauses are separated by `,`, `;` or newlines: `NAME OP VALUE [UNIT]` with OP one of
//! `<= < >= > == !=` (or `≤ ≥`). Length limits take a unit (m, mm, um/µm, nm, A/Å, pm); percentages `%`;
//! counts and ratios none. `band_rms[LO..HI UNIT^-1]` is the RMS height of the spatial-frequency band.

use crate::error::{MetrologyError, Result};
use crate::heightmap::{unit_to_metres, HeightMap};
use crate::level::{level, Level};
use crate::params::{height_params, sal_str, sdq, sdr, MaterialRatio};
use crate::psd::{psd_2d, Psd2d, Window};
use crate::steps::{terraces, TerraceAnalysis, TerraceOptions};
use serde::Serialize;

/// Physical dimension of a metric, which fixes the units its limit may be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Dim {
    /// Metres.
    Length,
    /// Per cent.
    Percent,
    /// Pure number (ratio, count).
    Number,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Op {
    Le,
    Lt,
    Ge,
    Gt,
    Eq,
    Ne,
}

impl Op {
    fn holds(self, a: f64, b: f64) -> bool {
        match self {
            Op::Le => a <= b,
            Op::Lt => a < b,
            Op::Ge => a >= b,
            Op::Gt => a > b,
            Op::Eq => a == b,
            Op::Ne => a != b,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Clause {
    pub text: String,
    pub name: String,
    /// For `band_rms[..]`: the band in 1/m.
    pub band: Option<(f64, f64)>,
    pub op: Op,
    /// Limit in SI (m for lengths).
    pub limit: f64,
    pub dim: Dim,
}

/// Parses a specification string (see the module docs).
pub fn parse_spec(spec: &str) -> Result<Vec<Clause>> {
    let mut out = Vec::new();
    // Split on separators outside brackets.
    let mut parts = Vec::new();
    let (mut depth, mut cur) = (0, String::new());
    for ch in spec.chars() {
        match ch {
            '[' => depth += 1,
            ']' => depth -= 1,
            _ => {}
        }
        if depth == 0 && (ch == ',' || ch == ';' || ch == '\n') {
            parts.push(std::mem::take(&mut cur));
        } else {
            cur.push(ch);
        }
    }
    parts.push(cur);
    for (k, raw) in parts.iter().enumerate() {
        let text = raw.trim();
        if text.is_empty() {
            continue;
        }
        let bad = |why: String| MetrologyError::invalid(format!("spec clause {} `{text}`: {why}", k + 1));
        let ops = [("<=", Op::Le), (">=", Op::Ge), ("==", Op::Eq), ("!=", Op::Ne), ("≤", Op::Le), ("≥", Op::Ge), ("<", Op::Lt), (">", Op::Gt)];
        let (pos, sym, op) = ops
            .iter()
            .filter_map(|&(s, o)| text.find(s).map(|p| (p, s, o)))
            .min_by_key(|&(p, s, _)| (p, usize::MAX - s.len()))
            .ok_or_else(|| bad("expected an operator <=, <, >=, >, ==, !=".into()))?;
        let name_part = text[..pos].trim();
        let rhs = text[pos + sym.len()..].trim();
        let (name, band) = match name_part.split_once('[') {
            Some((n, rest)) => {
                let inner = rest.strip_suffix(']').ok_or_else(|| bad("expected `]` after the band".into()))?;
                (n.trim().to_string(), Some(parse_band(inner).map_err(bad)?))
            }
            None => (name_part.to_string(), None),
        };
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(bad(format!("expected a parameter name, found `{name}`")));
        }
        let split = rhs.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E')).unwrap_or(rhs.len());
        let (num, unit) = (rhs[..split].trim(), rhs[split..].trim());
        let v: f64 = num.parse().map_err(|_| bad(format!("expected a number after `{sym}`, found `{num}`")))?;
        let (limit, dim) = if unit.is_empty() {
            (v, Dim::Number)
        } else if unit == "%" {
            (v, Dim::Percent)
        } else {
            let s = unit_to_metres(unit).ok_or_else(|| bad(format!("expected a length unit or %, found `{unit}`")))?;
            (v * s, Dim::Length)
        };
        out.push(Clause { text: text.to_string(), name, band, op, limit, dim });
    }
    if out.is_empty() {
        return Err(MetrologyError::invalid("spec: expected at least one clause such as `Sq <= 0.05 nm`"));
    }
    Ok(out)
}

/// "0.1..1 um^-1" → (lo, hi) in 1/m.
fn parse_band(s: &str) -> std::result::Result<(f64, f64), String> {
    let (range, unit) = match s.trim().split_once(char::is_whitespace) {
        Some((r, u)) => (r, u.trim()),
        None => (s.trim(), "m^-1"),
    };
    let (a, b) = range.split_once("..").ok_or("expected a band `LO..HI UNIT^-1`")?;
    let base = unit.strip_suffix("^-1").or_else(|| unit.strip_suffix("⁻¹")).ok_or(format!("expected an inverse length unit like um^-1, found `{unit}`"))?;
    let s = unit_to_metres(base).ok_or(format!("unknown length unit `{base}`"))?;
    let lo: f64 = a.trim().parse().map_err(|_| format!("band start `{a}` is not a number"))?;
    let hi: f64 = b.trim().parse().map_err(|_| format!("band end `{b}` is not a number"))?;
    if !(lo >= 0.0 && hi > lo) {
        return Err("expected 0 ≤ LO < HI".into());
    }
    Ok((lo / s, hi / s))
}

#[derive(Debug, Clone, Serialize)]
pub struct ClauseResult {
    pub clause: String,
    /// Measured value in SI (m for lengths).
    pub value: f64,
    pub dim: Dim,
    pub pass: bool,
}

/// Grades clauses with a metric lookup (value in SI and its dimension). A limit written in a unit of
/// another dimension than the metric's is an error, not a fail.
pub fn grade(clauses: &[Clause], mut lookup: impl FnMut(&Clause) -> Result<(f64, Dim)>) -> Result<Vec<ClauseResult>> {
    clauses
        .iter()
        .map(|c| {
            let (value, dim) = lookup(c)?;
            let dim_ok = dim == c.dim || (c.dim == Dim::Number && dim == Dim::Number);
            if !dim_ok {
                return Err(MetrologyError::invalid(format!(
                    "spec clause `{}`: {} is a {:?} but the limit is given as a {:?}",
                    c.text, c.name, dim, c.dim
                )));
            }
            Ok(ClauseResult { clause: c.text.clone(), value, dim, pass: !value.is_nan() && c.op.holds(value, c.limit) })
        })
        .collect()
}

/// Metrics of a map computed on demand for grading: ISO areal parameters, terrace counts, band RMS.
pub struct MapMetrics<'a> {
    pub map: &'a HeightMap,
    pub terrace_opts: TerraceOptions,
    terr: Option<TerraceAnalysis>,
    psd: Option<Psd2d>,
    af: Option<MaterialRatio<'a>>,
}

impl<'a> MapMetrics<'a> {
    pub fn new(map: &'a HeightMap, terrace_opts: TerraceOptions) -> Self {
        MapMetrics { map, terrace_opts, terr: None, psd: None, af: None }
    }

    pub fn get(&mut self, c: &Clause) -> Result<(f64, Dim)> {
        use Dim::*;
        let m = self.map;
        if c.name == "band_rms" {
            let (lo, hi) = c.band.ok_or_else(|| MetrologyError::invalid(format!("spec `{}`: band_rms needs a band [LO..HI um^-1]", c.text)))?;
            if self.psd.is_none() {
                self.psd = Some(psd_2d(&level(m, &Level::Mean)?, Window::Hann)?);
            }
            return Ok((self.psd.as_ref().unwrap().band_rms(lo, hi)?, Length));
        }
        let hp = || height_params(m);
        Ok(match c.name.as_str() {
            "Sa" => (hp()?.Sa, Length),
            "Sq" => (hp()?.Sq, Length),
            "Ssk" => (hp()?.Ssk, Number),
            "Sku" => (hp()?.Sku, Number),
            "Sp" => (hp()?.Sp, Length),
            "Sv" => (hp()?.Sv, Length),
            "Sz" => (hp()?.Sz, Length),
            "Sdq" => (sdq(m)?, Number),
            "Sdr" => (sdr(m)?, Percent),
            "Sal" => (sal_str(m, 0.2)?.0, Length),
            "Str" => (sal_str(m, 0.2)?.1, Number),
            "Sk" | "Spk" | "Svk" | "Smr1" | "Smr2" => {
                if self.af.is_none() {
                    self.af = Some(MaterialRatio::new(m)?);
                }
                let af = self.af.as_ref().unwrap();
                match c.name.as_str() {
                    "Sk" => (af.sk(), Length),
                    "Spk" => (af.spk(), Length),
                    "Svk" => (af.svk(), Length),
                    "Smr1" => (af.smr1(), Percent),
                    _ => (af.smr2(), Percent),
                }
            }
            "steps" | "levels" | "missing_layers" | "extra_layers" | "incomplete_layers" | "gaps" | "step_height" => {
                if self.terr.is_none() {
                    self.terr = Some(terraces(m, &self.terrace_opts)?);
                }
                let t = self.terr.as_ref().unwrap();
                match c.name.as_str() {
                    "steps" => (t.steps as f64, Number),
                    "levels" => (t.levels.len() as f64, Number),
                    "missing_layers" => (t.missing_layers as f64, Number),
                    "extra_layers" => (t.extra_layers as f64, Number),
                    "incomplete_layers" => (t.incomplete_layers as f64, Number),
                    "gaps" => (t.gaps as f64, Number),
                    _ => (t.fitted_step_height, Length),
                }
            }
            other => {
                return Err(MetrologyError::invalid(format!(
                    "spec `{}`: unknown parameter `{other}`; expected Sa Sq Ssk Sku Sp Sv Sz Sdq Sdr Sal Str Sk Spk Svk Smr1 Smr2, \
                     steps levels missing_layers extra_layers incomplete_layers gaps step_height or band_rms[..]",
                    c.text
                )))
            }
        })
    }
}

/// Grades a map against a spec string.
pub fn grade_map(map: &HeightMap, spec: &str, terrace_opts: TerraceOptions) -> Result<Vec<ClauseResult>> {
    let clauses = parse_spec(spec)?;
    let mut mm = MapMetrics::new(map, terrace_opts);
    grade(&clauses, |c| mm.get(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_clauses() {
        let c = parse_spec("Sq <= 0.05 nm, missing_layers < 3; band_rms[0.1..1 um^-1] ≤ 0.2 nm\nSdr<1%").unwrap();
        assert_eq!(c.len(), 4);
        assert_eq!((c[0].op, c[0].dim), (Op::Le, Dim::Length));
        assert!((c[0].limit - 0.05e-9).abs() < 1e-24);
        assert_eq!((c[1].name.as_str(), c[1].limit, c[1].dim), ("missing_layers", 3.0, Dim::Number));
        let (lo, hi) = c[2].band.unwrap();
        assert!((lo - 1e5).abs() < 1e-6 && (hi - 1e6).abs() < 1e-3);
        assert_eq!((c[3].op, c[3].dim), (Op::Lt, Dim::Percent));
        for bad in ["", "Sq 0.05", "Sq <= abc nm", "Sq <= 1 furlong", "band_rms[1..0.1 um^-1] < 1 nm", "S q < 1"] {
            assert!(parse_spec(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn grade_sine() {
        let a = 0.1e-9;
        // 64 rows: the Hann window's leakage to ky = ±1 (f = 15.6 µm⁻¹ in y) stays inside the band.
        let m = HeightMap::from_fn(128, 64, 1e-9, 1e-9, |x, _| a * (2.0 * std::f64::consts::PI * x / 32e-9).sin()).unwrap();
        // 32 samples per period take 17 distinct heights, each a separate spike of the histogram, so the
        // terrace finder sees 17 levels. The Hann window keeps ~94 % of the power in the band.
        let r = grade_map(&m, "Sq <= 0.08 nm, Sq < 0.07 nm, levels == 17, band_rms[20..40 um^-1] > 0.065 nm, band_rms[0..20 um^-1] < 0.001 nm", TerraceOptions::default()).unwrap();
        assert_eq!(r.iter().map(|x| x.pass).collect::<Vec<_>>(), vec![true, false, true, true, true]);
        assert!(grade_map(&m, "Sq < 1", TerraceOptions::default()).unwrap_err().to_string().contains("Length"));
        assert!(grade_map(&m, "Foo < 1", TerraceOptions::default()).unwrap_err().to_string().contains("unknown parameter"));
    }
}
