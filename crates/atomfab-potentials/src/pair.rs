//! Pair potentials: Lennard-Jones and Morse, per species pair, with optional energy shift.
//!
//! Formulas as LAMMPS `lj/cut` and `morse`:
//! LJ  E = 4ε[(σ/r)¹² − (σ/r)⁶] − E(rc)·shift,   Morse  E = D0[e^{−2α(r−r0)} − 2e^{−α(r−r0)}] − E(rc)·shift.
//! Units: ε, D0 in eV (or reduced), σ, r0, cutoff in Å, α in 1/Å. Uses a half neighbour list and Newton's
//! third law; one table entry per species pair so the inner loop does no branching on species.

use crate::parallel::{extended_types, take_pair, Workspace};
use crate::{Output, Potential, PotentialError, Request};
use atomfab_core::{ListKind, NeighborList, Vec3};

/// Functional form of one species pair.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PairForm {
    /// ε (energy), σ (length).
    LennardJones { epsilon: f64, sigma: f64 },
    /// D0 (energy), α (1/length), r0 (length).
    Morse { d0: f64, alpha: f64, r0: f64 },
}

/// Parameters of one species pair: form, cutoff (length) and whether E(cutoff) is subtracted.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PairParams {
    pub form: PairForm,
    pub cutoff: f64,
    pub shift: bool,
}

impl PairParams {
    fn validate(&self) -> Result<(), String> {
        let ok = |x: f64| x.is_finite();
        if !(self.cutoff > 0.0 && ok(self.cutoff)) {
            return Err(format!("cutoff must be a positive number, found {}", self.cutoff));
        }
        match self.form {
            PairForm::LennardJones { epsilon, sigma } => {
                if !ok(epsilon) || !(sigma > 0.0 && ok(sigma)) {
                    return Err(format!("expected finite epsilon and sigma > 0, found epsilon={epsilon}, sigma={sigma}"));
                }
            }
            PairForm::Morse { d0, alpha, r0 } => {
                if !ok(d0) || !ok(alpha) || !ok(r0) {
                    return Err(format!("expected finite d0, alpha, r0, found d0={d0}, alpha={alpha}, r0={r0}"));
                }
            }
        }
        Ok(())
    }

    /// Energy (without shift) and −dE/dr / r at squared distance `rsq`.
    pub fn eval(&self, rsq: f64) -> (f64, f64) {
        let c = Coef::from_params(self);
        let (fpair, e) = if c.kind == KIND_LJ { Lj::eval(&c, rsq) } else { Morse::eval(&c, rsq) };
        (e + c.offset, fpair)
    }
}

const KIND_NONE: u8 = 0;
const KIND_LJ: u8 = 1;
const KIND_MORSE: u8 = 2;

/// Precomputed coefficients of one pair type (LAMMPS' lj1..lj4 / morse1).
#[derive(Debug, Clone, Copy)]
struct Coef {
    kind: u8,
    cutsq: f64,
    c1: f64,
    c2: f64,
    c3: f64,
    c4: f64,
    offset: f64,
}

impl Coef {
    const NONE: Coef = Coef { kind: KIND_NONE, cutsq: 0.0, c1: 0.0, c2: 0.0, c3: 0.0, c4: 0.0, offset: 0.0 };

    fn from_params(p: &PairParams) -> Coef {
        let rc = p.cutoff;
        match p.form {
            PairForm::LennardJones { epsilon, sigma } => {
                let s6 = sigma.powi(6);
                let s12 = s6 * s6;
                let offset = if p.shift {
                    let ratio = sigma / rc;
                    4.0 * epsilon * (ratio.powi(12) - ratio.powi(6))
                } else {
                    0.0
                };
                Coef {
                    kind: KIND_LJ,
                    cutsq: rc * rc,
                    c1: 48.0 * epsilon * s12,
                    c2: 24.0 * epsilon * s6,
                    c3: 4.0 * epsilon * s12,
                    c4: 4.0 * epsilon * s6,
                    offset,
                }
            }
            PairForm::Morse { d0, alpha, r0 } => {
                let offset = if p.shift {
                    let a = (-alpha * (rc - r0)).exp();
                    d0 * (a * a - 2.0 * a)
                } else {
                    0.0
                };
                Coef { kind: KIND_MORSE, cutsq: rc * rc, c1: d0, c2: alpha, c3: r0, c4: 2.0 * d0 * alpha, offset }
            }
        }
    }
}

/// A functional form evaluated in the inner loop: returns (fpair = −dE/dr / r, energy − offset).
trait Form {
    fn eval(c: &Coef, rsq: f64) -> (f64, f64);
}
struct Lj;
struct Morse;
struct Mixed;
impl Form for Lj {
    #[inline(always)]
    fn eval(c: &Coef, rsq: f64) -> (f64, f64) {
        let r2inv = 1.0 / rsq;
        let r6inv = r2inv * r2inv * r2inv;
        let forcelj = r6inv * (c.c1 * r6inv - c.c2);
        (forcelj * r2inv, r6inv * (c.c3 * r6inv - c.c4) - c.offset)
    }
}
impl Form for Morse {
    #[inline(always)]
    fn eval(c: &Coef, rsq: f64) -> (f64, f64) {
        let r = rsq.sqrt();
        let dexp = (-c.c2 * (r - c.c3)).exp();
        (c.c4 * (dexp * dexp - dexp) / r, c.c1 * (dexp * dexp - 2.0 * dexp) - c.offset)
    }
}
impl Form for Mixed {
    #[inline(always)]
    fn eval(c: &Coef, rsq: f64) -> (f64, f64) {
        if c.kind == KIND_LJ {
            Lj::eval(c, rsq)
        } else {
            Morse::eval(c, rsq)
        }
    }
}

/// Pair potential with a table of per-species-pair parameters.
pub struct PairPotential {
    name: String,
    species: Vec<String>,
    /// Parameters of pair (a, b), a ≤ b, row-major over `ntypes`.
    params: Vec<Option<PairParams>>,
    /// Coefficients over (ntypes + 1)²; the last type means "not handled by this potential".
    table: Vec<Coef>,
    ntypes: usize,
    /// One type for all atoms: the potential was given without species.
    generic: bool,
    cutoff: f64,
    all_lj: bool,
    all_morse: bool,
    types: Vec<u32>,
    ws: Workspace<()>,
}

impl PairPotential {
    /// A potential for the named species with no pair set yet (see `set_pair`).
    /// With no species, the single pair set applies to every atom whatever its species.
    pub fn new(species: Vec<String>) -> PairPotential {
        let generic = species.is_empty();
        let ntypes = species.len().max(1);
        PairPotential {
            name: "pair".into(),
            species,
            params: vec![None; ntypes * ntypes],
            table: vec![Coef::NONE; (ntypes + 1) * (ntypes + 1)],
            ntypes,
            generic,
            cutoff: 0.0,
            all_lj: true,
            all_morse: true,
            types: Vec::new(),
            ws: Workspace::default(),
        }
    }

    /// Lennard-Jones between all atoms: ε (eV), σ (Å), cutoff (Å), optional energy shift.
    pub fn lennard_jones(epsilon: f64, sigma: f64, cutoff: f64, shift: bool) -> Result<PairPotential, PotentialError> {
        let mut p = PairPotential::new(Vec::new());
        p.set_pair(0, 0, PairParams { form: PairForm::LennardJones { epsilon, sigma }, cutoff, shift })?;
        Ok(p)
    }

    /// Morse between all atoms: D0 (eV), α (1/Å), r0 (Å), cutoff (Å), optional energy shift.
    pub fn morse(d0: f64, alpha: f64, r0: f64, cutoff: f64, shift: bool) -> Result<PairPotential, PotentialError> {
        let mut p = PairPotential::new(Vec::new());
        p.set_pair(0, 0, PairParams { form: PairForm::Morse { d0, alpha, r0 }, cutoff, shift })?;
        Ok(p)
    }

    /// Sets the parameters of species pair (a, b) (indices into `species()`; 0 for a generic potential).
    pub fn set_pair(&mut self, a: usize, b: usize, params: PairParams) -> Result<(), PotentialError> {
        if a >= self.ntypes || b >= self.ntypes {
            return Err(PotentialError::Other(format!("species pair ({a}, {b}) out of range")));
        }
        params.validate().map_err(PotentialError::Other)?;
        self.params[a * self.ntypes + b] = Some(params);
        self.params[b * self.ntypes + a] = Some(params);
        let c = Coef::from_params(&params);
        let nt = self.ntypes + 1;
        self.table[a * nt + b] = c;
        self.table[b * nt + a] = c;
        self.cutoff = self.params.iter().flatten().map(|p| p.cutoff).fold(0.0, f64::max);
        let kinds: Vec<u8> = self.params.iter().flatten().map(|p| Coef::from_params(p).kind).collect();
        self.all_lj = kinds.iter().all(|&k| k == KIND_LJ);
        self.all_morse = kinds.iter().all(|&k| k == KIND_MORSE);
        self.name = if self.all_lj {
            "lj".into()
        } else if self.all_morse {
            "morse".into()
        } else {
            "pair".into()
        };
        Ok(())
    }

    /// Parameters of species pair (a, b), if set.
    pub fn pair(&self, a: usize, b: usize) -> Option<PairParams> {
        self.params.get(a * self.ntypes + b).copied().flatten()
    }

    fn run<F: Form, const SINGLE: bool, const FULL: bool>(&mut self, list: &NeighborList, request: Request) {
        let x = list.extended_positions();
        let types = &self.types[..];
        let table = &self.table[..];
        let nt = self.ntypes + 1;
        let eatom = request.per_atom_energy;
        let n_ext = x.len();
        assert!((SINGLE || types.len() == n_ext) && table.len() == nt * nt);
        self.ws.run(|range, ch| {
            let f = &mut ch.f[..];
            assert_eq!(f.len(), n_ext);
            let mut energy = 0.0;
            for i in range {
                let xi = x[i];
                let row = if SINGLE { 0 } else { types[i] as usize * nt };
                let mut fi = [0.0; 3];
                let neigh = list.neighbors_of(i);
                for &j in neigh {
                    let j = j as usize;
                    // SAFETY: neighbour indices are < n_extended (NeighborList invariant), and x, f and
                    // types all have n_extended entries (asserted above); types are < nt.
                    debug_assert!(j < n_ext);
                    if FULL && !take_pair(list, x, i, j) {
                        continue;
                    }
                    let xj = unsafe { *x.get_unchecked(j) };
                    let dx = xi[0] - xj[0];
                    let dy = xi[1] - xj[1];
                    let dz = xi[2] - xj[2];
                    let rsq = dx * dx + dy * dy + dz * dz;
                    let c = if SINGLE {
                        &table[0]
                    } else {
                        unsafe { table.get_unchecked(row + *types.get_unchecked(j) as usize) }
                    };
                    if rsq < c.cutsq {
                        let (fpair, e) = F::eval(c, rsq);
                        fi[0] += dx * fpair;
                        fi[1] += dy * fpair;
                        fi[2] += dz * fpair;
                        let fj = unsafe { f.get_unchecked_mut(j) };
                        fj[0] -= dx * fpair;
                        fj[1] -= dy * fpair;
                        fj[2] -= dz * fpair;
                        energy += e;
                        if eatom {
                            ch.e_atom[i] += 0.5 * e;
                            ch.e_atom[j] += 0.5 * e;
                        }
                    }
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

impl Potential for PairPotential {
    fn name(&self) -> &str {
        &self.name
    }
    fn cutoff(&self) -> f64 {
        self.cutoff
    }
    fn list_kind(&self) -> ListKind {
        ListKind::Half
    }
    fn species(&self) -> &[String] {
        &self.species
    }
    fn compute(&mut self, list: &NeighborList, species: &[u32], forces: &mut [Vec3], request: Request, out: &mut Output) {
        let n = self.ntypes as u32;
        let generic = self.generic;
        // Species this potential does not know (e.g. in a hybrid) map to the inert last type; one generic
        // pair on a half list needs no types at all.
        if !(generic && list.kind == ListKind::Half) {
            extended_types(list, species, |s| if generic { 0 } else { s.min(n) }, &mut self.types);
        }
        let types = &self.types;
        self.ws.prepare(list, request, |i| generic || types[i] < n);
        match (self.all_lj, self.all_morse, self.generic, list.kind == ListKind::Full) {
            (true, _, true, false) => self.run::<Lj, true, false>(list, request),
            (true, _, false, false) => self.run::<Lj, false, false>(list, request),
            (_, true, true, false) => self.run::<Morse, true, false>(list, request),
            (_, true, false, false) => self.run::<Morse, false, false>(list, request),
            (_, _, true, false) => self.run::<Mixed, true, false>(list, request),
            (_, _, false, false) => self.run::<Mixed, false, false>(list, request),
            // A full list (inside a hybrid with a many-body part): each pair once via `take_pair`.
            (true, _, _, true) => self.run::<Lj, false, true>(list, request),
            (_, true, _, true) => self.run::<Morse, false, true>(list, request),
            (_, _, _, true) => self.run::<Mixed, false, true>(list, request),
        }
        self.ws.finish(list, forces, request, out);
    }
    fn exclude_pair(&mut self, a: u32, b: u32) -> Result<(), PotentialError> {
        let (a, b) = (a as usize, b as usize);
        if self.generic || a >= self.ntypes || b >= self.ntypes {
            return Err(PotentialError::Other(format!("{}: cannot exclude species pair ({a}, {b})", self.name)));
        }
        self.params[a * self.ntypes + b] = None;
        self.params[b * self.ntypes + a] = None;
        let nt = self.ntypes + 1;
        self.table[a * nt + b] = Coef::NONE;
        self.table[b * nt + a] = Coef::NONE;
        Ok(())
    }
}
