//! One test per bad-input class per parser: each gives a one-line `FILE:LINE: expected …, found …`
//! error of the right class, never a panic.

use atomfab_io::lammps_dump::DumpReader;
use atomfab_io::{extxyz, lammps_data, read_structure, ErrorKind, Format, IoError, ReadOptions};
use atomfab_core::UnitSystem;
use std::io::Cursor;

fn xyz(text: &[u8]) -> IoError {
    extxyz::read_frames(Cursor::new(text), "in.xyz", UnitSystem::Metal)
        .find_map(Result::err)
        .expect("extxyz input should fail")
}
fn data(text: &[u8]) -> IoError {
    lammps_data::read(Cursor::new(text), "in.data", &ReadOptions::default()).expect_err("data input should fail")
}
fn dump(text: &[u8]) -> IoError {
    DumpReader::new(Cursor::new(text), "in.dump", ReadOptions::default()).find_map(Result::err).expect("dump input should fail")
}

/// Checks the class, the line and the one-line `FILE:LINE: expected …, found …` shape.
fn check(e: IoError, file: &str, kind: ErrorKind, line: usize) {
    let msg = e.to_string();
    assert_eq!(e.kind(), Some(kind), "{msg}");
    assert_eq!(e.line(), Some(line), "{msg}");
    assert!(!msg.contains('\n'), "one line: {msg}");
    let prefix = if line == 0 { format!("{file}: expected ") } else { format!("{file}:{line}: expected ") };
    assert!(msg.starts_with(&prefix) && msg.contains(", found "), "{msg}");
}

const XYZ_OK: &str = "2\nLattice=\"5 0 0 0 5 0 0 0 5\" Properties=species:S:1:pos:R:3 pbc=\"T T F\"\nSi 0 0 1\nC 1 1 2\n";

#[test]
fn extxyz_valid_baseline() {
    let f: Vec<_> = extxyz::read_frames(Cursor::new(XYZ_OK), "ok.xyz", UnitSystem::Metal).collect::<Result<_, _>>().unwrap();
    assert_eq!(f[0].system.len(), 2);
}

#[test]
fn extxyz_truncated() {
    let t = XYZ_OK.replace("C 1 1 2\n", "");
    check(xyz(t.as_bytes()), "in.xyz", ErrorKind::Truncated, 4);
}

#[test]
fn extxyz_wrong_column_count() {
    let e = xyz(XYZ_OK.replace("C 1 1 2", "C 1 1").as_bytes());
    assert!(e.to_string().contains("expected 4 columns"), "{e}");
    check(e, "in.xyz", ErrorKind::ColumnCount, 4);
}

#[test]
fn extxyz_nan_and_inf() {
    check(xyz(XYZ_OK.replace("Si 0 0 1", "Si 0 nan 1").as_bytes()), "in.xyz", ErrorKind::NonFinite, 3);
    check(xyz(XYZ_OK.replace("C 1 1 2", "C 1 1 -inf").as_bytes()), "in.xyz", ErrorKind::NonFinite, 4);
}

#[test]
fn extxyz_outside_non_periodic_box() {
    check(xyz(XYZ_OK.replace("C 1 1 2", "C 1 1 7.5").as_bytes()), "in.xyz", ErrorKind::OutsideBox, 4);
    // Along a periodic axis the same excursion is fine.
    assert!(extxyz::read_frames(Cursor::new(XYZ_OK.replace("C 1 1 2", "C 7.5 1 2")), "x", UnitSystem::Metal).all(|r| r.is_ok()));
}

#[test]
fn extxyz_unknown_element() {
    check(xyz(XYZ_OK.replace("C 1 1 2", "Qq 1 1 2").as_bytes()), "in.xyz", ErrorKind::UnknownElement, 4);
}

#[test]
fn extxyz_empty() {
    check(xyz(b""), "in.xyz", ErrorKind::Empty, 0);
    check(xyz(b"\n\n  \n"), "in.xyz", ErrorKind::Empty, 3);
}

#[test]
fn extxyz_binary_garbage() {
    check(xyz(b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe"), "in.xyz", ErrorKind::NotText, 1);
    let mut bad = XYZ_OK.as_bytes().to_vec();
    bad.splice(40..40, [0xc3u8, 0x28]);
    check(xyz(&bad), "in.xyz", ErrorKind::NotText, 2);
}

#[test]
fn extxyz_absurd_atom_count() {
    // A huge declared count must not be allocated up front: the reader runs out of lines instead.
    let t = XYZ_OK.replacen('2', "18446744073709551615", 1);
    check(xyz(t.as_bytes()), "in.xyz", ErrorKind::Truncated, 5);
    check(xyz(XYZ_OK.replacen('2', "-2", 1).as_bytes()), "in.xyz", ErrorKind::Syntax, 1);
    let t = XYZ_OK.replace("species:S:1", "species:S:99999999999");
    check(xyz(t.as_bytes()), "in.xyz", ErrorKind::BadCount, 2);
}

#[test]
fn extxyz_bad_comment_line() {
    check(xyz(XYZ_OK.replace("pbc=\"T T F\"", "pbc=\"T T").as_bytes()), "in.xyz", ErrorKind::Syntax, 2);
    check(xyz(XYZ_OK.replace("5 0 0 0 5 0 0 0 5", "5 0 0 0 5 0").as_bytes()), "in.xyz", ErrorKind::ColumnCount, 2);
}

const DATA_OK: &str = "title\n\n2 atoms\n2 atom types\n0 5 xlo xhi\n0 5 ylo yhi\n0 5 zlo zhi\n\nMasses\n\n1 28.0855\n2 12.011 # C\n\n\
Atoms # atomic\n\n1 1 0 0 1\n2 2 1 1 2\n\nVelocities\n\n1 0.1 0 0\n2 0 0.2 0\n";

#[test]
fn data_valid_baseline() {
    let s = lammps_data::read(Cursor::new(DATA_OK), "ok.data", &ReadOptions::default()).unwrap();
    assert_eq!(s.species[0].name, "Si", "named by mass");
    assert_eq!(s.species[1].name, "C", "named by comment");
    assert_eq!(s.velocities[1], [0.0, 0.2, 0.0]);
}

#[test]
fn data_truncated() {
    let t = &DATA_OK[..DATA_OK.find("2 2 1 1 2").unwrap()];
    check(data(t.as_bytes()), "in.data", ErrorKind::Truncated, 17);
    // A section cut short by the next one names the count the header declared.
    let t = DATA_OK.replace("2 2 1 1 2\n", "");
    check(data(t.as_bytes()), "in.data", ErrorKind::BadCount, 18);
}

#[test]
fn data_wrong_column_count() {
    check(data(DATA_OK.replace("2 2 1 1 2", "2 2 1 1").as_bytes()), "in.data", ErrorKind::ColumnCount, 17);
    check(data(DATA_OK.replace("2 0 0.2 0", "2 0 0.2").as_bytes()), "in.data", ErrorKind::ColumnCount, 22);
}

#[test]
fn data_nan_and_inf() {
    check(data(DATA_OK.replace("2 2 1 1 2", "2 2 1 NaN 2").as_bytes()), "in.data", ErrorKind::NonFinite, 17);
    check(data(DATA_OK.replace("0 5 ylo", "0 inf ylo").as_bytes()), "in.data", ErrorKind::NonFinite, 6);
}

#[test]
fn data_outside_box_is_allowed_because_data_files_are_periodic() {
    // LAMMPS data files carry no boundary flags; read_data remaps atoms outside a periodic box, so this
    // is valid input (the non-periodic class applies to extxyz and dumps, which say their periodicity).
    let s = lammps_data::read(Cursor::new(DATA_OK.replace("2 2 1 1 2", "2 2 1 1 12")), "x", &ReadOptions::default()).unwrap();
    assert_eq!(s.positions[1][2], 12.0);
}

#[test]
fn data_unknown_element() {
    let t = DATA_OK.replace("1 28.0855", "1 17.3");
    let e = data(t.as_bytes());
    assert!(e.to_string().contains("atom type 1"), "{e}");
    check(e, "in.data", ErrorKind::UnknownElement, 12);
    let opts = ReadOptions { species_map: vec![(2, "Xx".into())], ..Default::default() };
    let e = lammps_data::read(Cursor::new(DATA_OK), "in.data", &opts).unwrap_err();
    check(e, "in.data", ErrorKind::UnknownElement, 12);
}

#[test]
fn data_empty() {
    check(data(b""), "in.data", ErrorKind::Empty, 0);
    check(data(b"\n  \n\n"), "in.data", ErrorKind::Empty, 3);
}

#[test]
fn data_binary_garbage() {
    check(data(b"\x7fELF\x02\x01\x01\x00\x00\x00\n\x00\xff"), "in.data", ErrorKind::NotText, 2);
}

#[test]
fn data_absurd_counts() {
    let t = DATA_OK.replace("2 atoms", "9000000000000000000 atoms");
    check(data(t.as_bytes()), "in.data", ErrorKind::BadCount, 19);
    check(data(DATA_OK.replace("2 atom types", "4294967296 atom types").as_bytes()), "in.data", ErrorKind::BadCount, 9);
    check(data(DATA_OK.replace("2 atoms", "-2 atoms").as_bytes()), "in.data", ErrorKind::Syntax, 3);
}

#[test]
fn data_bad_types_and_styles() {
    check(data(DATA_OK.replace("2 2 1 1 2", "2 3 1 1 2").as_bytes()), "in.data", ErrorKind::Syntax, 17);
    check(data(DATA_OK.replace("Atoms # atomic", "Atoms # full").as_bytes()), "in.data", ErrorKind::Syntax, 14);
    check(data(DATA_OK.replace("2 2 1 1 2", "1 2 1 1 2").as_bytes()), "in.data", ErrorKind::Syntax, 17);
}

const DUMP_OK: &str = "ITEM: TIMESTEP\n10\nITEM: NUMBER OF ATOMS\n2\nITEM: BOX BOUNDS pp pp ff\n0 5\n0 5\n0 5\n\
ITEM: ATOMS id type element x y z c_pe\n1 1 Si 0 0 1 -4.5\n2 2 C 1 1 2 -7\n";

#[test]
fn dump_valid_baseline() {
    let f = DumpReader::new(Cursor::new(DUMP_OK), "ok.dump", ReadOptions::default()).next().unwrap().unwrap();
    assert_eq!(f.timestep, 10);
    assert_eq!(f.system.species[1].name, "C");
    assert_eq!(f.system.properties[0].name, "c_pe");
    assert_eq!(f.system.cell.pbc(), [true, true, false]);
}

#[test]
fn dump_truncated() {
    check(dump(DUMP_OK.replace("2 2 C 1 1 2 -7\n", "").as_bytes()), "in.dump", ErrorKind::Truncated, 11);
    let cut: String = DUMP_OK.split_inclusive('\n').take(6).collect();
    check(dump(cut.as_bytes()), "in.dump", ErrorKind::Truncated, 7);
    // A second frame cut off in its header.
    let t = format!("{DUMP_OK}ITEM: TIMESTEP\n20\nITEM: NUMBER OF ATOMS\n");
    check(dump(t.as_bytes()), "in.dump", ErrorKind::Truncated, 15);
}

#[test]
fn dump_wrong_column_count() {
    check(dump(DUMP_OK.replace("2 2 C 1 1 2 -7", "2 2 C 1 1 2").as_bytes()), "in.dump", ErrorKind::ColumnCount, 11);
    check(dump(DUMP_OK.replace("0 5\n0 5\n0 5", "0 5\n0 5 1\n0 5").as_bytes()), "in.dump", ErrorKind::ColumnCount, 7);
}

#[test]
fn dump_nan_and_inf() {
    check(dump(DUMP_OK.replace("0 0 1 -4.5", "0 0 nan -4.5").as_bytes()), "in.dump", ErrorKind::NonFinite, 10);
    check(dump(DUMP_OK.replace("-7", "inf").as_bytes()), "in.dump", ErrorKind::NonFinite, 11);
}

#[test]
fn dump_outside_non_periodic_box() {
    check(dump(DUMP_OK.replace("1 1 2 -7", "1 1 5.5 -7").as_bytes()), "in.dump", ErrorKind::OutsideBox, 11);
}

#[test]
fn dump_unknown_element() {
    check(dump(DUMP_OK.replace("2 2 C", "2 2 Cx").as_bytes()), "in.dump", ErrorKind::UnknownElement, 9);
    // Without an element column or type map, metal-unit types cannot be named.
    let t = DUMP_OK.replace(" element", "").replace(" Si", "").replace(" C ", " ");
    check(dump(t.as_bytes()), "in.dump", ErrorKind::UnknownElement, 9);
}

#[test]
fn dump_empty() {
    check(dump(b""), "in.dump", ErrorKind::Empty, 0);
}

#[test]
fn dump_binary_garbage() {
    check(dump(b"ITEM: TIMESTEP\n\xde\xad\xbe\xef\n"), "in.dump", ErrorKind::NotText, 2);
    check(dump(b"\x00\x01\x02garbage"), "in.dump", ErrorKind::Syntax, 1);
}

#[test]
fn dump_absurd_atom_count() {
    check(dump(DUMP_OK.replace("\n2\nITEM: BOX", "\n99999999999999999\nITEM: BOX").as_bytes()), "in.dump", ErrorKind::Truncated, 12);
    check(dump(DUMP_OK.replace("\n2\nITEM: BOX", "\n-1\nITEM: BOX").as_bytes()), "in.dump", ErrorKind::BadCount, 4);
}

#[test]
fn dump_missing_position_columns() {
    check(dump(DUMP_OK.replace(" x y z", " x y").as_bytes()), "in.dump", ErrorKind::Syntax, 9);
}

#[test]
fn errors_name_the_file_path() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("broken.xyz");
    std::fs::write(&p, "3\n\nSi 0 0 0\n").unwrap();
    let e = read_structure(&p, None, &ReadOptions::default()).unwrap_err();
    check(e, &p.display().to_string(), ErrorKind::Truncated, 4);
    let missing = dir.path().join("missing.data");
    let e = read_structure(&missing, None, &ReadOptions::default()).unwrap_err();
    assert!(e.to_string().starts_with(&format!("{}: cannot open", missing.display())), "{e}");
    let e = read_structure(&dir.path().join("a.unknown"), None, &ReadOptions::default()).unwrap_err();
    assert!(matches!(e, IoError::UnknownFormat { .. }), "{e}");
    let p = dir.path().join("empty.dump");
    std::fs::write(&p, "").unwrap();
    let e = read_structure(&p, Some(Format::LammpsDump), &ReadOptions::default()).unwrap_err();
    assert_eq!(e.kind(), Some(ErrorKind::Empty));
}

#[test]
fn extxyz_repeated_standard_column() {
    // Found by cargo fuzz: a second pos:R:3 used to desynchronise the per-atom arrays.
    let t = XYZ_OK.replace("Properties=species:S:1:pos:R:3", "Properties=species:S:1:pos:R:3:pos:R:3");
    check(xyz(t.as_bytes()), "in.xyz", ErrorKind::Syntax, 2);
}
