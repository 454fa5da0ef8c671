//! Shared test helpers: evaluate a potential on a configuration, finite-difference checks.
#![allow(dead_code)]

use atomfab_core::{Cell, ListKind, NeighborList, Vec3};
use atomfab_potentials::{Output, Potential, Request};
use rand::{Rng, SeedableRng};

pub struct Eval {
    pub energy: f64,
    pub forces: Vec<Vec3>,
    pub virial: [f64; 6],
    pub per_atom: Vec<f64>,
}

/// Energy (eV), forces, virial and per-atom energies with a fresh neighbour list (skin 0.3 Å).
/// Positions are wrapped into the cell first (the list handles atoms at most the skin outside it).
pub fn evaluate(pot: &mut dyn Potential, cell: &Cell, pos: &[Vec3], species: &[u32]) -> Eval {
    let pos: Vec<Vec3> = pos.iter().map(|&r| cell.wrap(r).0).collect();
    let list = NeighborList::build(cell, &pos, pot.cutoff(), 0.3, pot.list_kind()).unwrap();
    let mut forces = vec![[0.0; 3]; pos.len()];
    let mut out = Output::default();
    pot.compute(&list, species, &mut forces, Request { per_atom_energy: true, virial: true }, &mut out);
    Eval { energy: out.energy, forces, virial: out.virial, per_atom: out.per_atom_energy }
}

pub fn energy(pot: &mut dyn Potential, cell: &Cell, pos: &[Vec3], species: &[u32]) -> f64 {
    evaluate(pot, cell, pos, species).energy
}

/// Checks forces = −∇E by central differences on `count` random components, and the virial against
/// −dE/dε for a homogeneous strain of cell and atoms, treating `pot.cutoff()` as the only distance where
/// the force jumps. Returns the largest relative errors. See `check_gradients_with_kinks`.
pub fn check_gradients(pot: &mut dyn Potential, cell: &Cell, pos: &[Vec3], species: &[u32], seed: u64, count: usize) -> (f64, f64) {
    let kinks = [pot.cutoff()];
    check_gradients_with_kinks(pot, cell, pos, species, seed, count, &kinks)
}

/// As `check_gradients`, with `kinks` the pair distances (Å) where the potential's force jumps (truncated
/// pair terms and EAM tables end there). A central difference over a step that moves some pair across a
/// kink measures the jump, not the derivative (the error does not shrink with the step), so each derivative
/// takes the best of the steps 1e-5, 1e-6, 1e-7 (Å or strain; truncation against rounding error) that keep
/// every pair it moves on one side of every kink; a derivative with a pair closer than 1e-7·r to a kink is
/// not defined there and is skipped. Positions are wrapped into the cell first: the neighbour list only
/// handles atoms up to the skin outside it.
pub fn check_gradients_with_kinks(
    pot: &mut dyn Potential,
    cell: &Cell,
    pos: &[Vec3],
    species: &[u32],
    seed: u64,
    count: usize,
    kinks: &[f64],
) -> (f64, f64) {
    let steps = [1e-5, 1e-6, 1e-7];
    // Distance of every pair (both directions) within reach of a kink, per atom.
    let reach = kinks.iter().fold(0.0f64, |m, &k| m.max(k)) + 1e-3;
    let wrapped: Vec<Vec3> = pos.iter().map(|&r| cell.wrap(r).0).collect();
    let list = NeighborList::build(cell, &wrapped, reach, 0.0, ListKind::Full).unwrap();
    let ext = list.extended_positions();
    let dist: Vec<Vec<f64>> = (0..pos.len())
        .map(|i| {
            list.neighbors_of(i)
                .iter()
                .map(|&j| {
                    let d = [0, 1, 2].map(|k| ext[j as usize][k] - ext[i][k]);
                    (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]).sqrt()
                })
                .collect()
        })
        .collect();
    // Whether moving each pair distance r by up to `band(r)` keeps it clear of every kink.
    let clear = |rs: &mut dyn Iterator<Item = f64>, band: &dyn Fn(f64) -> f64| -> bool {
        let mut ok = true;
        for r in rs {
            ok &= kinks.iter().all(|&k| (r - k).abs() > 1.01 * band(r));
        }
        ok
    };
    let base = evaluate(pot, cell, pos, species);
    let fscale = base.forces.iter().flatten().fold(1.0f64, |m, f| m.max(f.abs()));
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut max_f = 0.0f64;
    for _ in 0..count {
        let i = rng.gen_range(0..pos.len());
        let k = rng.gen_range(0..3);
        // Moving atom i by h changes its pair distances by at most h.
        let err = steps
            .iter()
            .filter(|&&h| clear(&mut dist[i].iter().copied(), &|_| h))
            .map(|&h| {
                let mut p = pos.to_vec();
                p[i][k] += h;
                let ep = energy(pot, cell, &p, species);
                p[i][k] -= 2.0 * h;
                let em = energy(pot, cell, &p, species);
                let fd = -(ep - em) / (2.0 * h);
                (fd - base.forces[i][k]).abs() / fscale
            })
            .fold(f64::INFINITY, f64::min);
        if err.is_finite() {
            max_f = max_f.max(err);
        }
    }
    // Virial W_ab = −dE/dε_ab (Voigt order xx, yy, zz, xy, xz, yz) for r → (1 + ε) r.
    let mut max_v = 0.0f64;
    let vscale = base.virial.iter().fold(1.0f64, |m, v| m.max(v.abs()));
    for (v, (a, b)) in [(0, 0), (1, 1), (2, 2), (0, 1), (0, 2), (1, 2)].into_iter().enumerate() {
        let mut strained = |e: f64| -> f64 {
            let mut m = [[0.0; 3]; 3];
            for (d, row) in m.iter_mut().enumerate() {
                row[d] = 1.0;
            }
            // Symmetric strain for shear: both off-diagonal terms, half each.
            if a == b {
                m[a][a] += e;
            } else {
                m[a][b] += 0.5 * e;
                m[b][a] += 0.5 * e;
            }
            let apply = |r: Vec3| -> Vec3 { [0, 1, 2].map(|x| (0..3).map(|y| m[x][y] * r[y]).sum()) };
            let vecs = cell.vectors().map(apply);
            let c = Cell::new(vecs, apply(cell.origin()), cell.pbc()).unwrap();
            let p: Vec<Vec3> = pos.iter().map(|&r| apply(r)).collect();
            energy(pot, &c, &p, species)
        };
        // A strain of norm h changes every pair distance r by at most h·r.
        let err = steps
            .iter()
            .filter(|&&h| clear(&mut dist.iter().flatten().copied(), &|r| h * r))
            .map(|&h| {
                let de = (strained(h) - strained(-h)) / (2.0 * h);
                (-de - base.virial[v]).abs() / vscale
            })
            .fold(f64::INFINITY, f64::min);
        if err.is_finite() {
            max_v = max_v.max(err);
        }
    }
    (max_f, max_v)
}

/// Random positions in `cell` with no two atoms closer than `rmin` Å (periodic distance).
pub fn random_positions(cell: &Cell, n: usize, rmin: f64, seed: u64) -> Vec<Vec3> {
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut pos: Vec<Vec3> = Vec::new();
    let mut tries = 0;
    while pos.len() < n && tries < 100_000 {
        tries += 1;
        let r = cell.to_cartesian([rng.gen(), rng.gen(), rng.gen()]);
        let ok = pos.iter().all(|&q| {
            let d = cell.minimum_image([r[0] - q[0], r[1] - q[1], r[2] - q[2]]);
            d[0] * d[0] + d[1] * d[1] + d[2] * d[2] >= rmin * rmin
        });
        if ok {
            pos.push(r);
        }
    }
    assert_eq!(pos.len(), n, "could not place atoms");
    pos
}
