//! Point-group (Schoenflies) detection for a one-species cluster.
//!
//! Candidate axes come from the inertia tensor, atom directions, midpoints of equidistant atom pairs and
//! normals/centroids of small triangles of equidistant atoms; each candidate's highest rotation order is
//! found by applying the operation and matching every image to an atom within `tol` (length unit).
//! The group follows from the set of axes, mirrors, inversion and improper axes.

use crate::potential::{dist2, sub};

type V3 = [f64; 3];

fn dot(a: V3, b: V3) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

fn cross(a: V3, b: V3) -> V3 {
    [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]
}

fn norm(a: V3) -> f64 {
    dot(a, a).sqrt()
}

fn unit(a: V3) -> Option<V3> {
    let l = norm(a);
    (l > 1e-8).then(|| [a[0] / l, a[1] / l, a[2] / l])
}

/// Rotation by `theta` about unit axis `u` (Rodrigues), optionally followed by reflection through the plane
/// normal to `u` (improper rotation).
fn rot(u: V3, theta: f64, improper: bool) -> impl Fn(V3) -> V3 {
    let (s, c) = theta.sin_cos();
    move |v: V3| {
        let k = cross(u, v);
        let d = dot(u, v);
        let mut r = [0.0; 3];
        for a in 0..3 {
            r[a] = v[a] * c + k[a] * s + u[a] * d * (1.0 - c);
        }
        if improper {
            let d2 = dot(u, r);
            for a in 0..3 {
                r[a] -= 2.0 * d2 * u[a];
            }
        }
        r
    }
}

fn mirror(u: V3) -> impl Fn(V3) -> V3 {
    move |v: V3| {
        let d = dot(u, v);
        [v[0] - 2.0 * d * u[0], v[1] - 2.0 * d * u[1], v[2] - 2.0 * d * u[2]]
    }
}

/// Eigenvectors of a symmetric 3×3 matrix (cyclic Jacobi).
fn eigenvectors(mut a: [[f64; 3]; 3]) -> ([f64; 3], [V3; 3]) {
    let mut v = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];
    for _ in 0..50 {
        let off = a[0][1].abs() + a[0][2].abs() + a[1][2].abs();
        if off < 1e-14 {
            break;
        }
        for (p, q) in [(0, 1), (0, 2), (1, 2)] {
            if a[p][q].abs() < 1e-300 {
                continue;
            }
            let theta = (a[q][q] - a[p][p]) / (2.0 * a[p][q]);
            let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
            let t = if theta == 0.0 { 1.0 } else { t };
            let c = 1.0 / (t * t + 1.0).sqrt();
            let s = t * c;
            for k in 0..3 {
                let (akp, akq) = (a[k][p], a[k][q]);
                a[k][p] = c * akp - s * akq;
                a[k][q] = s * akp + c * akq;
            }
            for k in 0..3 {
                let (apk, aqk) = (a[p][k], a[q][k]);
                a[p][k] = c * apk - s * aqk;
                a[q][k] = s * apk + c * aqk;
            }
            for k in 0..3 {
                let (vkp, vkq) = (v[k][p], v[k][q]);
                v[k][p] = c * vkp - s * vkq;
                v[k][q] = s * vkp + c * vkq;
            }
        }
    }
    let vals = [a[0][0], a[1][1], a[2][2]];
    let vecs = [[v[0][0], v[1][0], v[2][0]], [v[0][1], v[1][1], v[2][1]], [v[0][2], v[1][2], v[2][2]]];
    (vals, vecs)
}

/// Centred positions with atoms sorted by distance from the centre, so that the atoms an image can match
/// (same radius within `tol`, since operations keep the radius) are found by binary search.
struct Frame {
    pos: Vec<V3>,
    radii: Vec<f64>,
    order: Vec<usize>,
    sorted_r: Vec<f64>,
    tol: f64,
}

impl Frame {
    fn new(pos: Vec<V3>, tol: f64) -> Self {
        let radii: Vec<f64> = pos.iter().map(|p| norm(*p)).collect();
        let mut order: Vec<usize> = (0..pos.len()).collect();
        order.sort_by(|&a, &b| radii[a].partial_cmp(&radii[b]).unwrap());
        let sorted_r = order.iter().map(|&i| radii[i]).collect();
        Self { pos, radii, order, sorted_r, tol }
    }

    /// Atoms whose distance from the centre is within `tol` of atom i's.
    fn same_radius(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        let r = self.radii[i];
        let lo = self.sorted_r.partition_point(|&x| x < r - self.tol);
        let hi = self.sorted_r.partition_point(|&x| x <= r + self.tol);
        self.order[lo..hi].iter().copied()
    }

    fn is_symmetry(&self, op: impl Fn(V3) -> V3) -> bool {
        let t2 = self.tol * self.tol;
        'atoms: for (i, &p) in self.pos.iter().enumerate() {
            let img = op(p);
            for j in self.same_radius(i) {
                if dist2(img, self.pos[j]) < t2 {
                    continue 'atoms;
                }
            }
            return false;
        }
        true
    }
}

/// Candidate directions, de-duplicated (up to sign) through a grid on the unit sphere so that building the
/// list stays O(candidates) for large clusters; near-duplicates in neighbouring cells are merely tested twice.
#[derive(Default)]
struct AxisSet {
    list: Vec<V3>,
    seen: std::collections::HashSet<[i32; 3]>,
}

impl AxisSet {
    fn add(&mut self, a: V3) {
        if let Some(mut u) = unit(a) {
            // canonical sign: the largest component positive
            let k = (0..3).max_by(|&i, &j| u[i].abs().partial_cmp(&u[j].abs()).unwrap()).unwrap();
            if u[k] < 0.0 {
                u = [-u[0], -u[1], -u[2]];
            }
            if self.seen.insert(u.map(|x| (x * 300.0).round() as i32)) {
                self.list.push(u);
            }
        }
    }
}

/// Schoenflies symbol of the cluster's point group (e.g. "Ih", "Oh", "D5h", "Td", "C2v", "C1").
/// `tol` is the largest allowed distance (length unit) between an image and an atom.
pub fn point_group(positions: &[V3], tol: f64) -> String {
    let n = positions.len();
    if n == 0 {
        return "C1".into();
    }
    if n == 1 {
        return "Kh".into();
    }
    let c = [0, 1, 2].map(|a| positions.iter().map(|p| p[a]).sum::<f64>() / n as f64);
    let pos: Vec<V3> = positions.iter().map(|p| sub(*p, c)).collect();
    // inertia tensor (unit masses)
    let mut it = [[0.0; 3]; 3];
    for p in &pos {
        let r2 = dot(*p, *p);
        for a in 0..3 {
            for b in 0..3 {
                it[a][b] += if a == b { r2 } else { 0.0 } - p[a] * p[b];
            }
        }
    }
    let (moments, axes) = eigenvectors(it);
    let frame = Frame::new(pos.clone(), tol);
    let has_inversion = frame.is_symmetry(|v| [-v[0], -v[1], -v[2]]);

    // linear molecule: two vanishing moments
    let mmax = moments.iter().cloned().fold(0.0, f64::max);
    let small = moments.iter().filter(|m| m.abs() < 1e-6 * mmax.max(1e-12)).count();
    if small >= 1 && pos.iter().all(|p| {
        let k = moments.iter().position(|m| m.abs() < 1e-6 * mmax.max(1e-12)).unwrap();
        norm(cross(*p, axes[k])) < tol
    }) {
        return if has_inversion { "D∞h".into() } else { "C∞v".into() };
    }

    // candidate axes
    let mut cand = AxisSet::default();
    let mut mirror_cand = AxisSet::default();
    for a in axes {
        cand.add(a);
    }
    for &p in &pos {
        if norm(p) > tol {
            cand.add(p);
        }
    }
    for i in 0..n {
        // up to 6 nearest atoms at the same distance from the centre
        let mut near: Vec<(f64, usize)> = frame.same_radius(i).filter(|&j| j != i).map(|j| (dist2(pos[i], pos[j]), j)).collect();
        near.sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap());
        // large clusters: fewer candidates per atom keeps this near O(N²)
        near.truncate(if n > 400 { 3 } else { 6 });
        for &(_, j) in &near {
            let mid = [0, 1, 2].map(|a| 0.5 * (pos[i][a] + pos[j][a]));
            if norm(mid) > tol {
                cand.add(mid);
            }
            mirror_cand.add(sub(pos[i], pos[j]));
        }
        for (x, &(_, j)) in near.iter().enumerate() {
            for &(_, k) in near.iter().skip(x + 1) {
                let cen = [0, 1, 2].map(|a| (pos[i][a] + pos[j][a] + pos[k][a]) / 3.0);
                if norm(cen) > tol {
                    cand.add(cen);
                }
                cand.add(cross(sub(pos[j], pos[i]), sub(pos[k], pos[i])));
            }
        }
    }
    for &a in &cand.list {
        mirror_cand.add(a);
    }
    // every pair at equal distance from the centre can be swapped by a mirror: its normal is r_i − r_j
    for i in 0..n {
        for j in frame.same_radius(i) {
            if j > i {
                mirror_cand.add(sub(pos[i], pos[j]));
            }
        }
    }

    // rotation order of each candidate
    let mut rot_axes: Vec<(V3, usize)> = Vec::new();
    for &u in &cand.list {
        // candidates found from different atoms may differ by round-off: one axis, counted once
        if rot_axes.iter().any(|(w, _)| dot(*w, u).abs() > 0.9986) {
            continue;
        }
        for k in (2..=8).rev() {
            if frame.is_symmetry(rot(u, 2.0 * std::f64::consts::PI / k as f64, false)) {
                rot_axes.push((u, k));
                break;
            }
        }
    }
    let mut mirrors: Vec<V3> = Vec::new();
    for &u in &mirror_cand.list {
        if !mirrors.iter().any(|w| dot(*w, u).abs() > 0.9986) && frame.is_symmetry(mirror(u)) {
            mirrors.push(u);
        }
    }
    let high = rot_axes.iter().filter(|a| a.1 >= 3).count();
    if high >= 2 {
        let has = |k: usize| rot_axes.iter().any(|a| a.1 == k);
        return if has(5) {
            if has_inversion { "Ih" } else { "I" }
        } else if has(4) {
            if has_inversion { "Oh" } else { "O" }
        } else if has_inversion {
            "Th"
        } else if !mirrors.is_empty() {
            "Td"
        } else {
            "T"
        }
        .into();
    }
    let Some(&(main, nmax)) = rot_axes.iter().max_by_key(|a| a.1) else {
        return if !mirrors.is_empty() {
            "Cs"
        } else if has_inversion {
            "Ci"
        } else {
            "C1"
        }
        .into();
    };
    let c2_count = rot_axes.iter().filter(|a| a.1 % 2 == 0).count();
    if nmax == 2 && c2_count >= 3 {
        return if has_inversion {
            "D2h"
        } else if !mirrors.is_empty() {
            "D2d"
        } else {
            "D2"
        }
        .into();
    }
    let perp_c2 = rot_axes.iter().filter(|a| a.1 % 2 == 0 && dot(a.0, main).abs() < 0.02).count();
    let sigma_h = mirrors.iter().any(|m| dot(*m, main).abs() > 0.9986);
    let sigma_v = mirrors.iter().any(|m| dot(*m, main).abs() < 0.02);
    if perp_c2 >= 1 {
        let s = if sigma_h {
            "h"
        } else if sigma_v {
            "d"
        } else {
            ""
        };
        return format!("D{nmax}{s}");
    }
    if sigma_h {
        return format!("C{nmax}h");
    }
    if sigma_v {
        return format!("C{nmax}v");
    }
    if frame.is_symmetry(rot(main, std::f64::consts::PI / nmax as f64, true)) {
        return format!("S{}", 2 * nmax);
    }
    format!("C{nmax}")
}
