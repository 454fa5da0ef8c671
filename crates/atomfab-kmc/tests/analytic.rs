//! Analytic validation of the BKL engine. Every tolerance is a stated multiple of the statistical
//! standard error of the quantity tested (runs are seeded, so the tests are deterministic).

use atomfab_kmc::engine::Executed;
use atomfab_kmc::{simulate, simulate_with, KmcConfig, Model};

fn model(text: &str) -> Model {
    let cfg: KmcConfig = toml::from_str(text).expect("test config parses");
    Model::compile(&cfg).expect("test config is valid")
}

/// Langmuir adsorption on independent sites, E -> A at rate k: θ(t) = 1 − exp(−kt).
/// Each sample is Binomial(N, θ(t)), σ = sqrt(θ(1−θ)/N); tolerance 4σ per point.
#[test]
fn langmuir_adsorption_kinetics() {
    let k = 2.0;
    let m = model(&format!(
        r#"
        temperature_k = 300
        species = ["E", "A"]
        initial_species = "E"
        layer_thickness_angstrom = 1
        lattice = {{ kind = "square", nx = 256, ny = 256, a_angstrom = 3 }}
        events = [{{ name = "ads", site = "E", becomes = "A", rate = {{ constant_hz = {k} }} }}]
        cycle = {{ count = 1, phases = [{{ name = "dose", duration_s = 2.0 }}] }}
        output = {{ samples_per_phase = 40 }}
        "#
    ));
    let res = simulate(&m, 11, &mut |_| {}).unwrap();
    let n = res.surface_sites as f64;
    assert_eq!(n, 65536.0);
    let mut worst: f64 = 0.0;
    for s in &res.samples {
        let theta = s.counts[1] as f64 / n;
        let exact = 1.0 - (-k * s.time_s).exp();
        let sigma = (exact * (1.0 - exact) / n).sqrt().max(1.0 / n);
        let z = (theta - exact).abs() / sigma;
        worst = worst.max(z);
        assert!(z < 4.0, "t = {} θ = {theta} exact = {exact} ({z:.2} σ)", s.time_s);
    }
    assert_eq!(res.samples.len(), 41);
    eprintln!("Langmuir: worst deviation {worst:.2} σ over 41 samples");
}

/// Adsorption (k_a = c·p) / desorption (k_d) equilibrium: θ = Kp/(1+Kp), K = c/k_d.
/// Coverage of N sites sampled every 5 relaxation times τ = 1/(k_a+k_d) (correlation e^-5 ≈ 0.007,
/// treated as independent) after 50 τ of equilibration; standard error sqrt(θ(1−θ)/(N·M)) for M
/// samples; tolerance 4 standard errors.
#[test]
fn adsorption_desorption_equilibrium() {
    let (c, kd) = (0.5, 1.0); // Hz/Pa, Hz  -> K = 0.5 /Pa
    for (idx, p) in [0.5_f64, 2.0, 8.0].into_iter().enumerate() {
        let tau = 1.0 / (c * p + kd);
        let m_samples = 60;
        let dur = (10 + m_samples) as f64 * 5.0 * tau;
        let m = model(&format!(
            r#"
            temperature_k = 300
            species = ["E", "A"]
            initial_species = "E"
            layer_thickness_angstrom = 1
            lattice = {{ kind = "square", nx = 128, ny = 128, a_angstrom = 3 }}
            gases = [{{ name = "G", mass_amu = 28 }}]
            events = [
              {{ name = "ads", site = "E", becomes = "A", rate = {{ pressure = {{ gas = "G", hz_per_pa = {c} }} }} }},
              {{ name = "des", site = "A", becomes = "E", rate = {{ constant_hz = {kd} }} }},
            ]
            cycle = {{ count = 1, phases = [{{ name = "eq", duration_s = {dur}, pressures_pa = {{ G = {p} }} }}] }}
            output = {{ samples_per_phase = {} }}
            "#,
            10 + m_samples
        ));
        let res = simulate(&m, 100 + idx as u64, &mut |_| {}).unwrap();
        let n = res.surface_sites as f64;
        let used: Vec<f64> = res.samples[10..10 + m_samples].iter().map(|s| s.counts[1] as f64 / n).collect();
        let mean = used.iter().sum::<f64>() / used.len() as f64;
        let kp = c / kd * p;
        let exact = kp / (1.0 + kp);
        let se = (exact * (1.0 - exact) / (n * m_samples as f64)).sqrt();
        let z = (mean - exact).abs() / se;
        eprintln!("equilibrium p = {p}: θ = {mean:.5}, Kp/(1+Kp) = {exact:.5} ({z:.2} SE, SE = {se:.1e})");
        assert!(z < 4.0, "p = {p}: θ = {mean} vs {exact} ({z:.2} SE)");
    }
}

/// Tracer diffusion of dilute particles (coverage 0.3 %): MSD = 4·D·t with D = k·a² on the square
/// lattice (4 directions, hop rate k each) and D = 1.5·k·a² on the hexagonal lattice (6 directions).
/// For a 2-D random walk r² is exponentially distributed, so the standard error of the mean over M
/// particles is MSD/sqrt(M) (we use the sample standard deviation); tolerance 4 standard errors plus
/// the blocking bias of a lattice gas at coverage θ (≈ 1.4·θ relative, i.e. < 0.5 %).
fn msd_check(kind: &str, d_factor: f64, seed: u64) {
    let (k, a, t_diff) = (1000.0, 2.0, 0.1);
    let m = model(&format!(
        r#"
        temperature_k = 300
        species = ["V", "P"]
        initial_species = "V"
        layer_thickness_angstrom = 1
        lattice = {{ kind = "{kind}", nx = 1024, ny = 1024, a_angstrom = {a} }}
        gases = [{{ name = "G", mass_amu = 28 }}]
        events = [
          {{ name = "land", site = "V", becomes = "P", rate = {{ pressure = {{ gas = "G", hz_per_pa = 3.0 }} }} }},
          {{ name = "hop", site = "P", becomes = "V", neighbor = "V", neighbor_becomes = "P", rate = {{ constant_hz = {k} }} }},
        ]
        cycle = {{ count = 1, phases = [
          {{ name = "land", duration_s = 1e-3, pressures_pa = {{ G = 1.0 }} }},
          {{ name = "diffuse", duration_s = {t_diff} }},
        ] }}
        output = {{ samples_per_phase = 0 }}
        "#
    ));
    let dirs = m.lattice().dir_vectors.clone();
    let n = m.lattice().n_sites();
    // Per-site tracer id; displacement accumulated only during the diffusion phase (t > 1e-3 s).
    let mut id_at = vec![u32::MAX; n];
    let mut disp: Vec<[f64; 2]> = Vec::new();
    let t0 = 1e-3;
    let mut obs = |ex: &Executed| match ex.event {
        0 => {
            id_at[ex.site as usize] = disp.len() as u32;
            disp.push([0.0, 0.0]);
        }
        _ => {
            let id = id_at[ex.site as usize];
            id_at[ex.site as usize] = u32::MAX;
            id_at[ex.partner as usize] = id;
            if ex.time_s > t0 {
                let v = dirs[ex.dir];
                disp[id as usize][0] += v[0];
                disp[id as usize][1] += v[1];
            }
        }
    };
    let res = simulate_with(&m, seed, &mut |_| {}, &mut obs).unwrap();
    let mcount = disp.len() as f64;
    let r2: Vec<f64> = disp.iter().map(|d| d[0] * d[0] + d[1] * d[1]).collect();
    let msd = r2.iter().sum::<f64>() / mcount;
    let sd = (r2.iter().map(|x| (x - msd).powi(2)).sum::<f64>() / (mcount - 1.0)).sqrt();
    let se = sd / mcount.sqrt();
    let theta = mcount / n as f64;
    let expect = 4.0 * d_factor * k * a * a * t_diff;
    let tol = 4.0 * se + 1.5 * theta * expect;
    eprintln!(
        "{kind}: M = {mcount} tracers (θ = {theta:.4}), MSD = {msd:.2} Å², 4Dt = {expect:.2} Å², SE = {se:.2}, events = {}",
        res.events
    );
    assert!(mcount > 1000.0);
    assert!((msd - expect).abs() < tol, "{kind}: MSD {msd} vs {expect} ± {tol}");
}

#[test]
fn tracer_diffusion_square() {
    msd_check("square", 1.0, 21);
}

#[test]
fn tracer_diffusion_hexagonal() {
    msd_check("hexagonal", 1.5, 22);
}

/// Irreversible adsorption with nearest-neighbour exclusion = random sequential adsorption; on the
/// square lattice it jams at θ_J = 0.36413 (J. W. Evans, Rev. Mod. Phys. 65, 1281 (1993); series
/// series estimate by C. K. Gan and J.-S. Wang, arXiv:cond-mat/9710340). Jammed-coverage fluctuations
/// are below the binomial σ = sqrt(θ(1−θ)/N) = 0.0019 for N = 65536; tolerance 4σ.
#[test]
fn rsa_nearest_neighbour_exclusion_jams_at_evans_value() {
    let m = model(
        r#"
        temperature_k = 300
        species = ["E", "A"]
        initial_species = "E"
        layer_thickness_angstrom = 1
        lattice = { kind = "square", nx = 256, ny = 256, a_angstrom = 3 }
        events = [{ name = "ads", site = "E", becomes = "A", conditions = [{ species = ["A"], max = 0 }], rate = { constant_hz = 1.0 } }]
        cycle = { count = 1, phases = [{ name = "dose", duration_s = 60.0 }] }
        output = { samples_per_phase = 1 }
        "#,
    );
    let res = simulate(&m, 5, &mut |_| {}).unwrap();
    let theta = res.samples.last().unwrap().counts[1] as f64 / res.surface_sites as f64;
    let sigma = (0.36413f64 * (1.0 - 0.36413) / 65536.0).sqrt();
    eprintln!("RSA jamming: θ = {theta:.5} vs 0.36413 ({:.2} σ)", (theta - 0.36413).abs() / sigma);
    assert!((theta - 0.36413).abs() < 4.0 * sigma, "θ_J = {theta}");
}

/// Same seed → identical run; different seed → different run.
#[test]
fn runs_are_reproducible_from_the_seed() {
    let text = atomfab_kmc::AL2O3_RECIPE;
    let mut cfg = KmcConfig::from_recipe_str(text, "ald_al2o3.toml").unwrap();
    cfg.cycle.count = 3;
    cfg.lattice.nx = 32;
    cfg.lattice.ny = 32;
    let m = Model::compile(&cfg).unwrap();
    let a = simulate(&m, 7, &mut |_| {}).unwrap();
    let b = simulate(&m, 7, &mut |_| {}).unwrap();
    let c = simulate(&m, 8, &mut |_| {}).unwrap();
    assert_eq!(a.final_heights, b.final_heights);
    assert_eq!(a.events, b.events);
    assert_ne!(a.final_heights, c.final_heights);
}
