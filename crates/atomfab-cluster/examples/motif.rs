// Development probe: energy of each motif's lattice-search start after one quench.
use atomfab_cluster::*;
use rand::SeedableRng;
fn main() {
    let n: usize = std::env::args().nth(1).unwrap().parse().unwrap();
    let pot = LennardJones::reduced();
    for m in seed::Motif::ALL {
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(1);
        let sites = seed::motif_lattice(m, n, 1.1225 * 0.98, &mut rng);
        let Some(mut x) = seed::lattice_search(&sites, n, 1.1225, &pot, 40, &mut rng, &|| false) else { continue };
        let mut flat: Vec<f64> = x.as_flattened().to_vec();
        let mut f = |v: &[f64], g: &mut [f64]| {
            let p: Vec<[f64; 3]> = v.chunks(3).map(|c| [c[0], c[1], c[2]]).collect();
            let mut gg = vec![[0.0; 3]; p.len()];
            let e = pot.energy_gradient(&p, &mut gg);
            g.copy_from_slice(gg.as_flattened());
            e
        };
        let r = minimize::lbfgs(&mut flat, &mut f, &minimize::LbfgsParams::default(), &mut minimize::LbfgsWorkspace::default(), &|| false);
        for (i, c) in flat.chunks(3).enumerate() { x[i] = [c[0], c[1], c[2]]; }
        println!("{n} {:>16} {} sites  E = {:.6}  {}", m.name(), sites.len(), r.energy, point_group(&x, 0.02));
    }
}
