//! atomfab-cluster: global structure optimisation of finite atomic clusters.
//!
//! - potentials without cutoff: Lennard-Jones, Morse (Cambridge Cluster Database ρ convention), Gupta/RGL,
//!   Sutton–Chen ([`potential`]), and any potential of the shared `atomfab_potentials` trait (EAM, Tersoff,
//!   hybrid) for multi-species clusters ([`external`]);
//! - local minimisation: L-BFGS and FIRE with analytic gradients ([`minimize`]);
//! - global optimisation: basin hopping with adaptive step, angular/surface moves and lattice-seeded restarts,
//!   or a cut-and-splice GA, run as independent seeded walkers on rayon threads ([`search`]);
//! - duplicate detection and the k lowest distinct minima ([`db`]); point groups ([`symmetry`]);
//! - the Cambridge Cluster Database LJ table for N = 2..150 ([`reference`]); extended XYZ output ([`xyz`]);
//! - the `[cluster]` recipe section ([`config`]).

pub mod config;
pub mod db;
pub mod error;
pub mod external;
pub mod minimize;
pub mod potential;
pub mod reference;
pub mod search;
pub mod seed;
pub mod symmetry;
mod walker;
pub mod xyz;

pub use config::{run_config, ClusterConfig};
pub use error::ClusterError;
pub use potential::{ClusterPotential, Gupta, LennardJones, Morse, PotentialSpec, SuttonChen};
pub use search::{search, Method, SearchResult, SearchSettings, Target, MAX_ATOMS};
pub use symmetry::point_group;
