//! Form removal. Coordinates for polynomial fits are scaled to [-1, 1] for conditioning (the fitted
//! surface is the same; only the basis changes). Missing (NaN) points are skipped and stay NaN.

use crate::error::{MetrologyError, Result};
use crate::heightmap::HeightMap;

/// Form-removal method, as named on the command line: `none`, `mean`, `plane`, `poly:N`, `rows`
/// (row mean), `rows-median`, `3point:i0,j0,i1,j1,i2,j2`.
#[derive(Debug, Clone, PartialEq)]
pub enum Level {
    None,
    Mean,
    Plane,
    Poly(usize),
    RowMean,
    RowMedian,
    ThreePoint([(usize, usize); 3]),
}

impl std::str::FromStr for Level {
    type Err = MetrologyError;
    fn from_str(s: &str) -> Result<Self> {
        let bad = || {
            MetrologyError::invalid(format!(
                "level `{s}`: expected none, mean, plane, poly:N (N = 0..10), rows, rows-median or 3point:i0,j0,i1,j1,i2,j2"
            ))
        };
        Ok(match s {
            "none" => Level::None,
            "mean" => Level::Mean,
            "plane" => Level::Plane,
            "rows" => Level::RowMean,
            "rows-median" => Level::RowMedian,
            _ => {
                if let Some(n) = s.strip_prefix("poly:") {
                    let n: usize = n.parse().map_err(|_| bad())?;
                    if n > 10 {
                        return Err(bad());
                    }
                    Level::Poly(n)
                } else if let Some(p) = s.strip_prefix("3point:") {
                    let v: Vec<usize> = p.split(',').map(|t| t.trim().parse()).collect::<std::result::Result<_, _>>().map_err(|_| bad())?;
                    if v.len() != 6 {
                        return Err(bad());
                    }
                    Level::ThreePoint([(v[0], v[1]), (v[2], v[3]), (v[4], v[5])])
                } else {
                    return Err(bad());
                }
            }
        })
    }
}

/// Applies a form-removal method, returning the levelled copy.
pub fn level(map: &HeightMap, how: &Level) -> Result<HeightMap> {
    match how {
        Level::None => Ok(map.clone()),
        Level::Mean => Ok(map.centered()),
        Level::Plane => poly_level(map, 1),
        Level::Poly(n) => poly_level(map, *n),
        Level::RowMean => Ok(row_level(map, false)),
        Level::RowMedian => Ok(row_level(map, true)),
        Level::ThreePoint(p) => three_point(map, *p),
    }
}

fn scaled(k: usize, n: usize) -> f64 {
    if n <= 1 {
        0.0
    } else {
        2.0 * k as f64 / (n - 1) as f64 - 1.0
    }
}

/// Monomials x^a y^b with a + b ≤ order (the full 2-D polynomial of that total degree).
fn exponents(order: usize) -> Vec<(usize, usize)> {
    let mut e = Vec::new();
    for d in 0..=order {
        for b in 0..=d {
            e.push((d - b, b));
        }
    }
    e
}

/// Least-squares fit of a polynomial of total degree `order` (normal equations in Legendre-like scaled
/// coordinates, solved by Cholesky-free Gaussian elimination with pivoting); returns the fitted surface.
pub fn poly_fit(map: &HeightMap, order: usize) -> Result<Vec<f64>> {
    let ex = exponents(order);
    let m = ex.len();
    let (nx, ny) = (map.nx, map.ny);
    let xs: Vec<f64> = (0..nx).map(|i| scaled(i, nx)).collect();
    let ys: Vec<f64> = (0..ny).map(|j| scaled(j, ny)).collect();
    let maxp = order;
    let mut ata = vec![0.0; m * m];
    let mut atb = vec![0.0; m];
    let mut basis = vec![0.0; m];
    let mut px = vec![1.0; maxp + 1];
    let mut py = vec![1.0; maxp + 1];
    let mut count = 0usize;
    for j in 0..ny {
        for p in 1..=maxp {
            py[p] = py[p - 1] * ys[j];
        }
        for i in 0..nx {
            let z = map.z[j * nx + i];
            if z.is_nan() {
                continue;
            }
            count += 1;
            for p in 1..=maxp {
                px[p] = px[p - 1] * xs[i];
            }
            for (k, &(a, b)) in ex.iter().enumerate() {
                basis[k] = px[a] * py[b];
            }
            for r in 0..m {
                atb[r] += basis[r] * z;
                for c in r..m {
                    ata[r * m + c] += basis[r] * basis[c];
                }
            }
        }
    }
    if count < m {
        return Err(MetrologyError::invalid(format!(
            "polynomial of order {order} needs at least {m} measured points, found {count}"
        )));
    }
    for r in 0..m {
        for c in 0..r {
            ata[r * m + c] = ata[c * m + r];
        }
    }
    let coef = solve(&mut ata, &mut atb, m).ok_or_else(|| {
        MetrologyError::invalid(format!("polynomial of order {order}: the fit is singular for this grid (too few rows or columns)"))
    })?;
    let mut fit = vec![0.0; nx * ny];
    for j in 0..ny {
        for i in 0..nx {
            let mut s = 0.0;
            for (k, &(a, b)) in ex.iter().enumerate() {
                s += coef[k] * xs[i].powi(a as i32) * ys[j].powi(b as i32);
            }
            fit[j * nx + i] = s;
        }
    }
    Ok(fit)
}

/// Gaussian elimination with partial pivoting; None if singular.
pub(crate) fn solve(a: &mut [f64], b: &mut [f64], n: usize) -> Option<Vec<f64>> {
    let scale = a.iter().fold(0.0f64, |s, v| s.max(v.abs()));
    for col in 0..n {
        let piv = (col..n).max_by(|&r, &s| a[r * n + col].abs().partial_cmp(&a[s * n + col].abs()).unwrap())?;
        if a[piv * n + col].abs() <= 1e-13 * scale {
            return None;
        }
        if piv != col {
            for c in 0..n {
                a.swap(piv * n + c, col * n + c);
            }
            b.swap(piv, col);
        }
        for r in col + 1..n {
            let f = a[r * n + col] / a[col * n + col];
            if f != 0.0 {
                for c in col..n {
                    a[r * n + c] -= f * a[col * n + c];
                }
                b[r] -= f * b[col];
            }
        }
    }
    let mut x = vec![0.0; n];
    for r in (0..n).rev() {
        let mut s = b[r];
        for c in r + 1..n {
            s -= a[r * n + c] * x[c];
        }
        x[r] = s / a[r * n + r];
    }
    Some(x)
}

fn poly_level(map: &HeightMap, order: usize) -> Result<HeightMap> {
    let fit = poly_fit(map, order)?;
    let mut out = map.clone();
    out.z.iter_mut().zip(&fit).for_each(|(z, f)| *z -= f);
    Ok(out)
}

/// Subtracts each row's mean (or median), the usual fix for scan-line offsets in AFM images.
fn row_level(map: &HeightMap, median: bool) -> HeightMap {
    let mut out = map.clone();
    let mut buf = Vec::with_capacity(map.nx);
    for row in out.z.chunks_mut(map.nx) {
        buf.clear();
        buf.extend(row.iter().copied().filter(|v| !v.is_nan()));
        if buf.is_empty() {
            continue;
        }
        let c = if median { median_of(&mut buf) } else { buf.iter().sum::<f64>() / buf.len() as f64 };
        row.iter_mut().for_each(|v| *v -= c);
    }
    out
}

pub(crate) fn median_of(v: &mut [f64]) -> f64 {
    let n = v.len();
    let (_, m, _) = v.select_nth_unstable_by(n / 2, |a, b| a.partial_cmp(b).unwrap());
    let hi = *m;
    if n % 2 == 1 {
        hi
    } else {
        let lo = v[..n / 2].iter().fold(f64::NEG_INFINITY, |a, &b| a.max(b));
        0.5 * (lo + hi)
    }
}

/// Subtracts the plane through three chosen pixels (i, j), so those three points become zero.
fn three_point(map: &HeightMap, p: [(usize, usize); 3]) -> Result<HeightMap> {
    let mut a = [0.0; 9];
    let mut b = [0.0; 3];
    for (k, &(i, j)) in p.iter().enumerate() {
        if i >= map.nx || j >= map.ny {
            return Err(MetrologyError::invalid(format!("3-point level: pixel ({i},{j}) is outside the {}x{} map", map.nx, map.ny)));
        }
        let z = map.get(i, j);
        if z.is_nan() {
            return Err(MetrologyError::invalid(format!("3-point level: pixel ({i},{j}) is a missing point")));
        }
        a[k * 3] = 1.0;
        a[k * 3 + 1] = i as f64 * map.dx;
        a[k * 3 + 2] = j as f64 * map.dy;
        b[k] = z;
    }
    let c = solve(&mut a, &mut b, 3)
        .ok_or_else(|| MetrologyError::invalid("3-point level: the three pixels are collinear"))?;
    let mut out = map.clone();
    for j in 0..map.ny {
        for i in 0..map.nx {
            out.z[j * map.nx + i] -= c[0] + c[1] * i as f64 * map.dx + c[2] * j as f64 * map.dy;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn max_abs(m: &HeightMap) -> f64 {
        m.z.iter().filter(|v| !v.is_nan()).fold(0.0, |a, v| a.max(v.abs()))
    }

    #[test]
    fn tilted_plane_levels_to_zero() {
        let m = HeightMap::from_fn(64, 48, 1e-9, 1e-9, |x, y| 3e-9 + 0.02 * x - 0.05 * y).unwrap();
        for how in [Level::Plane, Level::Poly(1), Level::Poly(3), Level::ThreePoint([(0, 0), (63, 0), (5, 47)])] {
            let l = level(&m, &how).unwrap();
            assert!(max_abs(&l) < 1e-20, "{how:?}: {}", max_abs(&l));
        }
        let l = level(&HeightMap::from_fn(64, 48, 1e-9, 1e-9, |_, y| 0.05 * y).unwrap(), &Level::RowMedian).unwrap();
        assert!(max_abs(&l) < 1e-20);
    }

    #[test]
    fn quadratic_removed_by_poly2_not_by_plane() {
        let mut m = HeightMap::from_fn(40, 30, 1.0, 1.0, |x, y| 1.0 + 0.1 * x + 0.01 * x * x - 0.02 * x * y + 0.03 * y * y).unwrap();
        m.z[7] = f64::NAN;
        assert!(max_abs(&level(&m, &Level::Poly(2)).unwrap()) < 1e-9);
        assert!(max_abs(&level(&m, &Level::Plane).unwrap()) > 1.0);
        assert!(level(&m, &Level::Poly(2)).unwrap().z[7].is_nan());
    }

    #[test]
    fn parse_and_errors() {
        assert_eq!("poly:3".parse::<Level>().unwrap(), Level::Poly(3));
        assert!("poly:x".parse::<Level>().is_err());
        assert!("3point:0,0,1,1,2,2".parse::<Level>().is_ok());
        let m = HeightMap::from_fn(4, 4, 1.0, 1.0, |x, _| x).unwrap();
        assert!(level(&m, &"3point:0,0,1,1,2,2".parse().unwrap()).unwrap_err().to_string().contains("collinear"));
        assert!(level(&m, &Level::Poly(5)).is_err());
    }
}
