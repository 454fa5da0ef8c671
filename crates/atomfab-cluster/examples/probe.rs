// Development probe: cargo run --release -p atomfab-cluster --example probe -- N THREADS SEED [ga]
use atomfab_cluster::*;
fn main() {
    let a: Vec<String> = std::env::args().collect();
    let n: usize = a[1].parse().unwrap();
    let mut s = SearchSettings::new(n, PotentialSpec::lj());
    s.threads = a.get(2).map_or(2, |v| v.parse().unwrap());
    s.seed = a.get(3).map_or(1, |v| v.parse().unwrap());
    if a.get(4).map(|s| s.as_str()) == Some("ga") { s.method = Method::Genetic; }
    if a.get(4).map(|s| s.as_str()) == Some("noseed") { s.seeding = false; }
    s.target = Some("ccd".parse().unwrap());
    s.time_limit_s = Some(a.get(5).map_or(30.0, |v| v.parse().unwrap()));
    let r = search(&s).unwrap();
    println!("{}", serde_json::to_string(&r).unwrap());
    if let Ok(path) = std::env::var("PROBE_XYZ") {
        atomfab_cluster::xyz::write_extxyz(std::path::Path::new(&path), &[atomfab_cluster::xyz::XyzFrame{positions:&r.positions, energy:r.energy, point_group:&r.point_group}], &["Ar".to_string()], atomfab_core::UnitSystem::Lj, "lj").unwrap();
    }
}
