//! Several potentials summed, each acting on its own species pairs (LAMMPS `pair_style hybrid/overlay`;
//! with disjoint pairs it is `pair_style hybrid`).
//!
//! A part sees only the atoms of the species it handles; the others are invisible to it (as LAMMPS'
//! NULL element mapping), so e.g. a Tersoff Si part and a Tersoff C part plus a Morse Si–C part give the
//! usual tool/workpiece set-up. Pairs of handled species that the part is not given are excluded from it.

use crate::{Output, Potential, Request};
use atomfab_core::{ListKind, NeighborList, Vec3};
use crate::parallel::BLOCK;
use rayon::prelude::*;

/// One potential of a hybrid and the species pairs it acts on (`None`: all pairs of its species).
pub struct Part {
    pub potential: Box<dyn Potential>,
    pub pairs: Option<Vec<(String, String)>>,
}

struct PartState {
    potential: Box<dyn Potential>,
    /// Hybrid species index → part species index, `u32::MAX` when the part does not see that species.
    map: Vec<u32>,
    species: Vec<u32>,
    forces: Vec<Vec3>,
    out: Output,
}

pub struct Hybrid {
    species: Vec<String>,
    /// `interacting[a * ns + b]`: some part that is not inert computes the pair.
    interacting: Vec<bool>,
    parts: Vec<PartState>,
    cutoff: f64,
    kind: ListKind,
}

const NONE: u32 = u32::MAX;

impl Hybrid {
    /// Combines parts. Species are the union of the parts' species (first appearance order). Every pair
    /// of species must be handled by at least one part.
    pub fn new(parts: Vec<Part>) -> Result<Hybrid, String> {
        if parts.is_empty() {
            return Err("a hybrid needs at least one part".into());
        }
        let mut species: Vec<String> = Vec::new();
        let add = |s: &str, species: &mut Vec<String>| {
            if !species.iter().any(|x| x == s) {
                species.push(s.to_string());
            }
        };
        for p in &parts {
            for s in p.potential.species() {
                add(s, &mut species);
            }
            for (a, b) in p.pairs.iter().flatten() {
                add(a, &mut species);
                add(b, &mut species);
            }
        }
        let ns = species.len();
        let mut covered = vec![false; ns * ns];
        let mut interacting = vec![false; ns * ns];
        let mut states = Vec::new();
        for Part { mut potential, pairs } in parts {
            let own: Vec<String> = potential.species().to_vec();
            let name = potential.name().to_string();
            let mut map = vec![NONE; ns];
            if own.is_empty() {
                if pairs.is_some() {
                    return Err(format!(
                        "part '{name}' has no species of its own; give it species pairs through its parameters"
                    ));
                }
                map.fill(0);
                covered.fill(true);
                if potential.interacts(0, 0) {
                    interacting.fill(true);
                }
            } else {
                let index = |s: &str| own.iter().position(|x| x == s);
                let hindex = |s: &str| species.iter().position(|x| x == s).expect("species collected above");
                match &pairs {
                    None => {
                        for (h, s) in species.iter().enumerate() {
                            if let Some(k) = index(s) {
                                map[h] = k as u32;
                            }
                        }
                        for a in 0..ns {
                            for b in 0..ns {
                                if map[a] != NONE && map[b] != NONE {
                                    covered[a * ns + b] = true;
                                    interacting[a * ns + b] |= potential.interacts(map[a], map[b]);
                                }
                            }
                        }
                    }
                    Some(list) => {
                        let mut allowed = vec![false; own.len() * own.len()];
                        for (a, b) in list {
                            let (ka, kb) = match (index(a), index(b)) {
                                (Some(ka), Some(kb)) => (ka, kb),
                                _ => {
                                    return Err(format!(
                                        "pair {a}-{b}: part '{name}' only knows species {}",
                                        own.join(", ")
                                    ))
                                }
                            };
                            allowed[ka * own.len() + kb] = true;
                            allowed[kb * own.len() + ka] = true;
                            let (ha, hb) = (hindex(a), hindex(b));
                            map[ha] = ka as u32;
                            map[hb] = kb as u32;
                            covered[ha * ns + hb] = true;
                            covered[hb * ns + ha] = true;
                            if potential.interacts(ka as u32, kb as u32) {
                                interacting[ha * ns + hb] = true;
                                interacting[hb * ns + ha] = true;
                            }
                        }
                        // Pairs among the species this part sees that it was not given.
                        let seen: Vec<usize> = map.iter().filter(|&&m| m != NONE).map(|&m| m as usize).collect();
                        for &ka in &seen {
                            for &kb in &seen {
                                if ka <= kb && !allowed[ka * own.len() + kb] {
                                    potential.exclude_pair(ka as u32, kb as u32).map_err(|e| e.to_string())?;
                                }
                            }
                        }
                    }
                }
            }
            states.push(PartState { potential, map, species: Vec::new(), forces: Vec::new(), out: Output::default() });
        }
        for a in 0..ns {
            for b in a..ns {
                if !covered[a * ns + b] {
                    return Err(format!("species pair {}-{} is not handled by any part", species[a], species[b]));
                }
            }
        }
        let cutoff = states.iter().map(|p| p.potential.cutoff()).fold(0.0, f64::max);
        let kind = if states.iter().any(|p| p.potential.list_kind() == ListKind::Full) {
            ListKind::Full
        } else {
            ListKind::Half
        };
        Ok(Hybrid { species, interacting, parts: states, cutoff, kind })
    }

    /// Names of the parts, in order.
    pub fn part_names(&self) -> Vec<&str> {
        self.parts.iter().map(|p| p.potential.name()).collect()
    }
}

impl Potential for Hybrid {
    fn name(&self) -> &str {
        "hybrid"
    }
    fn cutoff(&self) -> f64 {
        self.cutoff
    }
    fn list_kind(&self) -> ListKind {
        self.kind
    }
    fn species(&self) -> &[String] {
        &self.species
    }
    fn interacts(&self, a: u32, b: u32) -> bool {
        let ns = self.species.len();
        (a as usize) < ns && (b as usize) < ns && self.interacting[a as usize * ns + b as usize]
    }
    fn compute(&mut self, list: &NeighborList, species: &[u32], forces: &mut [Vec3], request: Request, out: &mut Output) {
        let n = list.n_local();
        forces.par_iter_mut().with_min_len(BLOCK).for_each(|f| *f = [0.0; 3]);
        out.energy = 0.0;
        out.virial = [0.0; 6];
        if request.per_atom_energy {
            out.per_atom_energy.clear();
            out.per_atom_energy.resize(n, 0.0);
        }
        for part in &mut self.parts {
            // Per-atom loops in parallel: they run for every part at every step.
            let map = &part.map;
            part.species.resize(n, NONE);
            part.species.par_iter_mut().zip(species).with_min_len(BLOCK).for_each(|(t, &s)| {
                *t = map.get(s as usize).copied().unwrap_or(NONE);
            });
            part.forces.resize(n, [0.0; 3]);
            part.potential.compute(list, &part.species, &mut part.forces, request, &mut part.out);
            forces.par_iter_mut().zip(&part.forces).with_min_len(BLOCK).for_each(|(f, g)| {
                f[0] += g[0];
                f[1] += g[1];
                f[2] += g[2];
            });
            out.energy += part.out.energy;
            for k in 0..6 {
                out.virial[k] += part.out.virial[k];
            }
            if request.per_atom_energy {
                for (e, p) in out.per_atom_energy.iter_mut().zip(&part.out.per_atom_energy) {
                    *e += p;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::spec::from_spec;

    /// A hybrid reports which species pairs some part computes; `none` pairs (a rigid tool) do not.
    #[test]
    fn none_pairs_do_not_interact() {
        let p = from_spec("hybrid:lj:epsilon=1,sigma=2,cutoff=5@Si-Si;morse:d0=0.4,alpha=4.6,r0=1.9,cutoff=4@Si-C;none@C-C")
            .unwrap();
        let idx = |s: &str| p.species().iter().position(|x| x == s).unwrap() as u32;
        let (si, c) = (idx("Si"), idx("C"));
        assert!(p.interacts(si, si) && p.interacts(si, c) && p.interacts(c, si));
        assert!(!p.interacts(c, c));
        assert!(!p.interacts(c, 7), "an unknown species index interacts with nothing");
        let q = from_spec("hybrid:lj:epsilon=1,sigma=2,cutoff=5@Si-Si;morse:d0=0.4,alpha=4.6,r0=1.9,cutoff=4@Si-C,C-C").unwrap();
        assert!((0..2).all(|a| (0..2).all(|b| q.interacts(a, b))));
    }
}
