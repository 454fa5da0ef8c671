// Development probe: the relaxed best lattice-search start of every motif for N atoms, over several seeds:
// cargo run --release -p atomfab-cluster --example stell -- N ROUNDS SEEDS
use atomfab_cluster::*;
use rand::SeedableRng;
fn main() {
    let a: Vec<String> = std::env::args().collect();
    let n: usize = a[1].parse().unwrap();
    let rounds: usize = a.get(2).map_or(40, |v| v.parse().unwrap());
    let seeds: u64 = a.get(3).map_or(1, |v| v.parse().unwrap());
    let pot = LennardJones::reduced();
    let nn = pot.nn_distance();
    for m in seed::Motif::ALL {
        let mut best = (f64::INFINITY, String::new(), 0);
        for sd in 0..seeds {
            let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(sd);
            let sites = seed::motif_lattice(m, n, nn * 0.98, &mut rng);
            let Some(mut x) = seed::lattice_search(&sites, n, nn, &pot, rounds, &mut rng, &|| false) else { continue };
            let mut f = |v: &[f64], g: &mut [f64]| {
                let p: Vec<[f64; 3]> = v.chunks(3).map(|c| [c[0], c[1], c[2]]).collect();
                let mut gg = vec![[0.0; 3]; p.len()];
                let e = pot.energy_gradient(&p, &mut gg);
                g.copy_from_slice(gg.as_flattened());
                e
            };
            let p = minimize::LbfgsParams::default();
            let r = minimize::lbfgs(x.as_flattened_mut(), &mut f, &p, &mut minimize::LbfgsWorkspace::default(), &|| false);
            if r.energy < best.0 {
                best = (r.energy, point_group(&x, 0.02 * nn), sites.len());
            }
        }
        println!("{n} {:>22} {:>5} sites  E = {:.6}  {}", m.name(), best.2, best.0, best.1);
    }
}
