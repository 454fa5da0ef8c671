//! Rejection-free kinetic Monte Carlo (BKL n-fold way).
//!
//! Every enabled (event, site[, direction]) *slot* of one event type has the same rate at a given time,
//! so each event type keeps the list of its enabled slots (O(1) insert/remove through a position
//! index). Selection draws one uniform number, walks the per-event class totals k_e·n_e (a handful of
//! classes, independent of the lattice size) and then picks a slot uniformly inside the class: O(1)
//! in the number of sites, which is at least as good as the O(log N) of a per-site sum tree. Only the
//! slots of the changed sites and their neighbours are re-evaluated after an event (local update), and
//! time advances by an Exp(1) variate / R (ziggurat; same law as −ln(u)/R). Changing gas pressures
//! or ion flux only changes the class rates, so a phase change costs O(number of events), not O(N).
//!
//! Two update paths share the slot lists and the selection:
//! * **State table** (models without pair events whose local state space is small, e.g. the ALD
//!   recipes): a site's events depend only on its species, its site type and how many neighbours hold
//!   each species set named in a condition. These are packed into one integer *state key* per site
//!   (mixed radix: species + ns·(type + nt·Σ count_j·(z+1)^j)), and a table built once per model maps
//!   a key to the bitmask of enabled events. An event adds a precomputed constant to its site's key
//!   and another to each neighbour's key; only the bits that differ between the old and the new
//!   table entry touch the slot lists. No per-site rescans, no branches on conditions.
//! * **General** (pair events, or a state table too large): per-site records with 8-bit neighbour
//!   counts; changed sites and the neighbours whose events can depend on them are re-evaluated.

use rand::{RngCore, SeedableRng};
use rand_distr::{Distribution, Exp1};
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::config::{Model, Rate};
use crate::lattice::{LatticeKind, NONE};
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

/// The per-event data the inner loop reads, packed together.
#[derive(Clone, Copy)]
struct HotEvent {
    type_mask: u64,
    partner_type_mask: u64,
    /// Conditions as (word offset in the site record, bit shift, min, max).
    cond: (u32, u32),
    /// Single-site events: index of this event's position word in a site record.
    pos_word: u32,
    partner: u8,
}

const NO_PARTNER: u8 = u8::MAX;

/// Per-event data of the state-table path.
#[derive(Clone, Copy)]
struct FastEvent {
    from: u8,
    to: u8,
    relax: bool,
    dh: i32,
    /// Added (wrapping) to the state key of the event's site.
    self_delta: u32,
    /// Added (wrapping) to the state key of each neighbour (the change of its neighbour counts).
    nbr_delta: u32,
}

/// Largest state table (entries) for which the table path is used.
const MAX_TABLE: usize = 1 << 16;

/// Lattice state and enabled-event lists.
///
/// State-table path: the record of a site is `w` u32 words: word 0 = state key, then the list
/// position of each of the site's species' single-site events (local index b < k), the column
/// height, and (non-periodic lattices only) the z neighbour indices.
///
/// General path: per-site data live in one record of `w` u32 words so that refreshing a site touches
/// one cache line: word 0 = species | type << 8 | count(mask 0) << 16 | count(mask 1) << 24, then the
/// counts of further masks (4 per word), then the list position of each single-site event of the
/// site's species (an event's position word is shared by events of different centre species, which
/// can never be enabled on the same site at once), then the height. Pair events keep a per-event
/// position array over (site, direction) slots.
pub struct Engine<'m> {
    model: &'m Model,
    z: usize,
    nbr: &'m [u32],
    w: usize,
    rec: Vec<u32>,
    /// Record word of the column height (i32 bits).
    hw: usize,
    /// Table path on a non-periodic lattice: first record word of the site's neighbour indices (a copy
    /// of the lattice's table, next to the key and height that an event reads: fewer cache misses).
    nw: usize,
    /// Table path on a periodic 2-D lattice: neighbours are computed from the index (nx, n, fastmod
    /// constant), so the hot per-site data are just the record (12 bytes for the Al₂O₃ model).
    periodic: Option<(u32, u32, u64)>,
    /// Enabled slots of each event (site for single-site events, site·z + direction for pair events).
    items: Vec<Vec<u32>>,
    /// Position arrays of pair events (empty for single-site events).
    pair_pos: Vec<Vec<u32>>,
    /// Event ids whose `site` species is s: `center_events[center_start[s]..center_start[s + 1]]`.
    center_events: Vec<u16>,
    center_start: Vec<usize>,
    hot: Vec<HotEvent>,
    /// Flattened conditions: (word offset in the site record, bit shift, min, max).
    conds: Vec<(u32, u32, u32, u32)>,
    masks: Vec<u64>,
    /// Species whose change on a neighbour can alter the events of a site holding species s.
    sensitive: Vec<u64>,
    is_surface: Vec<bool>,
    /// State table (key -> enabled-event bitmask | species << 32 | site type << 40); empty on the
    /// general path. Species and type come with the key, so an event never reads `site_type`.
    table: Vec<u64>,
    /// Single-site events per species on the table path (record words after the key).
    k: usize,
    /// Event of local index b of species s: `loc2ev[s * k + b]`.
    loc2ev: Vec<u16>,
    fev: Vec<FastEvent>,
    site_type: &'m [u8],
    /// Current rate of one slot of each event (1/s).
    rate: Vec<f64>,
    /// 1 / rate (0 where the rate is 0): the slot pick multiplies instead of dividing.
    inv_rate: Vec<f64>,
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
        Self::with_paths(model, seed, true)
    }

    /// [`Engine::new`]; `allow_table = false` forces the general path (tests compare the two).
    fn with_paths(model: &'m Model, seed: u64, allow_table: bool) -> Engine<'m> {
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
        let mut sensitive = vec![0u64; ns];
        for ev in &model.events {
            for c in &ev.conditions {
                if !masks.contains(&c.mask) {
                    masks.push(c.mask);
                }
                sensitive[ev.center as usize] |= c.mask;
            }
            if let Some((p, _)) = ev.partner {
                sensitive[ev.center as usize] |= 1 << p;
            }
        }
        let extra_words = masks.len().saturating_sub(2).div_ceil(4);
        // Local index of each single-site event among the single-site events of its centre species.
        let mut local = vec![0usize; model.events.len()];
        let mut k_single = 0;
        for s in 0..ns {
            let mut k = 0;
            for (e, ev) in model.events.iter().enumerate() {
                if ev.center as usize == s && ev.partner.is_none() {
                    local[e] = k;
                    k += 1;
                }
            }
            k_single = k_single.max(k);
        }
        let w = 1 + extra_words + k_single;
        let mut hot = Vec::new();
        for (e, ev) in model.events.iter().enumerate() {
            let c0 = conds.len();
            for c in &ev.conditions {
                let mi = masks.iter().position(|&m| m == c.mask).expect("mask registered");
                let (word, shift) = if mi < 2 { (0, 16 + 8 * mi) } else { (1 + (mi - 2) / 4, 8 * ((mi - 2) % 4)) };
                conds.push((word as u32, shift as u32, c.min, c.max));
            }
            hot.push(HotEvent {
                type_mask: ev.type_mask,
                partner_type_mask: ev.partner_type_mask,
                partner: ev.partner.map_or(NO_PARTNER, |p| p.0),
                cond: (c0 as u32, conds.len() as u32),
                pos_word: (1 + extra_words + local[e]) as u32,
            });
        }
        let nt = lat.type_names.len();
        let single_only = model.events.iter().all(|ev| ev.partner.is_none());
        let table_size = (0..masks.len())
            .try_fold(ns * nt, |acc, _| acc.checked_mul(z + 1))
            .filter(|&size| allow_table && single_only && k_single <= 32 && size <= MAX_TABLE);
        // Record: key/state word, list positions, height (general path: after the count words),
        // then on the table path the neighbour indices.
        let periodic = match lat.kind {
            LatticeKind::Square | LatticeKind::Hexagonal if table_size.is_some() => {
                Some((lat.nx as u32, n as u32, (u64::MAX / lat.nx as u64).wrapping_add(1)))
            }
            _ => None,
        };
        let (w, hw, nw) = match (table_size, periodic) {
            (Some(_), Some(_)) => (2 + k_single, 1 + k_single, 2 + k_single),
            (Some(_), None) => (2 + k_single + z, 1 + k_single, 2 + k_single),
            (None, _) => (w + 1, w, w + 1),
        };
        let mut rec = vec![NONE; n * w];
        for i in 0..n {
            rec[i * w + hw] = 0;
            if table_size.is_some() {
                if periodic.is_none() {
                    rec[i * w + nw..i * w + nw + z].copy_from_slice(&lat.nbr[i * z..(i + 1) * z]);
                }
            } else {
                rec[i * w] = lat.initial_species[i] as u32 | (lat.site_type[i] as u32) << 8;
                for x in 0..extra_words {
                    rec[i * w + 1 + x] = 0;
                }
            }
        }
        let mut eng = Engine {
            model,
            z,
            nbr: &lat.nbr,
            w,
            rec,
            hw,
            nw,
            periodic,
            items: vec![Vec::new(); model.events.len()],
            pair_pos: model
                .events
                .iter()
                .map(|ev| if ev.partner.is_some() { vec![NONE; n * z] } else { Vec::new() })
                .collect(),
            center_events,
            center_start,
            hot,
            conds,
            masks,
            sensitive,
            is_surface: lat.type_is_surface.clone(),
            table: Vec::new(),
            k: k_single,
            loc2ev: Vec::new(),
            fev: Vec::new(),
            site_type: &lat.site_type,
            rate: vec![0.0; model.events.len()],
            inv_rate: vec![0.0; model.events.len()],
            time: 0.0,
            rng: Xoshiro256PlusPlus::seed_from_u64(seed),
            counts: vec![0; ns],
            hsum: vec![0; lat.type_names.len()],
            type_count: vec![0; lat.type_names.len()],
            fired: vec![0; model.events.len()],
        };
        for i in 0..n {
            let t = lat.site_type[i] as usize;
            eng.type_count[t] += 1;
            if lat.type_is_surface[t] {
                eng.counts[lat.initial_species[i] as usize] += 1;
            }
        }
        if let Some(size) = table_size {
            eng.build_table(size, &local);
            return eng;
        }
        for i in 0..n {
            for c in 0..eng.masks.len() {
                let m = eng.masks[c];
                let cnt = lat.nbr[i * z..(i + 1) * z]
                    .iter()
                    .filter(|&&j| j != NONE && (m >> lat.initial_species[j as usize]) & 1 == 1)
                    .count() as u32;
                let (word, shift) = eng.cnt_loc(i, c);
                eng.rec[word] += cnt << shift;
            }
        }
        for i in 0..n {
            let s = eng.species_at(i);
            eng.refresh(i, s);
        }
        eng
    }

    /// Set up the state-table path: the key -> enabled-events table, the per-event key deltas, the
    /// initial keys and slot lists. `local[e]` is event e's index among its centre species' events.
    fn build_table(&mut self, size: usize, local: &[usize]) {
        let model = self.model;
        let lat = &model.lattice;
        let (n, z, w, k) = (lat.n_sites(), self.z, self.w, self.k);
        let ns = model.species.len();
        let nt = lat.type_names.len();
        let radix = z as u32 + 1;
        // Key stride of the neighbour count of condition mask j.
        let strides: Vec<u32> = (0..self.masks.len()).map(|j| (ns * nt) as u32 * radix.pow(j as u32)).collect();
        let mut loc2ev = vec![u16::MAX; ns * k];
        for (e, ev) in model.events.iter().enumerate() {
            loc2ev[ev.center as usize * k + local[e]] = e as u16;
        }
        let mut table = vec![0u64; size];
        let mut counts = vec![0u32; self.masks.len()];
        for (key, entry) in table.iter_mut().enumerate() {
            let s = key % ns;
            let t = (key / ns) % nt;
            let mut rest = key / (ns * nt);
            for c in counts.iter_mut() {
                *c = rest as u32 % radix;
                rest /= radix as usize;
            }
            let mut bits = 0u64;
            for (b, &e) in loc2ev[s * k..(s + 1) * k].iter().enumerate() {
                if e == u16::MAX {
                    continue;
                }
                let ev = &model.events[e as usize];
                let ok = (ev.type_mask >> t) & 1 == 1
                    && ev.conditions.iter().all(|c| {
                        let j = self.masks.iter().position(|&m| m == c.mask).expect("mask registered");
                        (c.min..=c.max).contains(&counts[j])
                    });
                if ok {
                    bits |= 1 << b;
                }
            }
            *entry = bits | (s as u64) << 32 | (t as u64) << 40;
        }
        let member = |m: u64, s: u8| ((m >> s) & 1) as u32;
        self.fev = model
            .events
            .iter()
            .map(|ev| {
                let (from, to) = (ev.center, ev.becomes);
                let mut nbr_delta = 0u32;
                for (j, &m) in self.masks.iter().enumerate() {
                    // Neighbour counts change by member(to) − member(from), in modular arithmetic.
                    nbr_delta = nbr_delta
                        .wrapping_add(strides[j].wrapping_mul(member(m, to)))
                        .wrapping_sub(strides[j].wrapping_mul(member(m, from)));
                }
                FastEvent {
                    from,
                    to,
                    relax: ev.relax,
                    dh: ev.dh,
                    self_delta: (to as u32).wrapping_sub(from as u32),
                    nbr_delta,
                }
            })
            .collect();
        for i in 0..n {
            let mut key = lat.initial_species[i] as u32 + (ns as u32) * lat.site_type[i] as u32;
            for (j, &m) in self.masks.iter().enumerate() {
                let cnt = lat.nbr[i * z..(i + 1) * z]
                    .iter()
                    .filter(|&&q| q != NONE && (m >> lat.initial_species[q as usize]) & 1 == 1)
                    .count() as u32;
                key += strides[j] * cnt;
            }
            self.rec[i * w] = key;
        }
        self.table = table;
        self.loc2ev = loc2ev;
        for i in 0..n {
            let entry = self.table[self.rec[i * w] as usize];
            let mut bits = entry as u32;
            while bits != 0 {
                let b = bits.trailing_zeros() as usize;
                bits &= bits - 1;
                let e = self.loc2ev[entry_species(entry) * k + b] as usize;
                list_insert(&mut self.items, &mut self.rec, w, e, i, 1 + b);
            }
        }
    }

    #[inline]
    fn cnt_loc(&self, i: usize, c: usize) -> (usize, u32) {
        if c < 2 {
            (i * self.w, 16 + 8 * c as u32)
        } else {
            (i * self.w + 1 + (c - 2) / 4, 8 * ((c - 2) % 4) as u32)
        }
    }

    /// Species of site i on the general path.
    #[inline]
    fn species_at(&self, i: usize) -> u8 {
        self.rec[i * self.w] as u8
    }

    #[inline]
    fn type_at(&self, i: usize) -> u8 {
        self.site_type[i]
    }

    /// Species of site i.
    pub fn species_of(&self, i: usize) -> u8 {
        if self.table.is_empty() {
            self.species_at(i)
        } else {
            entry_species(self.table[self.rec[i * self.w] as usize]) as u8
        }
    }

    /// Species of all sites.
    pub fn species_vec(&self) -> Vec<u8> {
        (0..self.site_type.len()).map(|i| self.species_of(i)).collect()
    }

    pub fn model(&self) -> &Model {
        self.model
    }

    /// Bytes held by the engine's per-site arrays and slot lists (the neighbour table is the lattice's
    /// and counted too).
    pub fn memory_bytes(&self) -> usize {
        4 * (self.rec.capacity() + self.nbr.len())
            + self.pair_pos.iter().map(|p| 4 * p.capacity()).sum::<usize>()
            + self.items.iter().map(|p| 4 * p.capacity()).sum::<usize>()
            + 8 * self.table.capacity()
    }
    pub fn time_s(&self) -> f64 {
        self.time
    }
    /// Column height (layers) of site i.
    #[inline]
    pub fn height(&self, i: usize) -> i32 {
        self.rec[i * self.w + self.hw] as i32
    }
    /// Column heights (layers) of all sites.
    pub fn heights(&self) -> Vec<i32> {
        (0..self.site_type.len()).map(|i| self.height(i)).collect()
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
        self.items[event].len()
    }
    /// Current rate of one slot of each event (1/s).
    pub fn rates(&self) -> &[f64] {
        &self.rate
    }
    /// Total rate of all enabled events (1/s).
    pub fn total_rate(&self) -> f64 {
        self.rate.iter().zip(&self.items).map(|(k, l)| k * l.len() as f64).sum()
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
            self.inv_rate[e] = if self.rate[e] > 0.0 { 1.0 / self.rate[e] } else { 0.0 };
        }
    }

    #[inline]
    fn uniform(&mut self) -> f64 {
        (self.rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Whether event e may fire on site i (site type and neighbour-count conditions).
    #[inline]
    fn site_ok(&self, e: usize, i: usize, t: u32) -> bool {
        let h = &self.hot[e];
        if (h.type_mask >> t) & 1 == 0 {
            return false;
        }
        let base = i * self.w;
        for &(word, shift, min, max) in &self.conds[h.cond.0 as usize..h.cond.1 as usize] {
            let n = (self.rec[base + word as usize] >> shift) & 0xFF;
            if n < min || n > max {
                return false;
            }
        }
        true
    }

    /// Enable/disable single-site event e on site i.
    #[inline]
    fn set_single(&mut self, e: usize, i: usize, pw: usize, on: bool) {
        let w = self.w;
        let p = self.rec[i * w + pw];
        if on {
            if p == NONE {
                self.rec[i * w + pw] = self.items[e].len() as u32;
                self.items[e].push(i as u32);
            }
        } else if p != NONE {
            let list = &mut self.items[e];
            let last = list.pop().expect("slot list consistent");
            if last as usize != i {
                list[p as usize] = last;
                self.rec[last as usize * w + pw] = p;
            }
            self.rec[i * w + pw] = NONE;
        }
    }

    /// Enable/disable pair event e on slot (site·z + direction).
    #[inline]
    fn set_pair(&mut self, e: usize, slot: usize, on: bool) {
        let pos = &mut self.pair_pos[e];
        let p = pos[slot];
        if on {
            if p == NONE {
                pos[slot] = self.items[e].len() as u32;
                self.items[e].push(slot as u32);
            }
        } else if p != NONE {
            let list = &mut self.items[e];
            let last = list.pop().expect("slot list consistent");
            if last as usize != slot {
                list[p as usize] = last;
                pos[last as usize] = p;
            }
            pos[slot] = NONE;
        }
    }

    /// Re-evaluate all slots of site i; `old` is its species before the change (equal if unchanged).
    fn refresh(&mut self, i: usize, old: u8) {
        let z = self.z;
        let s = self.species_at(i);
        if old != s {
            for k in self.center_start[old as usize]..self.center_start[old as usize + 1] {
                let e = self.center_events[k] as usize;
                if self.hot[e].partner == NO_PARTNER {
                    let pw = self.hot[e].pos_word as usize;
                    self.set_single(e, i, pw, false);
                } else {
                    for d in 0..z {
                        self.set_pair(e, i * z + d, false);
                    }
                }
            }
        }
        let t = self.type_at(i) as u32;
        let (a, b) = (self.center_start[s as usize], self.center_start[s as usize + 1]);
        for k in a..b {
            let e = self.center_events[k] as usize;
            let base_ok = self.site_ok(e, i, t);
            let (partner, ptm) = (self.hot[e].partner, self.hot[e].partner_type_mask);
            if partner == NO_PARTNER {
                let pw = self.hot[e].pos_word as usize;
                self.set_single(e, i, pw, base_ok);
            } else {
                for d in 0..z {
                    let j = self.nbr[i * z + d];
                    let on = base_ok
                        && j != NONE
                        && self.species_at(j as usize) == partner
                        && (ptm >> self.type_at(j as usize)) & 1 == 1;
                    self.set_pair(e, i * z + d, on);
                }
            }
        }
    }

    /// Refresh the neighbours of i whose events can depend on i's species (old or new).
    #[inline]
    fn refresh_neighbours(&mut self, i: usize, old: u8, skip: u32) {
        let new = self.species_at(i);
        if old == new {
            return;
        }
        let z = self.z;
        for d in 0..z {
            let k = self.nbr[i * z + d];
            if k != NONE && k != skip {
                let sk = self.species_at(k as usize);
                let sens = self.sensitive[sk as usize];
                if ((sens >> old) | (sens >> new)) & 1 == 1 {
                    self.refresh(k as usize, sk);
                }
            }
        }
    }

    #[inline]
    fn change(&mut self, i: usize, to: u8, dh: i32) -> u8 {
        let w = self.w;
        let word = self.rec[i * w];
        let old = word as u8;
        let t = (word >> 8) as u8 as usize;
        if self.is_surface[t] {
            self.counts[old as usize] -= 1;
            self.counts[to as usize] += 1;
        }
        self.rec[i * w] = (word & !0xFF) | to as u32;
        self.add_height(i, dh);
        self.hsum[t] += dh as i64;
        if old != to {
            let z = self.z;
            for c in 0..self.masks.len() {
                let m = self.masks[c];
                let (a, b) = ((m >> old) & 1, (m >> to) & 1);
                if a != b {
                    for q in 0..z {
                        let k = self.nbr[i * z + q];
                        if k != NONE {
                            let (wi, shift) = self.cnt_loc(k as usize, c);
                            if b == 1 {
                                self.rec[wi] += 1 << shift;
                            } else {
                                self.rec[wi] -= 1 << shift;
                            }
                        }
                    }
                }
            }
        }
        old
    }

    #[inline]
    fn add_height(&mut self, i: usize, dh: i32) {
        let h = &mut self.rec[i * self.w + self.hw];
        *h = (*h as i32 + dh) as u32;
    }

    /// Add `dh` to the lowest column among i and its neighbours (first found on ties, i first).
    #[inline]
    fn relax_height(&mut self, i: usize, dh: i32, nbrs: &[u32]) -> usize {
        let (w, hw) = (self.w, self.hw);
        let rec = &self.rec[..];
        let (mut best, mut hb) = (i, rec[i * w + hw] as i32);
        for &k in nbrs {
            if k != NONE && (rec[k as usize * w + hw] as i32) < hb {
                best = k as usize;
                hb = rec[best * w + hw] as i32;
            }
        }
        self.add_height(best, dh);
        best
    }

    fn execute(&mut self, e: usize, slot: u32) -> Executed {
        let z = self.z;
        let ev = &self.model.events[e];
        let (becomes, dh, partner, pdh) = (ev.becomes, ev.dh, ev.partner, ev.partner_dh);
        let (i, j, dir) = if partner.is_some() {
            let i = slot as usize / z;
            (i, self.nbr[slot as usize], slot as usize % z)
        } else {
            (slot as usize, NONE, 0)
        };
        let relax = ev.relax;
        let old_i = self.change(i, becomes, if relax { 0 } else { dh });
        if relax && dh != 0 {
            let z = self.z;
            let best = self.relax_height(i, dh, &self.nbr[i * z..(i + 1) * z]);
            let t = self.type_at(best) as usize;
            self.hsum[t] += dh as i64;
        }
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

    /// Neighbours of site i on the table path, in the lattice's direction order (first z entries).
    /// Written element by element (returning the array made the compiler copy it with wide loads
    /// right after narrow stores: a store-forwarding stall on every event).
    #[inline(always)]
    fn neighbours(&self, i: usize, out: &mut [u32; 6]) {
        match self.periodic {
            Some((nx, n, magic)) => {
                let i = i as u32;
                // x = i mod nx without a division (Lemire's fastmod, exact for 32-bit operands).
                let x = ((magic.wrapping_mul(i as u64) as u128 * nx as u128) >> 64) as u32;
                let row = i - x;
                let xr = if x + 1 == nx { 0 } else { x + 1 };
                let xl = if x == 0 { nx - 1 } else { x - 1 };
                let up = if row + nx == n { 0 } else { row + nx };
                let down = if row == 0 { n - nx } else { row - nx };
                // Directions as in `Lattice::build`: (1,0), (−1,0), (0,1), (0,−1), (1,−1), (−1,1).
                out[0] = row + xr;
                out[1] = row + xl;
                out[2] = up + x;
                out[3] = down + x;
                out[4] = down + xr;
                out[5] = up + xl;
            }
            None => {
                let (w, z, nw) = (self.w, self.z, self.nw);
                out[..z].copy_from_slice(&self.rec[i * w + nw..i * w + nw + z]);
            }
        }
    }

    /// Execute single-site event e on site i (state-table path).
    #[inline]
    fn execute_fast(&mut self, e: usize, i: usize) -> Executed {
        let f = self.fev[e];
        let (w, z) = (self.w, self.z);
        let mut nb_arr = [NONE; 6];
        self.neighbours(i, &mut nb_arr);
        let nb = &nb_arr[..z];
        // The records this event touches are scattered over the lattice: start all their loads
        // at once instead of one cache miss after another.
        prefetch(&self.rec, i * w);
        // The fired event leaves site i's list; the list's last site moves into its place.
        if let Some(&last) = self.items[e].last() {
            prefetch(&self.rec, last as usize * w);
        }
        if self.periodic.is_some() {
            for &q in nb {
                prefetch(&self.rec, q as usize * w);
            }
        }
        let t = entry_type(self.table[self.rec[i * w] as usize]);
        if f.dh != 0 {
            if f.relax {
                let best = self.relax_height(i, f.dh, nb);
                let tb = entry_type(self.table[self.rec[best * w] as usize]);
                self.hsum[tb] += f.dh as i64;
            } else {
                self.add_height(i, f.dh);
                self.hsum[t] += f.dh as i64;
            }
        }
        if f.from != f.to {
            if self.is_surface[t] {
                self.counts[f.from as usize] -= 1;
                self.counts[f.to as usize] += 1;
            }
            let k = self.k;
            let rec = &mut self.rec[..];
            let items = &mut self.items[..];
            let table = &self.table[..];
            let loc2ev = &self.loc2ev[..];
            let old = rec[i * w];
            let new = old.wrapping_add(f.self_delta);
            rec[i * w] = new;
            // Local event indices are per species: drop all of the old species', then add the new's.
            let mut bits = table[old as usize] as u32;
            let base = f.from as usize * k;
            while bits != 0 {
                let b = bits.trailing_zeros() as usize;
                bits &= bits - 1;
                list_remove(items, rec, w, loc2ev[base + b] as usize, i, 1 + b);
            }
            let mut bits = table[new as usize] as u32;
            let base = f.to as usize * k;
            while bits != 0 {
                let b = bits.trailing_zeros() as usize;
                bits &= bits - 1;
                list_insert(items, rec, w, loc2ev[base + b] as usize, i, 1 + b);
            }
            if f.nbr_delta != 0 {
                for &q in nb {
                    if q == NONE {
                        continue;
                    }
                    let q = q as usize;
                    let old = rec[q * w];
                    let new = old.wrapping_add(f.nbr_delta);
                    rec[q * w] = new;
                    let entry = table[new as usize];
                    let mut diff = (table[old as usize] ^ entry) as u32;
                    if diff != 0 {
                        let base = entry_species(entry) * k;
                        while diff != 0 {
                            let b = diff.trailing_zeros() as usize;
                            diff &= diff - 1;
                            let ev = loc2ev[base + b] as usize;
                            if (entry >> b) & 1 == 1 {
                                list_insert(items, rec, w, ev, q, 1 + b);
                            } else {
                                list_remove(items, rec, w, ev, q, 1 + b);
                            }
                        }
                    }
                }
            }
        }
        self.fired[e] += 1;
        Executed {
            event: e,
            site: i as u32,
            partner: NONE,
            dir: 0,
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
        if self.table.is_empty() {
            self.run_loop::<false, F>(t_end, budget, horizon, observer)
        } else {
            self.run_loop::<true, F>(t_end, budget, horizon, observer)
        }
    }

    fn run_loop<const TABLE: bool, F: FnMut(&Executed)>(
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
                total += self.rate[e] * self.items[e].len() as f64;
            }
            if total <= 0.0 {
                self.time = t_end;
                return (Stop::Reached, n);
            }
            // Exponential waiting time (ziggurat: no logarithm on the fast path).
            let dt = Distribution::<f64>::sample(&Exp1, &mut self.rng) / total;
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
                let len = self.items[e].len();
                let w = self.rate[e] * len as f64;
                if w <= 0.0 {
                    continue;
                }
                chosen = e;
                if r < w {
                    idx = ((r * self.inv_rate[e]) as usize).min(len - 1);
                    break;
                }
                r -= w;
                idx = len - 1; // rounding fallback: last slot of the last non-empty class
            }
            let slot = self.items[chosen][idx];
            let ex = if TABLE {
                self.execute_fast(chosen, slot as usize)
            } else {
                self.execute(chosen, slot)
            };
            observer(&ex);
            n += 1;
        }
    }
}

/// Hint the CPU to load `v[at]` into the cache (no effect on results; a no-op off x86-64).
#[inline(always)]
fn prefetch(v: &[u32], at: usize) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch never faults and has no architectural effect, whatever the address.
    unsafe {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        _mm_prefetch::<_MM_HINT_T0>(v.as_ptr().wrapping_add(at) as *const i8);
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (v, at);
}

/// Species of a state-table entry.
#[inline(always)]
fn entry_species(entry: u64) -> usize {
    ((entry >> 32) & 0xFF) as usize
}

/// Site type of a state-table entry.
#[inline(always)]
fn entry_type(entry: u64) -> usize {
    ((entry >> 40) & 0xFF) as usize
}

/// Append site i to the slot list of event e; its position goes to record word `pw`.
#[inline(always)]
fn list_insert(items: &mut [Vec<u32>], rec: &mut [u32], w: usize, e: usize, i: usize, pw: usize) {
    rec[i * w + pw] = items[e].len() as u32;
    items[e].push(i as u32);
}

/// Remove site i from the slot list of event e (the last slot moves into its place).
#[inline(always)]
fn list_remove(items: &mut [Vec<u32>], rec: &mut [u32], w: usize, e: usize, i: usize, pw: usize) {
    let p = rec[i * w + pw];
    let list = &mut items[e];
    let last = list.pop().expect("slot list consistent");
    if last as usize != i {
        list[p as usize] = last;
        rec[last as usize * w + pw] = p;
    }
    rec[i * w + pw] = NONE;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::KmcConfig;

    /// A network with several condition masks (min and max), a region-restricted event, relaxing and
    /// plain height changes and an event that keeps the species.
    fn model(kind: &str, nx: usize, ny: usize) -> Model {
        let text = format!(
            r#"
            temperature_k = 300
            species = ["A", "B", "C"]
            initial_species = "A"
            layer_thickness_angstrom = 1
            lattice = {{ kind = "{kind}", nx = {nx}, ny = {ny}, a_angstrom = 3 }}
            regions = [{{ name = "left", x_from = 0.0, x_to = 0.5, initial_species = "C" }}]
            events = [
              {{ name = "ab", site = "A", becomes = "B", conditions = [{{ species = ["B"], max = 1 }}], rate = {{ constant_hz = 3 }} }},
              {{ name = "ac", site = "A", becomes = "C", site_types = ["left"], conditions = [{{ species = ["B", "C"], min = 2 }}, {{ species = ["C"], max = 3 }}], rate = {{ constant_hz = 1 }} }},
              {{ name = "ba", site = "B", becomes = "A", height_change = 1, relax_to_lowest = true, rate = {{ constant_hz = 2 }} }},
              {{ name = "cb", site = "C", becomes = "B", height_change = 2, conditions = [{{ species = ["A"], min = 1 }}], rate = {{ constant_hz = 1.5 }} }},
              {{ name = "cc", site = "C", becomes = "C", height_change = -1, conditions = [{{ species = ["C"], min = 2 }}], rate = {{ constant_hz = 0.5 }} }},
            ]
            cycle = {{ count = 1, phases = [{{ name = "p", duration_s = 1.0 }}] }}
            "#
        );
        let cfg: KmcConfig = toml::from_str(&text).expect("test config parses");
        Model::compile(&cfg).expect("test config is valid")
    }

    /// Every slot list entry points back to its site through the position words, and vice versa.
    fn check_lists(eng: &Engine) {
        let mut listed = 0;
        for (e, list) in eng.items.iter().enumerate() {
            for (p, &i) in list.iter().enumerate() {
                let s = eng.species_of(i as usize) as usize;
                let b = (0..eng.k).find(|&b| eng.loc2ev[s * eng.k + b] as usize == e).expect("event of the species");
                assert_eq!(eng.rec[i as usize * eng.w + 1 + b] as usize, p);
                listed += 1;
            }
        }
        let enabled: usize = (0..eng.site_type.len())
            .map(|i| (0..eng.k).filter(|&b| eng.rec[i * eng.w + 1 + b] != NONE).count())
            .sum();
        assert_eq!(listed, enabled);
    }

    #[test]
    fn periodic_neighbours_match_the_lattice_table() {
        for kind in ["square", "hexagonal"] {
            for (nx, ny) in [(1, 1), (1, 3), (2, 2), (3, 5), (7, 4)] {
                let m = model(kind, nx, ny);
                let eng = Engine::new(&m, 1);
                assert!(eng.periodic.is_some() && !eng.table.is_empty());
                for i in 0..nx * ny {
                    let mut nb = [NONE; 6];
                    eng.neighbours(i, &mut nb);
                    assert_eq!(&nb[..eng.z], &m.lattice.nbr[i * eng.z..(i + 1) * eng.z], "{kind} {nx}x{ny} site {i}");
                }
            }
        }
    }

    /// The state-table path and the general path make the same list operations in the same order,
    /// so with one seed they follow the same trajectory.
    #[test]
    fn table_path_follows_the_general_path() {
        for (kind, nx, ny) in [("square", 16, 12), ("hexagonal", 10, 14), ("square", 2, 3)] {
            let m = model(kind, nx, ny);
            let mut fast = Engine::new(&m, 7);
            let mut slow = Engine::with_paths(&m, 7, false);
            assert!(!fast.table.is_empty() && slow.table.is_empty());
            for eng in [&mut fast, &mut slow] {
                eng.set_conditions(&[], None);
            }
            for step in 1..=20 {
                let t = 0.1 * step as f64;
                let a = fast.run_until(t, 1 << 40, None, &mut |_| {});
                let b = slow.run_until(t, 1 << 40, None, &mut |_| {});
                assert_eq!(a, b);
                assert_eq!(fast.species_vec(), slow.species_vec(), "{kind} {nx}x{ny} step {step}");
                assert_eq!(fast.heights(), slow.heights());
                assert_eq!(fast.fired(), slow.fired());
                assert_eq!(fast.species_counts(), slow.species_counts());
                assert_eq!(fast.time_s(), slow.time_s());
                for e in 0..m.events.len() {
                    assert_eq!(fast.enabled(e), slow.enabled(e));
                }
                check_lists(&fast);
            }
            if nx * ny >= 100 {
                assert!(fast.fired().iter().all(|&f| f > 0), "{kind}: every event fired: {:?}", fast.fired());
            }
        }
    }
}
