//! Subsurface damage from per-atom structure types: a structure-fraction profile versus depth below
//! the top surface, the damage depth and the amorphous-layer thickness.
//!
//! Definitions (all lengths Å):
//! - Height h = r · n̂ along the outward surface normal n̂. The lateral plane is cut into square columns
//!   of side `column_angstrom`; the top of a column is its highest atom.
//! - Depth: `Local` mode, d = (top of the atom's column) − h, so d ≥ 0 and a rough or stepped surface
//!   is followed; `Mean` mode, d = (mean of the column tops) − h, one flat reference plane.
//! - Depth bins of width `bin_angstrom`, bin b = [b·w, (b+1)·w). For each bin: atoms per type and the
//!   non-crystalline fraction f = 1 − crystalline / atoms (crystalline: FCC, HCP, BCC for CNA; every
//!   diamond type, including 1st/2nd neighbours, for identify-diamond).
//! - Damage depth D: scanning occupied bins from the top down, the top of the first bin with
//!   f ≤ `damage_threshold`; if none, the bottom of the deepest bin. Below D the crystal is intact
//!   (as far as the fraction per bin shows).
//! - Amorphous-layer thickness: the summed width of the bins above D with f ≥ `amorphous_threshold`.
//!
//! A perfect free surface already shows about one bin of "damage": surface atoms lack the outer half
//! of their neighbours, so CNA calls them Other (identify-diamond calls them 1st/2nd neighbour, which
//! counts as crystalline). Compare against an undamaged reference of the same surface.

use crate::error::StructureError;
use atomfab_core::Vec3;
use serde::Serialize;

/// Which surface the depth is measured from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SurfaceMode {
    /// The top atom of each lateral column.
    Local,
    /// The mean of the column tops (a flat plane).
    Mean,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DamageOptions {
    /// Outward surface normal (any length; normalised). Default +z.
    pub normal: Vec3,
    /// Depth bin width (Å).
    pub bin_angstrom: f64,
    /// Lateral column side for the top-surface map (Å).
    pub column_angstrom: f64,
    pub surface: SurfaceMode,
    /// Non-crystalline fraction above which a bin is damaged.
    pub damage_threshold: f64,
    /// Non-crystalline fraction at or above which a bin is amorphous.
    pub amorphous_threshold: f64,
}

impl Default for DamageOptions {
    fn default() -> Self {
        DamageOptions {
            normal: [0.0, 0.0, 1.0],
            bin_angstrom: 2.0,
            column_angstrom: 5.0,
            surface: SurfaceMode::Local,
            damage_threshold: 0.1,
            amorphous_threshold: 0.5,
        }
    }
}

/// One depth bin of the profile.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DepthBin {
    /// Depth of the bin's top and bottom below the surface (Å).
    pub depth_top_angstrom: f64,
    pub depth_bottom_angstrom: f64,
    pub atoms: usize,
    /// Atoms per type id.
    pub counts: Vec<usize>,
    /// 1 − crystalline / atoms (0 for an empty bin).
    pub non_crystalline_fraction: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DamageReport {
    pub options: DamageOptions,
    /// Mean height of the column tops along the normal (Å).
    pub mean_surface_height_angstrom: f64,
    /// Number of lateral columns with atoms.
    pub columns: usize,
    pub damage_depth_angstrom: f64,
    pub amorphous_thickness_angstrom: f64,
    /// Bins from the top down (including empty ones between occupied bins).
    pub profile: Vec<DepthBin>,
}

/// Depth profile of structure types `type_ids` (each < `n_types`) of atoms at `positions` (Å);
/// `crystalline(id)` says which types are crystal lattice sites.
pub fn damage_profile(
    positions: &[Vec3],
    type_ids: &[u8],
    n_types: usize,
    crystalline: impl Fn(u8) -> bool,
    options: &DamageOptions,
) -> Result<DamageReport, StructureError> {
    let o = options;
    let len = (o.normal[0] * o.normal[0] + o.normal[1] * o.normal[1] + o.normal[2] * o.normal[2]).sqrt();
    if !(len > 0.0 && len.is_finite()) {
        return Err(StructureError::Parameter(format!("surface normal {:?} must be a finite non-zero vector", o.normal)));
    }
    for (name, v) in [("depth bin width", o.bin_angstrom), ("column size", o.column_angstrom)] {
        if !(v > 0.0 && v.is_finite()) {
            return Err(StructureError::Parameter(format!("{name} {v} Å must be finite and > 0")));
        }
    }
    for (name, v) in [("damage threshold", o.damage_threshold), ("amorphous threshold", o.amorphous_threshold)] {
        if !(0.0..=1.0).contains(&v) {
            return Err(StructureError::Parameter(format!("{name} {v} must be a fraction in [0, 1]")));
        }
    }
    if positions.len() != type_ids.len() {
        return Err(StructureError::Input(format!("{} positions but {} structure types", positions.len(), type_ids.len())));
    }
    if let Some(&t) = type_ids.iter().find(|&&t| t as usize >= n_types) {
        return Err(StructureError::Input(format!("structure type id {t} is not below {n_types}")));
    }
    if positions.is_empty() {
        return Err(StructureError::Input("no atoms to profile".into()));
    }
    let n = [o.normal[0] / len, o.normal[1] / len, o.normal[2] / len];
    let (u, v) = lateral_axes(n);
    let h: Vec<f64> = positions.iter().map(|r| dot(*r, n)).collect();
    let pu: Vec<f64> = positions.iter().map(|r| dot(*r, u)).collect();
    let pv: Vec<f64> = positions.iter().map(|r| dot(*r, v)).collect();
    let min_of = |x: &[f64]| x.iter().copied().fold(f64::INFINITY, f64::min);
    let max_of = |x: &[f64]| x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let (u0, v0) = (min_of(&pu), min_of(&pv));
    let nu = (((max_of(&pu) - u0) / o.column_angstrom).floor() as usize + 1).min(1 << 16);
    let nv = (((max_of(&pv) - v0) / o.column_angstrom).floor() as usize + 1).min(1 << 16);
    if (nu as f64) * (nv as f64) > 4.0 * positions.len() as f64 + 1e6 {
        return Err(StructureError::Parameter(format!(
            "column size {} Å gives {nu} × {nv} lateral columns for {} atoms; use larger columns",
            o.column_angstrom,
            positions.len()
        )));
    }
    let column = |i: usize| -> usize {
        let a = (((pu[i] - u0) / o.column_angstrom) as usize).min(nu - 1);
        let b = (((pv[i] - v0) / o.column_angstrom) as usize).min(nv - 1);
        a * nv + b
    };
    let mut top = vec![f64::NEG_INFINITY; nu * nv];
    for i in 0..positions.len() {
        let c = column(i);
        top[c] = top[c].max(h[i]);
    }
    let occupied: Vec<f64> = top.iter().copied().filter(|t| t.is_finite()).collect();
    let mean_top = occupied.iter().sum::<f64>() / occupied.len() as f64;
    let depth: Vec<f64> = (0..positions.len())
        .map(|i| match o.surface {
            SurfaceMode::Local => top[column(i)] - h[i],
            SurfaceMode::Mean => mean_top - h[i],
        })
        .collect();
    let w = o.bin_angstrom;
    let b_min = (min_of(&depth) / w).floor() as i64;
    let b_max = (max_of(&depth) / w).floor() as i64;
    let nbins = (b_max - b_min + 1) as usize;
    if nbins > 10_000_000 {
        return Err(StructureError::Parameter(format!("depth bin width {w} Å gives {nbins} bins; use wider bins")));
    }
    let mut profile: Vec<DepthBin> = (0..nbins)
        .map(|k| {
            let b = (b_min + k as i64) as f64;
            DepthBin {
                depth_top_angstrom: b * w,
                depth_bottom_angstrom: (b + 1.0) * w,
                atoms: 0,
                counts: vec![0; n_types],
                non_crystalline_fraction: 0.0,
            }
        })
        .collect();
    let mut crystal = vec![0usize; nbins];
    for i in 0..positions.len() {
        let k = ((depth[i] / w).floor() as i64 - b_min) as usize;
        profile[k].atoms += 1;
        profile[k].counts[type_ids[i] as usize] += 1;
        if crystalline(type_ids[i]) {
            crystal[k] += 1;
        }
    }
    for (bin, &c) in profile.iter_mut().zip(&crystal) {
        if bin.atoms > 0 {
            bin.non_crystalline_fraction = 1.0 - c as f64 / bin.atoms as f64;
        }
    }
    let mut damage = profile.last().map(|b| b.depth_bottom_angstrom).unwrap_or(0.0);
    let mut amorphous = 0.0;
    for bin in profile.iter().filter(|b| b.atoms > 0) {
        if bin.non_crystalline_fraction <= o.damage_threshold {
            damage = bin.depth_top_angstrom;
            break;
        }
        if bin.non_crystalline_fraction >= o.amorphous_threshold {
            amorphous += w;
        }
    }
    Ok(DamageReport {
        options: o.clone(),
        mean_surface_height_angstrom: mean_top,
        columns: occupied.len(),
        damage_depth_angstrom: damage.max(0.0),
        amorphous_thickness_angstrom: amorphous,
        profile,
    })
}

/// Two unit vectors completing the unit normal n to a right-handed frame (for axis normals: the
/// other two axes).
fn lateral_axes(n: Vec3) -> (Vec3, Vec3) {
    let pick = if n[0].abs() < 0.9 { [1.0, 0.0, 0.0] } else { [0.0, 1.0, 0.0] };
    let d = dot(pick, n);
    let u = [pick[0] - d * n[0], pick[1] - d * n[1], pick[2] - d * n[2]];
    let lu = dot(u, u).sqrt();
    let u = [u[0] / lu, u[1] / lu, u[2] / lu];
    let v = [n[1] * u[2] - n[2] * u[1], n[2] * u[0] - n[0] * u[2], n[0] * u[1] - n[1] * u[0]];
    (u, v)
}

#[inline]
fn dot(a: Vec3, b: Vec3) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Layers 1 Å apart along z on a 10 × 10 Å square lattice; layers above `z_damaged` are Other (0),
    /// the rest crystalline (1), except every other atom of the layer just below (half damaged).
    fn slab(layers: usize, damaged: usize) -> (Vec<Vec3>, Vec<u8>) {
        let mut pos = Vec::new();
        let mut ty = Vec::new();
        for l in 0..layers {
            for x in 0..10 {
                for y in 0..10 {
                    pos.push([x as f64 + 0.5, y as f64 + 0.5, l as f64]);
                    let from_top = layers - 1 - l;
                    let t = if from_top < damaged || (from_top == damaged && (x + y) % 2 == 0) { 0 } else { 1 };
                    ty.push(t);
                }
            }
        }
        (pos, ty)
    }

    #[test]
    fn damage_depth_and_amorphous_thickness() {
        let (pos, ty) = slab(20, 6);
        let opt = DamageOptions { bin_angstrom: 1.0, ..Default::default() };
        let r = damage_profile(&pos, &ty, 2, |t| t == 1, &opt).unwrap();
        // Layers at depth 0..5 are Other, depth 6 is half Other, depth 7 is clean.
        assert_eq!(r.damage_depth_angstrom, 7.0);
        assert_eq!(r.amorphous_thickness_angstrom, 7.0);
        assert_eq!(r.profile.len(), 20);
        assert_eq!(r.profile[6].non_crystalline_fraction, 0.5);
        let strict = DamageOptions { amorphous_threshold: 0.9, ..opt.clone() };
        assert_eq!(damage_profile(&pos, &ty, 2, |t| t == 1, &strict).unwrap().amorphous_thickness_angstrom, 6.0);
        // Looking from the bottom (normal −z), the first bin is clean.
        let bottom = DamageOptions { normal: [0.0, 0.0, -2.0], ..opt.clone() };
        assert_eq!(damage_profile(&pos, &ty, 2, |t| t == 1, &bottom).unwrap().damage_depth_angstrom, 0.0);
    }

    #[test]
    fn local_surface_follows_a_step() {
        // Two terraces 3 Å apart, each with 2 damaged layers: local depth sees 2 Å everywhere.
        let (mut pos, ty) = slab(10, 2);
        for r in pos.iter_mut() {
            if r[0] >= 5.0 {
                r[2] += 3.0;
            }
        }
        let opt = DamageOptions { bin_angstrom: 1.0, column_angstrom: 1.0, ..Default::default() };
        let local = damage_profile(&pos, &ty, 2, |t| t == 1, &opt).unwrap();
        assert_eq!(local.damage_depth_angstrom, 3.0);
        let mean = damage_profile(&pos, &ty, 2, |t| t == 1, &DamageOptions { surface: SurfaceMode::Mean, ..opt }).unwrap();
        assert!((mean.mean_surface_height_angstrom - 10.5).abs() < 1e-12);
        assert!(mean.damage_depth_angstrom > local.damage_depth_angstrom);
    }

    #[test]
    fn bad_options_are_errors() {
        let (pos, ty) = slab(3, 1);
        let bad = [
            DamageOptions { normal: [0.0; 3], ..Default::default() },
            DamageOptions { bin_angstrom: 0.0, ..Default::default() },
            DamageOptions { column_angstrom: f64::NAN, ..Default::default() },
            DamageOptions { damage_threshold: 1.5, ..Default::default() },
        ];
        for o in &bad {
            assert!(damage_profile(&pos, &ty, 2, |t| t == 1, o).is_err());
        }
        assert!(damage_profile(&pos, &ty, 1, |t| t == 1, &DamageOptions::default()).is_err());
        assert!(damage_profile(&pos[..5], &ty, 2, |t| t == 1, &DamageOptions::default()).is_err());
    }
}
