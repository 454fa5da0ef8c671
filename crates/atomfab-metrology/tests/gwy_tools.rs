//! `.gwy` written by atomfab, checked by other readers: fixtures/atomfab_written.gwy is produced by this
//! test (ATOMFAB_REGEN_FIXTURES=1 rewrites it), then fixtures/verify_atomfab_gwy.py reads it with gwyfile
//! and renders it with Gwyddion's own `gwyddion-thumbnailer`, recording what they saw in
//! atomfab_written_check.json, which this test compares with the map.

use atomfab_metrology::io::gwy::{gwy_bytes, read_gwy, read_gwy_with_mask_as_missing};
use atomfab_metrology::HeightMap;
use serde_json::Value;
use std::path::PathBuf;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// A ramp along x (so a thumbnail brightens left to right) with a ripple and one missing point.
pub fn reference_map() -> HeightMap {
    let mut m = HeightMap::from_fn(24, 16, 0.5e-9, 0.25e-9, |x, y| 0.2 * x + 0.1 * y + 1e-11 * (y * 4e9).sin()).unwrap();
    m.z[2 * 24 + 3] = f64::NAN;
    m
}

#[test]
fn atomfab_gwy_is_read_by_gwyfile_and_gwyddion() {
    let map = reference_map();
    let bytes = gwy_bytes(&map, "atomfab reference").unwrap();
    let path = fixtures().join("atomfab_written.gwy");
    if std::env::var_os("ATOMFAB_REGEN_FIXTURES").is_some() {
        std::fs::write(&path, &bytes).unwrap();
    }
    assert_eq!(std::fs::read(&path).unwrap(), bytes, "writer output changed: regenerate and re-verify the fixture");

    let check: Value =
        serde_json::from_str(&std::fs::read_to_string(fixtures().join("atomfab_written_check.json")).unwrap()).unwrap();
    assert_eq!(check["gwyfile"]["title"], "atomfab reference");
    assert_eq!(check["gwyfile"]["xres"], 24);
    assert_eq!(check["gwyfile"]["yres"], 16);
    assert_eq!(check["gwyfile"]["si_unit_xy"], "m");
    assert_eq!(check["gwyfile"]["si_unit_z"], "m");
    assert_eq!(check["gwyfile"]["xreal"].as_f64().unwrap(), 24.0 * 0.5e-9);
    let data: Vec<f64> = check["gwyfile"]["data"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
    let mask: Vec<f64> = check["gwyfile"]["mask"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
    let mean = map.mean();
    for k in 0..map.z.len() {
        if map.z[k].is_nan() {
            assert_eq!((data[k], mask[k]), (mean, 1.0));
        } else {
            assert_eq!((data[k], mask[k]), (map.z[k], 0.0), "point {k}");
        }
    }
    // Gwyddion itself deserialised the file and drew it: the ramp must brighten left to right.
    assert_eq!(check["gwyddion_thumbnailer"]["exit_code"], 0);
    let cols: Vec<f64> = check["gwyddion_thumbnailer"]["column_luma"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
    assert!(cols.first().unwrap() + 50.0 < *cols.last().unwrap(), "{cols:?}");

    // And our reader gets the map back, the mask turning into the missing point again.
    let back = read_gwy_with_mask_as_missing(&path).unwrap();
    assert_eq!((back.nx, back.ny), (24, 16));
    for (a, b) in back.z.iter().zip(&map.z) {
        assert!(a == b || (a.is_nan() && b.is_nan()));
    }
    assert!(read_gwy(&path).unwrap().mask.is_some());
}

#[test]
fn bad_gwy_files_give_one_line_errors() {
    let dir = tempfile::tempdir().unwrap();
    let good = std::fs::read(fixtures().join("rough.gwy")).unwrap();
    let p = dir.path().join("t.gwy");
    for cut in [2usize, 100, 5000, good.len() - 3] {
        std::fs::write(&p, &good[..cut]).unwrap();
        let e = read_gwy(&p).unwrap_err().to_string();
        assert!(e.contains("t.gwy:0: byte") && !e.contains('\n'), "{e}");
    }
    std::fs::write(&p, b"GWYQ....").unwrap();
    assert!(read_gwy(&p).unwrap_err().to_string().contains("expected magic `GWYP`"));
    // Absurd declared sizes are refused before anything is allocated: 10⁹ × 10⁹ pixels, and a data
    // array claiming 2³² − 16 doubles.
    let patch = |key: &[u8], value: [u8; 4]| {
        let mut b = good.clone();
        let k = b.windows(key.len()).position(|w| w == key).unwrap() + key.len();
        b[k..k + 4].copy_from_slice(&value);
        b
    };
    let mut huge = patch(b"xres\0i", 1_000_000_000i32.to_le_bytes());
    let k = huge.windows(6).position(|w| w == b"yres\0i").unwrap() + 6;
    huge[k..k + 4].copy_from_slice(&1_000_000_000i32.to_le_bytes());
    std::fs::write(&p, &huge).unwrap();
    let e = read_gwy(&p).unwrap_err().to_string();
    assert!(e.contains("1000000000 x 1000000000") && e.contains("at most"), "{e}");
    std::fs::write(&p, patch(b"data\0D", 0xFFFF_FFF0u32.to_le_bytes())).unwrap();
    let e = read_gwy(&p).unwrap_err().to_string();
    assert!(e.contains("expected 4294967280 data elements") && !e.contains('\n'), "{e}");
    // A missing file: one line, the OS reason once.
    let e = read_gwy(&dir.path().join("none.gwy")).unwrap_err().to_string();
    assert_eq!(e.matches("os error").count(), 1, "{e}");
}
