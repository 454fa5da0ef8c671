//! Run the `[kmc]` section of a recipe without the CLI: `cargo run --release -p atomfab-kmc --example kmc_run -- RECIPE OUT_DIR [SEED]`.
fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: kmc_run RECIPE OUT_DIR [SEED]");
        std::process::exit(2);
    }
    let text = std::fs::read_to_string(&args[1]).unwrap_or_else(|e| {
        eprintln!("{}: {e}", args[1]);
        std::process::exit(2)
    });
    let seed = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(1);
    let result = atomfab_kmc::KmcConfig::from_recipe_str(&text, &args[1]).and_then(|cfg| {
        atomfab_kmc::run(&cfg, std::path::Path::new(&args[2]), seed, &mut |p| {
            eprint!("\rcycle {}/{} events {}", p.cycle, p.cycles, p.events)
        })
    });
    eprintln!();
    match result {
        Ok(s) => println!("{}", serde_json::to_string_pretty(&s).unwrap()),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2)
        }
    }
}
