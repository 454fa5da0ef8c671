//! Profiling driver: `cargo run --release -p atomfab-metrology --example stats_profile -- N GROUP REPS`
//! runs one parameter group (height, hybrid, functional, spatial, psd) REPS times on the seeded N² map
//! used by `atomfab bench surface`, for `perf record`.
use atomfab_metrology::params::{height_params, sal_str, sdq, sdr, MaterialRatio};
use atomfab_metrology::psd::{psd_2d, Window};
use std::time::Instant;

/// CPU seconds of the calling thread (robust against other load on a shared machine).
fn cpu() -> f64 {
    #[repr(C)]
    struct Timespec {
        s: i64,
        ns: i64,
    }
    extern "C" {
        fn clock_gettime(clock: i32, tp: *mut Timespec) -> i32;
    }
    let mut t = Timespec { s: 0, ns: 0 };
    // SAFETY: valid out-pointer; CLOCK_THREAD_CPUTIME_ID = 3 on Linux.
    unsafe { clock_gettime(3, &mut t) };
    t.s as f64 + t.ns as f64 * 1e-9
}

fn main() {
    let a: Vec<String> = std::env::args().collect();
    let n: usize = a.get(1).and_then(|s| s.parse().ok()).unwrap_or(1024);
    let group = a.get(2).cloned().unwrap_or_else(|| "functional".into());
    let reps: usize = a.get(3).and_then(|s| s.parse().ok()).unwrap_or(20);
    let m = atomfab_metrology::synthetic::rough_surface(n, n, 1e-9, 4, 0.3e-9, 42).unwrap();
    // One worker thread, and the timed loop runs on it, so its CPU clock sees all the work.
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
    pool.install(|| run(&m, &group, reps));
}

fn run(m: &atomfab_metrology::HeightMap, group: &str, reps: usize) {
    let m = m.clone();
    let t = Instant::now();
    let mut acc = 0.0;
    let mut best = f64::INFINITY;
    for _ in 0..reps {
        let c0 = cpu();
        acc += match group {
            "height" => height_params(&m).unwrap().Sku,
            "hybrid" => sdq(&m).unwrap() + sdr(&m).unwrap(),
            "fused" => {
                let (a, b) = atomfab_metrology::params::sdq_sdr(&m).unwrap();
                a + b
            }
            "functional" => {
                let af = MaterialRatio::new(&m).unwrap();
                af.sk() + af.spk() + af.svk()
            }
            "spatial" => sal_str(&m, 0.2).unwrap().0,
            "psd" => psd_2d(&m, Window::Hann).unwrap().radial().psd[1],
            g => panic!("unknown group {g}"),
        };
        best = best.min(cpu() - c0);
    }
    println!("{group}: best {:.3} ms CPU, mean {:.3} ms wall ({acc:e})", best * 1e3, t.elapsed().as_secs_f64() * 1e3 / reps as f64);
}
