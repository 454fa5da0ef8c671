//! Cross-tool check with the real Python packages: files atomfab writes load in ASE (`ase.io.read`) and
//! OVITO (`ovito.io.import_file`) with the same atoms, cell and positions, and files ASE writes (extxyz,
//! lammps-data) read correctly in atomfab. Needs `python3` with `pip install ase ovito`; this test fails
//! (it does not skip) when they are missing, because CI installs them.

use atomfab_core::{Cell, Species, System, UnitSystem};
use atomfab_io::{read_structure, write_structure, Format, ReadOptions};
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;

/// A triclinic two-species (Si, C) system with velocities and image flags; periodic in x and y only.
fn system() -> System {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
    let cell = Cell::new([[10.5, 0.0, 0.0], [2.75, 9.5, 0.0], [-1.5, 2.25, 12.0]], [-2.0, 1.0, 0.5], [true, true, false]).unwrap();
    let mut s = System::new(cell, UnitSystem::Metal);
    let si = s.species_named(Species::element("Si").unwrap());
    let c = s.species_named(Species::element("C").unwrap());
    for i in 0..40 {
        let f = [rng.gen::<f64>(), rng.gen::<f64>(), 0.05 + 0.9 * rng.gen::<f64>()];
        let k = s.push_atom(if i % 4 == 0 { c } else { si }, s.cell.to_cartesian(f));
        s.velocities[k] = [rng.gen_range(-3.0..3.0), rng.gen_range(-3.0..3.0), rng.gen_range(-3.0..3.0)];
        s.images[k] = [rng.gen_range(-1..=1), rng.gen_range(-1..=1), 0];
    }
    s
}

fn expectation(s: &System) -> Value {
    let unwrapped: Vec<[f64; 3]> = (0..s.len()).map(|i| s.unwrapped_position(i)).collect();
    json!({
        "natoms": s.len(),
        "cell": s.cell.vectors(),
        "origin": s.cell.origin(),
        "pbc": s.cell.pbc(),
        "positions": s.positions,
        "unwrapped": unwrapped,
        "ids": s.ids,
        "symbols": s.species_index.iter().map(|&k| s.species[k as usize].name.clone()).collect::<Vec<_>>(),
    })
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/check_ase_ovito.py")
}

fn vec3s(v: &Value) -> Vec<[f64; 3]> {
    v.as_array().unwrap().iter().map(|r| [r[0].as_f64().unwrap(), r[1].as_f64().unwrap(), r[2].as_f64().unwrap()]).collect()
}

fn assert_close(got: &[[f64; 3]], want: &[[f64; 3]], tol: f64, what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: count");
    for (i, (a, b)) in got.iter().zip(want).enumerate() {
        for d in 0..3 {
            assert!((a[d] - b[d]).abs() <= tol, "{what}[{i}][{d}]: atomfab {} vs ASE {}", a[d], b[d]);
        }
    }
}

#[test]
fn ase_and_ovito_agree_with_atomfab_both_ways() {
    let dir = tempfile::tempdir().unwrap();
    let s = system();
    let mut files = Vec::new();
    for name in ["af.xyz", "af.data", "af.dump"] {
        let p = dir.path().join(name);
        write_structure(&p, &s, None).unwrap();
        let mut exp = expectation(&s);
        if name.ends_with(".data") {
            // LAMMPS data files carry no boundary flags: read as periodic everywhere.
            exp["pbc"] = json!([true, true, true]);
        }
        std::fs::write(dir.path().join(format!("{name}.json")), exp.to_string()).unwrap();
        files.push(p);
    }
    let out = Command::new("python3").arg(script()).arg("--ase-out").arg(dir.path()).args(&files).output();
    let out = match out {
        Ok(o) => o,
        Err(e) => panic!(
            "cannot run python3 ({e}): this test needs Python 3 with `pip install ase ovito` (CI installs them in .ci/run)"
        ),
    };
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "check_ase_ovito.py failed ({}):\n{stdout}\n{stderr}\n(needs `pip install ase ovito`; CI installs them in .ci/run)",
        out.status
    );
    println!("{stdout}");

    // OVITO → atomfab: OVITO re-exported af.xyz (8 decimals) as extxyz, lammps/data and lammps/dump.
    let types: Value = serde_json::from_str(&std::fs::read_to_string(dir.path().join("ovito_types.json")).unwrap()).unwrap();
    let species_map: Vec<(u32, String)> =
        types.as_object().unwrap().iter().map(|(k, v)| (k.parse().unwrap(), v.as_str().unwrap().to_string())).collect();
    let opts = ReadOptions { species_map, ..Default::default() };
    for name in ["ovito.xyz", "ovito.data", "ovito.dump"] {
        let o = read_structure(&dir.path().join(name), None, &opts).unwrap_or_else(|e| panic!("atomfab cannot read {name} from OVITO: {e}"));
        assert_close(o.cell.vectors(), s.cell.vectors(), 1e-7, &format!("{name} cell"));
        assert_close(&[o.cell.origin()], &[s.cell.origin()], 1e-7, &format!("{name} origin"));
        assert_close(&o.positions, &s.positions, 1e-7, &format!("{name} positions"));
        assert_eq!(o.ids, s.ids, "{name} ids");
        let names = |x: &System| x.species_index.iter().map(|&k| x.species[k as usize].name.clone()).collect::<Vec<_>>();
        assert_eq!(names(&o), names(&s), "{name} species");
        if !name.ends_with(".data") {
            assert_eq!(o.cell.pbc(), s.cell.pbc(), "{name} pbc");
        }
    }

    // ASE → atomfab.
    let exp: Value = serde_json::from_str(&std::fs::read_to_string(dir.path().join("ase_expected.json")).unwrap()).unwrap();
    let positions = vec3s(&exp["positions"]);
    let cell = vec3s(&exp["cell"]);
    let symbols: Vec<String> = exp["symbols"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect();
    let vel = vec3s(&exp["velocities_angstrom_per_ps"]);
    let charges: Vec<f64> = exp["charges"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
    for (name, format) in [("ase.xyz", Format::ExtXyz), ("ase.data", Format::LammpsData)] {
        let a = read_structure(&dir.path().join(name), Some(format), &ReadOptions::default())
            .unwrap_or_else(|e| panic!("atomfab cannot read the file ASE wrote: {e}"));
        assert_eq!(a.len(), positions.len(), "{name}");
        // ASE writes extxyz positions with 8 decimals and lammps-data with 16 significant digits.
        let tol = if format == Format::ExtXyz { 1e-7 } else { 1e-10 };
        assert_close(a.cell.vectors(), &cell, tol, &format!("{name} cell"));
        assert_close(&a.positions, &positions, tol, &format!("{name} positions"));
        let names: Vec<&str> = a.species_index.iter().map(|&k| a.species[k as usize].name.as_str()).collect();
        assert_eq!(names, symbols, "{name} species");
        assert_close(&a.velocities, &vel, 1e-6, &format!("{name} velocities (Å/ps)"));
        let q = a.charges.as_ref().unwrap_or_else(|| panic!("{name}: charges missing"));
        for (x, y) in q.iter().zip(&charges) {
            assert!((x - y).abs() < 1e-7, "{name} charge {x} vs {y}");
        }
        if format == Format::ExtXyz {
            assert_eq!(a.cell.pbc(), [true, true, false]);
            let tag = a.properties.iter().find(|p| p.name == "tag_value").expect("extra column kept");
            let want: Vec<i64> = exp["tag_value"].as_array().unwrap().iter().map(|v| v.as_i64().unwrap()).collect();
            assert_eq!(tag.values, atomfab_core::PropertyValues::Int(want));
        }
    }
}
