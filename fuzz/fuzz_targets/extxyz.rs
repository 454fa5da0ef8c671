#![no_main]
//! Any bytes → extxyz frames: never a panic; whatever parses is a valid system that writes and reads back.
use atomfab_core::UnitSystem;
use atomfab_io::extxyz;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for frame in extxyz::read_frames(data, "fuzz.xyz", UnitSystem::Metal).take(16) {
        let Ok(frame) = frame else { break };
        frame.system.validate().expect("a parsed frame is a valid system");
        let mut out = Vec::new();
        if extxyz::write_frame(&mut out, &frame.system, &frame.info).is_ok() {
            let back = extxyz::read_frames(&out[..], "fuzz-out.xyz", UnitSystem::Metal).next().unwrap();
            let back = back.expect("what atomfab writes reads back");
            assert_eq!(back.system.positions, frame.system.positions);
        }
    }
});
