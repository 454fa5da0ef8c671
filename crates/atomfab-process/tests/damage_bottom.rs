//! Damage that runs into the fixed + thermostat layers at the bottom of the workpiece is only a lower
//! bound (docs/validation/ion_beam_si.md §4: at 1 keV the whole Si slab turns amorphous): the summary says
//! so, the report shows "≥ … (lower bound)", and a `damage_depth` limit cannot pass on it.

use atomfab_core::{LatticeKind, LatticeSpec, UnitSystem};
use atomfab_process::analysis::{damage, structure_types, Damage, LOWER_BOUND, MEASURED};
use atomfab_process::material::StructureMethod;

mod common;
use common::{edit, run_recipe, SI_CUT};

/// A Cu(001) slab 8 cells (28.9 Å) thick, structure types by a-CNA, then every `every`-th atom above
/// `damaged_above` (Å) relabelled Other (damage); damage profile with the bottom layers' top at `bottom_z`.
fn cu_slab_damage(damaged_above: f64, every: usize, bottom_z: Option<f64>) -> Damage {
    let mut sys = LatticeSpec::new(LatticeKind::Fcc, 3.615, &["Cu"]).build([4, 4, 8], UnitSystem::Metal).unwrap();
    sys.cell.set_pbc([true, true, false]);
    let all: Vec<usize> = (0..sys.len()).collect();
    let (mut types, names, crystal) = structure_types(&sys, &all, StructureMethod::AdaptiveCna).unwrap();
    let other = names.iter().position(|n| *n == "Other").unwrap() as u8;
    for (i, r) in sys.positions.iter().enumerate() {
        if r[2] > damaged_above && i % every == 0 {
            types[i] = other;
        }
    }
    damage(&sys.positions, &types, &names, &crystal, StructureMethod::AdaptiveCna, bottom_z).unwrap()
}

#[test]
fn damage_into_the_bottom_layers_is_a_lower_bound() {
    // Layers every 1.81 Å from z = 0 to 27.1 Å; the bottom layers end at 8 Å, so the layer judged is the
    // one at 9.04 Å.
    // Damage 8 Å deep, intact crystal below it: measured, the bottom layer crystalline.
    let d = cu_slab_damage(19.0, 1, Some(8.0));
    assert!(!d.damage_reaches_bottom && d.damage_depth_is == MEASURED && d.amorphous_thickness_is == MEASURED, "{d:?}");
    assert_eq!(d.bottom_layer_non_crystalline_fraction, 0.0);
    assert!((0.7..=1.2).contains(&d.damage_depth_nm), "{}", d.damage_depth_nm);
    // Amorphous down into the bottom layers: both figures are lower bounds.
    let d = cu_slab_damage(7.0, 1, Some(8.0));
    assert!(d.damage_reaches_bottom && d.damage_depth_is == LOWER_BOUND && d.amorphous_thickness_is == LOWER_BOUND, "{d:?}");
    assert_eq!(d.bottom_layer_non_crystalline_fraction, 1.0);
    // A third of the atoms damaged down to the bottom layers: damaged (> 10 %) but not amorphous (< 50 %)
    // there, so the damage depth is a lower bound and the amorphous thickness is measured.
    let d = cu_slab_damage(7.0, 3, Some(8.0));
    assert!(d.damage_reaches_bottom && d.damage_depth_is == LOWER_BOUND && d.amorphous_thickness_is == MEASURED, "{d:?}");
    assert!((0.2..0.5).contains(&d.bottom_layer_non_crystalline_fraction), "{}", d.bottom_layer_non_crystalline_fraction);
    // No bottom layers known: only a profile without any intact bin reaches the bottom.
    assert!(!cu_slab_damage(19.0, 1, None).damage_reaches_bottom);
    let d = cu_slab_damage(-1.0, 1, None);
    assert!(d.damage_reaches_bottom && d.damage_depth_is == LOWER_BOUND && d.amorphous_thickness_is == LOWER_BOUND, "{d:?}");
    assert!(d.bottom_layer_non_crystalline_fraction.is_nan());
}

#[test]
fn a_cut_too_deep_for_its_workpiece_flags_the_damage_depth_and_fails_its_limit() {
    // The CI Si cut on 1.8 nm (3 lattice periods, 1.63 nm) instead of 2.5: the machined surface ends about
    // 2 Å above the 0.8 nm of fixed + thermostat layers. The limits hold for the measured number (≈ 1 nm) but a
    // `<=` limit cannot be judged on a lower bound; the `>=` one can.
    let text = edit(
        SI_CUT,
        &[
            ("size_nm = [4.4, 2.2, 2.5]", "size_nm = [4.4, 2.2, 1.8]"),
            ("\"damage_depth <= 2 nm\"", "\"damage_depth <= 2 nm\", \"damage_depth >= 0.2 nm\""),
        ],
    );
    let dir = tempfile::tempdir().unwrap();
    let s = run_recipe(dir.path(), &text, 5);
    let d = &s.damage;
    assert!(d.damage_reaches_bottom && d.damage_depth_is == LOWER_BOUND, "{d:?}");
    assert!(d.bottom_layer_non_crystalline_fraction > 0.5, "{}", d.bottom_layer_non_crystalline_fraction);
    let grade = |c: &str| s.grades.iter().find(|g| g.criterion == c).unwrap_or_else(|| panic!("{c}: {:?}", s.grades));
    let (le, ge) = (grade("damage_depth <= 2 nm"), grade("damage_depth >= 0.2 nm"));
    assert!(le.value < 2.0 && le.lower_bound && !le.pass, "{le:?}");
    assert!(ge.value >= 0.2 && ge.lower_bound && ge.pass, "{ge:?}");
    assert!(!grade("Sq <= 0.5 nm").lower_bound);
    assert!(!s.pass, "a spec with a damage_depth limit the run cannot judge does not pass");
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.path().join("summary.json")).unwrap()).unwrap();
    assert_eq!(json["damage"]["damage_reaches_bottom"], true);
    assert_eq!(json["damage"]["damage_depth_is"], "lower bound");
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert!(html.contains(&format!("≥ {:.3} nm (lower bound)", d.damage_depth_nm)), "the report shows the depth as a lower bound");
    assert!(html.contains("damage reaches the bottom") && html.contains("use a thicker workpiece"));
    // (tests/nanocut.rs: the same cut on the 2.5 nm workpiece keeps intact crystal above the bottom layers)
}
