//! Global search: bad input, budgets and time limits, reproducibility, GA, Morse/CCD, duplicates, recipes.

use atomfab_cluster::db::{fingerprint, same_minimum, MinimaDb, SameTol};
use atomfab_cluster::{run_config, search, ClusterConfig, Method, PotentialSpec, SearchSettings, Target};
use std::time::Instant;

fn lj(n: usize) -> SearchSettings {
    let mut s = SearchSettings::new(n, PotentialSpec::lj());
    s.threads = 2;
    s.seed = 3;
    s
}

#[test]
fn bad_settings_are_clear_errors() {
    let mut s = lj(1);
    s.max_steps = Some(10);
    assert!(search(&s).unwrap_err().to_string().contains("at least 2 atoms"));
    s.n = 1_000_000;
    assert!(search(&s).unwrap_err().to_string().contains("at most 2000"));
    s.n = 13;
    s.time_limit_s = Some(f64::NAN);
    assert!(search(&s).unwrap_err().to_string().contains("time limit"));
    s.time_limit_s = None;
    s.target = Some(Target::Energy(f64::NEG_INFINITY));
    assert!(search(&s).unwrap_err().to_string().contains("finite energy"));
    s.target = None;
    s.max_steps = None;
    assert!(search(&s).unwrap_err().to_string().contains("no stopping rule"));
    s.threads = 0;
    s.max_steps = Some(1);
    assert!(search(&s).unwrap_err().to_string().contains("threads"));
    let mut m = SearchSettings::new(13, PotentialSpec::parse("morse:rho=6").unwrap());
    m.target = Some("ccd".parse().unwrap());
    assert!(search(&m).unwrap_err().to_string().contains("reduced Lennard-Jones"));
    let mut big = lj(151);
    big.target = Some("ccd".parse().unwrap());
    assert!(search(&big).unwrap_err().to_string().contains("2..150"));
}

#[test]
fn unreachable_target_stops_at_the_time_limit_with_the_best_found() {
    let mut s = lj(30);
    s.target = Some(Target::Energy(-1000.0));
    s.time_limit_s = Some(0.5);
    let t = Instant::now();
    let r = search(&s).unwrap();
    let dt = t.elapsed().as_secs_f64();
    assert!(dt < 1.5, "took {dt} s");
    assert_eq!(r.target_reached, Some(false));
    assert_eq!(r.stop_reason, "time limit");
    assert!(r.energy < -120.0 && r.energy >= -128.286571 - 1e-6, "{}", r.energy);
    assert!(r.evaluations > 0);
}

#[test]
fn evaluation_budget_is_respected() {
    let mut s = lj(40);
    s.max_evaluations = Some(20_000);
    s.target = Some(Target::Energy(-1000.0));
    let r = search(&s).unwrap();
    assert_eq!(r.stop_reason, "evaluation budget");
    // walkers stop inside their quench; only the final polish of the best structure comes on top
    assert!(r.evaluations < 20_000 + 2_000, "{}", r.evaluations);
}

#[test]
fn step_limited_runs_are_reproducible() {
    let mut s = lj(26);
    s.max_steps = Some(60);
    let a = search(&s).unwrap();
    let b = search(&s).unwrap();
    assert_eq!(a.energy, b.energy);
    assert_eq!(a.evaluations, b.evaluations);
    assert_eq!(a.positions, b.positions);
    s.seed = 4;
    let c = search(&s).unwrap();
    assert_ne!(a.evaluations, c.evaluations);
}

#[test]
fn genetic_algorithm_finds_lj13_and_lj19() {
    for (n, pg) in [(13, "Ih"), (19, "D5h")] {
        let mut s = lj(n);
        s.method = Method::Genetic;
        s.target = Some("ccd".parse().unwrap());
        s.time_limit_s = Some(20.0);
        let r = search(&s).unwrap();
        assert_eq!(r.target_reached, Some(true), "GA LJ{n}: {}", r.energy);
        assert_eq!(r.point_group, pg);
    }
}

/// Morse clusters from the Cambridge Cluster Database (Doye & Wales, J. Chem. Soc. Faraday Trans. 93, 4233
/// (1997)): M13 at ρ = 6 (icosahedron) and M38 at ρ = 14 (fcc truncated octahedron).
#[test]
fn morse_global_minima_from_the_ccd() {
    for (spec, n, e_ref, pg) in [("morse:rho=6", 13, -42.439862, "Ih"), ("morse:rho=14", 38, -144.321054, "Oh")] {
        let mut s = SearchSettings::new(n, PotentialSpec::parse(spec).unwrap());
        s.threads = 2;
        s.target = Some(Target::Energy(e_ref));
        s.time_limit_s = Some(20.0);
        let r = search(&s).unwrap();
        assert_eq!(r.target_reached, Some(true), "{spec} N={n}: {}", r.energy);
        assert!((r.energy - e_ref).abs() < 1e-5);
        assert_eq!(r.point_group, pg);
    }
}

#[test]
fn metal_potentials_run() {
    for spec in ["gupta:Au", "sutton-chen:12-6"] {
        let mut s = SearchSettings::new(13, PotentialSpec::parse(spec).unwrap());
        s.threads = 2;
        s.max_steps = Some(40);
        let r = search(&s).unwrap();
        assert!(r.energy.is_finite() && r.energy < 0.0, "{spec}: {}", r.energy);
        assert!(!r.minima.is_empty());
    }
}

#[test]
fn duplicates_are_recognised_under_rotation_and_permutation() {
    let mut s = lj(13);
    s.target = Some("ccd".parse().unwrap());
    s.time_limit_s = Some(10.0);
    let r = search(&s).unwrap();
    let (sn, cs) = 1.1f64.sin_cos();
    let mut moved: Vec<[f64; 3]> = r.positions.iter().map(|p| [cs * p[0] - sn * p[2] + 5.0, p[1] - 2.0, sn * p[0] + cs * p[2]]).collect();
    moved.reverse();
    let tol = SameTol::default();
    assert!(same_minimum(r.energy, &fingerprint(&r.positions), r.energy, &fingerprint(&moved), tol));
    let mut db = MinimaDb::new(3);
    assert!(db.insert(r.energy, &r.positions));
    assert!(!db.insert(r.energy, &moved));
    // a different structure with a nearly equal energy is not a duplicate
    let mut other = r.positions.clone();
    other[0][0] += 0.3;
    assert!(!same_minimum(r.energy, &fingerprint(&r.positions), r.energy, &fingerprint(&other), tol));
    assert!(r.minima.windows(2).all(|w| w[0].energy < w[1].energy));
}

#[test]
fn recipe_section_parses_runs_and_writes_extxyz() {
    let dir = tempdir();
    let out = dir.join("lj13.xyz");
    let text = format!(
        "n = 13\npotential = \"lj\"\ntarget = \"ccd\"\ntime_limit_s = 10\nthreads = 2\nout = \"{}\"\nminima_out = \"{}\"\nkeep = 3\n",
        out.display(),
        dir.join("minima.xyz").display()
    );
    let cfg: ClusterConfig = toml::from_str(&text).unwrap();
    let r = run_config(&cfg).unwrap();
    assert_eq!(r.target_reached, Some(true));
    let xyz = std::fs::read_to_string(&out).unwrap();
    let mut lines = xyz.lines();
    assert_eq!(lines.next(), Some("13"));
    assert!(lines.next().unwrap().contains("point_group=Ih"));
    assert_eq!(xyz.lines().count(), 15);
    let minima = std::fs::read_to_string(dir.join("minima.xyz")).unwrap();
    assert!(minima.lines().filter(|l| l.contains("Properties=")).count() >= 1);
    // unknown keys and bad values are rejected with the key named
    let err = toml::from_str::<ClusterConfig>("n = 13\ntemprature = 1.0\n").unwrap_err().to_string();
    assert!(err.contains("temprature"), "{err}");
    let err = toml::from_str::<ClusterConfig>("n = 13\npotential = \"morse:rho=nan\"\n").unwrap_err().to_string();
    assert!(err.contains("finite"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

fn tempdir() -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("atomfab-cluster-test-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn large_cluster_respects_the_time_limit() {
    // one evaluation of 1200 atoms is ~720k pairs and a lattice-subset search seconds of CPU: quenches,
    // lattice searches, polish (≤ 1 s) and point group are all bounded (under load too: they ask the stop)
    let mut s = lj(1200);
    s.time_limit_s = Some(1.0);
    let t = Instant::now();
    let r = search(&s).unwrap();
    let dt = t.elapsed().as_secs_f64();
    assert!(dt < 6.0, "took {dt} s");
    assert_eq!(r.stop_reason, "time limit");
    assert!(r.energy.is_finite() && r.energy < -5000.0, "{}", r.energy);
}

#[test]
fn small_morse_and_sutton_chen_minima_match_the_ccd() {
    // tests/fixtures/ccd_morse_sc_small.txt: Doye's Morse table (rho = 3, 6, 10, 14) and the SC 12-6 table
    let text = std::fs::read_to_string("tests/fixtures/ccd_morse_sc_small.txt").unwrap();
    let mut checked = 0;
    for line in text.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
        let f: Vec<&str> = line.split_whitespace().collect();
        let (spec, n, e_ref, pg) = (f[0], f[1].parse::<usize>().unwrap(), f[2].parse::<f64>().unwrap(), f[3]);
        let mut s = SearchSettings::new(n, PotentialSpec::parse(spec).unwrap());
        s.threads = 1;
        s.seed = 5;
        // the table has 4 decimals
        s.target = Some(Target::Energy(e_ref - 5e-5));
        s.target_tol = 1e-4;
        s.time_limit_s = Some(10.0);
        let r = search(&s).unwrap();
        assert!((r.energy - e_ref).abs() < 6e-5, "{spec} N={n}: {} vs {e_ref}", r.energy);
        assert_eq!(r.point_group, pg, "{spec} N={n}");
        checked += 1;
    }
    assert_eq!(checked, 28);
}
