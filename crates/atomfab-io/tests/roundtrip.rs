//! Write → read round trips for every format: positions to 1e-12 Å, cell, species, ids, velocities,
//! charges, image flags and extra properties.

use atomfab_core::{Cell, Property, PropertyValues, Species, System, UnitSystem};
use atomfab_io::lammps_dump::{DumpReader, DumpFrame};
use atomfab_io::{extxyz, lammps_data, lammps_dump, read_structure, write_structure, Format, ReadOptions};
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use std::io::Cursor;

/// A triclinic (LAMMPS-form) two-species system with every per-atom array filled from `seed`.
fn sample(seed: u64, n: usize, pbc: [bool; 3]) -> System {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let cell = Cell::new([[12.5, 0.0, 0.0], [3.25, 11.0, 0.0], [-1.5, 2.0, 9.75]], [-1.0, 0.5, 2.0], pbc).unwrap();
    let mut s = System::new(cell, UnitSystem::Metal);
    let si = s.species_named(Species::element("Si").unwrap());
    let c = s.species_named(Species::element("C").unwrap());
    for i in 0..n {
        let f = [rng.gen::<f64>(), rng.gen::<f64>(), rng.gen::<f64>()];
        let r = s.cell.to_cartesian(f);
        let k = s.push_atom_with_id(if i % 3 == 0 { c } else { si }, r, 10 + 2 * i as u64);
        s.velocities[k] = [rng.gen_range(-5.0..5.0), rng.gen_range(-5.0..5.0), rng.gen_range(-5.0..5.0)];
        s.forces[k] = [rng.gen_range(-1.0..1.0), 1e-7 * rng.gen::<f64>(), rng.gen_range(-1.0..1.0)];
        for (img, periodic) in s.images[k].iter_mut().zip(pbc) {
            *img = if periodic { rng.gen_range(-2..=2) } else { 0 };
        }
    }
    s.charges = Some((0..n).map(|i| if i % 3 == 0 { -1.2 } else { 0.6 + 1e-9 * i as f64 }).collect());
    s.properties.push(Property {
        name: "c_stress".into(),
        components: 3,
        values: PropertyValues::Real((0..3 * n).map(|_| rng.gen_range(-1e5..1e5)).collect()),
    });
    s.properties.push(Property { name: "tag".into(), components: 1, values: PropertyValues::Int((0..n as i64).map(|i| i * 7 - 3).collect()) });
    s
}

fn assert_close(a: &[[f64; 3]], b: &[[f64; 3]], tol: f64, what: &str) {
    assert_eq!(a.len(), b.len(), "{what}: lengths");
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        for d in 0..3 {
            assert!((x[d] - y[d]).abs() <= tol, "{what}[{i}][{d}]: {} vs {}", x[d], y[d]);
        }
    }
}

fn assert_cell_close(a: &Cell, b: &Cell, tol: f64) {
    assert_close(a.vectors(), b.vectors(), tol, "cell vectors");
    assert_close(&[a.origin()], &[b.origin()], tol, "cell origin");
    assert_eq!(a.pbc(), b.pbc());
}

/// Everything equal except the order of the species table (extxyz lists species in order of appearance).
fn assert_same(a: &System, b: &System) {
    assert_eq!(a.cell, b.cell);
    assert_eq!(a.units, b.units);
    assert_eq!(species_names(a), species_names(b));
    assert!(a.positions == b.positions, "positions differ");
    assert!(a.velocities == b.velocities, "velocities differ");
    assert!(a.forces == b.forces, "forces differ");
    assert_eq!(a.ids, b.ids);
    assert_eq!(a.images, b.images);
    assert!(a.charges == b.charges, "charges differ");
    assert!(a.properties == b.properties, "properties differ");
    for s in &a.species {
        assert!(b.species.contains(s), "species {} differs", s.name);
    }
}

fn species_names(s: &System) -> Vec<String> {
    s.species_index.iter().map(|&k| s.species[k as usize].name.clone()).collect()
}

#[test]
fn extxyz_round_trip_is_exact() {
    let mut s = sample(1, 50, [true, true, false]);
    s.properties.push(Property { name: "fixed".into(), components: 2, values: PropertyValues::Bool((0..100).map(|i| i % 3 == 0).collect()) });
    s.properties.push(Property { name: "label".into(), components: 1, values: PropertyValues::Str((0..50).map(|i| format!("a{i}")).collect()) });
    let mut buf = Vec::new();
    let info = vec![("energy".to_string(), "-12.5".to_string()), ("comment".to_string(), "two words \"quoted\"".to_string())];
    extxyz::write_frame(&mut buf, &s, &info).unwrap();
    extxyz::write_frame(&mut buf, &s, &[]).unwrap();
    let frames: Vec<_> = extxyz::read_frames(Cursor::new(&buf), "mem.xyz", UnitSystem::Metal).collect::<Result<_, _>>().unwrap();
    assert_eq!(frames.len(), 2);
    // Shortest round-trip formatting makes every number bit-identical.
    for f in &frames {
        assert_same(&f.system, &s);
    }
    assert_eq!(frames[0].info, info);
}

#[test]
fn lammps_data_round_trip_charge_style() {
    let s = sample(2, 40, [true; 3]);
    let mut buf = Vec::new();
    lammps_data::write(&mut buf, &s).unwrap();
    let text = String::from_utf8(buf.clone()).unwrap();
    assert!(text.contains("Atoms # charge") && text.contains("xy xz yz") && text.contains("# Si"));
    let back = lammps_data::read(Cursor::new(&buf), "mem.data", &ReadOptions::default()).unwrap();
    assert_eq!(back.positions, s.positions);
    assert_eq!(back.velocities, s.velocities);
    assert_eq!(back.ids, s.ids);
    assert_eq!(back.images, s.images);
    assert_eq!(back.charges, s.charges);
    assert_eq!(back.cell, s.cell);
    assert_eq!(back.species, s.species);
    assert_eq!(species_names(&back), species_names(&s));
}

#[test]
fn lammps_data_round_trip_atomic_orthogonal_lj() {
    let cell = Cell::orthorhombic([0.0; 3], [5.0, 6.0, 7.0], [true; 3]).unwrap();
    let mut s = System::new(cell, UnitSystem::Lj);
    let a = s.species_named(Species { name: "1".into(), element: None, mass: 1.0 });
    let b = s.species_named(Species { name: "2".into(), element: None, mass: 2.5 });
    for i in 0..10 {
        s.push_atom(if i < 6 { a } else { b }, [0.4 * i as f64, 0.5, 6.9]);
    }
    let mut buf = Vec::new();
    lammps_data::write(&mut buf, &s).unwrap();
    let text = String::from_utf8(buf.clone()).unwrap();
    assert!(text.contains("Atoms # atomic") && !text.contains("xy xz yz") && !text.contains("Velocities"));
    let opts = ReadOptions { units: UnitSystem::Lj, ..Default::default() };
    let back = lammps_data::read(Cursor::new(&buf), "mem.data", &opts).unwrap();
    assert!(back == s, "lj data round trip differs");
}

#[test]
fn lammps_data_rotates_a_general_cell_into_lammps_form() {
    let cell = Cell::new([[0.0, 6.0, 0.0], [-5.0, 1.0, 0.0], [1.0, 1.0, 7.0]], [0.0; 3], [true; 3]).unwrap();
    let mut s = System::new(cell.clone(), UnitSystem::Metal);
    let cu = s.species_named(Species::element("Cu").unwrap());
    for f in [[0.1, 0.2, 0.3], [0.5, 0.5, 0.5], [0.9, 0.05, 0.7]] {
        s.push_atom(cu, cell.to_cartesian(f));
    }
    let mut buf = Vec::new();
    lammps_data::write(&mut buf, &s).unwrap();
    let back = lammps_data::read(Cursor::new(&buf), "mem.data", &ReadOptions::default()).unwrap();
    assert!((back.cell.volume() - cell.volume()).abs() < 1e-9);
    for (a, b) in back.cell.lengths().iter().zip(cell.lengths()) {
        assert!((a - b).abs() < 1e-12);
    }
    // Same fractional coordinates after the rotation.
    for i in 0..3 {
        let (fa, fb) = (back.cell.to_fractional(back.positions[i]), cell.to_fractional(s.positions[i]));
        assert_close(&[fa], &[fb], 1e-12, "fractional");
    }
}

#[test]
fn lammps_dump_round_trip_all_coordinate_kinds() {
    let s = sample(3, 60, [true, false, true]);
    let base = ["id", "type", "element"];
    let tail = ["ix", "iy", "iz", "vx", "vy", "vz", "fx", "fy", "fz", "q", "c_stress[1]", "c_stress[2]", "c_stress[3]", "tag"];
    for pos in [["x", "y", "z"], ["xs", "ys", "zs"], ["xu", "yu", "zu"], ["xsu", "ysu", "zsu"]] {
        let cols: Vec<&str> = base.iter().chain(pos.iter()).chain(tail.iter()).copied().collect();
        let mut buf = Vec::new();
        lammps_dump::write_frame(&mut buf, &s, 42, &cols).unwrap();
        let f: DumpFrame = DumpReader::new(Cursor::new(&buf), "mem.dump", ReadOptions::default()).next().unwrap().unwrap();
        assert_eq!(f.timestep, 42);
        let b = &f.system;
        assert_cell_close(&b.cell, &s.cell, 1e-12);
        assert_close(&b.positions, &s.positions, 1e-12, pos[0]);
        assert_close(&b.velocities, &s.velocities, 0.0, "velocities");
        assert_close(&b.forces, &s.forces, 0.0, "forces");
        assert_eq!(b.images, s.images, "{}", pos[0]);
        assert_eq!(b.ids, s.ids);
        assert_eq!(b.charges, s.charges);
        assert_eq!(species_names(b), species_names(&s));
        assert_eq!(b.properties, s.properties);
    }
}

#[test]
fn lammps_dump_wraps_unwrapped_coordinates_without_image_columns() {
    let s = sample(4, 30, [true; 3]);
    let mut buf = Vec::new();
    lammps_dump::write_frame(&mut buf, &s, 0, &["id", "type", "xu", "yu", "zu"]).unwrap();
    let opts = ReadOptions { species_map: vec![(1, "Si".into()), (2, "C".into())], ..Default::default() };
    let b = DumpReader::new(Cursor::new(&buf), "mem.dump", opts).next().unwrap().unwrap().system;
    assert_close(&b.positions, &s.positions, 1e-11, "wrapped positions");
    assert_eq!(b.images, s.images);
    assert_eq!(species_names(&b), species_names(&s));
}

#[test]
fn lammps_dump_streams_frames_and_skips() {
    let mut buf = Vec::new();
    let mut systems = Vec::new();
    for k in 0..4 {
        let s = sample(10 + k, 20 + k as usize, [true; 3]);
        lammps_dump::write_frame(&mut buf, &s, 100 * k, &[]).unwrap();
        systems.push(s);
    }
    let mut r = DumpReader::new(Cursor::new(&buf), "mem.dump", ReadOptions::default());
    assert_eq!(r.skip_frame().unwrap(), Some(0));
    let f1 = r.next().unwrap().unwrap();
    assert_eq!(f1.timestep, 100);
    assert_close(&f1.system.positions, &systems[1].positions, 1e-12, "frame 1");
    assert_eq!(r.skip_frame().unwrap(), Some(200));
    let f3 = r.next().unwrap().unwrap();
    assert_eq!(f3.system.len(), 23);
    assert!(r.next().is_none());
}

#[test]
fn files_by_extension_and_atomically() {
    let dir = tempfile::tempdir().unwrap();
    let s = sample(5, 25, [true; 3]);
    for name in ["a.xyz", "b.extxyz", "c.data", "data.d", "d.lmp", "e.dump", "f.lammpstrj", "dump.run1"] {
        let p = dir.path().join(name);
        write_structure(&p, &s, None).unwrap();
        let back = read_structure(&p, None, &ReadOptions::default()).unwrap();
        assert_close(&back.positions, &s.positions, 1e-12, name);
        assert_eq!(back.ids, s.ids, "{name}");
        assert_eq!(species_names(&back), species_names(&s), "{name}");
        assert_close(&back.velocities, &s.velocities, 1e-12, name);
    }
    // Only the written files remain: no temporary files left behind.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 8);
    assert_eq!(Format::from_name("lammps-dump"), Some(Format::LammpsDump));
    assert_eq!(Format::from_name("data"), Some(Format::LammpsData));
    assert_eq!(Format::from_name("xyz"), Some(Format::ExtXyz));
    assert_eq!(Format::from_path(std::path::Path::new("x.pdb")), None);
    let e = write_structure(&dir.path().join("x.pdb"), &s, None).unwrap_err();
    assert!(e.to_string().contains("x.pdb"), "{e}");
}

#[test]
fn lammps_dump_column_groups_and_odd_names() {
    // Found by cargo fuzz: a column named just `[1]` became a property with an empty name.
    let text = "ITEM: TIMESTEP\n1\nITEM: NUMBER OF ATOMS\n2\nITEM: BOX BOUNDS pp pp pp\n0 5\n0 5\n0 5\n\
ITEM: ATOMS id type x y z [1] c_s[1] c_s[2] c_s[3] d[1] v_e[2]\n1 1 0 0 0 7 1 2 3 4 5\n2 1 1 1 1 8 1.5 2 3 4 5\n";
    let opts = ReadOptions { species_map: vec![(1, "Cu".into())], ..Default::default() };
    let s = DumpReader::new(Cursor::new(text), "g.dump", opts.clone()).next().unwrap().unwrap().system;
    let names: Vec<(&str, usize)> = s.properties.iter().map(|p| (p.name.as_str(), p.components)).collect();
    assert_eq!(names, [("[1]", 1), ("c_s", 3), ("d[1]", 1), ("v_e[2]", 1)]);
    assert_eq!(s.properties[1].values, PropertyValues::Real(vec![1.0, 2.0, 3.0, 1.5, 2.0, 3.0]));
    assert_eq!(s.properties[0].values, PropertyValues::Int(vec![7, 8]));
    let mut buf = Vec::new();
    lammps_dump::write_frame(&mut buf, &s, 1, &[]).unwrap();
    let back = DumpReader::new(Cursor::new(&buf), "g2.dump", opts).next().unwrap().unwrap().system;
    assert_eq!(back.properties, s.properties);
}

#[test]
fn left_handed_cells_are_mirrored_into_lammps_form() {
    // Found by cargo fuzz: LAMMPS boxes are right-handed, so a left-handed cell cannot be rotated into one;
    // atoms are carried over by fractional coordinates, which keeps them inside the written box.
    let cell = Cell::new([[0.0, 5.0, 0.0], [1.0, 5.0, 0.0], [0.0, 1.0, 5.0]], [0.5, 0.0, 0.0], [true, true, false]).unwrap();
    let mut s = System::new(cell.clone(), UnitSystem::Metal);
    let cu = s.species_named(Species::element("Cu").unwrap());
    for f in [[0.1, 0.2, 0.3], [0.5, 0.5, 0.99], [0.9, 0.05, 0.01]] {
        s.push_atom(cu, cell.to_cartesian(f));
    }
    let mut data = Vec::new();
    lammps_data::write(&mut data, &s).unwrap();
    let mut dump = Vec::new();
    lammps_dump::write_frame(&mut dump, &s, 0, &[]).unwrap();
    let a = lammps_data::read(Cursor::new(&data), "l.data", &ReadOptions::default()).unwrap();
    let b = DumpReader::new(Cursor::new(&dump), "l.dump", ReadOptions::default()).next().unwrap().unwrap().system;
    for back in [&a, &b] {
        assert!((back.cell.volume() - cell.volume()).abs() < 1e-9);
        for i in 0..3 {
            let (fa, fb) = (back.cell.to_fractional(back.positions[i]), cell.to_fractional(s.positions[i]));
            assert_close(&[fa], &[fb], 1e-12, "fractional");
        }
    }
    assert_eq!(b.cell.pbc(), [true, true, false]);
}

#[test]
fn writers_grow_non_periodic_axes_to_hold_escaped_atoms() {
    let cell = Cell::orthorhombic([0.0; 3], [10.0; 3], [true, true, false]).unwrap();
    let mut s = System::new(cell, UnitSystem::Metal);
    let si = s.species_named(Species::element("Si").unwrap());
    s.push_atom(si, [1.0, 2.0, 3.0]);
    s.push_atom(si, [4.0, 12.0, 14.5]); // sputtered above the slab; y is periodic and stays as it is
    s.push_atom(si, [5.0, 5.0, -2.0]);
    for format in [Format::ExtXyz, Format::LammpsDump] {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("escaped");
        write_structure(&p, &s, Some(format)).unwrap();
        let back = read_structure(&p, Some(format), &ReadOptions::default()).unwrap();
        assert_close(&back.positions, &s.positions, 1e-12, format.name());
        assert_close(&[back.cell.origin()], &[[0.0, 0.0, -2.0]], 1e-12, "grown origin");
        assert_close(&[back.cell.lengths()], &[[10.0, 10.0, 16.5]], 1e-12, "grown lengths");
    }
}
