//! Interatomic potentials behind one trait.
//!
//! Units: metal (Å, eV, eV/Å) or lj reduced units, as the system. A potential sees the atoms through a
//! `NeighborList` (local atoms + periodic ghosts, from atomfab-core) and the species index of each local
//! atom; it writes forces on local atoms (ghost contributions folded back onto their source atoms).
//!
//! Styles: `pair` (Lennard-Jones, Morse, per species pair), `eam` (LAMMPS funcfl/setfl files, LAMMPS
//! splines), `tersoff` (LAMMPS `.tersoff` files), `tersoff/zbl` (`.tersoff.zbl` files), `sw` and `sw/zbl`
//! (LAMMPS `.sw` files, optionally joined to ZBL), `zbl` (universal
//! screened nuclear repulsion with LAMMPS' switching), `hybrid` (parts on species pairs, summed). Build one from a
//! spec string with [`from_spec`] (grammar in [`spec`]) and map a system's species with [`species_indices`].
//! Every force loop runs on rayon with one accumulation buffer per thread chunk, so results are
//! deterministic for a given thread count; the virial is Σ x⊗f over local and ghost atoms (LAMMPS fdotr).
//! Validation against LAMMPS: tests/lammps.rs with the inputs in tests/fixtures/*/in.lammps.

use atomfab_core::{ListKind, NeighborList, Vec3};

pub mod eam;
pub mod error;
pub mod hybrid;
pub mod inert;
pub mod pair;
mod parallel;
mod reader;
pub mod spec;
pub mod sw;
pub mod tersoff;
pub mod zbl;

pub use eam::Eam;
pub use error::PotentialError;
pub use hybrid::{Hybrid, Part};
pub use spec::{from_spec, resolve_file};
pub use sw::{StillingerWeber, SwParams, SwZbl};
pub use tersoff::{Tersoff, TersoffParams, ZblParams};
pub use zbl::Zbl;
pub use pair::{PairForm, PairParams, PairPotential};

/// What a force evaluation should produce beyond forces.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Request {
    /// Per-atom energies (eV) into `Output::per_atom_energy`.
    pub per_atom_energy: bool,
    /// Virial tensor (eV) into `Output::virial`.
    pub virial: bool,
}

/// Results of one evaluation. Buffers are reused between steps to avoid allocation.
#[derive(Debug, Clone, Default)]
pub struct Output {
    /// Total potential energy (eV).
    pub energy: f64,
    /// Virial Σ r_ij ⊗ f_ij in eV, Voigt order xx, yy, zz, xy, xz, yz (LAMMPS order).
    pub virial: [f64; 6],
    /// Per-atom potential energy (eV), one per local atom, when requested.
    pub per_atom_energy: Vec<f64>,
}

/// An interatomic potential.
pub trait Potential: Send + Sync {
    /// Style name as in a spec string (`lj`, `eam/alloy`, `tersoff`, ...).
    fn name(&self) -> &str;
    /// Largest interaction cutoff (Å).
    fn cutoff(&self) -> f64;
    /// Neighbour list this potential needs.
    fn list_kind(&self) -> ListKind;
    /// Species names this potential was set up for, in the order of the species indices it expects.
    fn species(&self) -> &[String];
    /// Computes forces (eV/Å, overwritten, one per local atom) and the energy/virial into `out`.
    /// `species[i]` is the species index of local atom i (indices into `self.species()`).
    fn compute(&mut self, list: &NeighborList, species: &[u32], forces: &mut [Vec3], request: Request, out: &mut Output);
    /// Stops the pair of species indices (a, b) from interacting through this potential (a hybrid uses this
    /// to give that pair to another potential). Errors when the potential cannot single out pairs.
    fn exclude_pair(&mut self, a: u32, b: u32) -> Result<(), PotentialError> {
        Err(PotentialError::Other(format!("potential '{}' cannot exclude species pair ({a}, {b})", self.name())))
    }
    /// Whether species a and b (indices into `species()`) interact at all. Pairs that do not (a hybrid's
    /// `none` pairs, e.g. the atoms of a rigid tool) can be left out of the neighbour list, as LAMMPS
    /// `neigh_modify exclude type`.
    fn interacts(&self, _a: u32, _b: u32) -> bool {
        true
    }
}

/// Species index for each of `names` (a system's species names) in the order `potential.species()` expects.
/// A potential without species names (e.g. `lj:epsilon=1,...`) applies to every species (all map to 0).
/// Errors when a name is not covered by the potential.
pub fn species_indices<S: AsRef<str>>(potential: &dyn Potential, names: &[S]) -> Result<Vec<u32>, PotentialError> {
    let own = potential.species();
    if own.is_empty() {
        return Ok(vec![0; names.len()]);
    }
    names
        .iter()
        .map(|n| {
            let n = n.as_ref();
            own.iter().position(|s| s == n).map(|k| k as u32).ok_or_else(|| {
                PotentialError::Other(format!(
                    "species '{n}' is not covered by potential '{}' (it knows {})",
                    potential.name(),
                    own.join(", ")
                ))
            })
        })
        .collect()
}
