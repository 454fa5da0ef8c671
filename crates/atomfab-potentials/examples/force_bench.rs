//! Force-evaluation speed on the LAMMPS benchmark systems (neighbour list built once, then `--evals`
//! force calls, as LAMMPS `run N` without integrator and without re-neighbouring spends its time in
//! Pair). Compare with bench/compare_lammps.sh, which runs both side by side.
//!
//! cargo run --release -p atomfab-potentials --example force_bench -- lj|eam|tersoff [--evals N] [--threads T]

use atomfab_core::{Cell, NeighborList, Vec3};
use atomfab_potentials::{from_spec, Output, Request};
use rand::{Rng, SeedableRng};
use std::time::Instant;

fn lattice(basis: &[Vec3], a: f64, n: usize, seed: u64) -> (Cell, Vec<Vec3>) {
    let l = a * n as f64;
    let cell = Cell::orthorhombic([0.0; 3], [l; 3], [true; 3]).unwrap();
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut pos = Vec::with_capacity(n * n * n * basis.len());
    for i in 0..n {
        for j in 0..n {
            for k in 0..n {
                for b in basis {
                    // Small displacement (1 % of a) so that no force is exactly zero.
                    let r = [(i as f64 + b[0]) * a, (j as f64 + b[1]) * a, (k as f64 + b[2]) * a];
                    pos.push(r.map(|x| (x + rng.gen_range(-0.01..0.01) * a).rem_euclid(l)));
                }
            }
        }
    }
    (cell, pos)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let case = args.first().map(String::as_str).unwrap_or("lj");
    let get = |key: &str, default: usize| -> usize {
        args.iter().position(|a| a == key).and_then(|k| args.get(k + 1)).and_then(|v| v.parse().ok()).unwrap_or(default)
    };
    let evals = get("--evals", 50);
    let threads = get("--threads", 1);
    std::env::set_var(
        "ATOMFAB_POTENTIALS",
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/potentials"),
    );
    let fcc = [[0.0, 0.0, 0.0], [0.5, 0.5, 0.0], [0.5, 0.0, 0.5], [0.0, 0.5, 0.5]];
    let diamond = [
        [0.0, 0.0, 0.0], [0.5, 0.5, 0.0], [0.5, 0.0, 0.5], [0.0, 0.5, 0.5],
        [0.25, 0.25, 0.25], [0.75, 0.75, 0.25], [0.75, 0.25, 0.75], [0.25, 0.75, 0.75],
    ];
    // Systems and skins of LAMMPS bench/in.lj, in.eam, in.tersoff.
    let (spec, (cell, pos), skin) = match case {
        "lj" => ("lj:epsilon=1,sigma=1,cutoff=2.5", lattice(&fcc, (4.0f64 / 0.8442).cbrt(), 20, 1), 0.3),
        "eam" => ("eam:Cu_u3.eam", lattice(&fcc, 3.615, 20, 2), 1.0),
        "tersoff" => ("tersoff:Si.tersoff:Si", lattice(&diamond, 5.431, 16, 3), 1.0),
        other => panic!("unknown case '{other}': expected lj, eam or tersoff"),
    };
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
    pool.install(|| {
        let mut pot = from_spec(spec).unwrap();
        let species = vec![0u32; pos.len()];
        let t0 = Instant::now();
        let list = NeighborList::build(&cell, &pos, pot.cutoff(), skin, pot.list_kind()).unwrap();
        let t_list = t0.elapsed().as_secs_f64();
        let mut forces = vec![[0.0; 3]; pos.len()];
        let mut out = Output::default();
        let request = Request { per_atom_energy: false, virial: true };
        // One call before timing (as LAMMPS' setup computes forces once before step 1).
        pot.compute(&list, &species, &mut forces, request, &mut out);
        let t0 = Instant::now();
        for _ in 0..evals {
            pot.compute(&list, &species, &mut forces, request, &mut out);
        }
        let dt = t0.elapsed().as_secs_f64();
        println!(
            "{case}: {} atoms, {} threads, list {:.3} s, {:.3} ms per force call, {:.3e} atom-evals/s, energy {:.6e}",
            pos.len(),
            threads,
            t_list,
            1e3 * dt / evals.max(1) as f64,
            pos.len() as f64 * evals as f64 / dt,
            out.energy
        );
    });
}
