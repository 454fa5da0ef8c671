//! Cycle driver: phases with relaxing gas pressures, coverage sampling, per-cycle thickness.

use std::time::Instant;

use crate::config::Model;
use crate::engine::{Engine, Executed, Stop};
use crate::error::{KmcError, Result};
use crate::lattice::LatticeKind;

/// Progress report after each cycle.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    pub cycle: u32,
    pub cycles: u32,
    pub events: u64,
}

/// One row of the per-cycle table (state at the end of a cycle; cycle 0 = start).
#[derive(Debug, Clone)]
pub struct CycleRow {
    pub cycle: u32,
    pub time_s: f64,
    /// Mean film thickness of the reference surface (all surface sites in 2-D, the field of a trench) (Å).
    pub thickness_angstrom: f64,
    /// Mean thickness per site type (Å).
    pub type_thickness_angstrom: Vec<f64>,
    /// RMS roughness of the column heights (2-D lattices; Å).
    pub roughness_rms_angstrom: f64,
    pub events: u64,
}

/// One coverage sample.
#[derive(Debug, Clone)]
pub struct Sample {
    pub time_s: f64,
    pub cycle: u32,
    pub phase: usize,
    /// Surface sites holding each species.
    pub counts: Vec<u64>,
    /// Partial pressures (Pa) in effect just after the sample.
    pub pressures_pa: Vec<f64>,
}

/// Everything a run produced, before it is written to files.
#[derive(Debug, Clone)]
pub struct SimResult {
    pub rows: Vec<CycleRow>,
    pub samples: Vec<Sample>,
    pub surface_sites: u64,
    pub final_species: Vec<u8>,
    pub final_heights: Vec<i32>,
    pub fired: Vec<u64>,
    pub events: u64,
    pub simulated_time_s: f64,
    pub wall_time_s: f64,
    pub seed: u64,
    /// Memory held by the engine at the end of the run (bytes).
    pub engine_bytes: usize,
}

impl SimResult {
    pub fn gpc_angstrom_per_cycle(&self) -> f64 {
        let first = &self.rows[0];
        let last = self.rows.last().expect("at least one row");
        (last.thickness_angstrom - first.thickness_angstrom) / (last.cycle - first.cycle).max(1) as f64
    }
}

/// Types whose mean height defines "the" film thickness.
pub(crate) fn reference_types(model: &Model) -> Vec<usize> {
    let lat = &model.lattice;
    match lat.kind {
        LatticeKind::Trench => vec![2],
        _ => (0..lat.type_names.len()).collect(),
    }
}

fn cycle_row(eng: &Engine, cycle: u32, events: u64) -> CycleRow {
    let model = eng.model();
    let lt = model.layer_thickness_angstrom;
    let ntypes = model.lattice.type_names.len();
    let type_thickness: Vec<f64> = (0..ntypes).map(|t| eng.mean_height(t) * lt).collect();
    let refs = reference_types(model);
    let (mut hs, mut cnt) = (0.0, 0u64);
    for &t in &refs {
        hs += eng.mean_height(t) * eng.type_count(t) as f64;
        cnt += eng.type_count(t);
    }
    let mean = if cnt > 0 { hs / cnt as f64 } else { 0.0 };
    let roughness = if model.lattice.kind == LatticeKind::Trench {
        0.0
    } else {
        let n = model.lattice.n_sites();
        let var = (0..n).map(|i| (eng.height(i) as f64 - mean).powi(2)).sum::<f64>() / n as f64;
        var.sqrt() * lt
    };
    CycleRow {
        cycle,
        time_s: eng.time_s(),
        thickness_angstrom: mean * lt,
        type_thickness_angstrom: type_thickness,
        roughness_rms_angstrom: roughness,
        events,
    }
}

/// Run all cycles of `model` from `seed`. `observer` sees every executed event.
pub fn simulate_with<F: FnMut(&Executed)>(
    model: &Model,
    seed: u64,
    progress: &mut dyn FnMut(Progress),
    observer: &mut F,
) -> Result<SimResult> {
    let wall = Instant::now();
    let mut eng = Engine::new(model, seed);
    let ngas = model.gases.len();
    let tau = model.residence_time_s;
    let budget = model.max_events_per_phase as u64;
    let mut pressures = vec![0.0; ngas];
    let mut rows = vec![cycle_row(&eng, 0, 0)];
    let mut samples = Vec::new();
    let mut events = 0u64;
    let spp = model.samples_per_phase;
    for cycle in 1..=model.cycles {
        for (pi, phase) in model.phases.iter().enumerate() {
            let t0 = eng.time_s();
            let dur = phase.duration_s;
            let p0 = pressures.clone();
            let target = &phase.pressures_pa;
            let relaxing = tau > 0.0 && p0.iter().zip(target).any(|(a, b)| a != b);
            // Breakpoints (relative times); `true` marks a coverage sample.
            let mut bps: Vec<(f64, bool)> = (0..spp).map(|k| (k as f64 * dur / spp as f64, true)).collect();
            let cutoff = if relaxing { (12.0 * tau).min(dur) } else { 0.0 };
            if relaxing {
                let step = tau / 4.0;
                let mut t = step;
                while t < cutoff {
                    bps.push((t, false));
                    t += step;
                }
                bps.push((cutoff, false));
            }
            bps.push((0.0, false));
            bps.push((dur, false));
            bps.sort_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(&a.1)));
            let fired_before: Vec<u64> = eng.fired().to_vec();
            let mut phase_events = 0u64;
            let mut seg_p = vec![0.0; ngas];
            let mut k = 0;
            while k < bps.len() {
                let a = bps[k].0;
                let mut is_sample = false;
                while k < bps.len() && bps[k].0 == a {
                    is_sample |= bps[k].1;
                    k += 1;
                }
                if a >= dur {
                    break;
                }
                let b = if k < bps.len() { bps[k].0 } else { dur };
                // Exact mean pressure over [a, b) of p(t) = P + (p0 − P)·exp(−t/τ).
                for g in 0..ngas {
                    seg_p[g] = if relaxing && a < cutoff {
                        let f = tau / (b - a) * ((-a / tau).exp() - (-b / tau).exp());
                        target[g] + (p0[g] - target[g]) * f
                    } else {
                        target[g]
                    };
                }
                eng.set_conditions(&seg_p, phase.ion);
                if is_sample {
                    samples.push(Sample {
                        time_s: eng.time_s(),
                        cycle,
                        phase: pi,
                        counts: eng.species_counts().to_vec(),
                        pressures_pa: seg_p.clone(),
                    });
                }
                let (stop, n) = eng.run_until(t0 + b, budget - phase_events, Some((t0, t0 + dur)), observer);
                phase_events += n;
                if stop == Stop::Budget {
                    return Err(runaway(model, &eng, pi, cycle, t0, phase_events, &fired_before));
                }
            }
            events += phase_events;
            for g in 0..ngas {
                pressures[g] = if tau > 0.0 {
                    target[g] + (p0[g] - target[g]) * (-dur / tau).exp()
                } else {
                    target[g]
                };
            }
        }
        rows.push(cycle_row(&eng, cycle, events));
        progress(Progress {
            cycle,
            cycles: model.cycles,
            events,
        });
    }
    samples.push(Sample {
        time_s: eng.time_s(),
        cycle: model.cycles,
        phase: model.phases.len() - 1,
        counts: eng.species_counts().to_vec(),
        pressures_pa: pressures.clone(),
    });
    let surface_sites = eng.species_counts().iter().sum();
    Ok(SimResult {
        rows,
        samples,
        surface_sites,
        final_species: eng.species_vec(),
        final_heights: eng.heights(),
        fired: eng.fired().to_vec(),
        events,
        simulated_time_s: eng.time_s(),
        wall_time_s: wall.elapsed().as_secs_f64(),
        seed,
        engine_bytes: eng.memory_bytes(),
    })
}

/// [`simulate_with`] without an event observer.
pub fn simulate(model: &Model, seed: u64, progress: &mut dyn FnMut(Progress)) -> Result<SimResult> {
    simulate_with(model, seed, progress, &mut |_: &Executed| {})
}

fn runaway(model: &Model, eng: &Engine, pi: usize, cycle: u32, t0: f64, n: u64, before: &[u64]) -> KmcError {
    let phase = &model.phases[pi];
    let (e, _) = eng
        .fired()
        .iter()
        .zip(before)
        .map(|(a, b)| a - b)
        .enumerate()
        .max_by_key(|&(_, c)| c)
        .expect("at least one event");
    let elapsed = eng.time_s() - t0;
    let projected = if elapsed > 0.0 { n as f64 * phase.duration_s / elapsed } else { f64::INFINITY };
    KmcError::Runaway {
        key: format!("kmc.cycle.phases[{pi}]"),
        message: format!(
            "phase '{}' (cycle {cycle}) does not terminate: {n} events in {elapsed:.3e} s of its {} s, \
             about {projected:.1e} events projected > kmc.max_events_per_phase = {:.1e}; \
             mostly event '{}' (kmc.events[{e}], {:.3e} Hz on {} sites): lower its rate or shorten the phase",
            phase.name,
            phase.duration_s,
            model.max_events_per_phase,
            model.events[e].name,
            eng.rates()[e],
            eng.enabled(e),
        ),
    }
}
