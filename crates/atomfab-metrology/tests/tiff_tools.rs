//! TIFF checked against the reference library tifffile (pip install tifffile):
//! - fixtures/tifffile_float32{,_be}.tif (little/big-endian) are written by fixtures/make_tiff_fixtures.py (values and pixel size
//!   recorded next to it in tifffile_float32.json); we must read it back exactly.
//! - fixtures/atomfab_written16.tif is produced by this test (ATOMFAB_REGEN_FIXTURES=1 rewrites it) and
//!   fixtures/verify_atomfab_tiff.py records what tifffile reads (dtype, shape, raw uint16, description)
//!   in atomfab_written16_tiff_check.json.

use atomfab_metrology::io::tiff16::{read_tiff, tiff16_bytes};
use atomfab_metrology::io::read_any;
use atomfab_metrology::HeightMap;
use serde_json::Value;
use std::path::PathBuf;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn json(name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(fixtures().join(name)).unwrap()).unwrap()
}

#[test]
fn tifffile_float32_is_read_exactly() {
    let check = json("tifffile_float32.json");
    for file in ["tifffile_float32.tif", "tifffile_float32_be.tif"] {
        check_float(&check, &read_any(&fixtures().join(file)).unwrap());
    }
}

fn check_float(check: &Value, m: &HeightMap) {
    let shape: Vec<usize> = check["shape"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as usize).collect();
    assert_eq!((m.ny, m.nx), (shape[0], shape[1]));
    // The description says unit=nm zunit=nm: dx in nm, heights in nm.
    assert_eq!(m.dx, check["dx_nm"].as_f64().unwrap() * 1e-9);
    assert_eq!(m.dy, check["dy_nm"].as_f64().unwrap() * 1e-9);
    let vals: Vec<f64> = check["values"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
    assert_eq!(vals.len(), m.z.len());
    for (k, (&v, &z)) in vals.iter().zip(&m.z).enumerate() {
        // float32 → f64 is exact; only the nm → m factor is applied.
        assert_eq!(z, v * 1e-9, "pixel {k}");
    }
}

#[test]
fn atomfab_tiff16_is_read_by_tifffile() {
    let map = HeightMap::from_fn(20, 12, 0.5e-9, 0.25e-9, |x, y| 0.3 * x - 0.1 * y).unwrap();
    let bytes = tiff16_bytes(&map).unwrap();
    let path = fixtures().join("atomfab_written16.tif");
    if std::env::var_os("ATOMFAB_REGEN_FIXTURES").is_some() {
        std::fs::write(&path, &bytes).unwrap();
    }
    assert_eq!(std::fs::read(&path).unwrap(), bytes, "writer output changed: regenerate and re-verify");
    let check = json("atomfab_written16_tiff_check.json");
    assert_eq!(check["dtype"], "uint16");
    assert_eq!(check["shape"], serde_json::json!([12, 20]));
    let raw: Vec<f64> = check["raw"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
    let desc = check["description"].as_str().unwrap();
    let key = |k: &str| -> f64 {
        desc.lines().find_map(|l| l.strip_prefix(&format!("{k}="))).unwrap().parse().unwrap()
    };
    let (off, step) = (key("zoffset"), key("zstep"));
    assert_eq!((key("dx"), key("dy")), (0.5e-9, 0.25e-9));
    for (k, g) in raw.iter().enumerate() {
        assert!((off + g * step - map.z[k]).abs() <= 0.5 * step * (1.0 + 1e-9), "pixel {k}");
    }
    // Our reader agrees with tifffile's raw levels exactly.
    let back = read_tiff(&path).unwrap();
    for (k, g) in raw.iter().enumerate() {
        assert_eq!(back.z[k], off + step * g, "pixel {k}");
    }
    assert_eq!((back.dx, back.dy), (0.5e-9, 0.25e-9));
}
