//! Rejection-free kinetic Monte Carlo (BKL n-fold way).
//!
//! Every enabled (event, site[, direction]) *slot* of one event type has the same rate at a given time,
//! so each event type keeps the list of its enabled slots (O(1) insert/remove through a position
//! index). Selection draws one uniform number, walks the per-event class totals k_e·n_e (a handful of
//! classes, independent of the lattice size) and then picks a slot uniformly inside the class: O(1)
//! in the number of sites, which is at least as good as the O(log N) of a per-site sum tree. Only the
//! slots of the changed sites and their neighbours are re-evaluated after an event (local update), and
//! time advances by −ln(u)/R. Changing gas pressures or ion flux only changes the class rates, so a
//! phase change costs O(number of events), not O(N).

use rand::{RngCore, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::config::{Model, Rate};
use crate::lattice::NONE;
use crate::rates;

/// What one executed event did (for observers, e.g. tracer-diffusion tests).
#[derive(Debug, Clone, Copy)]
pub struct Executed {
    pub event: usize,
    pub site: u32,
    /// Partner site of a pair event, or [`NONE`].
    pub partner: u32,
    /// Neighbour direction of a pair event (index into `Lattice::dir_vectors`).
    pub dir: usize,
    /// Simulated time after the event (s).
    pub time_s: f64,
}

/// Why [`Engine::run_until`] stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// Reached the requested time (or nothing could happen any more).
    Reached,
    /// Used up the event budget, or the event rate extrapolates far beyond it.
    Budget,
}

struct SlotList {
    items: Vec<u32>,
    pos: Vec<u32>,
}

impl SlotList {
    #[inline]
    fn set(&mut self, slot: u32, on: bool) {
        let p = self.pos[slot as usize];
        if on {
            if p == NONE {
                self.pos[slot as usize] = self.items.len() as u32;
                self.items.push(slot);
            }
        } else if p != NONE {
            let last = self.items.pop().expect("slot list consistent");
            if last != slot {
                self.items[p as usize] = last;
                self.pos[last as usize] = p;
            }
            self.pos[slot as usize] = NONE;
        }
    }
}

/// The per-event data the inner loop reads, packed together.
#[derive(Clone, Copy)]
struct HotEvent {
    type_mask: u64,
    partner_type_mask: u64,
    partner: u8,
    cond: (usize, usize),
}

const NO_PARTNER: u8 = u8::MAX;

pub struct Engine<'m> {
    model: &'m Model,
    z: usize,
    nbr: &'m [u32],
    site_type: &'m [u8],
    species: Vec<u8>,
    height: Vec<i32>,
    lists: Vec<SlotList>,
    /// Event ids whose `site` species is s: `center_events[center_start[s]..center_start[s + 1]]`.
    center_events: Vec<u16>,
    center_start: Vec<usize>,
    is_pair: Vec<bool>,
    hot: Vec<HotEvent>,
    /// Flattened conditions: (mask index, min, max); event e uses `conds[hot[e].cond.0..hot[e].cond.1]`.
    conds: Vec<(usize, u32, u32)>,
    /// Distinct condition masks and, per site, the number of neighbours in each (`ncnt[i * nmask + c]`).
    masks: Vec<u64>,
    ncnt: Vec<u8>,
    /// Species whose change on a neighbour can alter the events of a site holding species s.
    sensitive: Vec<u64>,
    /// Current rate of one slot of each event (1/s).
    rate: Vec<f64>,
    time: f64,
    rng: Xoshiro256PlusPlus,
    /// Species counts over surface sites.
    counts: Vec<u64>,
    /// Sum of heights per site type.
    hsum: Vec<i64>,
    type_count: Vec<u64>,
    fired: Vec<u64>,
}

impl<'m> Engine<'m> {
    /// Put every site in its initial state and enable all possible events. All rates start at 0;
    /// call [`Engine::set_conditions`] before running.
    pub fn new(model: &'m Model, seed: u64) -> Engine<'m> {
        let lat = &model.lattice;
        let n = lat.n_sites();
        let z = lat.z;
        let ns = model.species.len();
        let mut center_events = Vec::new();
        let mut center_start = vec![0usize];
        for s in 0..ns {
            for (e, ev) in model.events.iter().enumerate() {
                if ev.center as usize == s {
                    center_events.push(e as u16);
                }
            }
            center_start.push(center_events.len());
        }
        let mut masks: Vec<u64> = Vec::new();
        let mut conds = Vec::new();
        let mut hot = Vec::new();
        let mut sensitive = vec![0u64; ns];
        for ev in &model.events {
            let c0 = conds.len();
            for c in &ev.conditions {
                let mi = masks.iter().position(|&m| m == c.mask).unwrap_or_else(|| {
                    masks.push(c.mask);
                    masks.len() - 1
                });
                conds.push((mi, c.min, c.max));
                sensitive[ev.center as usize] |= c.mask;
            }
            if let Some((p, _)) = ev.partner {
                sensitive[ev.center as usize] |= 1 << p;
            }
            hot.push(HotEvent {
                type_mask: ev.type_mask,
                partner_type_mask: ev.partner_type_mask,
                partner: ev.partner.map_or(NO_PARTNER, |p| p.0),
                cond: (c0, conds.len()),
            });
        }
        let nmask = masks.len();
        let mut ncnt = vec![0u8; n * nmask];
        for i in 0..n {
            for (c, &m) in masks.iter().enumerate() {
                ncnt[i * nmask + c] = lat.nbr[i * z..(i + 1) * z]
                    .iter()
                    .filter(|&&j| j != NONE && (m >> lat.initial_species[j as usize]) & 1 == 1)
                    .count() as u8;
            }
        }
        let is_pair: Vec<bool> = model.events.iter().map(|e| e.partner.is_some()).collect();
        let lists = is_pair
            .iter()
            .map(|&p| SlotList {
                items: Vec::new(),
                pos: vec![NONE; if p { n * z } else { n }],
            })
            .collect();
        let mut type_count = vec![0u64; lat.type_names.len()];
        let mut counts = vec![0u64; ns];
        for i in 0..n {
            let t = lat.site_type[i] as usize;
            type_count[t] += 1;
            if lat.type_is_surface[t] {
                counts[lat.initial_species[i] as usize] += 1;
            }
        }
        let mut eng = Engine {
            model,
            z,
            nbr: &lat.nbr,
            site_type: &lat.site_type,
            species: lat.initial_species.clone(),
            height: vec![0; n],
            lists,
            center_events,
            center_start,
            is_pair,
            hot,
            conds,
            masks,
            ncnt,
            sensitive,
            rate: vec![0.0; model.events.len()],
            time: 0.0,
            rng: Xoshiro256PlusPlus::seed_from_u64(seed),
            counts,
            hsum: vec![0; lat.type_names.len()],
            type_count,
            fired: vec![0; model.events.len()],
        };
        for i in 0..n {
            let s = eng.species[i];
            eng.refresh(i, s);
        }
        eng
    }

    pub fn model(&self) -> &Model {
        self.model
    }
    pub fn time_s(&self) -> f64 {
        self.time
    }
    pub fn species(&self) -> &[u8] {
        &self.species
    }
    /// Column heights (layers) of all sites.
    pub fn heights(&self) -> &[i32] {
        &self.height
    }
    /// Number of surface sites holding each species.
    pub fn species_counts(&self) -> &[u64] {
        &self.counts
    }
    /// Times each event has fired.
    pub fn fired(&self) -> &[u64] {
        &self.fired
    }
    /// Mean height (layers) of the sites of one type.
    pub fn mean_height(&self, site_type: usize) -> f64 {
        if self.type_count[site_type] == 0 {
            0.0
        } else {
            self.hsum[site_type] as f64 / self.type_count[site_type] as f64
        }
    }
    pub fn type_count(&self, site_type: usize) -> u64 {
        self.type_count[site_type]
    }
    /// Number of currently enabled slots of an event.
    pub fn enabled(&self, event: usize) -> usize {
        self.lists[event].items.len()
    }
    /// Current rate of one slot of each event (1/s).
    pub fn rates(&self) -> &[f64] {
        &self.rate
    }
    /// Total rate of all enabled events (1/s).
    pub fn total_rate(&self) -> f64 {
        self.rate.iter().zip(&self.lists).map(|(k, l)| k * l.items.len() as f64).sum()
    }

    /// Set every class rate from gas partial pressures (Pa, one per `kmc.gases`) and the ion beam
    /// (energy eV, flux ions/(nm²·s)).
    pub fn set_conditions(&mut self, pressures_pa: &[f64], ion: Option<(f64, f64)>) {
        for (e, ev) in self.model.events.iter().enumerate() {
            self.rate[e] = match ev.rate {
                Rate::Constant(k) => k,
                Rate::PerPascal { gas, hz_per_pa } => hz_per_pa * pressures_pa[gas],
                Rate::Ion { yield_prefactor, threshold_ev, site_area_nm2 } => match ion {
                    Some((energy, flux)) => flux * site_area_nm2 * rates::ion_yield(yield_prefactor, threshold_ev, energy),
                    None => 0.0,
                },
            };
        }
    }

    #[inline]
    fn uniform(&mut self) -> f64 {
        (self.rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    #[inline]
    fn conditions_ok(&self, h: &HotEvent, i: usize) -> bool {
        let nm = self.masks.len();
        for &(c, min, max) in &self.conds[h.cond.0..h.cond.1] {
            let n = self.ncnt[i * nm + c] as u32;
            if n < min || n > max {
                return false;
            }
        }
        true
    }

    /// Re-evaluate all slots of site i; `old` is its species before the change (equal if unchanged).
    fn refresh(&mut self, i: usize, old: u8) {
        let z = self.z;
        let s = self.species[i];
        if old != s {
            for k in self.center_start[old as usize]..self.center_start[old as usize + 1] {
                let e = self.center_events[k] as usize;
                if self.is_pair[e] {
                    for d in 0..z {
                        self.lists[e].set((i * z + d) as u32, false);
                    }
                } else {
                    self.lists[e].set(i as u32, false);
                }
            }
        }
        let t = self.site_type[i];
        for k in self.center_start[s as usize]..self.center_start[s as usize + 1] {
            let e = self.center_events[k] as usize;
            let h = self.hot[e];
            let base_ok = (h.type_mask >> t) & 1 == 1 && self.conditions_ok(&h, i);
            if h.partner == NO_PARTNER {
                self.lists[e].set(i as u32, base_ok);
            } else {
                for d in 0..z {
                    let j = self.nbr[i * z + d];
                    let on = base_ok
                        && j != NONE
                        && self.species[j as usize] == h.partner
                        && (h.partner_type_mask >> self.site_type[j as usize]) & 1 == 1;
                    self.lists[e].set((i * z + d) as u32, on);
                }
            }
        }
    }

    /// Refresh the neighbours of i whose events can depend on i's species (old or new).
    #[inline]
    fn refresh_neighbours(&mut self, i: usize, old: u8, skip: u32) {
        let new = self.species[i];
        if old == new {
            return;
        }
        let z = self.z;
        for d in 0..z {
            let k = self.nbr[i * z + d];
            if k != NONE && k != skip {
                let sk = self.species[k as usize];
                let sens = self.sensitive[sk as usize];
                if ((sens >> old) | (sens >> new)) & 1 == 1 {
                    self.refresh(k as usize, sk);
                }
            }
        }
    }

    #[inline]
    fn change(&mut self, i: usize, to: u8, dh: i32) -> u8 {
        let old = self.species[i];
        let t = self.site_type[i] as usize;
        if self.model.lattice.type_is_surface[t] {
            self.counts[old as usize] -= 1;
            self.counts[to as usize] += 1;
        }
        self.species[i] = to;
        self.height[i] += dh;
        self.hsum[t] += dh as i64;
        if old != to {
            let nm = self.masks.len();
            let z = self.z;
            for c in 0..nm {
                let m = self.masks[c];
                let d = ((m >> to) & 1) as i32 - ((m >> old) & 1) as i32;
                if d != 0 {
                    for q in 0..z {
                        let k = self.nbr[i * z + q];
                        if k != NONE {
                            let v = &mut self.ncnt[k as usize * nm + c];
                            *v = (*v as i32 + d) as u8;
                        }
                    }
                }
            }
        }
        old
    }

    fn execute(&mut self, e: usize, slot: u32) -> Executed {
        let z = self.z;
        let ev = &self.model.events[e];
        let (becomes, dh, partner, pdh) = (ev.becomes, ev.dh, ev.partner, ev.partner_dh);
        let (i, j, dir) = if self.is_pair[e] {
            let i = slot as usize / z;
            (i, self.nbr[slot as usize], slot as usize % z)
        } else {
            (slot as usize, NONE, 0)
        };
        let old_i = self.change(i, becomes, dh);
        let mut old_j = 0;
        if let Some((_, pb)) = partner {
            old_j = self.change(j as usize, pb, pdh);
        }
        self.refresh(i, old_i);
        if j != NONE {
            self.refresh(j as usize, old_j);
        }
        self.refresh_neighbours(i, old_i, j);
        if j != NONE {
            self.refresh_neighbours(j as usize, old_j, i as u32);
        }
        self.fired[e] += 1;
        Executed {
            event: e,
            site: i as u32,
            partner: j,
            dir,
            time_s: self.time,
        }
    }

    /// Run with the current rates until simulated time `t_end` (s) or until `budget` events.
    /// Also stops (as [`Stop::Budget`]) when, after 1e7 events, the event rate extrapolated to
    /// `horizon_s` exceeds 10 × budget. Returns the stop reason and the number of events.
    pub fn run_until<F: FnMut(&Executed)>(
        &mut self,
        t_end: f64,
        budget: u64,
        horizon: Option<(f64, f64)>,
        observer: &mut F,
    ) -> (Stop, u64) {
        let t_start = self.time;
        let ne = self.rate.len();
        let mut n = 0u64;
        loop {
            if n >= budget {
                return (Stop::Budget, n);
            }
            if n & 0xF_FFFF == 0xF_FFFF && n >= 10_000_000 {
                if let Some((phase_start, phase_end)) = horizon {
                    let dt = self.time - t_start;
                    if dt > 0.0 {
                        let projected = n as f64 * (phase_end - phase_start) / dt;
                        if projected > 10.0 * budget as f64 {
                            return (Stop::Budget, n);
                        }
                    } else {
                        return (Stop::Budget, n);
                    }
                }
            }
            let mut total = 0.0;
            for e in 0..ne {
                total += self.rate[e] * self.lists[e].items.len() as f64;
            }
            if total <= 0.0 {
                self.time = t_end;
                return (Stop::Reached, n);
            }
            let u = 1.0 - self.uniform(); // (0, 1]
            let dt = -u.ln() / total;
            if self.time + dt >= t_end {
                // Memoryless: discarding the pending event at a boundary is exact.
                self.time = t_end;
                return (Stop::Reached, n);
            }
            self.time += dt;
            // One uniform number picks the class, and its remainder the slot inside the class.
            let mut r = self.uniform() * total;
            let mut chosen = usize::MAX;
            let mut idx = 0usize;
            for e in 0..ne {
                let len = self.lists[e].items.len();
                let w = self.rate[e] * len as f64;
                if w <= 0.0 {
                    continue;
                }
                chosen = e;
                if r < w {
                    idx = ((r / self.rate[e]) as usize).min(len - 1);
                    break;
                }
                r -= w;
                idx = len - 1; // rounding fallback: last slot of the last non-empty class
            }
            let slot = self.lists[chosen].items[idx];
            let ex = self.execute(chosen, slot);
            observer(&ex);
            n += 1;
        }
    }
}
