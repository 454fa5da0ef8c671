//! Starting structures: random compact blobs and lattice searches on icosahedral (Mackay + anti-Mackay),
//! decahedral and fcc lattices (after Northby, J. Chem. Phys. 87, 6166 (1987) and Xiang et al., J. Phys.
//! Chem. A 108, 3586 (2004)). The best N-site subset of a lattice is found by greedy filling plus
//! highest-energy-occupied → lowest-energy-vacant swaps, then relaxed by the caller.
//! All lengths are in units of the potential's nearest-neighbour distance `nn` unless stated.

use crate::potential::{dist2, sub, ClusterPotential};
use rand::Rng;
use rand_distr::{Distribution, UnitSphere};

/// Structural motif of a starting structure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Motif {
    Random,
    /// Mackay shells plus anti-Mackay (hcp) overlayer sites.
    Icosahedral,
    /// Mackay shells only (complete-shell icosahedra with vacancies or Mackay overlayers).
    Mackay,
    /// Complete Mackay shells with anti-Mackay overlayer sites only: on the full icosahedral lattice the
    /// unrelaxed pair energies prefer Mackay overlayers where relaxed anti-Mackay ones are lower (LJ78).
    AntiMackay,
    Decahedral,
    FccAtom,
    FccOctahedral,
    FccTetrahedral,
    /// An fcc tetrahedron with a twin boundary on each of its four (111) faces (Td; the family of the
    /// Leary tetrahedron, Leary & Doye, PRE 60, R6320 (1999)).
    TwinnedTetrahedral,
    /// The fcc tetrahedron plus 16 twinned tetrahedra around it, every central edge a five-fold axis (Td;
    /// the Leary tetrahedron of LJ98 is its best 98-site subset at 4 atoms per edge).
    StellatedTetrahedral,
}

impl Motif {
    pub const ALL: [Motif; 10] = [
        Motif::Icosahedral,
        Motif::Random,
        Motif::Decahedral,
        Motif::FccOctahedral,
        Motif::Mackay,
        Motif::TwinnedTetrahedral,
        Motif::FccAtom,
        Motif::FccTetrahedral,
        Motif::StellatedTetrahedral,
        Motif::AntiMackay,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Motif::Random => "random",
            Motif::Icosahedral => "icosahedral",
            Motif::Mackay => "mackay",
            Motif::AntiMackay => "anti-mackay",
            Motif::Decahedral => "decahedral",
            Motif::FccAtom => "fcc-atom",
            Motif::FccOctahedral => "fcc-octahedral",
            Motif::FccTetrahedral => "fcc-tetrahedral",
            Motif::TwinnedTetrahedral => "twinned-tetrahedral",
            Motif::StellatedTetrahedral => "stellated-tetrahedral",
        }
    }
}

/// Random positions uniformly in a sphere sized for a liquid-like density (length unit of `nn`).
pub fn random_cluster(n: usize, nn: f64, rng: &mut impl Rng) -> Vec<[f64; 3]> {
    // a sphere holding N atoms at ~0.6 of close-packed density, min separation 0.7 nn
    let radius = nn * (n as f64 / 0.6 / 0.7405).cbrt() * 0.5 + 0.5 * nn;
    let mut out: Vec<[f64; 3]> = Vec::with_capacity(n);
    let mut tries = 0;
    while out.len() < n {
        let p = [rng.gen_range(-1.0..1.0), rng.gen_range(-1.0..1.0), rng.gen_range(-1.0..1.0)];
        if p[0] * p[0] + p[1] * p[1] + p[2] * p[2] > 1.0 {
            continue;
        }
        let p = [p[0] * radius, p[1] * radius, p[2] * radius];
        tries += 1;
        if tries < 10_000 * n && out.iter().any(|q| dist2(p, *q) < 0.49 * nn * nn) {
            continue;
        }
        out.push(p);
    }
    out
}

fn icosahedron_vertices() -> [[f64; 3]; 12] {
    let t = (1.0 + 5f64.sqrt()) / 2.0;
    let raw = [
        [0.0, 1.0, t], [0.0, -1.0, t], [0.0, 1.0, -t], [0.0, -1.0, -t],
        [1.0, t, 0.0], [-1.0, t, 0.0], [1.0, -t, 0.0], [-1.0, -t, 0.0],
        [t, 0.0, 1.0], [-t, 0.0, 1.0], [t, 0.0, -1.0], [-t, 0.0, -1.0],
    ];
    let norm = (1.0 + t * t).sqrt();
    raw.map(|v| [v[0] / norm, v[1] / norm, v[2] / norm])
}

fn icosahedron_faces(v: &[[f64; 3]; 12]) -> Vec<[usize; 3]> {
    // edges have length 1.0515 (unit circumradius); faces are triples of mutually adjacent vertices
    let edge2 = dist2(v[0], v[1]).min(dist2(v[0], v[4]));
    let adj = |a: usize, b: usize| (dist2(v[a], v[b]) - edge2).abs() < 1e-6;
    let mut faces = Vec::new();
    for a in 0..12 {
        for b in (a + 1)..12 {
            for c in (b + 1)..12 {
                if adj(a, b) && adj(b, c) && adj(a, c) {
                    faces.push([a, b, c]);
                }
            }
        }
    }
    faces
}

fn push_unique(sites: &mut Vec<[f64; 3]>, p: [f64; 3], tol2: f64) {
    if !sites.iter().any(|q| dist2(*q, p) < tol2) {
        sites.push(p);
    }
}

/// Mackay shell `k` (10k²+2 sites) at radial spacing 1.
fn mackay_shell(k: usize, v: &[[f64; 3]; 12], faces: &[[usize; 3]], out: &mut Vec<[f64; 3]>) {
    if k == 0 {
        push_unique(out, [0.0; 3], 1e-6);
        return;
    }
    for f in faces {
        for i in 0..=k {
            for j in 0..=(k - i) {
                let l = k - i - j;
                let p = [0, 1, 2].map(|a| i as f64 * v[f[0]][a] + j as f64 * v[f[1]][a] + l as f64 * v[f[2]][a]);
                push_unique(out, p, 1e-6);
            }
        }
    }
}

/// Icosahedral lattice for `n` atoms: complete Mackay shells up to K+1 plus the anti-Mackay (hcp) sites on
/// shell K, where shell K is the largest complete Mackay icosahedron with at most `n` atoms. Spacing 1.
pub fn icosahedral_lattice(n: usize) -> Vec<[f64; 3]> {
    icosahedral_sites(n, true)
}

/// Icosahedral lattice sites for `n` atoms, with or without the anti-Mackay overlayer sites.
pub fn icosahedral_sites(n: usize, anti_mackay: bool) -> Vec<[f64; 3]> {
    icosahedral_overlayers(n, true, anti_mackay)
}

/// Complete Mackay shells up to K (the largest complete icosahedron with at most `n` atoms) plus the
/// Mackay shell K+1 sites and/or the anti-Mackay sites on shell K. Spacing 1.
pub fn icosahedral_overlayers(n: usize, mackay: bool, anti_mackay: bool) -> Vec<[f64; 3]> {
    let v = icosahedron_vertices();
    let faces = icosahedron_faces(&v);
    let count = |k: usize| (10 * k * k * k + 15 * k * k + 11 * k + 3) / 3; // atoms in K complete shells
    let mut k = 0;
    while count(k + 1) <= n {
        k += 1;
    }
    let mut sites = Vec::new();
    let outer = if mackay || k == 0 { k + 1 } else { k };
    for s in 0..=outer {
        mackay_shell(s, &v, &faces, &mut sites);
    }
    if k >= 1 && anti_mackay {
        // anti-Mackay: apex over each "up" triangle of shell K's face lattice (tetrahedral over hcp hollows),
        // along the face normal so that it sits one bond from all three atoms of its triangle
        for f in &faces {
            let fc = [0, 1, 2].map(|a| (v[f[0]][a] + v[f[1]][a] + v[f[2]][a]) / 3.0);
            let fl = fc.iter().map(|x| x * x).sum::<f64>().sqrt();
            let normal = fc.map(|x| x / fl);
            let p = |i: usize, j: usize, l: usize| {
                [0, 1, 2].map(|a| i as f64 * v[f[0]][a] + j as f64 * v[f[1]][a] + l as f64 * v[f[2]][a])
            };
            for i in 0..k {
                for j in 0..(k - i) {
                    let l = k - 1 - i - j;
                    let (a, b, c) = (p(i + 1, j, l), p(i, j + 1, l), p(i, j, l + 1));
                    let cen = [0, 1, 2].map(|x| (a[x] + b[x] + c[x]) / 3.0);
                    let edge = dist2(a, b).sqrt();
                    let h = (edge * edge * 2.0 / 3.0).sqrt();
                    let apex = [0, 1, 2].map(|x| cen[x] + h * normal[x]);
                    push_unique(&mut sites, apex, 0.09);
                }
            }
        }
    }
    sites
}

/// Decahedral lattice (five strained fcc wedges around a five-fold axis), nearest-neighbour distance 1.
/// `axis_offset`: false centres the lattice on an axis atom, true between two axis atoms.
pub fn decahedral_lattice(n: usize, axis_offset: bool) -> Vec<[f64; 3]> {
    let s36 = (std::f64::consts::PI / 5.0).sin();
    let ring = 1.0 / (2.0 * s36); // ring radius for unit in-ring spacing
    let h = (1.0 - ring * ring).sqrt(); // height step between ring and axis layers
    // keep a sphere holding about 4n sites (fcc-like density, 0.707 nn³ per site)
    let radius = (4.0 * n as f64 * 0.7071 * 3.0 / (4.0 * std::f64::consts::PI)).cbrt() + 1.0;
    let span = (radius / 0.69).ceil() as i64 + 1;
    let mlim = (radius / (2.0 * h)).ceil() as i64 + 1;
    let mut sites = Vec::new();
    let dir = |k: i64| {
        let a = 2.0 * std::f64::consts::PI * k as f64 / 5.0;
        [a.cos(), a.sin()]
    };
    let z0 = if axis_offset { h } else { 0.0 };
    for k in 0..5 {
        let (a, b) = (dir(k), dir(k + 1));
        for i in 0..=span {
            for j in 0..=(span - i) {
                // (i, 0) of wedge k is (0, i) of wedge k−1; the axis belongs to wedge 0
                if j == 0 && !(i == 0 && k == 0) {
                    continue;
                }
                let x = ring * (i as f64 * a[0] + j as f64 * b[0]);
                let y = ring * (i as f64 * a[1] + j as f64 * b[1]);
                let parity = ((i + j) % 2) as f64;
                for m in -mlim..=mlim {
                    let z = h * parity + 2.0 * h * m as f64 - z0;
                    if x * x + y * y + z * z <= radius * radius {
                        sites.push([x, y, z]);
                    }
                }
            }
        }
    }
    sites
}

/// fcc lattice sites (nearest-neighbour distance 1) within a sphere holding about 4n sites,
/// shifted so that `centre` (fractional cube coordinates) sits at the origin.
pub fn fcc_lattice(n: usize, centre: [f64; 3]) -> Vec<[f64; 3]> {
    let a = 2f64.sqrt(); // cube edge for nn = 1
    let radius = (4.0 * n as f64 * a.powi(3) / 4.0 * 3.0 / (4.0 * std::f64::consts::PI)).cbrt() + 1.0;
    let m = (radius / (a / 2.0)).ceil() as i64 + 1;
    let mut sites = Vec::new();
    for i in -m..=m {
        for j in -m..=m {
            for k in -m..=m {
                if (i + j + k).rem_euclid(2) != 0 {
                    continue;
                }
                let p = [(i as f64 - centre[0] * 2.0) * a / 2.0, (j as f64 - centre[1] * 2.0) * a / 2.0, (k as f64 - centre[2] * 2.0) * a / 2.0];
                if p.iter().map(|x| x * x).sum::<f64>() <= radius * radius {
                    sites.push(p);
                }
            }
        }
    }
    sites
}

/// fcc tetrahedron of `edge` atoms per edge whose four (111) faces are twin planes: inside, the fcc
/// lattice; beyond face k, the fcc lattice mirrored in face k (for the first layer, hcp stacking). Sites
/// where the twinned domains of two faces overlap are all kept (the lattice search takes at most one of
/// two overlapping sites). Nearest-neighbour distance 1, the tetrahedron's centroid at the origin, about
/// 4n sites.
pub fn twinned_tetrahedral_lattice(n: usize, edge: usize) -> Vec<[f64; 3]> {
    let h = 0.5 * 2f64.sqrt(); // half the cube edge for nn = 1
    let m = (edge.max(2) - 1) as f64;
    let corners = [[0.0, 0.0, 0.0], [m, m, 0.0], [m, 0.0, m], [0.0, m, m]].map(|c: [f64; 3]| c.map(|v| v * h));
    let cen = [0, 1, 2].map(|a| corners.iter().map(|c| c[a]).sum::<f64>() / 4.0);
    // outward unit normal and offset of the face opposite corner k
    let faces: Vec<([f64; 3], f64)> = (0..4)
        .map(|k| {
            let f: Vec<[f64; 3]> = (0..4).filter(|&j| j != k).map(|j| corners[j]).collect();
            let u = sub(f[1], f[0]);
            let v = sub(f[2], f[0]);
            let mut nrm = [u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]];
            let l = nrm.iter().map(|x| x * x).sum::<f64>().sqrt();
            nrm = nrm.map(|x| x / l);
            let d = nrm[0] * f[0][0] + nrm[1] * f[0][1] + nrm[2] * f[0][2];
            if nrm[0] * corners[k][0] + nrm[1] * corners[k][1] + nrm[2] * corners[k][2] > d {
                (nrm.map(|x| -x), -d)
            } else {
                (nrm, d)
            }
        })
        .collect();
    let side = |p: [f64; 3], k: usize| faces[k].0[0] * p[0] + faces[k].0[1] * p[1] + faces[k].0[2] * p[2] - faces[k].1;
    let radius = (4.0 * n as f64 * 0.7071 * 3.0 / (4.0 * std::f64::consts::PI)).cbrt() + 1.0;
    let span = ((radius + m) / h).ceil() as i64 + 2;
    let mut sites: Vec<[f64; 3]> = Vec::new();
    let add = |p: [f64; 3], sites: &mut Vec<[f64; 3]>| {
        let q = sub(p, cen);
        if q.iter().map(|x| x * x).sum::<f64>() <= radius * radius && !sites.iter().any(|s| dist2(*s, q) < 0.04) {
            sites.push(q);
        }
    };
    for i in -span..=span {
        for j in -span..=span {
            for k in -span..=span {
                if (i + j + k).rem_euclid(2) != 0 {
                    continue;
                }
                let p = [i as f64 * h, j as f64 * h, k as f64 * h];
                let s: Vec<f64> = (0..4).map(|f| side(p, f)).collect();
                if s.iter().all(|&v| v <= 1e-6) {
                    add(p, &mut sites);
                }
                // the mirror image in face f of this fcc site, kept when it lies beyond face f
                for f in 0..4 {
                    if s[f] < -1e-6 {
                        let nrm = faces[f].0;
                        let q = [p[0] - 2.0 * s[f] * nrm[0], p[1] - 2.0 * s[f] * nrm[1], p[2] - 2.0 * s[f] * nrm[2]];
                        add(q, &mut sites);
                    }
                }
            }
        }
    }
    sites
}

/// Sites of a motif scaled to nearest-neighbour distance `nn`.
pub fn motif_lattice(motif: Motif, n: usize, nn: f64, rng: &mut impl Rng) -> Vec<[f64; 3]> {
    let raw = match motif {
        Motif::Random => return Vec::new(),
        Motif::Icosahedral => icosahedral_sites(n, true),
        Motif::Mackay => icosahedral_sites(n, false),
        Motif::AntiMackay => icosahedral_overlayers(n, false, true),
        Motif::Decahedral => decahedral_lattice(n, rng.gen_bool(0.5)),
        Motif::FccAtom => fcc_lattice(n, [0.0, 0.0, 0.0]),
        Motif::FccOctahedral => fcc_lattice(n, [0.5, 0.0, 0.0]),
        Motif::FccTetrahedral => fcc_lattice(n, [0.25, 0.25, 0.25]),
        // core tetrahedra of 2..=5 atoms per edge (4, 10, 20, 35 atoms), smaller for small clusters
        Motif::TwinnedTetrahedral => {
            let max_edge = if n < 30 { 3 } else if n < 60 { 4 } else { 5 };
            twinned_tetrahedral_lattice(n, rng.gen_range(2..=max_edge))
        }
        // the smallest complex with a quarter more sites than atoms: on a larger one the subset search
        // misses (LJ98: 98 of 162 sites at 4 atoms per edge gives the Leary tetrahedron, 98 of 331 does not)
        Motif::StellatedTetrahedral => {
            let mut edge = 2;
            let mut sites = stellated_tetrahedral_lattice(edge);
            while 4 * sites.len() < 5 * n && edge < 40 {
                edge += 1;
                sites = stellated_tetrahedral_lattice(edge);
            }
            sites
        }
    };
    raw.into_iter().map(|p| p.map(|x| x * nn)).collect()
}

/// Choose `n` of `sites` that minimise the sum of `pair(r)` over all occupied pairs (no cutoff: the
/// ranking of near-complete shells depends on the tail). Greedy growth from the site nearest the origin,
/// then best-improvement single swaps over every occupied × vacant pair; between rounds a few atoms jump to
/// random vacant sites next to the cluster. `rng` breaks ties and perturbs. Returns the chosen positions,
/// or None when the lattice is too small.
///
/// `stop` is asked once per table row, per greedy placement, per round and per swap: a search of ~1000
/// atoms takes seconds of CPU, which must not run on past a search's time limit. When it returns true the
/// best subset so far is returned, or None before the greedy growth has placed all `n` atoms.
pub fn lattice_search(
    sites: &[[f64; 3]],
    n: usize,
    nn: f64,
    pot: &dyn ClusterPotential,
    rounds: usize,
    rng: &mut impl Rng,
    stop: &dyn Fn() -> bool,
) -> Option<Vec<[f64; 3]>> {
    let m = sites.len();
    if m < n || n == 0 {
        return None;
    }
    // dense pair-energy table; overlapping sites (< 0.8 nn) exclude each other
    let mut pe = vec![0.0; m * m];
    for i in 0..m {
        if stop() {
            return None;
        }
        for j in (i + 1)..m {
            let d2 = dist2(sites[i], sites[j]);
            let e = if d2 < 0.64 * nn * nn { 1e3 } else { pot.seed_pair_energy(d2.sqrt()) };
            pe[i * m + j] = e;
            pe[j * m + i] = e;
        }
    }
    // jitter so that ties break by seed
    let jitter: Vec<f64> = (0..m).map(|_| rng.gen_range(0.0..1e-6)).collect();
    let mut occ = vec![false; m];
    let mut field = vec![0.0; m]; // interaction of each site with all occupied sites
    let place = |occ: &mut Vec<bool>, field: &mut Vec<f64>, i: usize, add: bool| {
        occ[i] = add;
        let s = if add { 1.0 } else { -1.0 };
        for (f, e) in field.iter_mut().zip(&pe[i * m..(i + 1) * m]) {
            *f += s * e;
        }
    };
    let start = (0..m)
        .min_by(|&a, &b| {
            let ra = sites[a].iter().map(|x| x * x).sum::<f64>();
            let rb = sites[b].iter().map(|x| x * x).sum::<f64>();
            ra.partial_cmp(&rb).unwrap()
        })
        .unwrap();
    place(&mut occ, &mut field, start, true);
    for _ in 1..n {
        if stop() {
            return None;
        }
        let best = (0..m)
            .filter(|&i| !occ[i])
            .min_by(|&a, &b| (field[a] + jitter[a]).partial_cmp(&(field[b] + jitter[b])).unwrap())
            .unwrap();
        place(&mut occ, &mut field, best, true);
    }
    let energy = |occ: &[bool], field: &[f64]| -> f64 { (0..m).filter(|&i| occ[i]).map(|i| field[i]).sum::<f64>() * 0.5 };
    let bond = pot.seed_pair_energy(nn).abs();
    let mut best_occ = occ.clone();
    let mut best_e = energy(&occ, &field);
    for round in 0..rounds.max(1) {
        if round > 0 && stop() {
            break;
        }
        if round > 0 {
            // perturb the best so far: move a few random atoms to random vacant sites next to the cluster
            for i in 0..m {
                if occ[i] != best_occ[i] {
                    place(&mut occ, &mut field, i, best_occ[i]);
                }
            }
            let k = 1 + rng.gen_range(0..8.min(n));
            for _ in 0..k {
                let occupied: Vec<usize> = (0..m).filter(|&i| occ[i]).collect();
                let vacant: Vec<usize> = (0..m).filter(|&i| !occ[i] && field[i] < -0.5 * bond).collect();
                if vacant.is_empty() {
                    break;
                }
                let a = occupied[rng.gen_range(0..occupied.len())];
                let b = vacant[rng.gen_range(0..vacant.len())];
                place(&mut occ, &mut field, a, false);
                place(&mut occ, &mut field, b, true);
            }
        }
        // best-improvement swaps: occupied i → vacant j changes the energy by field[j] − e_ij − field[i]
        let mut stopped = false;
        loop {
            if stop() {
                stopped = true;
                break;
            }
            let occupied: Vec<usize> = (0..m).filter(|&i| occ[i]).collect();
            let vacant: Vec<usize> = (0..m).filter(|&j| !occ[j] && field[j] < -0.25 * bond).collect();
            let mut best_move = None;
            let mut best_d = -1e-9;
            for &i in &occupied {
                let row = &pe[i * m..(i + 1) * m];
                for &j in &vacant {
                    let d = field[j] - row[j] - field[i];
                    if d < best_d {
                        best_d = d;
                        best_move = Some((i, j));
                    }
                }
            }
            match best_move {
                Some((i, j)) => {
                    place(&mut occ, &mut field, i, false);
                    place(&mut occ, &mut field, j, true);
                }
                None => break,
            }
        }
        let e = energy(&occ, &field);
        if e < best_e - 1e-9 {
            best_e = e;
            best_occ.clone_from(&occ);
        }
        if stopped {
            break;
        }
    }
    Some((0..m).filter(|&i| best_occ[i]).map(|i| sites[i]).collect())
}

/// Lowest-energy empty sites on the surface: apexes of tetrahedra over triangles of mutually bonded atoms
/// (bond < 1.35 nn), not closer than 0.85 nn to any atom. Returns (site, seed-pair energy), best first.
pub fn surface_sites(pos: &[[f64; 3]], nn: f64, pot: &dyn ClusterPotential, skip: Option<usize>) -> Vec<([f64; 3], f64)> {
    let n = pos.len();
    let bond2 = (1.35 * nn) * (1.35 * nn);
    let alive = |i: usize| Some(i) != skip;
    let mut nb: Vec<Vec<usize>> = vec![Vec::new(); n];
    for i in 0..n {
        for j in (i + 1)..n {
            if alive(i) && alive(j) && dist2(pos[i], pos[j]) < bond2 {
                nb[i].push(j);
                nb[j].push(i);
            }
        }
    }
    let mut out: Vec<([f64; 3], f64)> = Vec::new();
    for i in 0..n {
        for (a, &j) in nb[i].iter().enumerate() {
            if j <= i {
                continue;
            }
            for &k in nb[i].iter().skip(a + 1) {
                if k <= j || !nb[j].contains(&k) {
                    continue;
                }
                let (pi, pj, pk) = (pos[i], pos[j], pos[k]);
                let u = sub(pj, pi);
                let v = sub(pk, pi);
                let nrm = [u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]];
                let l = (nrm[0] * nrm[0] + nrm[1] * nrm[1] + nrm[2] * nrm[2]).sqrt();
                if l < 1e-9 {
                    continue;
                }
                let cen = [0, 1, 2].map(|x| (pi[x] + pj[x] + pk[x]) / 3.0);
                let rc2 = dist2(cen, pi);
                let hh = nn * nn - rc2;
                if hh <= 0.0 {
                    continue;
                }
                let h = hh.sqrt() / l;
                for sgn in [1.0, -1.0] {
                    let p = [cen[0] + sgn * h * nrm[0], cen[1] + sgn * h * nrm[1], cen[2] + sgn * h * nrm[2]];
                    if (0..n).any(|q| alive(q) && dist2(p, pos[q]) < 0.72 * nn * nn) {
                        continue;
                    }
                    if out.iter().any(|(s, _)| dist2(*s, p) < 0.04 * nn * nn) {
                        continue;
                    }
                    let e: f64 = (0..n).filter(|&q| alive(q)).map(|q| pot.seed_pair_energy(dist2(p, pos[q]).sqrt())).sum();
                    out.push((p, e));
                }
            }
        }
    }
    out.sort_by(|a, b| a.1.partial_cmp(&b.1).unwrap());
    out
}

/// A random unit vector.
pub fn random_direction(rng: &mut impl Rng) -> [f64; 3] {
    UnitSphere.sample(rng)
}

/// Mirror image of `p` in the plane through `a`, `b`, `c`.
fn reflect(p: [f64; 3], a: [f64; 3], b: [f64; 3], c: [f64; 3]) -> [f64; 3] {
    let u = sub(b, a);
    let v = sub(c, a);
    let mut nrm = [u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]];
    let l = nrm.iter().map(|x| x * x).sum::<f64>().sqrt();
    nrm = nrm.map(|x| x / l);
    let d = sub(p, a);
    let s = d[0] * nrm[0] + d[1] * nrm[1] + d[2] * nrm[2];
    [p[0] - 2.0 * s * nrm[0], p[1] - 2.0 * s * nrm[1], p[2] - 2.0 * s * nrm[2]]
}

/// Multiply twinned tetrahedral lattice (the family of the Leary tetrahedron, LJ98; Leary & Doye, PRE 60,
/// R6320 (1999)): a central fcc tetrahedron of `edge` atoms per edge, its mirror image in each of its four
/// faces, and one more mirror image across each outer face of those, so that each of the six central edges
/// becomes a five-fold (decahedral) axis of five twinned fcc wedges (with the decahedral 7.4° gap): 17
/// tetrahedra, Td. Sites closer than 0.2 nn merge. Nearest-neighbour distance 1, centroid at the origin.
pub fn stellated_tetrahedral_lattice(edge: usize) -> Vec<[f64; 3]> {
    let m = (edge.max(2) - 1) as i64;
    let h = 0.5 * 2f64.sqrt();
    let mf = m as f64;
    let t0 = [[0.0, 0.0, 0.0], [mf, mf, 0.0], [mf, 0.0, mf], [0.0, mf, mf]].map(|c: [f64; 3]| c.map(|v| v * h));
    let cen = [0, 1, 2].map(|a| t0.iter().map(|c| c[a]).sum::<f64>() / 4.0);
    let t0 = t0.map(|c| sub(c, cen));
    let mut tets: Vec<[[f64; 3]; 4]> = vec![t0];
    for k in 0..4 {
        let f: Vec<usize> = (0..4).filter(|&j| j != k).collect();
        let (a, b, c) = (t0[f[0]], t0[f[1]], t0[f[2]]);
        let tf = [a, b, c, reflect(t0[k], a, b, c)];
        tets.push(tf);
        // each outer face of a face tetrahedron holds one central edge
        for (x, y) in [(0, 1), (0, 2), (1, 2)] {
            let o = 3 - x - y;
            tets.push([tf[x], tf[y], tf[3], reflect(tf[o], tf[x], tf[y], tf[3])]);
        }
    }
    let mut sites: Vec<[f64; 3]> = Vec::new();
    // shared faces repeat sites: a grid of 0.5 nn cells finds the earlier copy
    let mut grid: std::collections::HashMap<[i64; 3], Vec<usize>> = std::collections::HashMap::new();
    let cell = |p: [f64; 3]| p.map(|x| (x * 2.0).floor() as i64);
    for t in &tets {
        // fcc sites of a tetrahedron: integer barycentric coordinates summing to m
        for i in 0..=m {
            for j in 0..=(m - i) {
                for k in 0..=(m - i - j) {
                    let w = [i, j, k, m - i - j - k].map(|v| v as f64 / mf);
                    let p = [0, 1, 2].map(|a| (0..4).map(|c| w[c] * t[c][a]).sum::<f64>());
                    let c = cell(p);
                    let mut dup = false;
                    for d in 0..27 {
                        let key = [c[0] + d % 3 - 1, c[1] + (d / 3) % 3 - 1, c[2] + d / 9 - 1];
                        if grid.get(&key).is_some_and(|v| v.iter().any(|&s| dist2(sites[s], p) < 0.04)) {
                            dup = true;
                            break;
                        }
                    }
                    if !dup {
                        grid.entry(c).or_default().push(sites.len());
                        sites.push(p);
                    }
                }
            }
        }
    }
    sites
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::minimize::{lbfgs, LbfgsParams, LbfgsWorkspace};
    use crate::potential::LennardJones;
    use crate::reference::ccd_lj_energy;
    use crate::symmetry::point_group;
    use rand::SeedableRng;

    fn relax(pot: &LennardJones, x: &mut [[f64; 3]]) -> f64 {
        let mut f = |v: &[f64], g: &mut [f64]| {
            let p: Vec<[f64; 3]> = v.chunks(3).map(|c| [c[0], c[1], c[2]]).collect();
            let mut gg = vec![[0.0; 3]; p.len()];
            let e = pot.energy_gradient(&p, &mut gg);
            g.copy_from_slice(gg.as_flattened());
            e
        };
        let p = LbfgsParams { grad_tol: 1e-8, ..LbfgsParams::default() };
        lbfgs(x.as_flattened_mut(), &mut f, &p, &mut LbfgsWorkspace::default(), &|| false).energy
    }

    #[test]
    fn stellated_lattice_site_counts_and_spacing() {
        // 17 tetrahedra of 4 atoms per edge with shared faces merged: 162 sites (2 per edge: 14)
        let sites = stellated_tetrahedral_lattice(4);
        assert_eq!(sites.len(), 162);
        assert_eq!(stellated_tetrahedral_lattice(2).len(), 14);
        let c = [0, 1, 2].map(|a| sites.iter().map(|p| p[a]).sum::<f64>() / sites.len() as f64);
        // near the decahedral gaps the first of two merged copies is kept, so the centre is only nearly 0
        assert!(c.iter().all(|v| v.abs() < 0.01), "centroid {c:?}");
        // every site has fcc neighbours at exactly 1 nn; distinct sites (across the decahedral gaps) stay
        // farther apart than the 0.2 nn merge radius
        for (i, p) in sites.iter().enumerate() {
            let near = sites.iter().filter(|q| (dist2(*p, **q) - 1.0).abs() < 1e-9).count();
            assert!(near >= 3, "site {i}: {near} neighbours");
            assert!(sites.iter().enumerate().all(|(j, q)| j == i || dist2(*p, *q) >= 0.04));
        }
    }

    /// A search's time limit stops the subset search: at once (no subset yet) or after the greedy growth (the
    /// subset so far, n distinct sites, no better than what the full search finds).
    #[test]
    fn a_stopped_lattice_search_ends_with_its_best_so_far() {
        let pot = LennardJones::reduced();
        let nn = pot.nn_distance();
        let n = 100;
        let sites: Vec<[f64; 3]> = icosahedral_sites(n, true).into_iter().map(|p| p.map(|v| v * 0.98 * nn)).collect();
        let m = sites.len();
        let lattice_energy = |x: &[[f64; 3]]| -> f64 {
            let mut e = 0.0;
            for i in 0..x.len() {
                for j in (i + 1)..x.len() {
                    e += pot.seed_pair_energy(dist2(x[i], x[j]).sqrt());
                }
            }
            e
        };
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(1);
        assert!(lattice_search(&sites, n, nn, &pot, 40, &mut rng, &|| true).is_none());
        let asks = std::cell::Cell::new(0usize);
        let asks = &asks;
        let count = |limit: usize| {
            move || {
                asks.set(asks.get() + 1);
                asks.get() > limit
            }
        };
        // one ask per table row and per greedy placement, then one for the first swap
        let early = m + (n - 1) + 1;
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(1);
        let stopped = lattice_search(&sites, n, nn, &pot, 40, &mut rng, &count(early)).unwrap();
        assert_eq!(asks.get(), early + 1, "it ends at the first ask that says stop");
        asks.set(0);
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(1);
        let full = lattice_search(&sites, n, nn, &pot, 40, &mut rng, &count(usize::MAX)).unwrap();
        // rounds 1..40 each ask at least twice (the round, its first swap)
        assert!(asks.get() >= early + 2 * 39, "the full search asks on ({} asks, {early} before the swaps)", asks.get());
        assert_eq!(stopped.len(), n);
        assert!(stopped.iter().enumerate().all(|(i, p)| stopped[..i].iter().all(|q| dist2(*p, *q) > 0.5 * nn * nn)));
        let (es, ef) = (lattice_energy(&stopped), lattice_energy(&full));
        assert!(es.is_finite() && ef <= es + 1e-9, "stopped {es} vs full {ef}");
    }

    #[test]
    fn stellated_lattice_search_gives_the_lj98_leary_tetrahedron() {
        let pot = LennardJones::reduced();
        let nn = pot.nn_distance();
        let ccd = ccd_lj_energy(98).unwrap();
        for seed in 1..=5 {
            let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(seed);
            let sites: Vec<[f64; 3]> = stellated_tetrahedral_lattice(4).into_iter().map(|p| p.map(|v| v * 0.98 * nn)).collect();
            let mut x = lattice_search(&sites, 98, nn, &pot, 200, &mut rng, &|| false).unwrap();
            let e = relax(&pot, &mut x);
            assert!((e - ccd).abs() < 1e-5, "seed {seed}: {e} vs CCD {ccd}");
            assert_eq!(point_group(&x, 0.02 * nn), "Td");
        }
    }
}
