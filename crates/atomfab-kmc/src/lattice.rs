//! Site lattices: 2-D square and hexagonal (triangular) surface lattices with a solid-on-solid height
//! per column, and a 3-D voxel lattice of a trench cross-section (for conformality).

use serde::{Deserialize, Serialize};

use crate::config::{memory_limit_bytes, KmcConfig};
use crate::error::{KmcError, Result};

/// "No neighbour" (open boundary of the trench lattice).
pub const NONE: u32 = u32::MAX;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LatticeKind {
    /// Square lattice, 4 neighbours, periodic in x and y.
    Square,
    /// Triangular lattice of sites (hexagonal close-packed surface), 6 neighbours, periodic.
    Hexagonal,
    /// 3-D simple-cubic voxels of a trench: gas voxels inside, solid walls; periodic along y only.
    Trench,
}

/// Geometry of the trench lattice (voxel counts).
#[derive(Debug, Clone, Copy)]
pub struct TrenchGeometry {
    pub width: usize,
    pub depth: usize,
    pub margin: usize,
}

#[derive(Debug, Clone)]
pub struct Lattice {
    pub kind: LatticeKind,
    pub nx: usize,
    pub ny: usize,
    /// Layers along z (1 for 2-D lattices). For the trench z = 0 is the gas reservoir row and grows downwards.
    pub nz: usize,
    /// Coordination number (neighbour directions per site).
    pub z: usize,
    pub a_angstrom: f64,
    /// Area of one surface site (Å²).
    pub site_area_angstrom2: f64,
    /// `nbr[i * z + d]` = neighbour of site i in direction d, or [`NONE`].
    pub nbr: Vec<u32>,
    /// Displacement (Å) of a hop in each direction.
    pub dir_vectors: Vec<[f64; 3]>,
    pub site_type: Vec<u8>,
    pub type_names: Vec<String>,
    /// Whether sites of a type count as surface (coverage, thickness).
    pub type_is_surface: Vec<bool>,
    pub initial_species: Vec<u8>,
    pub trench: Option<TrenchGeometry>,
}

impl Lattice {
    pub fn n_sites(&self) -> usize {
        self.site_type.len()
    }

    pub(crate) fn build(
        cfg: &KmcConfig,
        initial: u8,
        species_idx: &dyn Fn(&str, &str) -> Result<u8>,
        bytes_per_site: &f64,
    ) -> Result<Lattice> {
        let l = &cfg.lattice;
        if !(l.a_angstrom.is_finite() && l.a_angstrom > 0.0) {
            return Err(KmcError::config("kmc.lattice.a_angstrom", format!("expected > 0, found {}", l.a_angstrom)));
        }
        let trench_only = [
            ("width_sites", l.width_sites.is_some()),
            ("depth_sites", l.depth_sites.is_some()),
            ("margin_sites", l.margin_sites.is_some()),
            ("gas_species", l.gas_species.is_some()),
            ("bulk_species", l.bulk_species.is_some()),
        ];
        let a = l.a_angstrom;
        match l.kind {
            LatticeKind::Square | LatticeKind::Hexagonal => {
                if let Some((k, _)) = trench_only.iter().find(|(_, set)| *set) {
                    return Err(KmcError::config(format!("kmc.lattice.{k}"), "only valid for kind = \"trench\""));
                }
                let (nx, ny) = (l.nx, l.ny);
                check_dim("kmc.lattice.nx", nx)?;
                check_dim("kmc.lattice.ny", ny)?;
                let n = check_size("kmc.lattice (nx × ny)", &[nx, ny], bytes_per_site)?;
                let hex = l.kind == LatticeKind::Hexagonal;
                let z = if hex { 6 } else { 4 };
                // Hexagonal sites live on a sheared square grid: neighbours (±1,0), (0,±1), (1,−1), (−1,1).
                let offsets: &[(isize, isize)] = if hex {
                    &[(1, 0), (-1, 0), (0, 1), (0, -1), (1, -1), (-1, 1)]
                } else {
                    &[(1, 0), (-1, 0), (0, 1), (0, -1)]
                };
                let mut nbr = vec![NONE; n * z];
                for y in 0..ny {
                    for x in 0..nx {
                        let i = y * nx + x;
                        for (d, (dx, dy)) in offsets.iter().enumerate() {
                            let xx = (x as isize + dx).rem_euclid(nx as isize) as usize;
                            let yy = (y as isize + dy).rem_euclid(ny as isize) as usize;
                            nbr[i * z + d] = (yy * nx + xx) as u32;
                        }
                    }
                }
                let h = 3f64.sqrt() / 2.0;
                let dir_vectors: Vec<[f64; 3]> = offsets
                    .iter()
                    .map(|&(dx, dy)| {
                        let (dx, dy) = (dx as f64, dy as f64);
                        if hex {
                            [a * (dx + 0.5 * dy), a * h * dy, 0.0]
                        } else {
                            [a * dx, a * dy, 0.0]
                        }
                    })
                    .collect();
                let mut type_names = vec!["surface".to_string()];
                let mut site_type = vec![0u8; n];
                let mut init = vec![initial; n];
                for (r, reg) in cfg.regions.iter().enumerate() {
                    let k = format!("kmc.regions[{r}]");
                    if type_names.contains(&reg.name) {
                        return Err(KmcError::config(format!("{k}.name"), format!("duplicate region/site type '{}'", reg.name)));
                    }
                    if type_names.len() >= 64 {
                        return Err(KmcError::config(k, "at most 63 regions"));
                    }
                    for (key, v) in [("x_from", reg.x_from), ("x_to", reg.x_to), ("y_from", reg.y_from), ("y_to", reg.y_to)] {
                        if !(0.0..=1.0).contains(&v) {
                            return Err(KmcError::config(format!("{k}.{key}"), format!("expected a box fraction in [0, 1], found {v}")));
                        }
                    }
                    if reg.x_from >= reg.x_to || reg.y_from >= reg.y_to {
                        return Err(KmcError::config(k, "empty region (need x_from < x_to and y_from < y_to)"));
                    }
                    let sp = match &reg.initial_species {
                        Some(s) => Some(species_idx(&format!("{k}.initial_species"), s)?),
                        None => None,
                    };
                    let t = type_names.len() as u8;
                    type_names.push(reg.name.clone());
                    for y in 0..ny {
                        let fy = (y as f64 + 0.5) / ny as f64;
                        for x in 0..nx {
                            let fx = (x as f64 + 0.5) / nx as f64;
                            if fx >= reg.x_from && fx < reg.x_to && fy >= reg.y_from && fy < reg.y_to {
                                site_type[y * nx + x] = t;
                                if let Some(s) = sp {
                                    init[y * nx + x] = s;
                                }
                            }
                        }
                    }
                }
                let ntypes = type_names.len();
                Ok(Lattice {
                    kind: l.kind,
                    nx,
                    ny,
                    nz: 1,
                    z,
                    a_angstrom: a,
                    site_area_angstrom2: if hex { a * a * h } else { a * a },
                    nbr,
                    dir_vectors,
                    site_type,
                    type_names,
                    type_is_surface: vec![true; ntypes],
                    initial_species: init,
                    trench: None,
                })
            }
            LatticeKind::Trench => {
                if !cfg.regions.is_empty() {
                    return Err(KmcError::config("kmc.regions", "regions apply to 2-D lattices only (the trench has its own site types)"));
                }
                let need = |k: &str, v: Option<usize>| -> Result<usize> {
                    let v = v.ok_or_else(|| KmcError::config(format!("kmc.lattice.{k}"), "required for kind = \"trench\""))?;
                    check_dim(&format!("kmc.lattice.{k}"), v)?;
                    Ok(v)
                };
                let width = need("width_sites", l.width_sites)?;
                let depth = need("depth_sites", l.depth_sites)?;
                let margin = need("margin_sites", l.margin_sites)?;
                check_dim("kmc.lattice.ny", l.ny)?;
                let gas = species_idx(
                    "kmc.lattice.gas_species",
                    l.gas_species
                        .as_deref()
                        .ok_or_else(|| KmcError::config("kmc.lattice.gas_species", "required for kind = \"trench\""))?,
                )?;
                let bulk = species_idx(
                    "kmc.lattice.bulk_species",
                    l.bulk_species
                        .as_deref()
                        .ok_or_else(|| KmcError::config("kmc.lattice.bulk_species", "required for kind = \"trench\""))?,
                )?;
                if l.nx != 0 {
                    return Err(KmcError::config("kmc.lattice.nx", "not used by kind = \"trench\" (nx = width_sites + 2 margin_sites)"));
                }
                let nx = width + 2 * margin;
                let ny = l.ny;
                let nz = depth + 2;
                let n = check_size("kmc.lattice (trench voxels)", &[nx, ny, nz], bytes_per_site)?;
                let z = 6;
                let idx = |x: usize, y: usize, zz: usize| (zz * ny + y) * nx + x;
                // Site types: 0 reservoir, 1 gas, 2 field, 3 wall, 4 bottom, 5 bulk.
                let type_names: Vec<String> =
                    ["reservoir", "gas", "field", "wall", "bottom", "bulk"].iter().map(|s| s.to_string()).collect();
                let in_trench_x = |x: usize| x >= margin && x < margin + width;
                let is_gas = |x: usize, zz: usize| zz == 0 || (zz <= depth && in_trench_x(x));
                let mut site_type = vec![5u8; n];
                let mut init = vec![bulk; n];
                let mut nbr = vec![NONE; n * z];
                for zz in 0..nz {
                    for y in 0..ny {
                        for x in 0..nx {
                            let i = idx(x, y, zz);
                            let nb = [
                                (x + 1 < nx).then(|| idx(x + 1, y, zz)),
                                (x > 0).then(|| idx(x - 1, y, zz)),
                                Some(idx(x, (y + 1) % ny, zz)),
                                Some(idx(x, (y + ny - 1) % ny, zz)),
                                (zz + 1 < nz).then(|| idx(x, y, zz + 1)),
                                (zz > 0).then(|| idx(x, y, zz - 1)),
                            ];
                            for (d, j) in nb.iter().enumerate() {
                                nbr[i * z + d] = j.map_or(NONE, |j| j as u32);
                            }
                            if is_gas(x, zz) {
                                site_type[i] = if zz == 0 { 0 } else { 1 };
                                init[i] = gas;
                            } else {
                                let touches_gas = (x + 1 < nx && is_gas(x + 1, zz))
                                    || (x > 0 && is_gas(x - 1, zz))
                                    || (zz > 0 && is_gas(x, zz - 1));
                                if touches_gas {
                                    site_type[i] = if zz == 1 {
                                        2
                                    } else if zz == depth + 1 && in_trench_x(x) {
                                        4
                                    } else {
                                        3
                                    };
                                    init[i] = initial;
                                }
                            }
                        }
                    }
                }
                let dir_vectors = vec![
                    [a, 0.0, 0.0],
                    [-a, 0.0, 0.0],
                    [0.0, a, 0.0],
                    [0.0, -a, 0.0],
                    [0.0, 0.0, -a],
                    [0.0, 0.0, a],
                ];
                Ok(Lattice {
                    kind: l.kind,
                    nx,
                    ny,
                    nz,
                    z,
                    a_angstrom: a,
                    site_area_angstrom2: a * a,
                    nbr,
                    dir_vectors,
                    site_type,
                    type_names,
                    type_is_surface: vec![false, false, true, true, true, false],
                    initial_species: init,
                    trench: Some(TrenchGeometry { width, depth, margin }),
                })
            }
        }
    }

    /// (x, y, z) indices of a site.
    pub fn coords(&self, i: usize) -> (usize, usize, usize) {
        (i % self.nx, (i / self.nx) % self.ny, i / (self.nx * self.ny))
    }
}

fn check_dim(key: &str, v: usize) -> Result<()> {
    if v == 0 {
        return Err(KmcError::config(key, "expected at least 1 site"));
    }
    Ok(())
}

/// Site count, or an error when it overflows or needs more memory than the limit
/// (half the available memory, at most 8 GiB).
fn check_size(key: &str, dims: &[usize], bytes_per_site: &f64) -> Result<usize> {
    let n = dims
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .filter(|&n| n.checked_mul(8).is_some_and(|m| m < u32::MAX as usize))
        .ok_or_else(|| {
            KmcError::config(key, format!("{dims:?} sites overflow the 32-bit site index (at most ~5e8 sites)"))
        })?;
    let bytes = n as f64 * bytes_per_site;
    let limit = memory_limit_bytes();
    if bytes > limit {
        return Err(KmcError::config(
            key,
            format!(
                "{n} sites would need about {:.1} GiB (limit {:.1} GiB: half the available memory, at most 8 GiB); use a smaller lattice",
                bytes / 1073741824.0,
                limit / 1073741824.0
            ),
        ));
    }
    Ok(n)
}
