//! Tersoff potential from LAMMPS `.tersoff` files, multi-element, as LAMMPS `pair_style tersoff`
//! (29 Sep 2021: fc with sin, g(θ) = γ(1 + c²/d² − c²/(d² + (h − cosθ)²)), exp(λ3^m (rij − rik)^m) with
//! the same ±69.0776 clamps, and the same four-branch bond order b_ij(ζ) and derivative).
//!
//! `tersoff/zbl` (LAMMPS `pair_style tersoff/zbl`, `.tersoff.zbl` files with Z_i, Z_j, ZBLcut, ZBLexpscale
//! after the 14 Tersoff numbers) blends the repulsive pair term into the ZBL universal repulsion with the
//! Fermi function F(r) = 1/(1 + exp(−ZBLexpscale (r − ZBLcut))): V_R = (1 − F) E_ZBL + F f_c A e^{−λ1 r},
//! and multiplies the attractive term by F; the three-body part is the same code.
//!
//! Units: Å, eV. Uses a full neighbour list. For each atom i a short list of neighbours inside the largest
//! cutoff is built once; the per-(j, k) zeta terms are kept from the ζ loop for the force loop.

use crate::parallel::{switch_off_pair, extended_types, take_pair, Workspace};
use crate::reader::parse_f64;
use crate::{Output, Potential, PotentialError, Request};
use atomfab_core::{ListKind, NeighborList, Vec3};
use std::f64::consts::{FRAC_PI_2, FRAC_PI_4};
use std::path::Path;

/// One (i, j, k) entry of a Tersoff file.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TersoffParams {
    pub m: f64,
    pub gamma: f64,
    pub lam3: f64,
    pub c: f64,
    pub d: f64,
    /// cos θ0 (`h`).
    pub h: f64,
    pub n: f64,
    pub beta: f64,
    pub lam2: f64,
    pub big_b: f64,
    pub big_r: f64,
    pub big_d: f64,
    pub lam1: f64,
    pub big_a: f64,
}

/// The extra columns of a `.tersoff.zbl` entry.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ZblParams {
    /// Atomic numbers of i and j (charge units).
    pub z_i: f64,
    pub z_j: f64,
    /// Centre of the Fermi switch (Å) and its steepness (1/Å).
    pub cut: f64,
    pub expscale: f64,
}

/// Bohr radius (Å) and ε0 (e²/(eV·Å)) as LAMMPS `tersoff/zbl` hard-wires them for metal units.
const ZBL_A0: f64 = 0.529;
const ZBL_EPSILON0: f64 = 0.00552635;

/// ZBL constants of one entry.
#[derive(Debug, Clone, Copy, Default)]
struct Blend {
    z: ZblParams,
    /// Screening length (Å) and Z_i Z_j e²/(4πε0) (eV·Å).
    a_ij: f64,
    premult: f64,
}

impl Blend {
    fn new(z: ZblParams) -> Blend {
        let a_ij = (0.8854 * ZBL_A0) / (z.z_i.powf(0.23) + z.z_j.powf(0.23));
        let premult = (z.z_i * z.z_j) / (4.0 * std::f64::consts::PI * ZBL_EPSILON0);
        Blend { z, a_ij, premult }
    }

    /// Fermi switch F(r) and dF/dr.
    #[inline(always)]
    fn fermi(&self, r: f64) -> (f64, f64) {
        crate::zbl::fermi(r, self.z.cut, self.z.expscale)
    }

    /// ZBL energy (eV) and dE/dr (eV/Å).
    #[inline(always)]
    fn zbl(&self, r: f64, rsq: f64) -> (f64, f64) {
        let x = r / self.a_ij;
        let (e1, e2, e3, e4) = ((-3.2 * x).exp(), (-0.9423 * x).exp(), (-0.4029 * x).exp(), (-0.2016 * x).exp());
        let phi = 0.1818 * e1 + 0.5099 * e2 + 0.2802 * e3 + 0.02817 * e4;
        let dphi = (1.0 / self.a_ij) * (-3.2 * 0.1818 * e1 - 0.9423 * 0.5099 * e2 - 0.4029 * 0.2802 * e3 - 0.2016 * 0.02817 * e4);
        (self.premult * (1.0 / r) * phi, self.premult * -phi / rsq + self.premult * dphi / r)
    }
}

/// Parameters with derived constants.
#[derive(Debug, Clone, Copy)]
struct Param {
    p: TersoffParams,
    zbl: Blend,
    cutsq: f64,
    c1: f64,
    c2: f64,
    c3: f64,
    c4: f64,
    m3: bool,
    c_sq: f64,
    d_sq: f64,
    c2_d2: f64,
}

impl Param {
    fn new(p: TersoffParams, zbl: Option<ZblParams>) -> Param {
        let cut = p.big_r + p.big_d;
        let c1 = (2.0 * p.n * 1.0e-16).powf(-1.0 / p.n);
        let c2 = (2.0 * p.n * 1.0e-8).powf(-1.0 / p.n);
        Param {
            p,
            zbl: zbl.map(Blend::new).unwrap_or_default(),
            cutsq: cut * cut,
            c1,
            c2,
            c3: 1.0 / c2,
            c4: 1.0 / c1,
            m3: p.m as i64 == 3,
            c_sq: p.c * p.c,
            d_sq: p.d * p.d,
            c2_d2: p.c * p.c / (p.d * p.d),
        }
    }

    /// Cutoff function and its derivative.
    #[inline(always)]
    fn fc(&self, r: f64) -> (f64, f64) {
        let (rr, dd) = (self.p.big_r, self.p.big_d);
        if r < rr - dd {
            (1.0, 0.0)
        } else if r > rr + dd {
            (0.0, 0.0)
        } else {
            let a = FRAC_PI_2 * (r - rr) / dd;
            (0.5 * (1.0 - a.sin()), -(FRAC_PI_4 / dd) * a.cos())
        }
    }

    /// Repulsive pair energy (eV) and fpair (eV/Å², force on i = fpair (x_i − x_j)); with `ZBL` the
    /// Fermi blend of the ZBL repulsion and the Tersoff term.
    #[inline(always)]
    fn repulsive<const ZBL: bool>(&self, r: f64, rsq: f64) -> (f64, f64) {
        let (fc, dfc) = self.fc(r);
        let ex = (-self.p.lam1 * r).exp();
        if !ZBL {
            return (fc * self.p.big_a * ex, -self.p.big_a * ex * (dfc - fc * self.p.lam1) / r);
        }
        let f_ters = self.p.big_a * ex * (dfc - fc * self.p.lam1);
        let e_ters = fc * self.p.big_a * ex;
        let (e_zbl, f_zbl) = self.zbl.zbl(r, rsq);
        let (ff, ffd) = self.zbl.fermi(r);
        let fpair = -(-ffd * e_zbl + (1.0 - ff) * f_zbl + ffd * e_ters + ff * f_ters) / r;
        ((1.0 - ff) * e_zbl + ff * e_ters, fpair)
    }

    /// Attractive f_A(r) and its derivative factor (LAMMPS `ters_fa`, `ters_fa_d`) from fc, dfc; with
    /// `ZBL` multiplied by the Fermi switch.
    #[inline(always)]
    fn attractive<const ZBL: bool>(&self, r: f64, fc: f64, dfc: f64) -> (f64, f64) {
        let bexp = (-self.p.lam2 * r).exp();
        if !ZBL {
            return (-self.p.big_b * bexp * fc, self.p.big_b * bexp * (self.p.lam2 * fc - dfc));
        }
        let (ff, ffd) = self.zbl.fermi(r);
        (-self.p.big_b * bexp * fc * ff, self.p.big_b * bexp * (self.p.lam2 * fc * ff - dfc * ff - fc * ffd))
    }

    #[inline(always)]
    fn gijk(&self, costheta: f64) -> (f64, f64) {
        let hcth = self.p.h - costheta;
        let den = 1.0 / (self.d_sq + hcth * hcth);
        let g = self.p.gamma * (1.0 + self.c2_d2 - self.c_sq * den);
        let gd = self.p.gamma * (-2.0 * self.c_sq * hcth) * den * den;
        (g, gd)
    }

    /// exp(λ3^m (rij − rik)^m) and its derivative with respect to rij.
    #[inline(always)]
    fn ex_delr(&self, dr: f64) -> (f64, f64) {
        let lam3 = self.p.lam3;
        if lam3 == 0.0 {
            return (1.0, 0.0);
        }
        let arg = if self.m3 { (lam3 * dr).powi(3) } else { lam3 * dr };
        let ex = if arg > 69.0776 {
            1.0e30
        } else if arg < -69.0776 {
            0.0
        } else {
            arg.exp()
        };
        let exd = if self.m3 { 3.0 * lam3.powi(3) * dr * dr * ex } else { lam3 * ex };
        (ex, exd)
    }

    #[inline]
    fn bij(&self, zeta: f64) -> f64 {
        let p = &self.p;
        let tmp = p.beta * zeta;
        if tmp > self.c1 {
            return 1.0 / tmp.sqrt();
        }
        if tmp > self.c2 {
            return (1.0 - tmp.powf(-p.n) / (2.0 * p.n)) / tmp.sqrt();
        }
        if tmp < self.c4 {
            return 1.0;
        }
        if tmp < self.c3 {
            return 1.0 - tmp.powf(p.n) / (2.0 * p.n);
        }
        (1.0 + tmp.powf(p.n)).powf(-1.0 / (2.0 * p.n))
    }

    #[inline]
    fn bij_d(&self, zeta: f64) -> f64 {
        let p = &self.p;
        let tmp = p.beta * zeta;
        if tmp > self.c1 {
            return p.beta * -0.5 * tmp.powf(-1.5);
        }
        if tmp > self.c2 {
            return p.beta * (-0.5 * tmp.powf(-1.5) * (1.0 - (1.0 + 1.0 / (2.0 * p.n)) * tmp.powf(-p.n)));
        }
        if tmp < self.c4 {
            return 0.0;
        }
        if tmp < self.c3 {
            return -0.5 * p.beta * tmp.powf(p.n - 1.0);
        }
        let tmp_n = tmp.powf(p.n);
        -0.5 * (1.0 + tmp_n).powf(-1.0 - 1.0 / (2.0 * p.n)) * tmp_n / zeta
    }
}

/// A neighbour of the current atom inside the largest cutoff.
#[derive(Clone, Copy, Default)]
struct Near {
    j: u32,
    t: u32,
    /// x_j − x_i (Å), its length and unit vector.
    d: Vec3,
    rsq: f64,
    r: f64,
    u: Vec3,
}

/// ζ-term pieces of (i, j, k) kept for the force loop.
#[derive(Clone, Copy, Default)]
struct Term {
    on: bool,
    fc: f64,
    dfc: f64,
    g: f64,
    gd: f64,
    ex: f64,
    exd: f64,
    cos: f64,
}

#[derive(Default)]
pub(crate) struct Scratch {
    near: Vec<Near>,
    terms: Vec<Term>,
}

pub struct Tersoff {
    species: Vec<String>,
    /// Parameters of (i, j, k) at (i·n + j)·n + k over species.
    params: Vec<Param>,
    /// Largest cutoff² of any entry starting with species i.
    cutmaxsq: Vec<f64>,
    cutmax: f64,
    /// Pairs handled, over (n + 1)² types (the last type is inert).
    pair_on: Vec<bool>,
    /// `tersoff/zbl`: the repulsive term blended into ZBL.
    zbl: bool,
    types: Vec<u32>,
    ws: Workspace<Scratch>,
}

const NAMES: [&str; 18] = [
    "m", "gamma", "lambda3", "c", "d", "costheta0", "n", "beta", "lambda2", "B", "R", "D", "lambda1", "A", "Z_i", "Z_j",
    "ZBLcut", "ZBLexpscale",
];

impl Tersoff {
    /// Reads the entries of a LAMMPS `.tersoff` file for `elements` (species in this order); every
    /// (i, j, k) triplet of them must appear exactly once.
    pub fn from_file(path: &Path, elements: &[String]) -> Result<Tersoff, PotentialError> {
        Tersoff::read(path, elements, false)
    }

    /// Reads a LAMMPS `.tersoff.zbl` file (`pair_style tersoff/zbl`): each entry has 21 values, the 17 of
    /// a Tersoff entry followed by Z_i, Z_j, ZBLcut (Å) and ZBLexpscale (1/Å).
    pub fn from_zbl_file(path: &Path, elements: &[String]) -> Result<Tersoff, PotentialError> {
        Tersoff::read(path, elements, true)
    }

    fn read(path: &Path, elements: &[String], zbl: bool) -> Result<Tersoff, PotentialError> {
        let nw = if zbl { 21 } else { 17 };
        let what = if zbl { "21 values per entry (3 elements + 18 numbers)" } else { "17 values per entry (3 elements + 14 numbers)" };
        let file = path.display().to_string();
        let text = std::fs::read(path).map_err(|e| PotentialError::Other(format!("{file}: cannot read: {e}")))?;
        let text = String::from_utf8_lossy(&text);
        let ferr = |line: usize, message: String| PotentialError::File { file: file.clone(), line, message };
        if elements.is_empty() {
            return Err(PotentialError::Other(format!("{file}: expected at least one element to use")));
        }
        let n = elements.len();
        let mut found: Vec<Option<(usize, TersoffParams, Option<ZblParams>)>> = vec![None; n * n * n];
        // Entries: 17 (21) words, possibly over several lines; '#' starts a comment.
        let mut words: Vec<(usize, String)> = Vec::new();
        let lines: Vec<&str> = text.lines().collect();
        let mut ln = 0;
        while ln < lines.len() {
            let line = lines[ln].split('#').next().unwrap_or("");
            ln += 1;
            let toks: Vec<&str> = line.split_whitespace().collect();
            if toks.is_empty() && words.is_empty() {
                continue;
            }
            words.extend(toks.iter().map(|t| (ln, t.to_string())));
            if words.len() < nw {
                if ln == lines.len() {
                    return Err(ferr(ln, format!("expected {what}, found {} at end of file", words.len())));
                }
                continue;
            }
            if words.len() > nw {
                return Err(ferr(ln, format!("expected {what}, found {}", words.len())));
            }
            let entry = std::mem::take(&mut words);
            let start = entry[0].0;
            let idx: Vec<Option<usize>> = entry[..3].iter().map(|(_, e)| elements.iter().position(|x| x == e)).collect();
            let mut v = [0.0; 18];
            for (k, (l, w)) in entry[3..].iter().enumerate() {
                v[k] = parse_f64(w).ok_or_else(|| ferr(*l, format!("expected a number for {}, found '{w}'", NAMES[k])))?;
            }
            let p = TersoffParams {
                m: v[0],
                gamma: v[1],
                lam3: v[2],
                c: v[3],
                d: v[4],
                h: v[5],
                n: v[6],
                beta: v[7],
                lam2: v[8],
                big_b: v[9],
                big_r: v[10],
                big_d: v[11],
                lam1: v[12],
                big_a: v[13],
            };
            let z = zbl.then_some(ZblParams { z_i: v[14], z_j: v[15], cut: v[16], expscale: v[17] });
            let bad = p.c < 0.0
                || p.d < 0.0
                || p.n < 0.0
                || p.beta < 0.0
                || p.lam2 < 0.0
                || p.big_b < 0.0
                || p.big_r < 0.0
                || p.big_d < 0.0
                || p.big_d > p.big_r
                || p.lam3 < 0.0
                || p.big_a < 0.0
                || p.m.fract() != 0.0
                || !(p.m == 1.0 || p.m == 3.0)
                || p.gamma < 0.0
                || z.is_some_and(|z| z.z_i < 1.0 || z.z_j < 1.0 || z.cut < 0.0 || z.expscale < 0.0);
            if bad {
                return Err(ferr(
                    start,
                    "expected valid Tersoff parameters (c, d, n, beta, lambda2, B, R, D, lambda3, A, gamma ≥ 0, D ≤ R, m = 1 or 3; Z_i, Z_j ≥ 1, ZBLcut, ZBLexpscale ≥ 0)".into(),
                ));
            }
            if let [Some(i), Some(j), Some(k)] = idx[..] {
                let slot = &mut found[(i * n + j) * n + k];
                if let Some((prev, _, _)) = slot {
                    return Err(ferr(start, format!("duplicate entry {} {} {} (first at line {prev})", elements[i], elements[j], elements[k])));
                }
                *slot = Some((start, p, z));
            }
        }
        let mut params = Vec::with_capacity(n * n * n);
        for (t, f) in found.iter().enumerate() {
            let (i, j, k) = (t / (n * n), (t / n) % n, t % n);
            let (_, p, z) = f.ok_or_else(|| {
                PotentialError::Other(format!("{file}: missing entry for {} {} {}", elements[i], elements[j], elements[k]))
            })?;
            params.push(Param::new(p, z));
        }
        let mut t = Tersoff::from_params(elements.to_vec(), params);
        t.zbl = zbl;
        Ok(t)
    }

    /// A Tersoff potential from explicit parameters, `params[(i·n + j)·n + k]` for species i, j, k.
    pub fn new(species: Vec<String>, params: Vec<TersoffParams>) -> Result<Tersoff, PotentialError> {
        let n = species.len();
        if n == 0 || params.len() != n * n * n {
            return Err(PotentialError::Other(format!("tersoff: expected {} parameter sets for {n} species", n * n * n)));
        }
        Ok(Tersoff::from_params(species, params.into_iter().map(|p| Param::new(p, None)).collect()))
    }

    fn from_params(species: Vec<String>, params: Vec<Param>) -> Tersoff {
        let n = species.len();
        let cutmaxsq: Vec<f64> = (0..n).map(|i| params[i * n * n..(i + 1) * n * n].iter().map(|p| p.cutsq).fold(0.0, f64::max)).collect();
        let cutmax = cutmaxsq.iter().fold(0.0f64, |m, &c| m.max(c.sqrt()));
        let nt = n + 1;
        let mut pair_on = vec![false; nt * nt];
        for i in 0..n {
            for j in 0..n {
                pair_on[i * nt + j] = true;
            }
        }
        Tersoff { species, params, cutmaxsq, cutmax, pair_on, zbl: false, types: Vec::new(), ws: Workspace::default() }
    }

    /// The (i, j, k) parameters.
    pub fn params(&self, i: usize, j: usize, k: usize) -> TersoffParams {
        let n = self.species.len();
        self.params[(i * n + j) * n + k].p
    }


    fn run<const ZBL: bool>(&mut self, list: &NeighborList, eatom: bool) {
        let x = list.extended_positions();
        let (types, params, on, cutmaxsq) = (&self.types, &self.params, &self.pair_on, &self.cutmaxsq);
        let ns = self.species.len();
        let nt = ns + 1;
        self.ws.run(|range, ch| {
            let f = &mut ch.f[..];
            let e_atom = &mut ch.e_atom;
            let Scratch { near, terms } = &mut ch.extra;
            let mut energy = 0.0;
            for i in range {
                let ti = types[i] as usize;
                if ti >= ns {
                    continue;
                }
                let xi = x[i];
                let cmax = cutmaxsq[ti];
                near.clear();
                for &j in list.neighbors_of(i) {
                    let tj = types[j as usize];
                    if !on[ti * nt + tj as usize] {
                        continue;
                    }
                    let xj = x[j as usize];
                    let d = [xj[0] - xi[0], xj[1] - xi[1], xj[2] - xi[2]];
                    let rsq = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
                    if rsq < cmax {
                        let r = rsq.sqrt();
                        let inv = 1.0 / r;
                        near.push(Near { j, t: tj, d, rsq, r, u: [d[0] * inv, d[1] * inv, d[2] * inv] });
                    }
                }
                let pbase = ti * ns * ns;
                let mut fi = [0.0; 3];

                // Repulsive pair term, each physical pair once: by source index, then by position for
                // an atom's own periodic image.
                for a in near.iter() {
                    let j = a.j as usize;
                    if !take_pair(list, x, i, j) {
                        continue;
                    }
                    let pr = &params[pbase + a.t as usize * ns + a.t as usize];
                    if a.rsq >= pr.cutsq {
                        continue;
                    }
                    // Force on i along (x_i − x_j) = −d.
                    let (e, fpair) = pr.repulsive::<ZBL>(a.r, a.rsq);
                    fi[0] -= a.d[0] * fpair;
                    fi[1] -= a.d[1] * fpair;
                    fi[2] -= a.d[2] * fpair;
                    let fj = &mut f[j];
                    fj[0] += a.d[0] * fpair;
                    fj[1] += a.d[1] * fpair;
                    fj[2] += a.d[2] * fpair;
                    energy += e;
                    if eatom {
                        e_atom[i] += 0.5 * e;
                        e_atom[j] += 0.5 * e;
                    }
                }

                // Three-body: bond order of each i-j bond from all k.
                terms.clear();
                terms.resize(near.len(), Term::default());
                for (ja, a) in near.iter().enumerate() {
                    let tj = a.t as usize;
                    let pij = &params[pbase + tj * ns + tj];
                    if a.rsq >= pij.cutsq {
                        continue;
                    }
                    let mut zeta = 0.0;
                    for (kb, b) in near.iter().enumerate() {
                        let term = &mut terms[kb];
                        term.on = false;
                        if kb == ja {
                            continue;
                        }
                        let p = &params[pbase + tj * ns + b.t as usize];
                        if b.rsq >= p.cutsq {
                            continue;
                        }
                        let cos = a.u[0] * b.u[0] + a.u[1] * b.u[1] + a.u[2] * b.u[2];
                        let (fc, dfc) = p.fc(b.r);
                        let (g, gd) = p.gijk(cos);
                        let (ex, exd) = p.ex_delr(a.r - b.r);
                        zeta += fc * g * ex;
                        *term = Term { on: true, fc, dfc, g, gd, ex, exd, cos };
                    }
                    // force_zeta
                    let (fc, dfc) = pij.fc(a.r);
                    let (fa, fa_d) = pij.attractive::<ZBL>(a.r, fc, dfc);
                    let bij = pij.bij(zeta);
                    let fpair = 0.5 * bij * fa_d / a.r;
                    let prefactor = -0.5 * fa * pij.bij_d(zeta);
                    let e = 0.5 * bij * fa;
                    let j = a.j as usize;
                    fi[0] += a.d[0] * fpair;
                    fi[1] += a.d[1] * fpair;
                    fi[2] += a.d[2] * fpair;
                    {
                        let fj = &mut f[j];
                        fj[0] -= a.d[0] * fpair;
                        fj[1] -= a.d[1] * fpair;
                        fj[2] -= a.d[2] * fpair;
                    }
                    energy += e;
                    if eatom {
                        e_atom[i] += 0.5 * e;
                        e_atom[j] += 0.5 * e;
                    }
                    // attractive: derivatives of the zeta terms.
                    let rijinv = 1.0 / a.r;
                    let mut fj_acc = [0.0; 3];
                    for (kb, b) in near.iter().enumerate() {
                        let t = terms[kb];
                        if !t.on {
                            continue;
                        }
                        let rikinv = 1.0 / b.r;
                        // d cosθ / d r_j and d r_k (the derivative for r_i is minus their sum).
                        let dcj = [0, 1, 2].map(|q| (b.u[q] - t.cos * a.u[q]) * rijinv);
                        let dck = [0, 1, 2].map(|q| (a.u[q] - t.cos * b.u[q]) * rikinv);
                        let s_cos = t.fc * t.gd * t.ex;
                        let s_ex = t.fc * t.g * t.exd;
                        let s_fc = t.dfc * t.g * t.ex;
                        let mut drj = [0.0; 3];
                        let mut drk = [0.0; 3];
                        for q in 0..3 {
                            drj[q] = prefactor * (s_cos * dcj[q] + s_ex * a.u[q]);
                            drk[q] = prefactor * (s_fc * b.u[q] + s_cos * dck[q] - s_ex * b.u[q]);
                        }
                        // fi = −(fj + fk) (translation invariance; same as LAMMPS' dri up to rounding).
                        for q in 0..3 {
                            fi[q] -= drj[q] + drk[q];
                            fj_acc[q] += drj[q];
                        }
                        let fk = &mut f[b.j as usize];
                        fk[0] += drk[0];
                        fk[1] += drk[1];
                        fk[2] += drk[2];
                    }
                    let fj = &mut f[j];
                    fj[0] += fj_acc[0];
                    fj[1] += fj_acc[1];
                    fj[2] += fj_acc[2];
                }
                let fo = &mut f[i];
                fo[0] += fi[0];
                fo[1] += fi[1];
                fo[2] += fi[2];
            }
            ch.energy = energy;
        });
    }
}

impl Potential for Tersoff {
    fn name(&self) -> &str {
        if self.zbl {
            "tersoff/zbl"
        } else {
            "tersoff"
        }
    }
    fn cutoff(&self) -> f64 {
        self.cutmax
    }
    fn list_kind(&self) -> ListKind {
        ListKind::Full
    }
    fn species(&self) -> &[String] {
        &self.species
    }
    fn compute(&mut self, list: &NeighborList, species: &[u32], forces: &mut [Vec3], request: Request, out: &mut Output) {
        assert_eq!(list.kind, ListKind::Full, "Tersoff needs a full neighbour list");
        let ns = self.species.len() as u32;
        extended_types(list, species, |s| s.min(ns), &mut self.types);
        let types = &self.types;
        self.ws.prepare(list, request, |i| types[i] < ns);
        if self.zbl {
            self.run::<true>(list, request.per_atom_energy);
        } else {
            self.run::<false>(list, request.per_atom_energy);
        }
        self.ws.finish(list, forces, request, out);
    }
    fn exclude_pair(&mut self, a: u32, b: u32) -> Result<(), PotentialError> {
        switch_off_pair(&mut self.pair_on, self.species.len(), a, b, false, "tersoff")
    }
}
