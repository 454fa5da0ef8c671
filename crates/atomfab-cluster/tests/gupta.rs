//! Gupta/RGL against references nobody here wrote (fixtures/gupta/):
//! - LAMMPS `pair_style eam/alloy` on a fine Gupta setfl table (make_gupta_lammps.py): energies, forces and
//!   `minimize` results for Au and Cu clusters (Cleri & Rosato parameters);
//! - pele/GMIN's Gupta test value for a 13-atom Pt cluster (reduced r₀ = 1);
//! - the fcc cohesive energies Cleri & Rosato fitted their parameters to (lattice sum to the fifth shell);
//! - putative global minima of Au₅–Au₁₃, Cu₅–Cu₁₃ and Pt₁₃ from SciPy's basin hopping (make_gupta_minima.py),
//!   which the search must reach.

mod common;

use atomfab_cluster::potential::{ClusterPotential, PotentialSpec};
use atomfab_cluster::{search, SearchSettings, Target};
use common::pts;

fn load(name: &str) -> serde_json::Value {
    let path = format!("tests/fixtures/gupta/{name}");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap()
}

fn gupta(spec: &str) -> Box<dyn ClusterPotential> {
    PotentialSpec::parse(spec).unwrap().build().unwrap()
}

/// L-BFGS to a tight gradient tolerance; returns the final energy and positions.
fn relax(pot: &dyn ClusterPotential, start: &[[f64; 3]]) -> (f64, Vec<[f64; 3]>) {
    let (r, x) = common::relax(pot, start, 1e-7, 20_000);
    // a gradient of 1e-7 eV/Å leaves the energy exact to ~1e-13 eV; rounding can stall L-BFGS not far below it
    assert!(r.rms_grad < 1e-6, "L-BFGS stopped at rms gradient {:e} eV/Å", r.rms_grad);
    (r.energy, x)
}

#[test]
fn energies_and_forces_match_lammps() {
    let doc = load("gupta_lammps.json");
    for case in doc["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let pot = gupta(case["spec"].as_str().unwrap());
        let x = pts(&case["start"]);
        let mut g = vec![[0.0; 3]; x.len()];
        let e = pot.energy_gradient(&x, &mut g);
        let e_ref = case["lammps_start_energy"].as_f64().unwrap();
        let f_ref = pts(&case["lammps_start_forces"]);
        let df = g.iter().zip(&f_ref).flat_map(|(gi, fi)| (0..3).map(move |a| (gi[a] + fi[a]).abs())).fold(0.0, f64::max);
        println!("{name}: E = {e:.10} eV, LAMMPS {e_ref:.10} eV, |ΔE| {:.1e} eV, max |ΔF| {df:.1e} eV/Å", (e - e_ref).abs());
        // the table reproduces the analytic form to ~1e-11 eV and ~1e-8 eV/Å (measured); bounds leave room
        assert!((e - e_ref).abs() < 1e-8, "{name}: {e} vs LAMMPS {e_ref}");
        assert!(df < 1e-6, "{name}: forces differ from LAMMPS by {df} eV/Å");
    }
}

/// From the shaken icosahedra and truncated octahedra both minimisers descend into the same minimum. From the
/// random 20-atom starts they may take different paths (CG vs L-BFGS), so there the test starts from LAMMPS's
/// minimum: it must be a minimum of ours too, at the same energy.
#[test]
fn local_minima_match_lammps_minimize() {
    let doc = load("gupta_lammps.json");
    for case in doc["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let pot = gupta(case["spec"].as_str().unwrap());
        let lmp = pts(&case["lammps_min_positions"]);
        let from = if name.ends_with('r') { lmp.clone() } else { pts(&case["start"]) };
        let (e, x) = relax(pot.as_ref(), &from);
        let e_ref = case["lammps_min_energy"].as_f64().unwrap();
        let dx = x.iter().zip(&lmp).flat_map(|(p, q)| (0..3).map(move |a| (p[a] - q[a]).abs())).fold(0.0, f64::max);
        println!("{name}: minimum {e:.10} eV, LAMMPS {e_ref:.10} eV, |ΔE| {:.1e} eV, max |Δx| {dx:.1e} Å", (e - e_ref).abs());
        assert!((e - e_ref).abs() < 1e-8, "{name}: {e} vs LAMMPS {e_ref}");
        // both minimisers stop at a small gradient, on slightly different points of soft (near-rotational) modes
        assert!(dx < 1e-3, "{name}: positions differ from LAMMPS by {dx} Å");
    }
}

/// pele (github.com/pele-python/pele, pele/potentials/tests/test_gupta.py) checks its GMIN-derived Gupta
/// (J. A. Elliott 2009, D. Schebarchov 2014) at this 13-atom structure with the default Pt parameters of
/// Cleri & Rosato in reduced length (r₀ = 1): E = −64.91633912 eV.
#[test]
fn pele_gmin_pt13() {
    #[rustfmt::skip]
    let x: [[f64; 3]; 13] = [
        [0.7869137533, -0.4286528603, -0.2291436461], [-0.0405401944, -0.9198190250, -0.0881646939],
        [0.0527767263, -0.3358099361, -0.8601916199], [0.5594968632, 0.4473550749, -0.5850812613],
        [0.0405390334, 0.9198189288, 0.0881650028], [-0.7793510819, -0.3473690927, -0.3569734867],
        [0.4085085971, -0.4975907438, 0.6640839900], [0.7793515688, 0.3473694423, 0.3569718655],
        [-0.0527756922, 0.3358105627, 0.8601915382], [-0.7869142038, 0.4286517960, 0.2291444024],
        [-0.4085087273, 0.4975909382, -0.6640837117], [-0.0000001231, 0.0000000324, 0.0000000370],
        [-0.5594965194, -0.4473551174, 0.5850815838],
    ];
    let pot = gupta("gupta:Pt,r0=1");
    let e = pot.energy(&x);
    println!("Pt13 (pele): {e:.10} eV vs −64.91633912");
    assert!((e - -64.91633912).abs() < 1e-8, "{e}");
    // the structure is a relaxed icosahedron: relaxing it moves the energy by rounding only
    let (e_min, _) = relax(pot.as_ref(), &x);
    assert!(e_min <= e && e - e_min < 1e-6, "{e} → {e_min}");
    assert_eq!(atomfab_cluster::point_group(&x, 1e-3), "Ih");
}

/// Cleri & Rosato cut the sums after the fifth fcc neighbour shell; with that cutoff the bulk energy per atom
/// must come out at the cohesive energy they fitted (eV): Cu 3.544, Ag 2.960, Au 3.779, Ni 4.435, Pd 3.936,
/// Pt 5.853 (PRB 48, 22 (1993), table of fitted bulk properties; see fixtures/gupta/README.md for the
/// provenance). An ideal fcc ball of the central atom and its first five shells (78 neighbours) gives the
/// central atom exactly that bulk environment; `atom_energies` splits the pair repulsion half/half, so the
/// centre's share is Σⱼ A e^{−p(r/r₀−1)} − √ρ, the per-atom bulk energy.
#[test]
fn bulk_lattice_sum_gives_cleri_rosato_cohesive_energies() {
    for (el, ec) in [("Cu", 3.544), ("Ag", 2.960), ("Au", 3.779), ("Ni", 4.435), ("Pd", 3.936), ("Pt", 5.853)] {
        let pot = gupta(&format!("gupta:{el}"));
        let r0 = pot.nn_distance();
        let half = r0 / 2f64.sqrt(); // a/2
        let mut x = vec![[0.0; 3]];
        for i in -3i32..=3 {
            for j in -3i32..=3 {
                for k in -3i32..=3 {
                    let d2 = i * i + j * j + k * k;
                    // fcc sites have i+j+k even; shells 1..5 sit at r² = 2, 4, 6, 8, 10 (a/2)²
                    if (i + j + k).rem_euclid(2) == 0 && d2 > 0 && d2 <= 10 {
                        x.push([i as f64 * half, j as f64 * half, k as f64 * half]);
                    }
                }
            }
        }
        assert_eq!(x.len(), 79);
        let mut per_atom = vec![0.0; x.len()];
        pot.atom_energies(&x, &mut per_atom);
        println!("{el}: bulk energy {:.4} eV/atom, Cleri & Rosato Ec {ec}", -per_atom[0]);
        // the published fit is least squares over several properties: Ni misses its Ec by 3 meV
        assert!((per_atom[0] + ec).abs() < 4e-3, "{el}: {} vs −{ec}", per_atom[0]);
    }
}

#[test]
fn search_reaches_scipy_basin_hopping_minima() {
    let doc = load("gupta_minima.json");
    for case in doc["cases"].as_array().unwrap() {
        let p = &case["params"];
        let [a, xi, pp, q, r0] = ["A", "xi", "p", "q", "r0"].map(|k| p[k].as_f64().unwrap());
        let spec = PotentialSpec::parse(&format!("gupta:A={a},xi={xi},p={pp},q={q},r0={r0}")).unwrap();
        let n = case["n"].as_u64().unwrap() as usize;
        let e_ref = case["energy"].as_f64().unwrap();
        let label = format!("{} N={n}", case["potential"].as_str().unwrap());
        // the reference minimum is a minimum of our potential too, at the same energy
        let pot = spec.build().unwrap();
        let (e_relaxed, _) = relax(pot.as_ref(), &pts(&case["positions"]));
        assert!((e_relaxed - e_ref).abs() < 1e-7, "{label}: SciPy's minimum relaxes to {e_relaxed}, not {e_ref}");
        let mut s = SearchSettings::new(n, spec);
        s.threads = 2;
        s.seed = 1;
        s.target = Some(Target::Energy(e_ref));
        s.target_tol = 1e-6;
        s.time_limit_s = Some(10.0);
        let r = search(&s).unwrap();
        println!(
            "{label}: {:.8} eV ({}) vs SciPy {e_ref:.8} eV, {} evaluations, {:.3} s",
            r.energy, r.point_group, r.evaluations, r.seconds
        );
        assert_eq!(r.target_reached, Some(true), "{label}: best {} eV, SciPy {e_ref} eV", r.energy);
        assert!(r.energy <= e_ref + 1e-6, "{label}: {} vs {e_ref}", r.energy);
        if n == 13 {
            // 13 atoms: the icosahedron, the structure LAMMPS relaxes the shaken icosahedron to (au13, cu13)
            assert_eq!(r.point_group, "Ih", "{label}");
        }
    }
    // the two references agree: SciPy's Au13 and Cu13 minima are LAMMPS's relaxed icosahedra
    let lammps = load("gupta_lammps.json");
    for (name, pot) in [("au13", "Au"), ("cu13", "Cu")] {
        let lmp = lammps["cases"].as_array().unwrap().iter().find(|c| c["name"] == name).unwrap();
        let sci = doc["cases"].as_array().unwrap().iter().find(|c| c["potential"] == pot && c["n"] == 13).unwrap();
        let (a, b) = (lmp["lammps_min_energy"].as_f64().unwrap(), sci["energy"].as_f64().unwrap());
        assert!((a - b).abs() < 1e-7, "{name}: LAMMPS {a} vs SciPy {b}");
    }
}
