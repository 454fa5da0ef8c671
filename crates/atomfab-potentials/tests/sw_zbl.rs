//! The ZBL core of `sw/zbl` (no LAMMPS style to compare with): with the Fermi switch far above the pair
//! distance it is LAMMPS `pair_style zbl` (this crate's `zbl`, checked against LAMMPS in tests/lammps.rs),
//! far below it is SW; with the Si parameters of SiC.tersoff.zbl (0.95 Å, 14 Å⁻¹) the blend goes from
//! ZBL at short range to SW at bond lengths and stays repulsive in between.

use atomfab_potentials::{from_spec, StillingerWeber, Zbl};
use std::path::Path;

fn sw(extra: &str) -> StillingerWeber {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/potentials/Si.sw");
    let plain = StillingerWeber::from_file(&file, &["Si".to_string()]).unwrap();
    if extra.is_empty() {
        return plain;
    }
    let kv: Vec<f64> = extra.split(',').map(|x| x.parse().unwrap()).collect();
    plain.with_zbl(atomfab_potentials::SwZbl { cut: kv[0], expscale: kv[1] }).unwrap()
}

/// Distances 0.1–2.0 Å.
fn radii() -> impl Iterator<Item = f64> {
    (0..=38).map(|k| 0.1 + 0.05 * k as f64)
}

#[test]
fn switch_far_above_is_lammps_zbl() {
    // F(r) = 1/(1 + e^{100 (3 − r)}) < 1e-43 for r ≤ 2 Å: the blend is the bare ZBL. The zbl style below
    // its inner radius is the bare ZBL plus a constant, so forces agree and energies agree up to that
    // constant (taken at 0.5 Å).
    let spliced = sw("3.0,100");
    let zbl = Zbl::for_elements(&["Si".to_string()], 5.0, 6.0).unwrap();
    let (e_ref, _) = spliced.pair_energy(0, 0, 0.5);
    let (z_ref, _) = zbl.pair_energy(0, 0, 0.5);
    for r in radii() {
        let (e, f) = spliced.pair_energy(0, 0, r);
        let (ez, fz) = zbl.pair_energy(0, 0, r);
        assert!((f - fz).abs() <= 1e-12 * fz.abs(), "r = {r}: fpair {f} vs zbl {fz}");
        assert!(((e - e_ref) - (ez - z_ref)).abs() <= 1e-12 * e.abs().max(e_ref.abs()), "r = {r}: {e} vs zbl {ez}");
    }
}

#[test]
fn switch_far_below_is_sw() {
    // F(r) = 1/(1 + e^{−100 (r − 0.01)}): 1 − F < 3e-26 from 0.6 Å on.
    let (plain, spliced) = (sw(""), sw("0.01,100"));
    for r in radii().filter(|&r| r >= 0.6).chain([2.5, 3.0, 3.5, 3.7]) {
        let (e0, f0) = plain.pair_energy(0, 0, r);
        let (e1, f1) = spliced.pair_energy(0, 0, r);
        assert!((e0 - e1).abs() <= 1e-12 * e0.abs() && (f0 - f1).abs() <= 1e-12 * f0.abs(), "r = {r}: {e0} {f0} vs {e1} {f1}");
    }
}

#[test]
fn si_parameters_join_zbl_to_sw() {
    let (plain, spliced) = (sw(""), sw("0.95,14"));
    let zbl = Zbl::for_elements(&["Si".to_string()], 5.0, 6.0).unwrap();
    let (z_shift, _) = zbl.pair_energy(0, 0, 5.0);
    for r in radii().chain([2.2, 2.35, 2.6, 3.0, 3.5]) {
        let (e, f) = spliced.pair_energy(0, 0, r);
        let (e2, f2) = plain.pair_energy(0, 0, r);
        let (ez, fz) = zbl.pair_energy(0, 0, r);
        let ez = ez - z_shift;
        // Deep inside ZBL dominates; F(0.3 Å) = 1.1e-4 still lets the much stiffer SW r⁻⁴ wall add ~0.1 %.
        if r <= 0.3 {
            assert!((e - ez).abs() <= 2e-3 * ez && (f - fz).abs() <= 2e-3 * fz, "r = {r}: {e} vs ZBL {ez}");
        }
        // At bond lengths and beyond (r ≥ 2.2 Å) 1 − F < 3e-8: SW.
        if r >= 2.2 {
            assert!((e - e2).abs() <= 1e-6 * (1.0 + e2.abs()) && (f - f2).abs() <= 1e-6 * (1.0 + f2.abs()), "r = {r}: {e} vs SW {e2}");
        }
        // Repulsive below the SW minimum (fpair = −E'/r > 0).
        if r < 2.3 {
            assert!(f > 0.0, "r = {r}: fpair {f}");
        }
    }
}

#[test]
fn names_and_cutoff() {
    std::env::set_var("ATOMFAB_POTENTIALS", Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/potentials"));
    let p = from_spec("sw/zbl:Si.sw:Si:zblcut=0.95,zblexpscale=14").unwrap();
    assert_eq!((p.name(), p.species()), ("sw/zbl", &["Si".to_string()][..]));
    // aσ of Si.sw.
    assert!((p.cutoff() - 1.80 * 2.0951).abs() < 1e-12);
    assert_eq!(from_spec("sw:Si.sw:Si").unwrap().name(), "sw");
}
