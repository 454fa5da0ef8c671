//! Running an `[md]` recipe: build the system, potential, fixes and outputs; step; checkpoint; resume.

use crate::codec::{Dec, Enc};
use crate::config::*;
use crate::engine::{Md, NeighborSettings, Thermo};
use crate::error::{MdError, Result};
use crate::fix::{self, Fix, Motion, Ramp};
use crate::output::{ExtXyz, FrameWriter, LammpsDump, OutFile, Trajectory};
use atomfab_core::{LatticeKind, LatticeSpec, System, UnitSystem};
use std::path::{Path, PathBuf};
use std::time::Instant;

const MAGIC: &[u8; 16] = b"ATOMFAB-MD-CKPT1";

/// Reported to the progress callback at every thermo step.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    pub step: u64,
    pub total_steps: u64,
    pub thermo: Thermo,
}

/// What a run did.
#[derive(Debug, Clone)]
pub struct Summary {
    pub atoms: usize,
    /// Steps taken in this invocation (fewer than `steps` after a resume).
    pub steps_run: u64,
    pub final_step: u64,
    pub wall_seconds: f64,
    pub timesteps_per_second: f64,
    pub atom_steps_per_second: f64,
    pub neighbor_builds: u64,
    pub final_thermo: Thermo,
    pub files: Vec<PathBuf>,
    /// Where the stepping time went (seconds).
    pub timing: crate::engine::Timing,
}

/// Unit system of a configuration.
pub fn units(cfg: &MdConfig) -> UnitSystem {
    cfg.units.unwrap_or_default()
}

/// Builds the initial system of a configuration (structure file or lattice; masses; groups).
pub fn build_system(cfg: &MdConfig) -> Result<System> {
    build_system_from(cfg, None)
}

/// As `build_system`, using `given` when the configuration names neither a structure nor a lattice.
pub fn build_system_from(cfg: &MdConfig, given: Option<System>) -> Result<System> {
    let units = cfg.units.or(given.as_ref().map(|s| s.units)).unwrap_or_default();
    let mut system = match (&cfg.structure, &cfg.lattice) {
        (Some(_), Some(_)) => return Err(MdError::Config("give either `structure` or `lattice`, not both".into())),
        (None, None) => match given {
            Some(s) => s,
            None => return Err(MdError::Config("missing `structure` (a file) or `lattice` (a crystal block)".into())),
        },
        (Some(path), None) => {
            let options = atomfab_io::ReadOptions {
                species_map: cfg.type_map.iter().map(|(k, v)| (*k, v.clone())).collect(),
                units,
                atom_style: None,
            };
            atomfab_io::read_structure(path, None, &options).map_err(|e| MdError::Config(e.to_string()))?
        }
        (None, Some(l)) => {
            let a = match (l.a, l.density) {
                (Some(a), None) => a,
                (None, Some(rho)) => {
                    let nbasis = match l.kind {
                        LatticeKind::Sc => 1.0,
                        LatticeKind::Bcc => 2.0,
                        LatticeKind::Fcc => 4.0,
                        LatticeKind::Diamond => 8.0,
                        LatticeKind::Hcp => {
                            return Err(MdError::Config("lattice.density is for cubic lattices; give `a` for hcp".into()))
                        }
                    };
                    if !(rho > 0.0) {
                        return Err(MdError::Config(format!("lattice.density {rho} must be > 0")));
                    }
                    // LAMMPS lattice.cpp: scale = pow(nbasis/volume/density, 1/dimension), volume 1.
                    (nbasis / 1.0 / rho).powf(1.0 / 3.0)
                }
                _ => return Err(MdError::Config("lattice needs exactly one of `a` and `density`".into())),
            };
            let mut spec = LatticeSpec::new(l.kind, a, &l.species.iter().map(String::as_str).collect::<Vec<_>>());
            spec.c = l.c;
            if let Some(o) = l.orient {
                spec.orient = o;
            }
            let mut s = spec.build(l.repeats, units)?;
            s.cell.set_pbc(l.pbc);
            s
        }
    };
    system.units = units;
    for sp in system.species.iter_mut() {
        if let Some(&m) = cfg.masses.get(&sp.name) {
            if !(m > 0.0 && m.is_finite()) {
                return Err(MdError::Config(format!("masses.{} = {m} must be > 0", sp.name)));
            }
            sp.mass = m;
        } else if units == UnitSystem::Lj {
            sp.mass = 1.0;
        }
    }
    for name in cfg.masses.keys() {
        if !system.species.iter().any(|s| &s.name == name) {
            return Err(MdError::Config(format!("masses.{name}: no species of that name in the system")));
        }
    }
    for g in &cfg.groups {
        if g.name == "all" {
            return Err(MdError::Config("group name 'all' is reserved".into()));
        }
        if let Some(r) = &g.region {
            r.validate().map_err(|e| MdError::Config(format!("group {}: {e}", g.name)))?;
        }
        let species: Option<Vec<u32>> = match &g.species {
            None => None,
            Some(names) => Some(
                names
                    .iter()
                    .map(|n| {
                        system.species.iter().position(|s| &s.name == n).map(|k| k as u32).ok_or_else(|| {
                            MdError::Config(format!("group {}: no species '{n}' in the system", g.name))
                        })
                    })
                    .collect::<Result<_>>()?,
            ),
        };
        let ids: Option<std::collections::HashSet<u64>> = g.ids.as_ref().map(|v| v.iter().copied().collect());
        let (sidx, sids) = (system.species_index.clone(), system.ids.clone());
        system.define_group(&g.name, |i, r| {
            g.region.as_ref().map_or(true, |reg| reg.contains(r))
                && species.as_ref().map_or(true, |sp| sp.contains(&sidx[i]))
                && ids.as_ref().map_or(true, |set| set.contains(&sids[i]))
        })?;
        let bit = system.group_bit(&g.name)?;
        if !system.group_mask.iter().any(|m| m & bit != 0) {
            return Err(MdError::Config(format!("group {} holds no atoms", g.name)));
        }
    }
    Ok(system)
}

fn bit(system: &System, group: &str, what: &str) -> Result<u32> {
    system.group_bit(group).map_err(|_| MdError::Config(format!("{what}: unknown group '{group}'")))
}

fn positive(x: f64, what: &str) -> Result<f64> {
    if x > 0.0 && x.is_finite() {
        Ok(x)
    } else {
        Err(MdError::Config(format!("{what} = {x} must be > 0")))
    }
}

fn thermostat(
    system: &System,
    group: &str,
    style: ThermostatStyle,
    t0: f64,
    t1: Option<f64>,
    damp: f64,
    seed: Option<u64>,
    chain: Option<usize>,
    what: &str,
) -> Result<Box<dyn Fix>> {
    let b = bit(system, group, what)?;
    if !(t0 >= 0.0 && t1.unwrap_or(t0) >= 0.0) {
        return Err(MdError::Config(format!("{what}: temperatures must be ≥ 0")));
    }
    let ramp = Ramp { start: t0, stop: t1.unwrap_or(t0) };
    let damp = positive(damp, &format!("{what}: damp"))?;
    Ok(match style {
        ThermostatStyle::NoseHoover => {
            if ramp.start == 0.0 {
                return Err(MdError::Config(format!("{what}: Nosé–Hoover needs a target temperature > 0")));
            }
            Box::new(fix::NoseHoover::new(b, ramp, damp, chain.unwrap_or(3)))
        }
        ThermostatStyle::Langevin => {
            let seed = seed.ok_or_else(|| MdError::Config(format!("{what}: langevin needs a `seed`")))?;
            Box::new(fix::Langevin::new(b, ramp, damp, seed))
        }
        ThermostatStyle::Berendsen => Box::new(fix::Berendsen::new(b, ramp, damp)),
    })
}

/// Builds the engine (potential, fixes, watched groups) for a configuration. `fresh`: assign velocities.
pub fn build_engine(cfg: &MdConfig, mut system: System, fresh: bool) -> Result<Md> {
    let potential = atomfab_potentials::from_spec(&cfg.potential)?;
    let names: Vec<&str> = system.species.iter().map(|s| s.name.as_str()).collect();
    let map = atomfab_potentials::species_indices(potential.as_ref(), &names)?;
    if fresh {
        if let Some(v) = &cfg.velocity {
            let b = bit(&system, &v.group, "velocity")?;
            crate::velocity::create_velocities(&mut system, b, v.temperature, v.seed, v.loop_, v.distribution)?;
        }
    }
    let default_skin = match system.units {
        UnitSystem::Metal => 2.0,
        UnitSystem::Lj => 0.3,
    };
    let neighbor = NeighborSettings {
        skin: cfg.neighbor.skin.unwrap_or(default_skin),
        every: cfg.neighbor.every.unwrap_or(1),
        check: cfg.neighbor.check.unwrap_or(true),
    };
    let mut fixes: Vec<Box<dyn Fix>> = Vec::new();
    for (k, f) in cfg.fixes.iter().enumerate() {
        let what = format!("fixes[{k}]");
        fixes.push(match f {
            FixConfig::Fixed { group } => Box::new(fix::Fixed { bit: bit(&system, group, &what)? }),
            FixConfig::Move { group, velocity, path, vibration } => {
                let mut last = 0.0;
                for w in path {
                    if !(w[0] > last) && !(w[0] == 0.0 && last == 0.0) {
                        return Err(MdError::Config(format!("{what}: path times must increase, found {}", w[0])));
                    }
                    last = w[0];
                }
                let (amplitude, frequency, phase) = match vibration {
                    None => ([0.0; 3], 0.0, [0.0; 3]),
                    Some(v) => (v.amplitude, positive(v.frequency, &format!("{what}: vibration.frequency"))?, v.phase_deg.map(f64::to_radians)),
                };
                let motion = Motion {
                    velocity: *velocity,
                    path: path.iter().map(|w| (w[0], [w[1], w[2], w[3]])).collect(),
                    amplitude,
                    frequency,
                    phase,
                };
                Box::new(fix::Move::new(bit(&system, group, &what)?, motion))
            }
            FixConfig::Rigid { group, translate, rotate, force } => {
                Box::new(fix::Rigid::new(bit(&system, group, &what)?, *translate, *rotate, *force))
            }
            FixConfig::Thermostat { group, style, temperature, t_stop, damp, seed, chain } => {
                thermostat(&system, group, *style, *temperature, *t_stop, *damp, *seed, *chain, &what)?
            }
            FixConfig::Driven { group, velocity, path, vibration, free, load, load_ramp, damp, spin, release } => {
                check_path(path, &what)?;
                if ![*load_ramp, *damp, *release].iter().all(|v| v.is_finite() && *v >= 0.0) || load.iter().chain(spin).any(|v| !v.is_finite()) {
                    return Err(MdError::Config(format!("{what}: load_ramp, damp and release must be ≥ 0, load and spin finite")));
                }
                let (amplitude, frequency, phase) = match vibration {
                    None => ([0.0; 3], 0.0, [0.0; 3]),
                    Some(v) => {
                        if v.amplitude.iter().chain(&v.phase_deg).any(|a| !a.is_finite()) || (0..3).any(|k| free[k] && v.amplitude[k] != 0.0) {
                            return Err(MdError::Config(format!("{what}: vibration amplitudes and phases must be finite, and zero on the free axes")));
                        }
                        (v.amplitude, positive(v.frequency, &format!("{what}: vibration.frequency"))?, v.phase_deg.map(f64::to_radians))
                    }
                };
                let motion = Motion { velocity: *velocity, path: path.iter().map(|w| (w[0], [w[1], w[2], w[3]])).collect(), amplitude, frequency, phase };
                let mut driven = fix::Driven::new(bit(&system, group, &what)?, motion, *free, *load, *load_ramp, *damp, *spin);
                driven.release = *release;
                Box::new(driven)
            }
            FixConfig::RecordForce { group, every, file } => {
                if *every == 0 {
                    return Err(MdError::Config(format!("{what}: every must be ≥ 1")));
                }
                check_file_name(file, &what)?;
                Box::new(fix::RecordForce::new(bit(&system, group, &what)?, group, *every, file))
            }
        });
    }
    let e = &cfg.ensemble;
    if e.kind == EnsembleKind::Nvt {
        let t = e.temperature.ok_or_else(|| MdError::Config("ensemble: nvt needs `temperature`".into()))?;
        let damp = e.damp.ok_or_else(|| MdError::Config("ensemble: nvt needs `damp` (ps or τ)".into()))?;
        let group = e.group.clone().unwrap_or_else(default_all);
        fixes.push(thermostat(&system, &group, e.thermostat, t, e.t_stop, damp, e.seed, e.chain, "ensemble")?);
    }
    let watched: Vec<u32> = cfg
        .thermo
        .group_forces
        .iter()
        .map(|g| bit(&system, g, "thermo.group_forces"))
        .chain(cfg.fixes.iter().filter_map(|f| match f {
            FixConfig::RecordForce { group, .. } => Some(bit(&system, group, "record_force")),
            _ => None,
        }))
        .collect::<Result<_>>()?;
    let mut md = Md::new(system, potential, &map, cfg.dt, neighbor)?;
    for b in watched {
        md.watch_group(b);
    }
    for f in fixes {
        md.add_fix(f);
    }
    md.last_step = cfg.steps;
    if let Some(r) = &cfg.dt_reset {
        if cfg.fixes.iter().any(|f| matches!(f, FixConfig::Move { .. })) {
            return Err(MdError::Config("dt_reset: a `move` fix follows a fixed time step; drop one of them".into()));
        }
        let b = if r.group == "all" { 0 } else { bit(&md.system, &r.group, "dt_reset.group")? };
        md.set_dt_reset(Some(crate::dt_reset::DtReset::new(r, b)?));
    }
    Ok(md)
}

/// Path waypoint times must increase.
fn check_path(path: &[[f64; 4]], what: &str) -> Result<()> {
    let mut last = 0.0;
    for w in path {
        if !(w[0] > last) && !(w[0] == 0.0 && last == 0.0) {
            return Err(MdError::Config(format!("{what}: path times must increase, found {}", w[0])));
        }
        last = w[0];
    }
    Ok(())
}

fn check_file_name(file: &str, what: &str) -> Result<()> {
    let p = Path::new(file);
    if file.is_empty() || p.is_absolute() || p.components().count() != 1 {
        return Err(MdError::Config(format!("{what}: file '{file}' must be a plain file name (written in the output folder)")));
    }
    Ok(())
}

struct Outputs {
    thermo: OutFile,
    trajectories: Vec<Trajectory>,
    fix_files: Vec<(String, OutFile)>,
}

impl Outputs {
    fn open(cfg: &MdConfig, md: &Md, out_dir: &Path, lengths: Option<&[(String, u64)]>) -> Result<Outputs> {
        let len_of = |name: &str| -> Result<Option<u64>> {
            match lengths {
                None => Ok(None),
                Some(l) => l.iter().find(|(n, _)| n == name).map(|(_, v)| Some(*v)).ok_or_else(|| MdError::Checkpoint {
                    path: out_dir.display().to_string(),
                    message: format!("no record of output '{name}'"),
                }),
            }
        };
        check_file_name(&cfg.thermo.file, "thermo.file")?;
        let mut thermo = OutFile::open(&out_dir.join(&cfg.thermo.file), len_of(&cfg.thermo.file)?)?;
        if lengths.is_none() {
            let mut h = String::from("step,time,temp,pe,ke,etotal,econserved,press");
            for g in &cfg.thermo.group_forces {
                h.push_str(&format!(",fx_{g},fy_{g},fz_{g}"));
            }
            for f in md.fixes() {
                for c in f.thermo_columns() {
                    h.push(',');
                    h.push_str(&c);
                }
            }
            thermo.line(&h)?;
        }
        let mut trajectories = Vec::new();
        for (k, d) in cfg.dumps.iter().enumerate() {
            let what = format!("dumps[{k}]");
            check_file_name(&d.file, &what)?;
            if d.every == 0 {
                return Err(MdError::Config(format!("{what}: every must be ≥ 1")));
            }
            let format = match &d.format {
                Some(f) => atomfab_io::Format::from_name(f),
                None => atomfab_io::Format::from_path(Path::new(&d.file)),
            };
            let writer: Box<dyn FrameWriter> = match format {
                Some(atomfab_io::Format::ExtXyz) => Box::new(ExtXyz),
                Some(atomfab_io::Format::LammpsDump) => Box::new(LammpsDump { columns: d.columns.clone() }),
                _ => {
                    return Err(MdError::Config(format!(
                        "{what}: format of '{}' must be extxyz (.xyz) or lammps-dump (.dump, .lammpstrj)",
                        d.file
                    )))
                }
            };
            trajectories.push(Trajectory { file: OutFile::open(&out_dir.join(&d.file), len_of(&d.file)?)?, every: d.every, writer });
        }
        let mut fix_files = Vec::new();
        for f in md.fixes() {
            if let Some((name, header)) = f.output_file() {
                let mut file = OutFile::open(&out_dir.join(&name), len_of(&name)?)?;
                if lengths.is_none() {
                    file.line(&header)?;
                }
                fix_files.push((name, file));
            }
        }
        Ok(Outputs { thermo, trajectories, fix_files })
    }

    fn lengths(&mut self, cfg: &MdConfig) -> Result<Vec<(String, u64)>> {
        let mut v = vec![(cfg.thermo.file.clone(), self.thermo.flush_len()?)];
        for (t, d) in self.trajectories.iter_mut().zip(&cfg.dumps) {
            v.push((d.file.clone(), t.file.flush_len()?));
        }
        for (name, f) in &mut self.fix_files {
            v.push((name.clone(), f.flush_len()?));
        }
        Ok(v)
    }

    fn thermo_line(&mut self, cfg: &MdConfig, md: &Md, t: &Thermo) -> Result<()> {
        let mut line = format!(
            "{},{},{},{},{},{},{},{}",
            t.step, t.time, t.temperature, t.potential_energy, t.kinetic_energy, t.total_energy, t.conserved_energy, t.pressure
        );
        for g in &cfg.thermo.group_forces {
            let b = md.system.group_bit(g).expect("checked at build");
            let f = md.group_force(b).unwrap_or([f64::NAN; 3]);
            line.push_str(&format!(",{},{},{}", f[0], f[1], f[2]));
        }
        for f in md.fixes() {
            for v in f.thermo_values() {
                line.push_str(&format!(",{v}"));
            }
        }
        self.thermo.line(&line)
    }

    fn frames(&mut self, md: &Md, force: bool) -> Result<()> {
        for t in &mut self.trajectories {
            if force || md.step % t.every == 0 {
                t.write(&md.system, md.step, md.time())?;
            }
        }
        Ok(())
    }

    fn fix_lines(&mut self, md: &mut Md) -> Result<()> {
        for f in md.fixes_mut() {
            if let Some((name, lines)) = f.take_output() {
                if let Some((_, file)) = self.fix_files.iter_mut().find(|(n, _)| *n == name) {
                    for l in lines {
                        file.line(&l)?;
                    }
                }
            }
        }
        Ok(())
    }
}

fn config_fingerprint(cfg: &MdConfig) -> String {
    // The run length may be extended on resume; everything else must match.
    let mut c = cfg.clone();
    c.steps = 0;
    c.threads = None;
    serde_json::to_string(&c).expect("config serialises")
}

fn write_checkpoint(path: &Path, cfg: &MdConfig, md: &Md, lengths: &[(String, u64)]) -> Result<()> {
    let mut e = Enc::default();
    e.buf.extend_from_slice(MAGIC);
    e.str(&config_fingerprint(cfg));
    e.u64(lengths.len() as u64);
    for (n, l) in lengths {
        e.str(n);
        e.u64(*l);
    }
    md.save_state(&mut e);
    atomfab_core::fsutil::write_atomic(path, |w| std::io::Write::write_all(w, &e.buf)).map_err(|err| MdError::io(path, err))
}

/// Runs a configuration from the start, writing outputs into `out_dir` (created if missing).
pub fn run_md(cfg: &MdConfig, out_dir: &Path, progress: &mut (dyn FnMut(&Progress) + Send)) -> Result<Summary> {
    run_md_with(cfg, None, out_dir, false, progress)
}

/// Continues a run from the checkpoint in `out_dir`, bit-identically to an uninterrupted run (same
/// configuration except `steps`, same thread count).
pub fn resume_md(cfg: &MdConfig, out_dir: &Path, progress: &mut (dyn FnMut(&Progress) + Send)) -> Result<Summary> {
    run_md_with(cfg, None, out_dir, true, progress)
}

/// Runs or resumes with an optional caller-supplied system (used when the configuration names none).
pub fn run_md_with(
    cfg: &MdConfig,
    system: Option<System>,
    out_dir: &Path,
    resume: bool,
    progress: &mut (dyn FnMut(&Progress) + Send),
) -> Result<Summary> {
    with_threads(cfg, || run_inner(cfg, system, out_dir, resume, progress))
}

fn with_threads<T: Send>(cfg: &MdConfig, f: impl FnOnce() -> Result<T> + Send) -> Result<T> {
    match cfg.threads {
        None => f(),
        Some(0) => Err(MdError::Config("threads must be ≥ 1".into())),
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .map_err(|e| MdError::Config(format!("cannot start {n} threads: {e}")))?
            .install(f),
    }
}

fn run_inner(
    cfg: &MdConfig,
    given: Option<System>,
    out_dir: &Path,
    resume: bool,
    progress: &mut (dyn FnMut(&Progress) + Send),
) -> Result<Summary> {
    if cfg.thermo.every == 0 {
        return Err(MdError::Config("thermo.every must be ≥ 1".into()));
    }
    std::fs::create_dir_all(out_dir).map_err(|e| MdError::io(out_dir, e))?;
    let system = build_system_from(cfg, given)?;
    let mut md = build_engine(cfg, system, !resume)?;
    let ckpt = cfg.checkpoint.as_ref();
    if let Some(c) = ckpt {
        check_file_name(&c.file, "checkpoint.file")?;
        if c.every == 0 {
            return Err(MdError::Config("checkpoint.every must be ≥ 1".into()));
        }
    }
    let mut outputs;
    if resume {
        let c = ckpt.ok_or_else(|| MdError::Config("resume needs a [md.checkpoint] section".into()))?;
        let path = out_dir.join(&c.file);
        let bytes = std::fs::read(&path).map_err(|e| MdError::io(&path, e))?;
        let bad = |m: String| MdError::Checkpoint { path: path.display().to_string(), message: m };
        if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
            return Err(bad("not an atomfab MD checkpoint (bad magic)".into()));
        }
        let mut d = Dec::new(&bytes[MAGIC.len()..]);
        let t = |e: crate::codec::Truncated| format!("truncated while reading {}", e.0);
        let fp = d.str("configuration").map_err(|e| bad(t(e)))?;
        if fp != config_fingerprint(cfg) {
            return Err(bad("was written by a different [md] configuration (only `steps` and `threads` may change)".into()));
        }
        let n = d.u64("output count").map_err(|e| bad(t(e)))? as usize;
        let mut lengths = Vec::with_capacity(n.min(1024));
        for _ in 0..n {
            let name = d.str("output name").map_err(|e| bad(t(e)))?;
            let len = d.u64("output length").map_err(|e| bad(t(e)))?;
            lengths.push((name, len));
        }
        md.setup_resume(&mut d).map_err(bad)?;
        if !d.at_end() {
            return Err(bad("has trailing bytes".into()));
        }
        outputs = Outputs::open(cfg, &md, out_dir, Some(&lengths))?;
    } else {
        md.setup()?;
        outputs = Outputs::open(cfg, &md, out_dir, None)?;
        let t = md.thermo();
        outputs.thermo_line(cfg, &md, &t)?;
        outputs.frames(&md, true)?;
        progress(&Progress { step: md.step, total_steps: cfg.steps, thermo: t });
    }
    let start_step = md.step;
    let start = Instant::now();
    while md.step < cfg.steps {
        let next = md.step + 1;
        let thermo_now = next % cfg.thermo.every == 0 || next == cfg.steps;
        md.step(thermo_now)?;
        outputs.fix_lines(&mut md)?;
        if thermo_now {
            let t = md.thermo();
            outputs.thermo_line(cfg, &md, &t)?;
            progress(&Progress { step: md.step, total_steps: cfg.steps, thermo: t });
        }
        outputs.frames(&md, false)?;
        if let Some(c) = ckpt {
            if md.step % c.every == 0 || md.step == cfg.steps {
                let lengths = outputs.lengths(cfg)?;
                write_checkpoint(&out_dir.join(&c.file), cfg, &md, &lengths)?;
            }
        }
    }
    let wall = start.elapsed().as_secs_f64();
    outputs.lengths(cfg)?;
    let steps_run = md.step - start_step;
    let mut files = vec![outputs.thermo.path.clone()];
    files.extend(outputs.trajectories.iter().map(|t| t.file.path.clone()));
    files.extend(outputs.fix_files.iter().map(|(_, f)| f.path.clone()));
    if let Some(c) = ckpt {
        files.push(out_dir.join(&c.file));
    }
    Ok(Summary {
        atoms: md.system.len(),
        steps_run,
        final_step: md.step,
        wall_seconds: wall,
        timesteps_per_second: if wall > 0.0 { steps_run as f64 / wall } else { 0.0 },
        atom_steps_per_second: if wall > 0.0 { steps_run as f64 * md.system.len() as f64 / wall } else { 0.0 },
        neighbor_builds: md.builds,
        final_thermo: md.thermo(),
        files,
        timing: md.timing,
    })
}
