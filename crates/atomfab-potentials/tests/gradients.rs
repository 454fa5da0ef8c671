//! Forces = −∇E and virial = −dE/dε by finite differences for every potential, on random perturbed
//! crystals in triclinic cells with a free surface.
mod common;

use atomfab_core::{Cell, Vec3};
use atomfab_potentials::{from_spec, Potential};
use common::*;
use proptest::prelude::*;
use rand::{Rng, SeedableRng};

fn spec(s: &str) -> Box<dyn Potential> {
    std::env::set_var(
        "ATOMFAB_POTENTIALS",
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/potentials"),
    );
    from_spec(s).unwrap()
}

/// `reps` cells of a cubic lattice (basis in fractions of `a`), sheared by `tilt`, atoms displaced by up
/// to `shake` Å, periodic along x and y only (free surfaces normal to z, 6 Å of vacuum).
fn crystal(basis: &[Vec3], a: f64, reps: usize, tilt: f64, shake: f64, seed: u64) -> (Cell, Vec<Vec3>) {
    let l = a * reps as f64;
    let cell = Cell::new([[l, 0.0, 0.0], [tilt * l, l, 0.0], [0.0, 0.0, l + 6.0]], [0.0; 3], [true, true, false]).unwrap();
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut pos = Vec::new();
    for i in 0..reps {
        for j in 0..reps {
            for k in 0..reps {
                for b in basis {
                    let s = [(i as f64 + b[0]) / reps as f64, (j as f64 + b[1]) / reps as f64, 0.0];
                    let mut r = cell.to_cartesian(s);
                    r[2] = (k as f64 + b[2]) * a + 3.0;
                    for x in r.iter_mut() {
                        *x += rng.gen_range(-shake..shake);
                    }
                    pos.push(r);
                }
            }
        }
    }
    (cell, pos)
}

const FCC: [Vec3; 4] = [[0.0, 0.0, 0.0], [0.5, 0.5, 0.0], [0.5, 0.0, 0.5], [0.0, 0.5, 0.5]];
const DIAMOND: [Vec3; 8] = [
    [0.0, 0.0, 0.0],
    [0.5, 0.5, 0.0],
    [0.5, 0.0, 0.5],
    [0.0, 0.5, 0.5],
    [0.25, 0.25, 0.25],
    [0.75, 0.75, 0.25],
    [0.75, 0.25, 0.75],
    [0.25, 0.75, 0.75],
];

fn assert_gradients(pot: &mut dyn Potential, cell: &Cell, pos: &[Vec3], species: &[u32], seed: u64) {
    let kinks = [pot.cutoff()];
    assert_gradients_kinks(pot, cell, pos, species, seed, &kinks);
}

/// With `kinks` the distances where the force jumps (every truncated part of a hybrid).
fn assert_gradients_kinks(pot: &mut dyn Potential, cell: &Cell, pos: &[Vec3], species: &[u32], seed: u64, kinks: &[f64]) {
    let (ef, ev) = check_gradients_with_kinks(pot, cell, pos, species, seed, 10, kinks);
    assert!(ef < 2e-7 && ev < 2e-7, "{}: force error {ef:e}, virial error {ev:e} (relative)", pot.name());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    #[test]
    fn eam_funcfl_and_setfl(seed in 0u64..100_000, tilt in -0.3f64..0.3) {
        let (cell, pos) = crystal(&FCC, 3.6, 2, tilt, 0.25, seed);
        let species: Vec<u32> = (0..pos.len()).map(|i| ((i * 7 + seed as usize) % 3 == 0) as u32).collect();
        assert_gradients(spec("eam:Cu_u3.eam,Ni_u3.eam").as_mut(), &cell, &pos, &species, seed);
        assert_gradients(spec("eam/alloy:CuNi.eam.alloy:Cu,Ni").as_mut(), &cell, &pos, &species, seed);
        assert_gradients(spec("eam/alloy:Cu_mishin1.eam.alloy").as_mut(), &cell, &pos, &vec![0; pos.len()], seed);
    }

    #[test]
    fn tersoff_si_and_sic(seed in 0u64..100_000, tilt in -0.3f64..0.3) {
        let (cell, pos) = crystal(&DIAMOND, 4.9, 2, tilt, 0.3, seed);
        let species: Vec<u32> = (0..pos.len()).map(|i| ((i * 5 + seed as usize) % 2) as u32).collect();
        assert_gradients(spec("tersoff:SiC.tersoff:Si,C").as_mut(), &cell, &pos, &species, seed);
        assert_gradients(spec("tersoff:Si.tersoff:Si").as_mut(), &cell, &pos, &vec![0; pos.len()], seed);
    }

    #[test]
    fn zbl_and_tersoff_zbl(seed in 0u64..100_000, tilt in -0.3f64..0.3) {
        // Compressed lattices put pairs inside the ZBL and Fermi-switch ranges (0.6-2 Å).
        let (cell, pos) = crystal(&DIAMOND, 3.2, 2, tilt, 0.4, seed);
        let species: Vec<u32> = (0..pos.len()).map(|i| ((i * 5 + seed as usize) % 2) as u32).collect();
        assert_gradients(spec("zbl:inner=1.5,outer=2.5:Si,Ar").as_mut(), &cell, &pos, &species, seed);
        assert_gradients(spec("tersoff/zbl:SiC.tersoff.zbl:Si,C").as_mut(), &cell, &pos, &species, seed);
        assert_gradients(
            spec("hybrid:tersoff/zbl:SiC.tersoff.zbl:Si;zbl:inner=2,outer=3@Ar-Si,Ar-Ar").as_mut(),
            &cell,
            &pos,
            &species,
            seed,
        );
    }

    #[test]
    fn sw_and_sw_zbl(seed in 0u64..100_000, tilt in -0.3f64..0.3) {
        let (cell, pos) = crystal(&DIAMOND, 5.0, 2, tilt, 0.3, seed);
        let species: Vec<u32> = (0..pos.len()).map(|i| ((i * 5 + seed as usize) % 2) as u32).collect();
        assert_gradients(spec("sw:Si.sw:Si").as_mut(), &cell, &pos, &vec![0; pos.len()], seed);
        assert_gradients(spec("sw:GaN.sw:Ga,N").as_mut(), &cell, &pos, &species, seed);
        // tol > 0 truncates the two-body term where it is small but not zero: a kink at each pair cutoff.
        let mut sige = spec("sw:SiGe_test.sw:Si,Ge");
        let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/potentials/SiGe_test.sw");
        let sw = atomfab_potentials::StillingerWeber::from_file(&file, &["Si".into(), "Ge".into()]).unwrap();
        let kinks = [sw.pair_cutoff(0, 0), sw.pair_cutoff(0, 1), sw.pair_cutoff(1, 1)];
        assert_gradients_kinks(sige.as_mut(), &cell, &pos, &species, seed, &kinks);
        // Compressed lattices put pairs inside the ZBL and Fermi-switch ranges (0.6-2 Å).
        let (cell, pos) = crystal(&DIAMOND, 3.2, 2, tilt, 0.4, seed);
        assert_gradients(spec("sw/zbl:Si.sw:Si:zblcut=0.95,zblexpscale=14").as_mut(), &cell, &pos, &vec![0; pos.len()], seed);
        assert_gradients(
            spec("hybrid:sw/zbl:Si.sw:Si:zblcut=0.95,zblexpscale=14;zbl:inner=2,outer=3@Ar-Si,Ar-Ar").as_mut(),
            &cell,
            &pos,
            &species,
            seed,
        );
    }

    #[test]
    fn hybrids(seed in 0u64..100_000, tilt in -0.3f64..0.3) {
        let (cell, pos) = crystal(&DIAMOND, 4.9, 2, tilt, 0.3, seed);
        let species: Vec<u32> = (0..pos.len()).map(|i| ((i * 3 + seed as usize) % 2) as u32).collect();
        let mut pot = spec("hybrid:tersoff:Si.tersoff:Si;tersoff:SiC.tersoff:C;morse:d0=0.435,alpha=4.6487,r0=1.9475,cutoff=4,shift=true@Si-C");
        assert_gradients(pot.as_mut(), &cell, &pos, &species, seed);
        // Overlay: a Morse on every pair added to a Tersoff on the same atoms; EAM for one pair of an alloy.
        let mut pot = spec("hybrid:tersoff:SiC.tersoff:Si,C;morse:d0=0.01,alpha=1.5,r0=3,cutoff=6,shift=true");
        assert_gradients(pot.as_mut(), &cell, &pos, &species, seed);
        let (cell, pos) = crystal(&FCC, 3.6, 2, tilt, 0.25, seed);
        let species: Vec<u32> = (0..pos.len()).map(|i| ((i * 3 + seed as usize) % 2) as u32).collect();
        let mut pot = spec("hybrid:eam/alloy:CuNi.eam.alloy:Cu,Ni@Cu-Cu,Ni-Ni;lj:epsilon=0.3,sigma=2.3,cutoff=5,shift=true@Cu-Ni");
        let kinks = [pot.cutoff(), 5.0];
        assert_gradients_kinks(pot.as_mut(), &cell, &pos, &species, seed, &kinks);
    }
}


/// One element picked from an alloy file gives the same result as the full file with only that element.
#[test]
fn setfl_single_element_subset() {
    let (cell, pos) = crystal(&FCC, 3.6, 2, 0.1, 0.2, 5);
    let cu_only = evaluate(spec("eam/alloy:CuNi.eam.alloy:Cu").as_mut(), &cell, &pos, &vec![0; pos.len()]);
    // The file lists Ni first, then Cu.
    let full = evaluate(spec("eam/alloy:CuNi.eam.alloy").as_mut(), &cell, &pos, &vec![1; pos.len()]);
    assert!((cu_only.energy - full.energy).abs() < 1e-10 * full.energy.abs());
    for (a, b) in cu_only.forces.iter().flatten().zip(full.forces.iter().flatten()) {
        assert!((a - b).abs() < 1e-10);
    }
}

