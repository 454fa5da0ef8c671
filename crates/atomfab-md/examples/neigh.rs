// Times NeighborList::build on the LJ benchmark box (development helper).
use atomfab_core::{LatticeKind, LatticeSpec, ListKind, NeighborList, UnitSystem};
fn main() {
    let cells: usize = std::env::args().nth(1).map_or(20, |x| x.parse().unwrap());
    let a = (4.0f64 / 0.8442).cbrt();
    let s = LatticeSpec::new(LatticeKind::Fcc, a, &["Ar"]).build([cells; 3], UnitSystem::Lj).unwrap();
    let mut pos = s.positions.clone();
    // Liquid-like disorder so bins are not perfectly regular.
    let mut x: u64 = 12345;
    for r in pos.iter_mut() {
        for k in 0..3 {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            r[k] = (r[k] + 0.2 * ((x >> 11) as f64 / (1u64 << 53) as f64 - 0.5)).rem_euclid(s.cell.vectors()[k][k]);
        }
    }
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
    pool.install(|| {
        let t = std::time::Instant::now();
        let mut pairs = 0;
        for _ in 0..5 {
            pairs = NeighborList::build(&s.cell, &pos, 2.5, 0.3, ListKind::Half).unwrap().pair_count();
        }
        println!("half: {pairs} pairs, {:.1} ms per build", t.elapsed().as_secs_f64() / 5.0 * 1e3);
        let t = std::time::Instant::now();
        for _ in 0..5 {
            pairs = NeighborList::build(&s.cell, &pos, 2.5, 0.3, ListKind::Full).unwrap().pair_count();
        }
        println!("full: {pairs} pairs, {:.1} ms per build", t.elapsed().as_secs_f64() / 5.0 * 1e3);
    });
}
