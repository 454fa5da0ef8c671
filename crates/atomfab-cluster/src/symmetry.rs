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

struct Frame {
    pos: Vec<V3>,
    shell: Vec<usize>,
    tol: f64,
}

impl Frame {
    fn is_symmetry(&self, op: impl Fn(V3) -> V3) -> bool {
        let t2 = self.tol * self.tol;
        'atoms: for (i, &p) in self.pos.iter().enumerate() {
            let img = op(p);
            for (j, &q) in self.pos.iter().enumerate() {
                if self.shell[j] == self.shell[i] && dist2(img, q) < t2 {
                    continue 'atoms;
                }
            }
            return false;
        }
        true
    }
}

fn add_axis(list: &mut Vec<V3>, a: V3) {
    if let Some(u) = unit(a) {
        if !list.iter().any(|w| dot(*w, u).abs() > 1.0 - 1e-6) {
            list.push(u);
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
    // shells of equal distance from the centre
    let radii: Vec<f64> = pos.iter().map(|p| norm(*p)).collect();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| radii[a].partial_cmp(&radii[b]).unwrap());
    let mut shell = vec![0usize; n];
    let mut sid = 0;
    for w in 1..n {
        if radii[order[w]] - radii[order[w - 1]] > tol {
            sid += 1;
        }
        shell[order[w]] = sid;
    }
    let frame = Frame { pos: pos.clone(), shell: shell.clone(), tol };
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
    let mut cand: Vec<V3> = Vec::new();
    for a in axes {
        add_axis(&mut cand, a);
    }
    for &p in &pos {
        if norm(p) > tol {
            add_axis(&mut cand, p);
        }
    }
    let mut mirror_cand = cand.clone();
    for i in 0..n {
        // up to 6 nearest atoms of the same shell
        let mut near: Vec<(f64, usize)> =
            (0..n).filter(|&j| j != i && shell[j] == shell[i]).map(|j| (dist2(pos[i], pos[j]), j)).collect();
        near.sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap());
        near.truncate(6);
        for &(_, j) in &near {
            let mid = [0, 1, 2].map(|a| 0.5 * (pos[i][a] + pos[j][a]));
            if norm(mid) > tol {
                add_axis(&mut cand, mid);
            }
            add_axis(&mut mirror_cand, sub(pos[i], pos[j]));
        }
        for (x, &(_, j)) in near.iter().enumerate() {
            for &(_, k) in near.iter().skip(x + 1) {
                let cen = [0, 1, 2].map(|a| (pos[i][a] + pos[j][a] + pos[k][a]) / 3.0);
                if norm(cen) > tol {
                    add_axis(&mut cand, cen);
                }
                add_axis(&mut cand, cross(sub(pos[j], pos[i]), sub(pos[k], pos[i])));
            }
        }
    }
    for &a in &cand {
        add_axis(&mut mirror_cand, a);
    }
    // every pair of the same shell can be swapped by a mirror: its normal is r_i − r_j
    for i in 0..n {
        for j in (i + 1)..n {
            if shell[i] == shell[j] {
                // no de-duplication here (O(pairs²)); repeated tests of one plane are cheap
                if let Some(u) = unit(sub(pos[i], pos[j])) {
                    mirror_cand.push(u);
                }
            }
        }
    }

    // rotation order of each candidate
    let mut rot_axes: Vec<(V3, usize)> = Vec::new();
    for &u in &cand {
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
    for &u in &mirror_cand {
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
