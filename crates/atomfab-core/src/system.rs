//! The atomic system: a cell plus structure-of-arrays per-atom data.
//!
//! Positions are Å, velocities Å/ps, forces eV/Å, masses amu (metal units; reduced in `lj`).

use crate::cell::{Cell, Vec3};
use crate::element::Element;
use crate::error::CoreError;
use crate::units::UnitSystem;

/// An atom type: a name (usually a chemical symbol) and its mass.
#[derive(Debug, Clone, PartialEq)]
pub struct Species {
    pub name: String,
    /// The chemical element, when the name is a chemical symbol.
    pub element: Option<Element>,
    /// Mass in amu (metal) or reduced mass units (lj).
    pub mass: f64,
}

impl Species {
    /// A species named by chemical symbol, with the element's standard mass.
    pub fn element(symbol: &str) -> Result<Species, CoreError> {
        let element = Element::from_symbol(symbol).ok_or_else(|| CoreError::UnknownElement(symbol.to_string()))?;
        Ok(Species { name: symbol.to_string(), element: Some(element), mass: element.mass })
    }
}

/// Values of an extra per-atom property (file columns atomfab has no dedicated array for).
#[derive(Debug, Clone, PartialEq)]
pub enum PropertyValues {
    Real(Vec<f64>),
    Int(Vec<i64>),
    Bool(Vec<bool>),
    Str(Vec<String>),
}

/// An extra per-atom property with `components` values per atom, stored atom-major.
#[derive(Debug, Clone, PartialEq)]
pub struct Property {
    pub name: String,
    pub components: usize,
    pub values: PropertyValues,
}

impl PropertyValues {
    fn len(&self) -> usize {
        match self {
            PropertyValues::Real(v) => v.len(),
            PropertyValues::Int(v) => v.len(),
            PropertyValues::Bool(v) => v.len(),
            PropertyValues::Str(v) => v.len(),
        }
    }
    fn retain_atoms(&mut self, keep: &[bool], components: usize) {
        fn filter<T: Clone>(v: &mut Vec<T>, keep: &[bool], c: usize) {
            let mut k = 0;
            let mut out = 0;
            while k < keep.len() {
                if keep[k] {
                    for d in 0..c {
                        v[out * c + d] = v[k * c + d].clone();
                    }
                    out += 1;
                }
                k += 1;
            }
            v.truncate(out * c);
        }
        match self {
            PropertyValues::Real(v) => filter(v, keep, components),
            PropertyValues::Int(v) => filter(v, keep, components),
            PropertyValues::Bool(v) => filter(v, keep, components),
            PropertyValues::Str(v) => filter(v, keep, components),
        }
    }
}

/// Number of group bits in the per-atom group mask; bit 0 is the implicit group "all".
pub const MAX_GROUPS: usize = 32;

/// An atomic configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct System {
    pub units: UnitSystem,
    pub cell: Cell,
    pub species: Vec<Species>,
    /// Species index of each atom (into `species`).
    pub species_index: Vec<u32>,
    /// Stable atom ids (1-based, as in LAMMPS files).
    pub ids: Vec<u64>,
    pub positions: Vec<Vec3>,
    pub velocities: Vec<Vec3>,
    pub forces: Vec<Vec3>,
    /// Periodic image counters (how many cell vectors an atom has been wrapped by).
    pub images: Vec<[i32; 3]>,
    /// Charges (e), present for LAMMPS `charge` style data.
    pub charges: Option<Vec<f64>>,
    /// Group membership bits; bit g is group `group_names[g]`.
    pub group_mask: Vec<u32>,
    pub group_names: Vec<String>,
    /// Extra per-atom columns carried through from input files.
    pub properties: Vec<Property>,
}

impl System {
    /// An empty system in the given cell.
    pub fn new(cell: Cell, units: UnitSystem) -> System {
        System {
            units,
            cell,
            species: Vec::new(),
            species_index: Vec::new(),
            ids: Vec::new(),
            positions: Vec::new(),
            velocities: Vec::new(),
            forces: Vec::new(),
            images: Vec::new(),
            charges: None,
            group_mask: Vec::new(),
            group_names: vec!["all".to_string()],
            properties: Vec::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.positions.len()
    }
    pub fn is_empty(&self) -> bool {
        self.positions.is_empty()
    }

    /// Index of a species by name, adding it (with `mass`) if absent.
    pub fn species_named(&mut self, species: Species) -> u32 {
        if let Some(k) = self.species.iter().position(|s| s.name == species.name) {
            return k as u32;
        }
        self.species.push(species);
        (self.species.len() - 1) as u32
    }

    /// Appends an atom at rest; its id is one more than the largest id so far.
    /// Scans the ids (O(N)); to add many atoms use `push_atoms`, which scans once.
    pub fn push_atom(&mut self, species: u32, position: Vec3) -> usize {
        let id = self.ids.iter().copied().max().unwrap_or(0) + 1;
        self.push_atom_with_id(species, position, id)
    }

    /// Appends atoms of one species with consecutive new ids above the current maximum; returns the index
    /// range they occupy.
    pub fn push_atoms(&mut self, species: u32, positions: &[Vec3]) -> std::ops::Range<usize> {
        let first_id = self.ids.iter().copied().max().unwrap_or(0) + 1;
        let start = self.len();
        let n = positions.len();
        self.species_index.reserve(n);
        self.ids.reserve(n);
        self.positions.reserve(n);
        self.velocities.reserve(n);
        self.forces.reserve(n);
        self.images.reserve(n);
        self.group_mask.reserve(n);
        for (k, &r) in positions.iter().enumerate() {
            self.push_atom_with_id(species, r, first_id + k as u64);
        }
        start..self.len()
    }

    /// Appends an atom with an explicit id. Extra properties are padded with defaults.
    pub fn push_atom_with_id(&mut self, species: u32, position: Vec3, id: u64) -> usize {
        self.species_index.push(species);
        self.ids.push(id);
        self.positions.push(position);
        self.velocities.push([0.0; 3]);
        self.forces.push([0.0; 3]);
        self.images.push([0; 3]);
        self.group_mask.push(1);
        if let Some(q) = &mut self.charges {
            q.push(0.0);
        }
        for p in &mut self.properties {
            let c = p.components;
            match &mut p.values {
                PropertyValues::Real(v) => v.extend(std::iter::repeat(0.0).take(c)),
                PropertyValues::Int(v) => v.extend(std::iter::repeat(0).take(c)),
                PropertyValues::Bool(v) => v.extend(std::iter::repeat(false).take(c)),
                PropertyValues::Str(v) => v.extend(std::iter::repeat(String::new()).take(c)),
            }
        }
        self.positions.len() - 1
    }

    /// Mass of atom i (amu).
    #[inline]
    pub fn mass(&self, i: usize) -> f64 {
        self.species[self.species_index[i] as usize].mass
    }

    /// Per-atom masses (amu), one allocation for inner loops that need them.
    pub fn masses(&self) -> Vec<f64> {
        self.species_index.iter().map(|&s| self.species[s as usize].mass).collect()
    }

    /// Total mass (amu).
    pub fn total_mass(&self) -> f64 {
        self.species_index.iter().map(|&s| self.species[s as usize].mass).sum()
    }

    /// Mass density in g/cm³ (metal units only; amu/Å³ × 1.66053906660).
    pub fn density_g_per_cm3(&self) -> f64 {
        self.total_mass() * 1.660_539_066_60 / self.cell.volume()
    }

    /// Number of atoms of each species, in species order.
    pub fn species_counts(&self) -> Vec<usize> {
        let mut counts = vec![0; self.species.len()];
        for &s in &self.species_index {
            counts[s as usize] += 1;
        }
        counts
    }

    /// Keeps the atoms for which `keep[i]` is true, in order. All per-atom arrays stay aligned.
    pub fn retain(&mut self, keep: &[bool]) {
        assert_eq!(keep.len(), self.len(), "retain mask must have one entry per atom");
        fn filter<T: Copy>(v: &mut Vec<T>, keep: &[bool]) {
            let mut it = keep.iter();
            v.retain(|_| *it.next().unwrap());
        }
        filter(&mut self.species_index, keep);
        filter(&mut self.ids, keep);
        filter(&mut self.positions, keep);
        filter(&mut self.velocities, keep);
        filter(&mut self.forces, keep);
        filter(&mut self.images, keep);
        filter(&mut self.group_mask, keep);
        if let Some(q) = &mut self.charges {
            filter(q, keep);
        }
        for p in &mut self.properties {
            p.values.retain_atoms(keep, p.components);
        }
    }

    /// Removes the atoms for which `predicate(position)` is true; returns how many were removed.
    pub fn delete_where(&mut self, predicate: impl Fn(Vec3) -> bool) -> usize {
        let keep: Vec<bool> = self.positions.iter().map(|&r| !predicate(r)).collect();
        let removed = keep.iter().filter(|k| !**k).count();
        self.retain(&keep);
        removed
    }

    /// Renumbers ids 1..=N in current order.
    pub fn renumber_ids(&mut self) {
        for (k, id) in self.ids.iter_mut().enumerate() {
            *id = k as u64 + 1;
        }
    }

    /// Defines (or redefines) a group holding the atoms for which `member(i, position)` is true.
    pub fn define_group(&mut self, name: &str, member: impl Fn(usize, Vec3) -> bool) -> Result<u32, CoreError> {
        let bit = match self.group_names.iter().position(|g| g == name) {
            Some(b) => b,
            None => {
                if self.group_names.len() >= MAX_GROUPS {
                    return Err(CoreError::TooManyGroups(MAX_GROUPS));
                }
                self.group_names.push(name.to_string());
                self.group_names.len() - 1
            }
        };
        let mask = 1u32 << bit;
        for (i, (m, &r)) in self.group_mask.iter_mut().zip(&self.positions).enumerate() {
            if member(i, r) {
                *m |= mask;
            } else {
                *m &= !mask;
            }
        }
        Ok(mask)
    }

    /// Bit mask of a named group.
    pub fn group_bit(&self, name: &str) -> Result<u32, CoreError> {
        self.group_names
            .iter()
            .position(|g| g == name)
            .map(|b| 1u32 << b)
            .ok_or_else(|| CoreError::UnknownGroup(name.to_string()))
    }

    /// Wraps all positions into the cell along periodic axes, updating image counters.
    pub fn wrap_positions(&mut self) {
        for (r, img) in self.positions.iter_mut().zip(self.images.iter_mut()) {
            let (w, shift) = self.cell.wrap(*r);
            *r = w;
            for k in 0..3 {
                img[k] += shift[k];
            }
        }
    }

    /// Unwrapped position of atom i (position plus image counters times cell vectors).
    pub fn unwrapped_position(&self, i: usize) -> Vec3 {
        let img = self.images[i];
        let shift = self.cell.fractional_to_vector([img[0] as f64, img[1] as f64, img[2] as f64]);
        crate::cell::add(self.positions[i], shift)
    }

    /// Checks internal consistency and physical sanity: array lengths, finite values, species indices,
    /// unique ids, and atoms inside the cell along non-periodic axes (tolerance 1e-6 in fractional units).
    pub fn validate(&self) -> Result<(), CoreError> {
        let n = self.len();
        let lens = [
            self.species_index.len(),
            self.ids.len(),
            self.velocities.len(),
            self.forces.len(),
            self.images.len(),
            self.group_mask.len(),
        ];
        if lens.iter().any(|&l| l != n) || self.charges.as_ref().is_some_and(|q| q.len() != n) {
            return Err(CoreError::InvalidSystem("per-atom arrays have different lengths".into()));
        }
        for p in &self.properties {
            if p.values.len() != n * p.components {
                return Err(CoreError::InvalidSystem(format!("property '{}' has the wrong length", p.name)));
            }
        }
        for s in &self.species {
            if !(s.mass > 0.0 && s.mass.is_finite()) {
                return Err(CoreError::InvalidSystem(format!("species {} has mass {}; expected > 0", s.name, s.mass)));
            }
        }
        let mut seen = std::collections::HashSet::with_capacity(n);
        for i in 0..n {
            let (id, r, v) = (self.ids[i], self.positions[i], self.velocities[i]);
            if self.species_index[i] as usize >= self.species.len() {
                return Err(CoreError::InvalidSystem(format!("atom {id} has an undefined species")));
            }
            if r.iter().chain(v.iter()).any(|x| !x.is_finite()) {
                return Err(CoreError::InvalidSystem(format!("atom {id} has a non-finite position or velocity")));
            }
            if !seen.insert(id) {
                return Err(CoreError::InvalidSystem(format!("atom id {id} appears twice")));
            }
            let s = self.cell.to_fractional(r);
            for k in 0..3 {
                if !self.cell.pbc()[k] && !(-1e-6..=1.0 + 1e-6).contains(&s[k]) {
                    return Err(CoreError::InvalidSystem(format!(
                        "atom {id} at {:?} Å lies outside the non-periodic {} extent of the box",
                        r,
                        ["x", "y", "z"][k]
                    )));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> System {
        let cell = Cell::orthorhombic([0.0; 3], [10.0; 3], [true, true, false]).unwrap();
        let mut s = System::new(cell, UnitSystem::Metal);
        let si = s.species_named(Species::element("Si").unwrap());
        for k in 0..5 {
            s.push_atom(si, [k as f64, 1.0, 2.0 * k as f64]);
        }
        s
    }

    #[test]
    fn retain_keeps_arrays_aligned() {
        let mut s = small();
        s.properties.push(Property { name: "tag".into(), components: 2, values: PropertyValues::Int((0..10).collect()) });
        let removed = s.delete_where(|r| r[0] == 1.0 || r[0] == 3.0);
        assert_eq!(removed, 2);
        assert_eq!(s.ids, vec![1, 3, 5]);
        assert_eq!(s.properties[0].values, PropertyValues::Int(vec![0, 1, 4, 5, 8, 9]));
        s.validate().unwrap();
    }

    #[test]
    fn groups_by_predicate() {
        let mut s = small();
        let bit = s.define_group("bottom", |_, r| r[2] < 3.0).unwrap();
        assert_eq!(s.group_mask.iter().filter(|m| *m & bit != 0).count(), 2);
        assert!(s.group_bit("nope").is_err());
    }

    #[test]
    fn validate_catches_bad_atoms() {
        let mut s = small();
        s.positions[0][2] = 12.0; // outside non-periodic z
        assert!(s.validate().unwrap_err().to_string().contains("outside"));
        let mut s = small();
        s.positions[1][0] = f64::NAN;
        assert!(s.validate().is_err());
        let mut s = small();
        s.ids[2] = 1;
        assert!(s.validate().is_err());
    }

    #[test]
    fn wrap_updates_images() {
        let mut s = small();
        s.positions[0] = [-1.0, 25.0, 3.0];
        s.wrap_positions();
        assert_eq!(s.images[0], [-1, 2, 0]);
        let u = s.unwrapped_position(0);
        assert!((u[0] + 1.0).abs() < 1e-12 && (u[1] - 25.0).abs() < 1e-12);
    }

    #[test]
    fn push_atoms_gives_consecutive_ids_above_the_maximum() {
        let cell = Cell::orthorhombic([0.0; 3], [10.0; 3], [true; 3]).unwrap();
        let mut s = System::new(cell, UnitSystem::Metal);
        let si = s.species_named(Species::element("Si").unwrap());
        s.push_atom_with_id(si, [0.0; 3], 7);
        let r = s.push_atoms(si, &[[1.0; 3], [2.0; 3], [3.0; 3]]);
        assert_eq!(r, 1..4);
        assert_eq!(s.ids, vec![7, 8, 9, 10]);
        assert_eq!(s.velocities.len(), 4);
    }
}
