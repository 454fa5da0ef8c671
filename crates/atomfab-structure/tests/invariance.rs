//! Per-atom structure types do not depend on atom order, on a rigid rotation of atoms and cell together,
//! or on which periodic image an atom is stored as.

use atomfab_core::{Cell, LatticeKind, LatticeSpec, UnitSystem, Vec3};
use atomfab_structure::cna::CnaMode;
use atomfab_structure::synthetic::add_thermal_noise;
use atomfab_structure::{common_neighbor_analysis, coordination_numbers, identify_diamond};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

fn rotate(m: &[[f64; 3]; 3], v: Vec3) -> Vec3 {
    [0, 1, 2].map(|r| m[r][0] * v[0] + m[r][1] * v[1] + m[r][2] * v[2])
}

/// A random proper rotation from a random unit quaternion.
fn random_rotation(rng: &mut impl Rng) -> [[f64; 3]; 3] {
    let mut q = [0.0f64; 4];
    loop {
        for x in q.iter_mut() {
            *x = rng.gen_range(-1.0..1.0);
        }
        let n = q.iter().map(|x| x * x).sum::<f64>().sqrt();
        if n > 0.1 && n < 1.0 {
            q.iter_mut().for_each(|x| *x /= n);
            break;
        }
    }
    let [w, x, y, z] = q;
    [
        [1.0 - 2.0 * (y * y + z * z), 2.0 * (x * y - z * w), 2.0 * (x * z + y * w)],
        [2.0 * (x * y + z * w), 1.0 - 2.0 * (x * x + z * z), 2.0 * (y * z - x * w)],
        [2.0 * (x * z - y * w), 2.0 * (y * z + x * w), 1.0 - 2.0 * (x * x + y * y)],
    ]
}

#[test]
fn order_rotation_and_images_do_not_matter() {
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(5);
    for (kind, a, sigma) in [(LatticeKind::Fcc, 3.615, 0.15), (LatticeKind::Bcc, 2.8665, 0.12), (LatticeKind::Diamond, 5.431, 0.3)] {
        let mut s = LatticeSpec::new(kind, a, &["Cu"]).build([5, 5, 5], UnitSystem::Metal).unwrap();
        add_thermal_noise(&mut s.positions, sigma, 9);
        let cna0 = common_neighbor_analysis(&s.cell, &s.positions, CnaMode::Adaptive).unwrap();
        let dia0 = identify_diamond(&s.cell, &s.positions).unwrap();
        let coord0 = coordination_numbers(&s.cell, &s.positions, 0.9 * a).unwrap();
        // Noise large enough that the types are mixed, so agreement is informative.
        assert!(cna0.iter().any(|&t| t != cna0[0]) || dia0.iter().any(|&t| t != dia0[0]), "{kind:?}");

        let rot = random_rotation(&mut rng);
        let v = s.cell.vectors().map(|r| rotate(&rot, r));
        let cell = Cell::new(v, [1.5, -2.0, 0.5], [true; 3]).unwrap();
        let mut order: Vec<usize> = (0..s.len()).collect();
        order.shuffle(&mut rng);
        // Rotated, shifted to the new origin, moved by whole cell vectors, and shuffled.
        let pos: Vec<Vec3> = order
            .iter()
            .map(|&i| {
                let r = rotate(&rot, s.positions[i]);
                let n = [rng.gen_range(-2i32..=2), rng.gen_range(-2i32..=2), rng.gen_range(-2i32..=2)];
                let shift = cell.fractional_to_vector(n.map(f64::from));
                [r[0] + 1.5 + shift[0], r[1] - 2.0 + shift[1], r[2] + 0.5 + shift[2]]
            })
            .collect();
        let cna1 = common_neighbor_analysis(&cell, &pos, CnaMode::Adaptive).unwrap();
        let dia1 = identify_diamond(&cell, &pos).unwrap();
        let coord1 = coordination_numbers(&cell, &pos, 0.9 * a).unwrap();
        for (k, &i) in order.iter().enumerate() {
            assert_eq!(cna1[k], cna0[i], "{kind:?} CNA atom {i}");
            assert_eq!(coord1[k], coord0[i], "{kind:?} coordination atom {i}");
        }
        // Identify-diamond marks neighbour shells in index order (first claimant wins); that order
        // only matters between cubic and hexagonal claimants, and these crystals have no hexagonal atoms.
        for (k, &i) in order.iter().enumerate() {
            assert_eq!(dia1[k], dia0[i], "{kind:?} diamond atom {i}");
        }
    }
}
