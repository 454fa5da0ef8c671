//! Bad input gives one clear line that names the recipe key; never a panic.

use atomfab_kmc::{simulate, KmcConfig, KmcError, Model};

const BASE: &str = r#"
temperature_k = 300
species = ["E", "A"]
initial_species = "E"
layer_thickness_angstrom = 1
lattice = { kind = "square", nx = 16, ny = 16, a_angstrom = 3 }
gases = [{ name = "G", mass_amu = 28 }]
events = [
  { name = "ads", site = "E", becomes = "A", rate = { hertz_knudsen = { gas = "G", sticking = 0.1 } } },
  { name = "des", site = "A", becomes = "E", rate = { arrhenius = { prefactor_hz = 1e13, barrier_ev = 1.0 } } },
]
cycle = { count = 2, phases = [{ name = "pulse", duration_s = 0.1, pressures_pa = { G = 1.0 } }, { name = "purge", duration_s = 1.0 }] }
"#;

fn compile_err(text: &str) -> String {
    let cfg: KmcConfig = match toml::from_str(text) {
        Ok(c) => c,
        Err(e) => return e.to_string(),
    };
    let e = Model::compile(&cfg).expect_err("must be rejected");
    let s = e.to_string();
    assert!(!s.contains('\n'), "one line: {s}");
    s
}

#[test]
fn base_config_is_valid() {
    let cfg: KmcConfig = toml::from_str(BASE).unwrap();
    let m = Model::compile(&cfg).unwrap();
    simulate(&m, 1, &mut |_| {}).unwrap();
}

#[test]
fn unknown_species_in_event_names_the_key() {
    let e = compile_err(&BASE.replace(r#"site = "A", becomes = "E""#, r#"site = "Ax", becomes = "E""#));
    assert_eq!(e, "kmc.events[1].site: unknown species 'Ax' (kmc.species = [E, A])");
    let e = compile_err(&BASE.replace(r#"becomes = "A", rate"#, r#"becomes = "B", rate"#));
    assert!(e.starts_with("kmc.events[0].becomes: unknown species 'B'"), "{e}");
}

#[test]
fn negative_rates_name_the_key() {
    let e = compile_err(&BASE.replace("prefactor_hz = 1e13", "prefactor_hz = -1e13"));
    assert_eq!(e, "kmc.events[1].rate.arrhenius.prefactor_hz: expected a finite value >= 0, found -10000000000000");
    let e = compile_err(&BASE.replace("sticking = 0.1", "sticking = 1.5"));
    assert!(e.starts_with("kmc.events[0].rate.hertz_knudsen.sticking: expected a probability"), "{e}");
    let e = compile_err(&BASE.replace("duration_s = 1.0", "duration_s = -1.0"));
    assert!(e.starts_with("kmc.cycle.phases[1].duration_s: expected a finite value > 0"), "{e}");
    let e = compile_err(&BASE.replace("G = 1.0", "G = -3"));
    assert!(e.starts_with("kmc.cycle.phases[0].pressures_pa.G: expected a finite value >= 0"), "{e}");
}

#[test]
fn unknown_gas_site_type_and_field_are_rejected() {
    let e = compile_err(&BASE.replace("pressures_pa = { G = 1.0 }", "pressures_pa = { H2 = 1.0 }"));
    assert_eq!(e, "kmc.cycle.phases[0].pressures_pa.H2: unknown gas 'H2' (kmc.gases: [G])");
    let e = compile_err(&BASE.replace(r#"site = "E", becomes = "A","#, r#"site = "E", becomes = "A", site_types = ["terrace"],"#));
    assert!(e.starts_with("kmc.events[0].site_types[0]: unknown site type 'terrace'"), "{e}");
    // serde (deny_unknown_fields) names the misspelt field.
    let e = compile_err(&BASE.replace("layer_thickness_angstrom", "layer_thickness"));
    assert!(e.contains("unknown field `layer_thickness`"), "{e}");
}

#[test]
fn absurd_lattice_sizes_are_refused_before_allocation() {
    let e = compile_err(&BASE.replace("nx = 16, ny = 16", "nx = 200000, ny = 200000"));
    assert!(e.starts_with("kmc.lattice (nx × ny): [200000, 200000] sites overflow"), "{e}");
    let e = compile_err(&BASE.replace("nx = 16, ny = 16", "nx = 20000, ny = 20000"));
    assert!(e.starts_with("kmc.lattice (nx × ny): 400000000 sites would need about"), "{e}");
    let e = compile_err(&BASE.replace("nx = 16", "nx = 0"));
    assert_eq!(e, "kmc.lattice.nx: expected at least 1 site");
}

#[test]
fn events_that_change_nothing_are_rejected() {
    let e = compile_err(&BASE.replace(r#"site = "A", becomes = "E""#, r#"site = "A", becomes = "A""#));
    assert!(e.starts_with("kmc.events[1].becomes: the event changes nothing"), "{e}");
}

/// A half-cycle whose events never run out (fast diffusion for 10 s = ~1e14 events) is stopped early
/// by extrapolating the event rate, and the error names the phase and the event.
#[test]
fn non_terminating_half_cycle_is_an_error() {
    let text = BASE.replace(
        r#"  { name = "des","#,
        r#"  { name = "hop", site = "A", becomes = "E", neighbor = "E", neighbor_becomes = "A", rate = { constant_hz = 1e12 } },
  { name = "des","#,
    )
    .replace("duration_s = 1.0", "duration_s = 10.0");
    let cfg: KmcConfig = toml::from_str(&text).unwrap();
    let m = Model::compile(&cfg).unwrap();
    let t = std::time::Instant::now();
    let err = simulate(&m, 1, &mut |_| {}).expect_err("must not terminate");
    let s = err.to_string();
    assert!(matches!(err, KmcError::Runaway { .. }));
    assert!(s.starts_with("kmc.cycle.phases[0]: phase 'pulse' (cycle 1) does not terminate"), "{s}");
    assert!(s.contains("mostly event 'hop' (kmc.events[1]"), "{s}");
    assert!(!s.contains('\n'));
    assert!(t.elapsed().as_secs_f64() < 20.0);
}

#[test]
fn explicit_event_budget_is_honoured() {
    let text = BASE.replace("prefactor_hz = 1e13, barrier_ev = 1.0", "prefactor_hz = 1e13, barrier_ev = 0.0");
    let mut cfg: KmcConfig = toml::from_str(&text).unwrap();
    cfg.max_events_per_phase = 1000.0;
    let m = Model::compile(&cfg).unwrap();
    let e = simulate(&m, 1, &mut |_| {}).unwrap_err().to_string();
    assert!(e.contains("kmc.max_events_per_phase = 1.0e3"), "{e}");
}

#[test]
fn trench_needs_its_keys() {
    let e = compile_err(&BASE.replace(
        r#"lattice = { kind = "square", nx = 16, ny = 16, a_angstrom = 3 }"#,
        r#"lattice = { kind = "trench", ny = 4, a_angstrom = 10, width_sites = 4, depth_sites = 10, margin_sites = 2, gas_species = "E" }"#,
    ));
    assert_eq!(e, "kmc.lattice.bulk_species: required for kind = \"trench\"");
    let e = compile_err(&BASE.replace("nx = 16, ny = 16, a_angstrom = 3", "nx = 16, ny = 16, a_angstrom = 3, width_sites = 3"));
    assert_eq!(e, "kmc.lattice.width_sites: only valid for kind = \"trench\"");
}

#[test]
fn relaxation_is_only_for_deposition() {
    let e = compile_err(&BASE.replace(
        r#"{ name = "des", site = "A", becomes = "E","#,
        r#"{ name = "des", site = "A", becomes = "E", height_change = -1, relax_to_lowest = true,"#,
    ));
    assert_eq!(e, "kmc.events[1].relax_to_lowest: only for deposition (height_change > 0) on 2-D lattices");
}
