//! Gwyddion native `.gwy` files (format: gwyddion.net user guide, "Format of Gwyddion Files").
//! The file is the magic `GWYP` followed by one serialized object. An object is its type name
//! (NUL-terminated), a u32 little-endian byte size of its data, then components: name (NUL-terminated),
//! a one-byte type (`b` bool, `c` char, `i` i32, `q` i64, `d` f64, `s` string, `o` object; upper case =
//! array preceded by a u32 count) and the value. Images are `GwyDataField` objects stored in a
//! `GwyContainer` under `/N/data` (xres, yres, xreal, yreal, xoff, yoff, si_unit_xy, si_unit_z, data).
//! Every size is checked against the bytes left before anything is allocated.

use super::{read_bytes, write_atomic};
use crate::error::{MetrologyError, Result};
use crate::heightmap::{check_dims, check_step, unit_to_metres, HeightMap};
use std::path::Path;

const MAGIC: &[u8; 4] = b"GWYP";
/// Objects nest (container → data field → SI unit); deeper nesting than this is a corrupt file.
const MAX_DEPTH: usize = 32;

#[derive(Debug, Clone, PartialEq)]
pub enum GwyValue {
    Bool(bool),
    Char(u8),
    Int(i32),
    Int64(i64),
    Double(f64),
    Str(String),
    Object(GwyObject),
    CharArray(Vec<u8>),
    IntArray(Vec<i32>),
    Int64Array(Vec<i64>),
    DoubleArray(Vec<f64>),
    StrArray(Vec<String>),
    ObjectArray(Vec<GwyObject>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct GwyObject {
    pub name: String,
    pub components: Vec<(String, GwyValue)>,
}

impl GwyObject {
    pub fn new(name: &str) -> Self {
        GwyObject { name: name.to_string(), components: Vec::new() }
    }
    pub fn get(&self, key: &str) -> Option<&GwyValue> {
        self.components.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }
    pub fn push(&mut self, key: &str, v: GwyValue) {
        self.components.push((key.to_string(), v));
    }
}

/// One image read from a `.gwy` file.
#[derive(Debug, Clone)]
pub struct GwyImage {
    pub map: HeightMap,
    pub title: Option<String>,
    /// Gwyddion's mask for this channel (`/N/mask`), true where the mask is set.
    pub mask: Option<Vec<bool>>,
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    file: &'a Path,
}

impl<'a> Reader<'a> {
    fn err(&self, msg: String) -> MetrologyError {
        MetrologyError::parse(self.file, 0, format!("byte {}: {msg}", self.pos))
    }
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8]> {
        if self.buf.len() - self.pos < n {
            return Err(self.err(format!(
                "expected {n} bytes of {what}, found {} (file truncated)",
                self.buf.len() - self.pos
            )));
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }
    fn cstr(&mut self, what: &str) -> Result<String> {
        let rest = &self.buf[self.pos..];
        let Some(end) = rest.iter().position(|&b| b == 0) else {
            return Err(self.err(format!("expected a NUL-terminated {what}, found end of file (truncated)")));
        };
        let s = std::str::from_utf8(&rest[..end])
            .map_err(|_| self.err(format!("expected a UTF-8 {what}, found invalid bytes")))?
            .to_string();
        self.pos += end + 1;
        Ok(s)
    }
    fn u32(&mut self, what: &str) -> Result<u32> {
        Ok(u32::from_le_bytes(self.take(4, what)?.try_into().unwrap()))
    }
    /// Array count, checked against the bytes left so a corrupt count cannot trigger a huge allocation.
    fn count(&mut self, elem: usize, what: &str) -> Result<usize> {
        let n = self.u32(what)? as usize;
        let left = self.buf.len() - self.pos;
        if n.saturating_mul(elem.max(1)) > left {
            return Err(self.err(format!("expected {n} {what} elements, found only {left} bytes left (truncated or corrupt)")));
        }
        Ok(n)
    }

    fn object(&mut self, depth: usize) -> Result<GwyObject> {
        if depth > MAX_DEPTH {
            return Err(self.err(format!("expected objects nested at most {MAX_DEPTH} deep, found deeper (corrupt)")));
        }
        let name = self.cstr("object type name")?;
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return Err(self.err(format!("expected an object type name such as GwyDataField, found `{name}`")));
        }
        let size = self.u32("object size")? as usize;
        let end = self.pos.checked_add(size).filter(|&e| e <= self.buf.len()).ok_or_else(|| {
            self.err(format!(
                "object {name} declares {size} bytes, found only {} left (truncated)",
                self.buf.len() - self.pos
            ))
        })?;
        let mut obj = GwyObject::new(&name);
        while self.pos < end {
            let key = self.cstr("component name")?;
            let t = self.take(1, "component type")?[0];
            let v = self.value(t, &key, depth)?;
            if self.pos > end {
                return Err(self.err(format!("component `{key}` of {name} runs past the object's declared size")));
            }
            obj.components.push((key, v));
        }
        Ok(obj)
    }

    fn value(&mut self, t: u8, key: &str, depth: usize) -> Result<GwyValue> {
        Ok(match t {
            b'b' => GwyValue::Bool(self.take(1, key)?[0] != 0),
            b'c' => GwyValue::Char(self.take(1, key)?[0]),
            b'i' => GwyValue::Int(i32::from_le_bytes(self.take(4, key)?.try_into().unwrap())),
            b'q' => GwyValue::Int64(i64::from_le_bytes(self.take(8, key)?.try_into().unwrap())),
            b'd' => GwyValue::Double(f64::from_le_bytes(self.take(8, key)?.try_into().unwrap())),
            b's' => GwyValue::Str(self.cstr(key)?),
            b'o' => GwyValue::Object(self.object(depth + 1)?),
            b'C' => {
                let n = self.count(1, key)?;
                GwyValue::CharArray(self.take(n, key)?.to_vec())
            }
            b'I' => {
                let n = self.count(4, key)?;
                let b = self.take(4 * n, key)?;
                GwyValue::IntArray(b.chunks_exact(4).map(|c| i32::from_le_bytes(c.try_into().unwrap())).collect())
            }
            b'Q' => {
                let n = self.count(8, key)?;
                let b = self.take(8 * n, key)?;
                GwyValue::Int64Array(b.chunks_exact(8).map(|c| i64::from_le_bytes(c.try_into().unwrap())).collect())
            }
            b'D' => {
                let n = self.count(8, key)?;
                let b = self.take(8 * n, key)?;
                GwyValue::DoubleArray(b.chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().unwrap())).collect())
            }
            b'S' => {
                let n = self.count(1, key)?;
                let mut v = Vec::with_capacity(n);
                for _ in 0..n {
                    v.push(self.cstr(key)?);
                }
                GwyValue::StrArray(v)
            }
            b'O' => {
                let n = self.count(6, key)?;
                let mut v = Vec::with_capacity(n);
                for _ in 0..n {
                    v.push(self.object(depth + 1)?);
                }
                GwyValue::ObjectArray(v)
            }
            other => {
                self.pos -= 1;
                return Err(self.err(format!(
                    "component `{key}`: expected a type code (b c i q d s o C I Q D S O), found byte 0x{other:02x}"
                )));
            }
        })
    }
}

/// Parses the whole object tree of a `.gwy` byte buffer.
pub fn parse_gwy_tree(buf: &[u8], file: &Path) -> Result<GwyObject> {
    if buf.len() < 4 || &buf[..4] != MAGIC {
        let found: String = buf.iter().take(4).map(|&b| if b.is_ascii_graphic() { b as char } else { '?' }).collect();
        return Err(MetrologyError::parse(file, 0, format!("byte 0: expected magic `GWYP`, found `{found}`")));
    }
    let mut r = Reader { buf, pos: 4, file };
    r.object(0)
}

/// Reads the first image channel (lowest N of `/N/data`) of a Gwyddion file.
pub fn read_gwy(path: &Path) -> Result<GwyImage> {
    let buf = read_bytes(path)?;
    parse_gwy(&buf, path)
}

pub fn parse_gwy(buf: &[u8], path: &Path) -> Result<GwyImage> {
    let root = parse_gwy_tree(buf, path)?;
    let ids = channel_ids(&root, path)?;
    let id = *ids.first().ok_or_else(|| MetrologyError::parse(path, 0, "expected an image channel `/N/data` (GwyDataField), found none"))?;
    channel(&root, id, path, true)
}

/// Every image channel of a Gwyddion file, in channel order. Channels whose z unit is not a length
/// (e.g. a certainty map) are read with their values unscaled.
pub fn read_gwy_channels(path: &Path) -> Result<Vec<(u32, GwyImage)>> {
    let buf = read_bytes(path)?;
    let root = parse_gwy_tree(&buf, path)?;
    channel_ids(&root, path)?.into_iter().map(|id| Ok((id, channel(&root, id, path, false)?))).collect()
}

fn channel_ids(root: &GwyObject, path: &Path) -> Result<Vec<u32>> {
    if root.name != "GwyContainer" {
        return Err(MetrologyError::parse(path, 0, format!("expected a GwyContainer at the top, found {}", root.name)));
    }
    let mut ids: Vec<u32> = root
        .components
        .iter()
        .filter_map(|(k, v)| {
            let n = k.strip_prefix('/')?.strip_suffix("/data")?.parse::<u32>().ok()?;
            matches!(v, GwyValue::Object(o) if o.name == "GwyDataField").then_some(n)
        })
        .collect();
    ids.sort_unstable();
    Ok(ids)
}

fn channel(root: &GwyObject, id: u32, path: &Path, need_length_z: bool) -> Result<GwyImage> {
    let perr = |msg: String| MetrologyError::parse(path, 0, msg);
    let Some(GwyValue::Object(df)) = root.get(&format!("/{id}/data")) else {
        return Err(perr(format!("expected a GwyDataField at /{id}/data")));
    };
    let map = datafield_to_map(df, path, need_length_z)?;
    let title = match root.get(&format!("/{id}/data/title")) {
        Some(GwyValue::Str(s)) => Some(s.clone()),
        _ => None,
    };
    let mask = match root.get(&format!("/{id}/mask")) {
        Some(GwyValue::Object(m)) if m.name == "GwyDataField" => {
            let mm = datafield_to_map(m, path, false)?;
            if mm.nx != map.nx || mm.ny != map.ny {
                return Err(perr(format!(
                    "mask /{id}/mask is {}x{}: expected the channel's {}x{}",
                    mm.nx, mm.ny, map.nx, map.ny
                )));
            }
            Some(mm.z.iter().map(|&v| v > 0.5).collect())
        }
        _ => None,
    };
    Ok(GwyImage { map, title, mask })
}

fn unit_str(df: &GwyObject, key: &str) -> String {
    match df.get(key) {
        Some(GwyValue::Object(u)) => match u.get("unitstr") {
            Some(GwyValue::Str(s)) => s.clone(),
            _ => String::new(),
        },
        _ => String::new(),
    }
}

fn datafield_to_map(df: &GwyObject, path: &Path, need_length_z: bool) -> Result<HeightMap> {
    let perr = |msg: String| MetrologyError::parse(path, 0, format!("GwyDataField: {msg}"));
    let int = |k: &str| match df.get(k) {
        Some(GwyValue::Int(v)) => Ok(*v),
        other => Err(perr(format!("expected integer `{k}`, found {other:?}"))),
    };
    let dbl = |k: &str, default: f64| match df.get(k) {
        Some(GwyValue::Double(v)) => Ok(*v),
        None => Ok(default),
        other => Err(perr(format!("expected double `{k}`, found {other:?}"))),
    };
    let (xres, yres) = (int("xres")?, int("yres")?);
    if xres <= 0 || yres <= 0 {
        return Err(perr(format!("expected positive xres, yres, found {xres} x {yres}")));
    }
    let (nx, ny) = (xres as usize, yres as usize);
    check_dims(nx, ny).map_err(|e| perr(e.to_string()))?;
    // Gwyddion's defaults when xreal/yreal are absent are 1.0 (base units).
    let (xreal, yreal) = (dbl("xreal", 1.0)?, dbl("yreal", 1.0)?);
    let uxy = unit_str(df, "si_unit_xy");
    let uz = unit_str(df, "si_unit_z");
    let sxy = if uxy.is_empty() { 1.0 } else {
        unit_to_metres(&uxy).ok_or_else(|| perr(format!("expected a length unit for si_unit_xy, found `{uxy}`")))?
    };
    // Heights in a length unit are scaled to metres; other channels (masks, maps of other
    // quantities) keep their values when the caller does not need a height.
    let sz = match (uz.is_empty(), unit_to_metres(&uz)) {
        (true, _) => 1.0,
        (false, Some(s)) => s,
        (false, None) if !need_length_z => 1.0,
        (false, None) => return Err(perr(format!("expected a length unit for si_unit_z (a height channel), found `{uz}`"))),
    };
    let data = match df.get("data") {
        Some(GwyValue::DoubleArray(d)) => d,
        other => return Err(perr(format!("expected double array `data`, found {:?}", other.map(|_| "other type")))),
    };
    if data.len() != nx * ny {
        return Err(perr(format!("expected xres*yres = {} data values, found {}", nx * ny, data.len())));
    }
    let dx = xreal * sxy / nx as f64;
    let dy = yreal * sxy / ny as f64;
    check_step("dx", dx).map_err(|e| perr(e.to_string()))?;
    check_step("dy", dy).map_err(|e| perr(e.to_string()))?;
    let z: Vec<f64> = if sz == 1.0 { data.clone() } else { data.iter().map(|v| v * sz).collect() };
    HeightMap::new(nx, ny, dx, dy, z).map_err(|e| perr(e.to_string()))
}

fn serialize_object(o: &GwyObject, out: &mut Vec<u8>) {
    out.extend_from_slice(o.name.as_bytes());
    out.push(0);
    let size_at = out.len();
    out.extend_from_slice(&[0; 4]);
    let start = out.len();
    for (k, v) in &o.components {
        out.extend_from_slice(k.as_bytes());
        out.push(0);
        match v {
            GwyValue::Bool(b) => out.extend_from_slice(&[b'b', *b as u8]),
            GwyValue::Char(c) => out.extend_from_slice(&[b'c', *c]),
            GwyValue::Int(i) => {
                out.push(b'i');
                out.extend_from_slice(&i.to_le_bytes())
            }
            GwyValue::Int64(i) => {
                out.push(b'q');
                out.extend_from_slice(&i.to_le_bytes())
            }
            GwyValue::Double(d) => {
                out.push(b'd');
                out.extend_from_slice(&d.to_le_bytes())
            }
            GwyValue::Str(s) => {
                out.push(b's');
                out.extend_from_slice(s.as_bytes());
                out.push(0)
            }
            GwyValue::Object(ob) => {
                out.push(b'o');
                serialize_object(ob, out)
            }
            GwyValue::CharArray(a) => {
                out.push(b'C');
                out.extend_from_slice(&(a.len() as u32).to_le_bytes());
                out.extend_from_slice(a)
            }
            GwyValue::IntArray(a) => {
                out.push(b'I');
                out.extend_from_slice(&(a.len() as u32).to_le_bytes());
                a.iter().for_each(|x| out.extend_from_slice(&x.to_le_bytes()))
            }
            GwyValue::Int64Array(a) => {
                out.push(b'Q');
                out.extend_from_slice(&(a.len() as u32).to_le_bytes());
                a.iter().for_each(|x| out.extend_from_slice(&x.to_le_bytes()))
            }
            GwyValue::DoubleArray(a) => {
                out.push(b'D');
                out.extend_from_slice(&(a.len() as u32).to_le_bytes());
                a.iter().for_each(|x| out.extend_from_slice(&x.to_le_bytes()))
            }
            GwyValue::StrArray(a) => {
                out.push(b'S');
                out.extend_from_slice(&(a.len() as u32).to_le_bytes());
                for s in a {
                    out.extend_from_slice(s.as_bytes());
                    out.push(0)
                }
            }
            GwyValue::ObjectArray(a) => {
                out.push(b'O');
                out.extend_from_slice(&(a.len() as u32).to_le_bytes());
                a.iter().for_each(|ob| serialize_object(ob, out))
            }
        }
    }
    let size = (out.len() - start) as u32;
    out[size_at..size_at + 4].copy_from_slice(&size.to_le_bytes());
}

fn si_unit(s: &str) -> GwyValue {
    let mut u = GwyObject::new("GwySIUnit");
    u.push("unitstr", GwyValue::Str(s.to_string()));
    GwyValue::Object(u)
}

fn datafield(nx: usize, ny: usize, dx: f64, dy: f64, zunit: &str, data: Vec<f64>) -> GwyValue {
    let mut df = GwyObject::new("GwyDataField");
    df.push("xres", GwyValue::Int(nx as i32));
    df.push("yres", GwyValue::Int(ny as i32));
    df.push("xreal", GwyValue::Double(nx as f64 * dx));
    df.push("yreal", GwyValue::Double(ny as f64 * dy));
    df.push("xoff", GwyValue::Double(0.0));
    df.push("yoff", GwyValue::Double(0.0));
    df.push("si_unit_xy", si_unit("m"));
    df.push("si_unit_z", si_unit(zunit));
    df.push("data", GwyValue::DoubleArray(data));
    GwyValue::Object(df)
}

/// Serializes a map as a Gwyddion file with one channel `/0/data` (metres). Gwyddion fields cannot hold
/// NaN, so missing points are written as the mean height and flagged in the channel mask `/0/mask`.
pub fn gwy_bytes(map: &HeightMap, title: &str) -> Result<Vec<u8>> {
    if map.nx > i32::MAX as usize || map.ny > i32::MAX as usize {
        return Err(MetrologyError::invalid("map too large for a .gwy file (xres, yres are 32-bit)"));
    }
    let mut root = GwyObject::new("GwyContainer");
    let mean = if map.has_missing() { map.mean() } else { 0.0 };
    let data: Vec<f64> = map.z.iter().map(|&v| if v.is_nan() { mean } else { v }).collect();
    root.push("/0/data", datafield(map.nx, map.ny, map.dx, map.dy, "m", data));
    root.push("/0/data/title", GwyValue::Str(title.to_string()));
    if map.has_missing() {
        let m: Vec<f64> = map.z.iter().map(|v| if v.is_nan() { 1.0 } else { 0.0 }).collect();
        root.push("/0/mask", datafield(map.nx, map.ny, map.dx, map.dy, "", m));
    }
    let mut out = MAGIC.to_vec();
    serialize_object(&root, &mut out);
    Ok(out)
}

pub fn write_gwy(path: &Path, map: &HeightMap, title: &str) -> Result<()> {
    write_atomic(path, &gwy_bytes(map, title)?)
}

/// Map read back with masked points turned into NaN (inverse of `gwy_bytes`' missing-point convention).
pub fn read_gwy_with_mask_as_missing(path: &Path) -> Result<HeightMap> {
    let img = read_gwy(path)?;
    let mut map = img.map;
    if let Some(m) = img.mask {
        for (v, &k) in map.z.iter_mut().zip(&m) {
            if k {
                *v = f64::NAN;
            }
        }
    }
    Ok(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip_with_missing_points() {
        let mut m = HeightMap::from_fn(7, 4, 1e-9, 2e-9, |x, y| x * 3.0 + y).unwrap();
        m.z[5] = f64::NAN;
        let b = gwy_bytes(&m, "t").unwrap();
        let img = parse_gwy(&b, Path::new("m.gwy")).unwrap();
        assert_eq!(img.title.as_deref(), Some("t"));
        let mask = img.mask.unwrap();
        assert!(mask[5] && mask.iter().filter(|&&k| k).count() == 1);
        assert_eq!((img.map.nx, img.map.ny), (7, 4));
        assert!((img.map.dx - 1e-9).abs() < 1e-24);
        assert_eq!(img.map.z[6], m.z[6]);
    }

    #[test]
    fn truncated_and_corrupt_files_fail_cleanly() {
        let m = HeightMap::from_fn(16, 16, 1e-9, 1e-9, |x, y| x + y).unwrap();
        let b = gwy_bytes(&m, "t").unwrap();
        let p = Path::new("x.gwy");
        for cut in [0, 3, 4, 10, 20, 60, 200, b.len() - 1] {
            let e = parse_gwy(&b[..cut], p).unwrap_err().to_string();
            assert!(e.starts_with("x.gwy:0: byte"), "cut {cut}: {e}");
        }
        let mut bad = b.clone();
        bad[0] = b'X';
        assert_eq!(parse_gwy(&bad, p).unwrap_err().to_string(), "x.gwy:0: byte 0: expected magic `GWYP`, found `XWYP`");
        // A data array that claims 10⁹ elements must fail before allocating.
        let pos = b.windows(6).position(|w| w == b"data\0D").unwrap() + 6;
        let mut huge = b.clone();
        huge[pos..pos + 4].copy_from_slice(&1_000_000_000u32.to_le_bytes());
        assert!(parse_gwy(&huge, p).unwrap_err().to_string().contains("truncated or corrupt"));
        // Absurd declared resolution.
        let pos = b.windows(6).position(|w| w == b"xres\0i").unwrap() + 6;
        let mut big = b.clone();
        big[pos..pos + 4].copy_from_slice(&i32::MAX.to_le_bytes());
        assert!(parse_gwy(&big, p).is_err());
    }
}
