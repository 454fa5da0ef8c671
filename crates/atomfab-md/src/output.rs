//! Streaming outputs of a run: thermo CSV, trajectories (extxyz, LAMMPS dump) and per-fix CSV files.
//! Files are appended frame by frame (constant memory). On resume each file is cut back to the length it
//! had at the checkpoint, so a resumed run's files equal an uninterrupted run's.

use crate::error::{MdError, Result};
use atomfab_core::System;
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Seek, Write};
use std::path::{Path, PathBuf};

/// A frame sink: anything that can append one frame of a system.
pub trait FrameWriter: Send {
    fn write_frame(&mut self, w: &mut dyn Write, system: &System, step: u64, time: f64) -> std::io::Result<()>;
}

/// Extended XYZ via atomfab-io (Step and Time on the comment line).
pub struct ExtXyz;

impl FrameWriter for ExtXyz {
    fn write_frame(&mut self, mut w: &mut dyn Write, system: &System, step: u64, time: f64) -> std::io::Result<()> {
        let info = [("Step".to_string(), step.to_string()), ("Time".to_string(), format!("{time}"))];
        atomfab_io::extxyz::write_frame(&mut w, system, &info)
    }
}

/// LAMMPS text dump (`dump custom`) via atomfab-io with the given columns (empty: its defaults).
pub struct LammpsDump {
    pub columns: Vec<String>,
}

impl FrameWriter for LammpsDump {
    fn write_frame(&mut self, mut w: &mut dyn Write, system: &System, step: u64, _time: f64) -> std::io::Result<()> {
        let cols: Vec<&str> = self.columns.iter().map(String::as_str).collect();
        atomfab_io::lammps_dump::write_frame(&mut w, system, step, &cols)
    }
}

/// One output file being appended to.
pub struct OutFile {
    pub path: PathBuf,
    w: BufWriter<File>,
}

impl OutFile {
    /// Creates (truncates) the file, or on resume reopens it cut back to `resume_len` bytes.
    pub fn open(path: &Path, resume_len: Option<u64>) -> Result<OutFile> {
        let file = match resume_len {
            None => File::create(path).map_err(|e| MdError::io(path, e))?,
            Some(len) => {
                let mut f = OpenOptions::new().read(true).write(true).open(path).map_err(|e| MdError::io(path, e))?;
                let have = f.metadata().map_err(|e| MdError::io(path, e))?.len();
                if have < len {
                    return Err(MdError::Checkpoint {
                        path: path.display().to_string(),
                        message: format!("output file is shorter ({have} bytes) than at the checkpoint ({len} bytes)"),
                    });
                }
                f.set_len(len).map_err(|e| MdError::io(path, e))?;
                f.seek(std::io::SeekFrom::End(0)).map_err(|e| MdError::io(path, e))?;
                f
            }
        };
        Ok(OutFile { path: path.to_path_buf(), w: BufWriter::with_capacity(1 << 16, file) })
    }

    pub fn writer(&mut self) -> &mut BufWriter<File> {
        &mut self.w
    }

    pub fn line(&mut self, s: &str) -> Result<()> {
        writeln!(self.w, "{s}").map_err(|e| MdError::io(&self.path, e))
    }

    /// Flushes and returns the file length in bytes.
    pub fn flush_len(&mut self) -> Result<u64> {
        self.w.flush().map_err(|e| MdError::io(&self.path, e))?;
        self.w.get_mut().stream_position().map_err(|e| MdError::io(&self.path, e))
    }
}

/// A trajectory: a file, a writer and a period.
pub struct Trajectory {
    pub file: OutFile,
    pub every: u64,
    pub writer: Box<dyn FrameWriter>,
}

impl Trajectory {
    pub fn write(&mut self, system: &System, step: u64, time: f64) -> Result<()> {
        let path = self.file.path.clone();
        self.writer.write_frame(self.file.writer(), system, step, time).map_err(|e| MdError::io(path, e))
    }
}
