//! Stillinger–Weber potential from LAMMPS `.sw` files, multi-element, as LAMMPS `pair_style sw`
//! (29 Sep 2021): E = Σ_{i<j} φ2(r_ij) + Σ_i Σ_{j<k} φ3(r_ij, r_ik, θ_jik) with
//! φ2 = A ε (B (σ/r)^p − (σ/r)^q) exp(σ/(r − aσ)) from entry (i, j, j) and
//! φ3 = λ ε (cosθ − cosθ0)² exp(γ_ij σ_ij/(r_ij − a_ij σ_ij)) exp(γ_ik σ_ik/(r_ik − a_ik σ_ik)), with λ ε cosθ0
//! from (i, j, k) and the radial parts from (i, j, j) and (i, k, k). The `tol` column shortens the cutoff
//! exactly as LAMMPS does (tol capped at 0.01; cutoff aσ + σ/ln tol, or aσ + γσ/ln tol when γ < 1).
//!
//! Ref.: F. H. Stillinger, T. A. Weber, Phys. Rev. B 31, 5262 (1985).
//!
//! `sw/zbl` joins the two-body term to the ZBL universal repulsion with the Fermi switch of LAMMPS
//! `pair_style tersoff/zbl`: φ2 → (1 − F) E_ZBL + F φ2, F(r) = 1/(1 + exp(−zblexpscale (r − zblcut))). E_ZBL is
//! the bare ZBL of LAMMPS `pair_style zbl` (its constants, no switching polynomial), Z from the element
//! symbols; the three-body term is unchanged. (LAMMPS has no sw/zbl; the splice is what Devanathan et al.,
//! J. Nucl. Mater. 253, 47 (1998) did for Tersoff and LAMMPS tersoff/zbl implements.)
//!
//! Units: Å, eV. Uses a full neighbour list. A file whose result in LAMMPS depends on atom ids or
//! neighbour order is refused: the two-body parts of (i, j, j) and (j, i, i) must agree (LAMMPS takes one
//! by atom id), and λε, cosθ0 of (i, j, k) and (i, k, j) (LAMMPS takes one by neighbour order); λε
//! differing by rounding only (≤ 1e-6 relative) is replaced by the mean of the two.

use crate::parallel::{switch_off_pair, extended_types, take_pair, Workspace};
use crate::reader::parse_f64;
use crate::{Output, Potential, PotentialError, Request};
use atomfab_core::{Element, ListKind, NeighborList, Vec3};
use std::path::Path;

/// One (i, j, k) entry of a `.sw` file (ε in eV, σ in Å, the rest dimensionless).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SwParams {
    pub epsilon: f64,
    pub sigma: f64,
    pub a: f64,
    pub lambda: f64,
    pub gamma: f64,
    pub costheta0: f64,
    pub big_a: f64,
    pub big_b: f64,
    pub p: f64,
    pub q: f64,
    pub tol: f64,
}

/// The Fermi switch of `sw/zbl`: centre (Å) and steepness (1/Å), as ZBLcut and ZBLexpscale of a LAMMPS
/// `.tersoff.zbl` entry.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SwZbl {
    pub cut: f64,
    pub expscale: f64,
}

/// ZBL + Fermi switch of one species pair.
#[derive(Debug, Clone, Copy, Default)]
struct Splice {
    /// d_k / a (1/Å) and Z_i Z_j e²/(4πε0) (eV·Å).
    da: [f64; 4],
    zze: f64,
    cut: f64,
    expscale: f64,
}

impl Splice {
    fn new(zi: f64, zj: f64, s: SwZbl) -> Splice {
        let (da, zze) = crate::zbl::screening(zi, zj);
        Splice { da, zze, cut: s.cut, expscale: s.expscale }
    }

    /// ZBL energy (eV) and dE/dr (eV/Å) (the bare `pair_style zbl` of `crate::zbl`, both from one set of
    /// exponentials).
    #[inline(always)]
    fn zbl(&self, r: f64) -> (f64, f64) {
        use crate::zbl::C;
        let d = &self.da;
        let e = [(-d[0] * r).exp(), (-d[1] * r).exp(), (-d[2] * r).exp(), (-d[3] * r).exp()];
        let sum = C[0] * e[0] + C[1] * e[1] + C[2] * e[2] + C[3] * e[3];
        let sum_p = -(C[0] * d[0] * e[0] + C[1] * d[1] * e[1] + C[2] * d[2] * e[2] + C[3] * d[3] * e[3]);
        let rinv = 1.0 / r;
        (self.zze * sum * rinv, self.zze * (sum_p - sum * rinv) * rinv)
    }

    /// F(r) and dF/dr.
    #[inline(always)]
    fn fermi(&self, r: f64) -> (f64, f64) {
        crate::zbl::fermi(r, self.cut, self.expscale)
    }

    /// The spliced two-body energy and fpair (= −(dE/dr)/r) from the SW ones.
    #[inline(always)]
    fn blend(&self, r: f64, e2: f64, fpair2: f64) -> (f64, f64) {
        let (ez, dez) = self.zbl(r);
        let (ff, dff) = self.fermi(r);
        let de2 = -fpair2 * r;
        let de = -dff * ez + (1.0 - ff) * dez + dff * e2 + ff * de2;
        ((1.0 - ff) * ez + ff * e2, -de / r)
    }
}

/// Parameters with the derived constants of LAMMPS' setup_params.
#[derive(Debug, Clone, Copy)]
struct Param {
    p: SwParams,
    cut: f64,
    cutsq: f64,
    sigma_gamma: f64,
    lambda_epsilon: f64,
    lambda_epsilon2: f64,
    c1: f64,
    c2: f64,
    c3: f64,
    c4: f64,
    c5: f64,
    c6: f64,
}

impl Param {
    fn new(p: SwParams) -> Param {
        let cut = p.sigma * p.a;
        let mut rtmp = cut;
        let mut tol = p.tol;
        if tol > 0.0 {
            tol = tol.min(0.01);
            rtmp += if p.gamma < 1.0 { p.gamma * p.sigma / tol.ln() } else { p.sigma / tol.ln() };
        }
        let ae = p.big_a * p.epsilon;
        Param {
            p: SwParams { tol, ..p },
            cut,
            cutsq: rtmp * rtmp,
            sigma_gamma: p.sigma * p.gamma,
            lambda_epsilon: p.lambda * p.epsilon,
            lambda_epsilon2: 2.0 * p.lambda * p.epsilon,
            c1: ae * p.p * p.big_b * p.sigma.powf(p.p),
            c2: ae * p.q * p.sigma.powf(p.q),
            c3: ae * p.big_b * p.sigma.powf(p.p + 1.0),
            c4: ae * p.sigma.powf(p.q + 1.0),
            c5: ae * p.big_b * p.sigma.powf(p.p),
            c6: ae * p.sigma.powf(p.q),
        }
    }

    /// Two-body energy (eV) and fpair = −(dE/dr)/r (eV/Å²), as LAMMPS `twobody`.
    #[inline(always)]
    fn twobody(&self, r: f64, rsq: f64) -> (f64, f64) {
        let rinvsq = 1.0 / rsq;
        let rp = r.powf(-self.p.p);
        let rq = r.powf(-self.p.q);
        let rainv = 1.0 / (r - self.cut);
        let rainvsq = rainv * rainv * r;
        let expsrainv = (self.p.sigma * rainv).exp();
        let fforce = (self.c1 * rp - self.c2 * rq + (self.c3 * rp - self.c4 * rq) * rainvsq) * expsrainv * rinvsq;
        ((self.c5 * rp - self.c6 * rq) * expsrainv, fforce)
    }
}

/// A neighbour of the current atom inside its (i, j, j) cutoff, with the radial factor of the three-body
/// term: exp(γσ/(r − aσ)) and γσ/(r − aσ)²/r from the (i, j, j) entry.
#[derive(Clone, Copy, Default)]
struct Near {
    j: u32,
    t: u32,
    /// x_j − x_i (Å), |d|, 1/|d|².
    d: Vec3,
    r: f64,
    rinvsq: f64,
    expg: f64,
    gsq: f64,
}

#[derive(Default)]
pub(crate) struct Scratch {
    near: Vec<Near>,
}

/// Stillinger–Weber (optionally with the ZBL core of `sw/zbl`).
pub struct StillingerWeber {
    species: Vec<String>,
    /// Parameters of (i, j, k) at (i·n + j)·n + k over species.
    params: Vec<Param>,
    /// ZBL splice of species pair (i, j) at i·n + j, when `sw/zbl`.
    splice: Option<Vec<Splice>>,
    cutmax: f64,
    /// Pairs handled, over (n + 1)² types (the last type is inert).
    pair_on: Vec<bool>,
    types: Vec<u32>,
    ws: Workspace<Scratch>,
}

/// Largest relative difference of λε between entries i j k and i k j that is taken as rounding.
const LAMBDA_EPSILON_RTOL: f64 = 1e-6;

const NAMES: [&str; 11] = ["epsilon", "sigma", "a", "lambda", "gamma", "costheta0", "A", "B", "p", "q", "tol"];

impl StillingerWeber {
    /// Reads the entries of a LAMMPS `.sw` file for `elements` (species in this order): 14 words per
    /// entry (3 elements, then ε σ a λ γ cosθ0 A B p q tol), possibly over several lines, `#` comments.
    /// Entries naming other elements are skipped; every (i, j, k) triplet of `elements` must appear once.
    pub fn from_file(path: &Path, elements: &[String]) -> Result<StillingerWeber, PotentialError> {
        let file = path.display().to_string();
        let text = std::fs::read(path).map_err(|e| PotentialError::Other(format!("{file}: cannot read: {e}")))?;
        let text = String::from_utf8_lossy(&text);
        let ferr = |line: usize, message: String| PotentialError::File { file: file.clone(), line, message };
        if elements.is_empty() {
            return Err(PotentialError::Other(format!("{file}: expected at least one element to use")));
        }
        let n = elements.len();
        let mut found: Vec<Option<(usize, SwParams)>> = vec![None; n * n * n];
        let mut words: Vec<(usize, String)> = Vec::new();
        let lines: Vec<&str> = text.lines().collect();
        const NW: usize = 14;
        const WHAT: &str = "14 values per entry (3 elements + epsilon sigma a lambda gamma costheta0 A B p q tol)";
        for (k, raw) in lines.iter().enumerate() {
            let ln = k + 1;
            let line = raw.split('#').next().unwrap_or("");
            words.extend(line.split_whitespace().map(|t| (ln, t.to_string())));
            if words.is_empty() || words.len() < NW {
                if ln == lines.len() && !words.is_empty() {
                    return Err(ferr(ln, format!("expected {WHAT}, found {} at end of file", words.len())));
                }
                continue;
            }
            if words.len() > NW {
                return Err(ferr(ln, format!("expected {WHAT}, found {}", words.len())));
            }
            let entry = std::mem::take(&mut words);
            let start = entry[0].0;
            let mut v = [0.0; 11];
            for (k, (l, w)) in entry[3..].iter().enumerate() {
                v[k] = parse_f64(w).ok_or_else(|| ferr(*l, format!("expected a number for {}, found '{w}'", NAMES[k])))?;
            }
            let p = SwParams {
                epsilon: v[0],
                sigma: v[1],
                a: v[2],
                lambda: v[3],
                gamma: v[4],
                costheta0: v[5],
                big_a: v[6],
                big_b: v[7],
                p: v[8],
                q: v[9],
                tol: v[10],
            };
            // LAMMPS' "Illegal Stillinger-Weber parameter" check.
            if [p.epsilon, p.sigma, p.a, p.lambda, p.gamma, p.big_a, p.big_b, p.p, p.q, p.tol].iter().any(|&x| x < 0.0) {
                return Err(ferr(
                    start,
                    "expected valid Stillinger-Weber parameters (epsilon, sigma, a, lambda, gamma, A, B, p, q, tol ≥ 0)".into(),
                ));
            }
            let idx: Vec<Option<usize>> = entry[..3].iter().map(|(_, e)| elements.iter().position(|x| x == e)).collect();
            if let [Some(i), Some(j), Some(k)] = idx[..] {
                let slot = &mut found[(i * n + j) * n + k];
                if let Some((prev, _)) = slot {
                    return Err(ferr(start, format!("duplicate entry {} {} {} (first at line {prev})", elements[i], elements[j], elements[k])));
                }
                *slot = Some((start, p));
            }
        }
        let mut params = Vec::with_capacity(n * n * n);
        for (t, f) in found.iter().enumerate() {
            let (i, j, k) = (t / (n * n), (t / n) % n, t % n);
            let (_, p) = f.ok_or_else(|| {
                PotentialError::Other(format!("{file}: missing entry for {} {} {}", elements[i], elements[j], elements[k]))
            })?;
            params.push(p);
        }
        // The two-body part of a pair must not depend on which atom is "i".
        for i in 0..n {
            for j in i + 1..n {
                let (a, b) = (&params[(i * n + j) * n + j], &params[(j * n + i) * n + i]);
                let two = |p: &SwParams| [p.epsilon, p.sigma, p.a, p.big_a, p.big_b, p.p, p.q];
                let ca = Param::new(*a).cutsq;
                let cb = Param::new(*b).cutsq;
                if two(a) != two(b) || ca != cb {
                    let line = found[(i * n + j) * n + j].map(|f| f.0).unwrap_or(0);
                    let other = found[(j * n + i) * n + i].map(|f| f.0).unwrap_or(0);
                    return Err(ferr(
                        line,
                        format!(
                            "expected the two-body parameters (epsilon sigma a A B p q, cutoff) of {ei} {ej} {ej} to equal those of {ej} {ei} {ei} (line {other})",
                            ei = elements[i],
                            ej = elements[j]
                        ),
                    ));
                }
            }
        }
        // Nor may the three-body term depend on which neighbour is "j" (LAMMPS takes i j k with j the
        // earlier neighbour in its list). Files print λ and ε separately to ~7 digits, so λε of i j k and
        // i k j may differ in the last digits (CdTeZnSeHgS0.sw: 8e-7); such pairs get their mean.
        let mut means = Vec::new();
        for i in 0..n {
            for j in 0..n {
                for k in j + 1..n {
                    let (a, b) = (&params[(i * n + j) * n + k], &params[(i * n + k) * n + j]);
                    let (la, lb) = (a.lambda * a.epsilon, b.lambda * b.epsilon);
                    if (la - lb).abs() > LAMBDA_EPSILON_RTOL * la.abs().max(lb.abs()) || a.costheta0 != b.costheta0 {
                        let line = found[(i * n + j) * n + k].map(|f| f.0).unwrap_or(0);
                        let other = found[(i * n + k) * n + j].map(|f| f.0).unwrap_or(0);
                        return Err(ferr(
                            line,
                            format!(
                                "expected lambda*epsilon and costheta0 of {ei} {ej} {ek} to equal those of {ei} {ek} {ej} (line {other}; lambda*epsilon to {LAMBDA_EPSILON_RTOL:e} relative)",
                                ei = elements[i],
                                ej = elements[j],
                                ek = elements[k]
                            ),
                        ));
                    }
                    if la != lb {
                        means.push(((i * n + j) * n + k, (i * n + k) * n + j, 0.5 * (la + lb)));
                    }
                }
            }
        }
        let mut sw = StillingerWeber::new(elements.to_vec(), params)?;
        for (a, b, le) in means {
            for t in [a, b] {
                sw.params[t].lambda_epsilon = le;
                sw.params[t].lambda_epsilon2 = 2.0 * le;
            }
        }
        Ok(sw)
    }

    /// Stillinger–Weber from explicit parameters, `params[(i·n + j)·n + k]` for species i, j, k.
    pub fn new(species: Vec<String>, params: Vec<SwParams>) -> Result<StillingerWeber, PotentialError> {
        let n = species.len();
        if n == 0 || params.len() != n * n * n {
            return Err(PotentialError::Other(format!("sw: expected {} parameter sets for {n} species", n * n * n)));
        }
        let params: Vec<Param> = params.into_iter().map(Param::new).collect();
        let cutmax = params.iter().fold(0.0f64, |m, p| m.max(p.cutsq.sqrt()));
        let nt = n + 1;
        let mut pair_on = vec![false; nt * nt];
        for i in 0..n {
            for j in 0..n {
                pair_on[i * nt + j] = true;
            }
        }
        Ok(StillingerWeber { species, params, splice: None, cutmax, pair_on, types: Vec::new(), ws: Workspace::default() })
    }

    /// Joins the two-body term to ZBL (`sw/zbl`); the species must be element symbols (Z from the
    /// periodic table).
    pub fn with_zbl(mut self, zbl: SwZbl) -> Result<StillingerWeber, PotentialError> {
        if !(zbl.cut.is_finite() && zbl.cut > 0.0) {
            return Err(PotentialError::Other(format!("sw/zbl: zblcut must be a positive number of Å, found {}", zbl.cut)));
        }
        if !(zbl.expscale.is_finite() && zbl.expscale > 0.0) {
            return Err(PotentialError::Other(format!("sw/zbl: zblexpscale must be a positive number of 1/Å, found {}", zbl.expscale)));
        }
        let z: Vec<f64> = self
            .species
            .iter()
            .map(|s| {
                Element::from_symbol(s)
                    .map(|e| e.atomic_number as f64)
                    .ok_or_else(|| PotentialError::Other(format!("sw/zbl: species '{s}' is not an element symbol (ZBL needs its Z)")))
            })
            .collect::<Result<_, _>>()?;
        let n = self.species.len();
        let mut table = Vec::with_capacity(n * n);
        for i in 0..n {
            for j in 0..n {
                table.push(Splice::new(z[i], z[j], zbl));
            }
        }
        self.splice = Some(table);
        Ok(self)
    }

    /// The (i, j, k) parameters as read.
    pub fn params(&self, i: usize, j: usize, k: usize) -> SwParams {
        let n = self.species.len();
        self.params[(i * n + j) * n + k].p
    }

    /// Cutoff (Å) of the two-body term of species pair (a, b) and of the neighbours its three-body terms
    /// see: aσ of entry (a, b, b), shortened by `tol` as LAMMPS does.
    pub fn pair_cutoff(&self, a: usize, b: usize) -> f64 {
        let n = self.species.len();
        self.params[(a * n + b) * n + b].cutsq.sqrt()
    }

    /// Two-body energy (eV) and fpair = −(dE/dr)/r (eV/Å²) of species pair (a, b) at distance r (Å), with
    /// the ZBL splice when `sw/zbl`; (0, 0) beyond the pair's cutoff.
    pub fn pair_energy(&self, a: usize, b: usize, r: f64) -> (f64, f64) {
        let n = self.species.len();
        let pr = &self.params[(a * n + b) * n + b];
        if r * r >= pr.cutsq {
            return (0.0, 0.0);
        }
        let (e, f) = pr.twobody(r, r * r);
        match &self.splice {
            Some(s) => s[a * n + b].blend(r, e, f),
            None => (e, f),
        }
    }

    fn run<const ZBL: bool>(&mut self, list: &NeighborList, eatom: bool) {
        let x = list.extended_positions();
        let (types, params, on) = (&self.types, &self.params, &self.pair_on);
        let splice: &[Splice] = self.splice.as_deref().unwrap_or(&[]);
        let ns = self.species.len();
        let nt = ns + 1;
        self.ws.run(|range, ch| {
            let f = &mut ch.f[..];
            let e_atom = &mut ch.e_atom;
            let near = &mut ch.extra.near;
            let mut energy = 0.0;
            for i in range {
                let ti = types[i] as usize;
                if ti >= ns {
                    continue;
                }
                let xi = x[i];
                let pbase = ti * ns * ns;
                let mut fi = [0.0; 3];
                near.clear();
                for &j in list.neighbors_of(i) {
                    let tj = types[j as usize] as usize;
                    if !on[ti * nt + tj] {
                        continue;
                    }
                    let xj = x[j as usize];
                    let d = [xj[0] - xi[0], xj[1] - xi[1], xj[2] - xi[2]];
                    let rsq = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
                    let pij = &params[pbase + tj * ns + tj];
                    if rsq >= pij.cutsq {
                        continue;
                    }
                    let r = rsq.sqrt();
                    // Two-body, each physical pair once.
                    if take_pair(list, x, i, j as usize) {
                        let (mut e, mut fpair) = pij.twobody(r, rsq);
                        if ZBL {
                            (e, fpair) = splice[ti * ns + tj].blend(r, e, fpair);
                        }
                        // Force on i along (x_i − x_j) = −d.
                        fi[0] -= d[0] * fpair;
                        fi[1] -= d[1] * fpair;
                        fi[2] -= d[2] * fpair;
                        let fj = &mut f[j as usize];
                        fj[0] += d[0] * fpair;
                        fj[1] += d[1] * fpair;
                        fj[2] += d[2] * fpair;
                        energy += e;
                        if eatom {
                            e_atom[i] += 0.5 * e;
                            e_atom[j as usize] += 0.5 * e;
                        }
                    }
                    let rainv = 1.0 / (r - pij.cut);
                    let gsrainv = pij.sigma_gamma * rainv;
                    near.push(Near {
                        j,
                        t: tj as u32,
                        d,
                        r,
                        rinvsq: 1.0 / rsq,
                        expg: gsrainv.exp(),
                        gsq: gsrainv * rainv / r,
                    });
                }
                // Three-body over the pairs j < k of the short list, as LAMMPS `threebody`.
                for (ja, a) in near.iter().enumerate() {
                    let pjk = pbase + a.t as usize * ns;
                    let mut fj_acc = [0.0; 3];
                    for b in &near[ja + 1..] {
                        let pijk = &params[pjk + b.t as usize];
                        let rinv12 = 1.0 / (a.r * b.r);
                        let cs = (a.d[0] * b.d[0] + a.d[1] * b.d[1] + a.d[2] * b.d[2]) * rinv12;
                        let delcs = cs - pijk.p.costheta0;
                        let facexp = a.expg * b.expg;
                        let facrad = pijk.lambda_epsilon * facexp * delcs * delcs;
                        let frad1 = facrad * a.gsq;
                        let frad2 = facrad * b.gsq;
                        let facang = pijk.lambda_epsilon2 * facexp * delcs;
                        let facang12 = rinv12 * facang;
                        let csfacang = cs * facang;
                        let csfac1 = a.rinvsq * csfacang;
                        let csfac2 = b.rinvsq * csfacang;
                        let mut fjv = [0.0; 3];
                        let mut fkv = [0.0; 3];
                        for q in 0..3 {
                            fjv[q] = a.d[q] * (frad1 + csfac1) - b.d[q] * facang12;
                            fkv[q] = b.d[q] * (frad2 + csfac2) - a.d[q] * facang12;
                            fi[q] -= fjv[q] + fkv[q];
                            fj_acc[q] += fjv[q];
                        }
                        let fk = &mut f[b.j as usize];
                        fk[0] += fkv[0];
                        fk[1] += fkv[1];
                        fk[2] += fkv[2];
                        energy += facrad;
                        if eatom {
                            let third = facrad / 3.0;
                            e_atom[i] += third;
                            e_atom[a.j as usize] += third;
                            e_atom[b.j as usize] += third;
                        }
                    }
                    let fj = &mut f[a.j as usize];
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

impl Potential for StillingerWeber {
    fn name(&self) -> &str {
        if self.splice.is_some() {
            "sw/zbl"
        } else {
            "sw"
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
        assert_eq!(list.kind, ListKind::Full, "Stillinger-Weber needs a full neighbour list");
        let ns = self.species.len() as u32;
        extended_types(list, species, |s| s.min(ns), &mut self.types);
        let types = &self.types;
        self.ws.prepare(list, request, |i| types[i] < ns);
        if self.splice.is_some() {
            self.run::<true>(list, request.per_atom_energy);
        } else {
            self.run::<false>(list, request.per_atom_energy);
        }
        self.ws.finish(list, forces, request, out);
    }
    fn exclude_pair(&mut self, a: u32, b: u32) -> Result<(), PotentialError> {
        switch_off_pair(&mut self.pair_on, self.species.len(), a, b, false, "sw")
    }
}
