//! atomfab-core: the system model every engine and analysis works on.
//!
//! Units: metal (Å, eV, ps, amu, K, bar) unless a `System` says `lj`.

pub mod build;
pub mod cell;
pub mod element;
pub mod error;
pub mod fsutil;
pub mod lattice;
pub mod neighbor;
pub mod region;
pub mod system;
pub mod units;

pub use build::{BuildSpec, GroupSpec};
pub use cell::{Cell, Vec3};
pub use element::Element;
pub use error::CoreError;
pub use lattice::{LatticeKind, LatticeSpec};
pub use neighbor::{ListKind, NeighborList};
pub use region::{Axis, Region};
pub use system::{Property, PropertyValues, Species, System};
pub use units::UnitSystem;
