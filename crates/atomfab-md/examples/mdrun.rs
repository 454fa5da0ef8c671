// Runs an [md] TOML config file (development helper): cargo run --release --example mdrun CONFIG OUT [resume]
fn main() {
    let a: Vec<String> = std::env::args().collect();
    let cfg: atomfab_md::MdConfig = toml::from_str(&std::fs::read_to_string(&a[1]).unwrap()).unwrap();
    let s = if a.len() > 3 {
        atomfab_md::resume_md(&cfg, std::path::Path::new(&a[2]), &mut |_| {})
    } else {
        atomfab_md::run_md(&cfg, std::path::Path::new(&a[2]), &mut |_| {})
    };
    println!("{:?}", s);
}
