//! `none`: species pairs that do not interact (LAMMPS `pair_coeff I J none` in a hybrid), e.g. the atoms
//! of a rigid tool among themselves.

use crate::{Output, Potential, PotentialError, Request};
use atomfab_core::{ListKind, NeighborList, Vec3};

pub struct Inert {
    species: Vec<String>,
}

impl Inert {
    pub fn new(species: Vec<String>) -> Inert {
        Inert { species }
    }
}

impl Potential for Inert {
    fn name(&self) -> &str {
        "none"
    }
    fn cutoff(&self) -> f64 {
        0.0
    }
    fn list_kind(&self) -> ListKind {
        ListKind::Half
    }
    fn species(&self) -> &[String] {
        &self.species
    }
    fn compute(&mut self, list: &NeighborList, _species: &[u32], forces: &mut [Vec3], request: Request, out: &mut Output) {
        forces.iter_mut().for_each(|f| *f = [0.0; 3]);
        out.energy = 0.0;
        out.virial = [0.0; 6];
        if request.per_atom_energy {
            out.per_atom_energy.clear();
            out.per_atom_energy.resize(list.n_local(), 0.0);
        }
    }
    fn interacts(&self, _a: u32, _b: u32) -> bool {
        false
    }
    fn exclude_pair(&mut self, _a: u32, _b: u32) -> Result<(), PotentialError> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::{from_spec, species_indices, Output, Request};
    use atomfab_core::{Cell, NeighborList};

    #[test]
    fn none_pairs_do_not_interact() {
        let mut pot = from_spec("hybrid:lj:epsilon=1,sigma=1,cutoff=2.5@Ar-Ar;none@Ar-Ne,Ne-Ne").unwrap();
        let cell = Cell::orthorhombic([0.0; 3], [20.0; 3], [false; 3]).unwrap();
        // Ar–Ar pair at 1.1 σ, Ne–Ne pair at 1.1 σ, far apart from each other.
        let pos = [[1.0, 1.0, 1.0], [2.1, 1.0, 1.0], [10.0, 10.0, 10.0], [11.1, 10.0, 10.0]];
        let species = species_indices(pot.as_ref(), &["Ar", "Ar", "Ne", "Ne"]).unwrap();
        let list = NeighborList::build(&cell, &pos, pot.cutoff(), 0.3, pot.list_kind()).unwrap();
        let mut forces = vec![[9.0; 3]; 4];
        let mut out = Output::default();
        pot.compute(&list, &species, &mut forces, Request::default(), &mut out);
        assert!(forces[0][0].abs() > 0.1, "Ar–Ar interacts");
        assert_eq!(forces[2], [0.0; 3]);
        assert_eq!(forces[3], [0.0; 3]);
        assert!(from_spec("hybrid:lj:epsilon=1,sigma=1,cutoff=2.5@Ar-Ar;none").is_err(), "none needs pairs");
    }
}
