#![no_main]
//! Any bytes → LAMMPS dump frames: never a panic; whatever parses is a valid system that writes and reads back.
use atomfab_core::UnitSystem;
use atomfab_io::lammps_dump::{self, DumpReader};
use atomfab_io::ReadOptions;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (opts, data) = match data.split_first() {
        Some((b, rest)) => {
            let units = if b & 1 == 1 { UnitSystem::Lj } else { UnitSystem::Metal };
            let species_map = if b & 2 == 2 { vec![(1, "Si".to_string()), (2, "C".to_string())] } else { vec![] };
            (ReadOptions { units, species_map, atom_style: None }, rest)
        }
        None => (ReadOptions::default(), data),
    };
    let mut reader = DumpReader::new(data, "fuzz.dump", opts.clone());
    for k in 0..16 {
        if k % 3 == 2 {
            if !matches!(reader.skip_frame(), Ok(Some(_))) {
                break;
            }
            continue;
        }
        let Some(Ok(frame)) = reader.next() else { break };
        frame.system.validate().expect("a parsed frame is a valid system");
        let mut out = Vec::new();
        if lammps_dump::write_frame(&mut out, &frame.system, frame.timestep, &[]).is_ok() {
            let back = DumpReader::new(&out[..], "fuzz-out.dump", opts.clone()).next().unwrap();
            let back = back.expect("what atomfab writes reads back");
            assert_eq!(back.system.len(), frame.system.len());
        }
    }
});
