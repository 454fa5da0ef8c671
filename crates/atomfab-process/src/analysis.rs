//! Evaluation of a finished process run from its output files, shared by all kinds: force series,
//! temperature field, machined-surface height map, structure types and subsurface damage.
//! Inputs in metal units (Å, ps, eV); results carry their unit in the field name.

use crate::error::ProcessError;
use crate::material::StructureMethod;
use atomfab_core::{System, UnitSystem};
use atomfab_metrology::atoms::{top_surface, TopSurface};
use atomfab_metrology::HeightMap;
use serde::Serialize;
use std::io::BufReader;
use std::path::Path;

/// 1 eV/Å in nN.
pub const EV_PER_ANGSTROM_IN_NN: f64 = 1.602_176_634;
/// 1 eV/Å³ in GPa (= J/mm³).
pub const EV_PER_ANGSTROM3_IN_GPA: f64 = 160.217_663_4;

/// Columns of the thermo CSV the analysis uses.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Series {
    pub time_ps: Vec<f64>,
    /// Tool travel since the start (Å).
    pub travel_angstrom: Vec<f64>,
    /// Force of the workpiece on the tool along +x (against the cutting / scratching direction −x), nN.
    pub cutting_force_nn: Vec<f64>,
    /// Force on the tool along +y (lateral), nN.
    pub lateral_force_nn: Vec<f64>,
    /// Force on the tool along +z (thrust, normal to the machined surface), nN.
    pub thrust_force_nn: Vec<f64>,
    pub temperature_k: Vec<f64>,
    pub potential_energy_ev: Vec<f64>,
}

/// Reads `thermo.csv`; `travel` maps time (ps) to the tool travel (Å) of the kind's motion.
pub fn read_series(path: &Path, travel: impl Fn(f64) -> f64) -> Result<Series, ProcessError> {
    let text = std::fs::read_to_string(path).map_err(|e| ProcessError::Io(format!("{}: {e}", path.display())))?;
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or("").split(',').collect();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .ok_or_else(|| ProcessError::Analysis(format!("{}: no column '{name}'", path.display())))
    };
    let (t, temp, pe, fx, fy, fz) = (col("time")?, col("temp")?, col("pe")?, col("fx_tool")?, col("fy_tool")?, col("fz_tool")?);
    let mut s = Series::default();
    for (k, line) in lines.enumerate() {
        let v: Vec<f64> = line.split(',').map(|x| x.trim().parse::<f64>().unwrap_or(f64::NAN)).collect();
        if v.len() != header.len() {
            return Err(ProcessError::Analysis(format!("{}:{}: expected {} columns", path.display(), k + 2, header.len())));
        }
        s.time_ps.push(v[t]);
        s.travel_angstrom.push(travel(v[t]));
        s.cutting_force_nn.push(v[fx] * EV_PER_ANGSTROM_IN_NN);
        s.lateral_force_nn.push(v[fy] * EV_PER_ANGSTROM_IN_NN);
        s.thrust_force_nn.push(v[fz] * EV_PER_ANGSTROM_IN_NN);
        s.temperature_k.push(v[temp]);
        s.potential_energy_ev.push(v[pe]);
    }
    Ok(s)
}

/// One named column of a CSV file with a header line (e.g. a fix's column of `thermo.csv`).
pub fn read_column(path: &Path, name: &str) -> Result<Vec<f64>, ProcessError> {
    let text = std::fs::read_to_string(path).map_err(|e| ProcessError::Io(format!("{}: {e}", path.display())))?;
    let mut lines = text.lines();
    let k = lines
        .next()
        .unwrap_or("")
        .split(',')
        .position(|h| h == name)
        .ok_or_else(|| ProcessError::Analysis(format!("{}: no column '{name}'", path.display())))?;
    lines
        .enumerate()
        .map(|(n, l)| {
            l.split(',').nth(k).and_then(|v| v.trim().parse::<f64>().ok()).ok_or_else(|| ProcessError::Analysis(format!("{}:{}: no number in column '{name}'", path.display(), n + 2)))
        })
        .collect()
}

/// The last frame of an extxyz trajectory.
pub fn read_last_frame(path: &Path) -> Result<System, ProcessError> {
    let f = std::fs::File::open(path).map_err(|e| ProcessError::Io(format!("{}: {e}", path.display())))?;
    let mut last = None;
    for frame in atomfab_io::extxyz::read_frames(BufReader::new(f), &path.display().to_string(), UnitSystem::Metal) {
        last = Some(frame.map_err(|e| ProcessError::Io(e.to_string()))?.system);
    }
    last.ok_or_else(|| ProcessError::Analysis(format!("{}: no frame", path.display())))
}

/// Temperature (K) on an x–z grid of workpiece atoms, from the kinetic energy of each bin.
#[derive(Debug, Clone, Serialize)]
pub struct TemperatureField {
    pub bin_angstrom: f64,
    pub x0_angstrom: f64,
    pub z0_angstrom: f64,
    pub nx: usize,
    pub nz: usize,
    /// Row-major, z rows from the bottom, from the velocities relative to each bin's centre-of-mass
    /// velocity; NaN for bins with fewer than `MIN_ATOMS_PER_BIN` atoms.
    pub kelvin: Vec<f64>,
    pub max_kelvin: f64,
}

/// Bins with fewer atoms give no temperature: with 3(k − 1) degrees of freedom the estimate scatters by
/// ±√(2/(3(k − 1))), ±27 % at 10 atoms, and sparse bins at the chip's free surface would set the maximum.
const MIN_ATOMS_PER_BIN: usize = 10;

pub fn temperature_field(fin: &System, workpiece_species: u32, bin: f64) -> TemperatureField {
    let c = fin.units.constants();
    let atoms: Vec<usize> = (0..fin.len()).filter(|&i| fin.species_index[i] == workpiece_species).collect();
    let (mut x0, mut x1, mut z0, mut z1) = (f64::INFINITY, f64::NEG_INFINITY, f64::INFINITY, f64::NEG_INFINITY);
    for &i in &atoms {
        let r = fin.positions[i];
        x0 = x0.min(r[0]);
        x1 = x1.max(r[0]);
        z0 = z0.min(r[2]);
        z1 = z1.max(r[2]);
    }
    let nx = (((x1 - x0) / bin).floor() as usize + 1).min(4096);
    let nz = (((z1 - z0) / bin).floor() as usize + 1).min(4096);
    // Per bin: Σ m v², Σ m v and Σ m, so that the bin's drift (chip flow, a flying cluster) is not heat.
    let mut ke = vec![0.0; nx * nz];
    let mut momentum = vec![[0.0; 3]; nx * nz];
    let mut mass = vec![0.0; nx * nz];
    let mut n = vec![0usize; nx * nz];
    for &i in &atoms {
        let r = fin.positions[i];
        let v = fin.velocities[i];
        let m = fin.mass(i);
        let ix = (((r[0] - x0) / bin) as usize).min(nx - 1);
        let iz = (((r[2] - z0) / bin) as usize).min(nz - 1);
        let b = iz * nx + ix;
        ke[b] += m * (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
        for a in 0..3 {
            momentum[b][a] += m * v[a];
        }
        mass[b] += m;
        n[b] += 1;
    }
    let kelvin: Vec<f64> = (0..nx * nz)
        .map(|b| {
            if n[b] < MIN_ATOMS_PER_BIN {
                return f64::NAN;
            }
            let p = momentum[b];
            let thermal = ke[b] - (p[0] * p[0] + p[1] * p[1] + p[2] * p[2]) / mass[b];
            c.mvv2e * thermal / (3.0 * (n[b] - 1) as f64 * c.boltzmann)
        })
        .collect();
    let max_kelvin = kelvin.iter().copied().filter(|t| t.is_finite()).fold(0.0, f64::max);
    TemperatureField { bin_angstrom: bin, x0_angstrom: x0, z0_angstrom: z0, nx, nz, kelvin, max_kelvin }
}

/// The machined surface: workpiece atoms in x ∈ [x_from, x_to) (the region the tool has passed),
/// mapped with a probe sphere (an ideal AFM tip) on a grid of `pixel` Å over the periodic `width` (Å).
/// Height in metres, measured from `ref_z` (Å; e.g. the nominal machined surface, the tool's lowest point).
#[allow(clippy::too_many_arguments)]
pub fn machined_surface(fin: &System, workpiece_species: u32, width: f64, nearest_neighbour: f64, ref_z: f64, x_from: f64, x_to: f64, pixel: f64) -> Result<HeightMap, ProcessError> {
    if x_to - x_from < 4.0 * pixel {
        return Err(ProcessError::Analysis(format!(
            "machined region x ∈ [{x_from:.1}, {x_to:.1}) Å is too short for a height map; lengthen the tool travel"
        )));
    }
    // Debris (atoms with fewer than two neighbours within 1.3 nearest-neighbour distances) is not surface.
    let candidates: Vec<usize> = (0..fin.len())
        .filter(|&i| fin.species_index[i] == workpiece_species)
        .filter(|&i| fin.positions[i][0] >= x_from - 5.0 && fin.positions[i][0] < x_to + 5.0)
        .collect();
    let cand_pos: Vec<[f64; 3]> = candidates.iter().map(|&i| fin.positions[i]).collect();
    let coordination = atomfab_structure::coordination_numbers(&fin.cell, &cand_pos, 1.3 * nearest_neighbour)
        .map_err(|e| ProcessError::Analysis(format!("coordination: {e}")))?;
    let pts: Vec<[f64; 3]> = cand_pos
        .iter()
        .zip(&coordination)
        .filter(|(r, &c)| c >= 2 && r[0] >= x_from && r[0] < x_to)
        .map(|(r, _)| *r)
        .map(|r| [r[0] - x_from, r[1].rem_euclid(width), r[2] - ref_z])
        .collect();
    let map = top_surface(&pts, [x_to - x_from, width, 0.0], pixel, TopSurface::ProbeSphere { probe: 2.0, atom: 1.2 })
        .map_err(|e| ProcessError::Analysis(format!("machined surface: {e}")))?;
    Ok(fill_missing(map))
}

/// Replaces NaN points by the mean of their measured 4-neighbours, repeatedly, so that PSD and
/// areal parameters see a complete map (a probe can miss a few points over deep pits).
fn fill_missing(mut map: HeightMap) -> HeightMap {
    let (nx, ny) = (map.nx, map.ny);
    for _ in 0..(nx + ny) {
        if !map.z.iter().any(|v| v.is_nan()) {
            break;
        }
        let z = map.z.clone();
        for j in 0..ny {
            for i in 0..nx {
                if z[j * nx + i].is_nan() {
                    let mut s = 0.0;
                    let mut k = 0;
                    for (di, dj) in [(-1i64, 0i64), (1, 0), (0, -1), (0, 1)] {
                        let (a, b) = (i as i64 + di, j as i64 + dj);
                        if a >= 0 && b >= 0 && (a as usize) < nx && (b as usize) < ny {
                            let v = z[b as usize * nx + a as usize];
                            if v.is_finite() {
                                s += v;
                                k += 1;
                            }
                        }
                    }
                    if k > 0 {
                        map.z[j * nx + i] = s / k as f64;
                    }
                }
            }
        }
    }
    map
}

/// Structure identification of the workpiece atoms and the damage below the machined surface.
#[derive(Debug, Clone, Serialize)]
pub struct Damage {
    pub method: String,
    /// Atoms of each structure type in the machined region (OVITO type names).
    pub counts: Vec<(String, usize)>,
    /// Depth below the local surface down to the first intact depth bin, nm.
    pub damage_depth_nm: f64,
    /// `"measured"`, or `"lower bound"` when the damage reaches the bottom (`damage_reaches_bottom`).
    pub damage_depth_is: String,
    pub amorphous_thickness_nm: f64,
    /// `"measured"`, or `"lower bound"` when the bottom layer is amorphous too.
    pub amorphous_thickness_is: String,
    /// The damage reaches the fixed + thermostat layers at the bottom of the workpiece: the mobile layer
    /// just above them is damaged, or no depth bin below the surface is intact. The simulated workpiece
    /// cuts the damage off there, so a thicker one would show it deeper.
    pub damage_reaches_bottom: bool,
    /// Non-crystalline fraction of that layer (one depth bin thick); null when it is not known.
    pub bottom_layer_non_crystalline_fraction: f64,
    /// Depth profile: (depth below the local surface at bin centre Å, non-crystalline fraction).
    pub profile: Vec<(f64, f64)>,
}

/// What `damage_depth_is` and `amorphous_thickness_is` say.
pub const MEASURED: &str = "measured";
pub const LOWER_BOUND: &str = "lower bound";

/// Per-atom structure type codes (OVITO ids) of the workpiece atoms (`indices` into `fin`).
pub fn structure_types(fin: &System, indices: &[usize], method: StructureMethod) -> Result<(Vec<u8>, Vec<&'static str>, Vec<bool>), ProcessError> {
    let pos: Vec<[f64; 3]> = indices.iter().map(|&i| fin.positions[i]).collect();
    let err = |e: atomfab_structure::StructureError| ProcessError::Analysis(format!("structure identification: {e}"));
    Ok(match method {
        StructureMethod::Diamond => {
            let t = atomfab_structure::identify_diamond(&fin.cell, &pos).map_err(err)?;
            let names = atomfab_structure::DiamondType::ALL.iter().map(|d| d.name()).collect();
            let crystal = atomfab_structure::DiamondType::ALL.iter().map(|d| d.is_crystalline()).collect();
            (t.into_iter().map(|d| d as u8).collect(), names, crystal)
        }
        StructureMethod::AdaptiveCna => {
            let t = atomfab_structure::common_neighbor_analysis(&fin.cell, &pos, atomfab_structure::CnaMode::Adaptive).map_err(err)?;
            let names = atomfab_structure::CnaType::ALL.iter().map(|d| d.name()).collect();
            // The CNA workpieces are fcc metals: HCP atoms in them are stacking faults (the trace of
            // partial dislocations) and BCC atoms are distorted lattice, so both count as damage.
            let crystal = atomfab_structure::CnaType::ALL.iter().map(|&d| d == atomfab_structure::CnaType::Fcc).collect();
            (t.into_iter().map(|d| d as u8).collect(), names, crystal)
        }
    })
}

/// Damage profile of the atoms at `positions` (Å) with structure `types`. `bottom_z` (Å) is the top of
/// the fixed + thermostat layers, when the workpiece has them: the layer of one depth bin above it tells
/// whether the damage reaches the bottom of the workpiece (without it, only a profile with no intact bin
/// does).
pub fn damage(positions: &[[f64; 3]], types: &[u8], names: &[&str], crystalline: &[bool], method: StructureMethod, bottom_z: Option<f64>) -> Result<Damage, ProcessError> {
    let opts = atomfab_structure::DamageOptions::default();
    let rep = atomfab_structure::damage_profile(positions, types, names.len(), |t| crystalline[t as usize], &opts)
        .map_err(|e| ProcessError::Analysis(format!("damage profile: {e}")))?;
    let mut counts = vec![0usize; names.len()];
    for &t in types {
        counts[t as usize] += 1;
    }
    let bottom = bottom_z.map_or(f64::NAN, |z0| {
        let layer: Vec<bool> = positions.iter().zip(types).filter(|(r, _)| r[2] >= z0 && r[2] < z0 + opts.bin_angstrom).map(|(_, &t)| crystalline[t as usize]).collect();
        // an empty layer (a void) says nothing
        if layer.is_empty() { f64::NAN } else { layer.iter().filter(|&&c| !c).count() as f64 / layer.len() as f64 }
    });
    // without an intact bin the profile reports the whole slab as damaged
    let intact_bin = rep.profile.iter().any(|b| b.atoms > 0 && b.non_crystalline_fraction <= opts.damage_threshold);
    let reaches_bottom = bottom > opts.damage_threshold || !intact_bin;
    let amorphous_to_bottom = reaches_bottom && (bottom >= opts.amorphous_threshold || bottom.is_nan());
    let is = |lower: bool| if lower { LOWER_BOUND } else { MEASURED }.to_string();
    Ok(Damage {
        method: match method {
            StructureMethod::Diamond => "identify diamond structure (Maras et al. 2016)".into(),
            StructureMethod::AdaptiveCna => "adaptive common neighbour analysis (Stukowski 2012)".into(),
        },
        counts: names.iter().map(|n| n.to_string()).zip(counts).collect(),
        damage_depth_nm: rep.damage_depth_angstrom / 10.0,
        damage_depth_is: is(reaches_bottom),
        amorphous_thickness_nm: rep.amorphous_thickness_angstrom / 10.0,
        amorphous_thickness_is: is(amorphous_to_bottom),
        damage_reaches_bottom: reaches_bottom,
        bottom_layer_non_crystalline_fraction: bottom,
        profile: rep
            .profile
            .iter()
            .filter(|b| b.atoms > 0)
            .map(|b| (0.5 * (b.depth_top_angstrom + b.depth_bottom_angstrom), b.non_crystalline_fraction))
            .collect(),
    })
}
