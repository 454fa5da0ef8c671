//! One independent search thread: basin hopping (Wales & Doye, J. Phys. Chem. A 101, 5111 (1997)) with an
//! adaptive step, angular and surface-site moves and lattice-seeded restarts, or a cut-and-splice genetic
//! algorithm (Deaven & Ho, PRL 75, 288 (1995)).

use crate::db::{fingerprint, same_minimum, MinimaDb, SameTol};
use crate::minimize::{lbfgs, LbfgsParams, LbfgsWorkspace};
use crate::potential::{dist2, ClusterPotential};
use crate::seed::{lattice_search, motif_lattice, random_cluster, random_direction, surface_sites, Motif};
use rand::Rng;
use rand_xoshiro::Xoshiro256PlusPlus;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;

/// State shared by all walkers of one search.
pub(crate) struct Shared {
    pub stop: AtomicBool,
    pub evaluations: AtomicU64,
    pub deadline: Option<Instant>,
    pub target: Option<f64>,
    pub target_tol: f64,
    pub max_evaluations: Option<u64>,
    /// Lowest energy found by any walker so far, as f64 bits.
    pub best_bits: AtomicU64,
}

impl Shared {
    pub fn should_stop(&self) -> bool {
        if self.stop.load(Ordering::Relaxed) {
            return true;
        }
        let out_of_time = self.deadline.is_some_and(|d| Instant::now() >= d);
        let out_of_evals = self.max_evaluations.is_some_and(|m| self.evaluations.load(Ordering::Relaxed) >= m);
        if out_of_time || out_of_evals {
            self.stop.store(true, Ordering::Relaxed);
            return true;
        }
        false
    }

    fn report(&self, e: f64) {
        let mut cur = self.best_bits.load(Ordering::Relaxed);
        while e < f64::from_bits(cur) {
            match self.best_bits.compare_exchange_weak(cur, e.to_bits(), Ordering::Relaxed, Ordering::Relaxed) {
                Ok(_) => break,
                Err(x) => cur = x,
            }
        }
        if let Some(t) = self.target {
            if e <= t + self.target_tol {
                self.stop.store(true, Ordering::Relaxed);
            }
        }
    }
}

/// Settings common to all walkers of one search.
pub(crate) struct WalkerCtx<'a> {
    pub n: usize,
    pub pot: &'a dyn ClusterPotential,
    /// Nearest-neighbour distance (length unit).
    pub nn: f64,
    /// Metropolis temperature (energy unit).
    pub temperature: f64,
    /// Maximum basin-hopping steps (GA: offspring) per walker.
    pub max_steps: Option<u64>,
    pub keep: usize,
    pub seeding: bool,
    /// Two-phase local optimisation (surface moves after each new best; see `surface_descent`).
    pub descent: bool,
    /// Alternate runs with compressed two-phase quenches (see `Quencher::compress`).
    pub compression: bool,
    /// Energy of one bond (energy unit, > 0), the scale of the compression.
    pub bond_energy: f64,
    pub lbfgs: LbfgsParams,
}

/// What one walker found.
pub(crate) struct WalkerOutcome {
    pub best_energy: f64,
    pub best_positions: Vec<[f64; 3]>,
    pub db: MinimaDb,
    pub steps: u64,
    pub restarts: u64,
}

/// Local minimiser with evaluation counting and a container that keeps atoms from evaporating.
pub(crate) struct Quencher<'a> {
    pot: &'a dyn ClusterPotential,
    params: LbfgsParams,
    ws: LbfgsWorkspace,
    pbuf: Vec<[f64; 3]>,
    gbuf: Vec<[f64; 3]>,
    pub evals: u64,
    /// Whether the last quench reached the gradient tolerance (false when stopped early).
    pub last_converged: bool,
    /// Compression μ (energy/length²): when > 0, `quench` first relaxes E + μ Σᵢ |rᵢ − r_c|² and then E
    /// ("two-phase" quench, Doye, PRE 62, 8753 (2000)); compact structures get wider basins.
    pub compress: f64,
}

impl<'a> Quencher<'a> {
    pub fn new(pot: &'a dyn ClusterPotential, n: usize, params: LbfgsParams) -> Self {
        Self {
            pot,
            params,
            ws: LbfgsWorkspace::default(),
            pbuf: vec![[0.0; 3]; n],
            gbuf: vec![[0.0; 3]; n],
            evals: 0,
            last_converged: false,
            compress: 0.0,
        }
    }

    /// Relax `pos` in place; returns the energy. Ends early when `shared` says stop.
    pub fn quench(&mut self, pos: &mut [[f64; 3]], shared: Option<&Shared>) -> f64 {
        if self.compress > 0.0 {
            // the compressed phase need not be tight: the plain phase finishes the job
            let loose = LbfgsParams { grad_tol: self.params.grad_tol * 100.0, ..self.params };
            self.quench_mu(pos, shared, loose, self.compress);
            if shared.is_some_and(|s| s.should_stop()) {
                self.last_converged = false;
                return f64::INFINITY;
            }
        }
        self.quench_with(pos, shared, self.params)
    }

    pub fn quench_with(&mut self, pos: &mut [[f64; 3]], shared: Option<&Shared>, params: LbfgsParams) -> f64 {
        self.quench_mu(pos, shared, params, 0.0)
    }

    /// Relax on the compressed landscape only; returns E + μ Σ |rᵢ − r_c|².
    pub fn quench_compressed(&mut self, pos: &mut [[f64; 3]], shared: Option<&Shared>, mu: f64) -> f64 {
        self.quench_mu(pos, shared, self.params, mu)
    }

    pub fn params(&self) -> LbfgsParams {
        self.params
    }

    fn quench_mu(&mut self, pos: &mut [[f64; 3]], shared: Option<&Shared>, params: LbfgsParams, mu: f64) -> f64 {
        let pot = self.pot;
        let pbuf = &mut self.pbuf;
        let gbuf = &mut self.gbuf;
        pbuf.resize(pos.len(), [0.0; 3]);
        gbuf.resize(pos.len(), [0.0; 3]);
        let mut f = |x: &[f64], g: &mut [f64]| {
            for (i, p) in pbuf.iter_mut().enumerate() {
                *p = [x[3 * i], x[3 * i + 1], x[3 * i + 2]];
            }
            let mut e = pot.energy_gradient(pbuf, gbuf);
            if mu > 0.0 {
                // Σ (rᵢ − c) = 0, so ∂/∂rᵢ of μ Σⱼ |rⱼ − c|² is 2μ (rᵢ − c)
                let c = centroid(pbuf);
                for (p, gi) in pbuf.iter().zip(gbuf.iter_mut()) {
                    for a in 0..3 {
                        let d = p[a] - c[a];
                        e += mu * d * d;
                        gi[a] += 2.0 * mu * d;
                    }
                }
            }
            g.copy_from_slice(gbuf.as_flattened());
            if let Some(s) = shared {
                s.evaluations.fetch_add(1, Ordering::Relaxed);
            }
            e
        };
        let stop = || shared.is_some_and(|s| s.should_stop());
        let r = lbfgs(pos.as_flattened_mut(), &mut f, &params, &mut self.ws, &stop);
        self.evals += r.evaluations as u64;
        self.last_converged = r.converged;
        r.energy
    }
}

fn centroid(pos: &[[f64; 3]]) -> [f64; 3] {
    let n = pos.len() as f64;
    [0, 1, 2].map(|a| pos.iter().map(|p| p[a]).sum::<f64>() / n)
}

/// Move atoms that drifted outside a sphere of radius `rc` around the centroid back inside.
fn contain(pos: &mut [[f64; 3]], rc: f64, rng: &mut impl Rng) {
    let c = centroid(pos);
    for p in pos.iter_mut() {
        let d = [p[0] - c[0], p[1] - c[1], p[2] - c[2]];
        let r = (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]).sqrt();
        if r > rc {
            let s = rng.gen_range(0.3..0.9) * rc / r;
            *p = [c[0] + d[0] * s, c[1] + d[1] * s, c[2] + d[2] * s];
        }
    }
}

/// Container radius (length unit) for n atoms: twice the radius of a close-packed sphere plus a margin.
pub(crate) fn container_radius(n: usize, nn: f64) -> f64 {
    2.0 * nn * (n as f64 / 0.74).cbrt() * 0.5 + 2.0 * nn
}

/// A starting structure of the given motif (unrelaxed); falls back to random when a lattice is too small
/// or `shared` stops the lattice search before it has a subset.
pub(crate) fn start_structure(motif: Motif, ctx: &WalkerCtx, shared: &Shared, rng: &mut impl Rng) -> Vec<[f64; 3]> {
    if motif != Motif::Random {
        let sites = motif_lattice(motif, ctx.n, ctx.nn * 0.98, rng);
        // more rounds lower the unrelaxed lattice energy, which can misrank: on the icosahedral lattice 193
        // rounds turn LJ134's C3v minimum into a worse Cs one; the stellated lattice needs them (the
        // 98-of-162 Leary subset: 18 of 20 seeds at 40 rounds, 20 of 20 at 200)
        let rounds = if motif == Motif::StellatedTetrahedral { 200 } else { 40 };
        if let Some(p) = lattice_search(&sites, ctx.n, ctx.nn, ctx.pot, rounds, rng, &|| shared.should_stop()) {
            return p;
        }
    }
    random_cluster(ctx.n, ctx.nn, rng)
}

/// Highest-energy atoms first.
fn weakest_atoms(pot: &dyn ClusterPotential, pos: &[[f64; 3]], buf: &mut Vec<f64>) -> Vec<usize> {
    buf.resize(pos.len(), 0.0);
    pot.atom_energies(pos, buf);
    let mut idx: Vec<usize> = (0..pos.len()).collect();
    idx.sort_by(|&a, &b| buf[b].partial_cmp(&buf[a]).unwrap());
    idx
}

/// Exchange the positions of `k` random pairs of atoms of different species (same as exchanging species).
fn swap_species(x: &mut [[f64; 3]], species: &[u32], k: usize, rng: &mut impl Rng) {
    let n = x.len();
    for _ in 0..k {
        let i = rng.gen_range(0..n);
        let others: usize = species.iter().filter(|&&s| s != species[i]).count();
        if others == 0 {
            return;
        }
        let pick = rng.gen_range(0..others);
        let j = (0..n).filter(|&j| species[j] != species[i]).nth(pick).expect("counted above");
        x.swap(i, j);
    }
}

/// True when the potential gives atoms more than one species.
fn mixed<'a>(ctx: &WalkerCtx<'a>) -> Option<&'a [u32]> {
    ctx.pot.species().filter(|s| s.iter().any(|&v| v != s[0]))
}

/// Apply one basin-hopping move to `x` (a copy of the current minimum).
fn perturb(x: &mut [[f64; 3]], ctx: &WalkerCtx, step: f64, rng: &mut impl Rng, ebuf: &mut Vec<f64>) {
    let n = x.len();
    if let Some(species) = mixed(ctx) {
        // multi-species: a third of the moves exchange unlike atoms, with a small shake so the quench moves
        if rng.gen_bool(1.0 / 3.0) {
            swap_species(x, species, 1 + rng.gen_range(0..2usize), rng);
            for p in x.iter_mut() {
                for v in p.iter_mut() {
                    *v += rng.gen_range(-0.05 * ctx.nn..0.05 * ctx.nn);
                }
            }
            return;
        }
    }
    let r: f64 = rng.gen();
    if n < 4 || r < 0.5 {
        // random Cartesian displacement of every atom within ±step
        for p in x.iter_mut() {
            for v in p.iter_mut() {
                *v += rng.gen_range(-step..step);
            }
        }
    } else if r < 0.7 {
        // angular move: a weakly bound atom jumps to a random point on the cluster's bounding sphere
        let order = weakest_atoms(ctx.pot, x, ebuf);
        let k = 1 + rng.gen_range(0..3usize.min(n / 4).max(1));
        let c = centroid(x);
        let rmax = x.iter().map(|p| dist2(*p, c)).fold(0.0, f64::max).sqrt();
        for &i in order.iter().take(k) {
            let d = random_direction(rng);
            x[i] = [c[0] + rmax * d[0], c[1] + rmax * d[1], c[2] + rmax * d[2]];
        }
    } else {
        // surface-site move: take weakly bound atoms and put them in the best empty hollows
        let order = weakest_atoms(ctx.pot, x, ebuf);
        let k = 1 + rng.gen_range(0..2usize.min(n / 6).max(1));
        for &i in order.iter().take(k) {
            let sites = surface_sites(x, ctx.nn, ctx.pot, Some(i));
            if sites.is_empty() {
                continue;
            }
            let pick = rng.gen_range(0..sites.len().min(3));
            x[i] = sites[pick].0;
        }
    }
}

/// Two-phase local optimisation (after the surface moves of dynamic lattice searching, Shao et al., J. Phys.
/// Chem. A 108, 3586 (2004)): in the relaxed cluster, move one of the highest-energy atoms to one of the
/// lowest-energy vacant surface sites, relax, and keep the result when the energy drops; repeat until no
/// tried move helps. `x`, `e` hold a relaxed minimum and are updated in place; returns whether it improved.
fn surface_descent(
    x: &mut Vec<[f64; 3]>,
    e: &mut f64,
    ctx: &WalkerCtx,
    q: &mut Quencher,
    shared: &Shared,
    ebuf: &mut Vec<f64>,
    trial: &mut Vec<[f64; 3]>,
) -> bool {
    const ATOMS: usize = 4;
    const SITES: usize = 3;
    let n = x.len();
    if n < 8 || !e.is_finite() {
        return false;
    }
    let mut improved = false;
    // each success lowers the energy; the cap only bounds pathological cycling through round-off
    for _ in 0..2 * n {
        let order = weakest_atoms(ctx.pot, x, ebuf);
        let mut moved = false;
        'atoms: for &i in order.iter().take(ATOMS) {
            let sites = surface_sites(x, ctx.nn, ctx.pot, Some(i));
            let mut tried = 0;
            for (site, _) in sites.iter() {
                if tried == SITES {
                    break;
                }
                if dist2(*site, x[i]) < 0.25 * ctx.nn * ctx.nn {
                    continue; // the atom's own site
                }
                tried += 1;
                if shared.should_stop() {
                    return improved;
                }
                trial.clear();
                trial.extend_from_slice(x);
                trial[i] = *site;
                let et = q.quench(trial, Some(shared));
                if et.is_finite() && q.last_converged && et < *e - 1e-7 {
                    std::mem::swap(x, trial);
                    *e = et;
                    improved = true;
                    moved = true;
                    break 'atoms;
                }
            }
        }
        if !moved {
            break;
        }
    }
    improved
}

/// Basin hopping with restarts from lattice seeds.
pub(crate) fn basin_hopping(ctx: &WalkerCtx, shared: &Shared, walker: usize, threads: usize, rng: &mut Xoshiro256PlusPlus) -> WalkerOutcome {
    let n = ctx.n;
    let mut q = Quencher::new(ctx.pot, n, ctx.lbfgs);
    let mut db = MinimaDb::new(ctx.keep);
    let mut best_e = f64::INFINITY;
    let mut best_x: Vec<[f64; 3]> = Vec::new();
    let rc = container_radius(n, ctx.nn);
    let stagnation = 100 + 3 * n as u64;
    let mut steps = 0u64;
    let mut restarts = 0u64;
    let mut ebuf = Vec::new();
    // first runs: relax one seed of every lattice motif; walker w starts from the w-th lowest, so that the
    // walkers begin in different promising funnels (later runs cycle through the motifs)
    let mut ranked: Vec<(f64, Vec<[f64; 3]>)> = Vec::new();
    if ctx.seeding {
        for &m in Motif::ALL.iter().filter(|&&m| m != Motif::Random) {
            if shared.should_stop() {
                break;
            }
            let mut x = start_structure(m, ctx, shared, rng);
            let e = q.quench(&mut x, Some(shared));
            if e.is_finite() && q.last_converged {
                if e < best_e {
                    best_e = e;
                    best_x = x.clone();
                }
                db.insert(e, &x);
                shared.report(e);
                ranked.push((e, x));
            } else if e.is_finite() && shared.should_stop() {
                // cut short by the stop: not a minimum, but a better start for the walker's last structure
                // than the random cluster an already stopped lattice search would give
                ranked.push((e, x));
            }
        }
        ranked.sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap());
    }
    'outer: loop {
        let motif = if ctx.seeding { Motif::ALL[(walker + restarts as usize * threads.max(1)) % Motif::ALL.len()] } else { Motif::Random };
        // Runs cycle through three landscapes (Doye, PRE 62, 8753 (2000)), which open the narrow funnels of
        // compact non-icosahedral minima (LJ38, LJ98) without losing the icosahedral ones: plain basin
        // hopping; two-phase quenches (compressed, then plain) with Metropolis on the plain energy; and a
        // walk on the compressed landscape itself, each of its minima re-quenched plainly to be recorded.
        // Compression μ in units of the bond energy per nn².
        let mode = if ctx.compression { (walker + restarts as usize) % 3 } else { 0 };
        let unit = ctx.bond_energy / (ctx.nn * ctx.nn);
        q.compress = match mode {
            1 => 1.25 * unit,
            2 => [3.0, 6.0][(restarts as usize / 3) % 2] * unit,
            _ => 0.0,
        };
        let walk_compressed = mode == 2;
        let mut cur = match ranked.get(walker % ranked.len().max(1)) {
            Some(seed) if restarts == 0 => seed.1.clone(),
            _ => start_structure(motif, ctx, shared, rng),
        };
        let mut cur_e = q.quench(&mut cur, Some(shared));
        let mut scratch: Vec<[f64; 3]> = Vec::with_capacity(n);
        if ctx.descent && !walk_compressed {
            surface_descent(&mut cur, &mut cur_e, ctx, &mut q, shared, &mut ebuf, &mut scratch);
        }
        // compressed walk: `cur` is a minimum of the compressed landscape with energy `cur_c`
        let mut cur_c = f64::INFINITY;
        let mut plain: Vec<[f64; 3]> = Vec::new();
        if walk_compressed {
            let mu = q.compress;
            q.compress = 0.0;
            cur_c = q.quench_compressed(&mut cur, Some(shared), mu);
            q.compress = mu;
        }
        let record = |e: f64, x: &[[f64; 3]], db: &mut MinimaDb, best_e: &mut f64, best_x: &mut Vec<[f64; 3]>| {
            if e < *best_e {
                *best_e = e;
                best_x.clear();
                best_x.extend_from_slice(x);
            }
            db.insert(e, x);
            shared.report(e);
        };
        record(cur_e, &cur, &mut db, &mut best_e, &mut best_x);
        let mut run_best = cur_e;
        let mut since = 0u64;
        let mut step = 0.36 * ctx.nn;
        let (mut tried, mut accepted) = (0u32, 0u32);
        let mut trial = cur.clone();
        loop {
            if shared.should_stop() || ctx.max_steps.is_some_and(|m| steps >= m) {
                break 'outer;
            }
            trial.copy_from_slice(&cur);
            perturb(&mut trial, ctx, step, rng, &mut ebuf);
            contain(&mut trial, rc, rng);
            if walk_compressed {
                let ec = q.quench_compressed(&mut trial, Some(shared), q.compress);
                steps += 1;
                if !ec.is_finite() || shared.should_stop() {
                    continue;
                }
                plain.clear();
                plain.extend_from_slice(&trial);
                let e = q.quench_with(&mut plain, Some(shared), q.params());
                if e.is_finite() && q.last_converged {
                    record(e, &plain, &mut db, &mut best_e, &mut best_x);
                }
                tried += 1;
                if ec < cur_c || rng.gen::<f64>() < (-(ec - cur_c) / ctx.temperature).exp() {
                    std::mem::swap(&mut cur, &mut trial);
                    cur_c = ec;
                    accepted += 1;
                }
                if e.is_finite() && e < cur_e {
                    cur_e = e;
                }
            } else {
                let e = q.quench(&mut trial, Some(shared));
                steps += 1;
                if !e.is_finite() || (!q.last_converged && shared.should_stop()) {
                    // an interrupted quench is not a minimum
                    continue;
                }
                let mut e = e;
                if ctx.descent && e < run_best - 1e-7 {
                    // a new best of this run: polish it with surface moves before it is recorded
                    surface_descent(&mut trial, &mut e, ctx, &mut q, shared, &mut ebuf, &mut scratch);
                }
                record(e, &trial, &mut db, &mut best_e, &mut best_x);
                tried += 1;
                if e < cur_e || rng.gen::<f64>() < (-(e - cur_e) / ctx.temperature).exp() {
                    std::mem::swap(&mut cur, &mut trial);
                    cur_e = e;
                    accepted += 1;
                }
            }
            if tried == 20 {
                // keep the acceptance ratio near one half
                step *= if accepted > 10 { 1.1 } else { 1.0 / 1.1 };
                step = step.clamp(0.05 * ctx.nn, 1.0 * ctx.nn);
                tried = 0;
                accepted = 0;
            }
            if cur_e < run_best - 1e-7 {
                run_best = cur_e;
                since = 0;
            } else {
                since += 1;
                if since > stagnation {
                    restarts += 1;
                    continue 'outer;
                }
            }
        }
    }
    WalkerOutcome { best_energy: best_e, best_positions: best_x, db, steps, restarts }
}

/// Cut-and-splice crossover: a random plane through each parent's centroid; the child takes the `k` atoms
/// of `a` above it and the `n − k` atoms of `b` below it. With species, the atoms from `b` are those
/// nearest the plane whose species the child still lacks, and every atom keeps its species.
pub(crate) fn cut_and_splice(a: &[[f64; 3]], b: &[[f64; 3]], species: Option<&[u32]>, rng: &mut impl Rng) -> Vec<[f64; 3]> {
    let n = a.len();
    let d = random_direction(rng);
    let proj = |x: &[[f64; 3]]| {
        let c = centroid(x);
        let mut v: Vec<(f64, usize, [f64; 3])> = x
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let r = [p[0] - c[0], p[1] - c[1], p[2] - c[2]];
                (r[0] * d[0] + r[1] * d[1] + r[2] * d[2], i, r)
            })
            .collect();
        v.sort_by(|p, q| q.0.partial_cmp(&p.0).unwrap());
        v
    };
    let pa = proj(a);
    let pb = proj(b);
    let k = rng.gen_range(1..n);
    let Some(sp) = species else {
        let mut child: Vec<[f64; 3]> = pa.iter().take(k).map(|p| p.2).collect();
        child.extend(pb.iter().rev().take(n - k).map(|p| p.2));
        return child;
    };
    // atoms of each species still to place, in index order
    let kinds = sp.iter().copied().max().map_or(0, |m| m as usize + 1);
    let mut slots: Vec<Vec<usize>> = vec![Vec::new(); kinds];
    for (i, &s) in sp.iter().enumerate().rev() {
        slots[s as usize].push(i);
    }
    let mut child = vec![[0.0; 3]; n];
    for p in pa.iter().take(k) {
        let i = slots[sp[p.1] as usize].pop().expect("species count");
        child[i] = p.2;
    }
    // from b: highest above the plane first among those below it, i.e. walk b from the bottom upwards
    for p in pb.iter().rev() {
        if let Some(i) = slots[sp[p.1] as usize].pop() {
            child[i] = p.2;
        }
    }
    child
}

/// Cut-and-splice genetic algorithm with a small population of relaxed, distinct clusters.
pub(crate) fn genetic(ctx: &WalkerCtx, shared: &Shared, rng: &mut Xoshiro256PlusPlus) -> WalkerOutcome {
    let n = ctx.n;
    let pop_size = 12usize;
    let mut q = Quencher::new(ctx.pot, n, ctx.lbfgs);
    let mut db = MinimaDb::new(ctx.keep);
    let tol = SameTol::default();
    let rc = container_radius(n, ctx.nn);
    let mut ebuf = Vec::new();
    let mut pop: Vec<(f64, Vec<[f64; 3]>, Vec<f64>)> = Vec::new();
    let mut steps = 0u64;
    let mut best_e = f64::INFINITY;
    let mut best_x = Vec::new();
    let mut evaluate = |mut x: Vec<[f64; 3]>, q: &mut Quencher, db: &mut MinimaDb| {
        let e = q.quench(&mut x, Some(shared));
        if e.is_finite() && (q.last_converged || best_x.is_empty()) {
            db.insert(e, &x);
            shared.report(e);
            if e < best_e {
                best_e = e;
                best_x = x.clone();
            }
        }
        (e, x)
    };
    while pop.len() < pop_size && !shared.should_stop() {
        let x = random_cluster(n, ctx.nn, rng);
        let (e, x) = evaluate(x, &mut q, &mut db);
        if e.is_finite() {
            let fp = fingerprint(&x);
            pop.push((e, x, fp));
        }
    }
    while !shared.should_stop() && !ctx.max_steps.is_some_and(|m| steps >= m) && pop.len() >= 2 {
        pop.sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap());
        let (emin, emax) = (pop[0].0, pop[pop.len() - 1].0);
        // fitness 0.5(1 − tanh(2ρ − 1)), ρ the normalised energy (Johnston's GA convention)
        let fit: Vec<f64> = pop
            .iter()
            .map(|p| {
                let r = if emax > emin { (p.0 - emin) / (emax - emin) } else { 0.0 };
                0.5 * (1.0 - (2.0 * r - 1.0).tanh())
            })
            .collect();
        let total: f64 = fit.iter().sum();
        let pick = |rng: &mut Xoshiro256PlusPlus| {
            let mut t = rng.gen::<f64>() * total;
            for (i, f) in fit.iter().enumerate() {
                t -= f;
                if t <= 0.0 {
                    return i;
                }
            }
            fit.len() - 1
        };
        let ia = pick(rng);
        let mut ib = pick(rng);
        if ib == ia {
            ib = (ia + 1 + rng.gen_range(0..pop.len() - 1)) % pop.len();
        }
        let mut child = cut_and_splice(&pop[ia].1, &pop[ib].1, ctx.pot.species(), rng);
        if rng.gen_bool(0.1) {
            perturb(&mut child, ctx, 0.4 * ctx.nn, rng, &mut ebuf);
        }
        contain(&mut child, rc, rng);
        let (e, x) = evaluate(child, &mut q, &mut db);
        steps += 1;
        if !e.is_finite() || e >= pop[pop.len() - 1].0 {
            continue;
        }
        let fp = fingerprint(&x);
        if pop.iter().any(|p| same_minimum(p.0, &p.2, e, &fp, tol)) {
            continue;
        }
        let last = pop.len() - 1;
        pop[last] = (e, x, fp);
    }
    WalkerOutcome { best_energy: best_e, best_positions: best_x, db, steps, restarts: 0 }
}
