//! Embedded-atom method from LAMMPS potential files: `funcfl` (DYNAMO `.eam`, one element per file) and
//! `setfl` (`.eam.alloy`, several elements).
//!
//! The tabulated functions are interpolated exactly as LAMMPS `pair_style eam` / `eam/alloy` do
//! (`file2array`, `array2spline`, `interpolate`): funcfl files are re-gridded with 4-point Lagrange
//! interpolation onto a common grid and Z(r) becomes r·φ = 27.2·0.529·Zi·Zj (Hartree·Bohr → eV·Å); every
//! table then gets LAMMPS' cubic spline. Units: Å, eV. Uses a half list: a density pass, the
//! embedding derivative F'(ρ) on every atom, then a force pass.

use crate::parallel::{switch_off_pair, blocked_sum, extended_types, take_pair, Workspace};
use crate::reader::{parse_f64, Reader};
use crate::{Output, Potential, PotentialError, Request};
use atomfab_core::{Element, ListKind, NeighborList, Vec3};
use rayon::prelude::*;
use std::path::Path;

/// Spline coefficients of one grid interval (LAMMPS layout: [0..3] derivative, [3..7] value).
type Spline = [f64; 7];

/// One funcfl file as read (1-based arrays as in LAMMPS).
struct Funcfl {
    mass: f64,
    nrho: usize,
    drho: f64,
    nr: usize,
    dr: f64,
    cut: f64,
    frho: Vec<f64>,
    zr: Vec<f64>,
    rhor: Vec<f64>,
}

/// EAM potential on a common grid.
pub struct Eam {
    name: String,
    species: Vec<String>,
    masses: Vec<f64>,
    nr: usize,
    nrho: usize,
    rdr: f64,
    rdrho: f64,
    rhomax: f64,
    cut: f64,
    /// Splines per table, each with n + 1 entries (index 0 unused, as LAMMPS).
    frho: Vec<Vec<Spline>>,
    rhor: Vec<Vec<Spline>>,
    z2r: Vec<Vec<Spline>>,
    /// Tables of species pairs over (ns + 1)² types; the last type is inert (not handled, hybrid).
    type2frho: Vec<usize>,
    type2rhor: Vec<usize>,
    type2z2r: Vec<usize>,
    pair_on: Vec<bool>,
    types: Vec<u32>,
    rho: Vec<f64>,
    fp: Vec<f64>,
    embed: Vec<f64>,
    ws: Workspace<Near>,
}

/// Arrays of LAMMPS' `interpolate`: spline of `f[1..=n]` on spacing `delta`.
fn interpolate(n: usize, delta: f64, f: &[f64]) -> Vec<Spline> {
    let mut s = vec![[0.0; 7]; n + 1];
    for m in 1..=n {
        s[m][6] = f[m];
    }
    s[1][5] = s[2][6] - s[1][6];
    s[2][5] = 0.5 * (s[3][6] - s[1][6]);
    s[n - 1][5] = 0.5 * (s[n][6] - s[n - 2][6]);
    s[n][5] = s[n][6] - s[n - 1][6];
    for m in 3..=n.saturating_sub(2) {
        s[m][5] = ((s[m - 2][6] - s[m + 2][6]) + 8.0 * (s[m + 1][6] - s[m - 1][6])) / 12.0;
    }
    for m in 1..n {
        s[m][4] = 3.0 * (s[m + 1][6] - s[m][6]) - 2.0 * s[m][5] - s[m + 1][5];
        s[m][3] = s[m][5] + s[m + 1][5] - 2.0 * (s[m + 1][6] - s[m][6]);
    }
    s[n][4] = 0.0;
    s[n][3] = 0.0;
    for m in 1..=n {
        s[m][2] = s[m][5] / delta;
        s[m][1] = 2.0 * s[m][4] / delta;
        s[m][0] = 3.0 * s[m][3] / delta;
    }
    s
}

/// LAMMPS' 4-point Lagrange re-gridding of a 1-based file array (spacing `d`, `nfile` points) at `x`.
fn regrid(x: f64, d: f64, nfile: usize, a: &[f64]) -> f64 {
    let sixth = 1.0 / 6.0;
    let mut p = x / d + 1.0;
    let mut k = p as usize;
    k = k.min(nfile - 2);
    k = k.max(2);
    p -= k as f64;
    p = p.min(2.0);
    let cof1 = -sixth * p * (p - 1.0) * (p - 2.0);
    let cof2 = 0.5 * (p * p - 1.0) * (p - 2.0);
    let cof3 = -0.5 * p * (p + 1.0) * (p - 2.0);
    let cof4 = sixth * p * (p * p - 1.0);
    cof1 * a[k - 1] + cof2 * a[k] + cof3 * a[k + 1] + cof4 * a[k + 2]
}

fn header_numbers(r: &Reader, ln: usize, line: &str, what: &str, count: usize) -> Result<Vec<String>, PotentialError> {
    let toks: Vec<String> = line.split_whitespace().map(str::to_string).collect();
    if toks.len() < count {
        return Err(r.error(ln, format!("expected {what}, found '{}'", line.trim())));
    }
    Ok(toks)
}

fn num(r: &Reader, ln: usize, tok: &str, what: &str) -> Result<f64, PotentialError> {
    parse_f64(tok).ok_or_else(|| r.error(ln, format!("expected {what} (a number), found '{tok}'")))
}

fn count(r: &Reader, ln: usize, tok: &str, what: &str) -> Result<usize, PotentialError> {
    match tok.parse::<usize>() {
        Ok(n) if n >= 5 => Ok(n),
        _ => Err(r.error(ln, format!("expected {what} (an integer ≥ 5), found '{tok}'"))),
    }
}

fn positive(r: &Reader, ln: usize, tok: &str, what: &str) -> Result<f64, PotentialError> {
    let x = num(r, ln, tok, what)?;
    if x > 0.0 {
        Ok(x)
    } else {
        Err(r.error(ln, format!("expected {what} > 0, found '{tok}'")))
    }
}

/// Reads the grid line `Nrho drho Nr dr cutoff`.
fn grid_line(r: &mut Reader) -> Result<(usize, f64, usize, f64, f64), PotentialError> {
    let what = "'Nrho drho Nr dr cutoff'";
    let (ln, line) = r.line(what)?;
    let t = header_numbers(r, ln, &line, what, 5)?;
    Ok((
        count(r, ln, &t[0], "Nrho")?,
        positive(r, ln, &t[1], "drho")?,
        count(r, ln, &t[2], "Nr")?,
        positive(r, ln, &t[3], "dr")?,
        positive(r, ln, &t[4], "cutoff")?,
    ))
}

fn read_funcfl(path: &Path) -> Result<(String, Funcfl), PotentialError> {
    let mut r = Reader::open(path)?;
    r.line("a comment line")?;
    let what = "'Z mass [lattice-constant lattice]'";
    let (ln, line) = r.line(what)?;
    let t = header_numbers(&r, ln, &line, what, 2)?;
    let z: u32 = t[0].parse().map_err(|_| r.error(ln, format!("expected the atomic number Z, found '{}'", t[0])))?;
    let mass = positive(&r, ln, &t[1], "mass")?;
    let element = Element::from_atomic_number(z)
        .ok_or_else(|| r.error(ln, format!("expected a known atomic number, found {z}")))?;
    let (nrho, drho, nr, dr, cut) = grid_line(&mut r)?;
    let mut frho = vec![0.0; nrho + 1];
    let mut zr = vec![0.0; nr + 1];
    let mut rhor = vec![0.0; nr + 1];
    r.numbers(&mut frho[1..], "F(rho)")?;
    r.numbers(&mut zr[1..], "Z(r)")?;
    r.numbers(&mut rhor[1..], "rho(r)")?;
    Ok((element.symbol.to_string(), Funcfl { mass, nrho, drho, nr, dr, cut, frho, zr, rhor }))
}

impl Eam {
    /// EAM from DYNAMO funcfl files, one element each (LAMMPS `pair_style eam`); the species are the
    /// elements named by the files' atomic numbers, in file order.
    pub fn from_funcfl_files<P: AsRef<Path>>(paths: &[P]) -> Result<Eam, PotentialError> {
        if paths.is_empty() {
            return Err(PotentialError::Other("eam: expected at least one funcfl file".into()));
        }
        let mut species = Vec::new();
        let mut files = Vec::new();
        for p in paths {
            let (name, f) = read_funcfl(p.as_ref())?;
            if species.contains(&name) {
                return Err(PotentialError::Other(format!(
                    "eam: two funcfl files for element {name}; give one file per element"
                )));
            }
            species.push(name);
            files.push(f);
        }
        // file2array: one grid for all files.
        let (mut dr, mut drho, mut rmax, mut rhomax) = (0.0f64, 0.0f64, 0.0f64, 0.0f64);
        for f in &files {
            dr = dr.max(f.dr);
            drho = drho.max(f.drho);
            rmax = rmax.max((f.nr - 1) as f64 * f.dr);
            rhomax = rhomax.max((f.nrho - 1) as f64 * f.drho);
        }
        let nr = (rmax / dr + 0.5) as usize;
        let nrho = (rhomax / drho + 0.5) as usize;
        let nf = files.len();
        let mut frho: Vec<Vec<f64>> = Vec::new();
        for f in &files {
            let mut a = vec![0.0; nrho + 1];
            for (m, v) in a.iter_mut().enumerate().skip(1) {
                *v = regrid((m - 1) as f64 * drho, f.drho, f.nrho, &f.frho);
            }
            frho.push(a);
        }
        frho.push(vec![0.0; nrho + 1]);
        let mut rhor: Vec<Vec<f64>> = Vec::new();
        for f in &files {
            let mut a = vec![0.0; nr + 1];
            for (m, v) in a.iter_mut().enumerate().skip(1) {
                *v = regrid((m - 1) as f64 * dr, f.dr, f.nr, &f.rhor);
            }
            rhor.push(a);
        }
        let mut z2r: Vec<Vec<f64>> = Vec::new();
        for i in 0..nf {
            for j in 0..=i {
                let mut a = vec![0.0; nr + 1];
                for (m, v) in a.iter_mut().enumerate().skip(1) {
                    let r = (m - 1) as f64 * dr;
                    let zri = regrid(r, files[i].dr, files[i].nr, &files[i].zr);
                    let zrj = regrid(r, files[j].dr, files[j].nr, &files[j].zr);
                    *v = 27.2 * 0.529 * zri * zrj;
                }
                z2r.push(a);
            }
        }
        let cut = files.iter().map(|f| f.cut).fold(0.0, f64::max);
        let masses = files.iter().map(|f| f.mass).collect();
        let map: Vec<usize> = (0..nf).collect();
        Ok(Eam::assemble("eam", species, masses, &map, nr, nrho, dr, drho, cut, frho, rhor, z2r))
    }

    /// EAM from a setfl file (LAMMPS `pair_style eam/alloy`). `elements` picks the file's elements to use,
    /// in the order of the species indices (default: all, in file order).
    pub fn from_setfl_file(path: &Path, elements: Option<&[String]>) -> Result<Eam, PotentialError> {
        let mut r = Reader::open(path)?;
        for _ in 0..3 {
            r.line("three comment lines")?;
        }
        let what = "'Nelements Element1 Element2 ...'";
        let (ln, line) = r.line(what)?;
        let t = header_numbers(&r, ln, &line, what, 2)?;
        let ne: usize = t[0]
            .parse()
            .ok()
            .filter(|&n| n >= 1)
            .ok_or_else(|| r.error(ln, format!("expected the number of elements, found '{}'", t[0])))?;
        if t.len() != ne + 1 {
            return Err(r.error(ln, format!("expected {ne} element names, found {}", t.len() - 1)));
        }
        let names: Vec<String> = t[1..].to_vec();
        let (nrho, drho, nr, dr, cut) = grid_line(&mut r)?;
        let mut frho = Vec::new();
        let mut rhor = Vec::new();
        let mut masses = Vec::new();
        for name in &names {
            let what = format!("'Z mass lattice-constant lattice' for {name}");
            let (ln, line) = r.line(&what)?;
            let t = header_numbers(&r, ln, &line, &what, 2)?;
            masses.push(positive(&r, ln, &t[1], "mass")?);
            let mut f = vec![0.0; nrho + 1];
            r.numbers(&mut f[1..], &format!("F(rho) of {name}"))?;
            let mut d = vec![0.0; nr + 1];
            r.numbers(&mut d[1..], &format!("rho(r) of {name}"))?;
            frho.push(f);
            rhor.push(d);
        }
        frho.push(vec![0.0; nrho + 1]);
        let mut z2r = Vec::new();
        for i in 0..ne {
            for j in 0..=i {
                let mut a = vec![0.0; nr + 1];
                r.numbers(&mut a[1..], &format!("r*phi(r) of {}-{}", names[i], names[j]))?;
                z2r.push(a);
            }
        }
        let chosen: Vec<String> = match elements {
            Some(e) if !e.is_empty() => e.to_vec(),
            _ => names.clone(),
        };
        let mut map = Vec::new();
        for e in &chosen {
            let k = names.iter().position(|n| n == e).ok_or_else(|| {
                PotentialError::Other(format!("{}: element '{e}' is not in the file (it has {})", r.file(), names.join(", ")))
            })?;
            if map.contains(&k) {
                return Err(PotentialError::Other(format!("eam/alloy: element '{e}' given twice")));
            }
            map.push(k);
        }
        let masses = map.iter().map(|&k| masses[k]).collect();
        Ok(Eam::assemble("eam/alloy", chosen, masses, &map, nr, nrho, dr, drho, cut, frho, rhor, z2r))
    }

    /// Splines the tables and builds the species-pair lookups; `map[s]` is the file element of species s.
    #[allow(clippy::too_many_arguments)]
    fn assemble(
        name: &str,
        species: Vec<String>,
        masses: Vec<f64>,
        map: &[usize],
        nr: usize,
        nrho: usize,
        dr: f64,
        drho: f64,
        cut: f64,
        frho: Vec<Vec<f64>>,
        rhor: Vec<Vec<f64>>,
        z2r: Vec<Vec<f64>>,
    ) -> Eam {
        let ns = species.len();
        let nt = ns + 1;
        let zero_frho = frho.len() - 1;
        let mut type2frho = vec![zero_frho; nt];
        let mut type2rhor = vec![0; nt * nt];
        let mut type2z2r = vec![0; nt * nt];
        let mut pair_on = vec![false; nt * nt];
        for i in 0..ns {
            type2frho[i] = map[i];
            for j in 0..ns {
                type2rhor[i * nt + j] = map[i];
                let (a, b) = if map[i] >= map[j] { (map[i], map[j]) } else { (map[j], map[i]) };
                type2z2r[i * nt + j] = a * (a + 1) / 2 + b;
                pair_on[i * nt + j] = true;
            }
        }
        Eam {
            name: name.to_string(),
            species,
            masses,
            nr,
            nrho,
            rdr: 1.0 / dr,
            rdrho: 1.0 / drho,
            rhomax: (nrho - 1) as f64 * drho,
            cut,
            frho: frho.iter().map(|a| interpolate(nrho, drho, a)).collect(),
            rhor: rhor.iter().map(|a| interpolate(nr, dr, a)).collect(),
            z2r: z2r.iter().map(|a| interpolate(nr, dr, a)).collect(),
            type2frho,
            type2rhor,
            type2z2r,
            pair_on,
            types: Vec::new(),
            rho: Vec::new(),
            fp: Vec::new(),
            embed: Vec::new(),
            ws: Workspace::default(),
        }
    }

    /// Masses (amu) of the species, from the file.
    pub fn masses(&self) -> &[f64] {
        &self.masses
    }

    /// Embedding energy F(ρ) (eV) of species `s` and its derivative, as the force loop evaluates them.
    fn embedding(&self, s: usize, rho: f64) -> (f64, f64) {
        let mut p = rho * self.rdrho + 1.0;
        let m = (p as usize).clamp(1, self.nrho - 1);
        p -= m as f64;
        p = p.min(1.0);
        let c = &self.frho[self.type2frho[s]][m];
        let fp = (c[0] * p + c[1]) * p + c[2];
        let mut phi = ((c[3] * p + c[4]) * p + c[5]) * p + c[6];
        if rho > self.rhomax {
            phi += fp * (rho - self.rhomax);
        }
        (phi, fp)
    }

    fn density_pass<const SINGLE: bool, const FULL: bool>(&mut self, list: &NeighborList) {
        let x = list.extended_positions();
        let (types, rhor, t2r, on) = (&self.types, &self.rhor, &self.type2rhor, &self.pair_on);
        let nt = self.species.len() + 1;
        let cutsq = self.cut * self.cut;
        let (rdr, nr) = (self.rdr, self.nr);
        let r0 = &rhor[t2r[0]][..]; // single species: its own tables
        let n_ext = x.len();
        assert!(types.len() == n_ext && r0.len() > nr - 1);
        self.ws.run(|range, ch| {
            let rho = &mut ch.s[..];
            assert_eq!(rho.len(), n_ext);
            let near = &mut ch.extra;
            for i in range {
                let ti = types[i] as usize;
                let cnt = near.gather::<SINGLE, FULL>(list, x, types, on, nt, cutsq, i);
                near.locate::<false>(cnt, rdr, nr);
                let mut rho_i = 0.0;
                for ((&j, &m), &p) in near.j[..cnt].iter().zip(&near.m[..cnt]).zip(&near.p[..cnt]) {
                    let (j, m) = (j as usize, m as usize);
                    // SAFETY: j < n_extended = rho.len() (asserted on entry), m ≤ nr − 1 < table length.
                    if SINGLE {
                        let c = unsafe { r0.get_unchecked(m) };
                        let v = ((c[3] * p + c[4]) * p + c[5]) * p + c[6];
                        rho_i += v;
                        unsafe { *rho.get_unchecked_mut(j) += v };
                    } else {
                        let tj = unsafe { *types.get_unchecked(j) as usize };
                        let c = &rhor[t2r[tj * nt + ti]][m];
                        rho_i += ((c[3] * p + c[4]) * p + c[5]) * p + c[6];
                        let c = &rhor[t2r[ti * nt + tj]][m];
                        rho[j] += ((c[3] * p + c[4]) * p + c[5]) * p + c[6];
                    }
                }
                rho[i] += rho_i;
            }
        });
    }

    fn force_pass<const SINGLE: bool, const FULL: bool>(&mut self, list: &NeighborList, eatom: bool) {
        let x = list.extended_positions();
        let (types, rhor, z2r, fp) = (&self.types, &self.rhor, &self.z2r, &self.fp);
        let (t2r, t2z, on) = (&self.type2rhor, &self.type2z2r, &self.pair_on);
        let nt = self.species.len() + 1;
        let cutsq = self.cut * self.cut;
        let (rdr, nr) = (self.rdr, self.nr);
        let (r0, z0) = (&rhor[t2r[0]][..], &z2r[t2z[0]][..]); // single species: its own tables
        let n_ext = x.len();
        assert!(types.len() == n_ext && fp.len() == n_ext && r0.len() > nr - 1 && z0.len() > nr - 1);
        self.ws.run(|range, ch| {
            let f = &mut ch.f[..];
            assert_eq!(f.len(), n_ext);
            let near = &mut ch.extra;
            let mut energy = 0.0;
            for i in range {
                let ti = types[i] as usize;
                let fpi = fp[i];
                let cnt = near.gather::<SINGLE, FULL>(list, x, types, on, nt, cutsq, i);
                near.locate::<true>(cnt, rdr, nr);
                let mut fi = [0.0; 3];
                let pairs = near.j[..cnt].iter().zip(&near.d[..cnt]).zip(&near.m[..cnt]);
                for (((&j, d), &m), (&p, &recip)) in pairs.zip(near.p[..cnt].iter().zip(&near.recip[..cnt])) {
                    let (j, m) = (j as usize, m as usize);
                    let [dx, dy, dz] = *d;
                    // SAFETY (unchecked reads below): j < n_extended, the length of types, fp and the force
                    // buffer (asserted on entry); m ≤ nr − 1 < table length.
                    let (rhoip, rhojp, cz) = if SINGLE {
                        let c = unsafe { r0.get_unchecked(m) };
                        let d = (c[0] * p + c[1]) * p + c[2];
                        (d, d, unsafe { z0.get_unchecked(m) })
                    } else {
                        let tj = unsafe { *types.get_unchecked(j) as usize };
                        let c = &rhor[t2r[ti * nt + tj]][m];
                        let a = (c[0] * p + c[1]) * p + c[2];
                        let c = &rhor[t2r[tj * nt + ti]][m];
                        let b = (c[0] * p + c[1]) * p + c[2];
                        (a, b, &z2r[t2z[ti * nt + tj]][m])
                    };
                    let z2p = (cz[0] * p + cz[1]) * p + cz[2];
                    let z2 = ((cz[3] * p + cz[4]) * p + cz[5]) * p + cz[6];
                    let phi = z2 * recip;
                    let phip = z2p * recip - phi * recip;
                    let psip = fpi * rhojp + unsafe { *fp.get_unchecked(j) } * rhoip + phip;
                    let fpair = -psip * recip;
                    fi[0] += dx * fpair;
                    fi[1] += dy * fpair;
                    fi[2] += dz * fpair;
                    let fj = unsafe { f.get_unchecked_mut(j) };
                    fj[0] -= dx * fpair;
                    fj[1] -= dy * fpair;
                    fj[2] -= dz * fpair;
                    energy += phi;
                    if eatom {
                        ch.e_atom[i] += 0.5 * phi;
                        ch.e_atom[j] += 0.5 * phi;
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

/// Per-chunk scratch: the neighbours of one atom that interact, compacted without branches (about half
/// of a skin-padded list lies beyond the cutoff, and a branch per entry mispredicts often), and their
/// grid positions, computed in a separate loop over the compacted pairs so that sqrt and division run
/// two at a time (packed SSE2).
#[derive(Default)]
struct Near {
    /// Neighbour indices (extended atoms).
    j: Vec<u32>,
    /// x_i − x_j (Å).
    d: Vec<[f64; 3]>,
    /// |x_i − x_j|² (Å²).
    rsq: Vec<f64>,
    /// Spline interval m ≤ nr − 1 and offset p ∈ [0, 1] of r on the grid (LAMMPS:
    /// `p = r·rdr + 1; m = min(int p, nr − 1); p = min(p − m, 1)`).
    m: Vec<i32>,
    p: Vec<f64>,
    /// 1/r (Å⁻¹); force pass only.
    recip: Vec<f64>,
}

impl Near {
    /// Fills `j`, `d`, `rsq` (`[..cnt]`) with the neighbours of local atom `i` within the cutoff (pairs
    /// switched on; with a full list, the pairs `i` owns) in list order, and returns cnt.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn gather<const SINGLE: bool, const FULL: bool>(
        &mut self,
        list: &NeighborList,
        x: &[Vec3],
        types: &[u32],
        on: &[bool],
        nt: usize,
        cutsq: f64,
        i: usize,
    ) -> usize {
        let nb = list.neighbors_of(i);
        if self.j.len() < nb.len() {
            let n = nb.len();
            self.j.resize(n, 0);
            self.d.resize(n, [0.0; 3]);
            self.rsq.resize(n, 0.0);
            self.m.resize(n, 0);
            self.p.resize(n, 0.0);
            self.recip.resize(n, 0.0);
        }
        let (js, ds, rs) = (&mut self.j[..nb.len()], &mut self.d[..nb.len()], &mut self.rsq[..nb.len()]);
        let xi = x[i];
        let ti = types[i] as usize;
        let mut cnt = 0;
        for &j in nb {
            let ju = j as usize;
            // SAFETY: neighbour indices are < n_extended = x.len() = types.len() (callers assert), and
            // cnt ≤ the number of entries seen so far < nb.len() = js.len() = ds.len() = rs.len().
            let xj = unsafe { *x.get_unchecked(ju) };
            let (dx, dy, dz) = (xi[0] - xj[0], xi[1] - xj[1], xi[2] - xj[2]);
            let rsq = dx * dx + dy * dy + dz * dz;
            unsafe {
                *js.get_unchecked_mut(cnt) = j;
                *ds.get_unchecked_mut(cnt) = [dx, dy, dz];
                *rs.get_unchecked_mut(cnt) = rsq;
            }
            // `<` is false for NaN, so a NaN distance never reaches the grid conversion.
            let mut keep = rsq < cutsq;
            if !SINGLE {
                keep &= on[ti * nt + unsafe { *types.get_unchecked(ju) } as usize];
            }
            if FULL {
                keep = keep && take_pair(list, x, i, ju);
            }
            cnt += keep as usize;
        }
        cnt
    }

    /// Grid positions `m`, `p` (and with `RECIP` 1/r) of the first `cnt` gathered pairs; `rdr` = 1/dr (Å⁻¹).
    #[inline(always)]
    fn locate<const RECIP: bool>(&mut self, cnt: usize, rdr: f64, nr: usize) {
        // m = min(⌊p⌋, nr − 1) = ⌊min(p, nr − 1)⌋ since nr − 1 is an integer; clamping in f64 keeps the loop
        // vectorisable.
        let top = (nr - 1) as f64;
        let (rs, ms, ps) = (&self.rsq[..cnt], &mut self.m[..cnt], &mut self.p[..cnt]);
        let qs = &mut self.recip[..cnt];
        for (((&rsq, m), p), q) in rs.iter().zip(ms.iter_mut()).zip(ps.iter_mut()).zip(qs.iter_mut()) {
            let r = rsq.sqrt();
            let pr = r * rdr + 1.0;
            // SAFETY: gathered pairs have 0 ≤ r < cutoff (finite), so min(pr, nr − 1) is finite and in
            // [1, nr − 1], well inside i32 (nr is a table length).
            let mi = unsafe { pr.min(top).to_int_unchecked::<i32>() };
            *m = mi;
            *p = (pr - mi as f64).min(1.0);
            if RECIP {
                *q = 1.0 / r;
            }
        }
    }
}

impl Potential for Eam {
    fn name(&self) -> &str {
        &self.name
    }
    fn cutoff(&self) -> f64 {
        self.cut
    }
    fn list_kind(&self) -> ListKind {
        ListKind::Half
    }
    fn species(&self) -> &[String] {
        &self.species
    }
    fn compute(&mut self, list: &NeighborList, species: &[u32], forces: &mut [Vec3], request: Request, out: &mut Output) {
        let ns = self.species.len() as u32;
        extended_types(list, species, |s| s.min(ns), &mut self.types);
        let n = list.n_local();
        let n_ext = list.n_extended();
        let single = ns == 1 && self.types.par_iter().with_min_len(4096).all(|&t| t == 0);
        let types = &self.types;
        self.ws.prepare(list, request, |i| types[i] < ns);
        self.ws.zero_scalars(n_ext);
        match (single, list.kind == ListKind::Full) {
            (true, false) => self.density_pass::<true, false>(list),
            (false, false) => self.density_pass::<false, false>(list),
            (true, true) => self.density_pass::<true, true>(list),
            (false, true) => self.density_pass::<false, true>(list),
        }
        let mut rho = std::mem::take(&mut self.rho);
        self.ws.reduce_scalars(list, &mut rho);
        // Embedding energy and F'(ρ) of local atoms; atoms of species this EAM does not handle get 0.
        let mut fp = std::mem::take(&mut self.fp);
        let mut embed = std::mem::take(&mut self.embed);
        fp.clear();
        fp.resize(n_ext, 0.0);
        embed.clear();
        embed.resize(n, 0.0);
        {
            let this = &*self;
            let types = &self.types;
            fp[..n].par_iter_mut().zip(embed.par_iter_mut()).enumerate().for_each(|(i, (fpi, ei))| {
                let t = types[i] as usize;
                if t < this.species.len() {
                    let (phi, d) = this.embedding(t, rho[i]);
                    *fpi = d;
                    *ei = phi;
                }
            });
            list.copy_to_ghosts(&mut fp);
            self.fp = fp;
            self.embed = embed;
        }
        self.rho = rho;
        let eatom = request.per_atom_energy;
        match (single, list.kind == ListKind::Full) {
            (true, false) => self.force_pass::<true, false>(list, eatom),
            (false, false) => self.force_pass::<false, false>(list, eatom),
            (true, true) => self.force_pass::<true, true>(list, eatom),
            (false, true) => self.force_pass::<false, true>(list, eatom),
        }
        self.ws.finish(list, forces, request, out);
        // Fixed-order sum of the embedding energies (deterministic).
        out.energy += blocked_sum(&self.embed);
        if request.per_atom_energy {
            for (e, &m) in out.per_atom_energy.iter_mut().zip(&self.embed) {
                *e += m;
            }
        }
    }
    fn exclude_pair(&mut self, a: u32, b: u32) -> Result<(), PotentialError> {
        switch_off_pair(&mut self.pair_on, self.species.len(), a, b, false, &self.name)
    }
}
