//! Per-atom agreement with OVITO 3.17.2 on the configurations of tests/fixtures/make_ovito_fixtures.py:
//! adaptive CNA, fixed-cutoff CNA, identify-diamond and coordination numbers must equal OVITO's for
//! every atom (the fixtures carry OVITO's results as the `cna`, `cna_fixed`, `diamond`, `coord` columns).

use atomfab_core::{PropertyValues, System, UnitSystem};
use atomfab_structure::cna::CnaMode;
use atomfab_structure::{common_neighbor_analysis, coordination_numbers, identify_diamond};
use std::fs::File;
use std::io::BufReader;
use std::path::PathBuf;

const FIXTURES: [&str; 12] = [
    "fcc_thermal",
    "hcp_thermal",
    "bcc_thermal",
    "diamond_thermal",
    "lonsdaleite_thermal",
    "lonsdaleite_surface",
    "fcc_stacking_fault",
    "fcc_free_surface",
    "si_amorphous_surface",
    "fcc_amorphous_region",
    "fcc_triclinic",
    "ico_clusters",
];

struct Fixture {
    system: System,
    info: Vec<(String, String)>,
}

fn load(name: &str) -> Fixture {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(format!("{name}.xyz"));
    let file = File::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let frame = atomfab_io::extxyz::read_frames(BufReader::new(file), name, UnitSystem::Metal).next().unwrap().unwrap();
    Fixture { system: frame.system, info: frame.info }
}

impl Fixture {
    fn column(&self, name: &str) -> Vec<i64> {
        let p = self.system.properties.iter().find(|p| p.name == name).unwrap_or_else(|| panic!("no column {name}"));
        match &p.values {
            PropertyValues::Int(v) => v.clone(),
            other => panic!("column {name} is not integer: {other:?}"),
        }
    }
    fn number(&self, key: &str) -> f64 {
        let (_, v) = self.info.iter().find(|(k, _)| k == key).unwrap_or_else(|| panic!("no key {key}"));
        v.parse().unwrap()
    }
}

/// Indices where two per-atom type lists differ.
fn mismatches(ours: &[i64], theirs: &[i64]) -> Vec<usize> {
    assert_eq!(ours.len(), theirs.len());
    (0..ours.len()).filter(|&i| ours[i] != theirs[i]).collect()
}

#[test]
fn adaptive_cna_matches_ovito() {
    for name in FIXTURES {
        let f = load(name);
        let ours: Vec<i64> = common_neighbor_analysis(&f.system.cell, &f.system.positions, CnaMode::Adaptive)
            .unwrap()
            .iter()
            .map(|&t| t as i64)
            .collect();
        let bad = mismatches(&ours, &f.column("cna"));
        assert!(bad.is_empty(), "{name}: {} atoms differ, first {:?}", bad.len(), &bad[..bad.len().min(5)]);
    }
}

#[test]
fn fixed_cna_matches_ovito() {
    for name in FIXTURES {
        let f = load(name);
        let mode = CnaMode::Fixed { cutoff_angstrom: f.number("cna_cutoff") };
        let ours: Vec<i64> =
            common_neighbor_analysis(&f.system.cell, &f.system.positions, mode).unwrap().iter().map(|&t| t as i64).collect();
        let bad = mismatches(&ours, &f.column("cna_fixed"));
        assert!(bad.is_empty(), "{name}: {} atoms differ, first {:?}", bad.len(), &bad[..bad.len().min(5)]);
    }
}

#[test]
fn identify_diamond_matches_ovito() {
    for name in FIXTURES {
        let f = load(name);
        let ours: Vec<i64> = identify_diamond(&f.system.cell, &f.system.positions).unwrap().iter().map(|&t| t as i64).collect();
        let bad = mismatches(&ours, &f.column("diamond"));
        assert!(bad.is_empty(), "{name}: {} atoms differ, first {:?}", bad.len(), &bad[..bad.len().min(5)]);
    }
}

#[test]
fn coordination_matches_ovito() {
    for name in FIXTURES {
        let f = load(name);
        let ours: Vec<i64> = coordination_numbers(&f.system.cell, &f.system.positions, f.number("coord_cutoff"))
            .unwrap()
            .iter()
            .map(|&c| c as i64)
            .collect();
        let bad = mismatches(&ours, &f.column("coord"));
        assert!(bad.is_empty(), "{name}: {} atoms differ, first {:?}", bad.len(), &bad[..bad.len().min(5)]);
    }
}

/// The fixtures cover every structure type at least once, so agreement above is not vacuous.
#[test]
fn fixtures_cover_every_type() {
    let mut cna_seen = [0usize; 5];
    let mut dia_seen = [0usize; 7];
    for name in FIXTURES {
        let f = load(name);
        for t in f.column("cna") {
            cna_seen[t as usize] += 1;
        }
        for t in f.column("diamond") {
            dia_seen[t as usize] += 1;
        }
    }
    assert!(cna_seen.iter().all(|&n| n > 0), "{cna_seen:?}");
    assert!(dia_seen.iter().all(|&n| n > 0), "{dia_seen:?}");
}
