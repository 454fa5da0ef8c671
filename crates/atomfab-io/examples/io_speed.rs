//! Times reading and writing a large structure in each format (not a test: timings vary with the machine).
//!
//! cargo run --release -p atomfab-io --example io_speed -- [ATOMS]   (default 1 000 000)

use atomfab_core::{Cell, Species, System, UnitSystem};
use atomfab_io::lammps_dump::DumpReader;
use atomfab_io::{read_structure, write_structure, Format, ReadOptions};
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use std::time::Instant;

/// CPU time of this thread in seconds (Linux /proc), so timings on a shared, loaded machine stay meaningful.
fn cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(f64::NAN, |ns| ns * 1e-9)
}

fn main() {
    let n: usize = std::env::args().nth(1).map(|a| a.parse().expect("ATOMS must be an integer")).unwrap_or(1_000_000);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
    let l = (n as f64 / 0.05).cbrt();
    let cell = Cell::new([[l, 0.0, 0.0], [0.1 * l, l, 0.0], [0.0, 0.0, l]], [0.0; 3], [true; 3]).unwrap();
    let mut s = System::new(cell, UnitSystem::Metal);
    let si = s.species_named(Species::element("Si").unwrap());
    for i in 0..n {
        let f = [rng.gen::<f64>(), rng.gen::<f64>(), rng.gen::<f64>()];
        // push_atom_with_id: push_atom scans all ids for the next one, quadratic at this size.
        let k = s.push_atom_with_id(si, s.cell.to_cartesian(f), i as u64 + 1);
        s.velocities[k] = [rng.gen_range(-5.0..5.0), rng.gen_range(-5.0..5.0), rng.gen_range(-5.0..5.0)];
    }
    let dir = tempfile::tempdir().unwrap();
    for (name, format) in [("s.dump", Format::LammpsDump), ("s.xyz", Format::ExtXyz), ("s.data", Format::LammpsData)] {
        let p = dir.path().join(name);
        let t = Instant::now();
        write_structure(&p, &s, Some(format)).unwrap();
        let tw = t.elapsed().as_secs_f64();
        let size = std::fs::metadata(&p).unwrap().len() as f64 / 1e6;
        let (t, c) = (Instant::now(), cpu_seconds());
        let back = read_structure(&p, Some(format), &ReadOptions::default()).unwrap();
        let (tr, cr) = (t.elapsed().as_secs_f64(), cpu_seconds() - c);
        assert_eq!(back.len(), n);
        println!(
            "{:12} {n} atoms, {size:.0} MB: write {tw:.3} s, read {tr:.3} s wall / {cr:.3} s CPU ({:.0} MB/s of CPU time)",
            format.name(),
            size / cr
        );
    }
    // Streaming: a minimal `id type x y z` dump frame, as LAMMPS writes by default.
    let p = dir.path().join("min.dump");
    let f = std::fs::File::create(&p).unwrap();
    let mut w = std::io::BufWriter::new(f);
    atomfab_io::lammps_dump::write_frame(&mut w, &s, 0, &["id", "type", "x", "y", "z"]).unwrap();
    drop(w);
    let opts = ReadOptions { species_map: vec![(1, "Si".into())], ..Default::default() };
    let (t, c) = (Instant::now(), cpu_seconds());
    let frame = DumpReader::open(&p, opts).unwrap().next().unwrap().unwrap();
    println!(
        "dump 'id type x y z' frame: {} atoms, {:.0} MB, read in {:.3} s wall / {:.3} s CPU",
        frame.system.len(),
        std::fs::metadata(&p).unwrap().len() as f64 / 1e6,
        t.elapsed().as_secs_f64(),
        cpu_seconds() - c
    );
}
