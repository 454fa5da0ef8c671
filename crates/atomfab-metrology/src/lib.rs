//! atomfab-metrology: height maps and the numbers a surface is signed off with.
//!
//! Units: lengths (pixel sizes, heights) in metres inside `HeightMap`; spatial frequencies in 1/m;
//! atomistic inputs in Å (see `atoms`). Public functions name their units.

pub mod atoms;
pub mod error;
pub mod heightmap;
pub mod io;
pub mod level;
pub mod fft;
pub mod params;
pub mod profile;
pub mod psd;
pub mod spec;
pub mod steps;
pub mod synthetic;
pub mod tip;

pub use error::{MetrologyError, Result};
pub use heightmap::HeightMap;
