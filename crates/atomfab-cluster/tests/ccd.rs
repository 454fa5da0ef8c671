//! The Cambridge Cluster Database LJ table (fixtures/ccd_lj_2_150.txt) and the search finding every global
//! minimum for N = 2..60 within a bounded budget (2 threads, fixed seed, at most 20 s per size; the whole
//! sweep takes about 15 s on 2 cores). The full table 2..150 is `atomfab bench cluster --full`.

use atomfab_cluster::reference::{ccd_lj_energy, ccd_lj_table};
use atomfab_cluster::{search, PotentialSpec, SearchSettings};

#[test]
fn table_is_complete_and_matches_published_values() {
    let t = ccd_lj_table();
    assert_eq!(t.len(), 149);
    assert_eq!(t.first().unwrap().0, 2);
    assert_eq!(t.last().unwrap().0, 150);
    // Wales & Doye, J. Phys. Chem. A 101, 5111 (1997) and the CCD (issue 6)
    for (n, e) in [(13, -44.326801), (38, -173.928427), (55, -279.248470), (75, -397.492331), (98, -543.665361)] {
        assert_eq!(ccd_lj_energy(n), Some(e));
    }
    assert!(t.windows(2).all(|w| w[1].1 < w[0].1));
    assert_eq!(ccd_lj_energy(151), None);
}

#[test]
fn every_lj_global_minimum_from_2_to_60_is_found() {
    let t0 = std::time::Instant::now();
    let mut missed = Vec::new();
    for n in 2..=60 {
        let mut s = SearchSettings::new(n, PotentialSpec::lj());
        s.threads = 2;
        s.seed = 2026;
        s.target = Some("ccd".parse().unwrap());
        s.time_limit_s = Some(20.0);
        let r = search(&s).unwrap();
        if r.target_reached != Some(true) {
            missed.push((n, r.energy));
        }
    }
    assert!(missed.is_empty(), "not found: {missed:?}");
    eprintln!("LJ2..60 all found in {:.1} s", t0.elapsed().as_secs_f64());
}

#[test]
fn marks_decahedron_and_vertex_free_mackay_are_found() {
    // LJ75 (D5h Marks decahedron, a double-funnel landscape) and LJ135 (Mackay 147 minus its 12 vertices)
    for (n, pg) in [(75, "D5h"), (135, "Ih")] {
        let mut s = SearchSettings::new(n, PotentialSpec::lj());
        s.threads = 2;
        s.seed = 2026;
        s.target = Some("ccd".parse().unwrap());
        s.time_limit_s = Some(30.0);
        let r = search(&s).unwrap();
        assert_eq!(r.target_reached, Some(true), "LJ{n}: {}", r.energy);
        assert_eq!(r.point_group, pg, "LJ{n}");
        eprintln!("LJ{n} found in {:.3} s", r.seconds);
    }
}
