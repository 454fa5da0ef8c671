//! A bounded, in-CI relative of the cargo-fuzz targets (fuzz/): random bytes and mutated valid files
//! never make a parser panic, and whatever parses is a valid `System`.

use atomfab_core::UnitSystem;
use atomfab_io::lammps_dump::DumpReader;
use atomfab_io::{extxyz, lammps_data, ReadOptions};
use proptest::prelude::*;

const XYZ: &str = include_str!("../../../fuzz/seeds/extxyz/props.xyz");
const DATA: &[u8] = include_bytes!("../../../fuzz/seeds/lammps_data/charge_tri.data");
const DUMP: &[u8] = include_bytes!("../../../fuzz/seeds/lammps_dump/tri.dump");

fn parse_all(bytes: &[u8]) {
    for f in extxyz::read_frames(bytes, "p.xyz", UnitSystem::Metal).take(8) {
        match f {
            Ok(f) => f.system.validate().expect("parsed extxyz is valid"),
            Err(e) => assert!(!e.to_string().contains('\n')),
        }
    }
    for units in [UnitSystem::Metal, UnitSystem::Lj] {
        let opts = ReadOptions { units, ..Default::default() };
        match lammps_data::read(bytes, "p.data", &opts) {
            Ok(s) => s.validate().expect("parsed data is valid"),
            Err(e) => assert!(!e.to_string().contains('\n')),
        }
        for f in DumpReader::new(bytes, "p.dump", opts).take(8) {
            match f {
                Ok(f) => f.system.validate().expect("parsed dump is valid"),
                Err(e) => assert!(!e.to_string().contains('\n')),
            }
        }
    }
}

/// Applies (position, byte) edits: overwrite, insert or delete, chosen by the byte's top bits.
fn mutate(base: &[u8], edits: &[(usize, u8)]) -> Vec<u8> {
    let mut v = base.to_vec();
    for &(pos, b) in edits {
        if v.is_empty() {
            v.push(b);
            continue;
        }
        let p = pos % v.len();
        match b % 4 {
            0 => v[p] = b,
            1 => v.insert(p, b" \n-.e0123456789#pxyz"[(b as usize / 4) % 20]),
            2 => {
                v.remove(p);
            }
            _ => v.truncate(p),
        }
    }
    v
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        parse_all(&bytes);
    }

    #[test]
    fn mutated_valid_files_never_panic(which in 0usize..3, edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..6)) {
        let base: &[u8] = match which {
            0 => XYZ.as_bytes(),
            1 => &DATA[1..],
            _ => &DUMP[1..],
        };
        parse_all(&mutate(base, &edits));
    }
}
