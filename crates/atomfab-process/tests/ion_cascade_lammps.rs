//! The ion-beam cascade dynamics against LAMMPS: a 1 keV Ar impact on Si(001) with the ion-beam potential
//! (Tersoff/ZBL Si–Si + ZBL Ar), NVE and the adaptive time step, 600 steps (fixtures/ion_cascade/README.md).
//! Time, potential, kinetic and total energy agree with LAMMPS along the whole cascade.

use atomfab_md::{run_md, MdConfig};
use std::path::Path;

#[test]
fn one_kev_cascade_matches_lammps() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let fix = root.join("tests/fixtures/ion_cascade");
    let text = format!(
        r#"
        structure = "{}"
        potential = "hybrid:tersoff/zbl:{}:Si;zbl:inner=3.0,outer=4.0@Ar-Si,Ar-Ar"
        dt = 0.001
        steps = 600
        threads = 1
        neighbor = {{ skin = 1.0, every = 1, check = true }}
        dt_reset = {{ every = 1, xmax = 0.1, dt_min = 1e-5, dt_max = 0.001 }}
        thermo = {{ every = 100 }}
        "#,
        fix.join("in.xyz").display(),
        root.join("data/SiC.tersoff.zbl").display()
    );
    let cfg: MdConfig = toml::from_str(&text).unwrap();
    let out = tempfile::tempdir().unwrap();
    run_md(&cfg, out.path(), &mut |_| {}).unwrap();

    // LAMMPS rows: step time temp pe ke etotal.
    let lmp: Vec<Vec<f64>> = std::fs::read_to_string(fix.join("lammps_thermo.txt"))
        .unwrap()
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().map(|w| w.parse().ok()).collect::<Option<Vec<f64>>>())
        .filter(|r| r.len() == 6)
        .collect();
    // Ours: step,time,temp,pe,ke,etotal,econserved,press.
    let ours: Vec<Vec<f64>> = std::fs::read_to_string(out.path().join("thermo.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(|w| w.parse().unwrap()).collect())
        .collect();
    assert_eq!(lmp.len(), 7);
    assert_eq!(ours.len(), lmp.len());
    for (a, b) in ours.iter().zip(&lmp) {
        assert_eq!(a[0], b[0]);
        // time (ps), PE, KE, total energy (eV): relative 1e-9 (LAMMPS prints 15 digits).
        for (k, name) in [(1, "time"), (3, "pe"), (4, "ke"), (5, "etotal")] {
            let rel = (a[k] - b[k]).abs() / b[k].abs().max(1e-12);
            assert!(rel < 1e-9, "step {}: {name} {} vs LAMMPS {} (rel {rel:.1e})", a[0], a[k], b[k]);
        }
    }
    // The ion's kinetic energy went into the slab: KE fell from 1090 eV to ~460 eV and the
    // total energy stayed within 0.3 % of the ion energy (as in LAMMPS).
    assert!(ours[6][4] < 0.5 * ours[0][4]);
    assert!((ours[6][5] - ours[0][5]).abs() < 3.0);
}
