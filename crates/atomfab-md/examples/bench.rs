// `atomfab bench md` without the CLI (development helper): cargo run --release --example bench CASE STEPS THREADS [ATOMS]
fn main() {
    let a: Vec<String> = std::env::args().collect();
    let case = atomfab_md::bench::BenchCase::from_name(&a[1]).expect("case lj|tersoff-si|eam-cu");
    let atoms = a.get(4).map(|x| x.parse().unwrap());
    let r = atomfab_md::bench::run_bench(case, atoms, a[2].parse().unwrap(), Some(a[3].parse().unwrap())).unwrap();
    println!("{:?}", r);
}
