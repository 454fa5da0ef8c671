//! atomfab-metrology: height maps and the numbers a surface is signed off with.
//!
//! Units: lengths (pixel sizes, heights) in metres inside `HeightMap`; spatial frequencies in 1/m;
//! atomistic inputs in Å (see `atoms`). Public functions name their units.
//!
//! | module | what |
//! |---|---|
//! | `heightmap` | `HeightMap` (nx, ny, dx, dy, z; NaN = missing), size limits checked before allocation |
//! | `io` | ASCII matrix (`# dx= dy= unit=`) and Gwyddion ASCII export, XYZ grids, Gwyddion `.gwy`, 16-bit PNG |
//! | `level` | mean, plane, polynomial of order n, row mean/median, 3-point levelling |
//! | `params` | ISO 25178-2: Sa Sq Ssk Sku Sp Sv Sz Sdq Sdr Sal Str Sk Spk Svk Smr1 Smr2 Smr(c) Smc(mr) |
//! | `profile` | ISO 21920/4287: Ra Rq Rsk Rku Rp Rv Rz Rt; ISO 16610-21 Gaussian filter |
//! | `psd` | 1-D, 2-D and radial PSD (rect/Hann/Blackman–Harris), band-limited RMS, SVG plot |
//! | `tip` | AFM tip models, dilation, erosion, certainty map (Villarrubia 1997) |
//! | `blind_tip` | blind tip estimation from an image (Villarrubia 1997; Gwyddion's partial/full) |
//! | `steps` | atomic terraces: levels, step height, fractions, missing/extra/incomplete layers |
//! | `spec` | pass/fail grading against `Sq <= 0.05 nm, missing_layers < 3, …` |
//! | `atoms` | top surface of an atomistic frame (highest atom per bin, probe sphere) |
//!
//! Validation (tests/): parameters against surfalize to ≤ 1e-9 relative (fixtures made by
//! tests/fixtures/make_surfalize_fixtures.py; Sal/Str within 1 %, see `params`), `.gwy` read from
//! gwyfile-written files and written files read back by gwyfile and rendered by gwyddion-thumbnailer,
//! PNG read by Pillow; analytic checks (sine, tilted plane, staircase) in the unit tests.
//! Gwyddion 2.62's own library (tests/fixtures/gwyddion/gen.c → tests/gwyddion.rs): statistics,
//! levelling, PSD, dilation/erosion and blind tip estimation equal; where Gwyddion's discretisation
//! differs from ISO (Sdq weights, surface area, medians, Hann sampling, certainty map quantisation) the
//! exact relation is tested.

pub mod atoms;
pub mod blind_tip;
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
