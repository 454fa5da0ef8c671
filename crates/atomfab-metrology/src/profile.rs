//! ISO 21920-2 / ISO 4287 profile parameters and the ISO 16610-21 Gaussian profile filter.
//! Heights in metres; profiles are taken along x (rows) of a `HeightMap` or given as slices.

use crate::error::{MetrologyError, Result};
use crate::heightmap::HeightMap;
use serde::Serialize;

/// Sampling lengths per evaluation length (ISO 4288 default).
pub const DEFAULT_SECTIONS: usize = 5;

#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
#[allow(non_snake_case)]
pub struct ProfileParams {
    /// Arithmetic mean deviation, m.
    pub Ra: f64,
    /// Root mean square deviation, m.
    pub Rq: f64,
    /// Skewness, 1.
    pub Rsk: f64,
    /// Kurtosis, 1.
    pub Rku: f64,
    /// Maximum peak height, mean over sampling lengths, m.
    pub Rp: f64,
    /// Maximum valley depth, mean over sampling lengths, m.
    pub Rv: f64,
    /// Maximum height Rp + Rv per sampling length, mean over sampling lengths, m.
    pub Rz: f64,
    /// Total height over the evaluation length, m.
    pub Rt: f64,
}

/// Profile parameters of `z` about its mean line. Rp, Rv, Rz are evaluated per sampling length
/// (`sections` nearly equal parts, the first `n % sections` one point longer) and averaged
/// (ISO 4287 4.1.1–4.1.3 "within a sampling length", ISO 4288 mean of 5); Ra, Rq, Rsk, Rku, Rt over
/// the whole evaluation length. All heights stay referenced to the mean line of the whole profile.
pub fn profile_params(z: &[f64], sections: usize) -> Result<ProfileParams> {
    if z.iter().any(|v| !v.is_finite()) {
        return Err(MetrologyError::invalid("profile: expected finite heights (fill or crop missing points first)"));
    }
    if sections == 0 || sections > z.len() {
        return Err(MetrologyError::invalid(format!(
            "profile of {} points: expected 1 ≤ sampling lengths ≤ points, found {sections}",
            z.len()
        )));
    }
    let n = z.len() as f64;
    let mean = z.iter().sum::<f64>() / n;
    let d: Vec<f64> = z.iter().map(|v| v - mean).collect();
    let ra = d.iter().map(|v| v.abs()).sum::<f64>() / n;
    let rq = (d.iter().map(|v| v * v).sum::<f64>() / n).sqrt();
    let rsk = d.iter().map(|v| v.powi(3)).sum::<f64>() / n / rq.powi(3);
    let rku = d.iter().map(|v| v.powi(4)).sum::<f64>() / n / rq.powi(4);
    let (mut rp, mut rv, mut rz) = (0.0, 0.0, 0.0);
    let (base, extra) = (d.len() / sections, d.len() % sections);
    let mut start = 0;
    for s in 0..sections {
        let len = base + usize::from(s < extra);
        let sec = &d[start..start + len];
        start += len;
        let mx = sec.iter().fold(f64::NEG_INFINITY, |a, &b| a.max(b));
        let mn = sec.iter().fold(f64::INFINITY, |a, &b| a.min(b));
        rp += mx;
        // ISO 4287 3.1.5/4.1.2: Zv is the valley depth below the mean line, and Rz = Rp + Rv
        // (4.1.3, "sum of height of the largest profile peak height Zp and the largest profile valley
        // depth Zv within a sampling length"). So Rv is −min, even when a whole sampling length lies
        // above the mean line (then it is negative). surfalize takes |min| and breaks Rz = Rp + Rv
        // in that case; tests/surfalize.rs checks both.
        rv += -mn;
        rz += mx - mn;
    }
    let k = sections as f64;
    let rt = d.iter().fold(f64::NEG_INFINITY, |a, &b| a.max(b)) - d.iter().fold(f64::INFINITY, |a, &b| a.min(b));
    Ok(ProfileParams { Ra: ra, Rq: rq, Rsk: rsk, Rku: rku, Rp: rp / k, Rv: rv / k, Rz: rz / k, Rt: rt })
}

/// Standard deviation (in samples) of the ISO 16610-21 Gaussian weighting function
/// s(x) = 1/(α λc) exp(−π (x/(α λc))²), α = √(ln 2 / π), whose transmission is 50 % at λc:
/// σ = α λc / √(2π) = λc √(ln 2 / 2) / π.
pub fn gaussian_sigma(cutoff: f64, step: f64) -> f64 {
    cutoff / step * (std::f64::consts::LN_2 / 2.0).sqrt() / std::f64::consts::PI
}

/// Gaussian low-pass (mean line) of a profile with cut-off `cutoff` (m) at spacing `step` (m).
/// Discrete kernel truncated at ±4σ and renormalised; ends mirrored half-sample symmetric
/// (…c b a | a b c…). ISO 16610-21 leaves end handling to ISO 16610-28; this choice is scipy's
/// `gaussian_filter(mode="reflect")`, the one surfalize uses, so results compare exactly.
pub fn gaussian_lowpass(z: &[f64], step: f64, cutoff: f64) -> Result<Vec<f64>> {
    if !(cutoff.is_finite() && cutoff > 0.0 && step.is_finite() && step > 0.0) {
        return Err(MetrologyError::invalid(format!("Gaussian filter: expected cut-off and step > 0, found {cutoff}, {step}")));
    }
    let sigma = gaussian_sigma(cutoff, step);
    let r = (4.0 * sigma + 0.5) as usize;
    let w: Vec<f64> = (0..=r).map(|k| (-0.5 * (k as f64 / sigma).powi(2)).exp()).collect();
    let norm = w[0] + 2.0 * w[1..].iter().sum::<f64>();
    let n = z.len() as isize;
    if n == 0 {
        return Ok(Vec::new());
    }
    let at = |i: isize| -> f64 {
        // Half-sample symmetric reflection, repeated for kernels longer than the profile.
        let p = 2 * n;
        let mut k = i.rem_euclid(p);
        if k >= n {
            k = p - 1 - k;
        }
        z[k as usize]
    };
    Ok((0..n)
        .map(|i| {
            let mut s = w[0] * at(i);
            for k in 1..=r as isize {
                s += w[k as usize] * (at(i - k) + at(i + k));
            }
            s / norm
        })
        .collect())
}

/// Roughness profile: primary profile minus its Gaussian mean line (λc, m), optionally after a λs
/// short-wave low-pass (m).
pub fn roughness_profile(z: &[f64], step: f64, lambda_c: f64, lambda_s: Option<f64>) -> Result<Vec<f64>> {
    let p = match lambda_s {
        Some(ls) => gaussian_lowpass(z, step, ls)?,
        None => z.to_vec(),
    };
    let mean_line = gaussian_lowpass(&p, step, lambda_c)?;
    Ok(p.iter().zip(&mean_line).map(|(a, b)| a - b).collect())
}

/// Separable Gaussian filter of a whole map (ISO 16610-61 areal Gaussian, same kernel per axis),
/// cut-off `cutoff` (m). Requires a complete map.
pub fn gaussian_lowpass_map(map: &HeightMap, cutoff: f64) -> Result<HeightMap> {
    map.require_complete("Gaussian filter")?;
    let mut out = map.clone();
    for j in 0..map.ny {
        let f = gaussian_lowpass(map.row(j), map.dx, cutoff)?;
        out.z[j * map.nx..(j + 1) * map.nx].copy_from_slice(&f);
    }
    let t = out.transposed();
    let mut t2 = t.clone();
    for j in 0..t.ny {
        let f = gaussian_lowpass(t.row(j), t.dx, cutoff)?;
        t2.z[j * t.nx..(j + 1) * t.nx].copy_from_slice(&f);
    }
    Ok(t2.transposed())
}

/// Mean of the profile parameters over all rows of a map (each row one profile along x), after an
/// optional λc roughness filter.
pub fn map_profile_params(map: &HeightMap, lambda_c: Option<f64>, sections: usize) -> Result<ProfileParams> {
    map.require_complete("profile parameters")?;
    let mut acc = [0.0; 8];
    for j in 0..map.ny {
        let row = match lambda_c {
            Some(lc) => roughness_profile(map.row(j), map.dx, lc, None)?,
            None => map.row(j).to_vec(),
        };
        let p = profile_params(&row, sections)?;
        for (a, v) in acc.iter_mut().zip([p.Ra, p.Rq, p.Rsk, p.Rku, p.Rp, p.Rv, p.Rz, p.Rt]) {
            *a += v;
        }
    }
    let k = map.ny as f64;
    Ok(ProfileParams {
        Ra: acc[0] / k,
        Rq: acc[1] / k,
        Rsk: acc[2] / k,
        Rku: acc[3] / k,
        Rp: acc[4] / k,
        Rv: acc[5] / k,
        Rz: acc[6] / k,
        Rt: acc[7] / k,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::PI;

    #[test]
    fn sine_profile() {
        let a = 1e-6;
        let z: Vec<f64> = (0..1000).map(|i| a * (2.0 * PI * i as f64 / 100.0).sin()).collect();
        let p = profile_params(&z, 5).unwrap();
        assert!((p.Rq - a / 2f64.sqrt()).abs() < 1e-15);
        assert!((p.Ra - 2.0 * a / PI).abs() < 1e-3 * a);
        assert!((p.Rt - 2.0 * a).abs() < 1e-3 * a && (p.Rz - 2.0 * a).abs() < 1e-3 * a);
    }

    #[test]
    fn gaussian_filter_transmits_50_percent_at_cutoff() {
        // A long sine of wavelength λc keeps half its amplitude in the mean line (ISO 16610-21).
        let (step, lc) = (0.1, 8.0);
        let n = 4000;
        let z: Vec<f64> = (0..n).map(|i| (2.0 * PI * i as f64 * step / lc).sin()).collect();
        let m = gaussian_lowpass(&z, step, lc).unwrap();
        let mid = &m[1000..3000];
        let amp = mid.iter().fold(0.0f64, |a, v| a.max(v.abs()));
        assert!((amp - 0.5).abs() < 2e-3, "{amp}");
        // Constant passes unchanged.
        let c = gaussian_lowpass(&[3.0; 50], 1.0, 20.0).unwrap();
        assert!(c.iter().all(|v| (v - 3.0).abs() < 1e-12));
    }

    #[test]
    fn bad_profiles() {
        assert!(profile_params(&[1.0, f64::NAN], 1).is_err());
        assert!(profile_params(&[1.0, 2.0], 3).is_err());
        assert!(gaussian_lowpass(&[1.0], 0.0, 1.0).is_err());
    }
}
