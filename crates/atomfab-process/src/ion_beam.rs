//! Ion-beam processing: successive ion impacts on a crystalline workpiece (x, y periodic, free surface at
//! the top, fixed + thermostat layers at the bottom). Each impact puts one ion above a random point of the
//! surface (seeded), aimed along the incidence direction, then runs the collision cascade with an adaptive
//! time step (`[md] dt_reset`, no atom moves more than `xmax_angstrom` per step) and the thermostat layer,
//! then a thermalisation with a Berendsen thermostat on all free atoms (the time between impacts of a
//! real beam, where the deposited heat leaves the spot). Atoms that rise `detect_nm` above the current
//! top of the workpiece (it swells as gas and damage accumulate) with an upward velocity are sputtered (or
//! reflected ions) and removed, as are atoms leaving through the bottom (transmitted); ions that stay are
//! implanted (depths are measured from the original surface). Measures the sputter yield per ion (mean ± standard error), yield vs impact number, the
//! implanted-ion depth profile, per-impact deposited energy, and through the common evaluation the
//! amorphised layer (structure identification) and the surface roughness (metrology).
//!
//! Potentials: Si–Si Tersoff/ZBL (LAMMPS SiC.tersoff.zbl, Devanathan et al. 1998: Tersoff Si joined to
//! the ZBL repulsion by a Fermi switch), Cu–Cu EAM (Cu_u3); ion–target and ion–ion: ZBL universal
//! repulsion (switched off over 3–4 Å), as usual for noble-gas ions.
//! Units: recipe nm, eV, degrees, ps; internally Å, ps, eV.

use crate::analysis::Series;
use crate::common::{self, bad, Setup, NM};
use crate::config::{Material, ProcessConfig};
use crate::error::ProcessError;
use crate::evaluate::{self, KindReport, RunInfo, SurfaceRegion};
use crate::material::{preset, MaterialPreset, PotentialFile};
use crate::{KindFigures, ProcessSummary, ProgressFn};
use atomfab_core::{Cell, Species, System, Vec3};
use atomfab_md::codec::{Dec, Enc};
use atomfab_md::{Md, MdConfig};
use atomfab_metrology::spec::Dim;
use atomfab_report::{Block, Plot, Series as PlotSeries};
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::path::Path;

/// Tersoff/ZBL file of the Si workpiece (copied from LAMMPS' potentials, see data/README.md).
pub const SIC_TERSOFF_ZBL: PotentialFile = PotentialFile { name: "SiC.tersoff.zbl", contents: include_str!("../data/SiC.tersoff.zbl") };

/// Ions this kind knows: noble gases, which interact with the target by nuclear repulsion only.
pub const ION_SPECIES: [&str; 5] = ["He", "Ne", "Ar", "Kr", "Xe"];

/// Default switching range of the ion ZBL repulsion (Å).
const ZBL_INNER: f64 = 3.0;
const ZBL_OUTER: f64 = 4.0;

/// Stillinger–Weber Si file of the Si workpiece with `si_potential = "sw/zbl"` (LAMMPS Si.sw).
pub const SI_SW: PotentialFile = PotentialFile { name: "Si.sw", contents: include_str!("../data/Si.sw") };

/// Values of `[process.ion] si_potential`: Tersoff/ZBL (SiC.tersoff.zbl, Devanathan et al. 1998) or
/// Stillinger–Weber joined to ZBL with the same Fermi switch as the Si entry of SiC.tersoff.zbl
/// (ZBLcut 0.95 Å, ZBLexpscale 14 Å⁻¹).
pub const SI_POTENTIALS: [&str; 2] = ["tersoff/zbl", "sw/zbl"];
const SW_ZBL_CUT: f64 = 0.95;
const SW_ZBL_EXPSCALE: f64 = 14.0;

/// The `[process.ion]` section.
///
/// ```toml
/// [process.ion]
/// species = "Ar"         # He, Ne, Ar, Kr, Xe
/// energy_ev = 500
/// polar_deg = 0          # incidence angle from the surface normal, [0, 90)
/// azimuth_deg = 0        # direction of the in-plane component, from +x towards +y
/// ions = 20              # or fluence_per_nm2 = 2.0
/// cascade_ps = 1.0       # cascade phase (adaptive dt, thermostat layer only)
/// thermalise_ps = 1.0    # thermalisation between impacts (Berendsen on all free atoms)
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IonConfig {
    #[serde(default = "argon")]
    pub species: String,
    /// Kinetic energy of each ion, eV.
    pub energy_ev: f64,
    #[serde(default)]
    pub polar_deg: f64,
    #[serde(default)]
    pub azimuth_deg: f64,
    /// Number of impacts; exclusive with `fluence_per_nm2`.
    #[serde(default)]
    pub ions: Option<u64>,
    /// Ions per nm² of surface; the count is rounded to the nearest whole ion (at least 1).
    #[serde(default)]
    pub fluence_per_nm2: Option<f64>,
    #[serde(default = "one")]
    pub cascade_ps: f64,
    #[serde(default = "one")]
    pub thermalise_ps: f64,
    /// Relaxation at the temperature before the first impact, ps.
    #[serde(default = "half")]
    pub equilibrate_ps: f64,
    /// Largest move of any atom in one step (Å); the time step follows (bounded by dt_min_ps and dt_ps).
    #[serde(default = "xmax")]
    pub xmax_angstrom: f64,
    #[serde(default = "dt_min")]
    pub dt_min_ps: f64,
    /// Height above the original surface at which upward-moving atoms count as sputtered, nm.
    #[serde(default = "one")]
    pub detect_nm: f64,
    /// Si–Si potential of a Si workpiece: "tersoff/zbl" (default) or "sw/zbl" (see `SI_POTENTIALS`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub si_potential: Option<String>,
    /// Distances (Å) over which the ion–target and ion–ion ZBL repulsion is switched off (default [3, 4]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zbl_switch_angstrom: Option<[f64; 2]>,
}

fn argon() -> String {
    "Ar".into()
}
fn one() -> f64 {
    1.0
}
fn half() -> f64 {
    0.5
}
fn xmax() -> f64 {
    0.1
}
fn dt_min() -> f64 {
    1e-5
}

/// One impact.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Impact {
    pub index: u64,
    /// Aim point on the surface plane (x, y), nm.
    pub aim_nm: [f64; 2],
    /// Workpiece atoms sputtered by this impact.
    pub sputtered: u64,
    /// Previously implanted ions knocked out by this impact.
    pub ions_reemitted: u64,
    pub reflected: bool,
    /// The ion left through the bottom of the workpiece (channelling through the whole slab).
    pub transmitted: bool,
    /// Depth of the ion below the original surface at the end of the impact, nm (None: it left).
    pub ion_depth_nm: Option<f64>,
    /// Ion energy minus the kinetic energy carried off by the atoms removed during the impact, eV.
    pub energy_deposited_ev: f64,
    pub steps: u64,
    /// Smallest time step of the cascade, ps.
    pub min_dt_ps: f64,
}

/// The ion-beam figures of summary.json (key `ion_beam`).
#[derive(Debug, Clone, Serialize)]
pub struct IonFigures {
    pub ion: String,
    pub energy_ev: f64,
    pub polar_deg: f64,
    pub azimuth_deg: f64,
    pub ions: u64,
    pub fluence_per_nm2: f64,
    /// Workpiece atoms sputtered per ion: mean and standard error of the mean over the impacts.
    pub sputter_yield: f64,
    pub sputter_yield_stderr: f64,
    pub sputtered_atoms: u64,
    pub reflected_ions: u64,
    pub transmitted_ions: u64,
    pub implanted_ions: u64,
    /// Implanted ions at the end: mean depth below the original surface and its standard deviation, nm.
    pub implanted_mean_depth_nm: f64,
    pub implanted_depth_std_nm: f64,
    /// Histogram of implanted-ion depths: (bin centre nm, ions).
    pub depth_profile: Vec<(f64, u64)>,
    pub energy_deposited_mean_ev: f64,
    pub impacts: Vec<Impact>,
}

/// Checks the recipe before anything is built, naming the key.
pub fn validate(cfg: &ProcessConfig) -> Result<(), ProcessError> {
    common::validate_common(cfg)?;
    common::only_sections(cfg, &["ion"])?;
    if cfg.assist.vibration.is_some() {
        return bad("assist.vibration", "kind = \"ion_beam\" has no tool to vibrate");
    }
    let ion = ion(cfg)?;
    if !ION_SPECIES.contains(&ion.species.as_str()) {
        return bad("ion.species", format!("unknown ion species '{}', expected one of {}", ion.species, ION_SPECIES.join(", ")));
    }
    if !(ion.energy_ev.is_finite() && ion.energy_ev > 0.0) {
        return bad("ion.energy_ev", format!("{} eV must be > 0", ion.energy_ev));
    }
    if ion.energy_ev > 20_000.0 {
        return bad("ion.energy_ev", format!("{} eV is above the 20 keV this MD set-up is sized for", ion.energy_ev));
    }
    if !(ion.polar_deg.is_finite() && ion.polar_deg >= 0.0 && ion.polar_deg < 90.0) {
        return bad("ion.polar_deg", format!("{}° must be in [0, 90) (angle from the surface normal)", ion.polar_deg));
    }
    if !ion.azimuth_deg.is_finite() {
        return bad("ion.azimuth_deg", format!("{} must be a finite angle", ion.azimuth_deg));
    }
    match (ion.ions, ion.fluence_per_nm2) {
        (Some(_), Some(_)) => return bad("ion.fluence_per_nm2", "give either ions or fluence_per_nm2, not both"),
        (None, None) => return bad("ion.ions", "give the number of impacts (ions) or fluence_per_nm2"),
        (Some(0), None) => return bad("ion.ions", "must be ≥ 1"),
        (Some(n), None) if n > 100_000 => return bad("ion.ions", format!("{n} impacts is more than the 100000 limit")),
        (None, Some(f)) if !(f.is_finite() && f > 0.0) => return bad("ion.fluence_per_nm2", format!("{f} must be > 0")),
        _ => {}
    }
    for (key, v, lo) in [("ion.cascade_ps", ion.cascade_ps, 0.0), ("ion.detect_nm", ion.detect_nm, 0.0)] {
        if !(v.is_finite() && v > lo) {
            return bad(key, format!("{v} must be > {lo}"));
        }
    }
    for (key, v) in [("ion.thermalise_ps", ion.thermalise_ps), ("ion.equilibrate_ps", ion.equilibrate_ps)] {
        if !(v.is_finite() && v >= 0.0) {
            return bad(key, format!("{v} must be ≥ 0"));
        }
    }
    if cfg.threads == Some(0) {
        return bad("threads", "must be ≥ 1");
    }
    if let Some(name) = &ion.si_potential {
        if !SI_POTENTIALS.contains(&name.as_str()) {
            return bad("ion.si_potential", format!("unknown Si potential '{name}', expected one of {}", SI_POTENTIALS.join(", ")));
        }
        if cfg.material != Material::Si {
            return bad("ion.si_potential", format!("applies to material = \"Si\" only (the workpiece is {:?})", cfg.material));
        }
    }
    let [inner, outer] = zbl_switch(ion);
    if !(inner.is_finite() && outer.is_finite() && inner > 0.0 && outer > inner && outer <= 10.0) {
        return bad("ion.zbl_switch_angstrom", format!("[{inner}, {outer}] must satisfy 0 < inner < outer ≤ 10 Å"));
    }
    if ion.detect_nm * NM < outer + 1.0 {
        return bad("ion.detect_nm", format!("{} nm must exceed the interaction range ({} nm)", ion.detect_nm, (outer + 1.0) / NM));
    }
    if !(ion.xmax_angstrom.is_finite() && ion.xmax_angstrom > 0.0 && ion.xmax_angstrom <= 0.5) {
        return bad("ion.xmax_angstrom", format!("{} must be in (0, 0.5] Å", ion.xmax_angstrom));
    }
    if !(ion.dt_min_ps.is_finite() && ion.dt_min_ps > 0.0 && ion.dt_min_ps <= cfg.dt_ps) {
        return bad("ion.dt_min_ps", format!("{} must be > 0 and ≤ dt_ps ({})", ion.dt_min_ps, cfg.dt_ps));
    }
    Ok(())
}

/// Inner and outer radius (Å) of the ion ZBL switching.
fn zbl_switch(ion: &IonConfig) -> [f64; 2] {
    ion.zbl_switch_angstrom.unwrap_or([ZBL_INNER, ZBL_OUTER])
}

/// The `[process.ion]` section (required for ion_beam).
pub fn ion(cfg: &ProcessConfig) -> Result<&IonConfig, ProcessError> {
    cfg.ion.as_ref().ok_or_else(|| ProcessError::Config("ion: kind = \"ion_beam\" needs a [process.ion] section (species, energy_ev, ions or fluence_per_nm2)".into()))
}

/// Number of impacts of a recipe on a surface of `area_nm2`.
pub fn ion_count(ion: &IonConfig, area_nm2: f64) -> u64 {
    match (ion.ions, ion.fluence_per_nm2) {
        (Some(n), _) => n,
        (None, Some(f)) => ((f * area_nm2).round() as u64).max(1),
        (None, None) => 0,
    }
}

/// Everything the impacts need (Å, ps, eV).
struct Beam {
    ion: IonConfig,
    ions: u64,
    /// Unit direction of flight (downwards).
    dir: Vec3,
    /// Ion speed, Å/ps.
    speed: f64,
    /// Original surface height and the bottom detection height, Å.
    surface_z: f64,
    bottom_z: f64,
    spec: String,
    fixed_ids: Vec<u64>,
    thermostat_ids: Vec<u64>,
    ion_species: u32,
    work_species: u32,
}

/// Mutable state carried from impact to impact (and through checkpoints).
struct State {
    system: System,
    next_id: u64,
    done: u64,
    steps: u64,
    time: f64,
    /// Impact records and thermo samples (time ps, T K, PE eV).
    impacts: Vec<Impact>,
    samples: Vec<[f64; 3]>,
}

/// Builds the workpiece with room above it for the ions, and the beam description.
fn build(cfg: &ProcessConfig, out_dir: &Path) -> Result<(State, Beam, Setup, MaterialPreset), ProcessError> {
    let icfg = ion(cfg)?.clone();
    let mut p = preset(cfg.material);
    let sw = icfg.si_potential.as_deref() == Some("sw/zbl");
    p.citation = match cfg.material {
        Material::Si if sw => "Si–Si: Stillinger–Weber, PRB 31, 5262 (1985), joined to ZBL by the Fermi switch of Devanathan et al., J. Nucl. Mater. 253, 47 (1998); ion–target: ZBL (Ziegler, Biersack & Littmark 1985)",
        Material::Si => "Si–Si: Tersoff/ZBL, Devanathan et al., J. Nucl. Mater. 253, 47 (1998); ion–target: ZBL (Ziegler, Biersack & Littmark 1985)",
        Material::Cu => "Cu: EAM Foiles, Baskes & Daw, PRB 33, 7983 (1986); ion–target: ZBL (Ziegler, Biersack & Littmark 1985)",
    };
    let work = common::build_workpiece(cfg, &p)?;
    // Room above the detection plane for swelling, the ion start and sputtered atoms between checks.
    let top = work.surface_z + icfg.detect_nm * NM + 40.0;
    let cell = Cell::orthorhombic([0.0, 0.0, -12.0], [work.length, work.width, top], [true, true, false])
        .map_err(|e| ProcessError::Config(format!("box: {e}")))?;
    let mut system = System::new(cell, atomfab_core::UnitSystem::Metal);
    let ws = system.species_named(Species::element(p.element).map_err(|e| ProcessError::Config(e.to_string()))?);
    let is = system.species_named(Species::element(&icfg.species).map_err(|e| ProcessError::Config(format!("ion.species: {e}")))?);
    system.push_atoms(ws, &work.system.positions);
    let fixed = cfg.workpiece.fixed_nm * NM;
    let thermo = cfg.workpiece.thermostat_nm * NM;
    let (mut fixed_ids, mut thermostat_ids) = (Vec::new(), Vec::new());
    for i in 0..system.len() {
        match common::role(system.positions[i], fixed, thermo, false) {
            0 => fixed_ids.push(system.ids[i]),
            1 => thermostat_ids.push(system.ids[i]),
            _ => {}
        }
    }
    let (theta, phi) = (icfg.polar_deg.to_radians(), icfg.azimuth_deg.to_radians());
    let dir = [theta.sin() * phi.cos(), theta.sin() * phi.sin(), -theta.cos()];
    let mass = system.species[is as usize].mass;
    let mvv2e = atomfab_core::UnitSystem::Metal.constants().mvv2e;
    let speed = (2.0 * icfg.energy_ev / (mass * mvv2e)).sqrt();
    let area_nm2 = work.length * work.width / (NM * NM);
    let ions = ion_count(&icfg, area_nm2);

    // The potential file goes next to the outputs; the spec names it by absolute path.
    let out_abs = std::fs::canonicalize(out_dir).map_err(|e| ProcessError::Io(format!("{}: {e}", out_dir.display())))?;
    let out_str = out_abs.display().to_string();
    if out_str.contains([',', ';', '@', ':']) {
        return Err(ProcessError::Config(format!("output folder '{out_str}' must not contain , ; @ or :")));
    }
    let (file, own) = match cfg.material {
        Material::Si if sw => (
            &SI_SW,
            format!(
                "sw/zbl:{}:Si:zblcut={SW_ZBL_CUT},zblexpscale={SW_ZBL_EXPSCALE}",
                out_abs.join(SI_SW.name).display()
            ),
        ),
        Material::Si => (&SIC_TERSOFF_ZBL, format!("tersoff/zbl:{}:Si", out_abs.join(SIC_TERSOFF_ZBL.name).display())),
        Material::Cu => (&p.file, format!("eam:{}@Cu-Cu", out_abs.join(p.file.name).display())),
    };
    let path = out_abs.join(file.name);
    atomfab_core::fsutil::write_atomic(&path, |w| std::io::Write::write_all(w, file.contents.as_bytes()))
        .map_err(|e| ProcessError::Io(format!("{}: {e}", path.display())))?;
    let (e, x) = (p.element, icfg.species.as_str());
    let [inner, outer] = zbl_switch(&icfg);
    let spec = format!("hybrid:{own};zbl:inner={inner},outer={outer}@{x}-{e},{x}-{x}");

    let next_id = system.ids.iter().copied().max().unwrap_or(0) + 1;
    let setup = Setup::new(cfg, &work, 0, 0, false);
    let beam = Beam {
        ions,
        dir,
        speed,
        surface_z: work.surface_z,
        bottom_z: -3.0,
        spec,
        fixed_ids,
        thermostat_ids,
        ion_species: is,
        work_species: ws,
        ion: icfg,
    };
    let state = State { system, next_id, done: 0, steps: 0, time: 0.0, impacts: Vec::new(), samples: Vec::new() };
    Ok((state, beam, setup, p))
}

/// What runs during one phase of an impact.
#[derive(Clone, Copy, PartialEq)]
enum Phase {
    /// Before the first impact: velocities at the temperature, Berendsen on all free atoms.
    Equilibrate,
    /// Cascade: adaptive dt, Langevin thermostat layer only.
    Cascade,
    /// Between impacts: Berendsen on all free atoms.
    Thermalise,
}

/// The MD engine for a phase on the current atoms. `salt` varies the thermostat seeds between engines.
fn engine(cfg: &ProcessConfig, beam: &Beam, system: System, phase: Phase, seed: u64, salt: u64) -> Result<Md, ProcessError> {
    let fixed: std::collections::HashSet<u64> = beam.fixed_ids.iter().copied().collect();
    let present: std::collections::HashSet<u64> = system.ids.iter().copied().collect();
    let free: Vec<u64> = system.ids.iter().copied().filter(|id| !fixed.contains(id)).collect();
    let mut groups = vec![json!({"name": "free", "ids": free})];
    let mut fixes = Vec::new();
    if !beam.fixed_ids.is_empty() {
        groups.push(json!({"name": "fixed", "ids": beam.fixed_ids}));
        fixes.push(json!({"kind": "fixed", "group": "fixed"}));
    }
    let layer: Vec<u64> = beam.thermostat_ids.iter().copied().filter(|id| present.contains(id)).collect();
    let tseed = (seed.wrapping_mul(0x9E37_79B9_7F4A_7C15).wrapping_add(salt.wrapping_mul(2654435761)) >> 20) % 900_000_000 + 1;
    match phase {
        Phase::Cascade if !layer.is_empty() => {
            groups.push(json!({"name": "layer", "ids": layer}));
            fixes.push(json!({"kind": "thermostat", "group": "layer", "style": "langevin", "temperature": cfg.temperature, "damp": 0.1, "seed": tseed}));
        }
        Phase::Cascade => {}
        Phase::Equilibrate | Phase::Thermalise => {
            // Atoms above the surface (in flight, or adatoms) keep their velocities: damping them would
            // hold back slow sputtered atoms.
            let c = coordination(&system, ZBL_OUTER)?;
            let bound: Vec<u64> = (0..system.len()).filter(|&i| !fixed.contains(&system.ids[i]) && c[i] > 0).map(|i| system.ids[i]).collect();
            groups.push(json!({"name": "cool", "ids": bound}));
            // Potential energy flows back into kinetic while the thermostat acts, so the excess heat decays
            // about twice as slowly as the damping time: 8 damping times per phase leave ~2 % of it.
            let damp = if phase == Phase::Thermalise { (beam.ion.thermalise_ps / 8.0).min(0.1) } else { 0.1 };
            fixes.push(json!({"kind": "thermostat", "group": "cool", "style": "berendsen", "temperature": cfg.temperature, "damp": damp}));
        }
    }
    let mut md = json!({
        "units": "metal",
        "potential": beam.spec,
        "dt": cfg.dt_ps,
        "steps": 0,
        "neighbor": {"skin": 1.0},
        "groups": groups,
        "fixes": fixes,
        "dt_reset": {"every": 1, "xmax": beam.ion.xmax_angstrom, "dt_min": beam.ion.dt_min_ps, "dt_max": cfg.dt_ps},
    });
    if phase == Phase::Equilibrate {
        md["velocity"] = json!({"temperature": cfg.temperature, "seed": seed % 900_000_000 + 1, "group": "free"});
    }
    let md: MdConfig = serde_json::from_value(md).map_err(|e| ProcessError::Config(format!("internal MD configuration: {e}")))?;
    let system = atomfab_md::build_system_from(&md, Some(system))?;
    let mut engine = atomfab_md::build_engine(&md, system, phase == Phase::Equilibrate)?;
    engine.setup()?;
    Ok(engine)
}

/// Atoms removed during a phase: (species, kinetic energy eV, left at the top).
struct Removed {
    species: u32,
    id: u64,
    ke: f64,
    top: bool,
}

/// Runs one phase for `duration` ps; removes atoms that leave (rebuilding the engine); returns them.
#[allow(clippy::too_many_arguments)]
fn run_phase(
    cfg: &ProcessConfig,
    beam: &Beam,
    st: &mut State,
    phase: Phase,
    duration: f64,
    detect_z: f64,
    seed: u64,
    salt: u64,
    min_dt: &mut f64,
    progress: &mut dyn FnMut(f64, &atomfab_md::Thermo),
) -> Result<Vec<Removed>, ProcessError> {
    let mvv2e = atomfab_core::UnitSystem::Metal.constants().mvv2e;
    let mut removed = Vec::new();
    let mut rebuilds = 0u64;
    let mut md = engine(cfg, beam, std::mem::replace(&mut st.system, placeholder()), phase, seed, salt)?;
    // Phase time = time of the engines replaced after removals + the current engine's clock.
    let mut offset = 0.0;
    let mut elapsed = 0.0;
    let sample_every = 20u64;
    while elapsed < duration {
        md.step(false)?;
        elapsed = offset + md.time();
        st.steps += 1;
        *min_dt = min_dt.min(md.dt);
        if md.step % sample_every == 0 || elapsed >= duration {
            let t = md.thermo();
            st.samples.push([st.time + elapsed, t.temperature, t.potential_energy]);
            progress(st.time + elapsed, &t);
        }
        if md.step % 10 == 0 || elapsed >= duration {
            let s = &md.system;
            let gone: Vec<usize> = (0..s.len())
                .filter(|&i| {
                    let (z, vz) = (s.positions[i][2], s.velocities[i][2]);
                    (z > detect_z && vz > 0.0) || z < beam.bottom_z || z > s.cell.origin()[2] + s.cell.lengths()[2] - 2.0
                })
                .collect();
            if !gone.is_empty() {
                let mut system = md.system.clone();
                let mut keep = vec![true; system.len()];
                for &i in &gone {
                    let v = system.velocities[i];
                    let ke = 0.5 * system.mass(i) * (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]) * mvv2e;
                    removed.push(Removed { species: system.species_index[i], id: system.ids[i], ke, top: system.positions[i][2] > beam.bottom_z });
                    keep[i] = false;
                }
                system.retain(&keep);
                if elapsed < duration {
                    rebuilds += 1;
                    offset = elapsed;
                    md = engine(cfg, beam, system, phase, seed, salt.wrapping_add(rebuilds * 7919))?;
                } else {
                    st.system = system;
                    st.time += elapsed;
                    return Ok(removed);
                }
            }
        }
    }
    st.time += elapsed;
    st.system = md.system;
    Ok(removed)
}

/// Neighbours of each atom within `r` Å (periodic along x and y).
fn coordination(system: &System, r: f64) -> Result<Vec<usize>, ProcessError> {
    let list = atomfab_core::NeighborList::build(&system.cell, &system.positions, r, 0.0, atomfab_core::ListKind::Full)
        .map_err(|e| ProcessError::Analysis(format!("neighbour list: {e}")))?;
    let x = list.extended_positions();
    Ok((0..system.len())
        .map(|i| {
            list.neighbors_of(i)
                .iter()
                .filter(|&&j| {
                    let d = [0, 1, 2].map(|k| x[j as usize][k] - x[i][k]);
                    d[0] * d[0] + d[1] * d[1] + d[2] * d[2] < r * r
                })
                .count()
        })
        .collect())
}

/// Top of the workpiece now (Å): the highest atom bonded to at least two others (flying atoms and dimers
/// do not count). Implanted gas and amorphisation make the surface swell, so detection follows it.
fn current_top(system: &System) -> Result<f64, ProcessError> {
    let c = coordination(system, 3.0)?;
    Ok((0..system.len()).filter(|&i| c[i] >= 2).map(|i| system.positions[i][2]).fold(f64::NEG_INFINITY, f64::max))
}

fn placeholder() -> System {
    System::new(Cell::orthorhombic([0.0; 3], [1.0; 3], [false; 3]).expect("unit cell"), atomfab_core::UnitSystem::Metal)
}

/// Kinetic energy (eV) of an atom.
fn kinetic(system: &System, i: usize) -> f64 {
    let v = system.velocities[i];
    0.5 * system.mass(i) * (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]) * atomfab_core::UnitSystem::Metal.constants().mvv2e
}

/// One impact: ion in, cascade, thermalisation; returns its record.
fn impact(cfg: &ProcessConfig, beam: &Beam, st: &mut State, seed: u64, progress: &mut dyn FnMut(f64, &atomfab_md::Thermo)) -> Result<Impact, ProcessError> {
    let k = st.done;
    // Each impact draws from its own stream, so a resumed run draws the same points.
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(seed ^ (k.wrapping_add(1)).wrapping_mul(0xD1B5_4A32_D192_ED03));
    let lengths = st.system.cell.lengths();
    let top = current_top(&st.system)?.max(beam.surface_z - 10.0);
    let box_top = st.system.cell.origin()[2] + st.system.cell.lengths()[2];
    let detect_z = (top + beam.ion.detect_nm * NM).min(box_top - 5.0);
    let aim = [rng.gen::<f64>() * lengths[0], rng.gen::<f64>() * lengths[1]];
    // Start above the workpiece by more than the interaction range, on the line through the aim point
    // (atoms in flight do not count; the start stays inside the box).
    let start_z = (top.max(beam.surface_z) + zbl_switch(&beam.ion)[1].max(ZBL_OUTER) + 2.0).min(box_top - 3.0);
    let along = (start_z - beam.surface_z) / -beam.dir[2];
    let mut start = [aim[0] - along * beam.dir[0], aim[1] - along * beam.dir[1], start_z];
    for (d, l) in start.iter_mut().zip(lengths).take(2) {
        *d = d.rem_euclid(l);
    }
    let id = st.next_id;
    st.next_id += 1;
    let i = st.system.push_atom_with_id(beam.ion_species, start, id);
    st.system.velocities[i] = beam.dir.map(|d| d * beam.speed);
    let e0 = kinetic(&st.system, i);
    let steps0 = st.steps;
    let mut min_dt = f64::INFINITY;
    let salt = k.wrapping_mul(1_000_003);
    let mut removed = run_phase(cfg, beam, st, Phase::Cascade, beam.ion.cascade_ps, detect_z, seed, salt, &mut min_dt, progress)?;
    if beam.ion.thermalise_ps > 0.0 {
        let mut m = f64::INFINITY;
        removed.extend(run_phase(cfg, beam, st, Phase::Thermalise, beam.ion.thermalise_ps, detect_z, seed, salt + 1, &mut m, progress)?);
    }
    let this_ion = removed.iter().find(|r| r.id == id);
    let sputtered = removed.iter().filter(|r| r.species == beam.work_species && r.top).count() as u64;
    let ions_reemitted = removed.iter().filter(|r| r.species == beam.ion_species && r.id != id && r.top).count() as u64;
    let ion_depth_nm = st.system.ids.iter().position(|&x| x == id).map(|j| (beam.surface_z - st.system.positions[j][2]) / NM);
    st.done += 1;
    Ok(Impact {
        index: k + 1,
        aim_nm: [aim[0] / NM, aim[1] / NM],
        sputtered,
        ions_reemitted,
        reflected: this_ion.is_some_and(|r| r.top),
        transmitted: this_ion.is_some_and(|r| !r.top),
        ion_depth_nm,
        energy_deposited_ev: e0 - removed.iter().map(|r| r.ke).sum::<f64>(),
        steps: st.steps - steps0,
        min_dt_ps: min_dt,
    })
}

const MAGIC: &[u8; 16] = b"ATOMFAB-ION-CK01";
const CHECKPOINT: &str = "checkpoint.bin";

fn fingerprint(cfg: &ProcessConfig, seed: u64) -> String {
    let mut c = cfg.clone();
    c.threads = None;
    format!("{seed}:{}", serde_json::to_string(&c).expect("config serialises"))
}

/// Whether a checkpoint's fingerprint belongs to this recipe and seed. The thread count and the number
/// of impacts (`ions` / `fluence_per_nm2`) may differ, so a finished run can be extended: impact k draws
/// from its own stream, so the extended run equals one run with the larger count from the start.
fn same_run(stored: &str, cfg: &ProcessConfig, seed: u64) -> bool {
    let normal = |text: &str| -> Option<(String, serde_json::Value)> {
        let (s, json) = text.split_once(':')?;
        let mut v: serde_json::Value = serde_json::from_str(json).ok()?;
        v["threads"] = serde_json::Value::Null;
        let ion = v.get_mut("ion")?.as_object_mut()?;
        ion.insert("ions".into(), serde_json::Value::Null);
        ion.insert("fluence_per_nm2".into(), serde_json::Value::Null);
        Some((s.to_string(), v))
    };
    matches!((normal(stored), normal(&fingerprint(cfg, seed))), (Some(a), Some(b)) if a == b)
}

fn save(path: &Path, cfg: &ProcessConfig, seed: u64, st: &State) -> Result<(), ProcessError> {
    let mut e = Enc::default();
    e.buf.extend_from_slice(MAGIC);
    e.str(&fingerprint(cfg, seed));
    for v in [st.next_id, st.done, st.steps, st.system.len() as u64] {
        e.u64(v);
    }
    e.f64(st.time);
    let s = &st.system;
    e.u64s(s.ids.iter().copied());
    e.u64s(s.species_index.iter().map(|&x| x as u64));
    e.vec3s(&s.positions);
    e.vec3s(&s.velocities);
    e.u64s(s.images.iter().flat_map(|im| im.map(|x| x as u32 as u64)).collect::<Vec<_>>().into_iter());
    e.str(&serde_json::to_string(&st.impacts).map_err(|err| ProcessError::Io(err.to_string()))?);
    let flat: Vec<f64> = st.samples.iter().flatten().copied().collect();
    e.f64s(&flat);
    atomfab_core::fsutil::write_atomic(path, |w| std::io::Write::write_all(w, &e.buf)).map_err(|err| ProcessError::Io(format!("{}: {err}", path.display())))
}

fn load(path: &Path, cfg: &ProcessConfig, seed: u64, st: &mut State) -> Result<(), ProcessError> {
    let bytes = std::fs::read(path).map_err(|e| ProcessError::Io(format!("{}: {e}", path.display())))?;
    let bad = |m: String| ProcessError::Io(format!("{}: {m}", path.display()));
    if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
        return Err(bad("not an atomfab ion-beam checkpoint".into()));
    }
    let mut d = Dec::new(&bytes[MAGIC.len()..]);
    let t = |e: atomfab_md::codec::Truncated| bad(format!("truncated while reading {}", e.0));
    if !same_run(&d.str("configuration").map_err(t)?, cfg, seed) {
        return Err(bad("was written by a different recipe or seed (only ions, fluence_per_nm2 and threads may change)".into()));
    }
    st.next_id = d.u64("next id").map_err(t)?;
    st.done = d.u64("impacts done").map_err(t)?;
    let planned = ion(cfg).map(|i| ion_count(i, st.system.cell.lengths()[0] * st.system.cell.lengths()[1] / (NM * NM)))?;
    if st.done > planned {
        return Err(ProcessError::Config(format!("ion.ions: {planned} impacts asked for, but the checkpoint {} already has {}", path.display(), st.done)));
    }
    st.steps = d.u64("steps").map_err(t)?;
    let n = d.u64("atoms").map_err(t)? as usize;
    st.time = d.f64("time").map_err(t)?;
    let ids = d.u64s("ids").map_err(t)?;
    let species = d.u64s("species").map_err(t)?;
    let pos = d.vec3s("positions").map_err(t)?;
    let vel = d.vec3s("velocities").map_err(t)?;
    let img = d.u64s("images").map_err(t)?;
    if [ids.len(), species.len(), pos.len(), vel.len(), img.len() / 3].iter().any(|&l| l != n) || species.iter().any(|&s| s >= 2) {
        return Err(bad("inconsistent atom arrays".into()));
    }
    let mut s = System::new(st.system.cell.clone(), atomfab_core::UnitSystem::Metal);
    s.species = st.system.species.clone();
    for k in 0..n {
        let i = s.push_atom_with_id(species[k] as u32, pos[k], ids[k]);
        s.velocities[i] = vel[k];
        s.images[i] = [0, 1, 2].map(|c| img[3 * k + c] as u32 as i32);
    }
    st.system = s;
    st.impacts = serde_json::from_str(&d.str("impacts").map_err(t)?).map_err(|e| bad(e.to_string()))?;
    st.samples = d.f64s("samples").map_err(t)?.chunks(3).map(|c| [c[0], c[1], c[2]]).collect();
    if !d.at_end() {
        return Err(bad("has trailing bytes".into()));
    }
    Ok(())
}

/// Builds, runs (or resumes after the last finished impact) and evaluates an ion-beam recipe, on the
/// recipe's `threads` worker threads (default: rayon's global pool, all cores).
pub fn run(cfg: &ProcessConfig, seed: u64, recipe_text: &str, out_dir: &Path, resume: bool, progress: ProgressFn) -> Result<ProcessSummary, ProcessError> {
    in_pool(cfg.threads, || run_in_pool(cfg, seed, recipe_text, out_dir, resume, progress))
}

/// Runs `f` on a pool of `threads` workers (None: the global pool). The engines are built per phase
/// (not through `atomfab_md::run_md`), so the pool is set up here for the whole run.
fn in_pool<T: Send>(threads: Option<usize>, f: impl FnOnce() -> Result<T, ProcessError> + Send) -> Result<T, ProcessError> {
    match threads {
        None => f(),
        Some(0) => bad("threads", "must be ≥ 1"),
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .map_err(|e| ProcessError::Config(format!("threads: cannot start {n} threads: {e}")))?
            .install(f),
    }
}

fn run_in_pool(cfg: &ProcessConfig, seed: u64, recipe_text: &str, out_dir: &Path, resume: bool, progress: ProgressFn) -> Result<ProcessSummary, ProcessError> {
    let (mut st, beam, mut setup, preset) = build(cfg, out_dir)?;
    let ckpt = out_dir.join(CHECKPOINT);
    let planned_ps = beam.ion.equilibrate_ps + beam.ions as f64 * (beam.ion.cascade_ps + beam.ion.thermalise_ps);
    let total_fs = (planned_ps * 1000.0).ceil() as u64;
    let mut report = |time_ps: f64, t: &atomfab_md::Thermo| {
        let at = ((time_ps * 1000.0) as u64 + 1).min(total_fs);
        progress(&atomfab_md::Progress { step: at, total_steps: total_fs, thermo: *t });
    };
    let started = std::time::Instant::now();
    let mut atom_steps = 0.0;
    if resume {
        load(&ckpt, cfg, seed, &mut st)?;
    } else if beam.ion.equilibrate_ps > 0.0 {
        let mut m = f64::INFINITY;
        let n = st.system.len() as f64;
        let s0 = st.steps;
        let detect_z = beam.surface_z + beam.ion.detect_nm * NM;
        run_phase(cfg, &beam, &mut st, Phase::Equilibrate, beam.ion.equilibrate_ps, detect_z, seed, u64::MAX, &mut m, &mut report)?;
        atom_steps += n * (st.steps - s0) as f64;
    } else {
        let b = st.system.group_bit("all").unwrap_or(1);
        atomfab_md::velocity::create_velocities(&mut st.system, b, cfg.temperature, seed % 900_000_000 + 1, Default::default(), Default::default())?;
    }
    while st.done < beam.ions {
        let (n, s0) = (st.system.len() as f64, st.steps);
        let rec = impact(cfg, &beam, &mut st, seed, &mut report)?;
        atom_steps += n * (st.steps - s0) as f64;
        st.impacts.push(rec);
        if cfg.output.checkpoint_every > 0 {
            save(&ckpt, cfg, seed, &st)?;
        }
    }
    let wall = started.elapsed().as_secs_f64();

    // Outputs: final frame, per-impact table, thermo samples.
    let final_path = out_dir.join("final.xyz");
    atomfab_io::write_structure(&final_path, &st.system, None).map_err(|e| ProcessError::Io(e.to_string()))?;
    let mut csv = String::from("impact,aim_x_nm,aim_y_nm,sputtered,ions_reemitted,reflected,transmitted,ion_depth_nm,energy_deposited_ev,steps,min_dt_ps\n");
    for m in &st.impacts {
        csv.push_str(&format!(
            "{},{:.6},{:.6},{},{},{},{},{},{:.6},{},{:.6e}\n",
            m.index,
            m.aim_nm[0],
            m.aim_nm[1],
            m.sputtered,
            m.ions_reemitted,
            m.reflected as u8,
            m.transmitted as u8,
            m.ion_depth_nm.map_or(String::new(), |d| format!("{d:.6}")),
            m.energy_deposited_ev,
            m.steps,
            m.min_dt_ps
        ));
    }
    let mut thermo = String::from("time,temp,pe\n");
    for s in &st.samples {
        thermo.push_str(&format!("{:.6},{:.6},{:.9e}\n", s[0], s[1], s[2]));
    }
    for (name, text) in [("impacts.csv", &csv), ("thermo.csv", &thermo)] {
        let p = out_dir.join(name);
        atomfab_core::fsutil::write_atomic(&p, |w| std::io::Write::write_all(w, text.as_bytes())).map_err(|e| ProcessError::Io(format!("{}: {e}", p.display())))?;
    }

    let figures_ion = figures(&beam, &st, setup.length * setup.width / (NM * NM));
    setup.steps = st.steps;
    setup.dt = if st.steps > 0 { st.time / st.steps as f64 } else { cfg.dt_ps };
    let region = SurfaceRegion { x_from: 0.0, x_to: setup.length, ref_z: beam.surface_z };
    let ev = evaluate::evaluate(cfg, out_dir, &setup, &preset, region)?;
    let y = figures_ion.sputter_yield;
    let grades = evaluate::grades(cfg, &ev, &|name| match name {
        "sputter_yield" => Some((y, Dim::Number)),
        "implanted_ions" => Some((figures_ion.implanted_ions as f64, Dim::Number)),
        _ => None,
    })?;
    let headline = format!(
        "sputter yield {:.3} ± {:.3} atoms/ion over {} {} ions at {} eV, {} implanted (mean depth {:.2} nm)",
        y, figures_ion.sputter_yield_stderr, figures_ion.ions, figures_ion.ion, figures_ion.energy_ev, figures_ion.implanted_ions, figures_ion.implanted_mean_depth_nm
    );
    let series = Series {
        time_ps: st.samples.iter().map(|s| s[0]).collect(),
        travel_angstrom: st.samples.iter().map(|s| s[0]).collect(),
        temperature_k: st.samples.iter().map(|s| s[1]).collect(),
        potential_energy_ev: st.samples.iter().map(|s| s[2]).collect(),
        ..Default::default()
    };
    let kind_report = kind_report(&figures_ion, beam.ion.cascade_ps, beam.ion.thermalise_ps);
    let n = st.system.len();
    let md_summary = atomfab_md::Summary {
        atoms: n,
        steps_run: st.steps,
        final_step: st.steps,
        wall_seconds: wall,
        timesteps_per_second: if wall > 0.0 { st.steps as f64 / wall } else { 0.0 },
        atom_steps_per_second: if wall > 0.0 { atom_steps / wall } else { 0.0 },
        neighbor_builds: 0,
        final_thermo: Default::default(),
        files: [final_path, out_dir.join("impacts.csv"), out_dir.join("thermo.csv")]
            .into_iter()
            .chain((cfg.output.checkpoint_every > 0).then(|| ckpt.clone()))
            .collect(),
        timing: Default::default(),
    };
    let figures = KindFigures { ion_beam: Some(figures_ion), ..Default::default() };
    let run = RunInfo { seed, recipe_text, md: &md_summary, wall_seconds: wall };
    evaluate::finish(cfg, out_dir, &setup, &preset, run, &series, ev, figures, grades, kind_report, headline)
}

fn figures(beam: &Beam, st: &State, area_nm2: f64) -> IonFigures {
    let n = st.impacts.len().max(1) as f64;
    let ys: Vec<f64> = st.impacts.iter().map(|m| m.sputtered as f64).collect();
    let mean = ys.iter().sum::<f64>() / n;
    let var = if ys.len() > 1 { ys.iter().map(|y| (y - mean).powi(2)).sum::<f64>() / (n - 1.0) } else { 0.0 };
    let depths: Vec<f64> = (0..st.system.len())
        .filter(|&i| st.system.species_index[i] == beam.ion_species)
        .map(|i| (beam.surface_z - st.system.positions[i][2]) / NM)
        .collect();
    let nd = depths.len() as f64;
    let dmean = if depths.is_empty() { 0.0 } else { depths.iter().sum::<f64>() / nd };
    let dstd = if depths.len() > 1 { (depths.iter().map(|d| (d - dmean).powi(2)).sum::<f64>() / (nd - 1.0)).sqrt() } else { 0.0 };
    // 0.25 nm bins from the surface (ions above it go to the first bin).
    let bin = 0.25;
    let nb = depths.iter().map(|d| (d.max(0.0) / bin) as usize + 1).max().unwrap_or(0);
    let mut hist = vec![0u64; nb];
    for d in &depths {
        hist[(d.max(0.0) / bin) as usize] += 1;
    }
    IonFigures {
        ion: beam.ion.species.clone(),
        energy_ev: beam.ion.energy_ev,
        polar_deg: beam.ion.polar_deg,
        azimuth_deg: beam.ion.azimuth_deg,
        ions: st.impacts.len() as u64,
        fluence_per_nm2: st.impacts.len() as f64 / area_nm2,
        sputter_yield: mean,
        sputter_yield_stderr: (var / n).sqrt(),
        sputtered_atoms: st.impacts.iter().map(|m| m.sputtered).sum(),
        reflected_ions: st.impacts.iter().filter(|m| m.reflected).count() as u64,
        transmitted_ions: st.impacts.iter().filter(|m| m.transmitted).count() as u64,
        implanted_ions: depths.len() as u64,
        implanted_mean_depth_nm: dmean,
        implanted_depth_std_nm: dstd,
        depth_profile: hist.iter().enumerate().map(|(k, &c)| ((k as f64 + 0.5) * bin, c)).collect(),
        energy_deposited_mean_ev: st.impacts.iter().map(|m| m.energy_deposited_ev).sum::<f64>() / n,
        impacts: st.impacts.clone(),
    }
}

/// The ion-beam part of the report: yield, implantation and energy figures and their plots.
fn kind_report(f: &IonFigures, cascade_ps: f64, thermalise_ps: f64) -> KindReport {
    let overview = vec![
        ("sputter yield".into(), format!("{:.3} ± {:.3} atoms/ion (mean ± standard error, {} impacts)", f.sputter_yield, f.sputter_yield_stderr, f.ions)),
        ("ions".into(), format!("{} {} at {} eV, polar {}°, azimuth {}°; fluence {:.3} ions/nm²", f.ions, f.ion, f.energy_ev, f.polar_deg, f.azimuth_deg, f.fluence_per_nm2)),
        ("implanted / reflected / transmitted".into(), format!("{} / {} / {}", f.implanted_ions, f.reflected_ions, f.transmitted_ions)),
        ("implanted depth".into(), format!("{:.3} ± {:.3} nm (mean ± standard deviation)", f.implanted_mean_depth_nm, f.implanted_depth_std_nm)),
        ("energy deposited per impact".into(), format!("{:.1} eV (mean)", f.energy_deposited_mean_ev)),
    ];
    let idx: Vec<f64> = f.impacts.iter().map(|m| m.index as f64).collect();
    let mut running = Vec::new();
    let mut sum = 0.0;
    for (k, m) in f.impacts.iter().enumerate() {
        sum += m.sputtered as f64;
        running.push((idx[k], sum / (k + 1) as f64));
    }
    let yield_plot = Block::Plot(Plot {
        title: "Sputter yield vs impact number".into(),
        x_label: "impact".into(),
        y_label: "atoms sputtered".into(),
        series: vec![
            PlotSeries { name: "this impact".into(), points: f.impacts.iter().map(|m| (m.index as f64, m.sputtered as f64)).collect() },
            PlotSeries { name: "running mean (yield)".into(), points: running },
        ],
        ..Default::default()
    });
    let depth_plot = Block::Plot(Plot {
        title: "Implanted ions at the end".into(),
        x_label: "depth below the original surface (nm)".into(),
        y_label: "ions per 0.25 nm".into(),
        series: vec![PlotSeries { name: f.ion.clone(), points: f.depth_profile.iter().map(|&(d, c)| (d, c as f64)).collect() }],
        ..Default::default()
    });
    let energy_plot = Block::Plot(Plot {
        title: "Energy deposited per impact".into(),
        x_label: "impact".into(),
        y_label: "energy (eV)".into(),
        series: vec![PlotSeries { name: "ion energy − energy carried off".into(), points: f.impacts.iter().map(|m| (m.index as f64, m.energy_deposited_ev)).collect() }],
        ..Default::default()
    });
    let rows = f
        .impacts
        .iter()
        .take(200)
        .map(|m| {
            vec![
                m.index.to_string(),
                format!("{:.2}, {:.2}", m.aim_nm[0], m.aim_nm[1]),
                m.sputtered.to_string(),
                if m.reflected { "reflected".into() } else if m.transmitted { "transmitted".into() } else { m.ion_depth_nm.map_or("-".into(), |d| format!("{d:.2} nm")) },
                format!("{:.1}", m.energy_deposited_ev),
                format!("{} (min dt {:.1e} ps)", m.steps, m.min_dt_ps),
            ]
        })
        .collect();
    let table = Block::Table {
        header: vec!["impact".into(), "aim (nm)".into(), "sputtered".into(), "ion".into(), "deposited (eV)".into(), "MD steps".into()],
        rows,
    };
    KindReport {
        subtitle: format!("{} {} eV ions, {} impacts ({cascade_ps} ps cascade + {thermalise_ps} ps thermalisation each)", f.ion, f.energy_ev, f.ions),
        overview,
        sections: vec![("Ion impacts".into(), vec![yield_plot, energy_plot, depth_plot, table])],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recipe_threads_set_the_worker_count() {
        for n in [1, 3] {
            assert_eq!(in_pool(Some(n), || Ok(rayon::current_num_threads())).unwrap(), n);
        }
        assert_eq!(in_pool(None, || Ok(rayon::current_num_threads())).unwrap(), rayon::current_num_threads());
        let e = in_pool(Some(0), || Ok(())).unwrap_err().to_string();
        assert!(e.contains("threads") && e.contains("≥ 1"), "{e}");
    }

    const RECIPE: &str = r#"
kind = "ion_beam"
material = "Si"
temperature = 300
[workpiece]
size_nm = [2.2, 2.2, 2.2]
fixed_nm = 0.3
thermostat_nm = 0.4
[ion]
energy_ev = 150
ions = 1
cascade_ps = 0.2
thermalise_ps = 0.05
equilibrate_ps = 0.05
detect_nm = 0.8
"#;

    fn cfg(extra: &str) -> ProcessConfig {
        toml::from_str(&RECIPE.replace("ions = 1", &format!("ions = 1\n{extra}"))).unwrap()
    }

    #[test]
    fn si_potential_and_zbl_switch_keys() {
        for (extra, expected) in [
            ("si_potential = \"sw\"", "ion.si_potential: unknown Si potential 'sw', expected one of tersoff/zbl, sw/zbl"),
            ("si_potential = \"edip\"", "ion.si_potential: unknown Si potential 'edip'"),
            ("zbl_switch_angstrom = [3.0, 2.0]", "ion.zbl_switch_angstrom"),
            ("zbl_switch_angstrom = [0.0, 2.0]", "ion.zbl_switch_angstrom"),
            ("zbl_switch_angstrom = [7.0, 8.0]", "ion.detect_nm"),
        ] {
            let e = validate(&cfg(extra)).unwrap_err().to_string();
            assert!(e.contains(expected), "{extra}: {e}");
        }
        let cu: ProcessConfig = toml::from_str(&RECIPE.replace("\"Si\"", "\"Cu\"").replace("ions = 1", "ions = 1\nsi_potential = \"sw/zbl\"")).unwrap();
        let e = validate(&cu).unwrap_err().to_string();
        assert!(e.contains("ion.si_potential: applies to material = \"Si\" only"), "{e}");
        for extra in ["", "si_potential = \"tersoff/zbl\"", "si_potential = \"sw/zbl\"\nzbl_switch_angstrom = [2.0, 3.0]"] {
            validate(&cfg(extra)).unwrap_or_else(|e| panic!("{extra}: {e}"));
        }
        // Recipes without the new keys keep their checkpoint fingerprint (old checkpoints still resume).
        assert!(!fingerprint(&cfg(""), 1).contains("si_potential") && !fingerprint(&cfg(""), 1).contains("zbl_switch"));
        assert!(!same_run(&fingerprint(&cfg(""), 1), &cfg("si_potential = \"sw/zbl\""), 1));
    }

    /// The spec the engine gets for each choice, and the file it needs next to the outputs.
    #[test]
    fn si_potential_selects_the_spec() {
        let d = tempfile::tempdir().unwrap();
        let out = std::fs::canonicalize(d.path()).unwrap();
        let spec = |extra: &str| build(&cfg(extra), d.path()).unwrap().1.spec;
        let default = spec("");
        assert_eq!(default, format!("hybrid:tersoff/zbl:{}:Si;zbl:inner=3,outer=4@Ar-Si,Ar-Ar", out.join("SiC.tersoff.zbl").display()));
        assert_eq!(spec("si_potential = \"tersoff/zbl\""), default);
        assert_eq!(
            spec("si_potential = \"sw/zbl\"\nzbl_switch_angstrom = [2.0, 3.0]"),
            format!("hybrid:sw/zbl:{}:Si:zblcut=0.95,zblexpscale=14;zbl:inner=2,outer=3@Ar-Si,Ar-Ar", out.join("Si.sw").display())
        );
        assert_eq!(std::fs::read_to_string(out.join("Si.sw")).unwrap(), SI_SW.contents);
    }

    /// One SW/ZBL impact runs end to end and accounts for every atom.
    #[test]
    fn sw_zbl_impact_runs() {
        let d = tempfile::tempdir().unwrap();
        let c = cfg("si_potential = \"sw/zbl\"");
        let s = run(&c, 3, RECIPE, d.path(), false, &mut |_| {}).unwrap();
        let f = s.figures.ion_beam.as_ref().unwrap();
        assert_eq!(f.ions, 1);
        assert_eq!(f.implanted_ions + f.reflected_ions + f.transmitted_ions, 1);
        assert!(f.impacts[0].steps > 100 && f.impacts[0].energy_deposited_ev > 0.0);
    }
}
