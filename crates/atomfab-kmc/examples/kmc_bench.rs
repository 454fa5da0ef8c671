//! `cargo run --release -p atomfab-kmc --example kmc_bench -- [N] [CYCLES]`: the engine benchmark
//! without the CLI (same code path as `atomfab bench kmc`).
fn main() {
    let a: Vec<String> = std::env::args().collect();
    let n = a.get(1).and_then(|s| s.parse().ok()).unwrap_or(256);
    let cycles = a.get(2).and_then(|s| s.parse().ok()).unwrap_or(50);
    match atomfab_kmc::bench(n, cycles, 1) {
        Ok(r) => println!("{}", serde_json::to_string_pretty(&r).unwrap()),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2)
        }
    }
}
