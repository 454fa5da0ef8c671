//! Point groups: ideal polyhedra, and the LJ global minima N = 2..60, 75 against pymatgen
//! (fixtures/point_groups_pymatgen.json from fixtures/make_point_groups.py).

use atomfab_cluster::point_group;
use atomfab_cluster::potential::{ClusterPotential, LennardJones};
use atomfab_cluster::reference::ccd_lj_energy;

fn read_xyz_frames(path: &str) -> Vec<Vec<[f64; 3]>> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let mut frames = Vec::new();
    while let Some(l) = lines.next() {
        let n: usize = l.trim().parse().unwrap();
        lines.next();
        frames.push(
            (0..n)
                .map(|_| {
                    let v: Vec<f64> = lines.next().unwrap().split_whitespace().skip(1).map(|x| x.parse().unwrap()).collect();
                    [v[0], v[1], v[2]]
                })
                .collect(),
        );
    }
    frames
}

#[test]
fn ideal_shapes() {
    let t = (1.0 + 5f64.sqrt()) / 2.0;
    let ico: Vec<[f64; 3]> = [[0.0, 1.0, t], [0.0, -1.0, t], [0.0, 1.0, -t], [0.0, -1.0, -t], [1.0, t, 0.0], [-1.0, t, 0.0],
        [1.0, -t, 0.0], [-1.0, -t, 0.0], [t, 0.0, 1.0], [-t, 0.0, 1.0], [t, 0.0, -1.0], [-t, 0.0, -1.0]]
    .to_vec();
    let cases: Vec<(&str, Vec<[f64; 3]>)> = vec![
        ("D∞h", vec![[0.0, 0.0, 0.0], [0.0, 0.0, 1.1]]),
        ("C∞v", vec![[0.0, 0.0, 0.0], [0.0, 0.0, 1.1], [0.0, 0.0, 3.0]]),
        ("D3h", vec![[1.0, 0.0, 0.0], [-0.5, 0.866_025_403_784_438_6, 0.0], [-0.5, -0.866_025_403_784_438_6, 0.0]]),
        ("C2v", vec![[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.5, 1.3, 0.0]]),
        ("Td", vec![[1.0, 1.0, 1.0], [1.0, -1.0, -1.0], [-1.0, 1.0, -1.0], [-1.0, -1.0, 1.0]]),
        ("Oh", vec![[1.0, 0.0, 0.0], [-1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, -1.0, 0.0], [0.0, 0.0, 1.0], [0.0, 0.0, -1.0]]),
        ("D4h", vec![[1.0, 0.0, 0.0], [-1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, -1.0, 0.0]]),
        ("C4v", vec![[1.0, 0.0, 0.0], [-1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, -1.0, 0.0], [0.0, 0.0, 1.0]]),
        ("Ih", ico.clone()),
        ("C1", vec![[0.0, 0.0, 0.0], [1.0, 0.1, 0.0], [0.2, 1.3, 0.1], [0.4, 0.3, 1.7]]),
        ("Cs", vec![[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.2, 1.3, 0.0], [0.4, 0.3, 0.0]]),
    ];
    for (want, pos) in cases {
        assert_eq!(point_group(&pos, 1e-3), want, "{pos:?}");
    }
    // centred icosahedron and a rotated/translated copy
    let mut ico13 = ico.clone();
    ico13.push([0.0; 3]);
    let (s, c) = 0.7f64.sin_cos();
    let rotated: Vec<[f64; 3]> = ico13.iter().map(|p| [c * p[0] - s * p[1] + 3.0, s * p[0] + c * p[1] - 1.0, p[2] + 2.0]).collect();
    assert_eq!(point_group(&rotated, 1e-3), "Ih");
}

#[test]
fn lj_minima_point_groups_match_pymatgen_and_energies_match_ccd() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/");
    let frames = read_xyz_frames(&format!("{dir}lj_minima_2_60_75.xyz"));
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(format!("{dir}point_groups_pymatgen.json")).unwrap()).unwrap();
    let lj = LennardJones::reduced();
    assert_eq!(frames.len(), 60);
    for pos in &frames {
        let n = pos.len();
        let want = v["minima"][n.to_string()]["point_group"].as_str().unwrap().replace("D*h", "D∞h");
        assert_eq!(point_group(pos, 0.02), want, "N = {n}");
        // the stored structures are the CCD global minima
        let e = lj.energy(pos);
        assert!((e - ccd_lj_energy(n).unwrap()).abs() < 2e-6, "N = {n}: {e}");
    }
}
