//! atomfab-io: structure files — extended XYZ, LAMMPS data and LAMMPS text dump — read and written
//! with streaming, buffered I/O. Lengths are Å, velocities Å/ps, masses amu (LAMMPS `units metal`)
//! unless the system is in `lj` units.
//!
//! Every parse error is one line, `FILE:LINE: expected …, found …`; no input makes a reader panic.

pub mod error;
pub mod extxyz;
pub mod lammps_data;
pub mod lammps_dump;

mod common;
mod text;

pub use error::{ErrorKind, IoError};

use atomfab_core::{System, UnitSystem};
use std::fs::File;
use std::io::BufReader;
use std::path::Path;

/// The structure formats atomfab reads and writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    ExtXyz,
    LammpsData,
    LammpsDump,
}

impl Format {
    /// The format named by a file's extension (`.xyz`, `.extxyz`; `.data`, `.lmp`, `.lammps`;
    /// `.dump`, `.lammpstrj`) or LAMMPS-style prefix (`data.*`, `dump.*`).
    pub fn from_path(path: &Path) -> Option<Format> {
        let name = path.file_name()?.to_str()?.to_ascii_lowercase();
        let ext = name.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
        match ext {
            "xyz" | "extxyz" => return Some(Format::ExtXyz),
            "data" | "lmp" | "lammps" => return Some(Format::LammpsData),
            "dump" | "lammpstrj" => return Some(Format::LammpsDump),
            _ => {}
        }
        if name.starts_with("dump.") {
            Some(Format::LammpsDump)
        } else if name.starts_with("data.") {
            Some(Format::LammpsData)
        } else {
            None
        }
    }

    /// The format by name: `extxyz`/`xyz`, `lammps-data`/`data`, `lammps-dump`/`dump`.
    pub fn from_name(name: &str) -> Option<Format> {
        match name.to_ascii_lowercase().as_str() {
            "extxyz" | "xyz" => Some(Format::ExtXyz),
            "lammps-data" | "data" | "lammps_data" => Some(Format::LammpsData),
            "lammps-dump" | "dump" | "lammps_dump" | "lammpstrj" => Some(Format::LammpsDump),
            _ => None,
        }
    }

    /// The canonical name, as accepted by `from_name`.
    pub fn name(self) -> &'static str {
        match self {
            Format::ExtXyz => "extxyz",
            Format::LammpsData => "lammps-data",
            Format::LammpsDump => "lammps-dump",
        }
    }
}

/// Options for reading.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReadOptions {
    /// LAMMPS atom type → chemical symbol (e.g. `(1, "Si")`). Overrides Masses comments and mass matching.
    pub species_map: Vec<(u32, String)>,
    /// Unit system of the file (LAMMPS files do not say); extxyz `units=` overrides it.
    pub units: UnitSystem,
    /// LAMMPS data atom style (`atomic` or `charge`); by default from the `Atoms # style` comment or the
    /// column count.
    pub atom_style: Option<String>,
}

fn file_name(path: &Path) -> String {
    path.display().to_string()
}

fn resolve_format(path: &Path, format: Option<Format>) -> Result<Format, IoError> {
    format.or_else(|| Format::from_path(path)).ok_or_else(|| IoError::UnknownFormat { file: file_name(path) })
}

/// Reads a structure (the first frame of a multi-frame file). The format comes from `format` or the file name.
pub fn read_structure(path: &Path, format: Option<Format>, options: &ReadOptions) -> Result<System, IoError> {
    let format = resolve_format(path, format)?;
    let name = file_name(path);
    let file = File::open(path).map_err(|e| IoError::io(&name, "cannot open", e))?;
    let reader = BufReader::with_capacity(1 << 16, file);
    match format {
        Format::ExtXyz => {
            let mut frames = extxyz::read_frames(reader, &name, options.units);
            match frames.next() {
                Some(r) => r.map(|f| f.system),
                None => Err(IoError::parse(ErrorKind::Empty, &name, 0, "an extxyz frame", "an empty file")),
            }
        }
        Format::LammpsData => lammps_data::read(reader, &name, options),
        Format::LammpsDump => {
            let mut frames = lammps_dump::DumpReader::new(reader, &name, options.clone());
            match frames.next() {
                Some(r) => r.map(|f| f.system),
                None => Err(IoError::parse(ErrorKind::Empty, &name, 0, "a dump frame", "an empty file")),
            }
        }
    }
}

/// Writes a structure atomically (temporary file, then rename). The format comes from `format` or the name.
pub fn write_structure(path: &Path, system: &System, format: Option<Format>) -> Result<(), IoError> {
    let format = resolve_format(path, format)?;
    let name = file_name(path);
    atomfab_core::fsutil::write_atomic(path, |w| match format {
        Format::ExtXyz => extxyz::write_frame(w, system, &[]),
        Format::LammpsData => lammps_data::write(w, system),
        Format::LammpsDump => lammps_dump::write_frame(w, system, 0, &[]),
    })
    .map_err(|e| IoError::io(&name, "cannot write", e))
}
