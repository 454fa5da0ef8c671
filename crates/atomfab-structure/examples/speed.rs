//! Quick single-thread timing of the analyses on a noisy fcc / diamond crystal:
//! `cargo run --release -p atomfab-structure --example speed -- [cells] [repeats]`.
//! The comparison with OVITO is `bench/structure_vs_ovito.py` (through `atomfab bench structure`).

use atomfab_core::{LatticeKind, LatticeSpec, UnitSystem};
use atomfab_structure::cna::{cna_on_grid, CnaMode};
use atomfab_structure::diamond::diamond_on_grid;
use atomfab_structure::synthetic::add_thermal_noise;
use atomfab_structure::NeighborGrid;
use std::time::Instant;

fn main() {
    let args: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let cells = args.first().copied().unwrap_or(20);
    let repeats = args.get(1).copied().unwrap_or(5);
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
    for (kind, a, el) in [(LatticeKind::Fcc, 3.615, "Cu"), (LatticeKind::Bcc, 2.8665, "Fe"), (LatticeKind::Diamond, 5.431, "Si")] {
        let mut s = LatticeSpec::new(kind, a, &[el]).build([cells; 3], UnitSystem::Metal).unwrap();
        add_thermal_noise(&mut s.positions, 0.1, 1);
        // CPU seconds per run (the machine may be shared, so wall time would mislead).
        let time = |f: &(dyn Fn() + Sync)| {
            let (t, c) = (Instant::now(), cpu_seconds());
            for _ in 0..repeats {
                pool.install(f);
            }
            let cpu = (cpu_seconds() - c) / repeats as f64;
            let _ = t;
            cpu
        };
        let grid = NeighborGrid::new(&s.cell, &s.positions).unwrap();
        let t_grid = time(&|| drop(NeighborGrid::new(&s.cell, &s.positions).unwrap()));
        let t_cna = time(&|| drop(cna_on_grid(&grid, CnaMode::Adaptive)));
        let t_fixed = time(&|| drop(cna_on_grid(&grid, CnaMode::Fixed { cutoff_angstrom: 0.854 * a })));
        let t_dia = time(&|| drop(diamond_on_grid(&grid)));
        let t_coord = time(&|| drop(atomfab_structure::coordination::coordination_on_grid(&grid, 0.854 * a)));
        let t_knn = time(&|| {
            let mut nn = atomfab_structure::NearestNeighbors::new(12);
            for i in 0..grid.len() {
                grid.nearest(i, &mut nn);
            }
        });
        let r12 = grid.typical_radius(12);
        let t_hint = time(&|| {
            let mut nn = atomfab_structure::NearestNeighbors::new(12);
            for &i in grid.spatial_order() {
                grid.nearest_hinted(i as usize, r12, 12, &mut nn);
            }
        });
        let t_hint_cls = time(&|| {
            let mut nn = atomfab_structure::NearestNeighbors::new(12);
            let mut fcc = 0;
            for &i in grid.spatial_order() {
                grid.nearest_hinted(i as usize, r12, 12, &mut nn);
                fcc += (atomfab_structure::cna::adaptive_type(nn.as_slice()) == atomfab_structure::CnaType::Fcc) as usize;
            }
            std::hint::black_box(fcc);
        });
        println!(
            "hinted 12-NN (r = {r12:.3} Å) {:.3} µs/atom, with classification {:.3}",
            t_hint / s.len() as f64 * 1e6,
            t_hint_cls / s.len() as f64 * 1e6
        );
        let n = s.len() as f64;
        println!(
            "{el} {kind:?} {} atoms, µs/atom: grid {:.3}  a-cna {:.3}  fixed-cna {:.3}  diamond {:.3}  radius search {:.3}  12-NN {:.3}",
            s.len(),
            t_grid / n * 1e6,
            t_cna / n * 1e6,
            t_fixed / n * 1e6,
            t_dia / n * 1e6,
            t_coord / n * 1e6,
            t_knn / n * 1e6
        );
    }
}

/// Process CPU time (user + system) from /proc/self/stat, in seconds (Linux; 0 elsewhere).
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else { return 0.0 };
    let after = stat.rsplit_once(')').map(|x| x.1).unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = f.get(11).and_then(|x| x.parse().ok()).unwrap_or(0.0) + f.get(12).and_then(|x| x.parse().ok()).unwrap_or(0.0);
    ticks / 100.0
}
