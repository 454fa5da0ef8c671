//! atomfab-md: molecular dynamics on top of atomfab-core systems and atomfab-potentials.
//!
//! Units follow the system: metal (Å, eV, ps, amu, K, bar) or LAMMPS lj reduced units (σ, ε, τ).
//! - `engine::Md`: velocity Verlet with neighbour lists (skin, every N, check), wrapping with image flags.
//! - `fix`: groups' behaviours — held fixed, prescribed motion/vibration, rigid body, Nosé–Hoover chain,
//!   Langevin and Berendsen thermostats (on any group), force recording.
//! - `velocity`: seeded initial velocities, LAMMPS `loop geom` reproduced bit for bit.
//! - `config::MdConfig` (the `[md]` recipe section) and `run::run_md` / `run::resume_md`, with streaming
//!   thermo CSV, extxyz / LAMMPS dump trajectories and atomic checkpoints for bit-identical restarts.
//! - `dt_reset`: adaptive time step (LAMMPS `fix dt/reset`), the `[md] dt_reset` key.
//! - `bench`: the benchmark cases of `atomfab bench md`.

pub mod bench;
pub mod codec;
pub mod config;
pub mod dt_reset;
pub mod engine;
pub mod error;
pub mod fix;
pub mod output;
pub mod ranpark;
pub mod run;
pub mod velocity;

pub use config::MdConfig;
pub use engine::{Md, NeighborSettings, Thermo};
pub use error::MdError;
pub use run::{build_engine, build_system, build_system_from, resume_md, run_md, run_md_with, Progress, Summary};
