//! The MD engine: velocity-Verlet stepping, neighbour-list management, fixes and thermodynamics.
//!
//! Units are those of the system (metal: Å, eV, ps, amu, K, bar; or lj). One step follows LAMMPS'
//! order: fixes' initial hooks (Nosé–Hoover half step) → half kick + drift of integrated atoms → fixes
//! that set positions (prescribed motion, rigid bodies) → neighbour check/rebuild (wrapping atoms into
//! the cell, updating image flags) → forces → fixes that modify forces (freeze, Langevin) → second half
//! kick → end-of-step fixes (thermostats, recorders).

use crate::codec::{Dec, Enc};
use crate::error::{MdError, Result};
use crate::fix::{Fix, FixContext};
use atomfab_core::units::Constants;
use atomfab_core::{NeighborList, System, Vec3};
use atomfab_potentials::{Output, Potential, Request};
use rayon::prelude::*;

/// Atoms per parallel task in the per-atom loops (smaller systems stay on one thread).
const PAR_MIN: usize = 4096;

/// Neighbour-list policy, as LAMMPS `neighbor SKIN bin` + `neigh_modify every N check yes/no`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NeighborSettings {
    /// Skin distance (Å or σ).
    pub skin: f64,
    /// Consider rebuilding every this many steps.
    pub every: u64,
    /// Rebuild only when some atom moved more than skin/2 (yes) or always on `every` (no).
    pub check: bool,
}

impl Default for NeighborSettings {
    fn default() -> Self {
        NeighborSettings { skin: 2.0, every: 1, check: true }
    }
}

/// Instantaneous thermodynamic state.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Thermo {
    pub step: u64,
    /// Simulated time (ps or τ).
    pub time: f64,
    /// Temperature of all atoms (K or ε/k_B), 3N−3 degrees of freedom.
    pub temperature: f64,
    /// Potential energy (eV or ε).
    pub potential_energy: f64,
    /// Kinetic energy (eV or ε).
    pub kinetic_energy: f64,
    pub total_energy: f64,
    /// Total energy plus the energy exchanged with thermostats (conserved by NVE and Nosé–Hoover).
    pub conserved_energy: f64,
    /// Pressure (bar or ε/σ³); NaN when the virial was not computed on this step.
    pub pressure: f64,
}

pub struct Md {
    pub system: System,
    potential: Box<dyn Potential>,
    /// Potential species index of each system species.
    species_map: Vec<u32>,
    /// Potential species index of each atom.
    pot_species: Vec<u32>,
    /// The Verlet list; its build positions (wrapped) are saved in checkpoints, and a resume rebuilds
    /// from them.
    list: Option<NeighborList>,
    pub neighbor: NeighborSettings,
    /// Time step (ps or τ).
    pub dt: f64,
    pub step: u64,
    /// Step at which the current run segment started (thermostat ramps run from here).
    pub first_step: u64,
    /// Last step of the whole run (for ramps).
    pub last_step: u64,
    since_build: u64,
    pub builds: u64,
    fixes: Vec<Box<dyn Fix>>,
    /// dt/2 · ftm2v / m for atoms the Verlet integrator moves, 0 for atoms owned by fixes.
    dtfm: Vec<f64>,
    integrated: Vec<bool>,
    out: Output,
    virial_valid: bool,
    consts: Constants,
    /// Group bits whose raw (potential) force sums are recorded after each force evaluation.
    watched: Vec<u32>,
    group_forces: Vec<Vec3>,
    forces_buf: Vec<Vec3>,
    /// Wall seconds spent in force evaluation, neighbour-list work and everything else of `step`
    /// (integration, fixes), as LAMMPS' Pair / Neigh / Modify breakdown.
    pub timing: Timing,
    /// Adaptive time step (`dt_reset`) and the time / step at the last dt change (LAMMPS atime, atimestep).
    dt_reset: Option<crate::dt_reset::DtReset>,
    time_origin: f64,
    time_origin_step: u64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Timing {
    pub pair: f64,
    pub neigh: f64,
    pub other: f64,
}

impl Md {
    /// Sets up an engine. `pot_species[i]` maps system species i to the potential's species index.
    pub fn new(
        system: System,
        potential: Box<dyn Potential>,
        species_map: &[u32],
        dt: f64,
        neighbor: NeighborSettings,
    ) -> Result<Md> {
        if !(dt > 0.0 && dt.is_finite()) {
            return Err(MdError::Config(format!("time step dt = {dt} must be > 0")));
        }
        if !(neighbor.skin >= 0.0 && neighbor.skin.is_finite()) || neighbor.every == 0 {
            return Err(MdError::Config(format!(
                "neighbor skin {} must be ≥ 0 and every {} ≥ 1",
                neighbor.skin, neighbor.every
            )));
        }
        system.validate()?;
        if species_map.len() != system.species.len()
            || species_map.iter().any(|&k| k as usize >= potential.species().len().max(1))
        {
            return Err(MdError::Config(format!(
                "species map {species_map:?} does not fit {} system species and potential species {:?}",
                system.species.len(),
                potential.species()
            )));
        }
        let pot_species = system.species_index.iter().map(|&s| species_map[s as usize]).collect();
        let consts = system.units.constants();
        let n = system.len();
        Ok(Md {
            system,
            potential,
            pot_species,
            species_map: species_map.to_vec(),
            list: None,
            neighbor,
            dt,
            step: 0,
            first_step: 0,
            last_step: 0,
            since_build: 0,
            builds: 0,
            fixes: Vec::new(),
            dtfm: vec![0.0; n],
            integrated: vec![true; n],
            out: Output::default(),
            virial_valid: false,
            consts,
            watched: Vec::new(),
            group_forces: Vec::new(),
            forces_buf: vec![[0.0; 3]; n],
            timing: Timing::default(),
            dt_reset: None,
            time_origin: 0.0,
            time_origin_step: 0,
        })
    }

    pub fn add_fix(&mut self, fix: Box<dyn Fix>) {
        self.fixes.push(fix);
    }

    pub fn fixes(&self) -> &[Box<dyn Fix>] {
        &self.fixes
    }

    pub fn fixes_mut(&mut self) -> &mut [Box<dyn Fix>] {
        &mut self.fixes
    }

    /// Records the raw potential force on this group after every force evaluation.
    pub fn watch_group(&mut self, bit: u32) {
        if !self.watched.contains(&bit) {
            self.watched.push(bit);
            self.group_forces.push([0.0; 3]);
        }
    }

    /// Raw potential force (eV/Å) on a watched group at the last force evaluation.
    pub fn group_force(&self, bit: u32) -> Option<Vec3> {
        self.watched.iter().position(|&b| b == bit).map(|k| self.group_forces[k])
    }

    pub fn potential(&self) -> &dyn Potential {
        self.potential.as_ref()
    }

    pub fn constants(&self) -> Constants {
        self.consts
    }

    /// Simulated time (ps or τ) at the current step.
    pub fn time(&self) -> f64 {
        self.time_origin + (self.step - self.time_origin_step) as f64 * self.dt
    }

    // ---- adaptive time step (dt_reset) ----

    /// Recomputes dt every `r.every` steps and at setup (LAMMPS `fix dt/reset`).
    pub fn set_dt_reset(&mut self, r: Option<crate::dt_reset::DtReset>) {
        self.dt_reset = r;
    }

    /// Changes the time step from now on (ps or τ); the simulated time continues from its current value.
    pub fn set_dt(&mut self, dt: f64) -> Result<()> {
        if !(dt > 0.0 && dt.is_finite()) {
            return Err(MdError::Config(format!("time step dt = {dt} must be > 0")));
        }
        if dt != self.dt {
            self.time_origin = self.time();
            self.time_origin_step = self.step;
            self.dt = dt;
            self.refresh_integration();
        }
        Ok(())
    }

    fn apply_dt_reset(&mut self) {
        if let Some(r) = self.dt_reset {
            if self.step % r.every == 0 {
                if let Some(dt) = r.compute(&self.system, self.consts) {
                    // compute() returns a finite positive value.
                    let _ = self.set_dt(dt);
                }
            }
        }
    }

    fn context(&mut self) -> (FixContext<'_>, &mut Vec<Box<dyn Fix>>) {
        let ctx = FixContext {
            system: &mut self.system,
            step: self.step,
            dt: self.dt,
            consts: self.consts,
            first_step: self.first_step,
            last_step: self.last_step,
            watched: &self.watched,
            group_forces: &self.group_forces,
        };
        (ctx, &mut self.fixes)
    }

    fn refresh_integration(&mut self) {
        let owned: u32 = self.fixes.iter().fold(0, |m, f| m | f.owned_group());
        let dtf = 0.5 * self.dt * self.consts.ftm2v;
        let masses: Vec<f64> = self.system.species.iter().map(|s| s.mass).collect();
        for i in 0..self.system.len() {
            let integrate = self.system.group_mask[i] & owned == 0;
            self.integrated[i] = integrate;
            self.dtfm[i] = if integrate { dtf / masses[self.system.species_index[i] as usize] } else { 0.0 };
        }
    }

    /// Prepares the first step: fixes set up, atoms wrapped, list built, forces computed.
    pub fn setup(&mut self) -> Result<()> {
        {
            let (mut ctx, fixes) = self.context();
            for f in fixes.iter_mut() {
                f.setup(&mut ctx)?;
            }
        }
        self.refresh_integration();
        self.rebuild()?;
        self.compute_forces(true)?;
        {
            let (mut ctx, fixes) = self.context();
            for f in fixes.iter_mut() {
                f.post_force(&mut ctx);
            }
        }
        self.apply_dt_reset();
        Ok(())
    }

    fn wrap(&mut self) {
        let cell = &self.system.cell;
        let pbc = cell.pbc();
        if cell.is_orthorhombic() {
            // LAMMPS Domain::pbc arithmetic (x ± L), so wrapped coordinates match LAMMPS bit for bit.
            let lo = cell.origin();
            let prd = [0, 1, 2].map(|k| cell.vectors()[k][k]);
            let hi = [0, 1, 2].map(|k| lo[k] + prd[k]);
            let s = &mut self.system;
            (s.positions.par_iter_mut(), s.images.par_iter_mut()).into_par_iter().with_min_len(PAR_MIN).for_each(|(r, img)| {
                for k in 0..3 {
                    if !pbc[k] {
                        continue;
                    }
                    // Loops so an atom that jumped several periods (large dt) still ends inside.
                    while r[k] < lo[k] {
                        r[k] += prd[k];
                        img[k] -= 1;
                    }
                    while r[k] >= hi[k] {
                        r[k] -= prd[k];
                        r[k] = r[k].max(lo[k]);
                        img[k] += 1;
                    }
                }
            });
        } else {
            self.system.wrap_positions();
        }
    }

    fn rebuild(&mut self) -> Result<()> {
        self.wrap();
        let p = &self.system.positions;
        if p.par_iter().with_min_len(PAR_MIN).any(|r| !r.iter().all(|x| x.is_finite())) {
            return Err(MdError::Unstable { step: self.step, message: "non-finite atom position".into() });
        }
        // The list keeps its memory across rebuilds: no fresh pages to fault in, one list at a time.
        match &mut self.list {
            Some(list) => list.rebuild(&self.system.cell, p)?,
            None => self.list = Some(self.new_list(p)?),
        }
        self.since_build = 0;
        self.builds += 1;
        Ok(())
    }

    /// Rebuilds the list from the positions of the last build (resume), then moves ghosts to the current
    /// positions, reproducing the uninterrupted run's list exactly.
    fn rebuild_from(&mut self, build_positions: Vec<Vec3>) -> Result<()> {
        let mut list = self.new_list(&build_positions)?;
        list.update_positions(&self.system.positions);
        self.list = Some(list);
        Ok(())
    }

    /// A list for `positions` with the potential's cutoff, list kind and excluded species pairs.
    fn new_list(&self, positions: &[Vec3]) -> Result<NeighborList> {
        let skip = self.excluded_pairs();
        let exclude = (!skip.is_empty()).then_some((&self.pot_species[..], self.potential.species().len(), &skip[..]));
        Ok(NeighborList::build_excluding(
            &self.system.cell,
            positions,
            self.potential.cutoff(),
            self.neighbor.skin,
            self.potential.list_kind(),
            exclude,
        )?)
    }

    /// Species pairs of the potential that do not interact (`skip[a * count + b]`), left out of the list;
    /// empty when every pair interacts.
    fn excluded_pairs(&self) -> Vec<bool> {
        let count = self.potential.species().len();
        let skip: Vec<bool> =
            (0..count * count).map(|k| !self.potential.interacts((k / count) as u32, (k % count) as u32)).collect();
        if skip.iter().any(|&x| x) {
            skip
        } else {
            Vec::new()
        }
    }

    fn compute_forces(&mut self, virial: bool) -> Result<()> {
        let list = self.list.as_ref().expect("neighbour list built in setup");
        let request = Request { per_atom_energy: false, virial };
        self.potential.compute(list, &self.pot_species, &mut self.forces_buf, request, &mut self.out);
        std::mem::swap(&mut self.forces_buf, &mut self.system.forces);
        self.virial_valid = virial;
        if !self.out.energy.is_finite() {
            return Err(MdError::Unstable { step: self.step, message: format!("potential energy is {}", self.out.energy) });
        }
        for (k, &bit) in self.watched.iter().enumerate() {
            let mut s = [0.0; 3];
            for (f, &m) in self.system.forces.iter().zip(&self.system.group_mask) {
                if m & bit != 0 {
                    s[0] += f[0];
                    s[1] += f[1];
                    s[2] += f[2];
                }
            }
            self.group_forces[k] = s;
        }
        Ok(())
    }

    /// Advances one step. `want_virial`: compute the virial (for pressure) at the new positions.
    pub fn step(&mut self, want_virial: bool) -> Result<()> {
        let t0 = std::time::Instant::now();
        self.step += 1;
        {
            let (mut ctx, fixes) = self.context();
            for f in fixes.iter_mut() {
                f.initial_integrate(&mut ctx);
            }
        }
        let dt = self.dt;
        {
            // Per atom and element-wise, so threads change nothing in the result.
            let s = &mut self.system;
            (s.positions.par_iter_mut(), s.velocities.par_iter_mut(), &s.forces, &self.dtfm, &self.integrated)
                .into_par_iter()
                .with_min_len(PAR_MIN)
                .for_each(|(x, v, f, &dtfm, &integrate)| {
                    if integrate {
                        v[0] += dtfm * f[0];
                        v[1] += dtfm * f[1];
                        v[2] += dtfm * f[2];
                        x[0] += dt * v[0];
                        x[1] += dt * v[1];
                        x[2] += dt * v[2];
                    }
                });
        }
        {
            let (mut ctx, fixes) = self.context();
            for f in fixes.iter_mut() {
                f.post_integrate(&mut ctx);
            }
        }
        let t1 = std::time::Instant::now();
        self.since_build += 1;
        let due = self.since_build % self.neighbor.every == 0;
        let rebuild = due
            && (!self.neighbor.check
                || self.list.as_ref().map_or(true, |l| l.needs_rebuild(&self.system.positions)));
        if rebuild {
            self.rebuild()?;
        } else {
            self.list.as_mut().expect("list").update_positions(&self.system.positions);
        }
        let t2 = std::time::Instant::now();
        self.compute_forces(want_virial)?;
        let t3 = std::time::Instant::now();
        {
            let (mut ctx, fixes) = self.context();
            for f in fixes.iter_mut() {
                f.post_force(&mut ctx);
            }
        }
        {
            let s = &mut self.system;
            (s.velocities.par_iter_mut(), &s.forces, &self.dtfm).into_par_iter().with_min_len(PAR_MIN).for_each(
                |(v, f, &dtfm)| {
                    if dtfm != 0.0 {
                        v[0] += dtfm * f[0];
                        v[1] += dtfm * f[1];
                        v[2] += dtfm * f[2];
                    }
                },
            );
        }
        {
            let (mut ctx, fixes) = self.context();
            for f in fixes.iter_mut() {
                f.end_of_step(&mut ctx);
            }
        }
        self.apply_dt_reset();
        let t4 = std::time::Instant::now();
        self.timing.neigh += (t2 - t1).as_secs_f64();
        self.timing.pair += (t3 - t2).as_secs_f64();
        self.timing.other += (t1 - t0).as_secs_f64() + (t4 - t3).as_secs_f64();
        Ok(())
    }

    /// Thermodynamic state now. Kinetic energy = ½·dof·k_B·T as LAMMPS `ke` (equal to Σ½mv² here).
    pub fn thermo(&self) -> Thermo {
        let c = self.consts;
        let (mv2, n) = crate::velocity::mv2(&self.system, 1);
        let dof = crate::velocity::dof(n);
        let temperature = if dof > 0.0 { mv2 * (c.mvv2e / (dof * c.boltzmann)) } else { 0.0 };
        let ke = 0.5 * dof.max(0.0) * c.boltzmann * temperature;
        let pe = self.out.energy;
        let pressure = if self.virial_valid {
            let w = self.out.virial;
            (dof * c.boltzmann * temperature + w[0] + w[1] + w[2]) / 3.0 / self.system.cell.volume() * c.nktv2p
        } else {
            f64::NAN
        };
        let coupling: f64 = self.fixes.iter().map(|f| f.energy_coupling()).sum();
        Thermo {
            step: self.step,
            time: self.time(),
            temperature,
            potential_energy: pe,
            kinetic_energy: ke,
            total_energy: pe + ke,
            conserved_energy: pe + ke + coupling,
            pressure,
        }
    }

    /// Virial (Voigt xx yy zz xy xz yz, energy units) of the last evaluation, when computed.
    pub fn virial(&self) -> Option<[f64; 6]> {
        self.virial_valid.then_some(self.out.virial)
    }

    /// Serialises the dynamic state (atoms, list reference, fixes) for a bit-identical resume.
    pub fn save_state(&self, e: &mut Enc) {
        let s = &self.system;
        e.u64(self.step);
        e.u64(self.since_build);
        e.u64(self.builds);
        e.u64(s.len() as u64);
        e.u64s(s.ids.iter().copied());
        e.u64s(s.species_index.iter().map(|&x| x as u64));
        e.u64s(s.group_mask.iter().map(|&x| x as u64));
        e.vec3s(&s.positions);
        e.vec3s(&s.velocities);
        e.vec3s(&s.forces);
        let images: Vec<u64> = s.images.iter().flat_map(|im| im.map(|x| x as u32 as u64)).collect();
        e.u64s(images.into_iter());
        e.vec3s(self.list.as_ref().map_or(&[][..], |l| l.build_positions()));
        e.f64(self.out.energy);
        e.f64s(&self.out.virial);
        e.u64(self.virial_valid as u64);
        e.vec3s(&self.group_forces);
        e.u64(self.fixes.len() as u64);
        for f in &self.fixes {
            e.str(f.name());
            let mut fe = Enc::default();
            f.save(&mut fe);
            e.bytes(&fe.buf);
        }
        // Only with dt_reset (the configuration, checked on resume, says whether these follow).
        if self.dt_reset.is_some() {
            e.f64(self.dt);
            e.f64(self.time_origin);
            e.u64(self.time_origin_step);
        }
    }

    /// Sets fixes up and restores a saved state instead of computing initial forces (resume).
    pub fn setup_resume(&mut self, d: &mut Dec) -> std::result::Result<(), String> {
        {
            let (mut ctx, fixes) = self.context();
            for f in fixes.iter_mut() {
                f.setup(&mut ctx).map_err(|e| e.to_string())?;
            }
        }
        self.load_state(d)
    }

    /// Restores what `save_state` wrote into an engine set up from the same configuration.
    pub fn load_state(&mut self, d: &mut Dec) -> std::result::Result<(), String> {
        let t = |e: crate::codec::Truncated| format!("truncated while reading {}", e.0);
        self.step = d.u64("step").map_err(t)?;
        self.since_build = d.u64("steps since build").map_err(t)?;
        self.builds = d.u64("build count").map_err(t)?;
        let n = d.u64("atom count").map_err(t)? as usize;
        if n != self.system.len() {
            return Err(format!("holds {n} atoms but the configuration builds {}", self.system.len()));
        }
        let ids = d.u64s("ids").map_err(t)?;
        let species = d.u64s("species").map_err(t)?;
        let masks = d.u64s("groups").map_err(t)?;
        let pos = d.vec3s("positions").map_err(t)?;
        let vel = d.vec3s("velocities").map_err(t)?;
        let frc = d.vec3s("forces").map_err(t)?;
        let img = d.u64s("images").map_err(t)?;
        let build = d.vec3s("list positions").map_err(t)?;
        if [ids.len(), species.len(), masks.len(), pos.len(), vel.len(), frc.len(), build.len(), img.len() / 3]
            .iter()
            .any(|&l| l != n)
        {
            return Err("per-atom arrays have inconsistent lengths".into());
        }
        if species.iter().any(|&s| s as usize >= self.system.species.len()) {
            return Err("atom species index out of range for this configuration".into());
        }
        let s = &mut self.system;
        s.ids = ids;
        s.species_index = species.iter().map(|&x| x as u32).collect();
        s.group_mask = masks.iter().map(|&x| x as u32).collect();
        s.positions = pos;
        s.velocities = vel;
        s.forces = frc;
        s.images = img.chunks(3).map(|c| [c[0] as u32 as i32, c[1] as u32 as i32, c[2] as u32 as i32]).collect();
        self.out.energy = d.f64("energy").map_err(t)?;
        let w = d.f64s("virial").map_err(t)?;
        if w.len() != 6 {
            return Err("virial must have 6 components".into());
        }
        self.out.virial.copy_from_slice(&w);
        self.virial_valid = d.u64("virial flag").map_err(t)? != 0;
        let gf = d.vec3s("group forces").map_err(t)?;
        if gf.len() != self.group_forces.len() {
            return Err("recorded group forces do not match the configuration".into());
        }
        self.group_forces = gf;
        let nf = d.u64("fix count").map_err(t)? as usize;
        if nf != self.fixes.len() {
            return Err(format!("holds {nf} fixes but the configuration defines {}", self.fixes.len()));
        }
        for f in self.fixes.iter_mut() {
            let name = d.str("fix name").map_err(t)?;
            if name != f.name() {
                return Err(format!("fix '{name}' where the configuration has '{}'", f.name()));
            }
            let bytes = d.bytes("fix state").map_err(t)?;
            let mut fd = Dec::new(bytes);
            f.load(&mut fd).map_err(|e| format!("fix '{name}': {e}"))?;
        }
        if self.dt_reset.is_some() {
            let dt = d.f64("time step").map_err(t)?;
            self.time_origin = d.f64("time origin").map_err(t)?;
            self.time_origin_step = d.u64("time origin step").map_err(t)?;
            if !(dt > 0.0 && dt.is_finite()) || self.time_origin_step > self.step {
                return Err(format!("invalid time step {dt} or time origin"));
            }
            self.dt = dt;
        }
        self.pot_species = self.system.species_index.iter().map(|&s| self.species_map[s as usize]).collect();
        self.refresh_integration();
        self.rebuild_from(build).map_err(|e| e.to_string())?;
        Ok(())
    }
}
