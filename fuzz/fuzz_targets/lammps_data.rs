#![no_main]
//! Any bytes → LAMMPS data file: never a panic; whatever parses is a valid system that writes and reads back.
use atomfab_core::UnitSystem;
use atomfab_io::{lammps_data, ReadOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The first byte picks the options so both unit systems and an explicit style get exercised.
    let (opts, data) = match data.split_first() {
        Some((b, rest)) => {
            let units = if b & 1 == 1 { UnitSystem::Lj } else { UnitSystem::Metal };
            let atom_style = match b >> 1 & 3 {
                1 => Some("atomic".to_string()),
                2 => Some("charge".to_string()),
                _ => None,
            };
            (ReadOptions { units, atom_style, species_map: if b & 8 == 8 { vec![(1, "Si".into())] } else { vec![] } }, rest)
        }
        None => (ReadOptions::default(), data),
    };
    if let Ok(system) = lammps_data::read(data, "fuzz.data", &opts) {
        system.validate().expect("a parsed data file is a valid system");
        let mut out = Vec::new();
        if lammps_data::write(&mut out, &system).is_ok() {
            let back_opts = ReadOptions { units: opts.units, ..Default::default() };
            let back = lammps_data::read(&out[..], "fuzz-out.data", &back_opts).expect("what atomfab writes reads back");
            assert_eq!(back.len(), system.len());
        }
    }
});
