//! `run` writes the files a process engineer and the metrology crate read.

use atomfab_kmc::{run_with_figures, KmcConfig};

#[test]
fn run_writes_summary_csvs_height_map_and_plot_data() {
    let path = format!("{}/../../examples/ald_al2o3.toml", env!("CARGO_MANIFEST_DIR"));
    let mut cfg = KmcConfig::from_recipe_str(&std::fs::read_to_string(&path).unwrap(), &path).unwrap();
    cfg.cycle.count = 3;
    cfg.lattice.nx = 24;
    cfg.lattice.ny = 16;
    let dir = tempfile::tempdir().unwrap();
    let mut seen = Vec::new();
    let (summary, figures) = run_with_figures(&cfg, dir.path(), 9, &mut |p| seen.push(p.cycle)).unwrap();
    assert_eq!(seen, vec![1, 2, 3]);

    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.path().join("summary.json")).unwrap()).unwrap();
    assert_eq!(v["cycles"], 3);
    let gpc = v["gpc_angstrom_per_cycle"].as_f64().unwrap();
    assert!((gpc - summary.gpc_angstrom_per_cycle).abs() < 1e-12 && gpc > 0.9);
    let cov = v["coverage"].as_object().unwrap();
    let total: f64 = cov.values().map(|x| x.as_f64().unwrap()).sum();
    assert!((total - 1.0).abs() < 1e-12 && cov.contains_key("OH") && cov.contains_key("AlMe2"));

    // Per-cycle CSV: header + cycles 0..=3; the thickness column accumulates the GPC column.
    let cycles = std::fs::read_to_string(dir.path().join("cycles.csv")).unwrap();
    let rows: Vec<&str> = cycles.lines().filter(|l| !l.starts_with('#')).collect();
    assert!(rows[0].starts_with("cycle,time_s,thickness_angstrom,gpc_angstrom"));
    assert_eq!(rows.len(), 5);
    let sum_gpc: f64 = rows[1..].iter().map(|r| r.split(',').nth(3).unwrap().parse::<f64>().unwrap()).sum();
    let last_t: f64 = rows[4].split(',').nth(2).unwrap().parse().unwrap();
    assert!((sum_gpc - last_t).abs() < 1e-5);

    // Coverage CSV: 4 phases × 20 samples × 3 cycles + the final state.
    let cov = std::fs::read_to_string(dir.path().join("coverage.csv")).unwrap();
    let rows: Vec<&str> = cov.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(rows[0], "time_s,cycle,phase,theta_OH,theta_AlMe2,p_TMA_pa,p_H2O_pa");
    assert_eq!(rows.len(), 1 + 4 * 20 * 3 + 1);

    // Height map: header with dx/dy/unit, ny rows of nx values, mean = final thickness.
    let hm = std::fs::read_to_string(dir.path().join("height_map.txt")).unwrap();
    let mut lines = hm.lines();
    lines.next();
    assert_eq!(lines.next().unwrap(), "# nx=24 ny=16 dx=3 dy=3 unit=angstrom");
    let vals: Vec<Vec<f64>> = lines.map(|l| l.split_whitespace().map(|x| x.parse().unwrap()).collect()).collect();
    assert_eq!(vals.len(), 16);
    assert!(vals.iter().all(|r| r.len() == 24));
    let mean = vals.iter().flatten().sum::<f64>() / (24.0 * 16.0);
    assert!((mean - summary.thickness_angstrom).abs() < 1e-3);

    // Plot data (drawn by the report layer): thickness per cycle ends at the final thickness, coverage
    // curves of the species that appeared, one point per coverage.csv row.
    let stems: Vec<&str> = figures.iter().map(|f| f.file_stem.as_str()).collect();
    assert_eq!(stems, ["thickness_vs_cycle", "coverage_vs_time"]);
    let th = &figures[0].series[0].1;
    assert_eq!(th.len(), 4);
    assert!((th[3].1 - summary.thickness_angstrom).abs() < 1e-12);
    let names: Vec<&str> = figures[1].series.iter().map(|s| s.0.as_str()).collect();
    assert_eq!(names, ["OH", "AlMe2"]);
    assert!(figures[1].series.iter().all(|s| s.1.len() == rows.len() - 1));
    assert!(!dir.path().join("thickness_vs_cycle.svg").exists(), "the engine crate writes data, not pictures");
}
