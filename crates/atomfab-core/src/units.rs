//! Unit systems and physical constants.
//!
//! `metal` matches LAMMPS `units metal` exactly (Å, eV, ps, amu, K, bar), using the same constant values
//! LAMMPS uses so that thermodynamic output can be compared digit for digit. `lj` is reduced units
//! (σ, ε, τ, m = 1, k_B = 1).

use serde::{Deserialize, Serialize};

/// A unit system, named as in LAMMPS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum UnitSystem {
    /// Å, eV, ps, amu, K, bar.
    #[default]
    Metal,
    /// Reduced Lennard-Jones units.
    Lj,
}

/// Constants needed to convert between the quantities of one unit system.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Constants {
    /// Boltzmann constant in energy/temperature (eV/K in metal).
    pub boltzmann: f64,
    /// mass·velocity² → energy (amu·Å²/ps² → eV in metal).
    pub mvv2e: f64,
    /// force/mass → acceleration ((eV/Å)/amu → Å/ps² in metal).
    pub ftm2v: f64,
    /// (energy/volume) → pressure (eV/Å³ → bar in metal).
    pub nktv2p: f64,
}

impl UnitSystem {
    pub fn constants(self) -> Constants {
        match self {
            // Values of LAMMPS update.cpp (units metal), kept identical for bitwise comparable thermo.
            UnitSystem::Metal => Constants {
                boltzmann: 8.617343e-5,
                mvv2e: 1.0364269e-4,
                ftm2v: 1.0 / 1.0364269e-4,
                nktv2p: 1.6021765e6,
            },
            UnitSystem::Lj => Constants { boltzmann: 1.0, mvv2e: 1.0, ftm2v: 1.0, nktv2p: 1.0 },
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            UnitSystem::Metal => "metal",
            UnitSystem::Lj => "lj",
        }
    }

    /// Unit labels (length, energy, time, mass, temperature, pressure) for file headers.
    pub fn labels(self) -> [&'static str; 6] {
        match self {
            UnitSystem::Metal => ["Å", "eV", "ps", "amu", "K", "bar"],
            UnitSystem::Lj => ["σ", "ε", "τ", "m", "ε/k_B", "ε/σ³"],
        }
    }
}

/// 1 m/s expressed in Å/ps (metal velocity unit).
pub const METRE_PER_SECOND_IN_ANGSTROM_PER_PS: f64 = 0.01;
/// 1 fs in ps.
pub const FEMTOSECOND_IN_PS: f64 = 1.0e-3;
/// 1 nm in Å.
pub const NANOMETRE_IN_ANGSTROM: f64 = 10.0;
