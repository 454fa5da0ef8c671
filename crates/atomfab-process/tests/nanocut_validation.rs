//! Physical checks of a nanocutting run (docs/validation/nanocutting.md): the recorded tool force does
//! exactly the work the system gains (sign, units and summed atoms of the force are right), and Si
//! cutting leaves an amorphous layer under the machined surface and a chip of about the removed volume.

mod common;
use common::{column, config, edit, run_recipe, SI_CUT};

/// The CI-sized Si cut with forces sampled every step, so that the work integral is exact to the time step.
fn si_cut_every_step() -> String {
    edit(SI_CUT, &[("thermo_every = 20", "thermo_every = 1")])
}

/// Mean of the LAMMPS cutting forces (nN) recorded for `recipe` in tests/fixtures/si_cut_lammps.
fn lammps_mean_cutting_force_nn(recipe: &str) -> f64 {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/si_cut_lammps/lammps_forces.txt");
    let text = std::fs::read_to_string(path).unwrap();
    let fc: Vec<f64> = text
        .lines()
        .map(|l| l.split('#').next().unwrap().split_whitespace().collect::<Vec<_>>())
        .filter(|f| f.len() == 4 && f[0] == recipe)
        .map(|f| f[2].parse().unwrap())
        .collect();
    assert!(!fc.is_empty(), "no LAMMPS forces for {recipe}");
    fc.iter().sum::<f64>() / fc.len() as f64
}

#[test]
fn si_cut_energy_balance_amorphous_layer_and_chip() {
    let text = si_cut_every_step();
    let cfg = config(&text);
    let dir = tempfile::tempdir().unwrap();
    let s = run_recipe(dir.path(), &text, 5);

    // Work of the tool on the workpiece, W = ∫ F_x v dt (the tool moves along −x at v and the force of
    // the workpiece on it points along +x), must equal the gain of the conserved energy (total energy
    // plus the heat the Langevin layer removed). A sign error, a wrong unit or a wrong set of summed
    // atoms would break this by far more than the 1 % allowed for the thermostat tally's O(dt) error.
    let thermo = std::fs::read_to_string(dir.path().join("thermo.csv")).unwrap();
    let (t, fx, econs) = (column(&thermo, "time"), column(&thermo, "fx_tool"), column(&thermo, "econserved"));
    let v = cfg.cut.as_ref().unwrap().speed_m_per_s * 0.01; // Å/ps
    let work: f64 = (1..t.len()).map(|k| 0.5 * (fx[k] + fx[k - 1]) * v * (t[k] - t[k - 1])).sum();
    let gain = econs[econs.len() - 1] - econs[0];
    assert!(work > 50.0, "the tool does work: {work} eV");
    assert!((work - gain).abs() < 0.01 * work, "tool work {work:.2} eV vs conserved-energy gain {gain:.2} eV");

    // Amorphous layer: the top 2 Å bin under the machined surface is mostly non-crystalline, the bulk
    // below is crystalline, and the reported amorphous thickness is at least one bin.
    let d = &s.damage;
    assert!(d.profile[0].1 > 0.6, "top bin non-crystalline fraction {:?}", d.profile);
    let deep: Vec<f64> = d.profile.iter().filter(|b| b.0 > 12.0).map(|b| b.1).collect();
    assert!(!deep.is_empty() && deep.iter().all(|&f| f < 0.15), "crystalline below 1.2 nm: {:?}", d.profile);
    assert!(d.amorphous_thickness_nm >= 0.2 && d.amorphous_thickness_nm < 1.0, "{}", d.amorphous_thickness_nm);
    assert!(d.damage_depth_nm >= d.amorphous_thickness_nm && d.damage_depth_nm < 1.5, "{}", d.damage_depth_nm);

    // Chip: at the end most of the nominally removed volume (depth × width × length) sits above the
    // original surface (the rest is side flow and material still ahead of the tool).
    let r = s.figures.removal.as_ref().unwrap();
    let ratio = r.chip_volume_nm3 / r.nominal_removed_volume_nm3;
    assert!((0.4..1.3).contains(&ratio), "chip volume / nominal removed volume = {ratio:.2}");
    // Resistance of the same order as the hardness of Si: specific cutting energy 5–60 GPa (see the
    // validation notes for the published range and why it is wide at 0.5 nm depth).
    assert!((5.0..60.0).contains(&r.specific_cutting_energy_gpa), "{} GPa", r.specific_cutting_energy_gpa);
    // The same cut in LAMMPS (tests/fixtures/si_cut_lammps, seeds 1–3: 28.8–31.1 nN): our mean cutting
    // force within 12 % of theirs, three times either code's seed-to-seed scatter (±4 %).
    let lammps = lammps_mean_cutting_force_nn("ci_cut.toml");
    let fc = r.mean_cutting_force_nn;
    assert!((fc - lammps).abs() < 0.12 * lammps, "mean cutting force {fc:.2} nN vs LAMMPS {lammps:.2} nN");
    // The chip is heated by the plastic work (≈ 2 eV per removed atom at these specific energies) far
    // above the 300 K bulk; 1000 m/s leaves it no time to cool (validation notes §4).
    assert!((1000.0..8000.0).contains(&r.chip_temperature_k), "chip temperature {} K", r.chip_temperature_k);
}

/// The temperature field counts only motion relative to each bin's drift (a chip flowing with the tool,
/// a cluster flying off is not hot because it moves), with 3(k − 1) degrees of freedom per bin.
#[test]
fn temperature_field_removes_bin_drift() {
    use atomfab_core::{Cell, Species, System, UnitSystem};
    let cell = Cell::orthorhombic([0.0, 0.0, 0.0], [30.0, 10.0, 10.0], [false, true, false]).unwrap();
    let mut sys = System::new(cell, UnitSystem::Metal);
    let si = sys.species_named(Species::element("Si").unwrap());
    // Bin 0 (x < 7 Å): 20 atoms drifting together at 5 Å/ps. Bin 1 (7–14 Å): 20 atoms with ±u along
    // each axis about a drift of 3 Å/ps. Bin 2 (14–21 Å): 9 atoms, too few for a temperature.
    let u = 4.0;
    for k in 0..49 {
        let (x, v) = match k {
            0..=19 => (1.0 + 0.25 * k as f64, [5.0, 0.0, 0.0]),
            20..=39 => {
                let s = if k % 2 == 0 { u } else { -u };
                (8.0 + 0.25 * (k - 20) as f64, [3.0 + s, s, -s])
            }
            _ => (15.0 + 0.5 * (k - 40) as f64, [1.0, 0.0, 0.0]),
        };
        let i = sys.push_atom(si, [x, 5.0, 1.0]);
        sys.velocities[i] = v;
    }
    let tf = atomfab_process::analysis::temperature_field(&sys, si, 7.0);
    let c = sys.units.constants();
    let m = sys.mass(0);
    let expected = c.mvv2e * m * 20.0 * 3.0 * u * u / (3.0 * 19.0 * c.boltzmann);
    assert!(tf.kelvin[0].abs() < 1e-9, "drift only: {}", tf.kelvin[0]);
    assert!((tf.kelvin[1] - expected).abs() < 1e-9 * expected, "{} vs {expected}", tf.kelvin[1]);
    assert!(tf.kelvin[2].is_nan(), "9 atoms give no temperature");
    assert!((tf.max_kelvin - expected).abs() < 1e-9 * expected);
}

/// In an fcc workpiece a stacking fault (two HCP layers, what a partial dislocation leaves behind in Cu
/// cutting) is damage: an intrinsic fault under the top layer makes the damaged layer reach below it.
#[test]
fn cu_stacking_fault_counts_as_damage() {
    use atomfab_core::{LatticeKind, LatticeSpec, UnitSystem};
    use atomfab_process::material::StructureMethod;
    // x = [1-10], y = [11-2], z = [111]: (111) layers 2.087 Å apart, 12 layers.
    let spec = LatticeSpec::new(LatticeKind::Fcc, 3.615, &["Cu"]).oriented([[1, -1, 0], [1, 1, -2], [1, 1, 1]]);
    let mut sys = spec.build([6, 4, 4], UnitSystem::Metal).unwrap();
    sys.cell.set_pbc([true, true, false]);
    let layer = 3.615 / 3f64.sqrt();
    let top = sys.positions.iter().map(|r| r[2]).fold(f64::NEG_INFINITY, f64::max);
    // Shift the top two layers by the Shockley partial a/6 [11-2] (= a/√6 along y): ABC ABC → ABC A|CA…
    let width = sys.cell.lengths()[1];
    for r in &mut sys.positions {
        if r[2] > top - 1.5 * layer {
            r[1] = (r[1] + 3.615 / 6f64.sqrt()).rem_euclid(width);
        }
    }
    let all: Vec<usize> = (0..sys.len()).collect();
    let (types, names, crystal) = atomfab_process::analysis::structure_types(&sys, &all, StructureMethod::AdaptiveCna).unwrap();
    let hcp = names.iter().position(|n| *n == "HCP").unwrap();
    let n_hcp = types.iter().filter(|&&t| t as usize == hcp).count();
    let per_layer = sys.len() / 12;
    assert_eq!(n_hcp, 2 * per_layer, "the two layers at the fault are HCP");
    assert!(!crystal[hcp], "HCP in an fcc workpiece is a defect");
    let d = atomfab_process::analysis::damage(&sys.positions, &types, &names, &crystal, StructureMethod::AdaptiveCna, None).unwrap();
    // Top layer (surface, Other) + two HCP layers: damaged to ≈ 3 layers = 6 Å; with HCP counted as
    // crystal it would stop after the surface layer (2 Å).
    assert!(d.damage_depth_nm >= 0.5, "damage depth {} nm, profile {:?}", d.damage_depth_nm, d.profile);
}

/// Cai, Li & Rahman, Int. J. Mach. Tools Manuf. 47, 75 (2007): when Si is cut in the ductile mode — depth of
/// cut below a nanoscale edge radius — the thrust force on the tool exceeds the cutting force
/// (docs/validation/nanocutting.md §2, tests/fixtures/si_cut_published). The fixture recipe (0.3 nm deep,
/// 1.0 nm edge radius) must give Ft/Fc > 1 over seeds 1 and 2 (measured 1.11, 1.19; seed 3: 1.05), and the same
/// cut 1.0 nm deep under a 0.3 nm edge well below 1 (measured 0.49 for seeds 1–3).
#[test]
fn ductile_mode_thrust_exceeds_cutting_force() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/si_cut_published/ductile_mode.toml");
    let recipe: toml::Value = toml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let ductile: atomfab_process::ProcessConfig = recipe["process"].clone().try_into().unwrap();
    let mut sharp = ductile.clone();
    sharp.cut.as_mut().unwrap().depth_nm = 1.0;
    sharp.tool.as_mut().unwrap().edge_radius_nm = 0.3;
    let cases = [(&ductile, 1), (&ductile, 2), (&sharp, 1)];
    // Single-threaded runs side by side (the recipe says threads = 1): one run's wall time on 2 cores.
    let ratios: Vec<f64> = std::thread::scope(|s| {
        let runs: Vec<_> = cases
            .iter()
            .map(|&(cfg, seed)| {
                s.spawn(move || {
                    let dir = tempfile::tempdir().unwrap();
                    let summary = atomfab_process::run(cfg, seed, "", dir.path(), false, &mut |_| {}).unwrap();
                    let removal = summary.figures.removal.unwrap();
                    removal.mean_thrust_force_nn / removal.mean_cutting_force_nn
                })
            })
            .collect();
        runs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let ductile_mean = (ratios[0] + ratios[1]) / 2.0;
    assert!(ductile_mean > 1.0, "depth 0.3 nm under a 1.0 nm edge: Ft/Fc = {:.3}, {:.3}", ratios[0], ratios[1]);
    assert!(ratios[2] < 0.7, "depth 1.0 nm under a 0.3 nm edge: Ft/Fc = {:.3}", ratios[2]);
    eprintln!("Ft/Fc: ductile {:.3}, {:.3}; depth above the edge radius {:.3}", ratios[0], ratios[1], ratios[2]);
}
