//! 16-bit greyscale PNG height images with Gwyddion's scale keys (tEXt chunks `Gwy::XReal`,
//! `Gwy::YReal`, `Gwy::XYUnit`, `Gwy::ZUnit`, `Gwy::ZMin`, `Gwy::ZMax`, `Gwy::Title`, as in Gwyddion's
//! image-keys.h): grey level 0 is ZMin and 65535 is ZMax. Quantisation limits the height resolution
//! to (ZMax − ZMin)/65535. Encoding/decoding (zlib, filters, CRCs) is the `png` crate's.

use super::{read_bytes, write_atomic};
use crate::error::{MetrologyError, Result};
use crate::heightmap::{check_dims, check_step, unit_to_metres, HeightMap};
use std::path::Path;

pub fn write_png16(path: &Path, map: &HeightMap) -> Result<()> {
    write_atomic(path, &png16_bytes(map, "Height")?)
}

pub fn png16_bytes(map: &HeightMap, title: &str) -> Result<Vec<u8>> {
    if map.has_missing() {
        return Err(MetrologyError::invalid(
            "a 16-bit PNG cannot mark missing (NaN) points: fill them first or write .gwy",
        ));
    }
    let (w, h) = (u32::try_from(map.nx), u32::try_from(map.ny));
    let (Ok(w), Ok(h)) = (w, h) else { return Err(MetrologyError::invalid("map too large for PNG")) };
    let (lo, hi) = map.z.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |a, &v| (a.0.min(v), a.1.max(v)));
    let span = hi - lo;
    let mut data = Vec::with_capacity(map.z.len() * 2);
    for &v in &map.z {
        let q = if span > 0.0 { ((v - lo) / span * 65535.0).round() as u16 } else { 0 };
        data.extend_from_slice(&q.to_be_bytes());
    }
    let mut out = Vec::new();
    {
        let perr = |e: png::EncodingError| MetrologyError::invalid(format!("PNG encoding: {e}"));
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Grayscale);
        enc.set_depth(png::BitDepth::Sixteen);
        for (k, v) in [
            ("Gwy::Title", title.to_string()),
            ("Gwy::XReal", format!("{:e}", map.xreal())),
            ("Gwy::YReal", format!("{:e}", map.yreal())),
            ("Gwy::XYUnit", "m".into()),
            ("Gwy::ZUnit", "m".into()),
            ("Gwy::ZMin", format!("{lo:e}")),
            ("Gwy::ZMax", format!("{hi:e}")),
        ] {
            enc.add_text_chunk(k.to_string(), v).map_err(perr)?;
        }
        let mut wr = enc.write_header().map_err(perr)?;
        wr.write_image_data(&data).map_err(perr)?;
    }
    Ok(out)
}

pub fn read_png16(path: &Path) -> Result<HeightMap> {
    parse_png16(&read_bytes(path)?, path)
}

pub fn parse_png16(buf: &[u8], path: &Path) -> Result<HeightMap> {
    let perr = |m: String| MetrologyError::parse(path, 0, m);
    if buf.len() < 8 || &buf[..8] != b"\x89PNG\r\n\x1a\n" {
        return Err(perr("expected the PNG signature, found other bytes".into()));
    }
    // 2 GiB cap on what the decoder may allocate; dimensions are checked below before our buffer.
    let dec = png::Decoder::new_with_limits(std::io::Cursor::new(buf), png::Limits { bytes: 1 << 31 });
    let mut rd = dec.read_info().map_err(|e| perr(format!("PNG: {e}")))?;
    let info = rd.info();
    let (nx, ny) = (info.width as usize, info.height as usize);
    check_dims(nx, ny).map_err(|e| perr(e.to_string()))?;
    if info.color_type != png::ColorType::Grayscale {
        return Err(perr(format!("expected a greyscale PNG, found {:?}", info.color_type)));
    }
    let depth = info.bit_depth;
    if depth != png::BitDepth::Sixteen && depth != png::BitDepth::Eight {
        return Err(perr(format!("expected 8- or 16-bit grey, found {depth:?}")));
    }
    let key = |k: &str| info.uncompressed_latin1_text.iter().find(|t| t.keyword == k).map(|t| t.text.trim().to_string());
    let num = |k: &str| -> Result<Option<f64>> {
        match key(k) {
            None => Ok(None),
            Some(t) => t.parse::<f64>().map(Some).map_err(|_| perr(format!("{k}: expected a number, found `{t}`"))),
        }
    };
    let unit = |k: &str| -> Result<f64> {
        match key(k) {
            None => Ok(1.0),
            Some(u) if u.is_empty() => Ok(1.0),
            Some(u) => unit_to_metres(&u).ok_or_else(|| perr(format!("{k}: expected a length unit, found `{u}`"))),
        }
    };
    let xreal = num("Gwy::XReal")?.ok_or_else(|| perr("expected a Gwy::XReal scale chunk (lateral size), found none".into()))?;
    let yreal = num("Gwy::YReal")?.unwrap_or(xreal * ny as f64 / nx as f64);
    let (sxy, sz) = (unit("Gwy::XYUnit")?, unit("Gwy::ZUnit")?);
    let zmin = num("Gwy::ZMin")?.ok_or_else(|| perr("expected Gwy::ZMin, found none".into()))?;
    let zmax = num("Gwy::ZMax")?.ok_or_else(|| perr("expected Gwy::ZMax, found none".into()))?;
    let (dx, dy) = (xreal * sxy / nx as f64, yreal * sxy / ny as f64);
    check_step("dx", dx).map_err(|e| perr(e.to_string()))?;
    check_step("dy", dy).map_err(|e| perr(e.to_string()))?;
    let mut raw = vec![0u8; rd.output_buffer_size()];
    rd.next_frame(&mut raw).map_err(|e| perr(format!("PNG data: {e}")))?;
    let (levels, bytes) = if depth == png::BitDepth::Sixteen { (65535.0, 2) } else { (255.0, 1) };
    let z: Vec<f64> = (0..nx * ny)
        .map(|k| {
            let q = if bytes == 2 { u16::from_be_bytes([raw[2 * k], raw[2 * k + 1]]) as f64 } else { raw[k] as f64 };
            (zmin + (zmax - zmin) * q / levels) * sz
        })
        .collect();
    HeightMap::new(nx, ny, dx, dy, z).map_err(|e| perr(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip_within_one_grey_level() {
        let m = HeightMap::from_fn(33, 20, 2e-9, 3e-9, |x, y| 1e-9 * (x * 3e8).sin() + 0.1 * y).unwrap();
        let back = parse_png16(&png16_bytes(&m, "t").unwrap(), Path::new("m.png")).unwrap();
        assert_eq!((back.nx, back.ny), (33, 20));
        assert!((back.dx - 2e-9).abs() < 1e-21 && (back.dy - 3e-9).abs() < 1e-21);
        let (lo, hi) = m.z.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |a, &v| (a.0.min(v), a.1.max(v)));
        let q = (hi - lo) / 65535.0;
        for (a, b) in m.z.iter().zip(&back.z) {
            assert!((a - b).abs() <= 0.5 * q * (1.0 + 1e-9), "{a} {b}");
        }
    }

    #[test]
    fn bad_png_input() {
        let p = Path::new("x.png");
        assert!(parse_png16(b"GIF89a", p).unwrap_err().to_string().contains("PNG signature"));
        let m = HeightMap::from_fn(4, 4, 1e-9, 1e-9, |x, _| x).unwrap();
        let b = png16_bytes(&m, "t").unwrap();
        assert!(parse_png16(&b[..b.len() - 20], p).is_err());
        let mut nan = m.clone();
        nan.z[0] = f64::NAN;
        assert!(png16_bytes(&nan, "t").is_err());
    }
}
