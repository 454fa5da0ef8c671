//! Atoms that left a non-periodic box during a run (sputtered, ejected) must not make atomfab's own
//! files unreadable: writers declare the box grown to hold them (LAMMPS shrink-wrap), readers accept it.

use atomfab_core::{Cell, Species, System, UnitSystem};
use atomfab_io::{read_structure, write_structure, ReadOptions};

#[test]
fn files_with_escaped_atoms_read_back() {
    let cell = Cell::orthorhombic([0.0; 3], [10.0; 3], [false, true, false]).unwrap();
    let mut s = System::new(cell, UnitSystem::Metal);
    let si = s.species_named(Species::element("Si").unwrap());
    s.push_atom(si, [5.0, 5.0, 5.0]);
    s.push_atom(si, [-14.0, 5.0, 25.0]);
    let dir = tempfile::tempdir().unwrap();
    for name in ["a.xyz", "a.data", "a.dump"] {
        let path = dir.path().join(name);
        write_structure(&path, &s, None).unwrap();
        let back = read_structure(&path, None, &ReadOptions { species_map: vec![(1, "Si".into())], ..Default::default() })
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(back.len(), 2, "{name}");
        assert!((back.positions[1][0] + 14.0).abs() < 1e-9 && (back.positions[1][2] - 25.0).abs() < 1e-9, "{name}");
        assert!(back.cell.lengths()[1] == 10.0, "{name}: periodic axis unchanged");
    }
}
