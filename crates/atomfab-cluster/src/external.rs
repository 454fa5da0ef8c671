//! Adapter from the shared `atomfab_potentials::Potential` trait (EAM funcfl/setfl, Tersoff, hybrid, …) to
//! [`ClusterPotential`]: the cluster sits in a non-periodic box, so only real atoms interact (no ghosts).
//! Units: metal (Å, eV, eV/Å), as the shared potentials.
//!
//! Each atom has a fixed species (the composition, in order); a basin-hopping swap move exchanges the
//! positions of two atoms of different species, which is the same as exchanging their species.

use crate::error::ClusterError;
use crate::potential::ClusterPotential;
use atomfab_core::{Cell, ListKind, NeighborList, Vec3};
use atomfab_potentials::{from_spec, species_indices, Output, Potential, Request};
use std::sync::Mutex;

/// One evaluation context: the potential (its `compute` takes `&mut self`) and reused buffers.
struct Slot {
    pot: Box<dyn Potential>,
    forces: Vec<Vec3>,
    out: Output,
}

/// A shared-trait potential seen as a cluster potential with per-atom species.
pub struct SharedPotential {
    spec: String,
    /// One slot per concurrent caller (walker thread); a caller takes the first free one.
    slots: Vec<Mutex<Slot>>,
    cutoff: f64,
    kind: ListKind,
    /// Species index (into the potential's species) of each atom.
    species: Vec<u32>,
    /// Chemical symbol of each atom.
    symbols: Vec<String>,
    nn: f64,
    bond_energy: f64,
    /// Number of species of the potential and, per species pair (row-major), the radius (Å) below which a
    /// hard-core wall acts: half the dimer bond length. Tabulated potentials can have spurious wells far
    /// inside the repulsive wall (Cu_u3.eam: −8 eV at 0.7 Å behind a +24 eV barrier at 1 Å) that a global
    /// search would otherwise fall into; no physical structure comes near this radius.
    ns: usize,
    core: Vec<f64>,
}

/// Strength (eV/Å³) of the hard-core wall A·(r_core − r)³.
const WALL: f64 = 1000.0;

/// Parse a composition such as `Si4C4`, `Cu13` or `Si C2` into (symbol, count) pairs in order.
pub fn parse_composition(text: &str) -> Result<Vec<(String, usize)>, ClusterError> {
    let bad = |m: String| ClusterError::Config(format!("composition `{text}`: {m}"));
    let chars: Vec<char> = text.chars().filter(|c| !c.is_whitespace()).collect();
    if chars.is_empty() {
        return Err(bad("expected element symbols with counts, e.g. Si4C4".into()));
    }
    let mut out: Vec<(String, usize)> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_uppercase() {
            return Err(bad(format!("expected an element symbol (capital letter) at `{}`", chars[i..].iter().collect::<String>())));
        }
        let mut sym = chars[i].to_string();
        i += 1;
        while i < chars.len() && chars[i].is_ascii_lowercase() {
            sym.push(chars[i]);
            i += 1;
        }
        let start = i;
        while i < chars.len() && chars[i].is_ascii_digit() {
            i += 1;
        }
        let count = if start == i {
            1
        } else {
            let digits: String = chars[start..i].iter().collect();
            digits.parse::<usize>().map_err(|_| bad(format!("count `{digits}` is too large")))?
        };
        if count == 0 {
            return Err(bad(format!("{sym} has count 0")));
        }
        match out.iter_mut().find(|(s, _)| *s == sym) {
            Some(e) => e.1 = e.1.checked_add(count).ok_or_else(|| bad("count overflow".into()))?,
            None => out.push((sym, count)),
        }
    }
    Ok(out)
}

impl SharedPotential {
    /// Build `spec` (an `atomfab_potentials` spec string) for atoms with the given per-atom symbols, with
    /// `slots` independent evaluation contexts (one per thread that evaluates at the same time).
    pub fn new(spec: &str, symbols: &[String], slots: usize) -> Result<Self, ClusterError> {
        let perr = |e: String| ClusterError::Potential(format!("potential `{spec}`: {e}"));
        if symbols.is_empty() {
            return Err(ClusterError::Config("composition: no atoms".into()));
        }
        let first = from_spec(spec).map_err(|e| perr(e.to_string()))?;
        let species = species_indices(first.as_ref(), symbols).map_err(|e| perr(e.to_string()))?;
        let cutoff = first.cutoff();
        if !(cutoff.is_finite() && cutoff > 0.0) {
            return Err(perr(format!("cutoff {cutoff} Å is not a positive finite length")));
        }
        let kind = first.list_kind();
        let mut pots = vec![first];
        for _ in 1..slots.max(1) {
            pots.push(from_spec(spec).map_err(|e| perr(e.to_string()))?);
        }
        let slots = pots.into_iter().map(|pot| Mutex::new(Slot { pot, forces: Vec::new(), out: Output::default() })).collect();
        let ns = species.iter().copied().max().unwrap_or(0) as usize + 1;
        let mut me = Self {
            spec: spec.to_string(),
            slots,
            cutoff,
            kind,
            species,
            symbols: symbols.to_vec(),
            nn: 1.0,
            bond_energy: 1.0,
            ns,
            core: vec![0.0; ns * ns],
        };
        let mut core = vec![0.0; ns * ns];
        for a in 0..ns {
            for b in a..ns {
                if let Some(r) = me.dimer_length(a as u32, b as u32) {
                    core[a * ns + b] = 0.5 * r;
                    core[b * ns + a] = 0.5 * r;
                }
            }
        }
        me.core = core;
        let (nn, eb) = me.scale_probe().ok_or_else(|| {
            perr("no bound 13-atom cluster of the first species at any spacing below the cutoff (is it a pair-only or empty potential?)".into())
        })?;
        me.nn = nn;
        me.bond_energy = eb;
        Ok(me)
    }

    /// Bond length (Å) of the a–b dimer: its outermost local energy minimum inside the cutoff.
    fn dimer_length(&self, a: u32, b: u32) -> Option<f64> {
        let mut g = [[0.0; 3]; 2];
        let e = |r: f64, g: &mut [[f64; 3]; 2]| self.eval(&[[0.0; 3], [r, 0.0, 0.0]], &[a, b], g, false, None);
        let h = 0.005;
        let mut r = self.cutoff - h;
        let mut prev = e(r, &mut g);
        while r > 0.3 {
            let next = e(r - h, &mut g);
            if next > prev && prev < 0.0 {
                return Some(r);
            }
            prev = next;
            r -= h;
        }
        None
    }

    /// Nearest-neighbour distance (Å) and energy per bond (eV, > 0) of the best uniformly scaled 13-atom
    /// icosahedron of the first atom's species: the length and energy scales for moves and seeding.
    fn scale_probe(&self) -> Option<(f64, f64)> {
        let ico = crate::seed::icosahedral_sites(13, false);
        let sp = vec![self.species[0]; 13];
        let mut best: Option<(f64, f64)> = None;
        // radial spacing s: ico edge = 1.0515 s, centre–vertex = s
        let mut s = 0.8;
        while s < self.cutoff {
            let x: Vec<Vec3> = ico.iter().take(13).map(|p| p.map(|v| v * s)).collect();
            let mut g = vec![[0.0; 3]; 13];
            let e = self.eval(&x, &sp, &mut g, false, None);
            if e.is_finite() && best.is_none_or(|b| e < b.1) {
                best = Some((s, e));
            }
            s += 0.01;
        }
        let (s, e) = best?;
        (e < 0.0).then_some((s * 1.03, -e / 42.0))
    }

    /// The spec string.
    pub fn spec(&self) -> &str {
        &self.spec
    }

    /// Chemical symbol of each atom.
    pub fn symbols(&self) -> &[String] {
        &self.symbols
    }

    fn eval(&self, pos: &[[f64; 3]], species: &[u32], grad: &mut [[f64; 3]], per_atom: bool, mut atom_e: Option<&mut [f64]>) -> f64 {
        // take a free slot; when all are busy, wait on the first
        let mut guard = None;
        for s in &self.slots {
            if let Ok(g) = s.try_lock() {
                guard = Some(g);
                break;
            }
        }
        let mut slot = match guard {
            Some(g) => g,
            None => self.slots[0].lock().unwrap_or_else(|p| p.into_inner()),
        };
        if pos.iter().any(|p| !(p[0].is_finite() && p[1].is_finite() && p[2].is_finite())) {
            return f64::NAN;
        }
        // a non-periodic box: periodic images never exist, so the box only has to be valid
        let cell = match Cell::orthorhombic([-1.0; 3], [1.0; 3], [false; 3]) {
            Ok(c) => c,
            Err(_) => return f64::NAN,
        };
        let list = match NeighborList::build(&cell, pos, self.cutoff, 0.0, self.kind) {
            Ok(l) => l,
            Err(_) => return f64::NAN,
        };
        let Slot { pot, forces, out } = &mut *slot;
        forces.clear();
        forces.resize(pos.len(), [0.0; 3]);
        pot.compute(&list, species, forces, Request { per_atom_energy: per_atom, virial: false }, out);
        for (g, f) in grad.iter_mut().zip(forces.iter()) {
            *g = [-f[0], -f[1], -f[2]];
        }
        let mut energy = out.energy;
        if let Some(ae) = atom_e.as_deref_mut() {
            ae.copy_from_slice(&out.per_atom_energy[..pos.len()]);
        }
        // hard-core wall (see `core`)
        for i in 0..pos.len() {
            for j in (i + 1)..pos.len() {
                let rc = self.core[species[i] as usize * self.ns + species[j] as usize];
                let d = [pos[i][0] - pos[j][0], pos[i][1] - pos[j][1], pos[i][2] - pos[j][2]];
                let r2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
                if r2 < rc * rc {
                    let r = r2.sqrt().max(1e-12);
                    let w = rc - r;
                    energy += WALL * w * w * w;
                    if let Some(ae) = atom_e.as_deref_mut() {
                        ae[i] += 0.5 * WALL * w * w * w;
                        ae[j] += 0.5 * WALL * w * w * w;
                    }
                    // dE/dr = −3A w², along d = r_i − r_j
                    let f = -3.0 * WALL * w * w / r;
                    for a in 0..3 {
                        grad[i][a] += f * d[a];
                        grad[j][a] -= f * d[a];
                    }
                }
            }
        }
        energy
    }
}

impl ClusterPotential for SharedPotential {
    fn energy_gradient(&self, pos: &[[f64; 3]], grad: &mut [[f64; 3]]) -> f64 {
        assert_eq!(pos.len(), self.species.len(), "positions do not match the composition");
        self.eval(pos, &self.species, grad, false, None)
    }

    fn energy(&self, pos: &[[f64; 3]]) -> f64 {
        let mut g = vec![[0.0; 3]; pos.len()];
        self.energy_gradient(pos, &mut g)
    }

    fn atom_energies(&self, pos: &[[f64; 3]], out: &mut [f64]) {
        let mut g = vec![[0.0; 3]; pos.len()];
        self.eval(pos, &self.species, &mut g, true, Some(out));
    }

    fn nn_distance(&self) -> f64 {
        self.nn
    }

    fn seed_pair_energy(&self, r: f64) -> f64 {
        // a Morse (ρ = 6) stand-in with the probed bond length and energy: only ranks lattice sites
        let x = (6.0 * (1.0 - r / self.nn)).exp();
        self.bond_energy * x * (x - 2.0)
    }

    fn label(&self) -> String {
        self.spec.clone()
    }

    fn species(&self) -> Option<&[u32]> {
        Some(&self.species)
    }

    fn default_temperature(&self) -> Option<f64> {
        Some(0.8 * self.bond_energy)
    }
}
