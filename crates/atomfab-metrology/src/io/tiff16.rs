//! TIFF height images. We write 16-bit unsigned grey with the scale as `key=value` text in the
//! ImageDescription tag (first line `atomfab heightmap`, then `dx= dy= unit= zoffset= zstep= zunit=`):
//! height = (zoffset + zstep·grey) in `zunit`, pixel sizes in `unit`. Quantisation limits the height
//! resolution to zstep = (max − min)/65535. We read 16-bit grey (needs that description) and 32-bit float
//! grey (heights as stored, scaled by `zunit` if described; pixel size from the description, which
//! is required, as png16 requires Gwy::XReal). Encoding/decoding (IFDs, strips, compression) is the
//! `tiff` crate's.

use super::{read_bytes, write_atomic};
use crate::error::{MetrologyError, Result};
use crate::heightmap::{check_dims, check_step, unit_to_metres, HeightMap};
use std::io::Cursor;
use std::path::Path;
use tiff::decoder::{Decoder, DecodingResult, Limits};
use tiff::encoder::{colortype, TiffEncoder};
use tiff::tags::Tag;
use tiff::ColorType;

const HEADER: &str = "atomfab heightmap";

pub fn write_tiff16(path: &Path, map: &HeightMap) -> Result<()> {
    write_atomic(path, &tiff16_bytes(map)?)
}

pub fn tiff16_bytes(map: &HeightMap) -> Result<Vec<u8>> {
    if map.has_missing() {
        return Err(MetrologyError::invalid(
            "a 16-bit TIFF cannot mark missing (NaN) points: fill them first or write .gwy",
        ));
    }
    let (w, h) = (u32::try_from(map.nx), u32::try_from(map.ny));
    let (Ok(w), Ok(h)) = (w, h) else { return Err(MetrologyError::invalid("map too large for TIFF")) };
    let (lo, hi) = map.z.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |a, &v| (a.0.min(v), a.1.max(v)));
    let step = (hi - lo) / 65535.0;
    let data: Vec<u16> =
        map.z.iter().map(|&v| if step > 0.0 { ((v - lo) / step).round().clamp(0.0, 65535.0) as u16 } else { 0 }).collect();
    // `{:e}` prints the shortest text that parses back to the same f64, so the scale is exact.
    let desc = format!(
        "{HEADER}\ndx={:e}\ndy={:e}\nunit=m\nzoffset={lo:e}\nzstep={step:e}\nzunit=m\n",
        map.dx, map.dy
    );
    let terr = |e: tiff::TiffError| MetrologyError::invalid(format!("TIFF encoding: {e}"));
    let mut out = Cursor::new(Vec::new());
    {
        let mut enc = TiffEncoder::new(&mut out).map_err(terr)?;
        let mut img = enc.new_image::<colortype::Gray16>(w, h).map_err(terr)?;
        img.encoder().write_tag(Tag::ImageDescription, desc.as_str()).map_err(terr)?;
        img.write_data(&data).map_err(terr)?;
    }
    Ok(out.into_inner())
}

pub fn read_tiff(path: &Path) -> Result<HeightMap> {
    parse_tiff(&read_bytes(path)?, path)
}

/// The description's `key=value` pairs (whitespace or newline separated); other words are ignored.
fn desc_keys(desc: &str) -> Vec<(String, String)> {
    desc.split_whitespace()
        .filter_map(|t| t.split_once('=').map(|(k, v)| (k.to_ascii_lowercase(), v.to_string())))
        .collect()
}

pub fn parse_tiff(buf: &[u8], path: &Path) -> Result<HeightMap> {
    let perr = |m: String| MetrologyError::parse(path, 0, m);
    if buf.len() < 4 || !(buf.starts_with(b"II*\0") || buf.starts_with(b"MM\0*") || buf.starts_with(b"II+\0") || buf.starts_with(b"MM\0+")) {
        return Err(perr("expected the TIFF signature (II*\\0 or MM\\0*), found other bytes".into()));
    }
    let terr = |what: &str, e: tiff::TiffError| perr(format!("TIFF {what}: {e}"));
    let mut limits = Limits::default();
    // 2 GiB cap, as for PNG; dimensions are checked against MAX_POINTS before any pixel buffer.
    limits.decoding_buffer_size = 1 << 31;
    let mut dec = Decoder::new(Cursor::new(buf)).map_err(|e| terr("header", e))?.with_limits(limits);
    let (w, h) = dec.dimensions().map_err(|e| terr("header", e))?;
    let (nx, ny) = (w as usize, h as usize);
    check_dims(nx, ny).map_err(|e| perr(e.to_string()))?;
    let ct = dec.colortype().map_err(|e| terr("header", e))?;
    if ct != ColorType::Gray(16) && ct != ColorType::Gray(32) {
        return Err(perr(format!("expected 16-bit or 32-bit float greyscale, found {ct:?}")));
    }
    // SampleFormat: 1 unsigned, 2 signed, 3 IEEE float (absent means unsigned).
    let fmt: Vec<u16> = dec.find_tag_unsigned_vec(Tag::SampleFormat).map_err(|e| terr("SampleFormat", e))?.unwrap_or_default();
    let fmt = fmt.first().copied().unwrap_or(1);
    let want = if ct == ColorType::Gray(16) { 1 } else { 3 };
    if fmt != want {
        let name = match fmt { 1 => "unsigned integer", 2 => "signed integer", 3 => "float", _ => "unknown" };
        return Err(perr(format!("expected unsigned 16-bit or 32-bit float samples, found {name} {ct:?}")));
    }
    let desc = match dec.find_tag(Tag::ImageDescription).map_err(|e| terr("ImageDescription", e))? {
        Some(v) => v.into_string().map_err(|e| terr("ImageDescription", e))?,
        None => String::new(),
    };
    let keys = desc_keys(&desc);
    let key = |k: &str| keys.iter().find(|(kk, _)| kk == k).map(|(_, v)| v.clone());
    let num = |k: &str| -> Result<Option<f64>> {
        match key(k) {
            None => Ok(None),
            Some(t) => match t.parse::<f64>() {
                Ok(v) if v.is_finite() => Ok(Some(v)),
                _ => Err(perr(format!("ImageDescription {k}: expected a finite number, found `{t}`"))),
            },
        }
    };
    let unit = |k: &str| -> Result<f64> {
        match key(k) {
            None => Ok(1.0),
            Some(u) => unit_to_metres(&u).ok_or_else(|| perr(format!("ImageDescription {k}: expected a length unit, found `{u}`"))),
        }
    };
    let dx = num("dx")?.ok_or_else(|| perr("expected `dx=` (pixel size) in the ImageDescription tag, found none".into()))?;
    let dy = num("dy")?.unwrap_or(dx);
    let (sxy, sz) = (unit("unit")?, unit("zunit")?);
    let (dx, dy) = (dx * sxy, dy * sxy);
    check_step("dx", dx).map_err(|e| perr(e.to_string()))?;
    check_step("dy", dy).map_err(|e| perr(e.to_string()))?;
    let img = dec.read_image().map_err(|e| terr("data", e))?;
    let z: Vec<f64> = match img {
        DecodingResult::U16(q) => {
            let off = num("zoffset")?.ok_or_else(|| perr("expected `zoffset=` in the ImageDescription tag of a 16-bit TIFF, found none".into()))?;
            let step = num("zstep")?.ok_or_else(|| perr("expected `zstep=` in the ImageDescription tag of a 16-bit TIFF, found none".into()))?;
            q.iter().map(|&g| (off + step * g as f64) * sz).collect()
        }
        DecodingResult::F32(v) => v.iter().map(|&x| x as f64 * sz).collect(),
        _ => return Err(perr(format!("expected unsigned 16-bit or 32-bit float samples, found another sample format ({ct:?})"))),
    };
    if z.len() != nx * ny {
        return Err(perr(format!("expected {} samples, found {}", nx * ny, z.len())));
    }
    if let Some(k) = z.iter().position(|v| v.is_infinite()) {
        return Err(perr(format!("pixel {k}: expected a finite height or NaN, found infinity")));
    }
    HeightMap::new(nx, ny, dx, dy, z).map_err(|e| perr(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip_within_half_a_step() {
        let m = HeightMap::from_fn(33, 20, 2e-9, 3e-9, |x, y| 1e-9 * (x * 3e8).sin() + 0.1 * y).unwrap();
        let back = parse_tiff(&tiff16_bytes(&m).unwrap(), Path::new("m.tif")).unwrap();
        assert_eq!((back.nx, back.ny, back.dx, back.dy), (33, 20, 2e-9, 3e-9));
        let (lo, hi) = m.z.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |a, &v| (a.0.min(v), a.1.max(v)));
        let q = (hi - lo) / 65535.0;
        for (a, b) in m.z.iter().zip(&back.z) {
            assert!((a - b).abs() <= 0.5 * q * (1.0 + 1e-9), "{a} {b}");
        }
        // Re-writing what we read gives the same file: the scale text round-trips exactly.
        assert_eq!(tiff16_bytes(&back).unwrap(), tiff16_bytes(&m).unwrap());
    }

    #[test]
    fn flat_map_roundtrips() {
        let m = HeightMap::from_fn(3, 2, 1e-9, 1e-9, |_, _| 4e-9).unwrap();
        let back = parse_tiff(&tiff16_bytes(&m).unwrap(), Path::new("f.tif")).unwrap();
        assert!(back.z.iter().all(|&z| z == 4e-9));
    }

    #[test]
    fn every_corrupted_byte_gives_ok_or_one_line_error() {
        let m = HeightMap::from_fn(5, 4, 1e-9, 1e-9, |x, y| x - y).unwrap();
        let b = tiff16_bytes(&m).unwrap();
        for k in 0..b.len() {
            for v in [0x00, 0xff, b[k] ^ 0x80] {
                let mut c = b.clone();
                c[k] = v;
                if let Err(e) = parse_tiff(&c, Path::new("c.tif")) {
                    let e = e.to_string();
                    assert!(e.contains("c.tif") && !e.contains('\n'), "byte {k}: {e}");
                }
            }
        }
    }

    /// A minimal little-endian TIFF with one IFD; `entries` are (tag, type, count, value).
    fn tiny_tiff(entries: &[(u16, u16, u32, u32)], pixels: &[u8]) -> Vec<u8> {
        let mut b = b"II*\0".to_vec();
        b.extend_from_slice(&8u32.to_le_bytes());
        b.extend_from_slice(&(entries.len() as u16).to_le_bytes());
        for &(t, ty, n, v) in entries {
            b.extend_from_slice(&t.to_le_bytes());
            b.extend_from_slice(&ty.to_le_bytes());
            b.extend_from_slice(&n.to_le_bytes());
            b.extend_from_slice(&v.to_le_bytes());
        }
        b.extend_from_slice(&0u32.to_le_bytes());
        b.extend_from_slice(pixels);
        b
    }

    #[test]
    fn bad_tiff_input() {
        let p = Path::new("x.tif");
        let e = parse_tiff(b"GIF89a", p).unwrap_err().to_string();
        assert!(e.contains("x.tif") && e.contains("TIFF signature"), "{e}");
        let m = HeightMap::from_fn(40, 40, 1e-9, 1e-9, |x, y| x + y).unwrap();
        let b = tiff16_bytes(&m).unwrap();
        for cut in [5, 12, b.len() / 2, b.len() - 10] {
            let e = parse_tiff(&b[..cut], p).unwrap_err().to_string();
            assert!(e.contains("x.tif") && !e.contains('\n'), "{e}");
        }
        let mut nan = m.clone();
        nan.z[0] = f64::NAN;
        assert!(tiff16_bytes(&nan).is_err());
        // 10^9 x 10^9 grey-16 declared with a tiny strip: rejected from the header, nothing allocated.
        let huge = tiny_tiff(
            &[(256, 4, 1, 1_000_000_000), (257, 4, 1, 1_000_000_000), (258, 3, 1, 16), (262, 3, 1, 1), (273, 4, 1, 8), (279, 4, 1, 4)],
            &[0; 4],
        );
        let e = parse_tiff(&huge, p).unwrap_err().to_string();
        assert!(e.contains("x.tif") && e.contains("at most"), "{e}");
        // RGB 8-bit.
        let rgb = tiny_tiff(
            &[(256, 3, 1, 1), (257, 3, 1, 1), (258, 3, 1, 8), (262, 3, 1, 2), (273, 4, 1, 0), (277, 3, 1, 3), (279, 4, 1, 3)],
            &[1, 2, 3],
        );
        let e = parse_tiff(&rgb, p).unwrap_err().to_string();
        assert!(e.contains("x.tif") && e.contains("greyscale") && e.contains("RGB"), "{e}");
        // 16-bit grey without our description: no pixel size.
        let g = tiny_tiff(&[(256, 3, 1, 1), (257, 3, 1, 1), (258, 3, 1, 16), (262, 3, 1, 1), (273, 4, 1, 0), (279, 4, 1, 2)], &[0, 0]);
        let e = parse_tiff(&g, p).unwrap_err().to_string();
        assert!(e.contains("dx="), "{e}");
        // 32-bit signed integer grey (SampleFormat 2) is not a height format we read.
        let i32g = tiny_tiff(
            &[(256, 3, 1, 1), (257, 3, 1, 1), (258, 3, 1, 32), (262, 3, 1, 1), (273, 4, 1, 0), (279, 4, 1, 4), (339, 3, 1, 2)],
            &[0; 4],
        );
        let e = parse_tiff(&i32g, p).unwrap_err().to_string();
        assert!(e.contains("x.tif") && e.contains("signed integer"), "{e}");
    }
}
