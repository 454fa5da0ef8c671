//! Atomic terraces and steps from a levelled height map: a height histogram, its peaks (one per
//! exposed atomic layer) fitted with Gaussians, step height, terrace fractions and layer counts.
//! Heights in metres; the lattice step hint e.g. Si(001) 1.36 Å = 1.36e-10 m, Cu(111) 2.08e-10 m.

use crate::error::{MetrologyError, Result};
use crate::heightmap::HeightMap;
use serde::Serialize;

#[derive(Debug, Clone)]
pub struct TerraceOptions {
    /// Expected step height (lattice layer spacing), m. Without it the step is read from the levels.
    pub step_hint: Option<f64>,
    /// Histogram bin width, m (default: step/25, or range/2000 without a hint).
    pub bin: Option<f64>,
    /// A level must cover at least this share of the area to count as an exposed layer.
    pub min_fraction: f64,
}

impl Default for TerraceOptions {
    fn default() -> Self {
        TerraceOptions { step_hint: None, bin: None, min_fraction: 0.005 }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Level {
    /// Terrace height (Gaussian peak centre), m.
    pub height: f64,
    /// Gaussian width of the peak (roughness on the terrace), m.
    pub sigma: f64,
    /// Share of the measured area on this terrace, 0–1.
    pub fraction: f64,
    /// Layer index relative to the reference (most common) terrace.
    pub layer: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct TerraceAnalysis {
    /// Exposed levels, ascending in height.
    pub levels: Vec<Level>,
    /// Step height, m: the hint if given, else fitted to the levels (least squares over layer indices).
    pub step_height: f64,
    /// Step height fitted to the level positions, m (compare with the lattice spacing).
    pub fitted_step_height: f64,
    /// Index in `levels` of the reference (largest) terrace.
    pub reference: usize,
    /// Steps between adjacent exposed levels (levels − 1).
    pub steps: usize,
    /// Layers missing below the reference terrace: depth of the deepest exposed level, in layers.
    pub missing_layers: i64,
    /// Layers above the reference terrace (islands, incompletely removed layers), in layers.
    pub extra_layers: i64,
    /// Exposed levels other than the reference: each is a partially present layer.
    pub incomplete_layers: usize,
    /// Layer indices between the lowest and highest level with no exposed terrace.
    pub gaps: i64,
    /// Mean number of level changes along a row (step edges crossed per scan line).
    pub step_edges_per_row: f64,
}

/// Detects terraces on a (levelled) map.
pub fn terraces(map: &HeightMap, opts: &TerraceOptions) -> Result<TerraceAnalysis> {
    let vals: Vec<f64> = map.z.iter().copied().filter(|v| !v.is_nan()).collect();
    if vals.len() < 10 {
        return Err(MetrologyError::invalid("terraces: expected at least 10 measured points"));
    }
    if let Some(h) = opts.step_hint {
        if !(h.is_finite() && h > 0.0) {
            return Err(MetrologyError::invalid(format!("terraces: step height hint {h}: expected > 0")));
        }
    }
    if !(opts.min_fraction > 0.0 && opts.min_fraction < 0.5) {
        return Err(MetrologyError::invalid("terraces: min_fraction must be in (0, 0.5)"));
    }
    let n = vals.len() as f64;
    let (lo, hi) = vals.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |a, &v| (a.0.min(v), a.1.max(v)));
    let range = hi - lo;
    if range <= 0.0 {
        let l = Level { height: lo, sigma: 0.0, fraction: 1.0, layer: 0 };
        return Ok(single_level(l, opts));
    }
    let bin = opts.bin.unwrap_or(match opts.step_hint {
        Some(h) => h / 25.0,
        None => range / 2000.0,
    });
    if !(bin > 0.0) {
        return Err(MetrologyError::invalid("terraces: bin width must be > 0"));
    }
    let nb = (range / bin).ceil() as usize + 1;
    if nb > 4_000_000 {
        return Err(MetrologyError::invalid(format!(
            "terraces: {nb} histogram bins for a {range:e} m height range: expected a larger bin or step hint"
        )));
    }
    let bin_of = |v: f64| (((v - lo) / bin) as usize).min(nb - 1);
    let mut hist = vec![0.0; nb];
    for &v in &vals {
        hist[bin_of(v)] += 1.0;
    }
    // Smoothed histogram (Gaussian, σ = 1.5 bins) for peak finding.
    let sm = smooth(&hist, 1.5);
    // Candidate peaks: local maxima; adjacent peaks merge unless the valley between them drops below
    // half the lower peak (a noise ripple is not a terrace).
    let mut peaks: Vec<usize> = (0..nb)
        .filter(|&i| sm[i] > 0.0 && (i == 0 || sm[i] > sm[i - 1]) && (i + 1 == nb || sm[i] >= sm[i + 1]))
        .collect();
    loop {
        let mut merged = false;
        for k in 0..peaks.len().saturating_sub(1) {
            let (a, b) = (peaks[k], peaks[k + 1]);
            let valley = sm[a..=b].iter().cloned().fold(f64::INFINITY, f64::min);
            let too_close = opts.step_hint.is_some_and(|h| (b - a) as f64 * bin < 0.5 * h);
            if valley > 0.5 * sm[a].min(sm[b]) || too_close {
                peaks.remove(if sm[a] >= sm[b] { k + 1 } else { k });
                merged = true;
                break;
            }
        }
        if !merged {
            break;
        }
    }
    // Assign each point to the nearest peak; drop peaks with too little area and repeat.
    let mut centres: Vec<f64> = peaks.iter().map(|&p| lo + (p as f64 + 0.5) * bin).collect();
    let mut counts;
    loop {
        counts = vec![0usize; centres.len()];
        for &v in &vals {
            counts[nearest(&centres, v)] += 1;
        }
        let keep: Vec<bool> = counts.iter().map(|&c| c as f64 / n >= opts.min_fraction).collect();
        if keep.iter().all(|&k| k) || centres.len() == 1 {
            break;
        }
        let worst = (0..centres.len()).min_by_key(|&k| counts[k]).unwrap();
        centres.remove(worst);
    }
    // Gaussian peak fit per level: parabola through ln(count) over the bins above half maximum.
    let mut levels: Vec<Level> = Vec::with_capacity(centres.len());
    for (k, &c) in centres.iter().enumerate() {
        let (fit_c, fit_s) = fit_gaussian(&hist, lo, bin, bin_of(c));
        let (m, s) = basin_moments(&vals, &centres, k);
        let (height, sigma) = match (fit_c, fit_s) {
            (Some(fc), Some(fs)) if (fc - m).abs() < 3.0 * s.max(bin) => (fc, fs),
            _ => (m, s),
        };
        levels.push(Level { height, sigma, fraction: counts[k] as f64 / n, layer: 0 });
    }
    let reference = (0..levels.len()).max_by(|&a, &b| levels[a].fraction.total_cmp(&levels[b].fraction)).unwrap();
    let href = levels[reference].height;
    let step = match opts.step_hint {
        Some(h) => h,
        None => {
            let mut d: Vec<f64> = levels.windows(2).map(|w| w[1].height - w[0].height).collect();
            if d.is_empty() {
                return Ok(single_level(levels[0].clone(), opts));
            }
            d.sort_by(f64::total_cmp);
            d[0].max(d[d.len() / 2] * 0.5).min(d[d.len() / 2])
        }
    };
    for l in levels.iter_mut() {
        l.layer = ((l.height - href) / step).round() as i64;
    }
    // Least-squares step through the origin of (layer, height − href), weighted by area.
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for l in &levels {
        sxy += l.fraction * l.layer as f64 * (l.height - href);
        sxx += l.fraction * (l.layer as f64).powi(2);
    }
    let fitted = if sxx > 0.0 { sxy / sxx } else { f64::NAN };
    let kmin = levels.iter().map(|l| l.layer).min().unwrap();
    let kmax = levels.iter().map(|l| l.layer).max().unwrap();
    let kref = levels[reference].layer;
    let distinct = {
        let mut ks: Vec<i64> = levels.iter().map(|l| l.layer).collect();
        ks.dedup();
        ks.len() as i64
    };
    // Step edges along rows: level changes between neighbouring measured pixels.
    let centres_fit: Vec<f64> = levels.iter().map(|l| l.height).collect();
    let mut edges = 0usize;
    for j in 0..map.ny {
        let r = map.row(j);
        for i in 0..map.nx - 1 {
            if !r[i].is_nan() && !r[i + 1].is_nan() && nearest(&centres_fit, r[i]) != nearest(&centres_fit, r[i + 1]) {
                edges += 1;
            }
        }
    }
    let steps = levels.len() - 1;
    Ok(TerraceAnalysis {
        steps,
        incomplete_layers: steps,
        missing_layers: kref - kmin,
        extra_layers: kmax - kref,
        gaps: (kmax - kmin + 1) - distinct,
        step_height: step,
        fitted_step_height: fitted,
        reference,
        step_edges_per_row: edges as f64 / map.ny as f64,
        levels,
    })
}

fn single_level(l: Level, opts: &TerraceOptions) -> TerraceAnalysis {
    TerraceAnalysis {
        levels: vec![l],
        step_height: opts.step_hint.unwrap_or(f64::NAN),
        fitted_step_height: f64::NAN,
        reference: 0,
        steps: 0,
        missing_layers: 0,
        extra_layers: 0,
        incomplete_layers: 0,
        gaps: 0,
        step_edges_per_row: 0.0,
    }
}

fn nearest(c: &[f64], v: f64) -> usize {
    // Centres ascending: binary search then compare neighbours.
    let k = c.partition_point(|&x| x < v);
    if k == 0 {
        0
    } else if k == c.len() || v - c[k - 1] <= c[k] - v {
        k - 1
    } else {
        k
    }
}

fn smooth(h: &[f64], sigma: f64) -> Vec<f64> {
    let r = (4.0 * sigma).ceil() as isize;
    let w: Vec<f64> = (-r..=r).map(|k| (-0.5 * (k as f64 / sigma).powi(2)).exp()).collect();
    let n = h.len() as isize;
    (0..n)
        .map(|i| {
            let mut s = 0.0;
            for k in -r..=r {
                let j = i + k;
                if j >= 0 && j < n {
                    s += w[(k + r) as usize] * h[j as usize];
                }
            }
            s
        })
        .collect()
}

/// Gaussian fit of the histogram peak near bin `p`: least-squares parabola of ln(count) over the bins
/// around the maximum whose count is at least half of it. Returns (centre, σ) in metres.
fn fit_gaussian(hist: &[f64], lo: f64, bin: f64, p: usize) -> (Option<f64>, Option<f64>) {
    // Climb to the local maximum of the raw histogram.
    let mut p = p;
    while p + 1 < hist.len() && hist[p + 1] > hist[p] {
        p += 1;
    }
    while p > 0 && hist[p - 1] > hist[p] {
        p -= 1;
    }
    let half = 0.5 * hist[p];
    let (mut a, mut b) = (p, p);
    while a > 0 && hist[a - 1] >= half {
        a -= 1;
    }
    while b + 1 < hist.len() && hist[b + 1] >= half {
        b += 1;
    }
    if b - a < 2 {
        a = a.saturating_sub(1);
        b = (b + 1).min(hist.len() - 1);
    }
    let pts: Vec<(f64, f64)> = (a..=b).filter(|&i| hist[i] > 0.0).map(|i| ((i as f64 - p as f64), hist[i].ln())).collect();
    if pts.len() < 3 {
        return (None, None);
    }
    // Normal equations for y = c0 + c1 x + c2 x².
    let mut m = [0.0; 9];
    let mut r = [0.0; 3];
    for &(x, y) in &pts {
        let b = [1.0, x, x * x];
        for i in 0..3 {
            r[i] += b[i] * y;
            for j in 0..3 {
                m[i * 3 + j] += b[i] * b[j];
            }
        }
    }
    let Some(c) = crate::level::solve(&mut m, &mut r, 3) else { return (None, None) };
    if c[2] >= 0.0 {
        return (None, None);
    }
    let x0 = -c[1] / (2.0 * c[2]);
    let sigma = (-1.0 / (2.0 * c[2])).sqrt();
    if x0.abs() > (b - a) as f64 {
        return (None, None);
    }
    (Some(lo + (p as f64 + 0.5 + x0) * bin), Some(sigma * bin))
}

fn basin_moments(vals: &[f64], centres: &[f64], k: usize) -> (f64, f64) {
    let (mut s, mut s2, mut c) = (0.0, 0.0, 0.0);
    for &v in vals {
        if nearest(centres, v) == k {
            s += v;
            s2 += v * v;
            c += 1.0;
        }
    }
    let m = s / c;
    (m, (s2 / c - m * m).max(0.0).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_distr::{Distribution, Normal};

    const D: f64 = 1.36e-10; // Si(001) single-layer step

    #[test]
    fn perfect_staircase_exact_step_count() {
        // 6 terraces of 20 px each along x: 5 steps, every row crosses 5 edges.
        let m = HeightMap::from_fn(120, 30, 1e-9, 1e-9, |x, _| D * (x / 20e-9 + 1e-9).floor()).unwrap();
        for hint in [Some(D), None] {
            let t = terraces(&m, &TerraceOptions { step_hint: hint, ..Default::default() }).unwrap();
            assert_eq!(t.levels.len(), 6, "{hint:?}");
            assert_eq!(t.steps, 5);
            assert_eq!(t.step_edges_per_row, 5.0);
            assert!((t.fitted_step_height - D).abs() < 0.01 * D, "{}", t.fitted_step_height);
            for l in &t.levels {
                assert!((l.fraction - 1.0 / 6.0).abs() < 1e-12);
            }
            assert_eq!(t.gaps, 0);
        }
    }

    #[test]
    fn noisy_terrace_with_two_layer_pit() {
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(7);
        let noise = Normal::new(0.0, 0.08 * D).unwrap();
        let mut m = HeightMap::from_fn(100, 100, 1e-9, 1e-9, |_, _| 0.0).unwrap();
        for j in 0..100 {
            for i in 0..100 {
                let mut z = 0.0;
                if (20..40).contains(&i) && (20..40).contains(&j) {
                    z = -2.0 * D; // pit two layers deep (4 %)
                }
                if (60..90).contains(&i) && (50..70).contains(&j) {
                    z = D; // island one layer high (6 %)
                }
                m.z[j * 100 + i] = z + noise.sample(&mut rng);
            }
        }
        let t = terraces(&m, &TerraceOptions { step_hint: Some(D), ..Default::default() }).unwrap();
        assert_eq!(t.levels.len(), 3);
        assert_eq!((t.missing_layers, t.extra_layers, t.gaps, t.incomplete_layers), (2, 1, 1, 2));
        assert!((t.levels[0].fraction - 0.04).abs() < 0.002);
        assert!((t.levels[2].fraction - 0.06).abs() < 0.002);
        assert!((t.fitted_step_height - D).abs() < 0.03 * D, "{}", t.fitted_step_height / D);
        assert!((t.levels[1].sigma / (0.08 * D) - 1.0).abs() < 0.1);
    }

    #[test]
    fn flat_and_bad() {
        let m = HeightMap::from_fn(10, 10, 1.0, 1.0, |_, _| 1.0).unwrap();
        assert_eq!(terraces(&m, &TerraceOptions::default()).unwrap().steps, 0);
        assert!(terraces(&m, &TerraceOptions { step_hint: Some(-1.0), ..Default::default() }).is_err());
        let m = HeightMap::from_fn(10, 10, 1.0, 1.0, |x, _| x).unwrap();
        assert!(terraces(&m, &TerraceOptions { bin: Some(1e-12), ..Default::default() }).is_err());
    }
}
