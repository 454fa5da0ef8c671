//! Extended XYZ output of cluster structures through `atomfab_io::extxyz` (positions in the potential's length
//! unit: reduced σ/r₀/a units are written as `lj` units, Gupta's Å as metal units).

use crate::error::ClusterError;
use atomfab_core::{Cell, Element, Species, System, UnitSystem};
use std::path::Path;

/// One frame to write.
pub struct XyzFrame<'a> {
    pub positions: &'a [[f64; 3]],
    /// Energy (energy unit of the potential).
    pub energy: f64,
    pub point_group: &'a str,
}

/// A non-periodic `System` holding the cluster in a box with `vacuum` (length unit) around it.
/// `species`: one name per atom, or a single name for all atoms.
pub fn cluster_system(positions: &[[f64; 3]], species: &[String], units: UnitSystem, vacuum: f64) -> Result<System, ClusterError> {
    let bad = |m: String| ClusterError::Config(m);
    for s in species {
        if s.is_empty() || s.contains(char::is_whitespace) {
            return Err(bad(format!("species: expected a name without spaces, found `{s}`")));
        }
    }
    if !(species.len() == 1 || species.len() == positions.len()) {
        return Err(bad(format!("species: expected 1 or {} names, found {}", positions.len(), species.len())));
    }
    let mut lo = [f64::INFINITY; 3];
    let mut hi = [f64::NEG_INFINITY; 3];
    for p in positions {
        for a in 0..3 {
            lo[a] = lo[a].min(p[a]);
            hi[a] = hi[a].max(p[a]);
        }
    }
    if positions.is_empty() {
        lo = [0.0; 3];
        hi = [0.0; 3];
    }
    let len = [0, 1, 2].map(|a| hi[a] - lo[a] + 2.0 * vacuum);
    let cell = Cell::new(
        [[len[0], 0.0, 0.0], [0.0, len[1], 0.0], [0.0, 0.0, len[2]]],
        [lo[0] - vacuum, lo[1] - vacuum, lo[2] - vacuum],
        [false; 3],
    )
    .map_err(|e| bad(format!("cluster box: {e}")))?;
    let mut sys = System::new(cell, units);
    for (i, p) in positions.iter().enumerate() {
        let name = &species[if species.len() == 1 { 0 } else { i }];
        let element = Element::from_symbol(name);
        let k = sys.species_named(Species { name: name.clone(), element, mass: element.map_or(1.0, |e| e.mass) });
        sys.push_atom(k, *p);
    }
    Ok(sys)
}

/// Write frames to `path` as extended XYZ (ASE/OVITO readable), atomically (temporary file, then rename).
pub fn write_extxyz(
    path: &Path,
    frames: &[XyzFrame],
    species: &[String],
    units: UnitSystem,
    potential: &str,
) -> Result<(), ClusterError> {
    let systems = frames
        .iter()
        .map(|f| cluster_system(f.positions, species, units, 5.0))
        .collect::<Result<Vec<_>, _>>()?;
    atomfab_core::fsutil::write_atomic(path, |w| {
        for (f, sys) in frames.iter().zip(&systems) {
            let info = vec![
                ("energy".to_string(), format!("{:.10}", f.energy)),
                ("point_group".to_string(), f.point_group.to_string()),
                ("potential".to_string(), potential.to_string()),
            ];
            atomfab_io::extxyz::write_frame(w, sys, &info)?;
        }
        Ok(())
    })
    .map_err(|e| ClusterError::Io { path: path.display().to_string(), msg: e.to_string() })
}
