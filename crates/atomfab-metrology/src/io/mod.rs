//! Height-map readers and writers. Every reader checks declared sizes before allocating and reports
//! `FILE:LINE: expected …, found …` on bad input.

pub mod ascii;
pub mod gwy;
pub mod png16;
pub mod tiff16;

pub mod xyz;

use crate::error::{MetrologyError, Result};
use crate::heightmap::HeightMap;
use std::path::Path;

/// Reads a height map, choosing the format from the extension: `.gwy` (Gwyddion native), `.png`
/// (16-bit grey with Gwyddion's scale keys), `.tif`/`.tiff`
/// (16-bit grey with a scale description, or 32-bit float), `.xyz` (point list); anything else is an ASCII matrix.
pub fn read_any(path: &Path) -> Result<HeightMap> {
    match extension(path).as_str() {
        "gwy" => Ok(gwy::read_gwy(path)?.map),
        "png" => png16::read_png16(path),
        "tif" | "tiff" => tiff16::read_tiff(path),
        "xyz" => xyz::read_xyz(path),
        _ => ascii::read_ascii(path),
    }
}

/// Writes a height map, choosing the format from the extension as `read_any` does.
pub fn write_any(path: &Path, map: &HeightMap) -> Result<()> {
    match extension(path).as_str() {
        "gwy" => gwy::write_gwy(path, map, "Height"),
        "png" => png16::write_png16(path, map),
        "tif" | "tiff" => tiff16::write_tiff16(path, map),
        "xyz" => xyz::write_xyz(path, map),
        _ => ascii::write_ascii(path, map),
    }
}

fn extension(path: &Path) -> String {
    path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase()
}

/// Writes to a temporary file in the same folder, then renames, so a crash never leaves half a file.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("out");
    let tmp = dir.join(format!(".{name}.tmp{}", std::process::id()));
    std::fs::write(&tmp, bytes).map_err(|e| MetrologyError::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| MetrologyError::io(path, e))
}

pub(crate) fn read_bytes(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| MetrologyError::io(path, e))
}

pub(crate) fn read_text(path: &Path) -> Result<String> {
    let b = read_bytes(path)?;
    String::from_utf8(b).map_err(|e| {
        MetrologyError::parse(path, 0, format!("byte {}: expected UTF-8 text, found invalid bytes", e.utf8_error().valid_up_to()))
    })
}

/// Parses one height value; "nan" (any case) is a missing point, infinities are rejected.
pub(crate) fn parse_value(tok: &str) -> std::result::Result<f64, String> {
    let t = tok.trim();
    match t.parse::<f64>() {
        Ok(v) if v.is_infinite() => Err(format!("expected a finite number or NaN, found `{t}`")),
        Ok(v) => Ok(v),
        Err(_) => Err(format!("expected a number, found `{t}`")),
    }
}
