//! atomfab-structure: structure identification on atomistic frames, as OVITO computes it, and the
//! subsurface damage it reveals.
//!
//! - [`coordination`]: coordination numbers within a cutoff (OVITO `CoordinationAnalysisModifier`).
//! - [`cna`]: adaptive (Stukowski 2012) and fixed-cutoff common neighbour analysis: FCC, HCP, BCC, ICO,
//!   Other (OVITO `CommonNeighborAnalysisModifier`).
//! - [`diamond`]: identify diamond structure (Maras et al. 2016): cubic / hexagonal diamond and their
//!   first / second neighbours (OVITO `IdentifyDiamondModifier`).
//! - [`damage`]: per-depth structure profile below the top surface, subsurface damage depth and
//!   amorphous-layer thickness.
//! - [`grid`]: the neighbour search behind them (k nearest neighbours and radius queries, periodic
//!   images included, any triclinic cell).
//!
//! Lengths are Å. Per-atom type codes equal OVITO's, so results compare one to one.

pub mod cna;
pub mod coordination;
pub mod damage;
pub mod diamond;
pub mod error;
pub mod grid;
pub mod synthetic;

pub use cna::{common_neighbor_analysis, CnaMode, CnaType};
pub use coordination::coordination_numbers;
pub use damage::{damage_profile, DamageOptions, DamageReport, SurfaceMode};
pub use diamond::{identify_diamond, DiamondType};
pub use error::StructureError;
pub use grid::{NearestNeighbors, Neighbor, NeighborGrid};
