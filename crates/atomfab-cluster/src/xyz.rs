//! Extended XYZ output of cluster structures (positions in the potential's length unit).

use crate::error::ClusterError;
use std::io::Write;
use std::path::Path;

/// One frame to write.
pub struct XyzFrame<'a> {
    pub positions: &'a [[f64; 3]],
    /// Energy (energy unit of the potential).
    pub energy: f64,
    pub point_group: &'a str,
}

/// Write frames to `path` as extended XYZ (ASE/OVITO readable), via a temporary file and rename.
pub fn write_extxyz(path: &Path, frames: &[XyzFrame], species: &str, potential: &str) -> Result<(), ClusterError> {
    let io_err = |e: std::io::Error| ClusterError::Io { path: path.display().to_string(), msg: e.to_string() };
    let mut text = String::new();
    for f in frames {
        text.push_str(&format!("{}\n", f.positions.len()));
        text.push_str(&format!(
            "Properties=species:S:1:pos:R:3 energy={:.10} point_group={} potential=\"{}\" pbc=\"F F F\"\n",
            f.energy, f.point_group, potential
        ));
        for p in f.positions {
            text.push_str(&format!("{species} {:.10} {:.10} {:.10}\n", p[0], p[1], p[2]));
        }
    }
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().ok_or_else(|| ClusterError::Io { path: path.display().to_string(), msg: "not a file name".into() })?;
    let tmp = dir.join(format!(".{}.tmp{}", name.to_string_lossy(), std::process::id()));
    let mut file = std::fs::File::create(&tmp).map_err(io_err)?;
    file.write_all(text.as_bytes()).map_err(io_err)?;
    file.sync_all().map_err(io_err)?;
    drop(file);
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        io_err(e)
    })
}
