//! From an atomistic frame to a height map. Inputs in Å (metal units): positions, orthorhombic cell
//! lengths (periodic in x and y), bin size; the map comes out in metres like every `HeightMap`.
//! Depends only on plain slices, not on the atomistic crates.

use crate::error::{MetrologyError, Result};
use crate::heightmap::{check_dims, HeightMap};
use rayon::prelude::*;

const ANGSTROM: f64 = 1e-10;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TopSurface {
    /// Height of the highest atom centre whose (x, y) falls in each bin; empty bins are NaN.
    HighestAtom,
    /// Apex height of a probe sphere of radius `probe` (Å) lowered at each bin centre onto atoms taken
    /// as hard spheres of radius `atom` (Å): the rolling-ball / ideal AFM surface. Where no atom lies
    /// within `probe + atom` laterally the probe falls through and the point is NaN.
    ProbeSphere { probe: f64, atom: f64 },
}

/// Top-surface height map of a frame. `cell` = (Lx, Ly, Lz) Å with the box at the origin; atoms are
/// wrapped into [0, L) in x and y. The grid has round(L/bin) points per axis, so dx = Lx/nx ≈ bin and
/// the map tiles periodically.
pub fn top_surface(positions: &[[f64; 3]], cell: [f64; 3], bin: f64, method: TopSurface) -> Result<HeightMap> {
    if !(cell[0].is_finite() && cell[0] > 0.0 && cell[1].is_finite() && cell[1] > 0.0) {
        return Err(MetrologyError::invalid(format!("cell {cell:?} Å: expected finite Lx, Ly > 0")));
    }
    if !(bin.is_finite() && bin > 0.0) {
        return Err(MetrologyError::invalid(format!("bin {bin} Å: expected a finite size > 0")));
    }
    if positions.is_empty() {
        return Err(MetrologyError::invalid("top surface: the frame has no atoms"));
    }
    if let Some(k) = positions.iter().position(|p| p.iter().any(|v| !v.is_finite())) {
        return Err(MetrologyError::invalid(format!("atom {k}: position {:?} is not finite", positions[k])));
    }
    let fx = (cell[0] / bin).round().max(1.0);
    let fy = (cell[1] / bin).round().max(1.0);
    if fx * fy > crate::heightmap::MAX_POINTS as f64 {
        return Err(MetrologyError::invalid(format!("bin {bin} Å gives a {fx} x {fy} grid: expected a larger bin")));
    }
    let (nx, ny) = (fx as usize, fy as usize);
    check_dims(nx, ny)?;
    let (dx, dy) = (cell[0] / nx as f64, cell[1] / ny as f64);
    let wrap = |v: f64, l: f64| {
        let w = v.rem_euclid(l);
        if w >= l { 0.0 } else { w }
    };
    let z: Vec<f64> = match method {
        TopSurface::HighestAtom => {
            let mut z = vec![f64::NEG_INFINITY; nx * ny];
            for p in positions {
                let i = ((wrap(p[0], cell[0]) / dx) as usize).min(nx - 1);
                let j = ((wrap(p[1], cell[1]) / dy) as usize).min(ny - 1);
                let k = j * nx + i;
                if p[2] > z[k] {
                    z[k] = p[2];
                }
            }
            z.into_iter().map(|v| if v == f64::NEG_INFINITY { f64::NAN } else { v * ANGSTROM }).collect()
        }
        TopSurface::ProbeSphere { probe, atom } => {
            if !(probe.is_finite() && probe >= 0.0 && atom.is_finite() && atom >= 0.0 && probe + atom > 0.0) {
                return Err(MetrologyError::invalid(format!(
                    "probe radius {probe} Å, atom radius {atom} Å: expected finite radii ≥ 0, not both 0"
                )));
            }
            probe_surface(positions, cell, nx, ny, probe, atom)
        }
    };
    HeightMap::new(nx, ny, dx * ANGSTROM, dy * ANGSTROM, z)
}

fn probe_surface(pos: &[[f64; 3]], cell: [f64; 3], nx: usize, ny: usize, probe: f64, atom: f64) -> Vec<f64> {
    let rc = probe + atom;
    let (lx, ly) = (cell[0], cell[1]);
    // Lateral buckets at least rc wide; each bucket's atoms sorted by height, highest first, so the
    // scan can stop once an atom cannot beat the current best.
    let bx = ((lx / rc).floor() as usize).clamp(1, 1024);
    let by = ((ly / rc).floor() as usize).clamp(1, 1024);
    let (cw, ch) = (lx / bx as f64, ly / by as f64);
    let mut buckets: Vec<Vec<[f64; 3]>> = vec![Vec::new(); bx * by];
    for p in pos {
        let (x, y) = (p[0].rem_euclid(lx), p[1].rem_euclid(ly));
        let i = ((x / cw) as usize).min(bx - 1);
        let j = ((y / ch) as usize).min(by - 1);
        buckets[j * bx + i].push([x, y, p[2]]);
    }
    for b in buckets.iter_mut() {
        b.sort_by(|a, c| c[2].total_cmp(&a[2]));
    }
    // How many buckets the contact radius spans each way (all of them if the box is small).
    let sx = ((rc / cw).ceil() as isize).min(bx as isize / 2 + 1);
    let sy = ((rc / ch).ceil() as isize).min(by as isize / 2 + 1);
    let (dx, dy) = (lx / nx as f64, ly / ny as f64);
    (0..nx * ny)
        .into_par_iter()
        .map(|k| {
            let (gx, gy) = ((k % nx) as f64 * dx + 0.5 * dx, (k / nx) as f64 * dy + 0.5 * dy);
            let (ci, cj) = (((gx / cw) as isize).min(bx as isize - 1), ((gy / ch) as isize).min(by as isize - 1));
            let mut best = f64::NEG_INFINITY;
            let mut seen = Vec::with_capacity(9);
            for oj in -sy..=sy {
                for oi in -sx..=sx {
                    let b = (cj + oj).rem_euclid(by as isize) as usize * bx + (ci + oi).rem_euclid(bx as isize) as usize;
                    if seen.contains(&b) {
                        continue; // small boxes: the same bucket reached twice
                    }
                    seen.push(b);
                    for a in &buckets[b] {
                        if a[2] + atom <= best {
                            break; // sorted: no lower atom can lift the probe higher
                        }
                        // Minimum-image lateral separation.
                        let mut ddx = (a[0] - gx).abs();
                        ddx = ddx.min(lx - ddx);
                        let mut ddy = (a[1] - gy).abs();
                        ddy = ddy.min(ly - ddy);
                        let d2 = ddx * ddx + ddy * ddy;
                        if d2 < rc * rc {
                            let h = a[2] + (rc * rc - d2).sqrt() - probe;
                            if h > best {
                                best = h;
                            }
                        }
                    }
                }
            }
            if best == f64::NEG_INFINITY { f64::NAN } else { best * ANGSTROM }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::steps::{terraces, TerraceOptions};

    /// Simple-cubic slab, lattice a (Å), `layers` layers, top layer at z = (layers-1)·a; the top layer
    /// is removed where `x < cut` (Å).
    fn slab(n: usize, a: f64, layers: usize, cut: f64) -> Vec<[f64; 3]> {
        let mut p = Vec::new();
        for l in 0..layers {
            for j in 0..n {
                for i in 0..n {
                    let (x, y, z) = (i as f64 * a, j as f64 * a, l as f64 * a);
                    if l == layers - 1 && x < cut {
                        continue;
                    }
                    p.push([x, y, z]);
                }
            }
        }
        p
    }

    #[test]
    fn highest_atom_of_stepped_slab() {
        let a = 2.0;
        let p = slab(20, a, 3, 20.0); // half of the top layer removed: one terrace at 4 Å, one at 2 Å
        let m = top_surface(&p, [40.0, 40.0, 10.0], a, TopSurface::HighestAtom).unwrap();
        assert_eq!((m.nx, m.ny), (20, 20));
        assert!((m.dx - 2e-10).abs() < 1e-22);
        for j in 0..20 {
            for i in 0..20 {
                let want = if i < 10 { 2.0e-10 } else { 4.0e-10 };
                assert_eq!(m.get(i, j), want);
            }
        }
        // The terrace finder reads one step of exactly one layer.
        let t = terraces(&m, &TerraceOptions { step_hint: Some(2e-10), ..Default::default() }).unwrap();
        assert_eq!((t.levels.len(), t.steps), (2, 1));
        assert!((t.fitted_step_height - 2e-10).abs() < 1e-13);
        // Periodic: the row crosses the step twice (at x = 20 Å and at the wrap), once inside the map.
        assert_eq!(t.step_edges_per_row, 1.0);
        // Finer bins than the lattice leave empty bins as NaN.
        let f = top_surface(&p, [40.0, 40.0, 10.0], 1.0, TopSurface::HighestAtom).unwrap();
        assert_eq!(f.missing(), 40 * 40 - 20 * 20);
    }

    #[test]
    fn probe_over_single_atom_is_a_spherical_cap() {
        let (probe, atom) = (3.0, 1.0);
        let p = [[10.0, 10.0, 5.0]];
        let m = top_surface(&p, [20.0, 20.0, 10.0], 0.5, TopSurface::ProbeSphere { probe, atom }).unwrap();
        for j in 0..m.ny {
            for i in 0..m.nx {
                let (x, y) = ((i as f64 + 0.5) * 0.5, (j as f64 + 0.5) * 0.5);
                let d2 = (x - 10.0).powi(2) + (y - 10.0).powi(2);
                let v = m.get(i, j);
                if d2 < 16.0 {
                    assert!((v - (5.0 + (16.0 - d2).sqrt() - 3.0) * 1e-10).abs() < 1e-22, "({i},{j})");
                } else {
                    assert!(v.is_nan());
                }
            }
        }
    }

    #[test]
    fn probe_sees_across_the_periodic_boundary_and_bad_input() {
        let m = top_surface(&[[0.1, 5.0, 0.0]], [10.0, 10.0, 10.0], 1.0, TopSurface::ProbeSphere { probe: 1.0, atom: 0.5 }).unwrap();
        // Bin centre (9.5, 4.5) is (0.6, 0.5) Å from the atom through the x boundary.
        let want = ((1.5f64).powi(2) - 0.6f64.powi(2) - 0.5f64.powi(2)).sqrt() - 1.0;
        assert!((m.get(9, 4) - want * 1e-10).abs() < 1e-22, "{}", m.get(9, 4));
        assert_eq!(m.get(9, 4), m.get(9, 5));
        assert!(m.get(5, 5).is_nan());
        assert!(top_surface(&[[0.0; 3]], [0.0, 1.0, 1.0], 1.0, TopSurface::HighestAtom).is_err());
        assert!(top_surface(&[[0.0; 3]], [1.0, 1.0, 1.0], 0.0, TopSurface::HighestAtom).is_err());
        assert!(top_surface(&[[f64::NAN, 0.0, 0.0]], [1.0, 1.0, 1.0], 0.1, TopSurface::HighestAtom).is_err());
        assert!(top_surface(&[[0.0; 3]], [1e6, 1e6, 1.0], 1e-3, TopSurface::HighestAtom).unwrap_err().to_string().contains("larger bin"));
        assert!(top_surface(&[], [1.0, 1.0, 1.0], 0.1, TopSurface::HighestAtom).is_err());
    }
}
