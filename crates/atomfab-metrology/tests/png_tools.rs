//! 16-bit PNG written by atomfab, checked with Pillow: fixtures/atomfab_written16.png is produced by this
//! test (ATOMFAB_REGEN_FIXTURES=1 rewrites it) and fixtures/verify_atomfab_png.py records what Pillow
//! reads (mode, size, grey levels, Gwy:: text keys) in atomfab_written16_check.json.

use atomfab_metrology::io::png16::{png16_bytes, read_png16};
use atomfab_metrology::HeightMap;
use serde_json::Value;
use std::path::PathBuf;

#[test]
fn atomfab_png16_is_read_by_pillow() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let map = HeightMap::from_fn(20, 12, 0.5e-9, 0.5e-9, |x, y| 0.3 * x - 0.1 * y).unwrap();
    let bytes = png16_bytes(&map, "atomfab png").unwrap();
    let path = dir.join("atomfab_written16.png");
    if std::env::var_os("ATOMFAB_REGEN_FIXTURES").is_some() {
        std::fs::write(&path, &bytes).unwrap();
    }
    assert_eq!(std::fs::read(&path).unwrap(), bytes, "writer output changed: regenerate and re-verify");
    let check: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("atomfab_written16_check.json")).unwrap()).unwrap();
    assert_eq!(check["mode"], "I;16");
    assert_eq!(check["size"], serde_json::json!([20, 12]));
    assert_eq!(check["text"]["Gwy::Title"], "atomfab png");
    let zmin: f64 = check["text"]["Gwy::ZMin"].as_str().unwrap().parse().unwrap();
    let zmax: f64 = check["text"]["Gwy::ZMax"].as_str().unwrap().parse().unwrap();
    let grey: Vec<f64> = check["grey"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
    let q = (zmax - zmin) / 65535.0;
    for (k, g) in grey.iter().enumerate() {
        let z = zmin + g * q;
        assert!((z - map.z[k]).abs() <= 0.5 * q * (1.0 + 1e-9), "pixel {k}");
    }
    let back = read_png16(&path).unwrap();
    assert!((back.dx - 0.5e-9).abs() < 1e-22);
}
