//! Ziegler–Biersack–Littmark universal screened nuclear repulsion, as LAMMPS `pair_style zbl inner outer`
//! (metal units): E(r) = Z_i Z_j e²/(4πε0 r) Σ_k c_k exp(−d_k r/a), a = 0.46850 Å/(Z_i^0.23 + Z_j^0.23),
//! plus LAMMPS' switching polynomial on [inner, outer] that brings E, dE/dr and d²E/dr² to zero at outer,
//! and the constant that makes E(outer) = 0 added everywhere.
//!
//! Ref.: J. F. Ziegler, J. P. Biersack, U. Littmark, The Stopping and Range of Ions in Matter (Pergamon
//! 1985). Units: Å, eV; Z from the species' element symbols (or `NAME=Z`). Uses a half neighbour list.

use crate::parallel::{switch_off_pair, extended_types, take_pair, Workspace};
use crate::{Output, Potential, PotentialError, Request};
use atomfab_core::{Element, ListKind, NeighborList, Vec3};

/// e²/(4πε0) in eV·Å (LAMMPS `qqr2e` for metal units).
pub const QQR2E_METAL: f64 = 14.399645;
/// ZBL universal screening length constant (Å) and exponent of Z.
const A0: f64 = 0.46850;
const PZBL: f64 = 0.23;
/// Screening function coefficients c_k and exponents d_k.
pub(crate) const C: [f64; 4] = [0.02817, 0.28022, 0.50986, 0.18175];
const D: [f64; 4] = [0.20162, 0.40290, 0.94229, 3.19980];

/// d_k / a (1/Å) and Z_i Z_j e²/(4πε0) (eV·Å) of the bare ZBL of a pair of atomic numbers, as LAMMPS
/// `pair_style zbl`: E(r) = zze/r Σ C_k exp(−da_k r).
pub(crate) fn screening(zi: f64, zj: f64) -> ([f64; 4], f64) {
    let ainv = (zi.powf(PZBL) + zj.powf(PZBL)) / A0;
    (D.map(|d| d * ainv), zi * zj * QQR2E_METAL)
}

/// The Fermi switch that joins a potential to ZBL (LAMMPS `tersoff/zbl`): F(r) = 1/(1 + exp(−s (r − cut)))
/// and dF/dr, with s the steepness (1/Å) and cut the centre (Å).
#[inline(always)]
pub(crate) fn fermi(r: f64, cut: f64, s: f64) -> (f64, f64) {
    let ex = (-s * (r - cut)).exp();
    let den = 1.0 + ex;
    (1.0 / den, s * ex / (den * den))
}

/// Coefficients of one species pair.
#[derive(Debug, Clone, Copy)]
struct Coef {
    on: bool,
    /// d_k / a (1/Å).
    da: [f64; 4],
    /// Z_i Z_j e²/(4πε0) (eV·Å).
    zze: f64,
    sw1: f64,
    sw2: f64,
    sw3: f64,
    sw4: f64,
    sw5: f64,
}

impl Coef {
    const NONE: Coef = Coef { on: false, da: [0.0; 4], zze: 0.0, sw1: 0.0, sw2: 0.0, sw3: 0.0, sw4: 0.0, sw5: 0.0 };

    fn new(zi: f64, zj: f64, inner: f64, outer: f64) -> Coef {
        let (da, zze) = screening(zi, zj);
        let mut c = Coef { on: true, da, zze, ..Coef::NONE };
        // Switching: E_sw = A/3 t³ + B/4 t⁴ + C with t = r − inner, chosen so that E, E' and E'' vanish at
        // outer (the same construction as LAMMPS' set_coeff).
        let tc = outer - inner;
        let (fc, fcp, fcpp) = (c.e(outer), c.de(outer), c.d2e(outer));
        let swa = (-3.0 * fcp + tc * fcpp) / (tc * tc);
        let swb = (2.0 * fcp - tc * fcpp) / (tc * tc * tc);
        let swc = -fc + (tc / 2.0) * fcp - (tc * tc / 12.0) * fcpp;
        c.sw1 = swa;
        c.sw2 = swb;
        c.sw3 = swa / 3.0;
        c.sw4 = swb / 4.0;
        c.sw5 = swc;
        c
    }

    /// Bare ZBL energy (eV).
    #[inline(always)]
    fn e(&self, r: f64) -> f64 {
        let d = &self.da;
        let mut sum = C[0] * (-d[0] * r).exp();
        sum += C[1] * (-d[1] * r).exp();
        sum += C[2] * (-d[2] * r).exp();
        sum += C[3] * (-d[3] * r).exp();
        self.zze * sum / r
    }

    /// dE/dr of the bare ZBL energy (eV/Å).
    #[inline(always)]
    fn de(&self, r: f64) -> f64 {
        let d = &self.da;
        let rinv = 1.0 / r;
        let e = [(-d[0] * r).exp(), (-d[1] * r).exp(), (-d[2] * r).exp(), (-d[3] * r).exp()];
        let mut sum = C[0] * e[0];
        sum += C[1] * e[1];
        sum += C[2] * e[2];
        sum += C[3] * e[3];
        let mut sum_p = -C[0] * d[0] * e[0];
        sum_p -= C[1] * d[1] * e[1];
        sum_p -= C[2] * d[2] * e[2];
        sum_p -= C[3] * d[3] * e[3];
        self.zze * (sum_p - sum * rinv) * rinv
    }

    /// d²E/dr² of the bare ZBL energy (eV/Å²).
    fn d2e(&self, r: f64) -> f64 {
        let d = &self.da;
        let rinv = 1.0 / r;
        let (mut sum, mut sum_p, mut sum_pp) = (0.0, 0.0, 0.0);
        for k in 0..4 {
            let e = (-d[k] * r).exp();
            sum += C[k] * e;
            sum_p += C[k] * e * d[k];
            sum_pp += C[k] * e * d[k] * d[k];
        }
        self.zze * (sum_pp + 2.0 * sum_p * rinv + 2.0 * sum * rinv * rinv) * rinv
    }
}

/// ZBL repulsion between the pairs of a set of species.
pub struct Zbl {
    species: Vec<String>,
    /// Atomic number of each species.
    z: Vec<f64>,
    inner: f64,
    outer: f64,
    /// Coefficients over (n + 1)² types; the last type is inert (not handled).
    table: Vec<Coef>,
    types: Vec<u32>,
    ws: Workspace<()>,
}

impl Zbl {
    /// ZBL between all pairs of `species` with atomic numbers `z`, switched off over [inner, outer] (Å).
    pub fn new(species: Vec<String>, z: Vec<f64>, inner: f64, outer: f64) -> Result<Zbl, PotentialError> {
        let err = |m: String| PotentialError::Other(format!("zbl: {m}"));
        if !(inner > 0.0 && inner.is_finite()) {
            return Err(err(format!("inner must be a positive number of Å, found {inner}")));
        }
        if !(outer > inner && outer.is_finite()) {
            return Err(err(format!("outer must be larger than inner ({inner} Å), found {outer}")));
        }
        if species.is_empty() || species.len() != z.len() {
            return Err(err("expected one atomic number per species".into()));
        }
        if let Some(bad) = z.iter().find(|&&z| !(z >= 1.0 && z.is_finite())) {
            return Err(err(format!("atomic numbers must be ≥ 1, found {bad}")));
        }
        let n = species.len();
        let nt = n + 1;
        let mut table = vec![Coef::NONE; nt * nt];
        for i in 0..n {
            for j in 0..n {
                table[i * nt + j] = Coef::new(z[i], z[j], inner, outer);
            }
        }
        Ok(Zbl { species, z, inner, outer, table, types: Vec::new(), ws: Workspace::default() })
    }

    /// ZBL for element symbols (Z from the periodic table); an entry `NAME=Z` names a species with an
    /// explicit atomic number.
    pub fn for_elements(names: &[String], inner: f64, outer: f64) -> Result<Zbl, PotentialError> {
        let mut species = Vec::new();
        let mut z = Vec::new();
        for name in names {
            let (s, zz) = match name.split_once('=') {
                Some((s, v)) => {
                    let v: f64 = v.trim().parse().map_err(|_| {
                        PotentialError::Other(format!("zbl: species '{s}': expected an atomic number after '=', found '{v}'"))
                    })?;
                    (s.trim().to_string(), v)
                }
                None => {
                    let e = Element::from_symbol(name).ok_or_else(|| {
                        PotentialError::Other(format!(
                            "zbl: '{name}' is not an element symbol (give its atomic number as {name}=Z)"
                        ))
                    })?;
                    (name.clone(), e.atomic_number as f64)
                }
            };
            if species.contains(&s) {
                return Err(PotentialError::Other(format!("zbl: species '{s}' given twice")));
            }
            species.push(s);
            z.push(zz);
        }
        Zbl::new(species, z, inner, outer)
    }

    /// Atomic numbers of the species.
    pub fn atomic_numbers(&self) -> &[f64] {
        &self.z
    }

    /// Inner and outer switching radii (Å).
    pub fn switching(&self) -> (f64, f64) {
        (self.inner, self.outer)
    }

    /// Energy (eV) and −(dE/dr)/r (eV/Å²) of species pair (a, b) at distance r (Å); (0, 0) beyond outer.
    pub fn pair_energy(&self, a: usize, b: usize, r: f64) -> (f64, f64) {
        let c = &self.table[a * (self.species.len() + 1) + b];
        if !c.on || r >= self.outer {
            return (0.0, 0.0);
        }
        let (fpair, e) = eval(c, r * r, self.inner * self.inner, self.inner);
        (e, fpair)
    }

    fn run<const FULL: bool>(&mut self, list: &NeighborList, eatom: bool) {
        let x = list.extended_positions();
        let (types, table) = (&self.types[..], &self.table[..]);
        let nt = self.species.len() + 1;
        let (inner, cut_innersq, cut_sq) = (self.inner, self.inner * self.inner, self.outer * self.outer);
        self.ws.run(|range, ch| {
            let f = &mut ch.f[..];
            let mut energy = 0.0;
            for i in range {
                let xi = x[i];
                let row = types[i] as usize * nt;
                if types[i] as usize == nt - 1 {
                    continue;
                }
                let mut fi = [0.0; 3];
                for &j in list.neighbors_of(i) {
                    let j = j as usize;
                    if FULL && !take_pair(list, x, i, j) {
                        continue;
                    }
                    let c = &table[row + types[j] as usize];
                    if !c.on {
                        continue;
                    }
                    let xj = x[j];
                    let dx = xi[0] - xj[0];
                    let dy = xi[1] - xj[1];
                    let dz = xi[2] - xj[2];
                    let rsq = dx * dx + dy * dy + dz * dz;
                    if rsq < cut_sq {
                        let (fpair, e) = eval(c, rsq, cut_innersq, inner);
                        fi[0] += dx * fpair;
                        fi[1] += dy * fpair;
                        fi[2] += dz * fpair;
                        let fj = &mut f[j];
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

/// (fpair = −(dE/dr)/r, E) with the switching polynomial, for rsq below outer².
#[inline(always)]
fn eval(c: &Coef, rsq: f64, cut_innersq: f64, inner: f64) -> (f64, f64) {
    let r = rsq.sqrt();
    let mut fpair = c.de(r);
    let mut e = c.e(r) + c.sw5;
    if rsq > cut_innersq {
        let t = r - inner;
        fpair += t * t * (c.sw1 + c.sw2 * t);
        e += t * t * t * (c.sw3 + c.sw4 * t);
    }
    (fpair * (-1.0 / r), e)
}

impl Potential for Zbl {
    fn name(&self) -> &str {
        "zbl"
    }
    fn cutoff(&self) -> f64 {
        self.outer
    }
    fn list_kind(&self) -> ListKind {
        ListKind::Half
    }
    fn species(&self) -> &[String] {
        &self.species
    }
    fn compute(&mut self, list: &NeighborList, species: &[u32], forces: &mut [Vec3], request: Request, out: &mut Output) {
        let n = self.species.len() as u32;
        extended_types(list, species, |s| s.min(n), &mut self.types);
        let types = &self.types;
        self.ws.prepare(list, request, |i| types[i] < n);
        if list.kind == ListKind::Full {
            self.run::<true>(list, request.per_atom_energy);
        } else {
            self.run::<false>(list, request.per_atom_energy);
        }
        self.ws.finish(list, forces, request, out);
    }
    fn exclude_pair(&mut self, a: u32, b: u32) -> Result<(), PotentialError> {
        switch_off_pair(&mut self.table, self.species.len(), a, b, Coef::NONE, "zbl")
    }
}
