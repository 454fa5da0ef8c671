//! Fixes: small named units that act on a group of atoms at fixed points of a step (as LAMMPS fixes).
//!
//! Implemented: `fixed` (held in place, setforce 0), `move` (prescribed velocity, waypoint path and
//! sinusoidal / elliptical vibration), `rigid` (rigid-body motion under the summed force and torque),
//! `nose_hoover` (chain, as LAMMPS fix nvt), `langevin`, `berendsen`, `record_force` (force on a group
//! written every N steps) and `driven` (a rigid indenter: prescribed motion on some axes, load-controlled on
//! the others, optional constant spin).

use crate::codec::{Dec, Enc, Truncated};
use crate::error::Result;
use atomfab_core::units::Constants;
use atomfab_core::{System, Vec3};

/// What a fix sees at each hook.
pub struct FixContext<'a> {
    pub system: &'a mut System,
    /// Current step (already incremented during a step).
    pub step: u64,
    /// Time step (ps or τ).
    pub dt: f64,
    pub consts: Constants,
    /// First and last step of the run (for thermostat ramps).
    pub first_step: u64,
    pub last_step: u64,
    /// Group bits whose raw potential force sums are in `group_forces` (same order).
    pub watched: &'a [u32],
    pub group_forces: &'a [Vec3],
}

impl FixContext<'_> {
    /// Fraction of the run done, for target ramps (LAMMPS `delta`).
    pub fn ramp(&self) -> f64 {
        if self.last_step > self.first_step {
            (self.step.saturating_sub(self.first_step)) as f64 / (self.last_step - self.first_step) as f64
        } else {
            0.0
        }
    }
    pub fn raw_group_force(&self, bit: u32) -> Option<Vec3> {
        self.watched.iter().position(|&b| b == bit).map(|k| self.group_forces[k])
    }
}

/// A fix. Hooks default to doing nothing.
pub trait Fix: Send {
    /// Name as in the recipe (`fixed`, `move`, ...), also tagging its checkpoint state.
    fn name(&self) -> &str;
    /// Group bits of atoms this fix moves itself; the Verlet integrator skips them.
    fn owned_group(&self) -> u32 {
        0
    }
    fn setup(&mut self, _ctx: &mut FixContext) -> Result<()> {
        Ok(())
    }
    /// Before the first half kick.
    fn initial_integrate(&mut self, _ctx: &mut FixContext) {}
    /// After positions were advanced, before the neighbour check.
    fn post_integrate(&mut self, _ctx: &mut FixContext) {}
    /// After forces were computed (may modify them).
    fn post_force(&mut self, _ctx: &mut FixContext) {}
    /// After the second half kick.
    fn end_of_step(&mut self, _ctx: &mut FixContext) {}
    /// Energy this fix has taken out of the atoms (adds to the conserved quantity).
    fn energy_coupling(&self) -> f64 {
        0.0
    }
    /// Extra thermo columns and their current values.
    fn thermo_columns(&self) -> Vec<String> {
        Vec::new()
    }
    fn thermo_values(&self) -> Vec<f64> {
        Vec::new()
    }
    /// File (in the output folder) and CSV header of this fix's own output, if it writes one.
    fn output_file(&self) -> Option<(String, String)> {
        None
    }
    /// Lines this fix wants written to its own output since the last call (recorders).
    fn take_output(&mut self) -> Option<(String, Vec<String>)> {
        None
    }
    fn save(&self, _e: &mut Enc) {}
    fn load(&mut self, _d: &mut Dec) -> std::result::Result<(), Truncated> {
        Ok(())
    }
}

fn members(system: &System, bit: u32) -> impl Iterator<Item = usize> + '_ {
    system.group_mask.iter().enumerate().filter(move |(_, &m)| m & bit != 0).map(|(i, _)| i)
}

fn count(system: &System, bit: u32) -> usize {
    system.group_mask.iter().filter(|&&m| m & bit != 0).count()
}

// ---------------------------------------------------------------------------------------------------------

/// Holds a group in place: velocities and forces zero, not integrated (LAMMPS setforce 0 0 0 + v = 0).
pub struct Fixed {
    pub bit: u32,
}

impl Fix for Fixed {
    fn name(&self) -> &str {
        "fixed"
    }
    fn owned_group(&self) -> u32 {
        self.bit
    }
    fn setup(&mut self, ctx: &mut FixContext) -> Result<()> {
        for i in members(ctx.system, self.bit).collect::<Vec<_>>() {
            ctx.system.velocities[i] = [0.0; 3];
        }
        Ok(())
    }
    fn post_force(&mut self, ctx: &mut FixContext) {
        let s = &mut *ctx.system;
        for (f, &m) in s.forces.iter_mut().zip(&s.group_mask) {
            if m & self.bit != 0 {
                *f = [0.0; 3];
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------------------

/// Prescribed displacement d(t) of a group: constant velocity + piecewise-linear path + vibration.
#[derive(Debug, Clone, PartialEq)]
pub struct Motion {
    /// Constant velocity (Å/ps or σ/τ).
    pub velocity: Vec3,
    /// Waypoints (time, displacement) of a piecewise-linear path, times increasing; held after the last.
    pub path: Vec<(f64, Vec3)>,
    /// Vibration amplitude per axis (Å or σ); d_k = A_k (sin(ωt + φ_k) − sin φ_k).
    pub amplitude: Vec3,
    /// Vibration frequency (1/ps = THz, or 1/τ).
    pub frequency: f64,
    /// Phase per axis (radians); 0 and π/2 on two axes give an elliptical (ultrasonic) vibration.
    pub phase: Vec3,
}

impl Motion {
    /// Displacement and velocity at time t since the fix started.
    pub fn at(&self, t: f64) -> (Vec3, Vec3) {
        let mut d = [0.0; 3];
        let mut v = [0.0; 3];
        for k in 0..3 {
            d[k] = self.velocity[k] * t;
            v[k] = self.velocity[k];
        }
        if !self.path.is_empty() {
            let (pd, pv) = path_at(&self.path, t);
            for k in 0..3 {
                d[k] += pd[k];
                v[k] += pv[k];
            }
        }
        if self.frequency != 0.0 {
            let w = 2.0 * std::f64::consts::PI * self.frequency;
            for k in 0..3 {
                if self.amplitude[k] != 0.0 {
                    d[k] += self.amplitude[k] * ((w * t + self.phase[k]).sin() - self.phase[k].sin());
                    v[k] += self.amplitude[k] * w * (w * t + self.phase[k]).cos();
                }
            }
        }
        (d, v)
    }
}

fn path_at(path: &[(f64, Vec3)], t: f64) -> (Vec3, Vec3) {
    // Before the first waypoint: interpolate from (0, 0).
    let mut prev = (0.0, [0.0; 3]);
    for &(tk, dk) in path {
        if t <= tk {
            let span = tk - prev.0;
            if span <= 0.0 {
                return (dk, [0.0; 3]);
            }
            let a = (t - prev.0) / span;
            let v = [0, 1, 2].map(|k| (dk[k] - prev.1[k]) / span);
            return ([0, 1, 2].map(|k| prev.1[k] + a * (dk[k] - prev.1[k])), v);
        }
        prev = (tk, dk);
    }
    (prev.1, [0.0; 3])
}

/// Moves a group along a prescribed motion (rigid tool), as LAMMPS fix move: x = x₀ + d(t).
pub struct Move {
    pub bit: u32,
    pub motion: Motion,
    start_step: u64,
    started: bool,
    /// Unwrapped positions at the start, per member atom (in member order).
    origin: Vec<Vec3>,
}

impl Move {
    pub fn new(bit: u32, motion: Motion) -> Move {
        Move { bit, motion, start_step: 0, started: false, origin: Vec::new() }
    }
    fn place(&self, ctx: &mut FixContext) {
        let t = (ctx.step - self.start_step) as f64 * ctx.dt;
        let (d, v) = self.motion.at(t);
        let s = &mut *ctx.system;
        let mut k = 0;
        for i in 0..s.len() {
            if s.group_mask[i] & self.bit == 0 {
                continue;
            }
            let img = s.images[i];
            let shift = s.cell.fractional_to_vector([img[0] as f64, img[1] as f64, img[2] as f64]);
            let o = self.origin[k];
            s.positions[i] = [o[0] + d[0] - shift[0], o[1] + d[1] - shift[1], o[2] + d[2] - shift[2]];
            s.velocities[i] = v;
            k += 1;
        }
    }
}

impl Fix for Move {
    fn name(&self) -> &str {
        "move"
    }
    fn owned_group(&self) -> u32 {
        self.bit
    }
    fn setup(&mut self, ctx: &mut FixContext) -> Result<()> {
        if !self.started {
            self.start_step = ctx.step;
            self.origin = members(ctx.system, self.bit).map(|i| ctx.system.unwrapped_position(i)).collect();
            self.started = true;
        }
        let (_, v) = self.motion.at(0.0);
        for i in members(ctx.system, self.bit).collect::<Vec<_>>() {
            ctx.system.velocities[i] = v;
        }
        Ok(())
    }
    fn post_integrate(&mut self, ctx: &mut FixContext) {
        self.place(ctx);
    }
    fn save(&self, e: &mut Enc) {
        e.u64(self.start_step);
        e.vec3s(&self.origin);
    }
    fn load(&mut self, d: &mut Dec) -> std::result::Result<(), Truncated> {
        self.start_step = d.u64("move start")?;
        self.origin = d.vec3s("move origin")?;
        self.started = true;
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------------------

/// A rigid body: the group moves as one body under the summed force (plus an optional constant external
/// force) and torque about its centre of mass. Translation per axis and rotation can be switched off.
pub struct Rigid {
    pub bit: u32,
    /// Axes along which the centre of mass may move.
    pub translate: [bool; 3],
    pub rotate: bool,
    /// Constant external force added to the body (eV/Å or ε/σ), e.g. a polishing load.
    pub external_force: Vec3,
    mass: f64,
    com: Vec3,
    vcm: Vec3,
    angmom: Vec3,
    /// Rotation matrix (rows) from the body frame at the start to now.
    q: [Vec3; 3],
    /// Member displacements from the centre of mass at the start.
    body: Vec<Vec3>,
    /// Inertia tensor in the start frame.
    inertia0: [Vec3; 3],
    force: Vec3,
    torque: Vec3,
    started: bool,
}

fn matvec(m: &[Vec3; 3], v: Vec3) -> Vec3 {
    [0, 1, 2].map(|r| m[r][0] * v[0] + m[r][1] * v[1] + m[r][2] * v[2])
}
fn matmul(a: &[Vec3; 3], b: &[Vec3; 3]) -> [Vec3; 3] {
    [0, 1, 2].map(|r| [0, 1, 2].map(|c| a[r][0] * b[0][c] + a[r][1] * b[1][c] + a[r][2] * b[2][c]))
}
fn transpose(a: &[Vec3; 3]) -> [Vec3; 3] {
    [0, 1, 2].map(|r| [0, 1, 2].map(|c| a[c][r]))
}
fn cross(a: Vec3, b: Vec3) -> Vec3 {
    [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]
}
/// Solves I ω = L for a symmetric positive semi-definite 3×3 I (zero where singular, e.g. a line of atoms).
fn solve3(m: &[Vec3; 3], b: Vec3) -> Vec3 {
    let det = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
        + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
    let scale = m[0][0] + m[1][1] + m[2][2];
    if det.abs() <= 1e-12 * scale * scale * scale || scale == 0.0 {
        return [0.0; 3];
    }
    let inv = [
        [m[1][1] * m[2][2] - m[1][2] * m[2][1], m[0][2] * m[2][1] - m[0][1] * m[2][2], m[0][1] * m[1][2] - m[0][2] * m[1][1]],
        [m[1][2] * m[2][0] - m[1][0] * m[2][2], m[0][0] * m[2][2] - m[0][2] * m[2][0], m[0][2] * m[1][0] - m[0][0] * m[1][2]],
        [m[1][0] * m[2][1] - m[1][1] * m[2][0], m[0][1] * m[2][0] - m[0][0] * m[2][1], m[0][0] * m[1][1] - m[0][1] * m[1][0]],
    ];
    matvec(&inv, b).map(|x| x / det)
}
/// Rotation matrix for a rotation vector (axis × angle), Rodrigues' formula.
fn rotation(w: Vec3) -> [Vec3; 3] {
    let th = (w[0] * w[0] + w[1] * w[1] + w[2] * w[2]).sqrt();
    if th == 0.0 {
        return [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];
    }
    let k = w.map(|x| x / th);
    let (s, c) = th.sin_cos();
    let t = 1.0 - c;
    [
        [c + k[0] * k[0] * t, k[0] * k[1] * t - k[2] * s, k[0] * k[2] * t + k[1] * s],
        [k[1] * k[0] * t + k[2] * s, c + k[1] * k[1] * t, k[1] * k[2] * t - k[0] * s],
        [k[2] * k[0] * t - k[1] * s, k[2] * k[1] * t + k[0] * s, c + k[2] * k[2] * t],
    ]
}

/// A rigid body's members (indices), mass (amu), centre of mass (Å, unwrapped) and member offsets from it.
struct BodyFrame {
    members: Vec<usize>,
    mass: f64,
    com: Vec3,
    offsets: Vec<Vec3>,
}

fn body_frame(s: &System, bit: u32, fix: &str) -> Result<BodyFrame> {
    let members: Vec<usize> = self::members(s, bit).collect();
    if members.is_empty() {
        return Err(crate::MdError::Config(format!("fix {fix}: its group has no atoms")));
    }
    let mut mass = 0.0;
    let mut c = [0.0; 3];
    for &i in &members {
        let mi = s.mass(i);
        let r = s.unwrapped_position(i);
        mass += mi;
        for a in 0..3 {
            c[a] += mi * r[a];
        }
    }
    let com = c.map(|x| x / mass);
    let offsets = members.iter().map(|&i| {
        let r = s.unwrapped_position(i);
        [r[0] - com[0], r[1] - com[1], r[2] - com[2]]
    }).collect();
    Ok(BodyFrame { members, mass, com, offsets })
}

/// Sets the members of group `bit` to origin + q·offset (positions only when asked, folded back by each
/// atom's image) and velocity vcm + ω × (q·offset).
fn place_body(s: &mut System, bit: u32, offsets: &[Vec3], q: &[Vec3; 3], origin: Vec3, vcm: Vec3, omega: Vec3, positions: bool) {
    let mut k = 0;
    for i in 0..s.len() {
        if s.group_mask[i] & bit == 0 {
            continue;
        }
        let d = matvec(q, offsets[k]);
        if positions {
            let img = s.images[i];
            let shift = s.cell.fractional_to_vector([img[0] as f64, img[1] as f64, img[2] as f64]);
            s.positions[i] = [0, 1, 2].map(|a| origin[a] + d[a] - shift[a]);
        }
        let wd = cross(omega, d);
        s.velocities[i] = [0, 1, 2].map(|a| vcm[a] + wd[a]);
        k += 1;
    }
}

impl Rigid {
    pub fn new(bit: u32, translate: [bool; 3], rotate: bool, external_force: Vec3) -> Rigid {
        Rigid {
            bit,
            translate,
            rotate,
            external_force,
            mass: 0.0,
            com: [0.0; 3],
            vcm: [0.0; 3],
            angmom: [0.0; 3],
            q: [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]],
            body: Vec::new(),
            inertia0: [[0.0; 3]; 3],
            force: [0.0; 3],
            torque: [0.0; 3],
            started: false,
        }
    }

    fn omega(&self) -> Vec3 {
        if !self.rotate {
            return [0.0; 3];
        }
        // I(t) = Q I₀ Qᵀ.
        let i_now = matmul(&matmul(&self.q, &self.inertia0), &transpose(&self.q));
        solve3(&i_now, self.angmom)
    }

    /// Sets member positions and velocities from the body state.
    fn place(&self, ctx: &mut FixContext, positions: bool) {
        place_body(ctx.system, self.bit, &self.body, &self.q, self.com, self.vcm, self.omega(), positions);
    }

    fn kick(&mut self, ctx: &FixContext) {
        let dtf = 0.5 * ctx.dt * ctx.consts.ftm2v;
        for a in 0..3 {
            if self.translate[a] {
                self.vcm[a] += dtf * self.force[a] / self.mass;
            }
        }
        if self.rotate {
            // dL/dt = τ (energy units); ftm2v converts energy to mass·velocity² per time consistently.
            for a in 0..3 {
                self.angmom[a] += dtf * self.torque[a];
            }
        }
    }
}

impl Fix for Rigid {
    fn name(&self) -> &str {
        "rigid"
    }
    fn owned_group(&self) -> u32 {
        self.bit
    }
    fn setup(&mut self, ctx: &mut FixContext) -> Result<()> {
        if self.started {
            return Ok(());
        }
        let s = &*ctx.system;
        let BodyFrame { members: idx, mass: m, com, offsets } = body_frame(s, self.bit, "rigid")?;
        let mut p = [0.0; 3];
        for &i in &idx {
            let mi = s.mass(i);
            for a in 0..3 {
                p[a] += mi * s.velocities[i][a];
            }
        }
        self.mass = m;
        self.com = com;
        self.vcm = [0, 1, 2].map(|a| if self.translate[a] { p[a] / m } else { 0.0 });
        self.body = offsets;
        let mut inertia = [[0.0; 3]; 3];
        let mut l = [0.0; 3];
        for (k, &i) in idx.iter().enumerate() {
            let d = self.body[k];
            let mi = s.mass(i);
            let r2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
            for a in 0..3 {
                for b in 0..3 {
                    inertia[a][b] += mi * (if a == b { r2 } else { 0.0 } - d[a] * d[b]);
                }
            }
            let v = s.velocities[i];
            let rel = [v[0] - self.vcm[0], v[1] - self.vcm[1], v[2] - self.vcm[2]];
            let lc = cross(d, rel);
            for a in 0..3 {
                l[a] += mi * lc[a];
            }
        }
        self.inertia0 = inertia;
        self.angmom = if self.rotate { l } else { [0.0; 3] };
        self.started = true;
        self.place(ctx, false);
        Ok(())
    }
    fn initial_integrate(&mut self, ctx: &mut FixContext) {
        self.kick(ctx);
        for a in 0..3 {
            self.com[a] += ctx.dt * self.vcm[a];
        }
        if self.rotate {
            let w = self.omega();
            self.q = matmul(&rotation(w.map(|x| x * ctx.dt)), &self.q);
        }
    }
    fn post_integrate(&mut self, ctx: &mut FixContext) {
        self.place(ctx, true);
    }
    fn post_force(&mut self, ctx: &mut FixContext) {
        let s = &*ctx.system;
        let mut f = self.external_force;
        let mut t = [0.0; 3];
        let mut k = 0;
        for i in 0..s.len() {
            if s.group_mask[i] & self.bit == 0 {
                continue;
            }
            let fi = s.forces[i];
            let d = matvec(&self.q, self.body[k]);
            let ti = cross(d, fi);
            for a in 0..3 {
                f[a] += fi[a];
                t[a] += ti[a];
            }
            k += 1;
        }
        self.force = f;
        self.torque = t;
    }
    fn end_of_step(&mut self, ctx: &mut FixContext) {
        self.kick(ctx);
        self.place(ctx, false);
    }
    fn thermo_columns(&self) -> Vec<String> {
        ["x", "y", "z"].iter().map(|a| format!("rigid_com_{a}")).collect()
    }
    fn thermo_values(&self) -> Vec<f64> {
        self.com.to_vec()
    }
    fn save(&self, e: &mut Enc) {
        e.f64(self.mass);
        e.vec3s(&[self.com, self.vcm, self.angmom, self.force, self.torque]);
        e.vec3s(&self.q);
        e.vec3s(&self.inertia0);
        e.vec3s(&self.body);
    }
    fn load(&mut self, d: &mut Dec) -> std::result::Result<(), Truncated> {
        self.mass = d.f64("rigid mass")?;
        let v = d.vec3s("rigid state")?;
        let q = d.vec3s("rigid orientation")?;
        let i0 = d.vec3s("rigid inertia")?;
        if v.len() != 5 || q.len() != 3 || i0.len() != 3 {
            return Err(Truncated("rigid state"));
        }
        (self.com, self.vcm, self.angmom, self.force, self.torque) = (v[0], v[1], v[2], v[3], v[4]);
        self.q = [q[0], q[1], q[2]];
        self.inertia0 = [i0[0], i0[1], i0[2]];
        self.body = d.vec3s("rigid body")?;
        self.started = true;
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------------------

/// Target temperature from `start` to `stop` over the run (K or ε/k_B).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ramp {
    pub start: f64,
    pub stop: f64,
}

impl Ramp {
    fn at(&self, delta: f64) -> f64 {
        self.start + delta * (self.stop - self.start)
    }
}

/// Nosé–Hoover chain thermostat on a group, as LAMMPS `fix nvt temp T0 T1 Tdamp` (tchain 3, tloop 1).
/// It scales the group's velocities half a step before the first and after the second half kick.
pub struct NoseHoover {
    pub bit: u32,
    pub target: Ramp,
    /// Damping time (ps or τ).
    pub damp: f64,
    chain: usize,
    eta: Vec<f64>,
    eta_dot: Vec<f64>,
    eta_dotdot: Vec<f64>,
    eta_mass: Vec<f64>,
    t_current: f64,
    t_target: f64,
    tdof: f64,
    boltz: f64,
}

impl NoseHoover {
    pub fn new(bit: u32, target: Ramp, damp: f64, chain: usize) -> NoseHoover {
        let chain = chain.max(1);
        NoseHoover {
            bit,
            target,
            damp,
            chain,
            eta: vec![0.0; chain],
            eta_dot: vec![0.0; chain + 1],
            eta_dotdot: vec![0.0; chain],
            eta_mass: vec![0.0; chain],
            t_current: 0.0,
            t_target: target.start,
            tdof: 0.0,
            boltz: 0.0,
        }
    }

    fn group_temperature(&mut self, s: &System, c: &Constants) -> f64 {
        let (mv2, n) = crate::velocity::mv2(s, self.bit);
        self.tdof = crate::velocity::dof(n);
        if self.tdof > 0.0 {
            mv2 * (c.mvv2e / (self.tdof * c.boltzmann))
        } else {
            0.0
        }
    }

    fn integrate(&mut self, ctx: &mut FixContext) {
        let boltz = ctx.consts.boltzmann;
        let t_freq = 1.0 / self.damp;
        let (dthalf, dt4, dt8) = (0.5 * ctx.dt, 0.25 * ctx.dt, 0.125 * ctx.dt);
        let m = self.chain;
        let ke_target = self.tdof * boltz * self.t_target;
        let mut kecurrent = self.tdof * boltz * self.t_current;
        self.eta_mass[0] = self.tdof * boltz * self.t_target / (t_freq * t_freq);
        for ich in 1..m {
            self.eta_mass[ich] = boltz * self.t_target / (t_freq * t_freq);
        }
        self.eta_dotdot[0] = if self.eta_mass[0] > 0.0 { (kecurrent - ke_target) / self.eta_mass[0] } else { 0.0 };
        for ich in (1..m).rev() {
            let expfac = (-dt8 * self.eta_dot[ich + 1]).exp();
            self.eta_dot[ich] *= expfac;
            self.eta_dot[ich] += self.eta_dotdot[ich] * dt4;
            self.eta_dot[ich] *= expfac;
        }
        let expfac = (-dt8 * self.eta_dot[1]).exp();
        self.eta_dot[0] *= expfac;
        self.eta_dot[0] += self.eta_dotdot[0] * dt4;
        self.eta_dot[0] *= expfac;
        let factor = (-dthalf * self.eta_dot[0]).exp();
        let s = &mut *ctx.system;
        for (v, &mk) in s.velocities.iter_mut().zip(&s.group_mask) {
            if mk & self.bit != 0 {
                v[0] *= factor;
                v[1] *= factor;
                v[2] *= factor;
            }
        }
        self.t_current *= factor * factor;
        kecurrent = self.tdof * boltz * self.t_current;
        self.eta_dotdot[0] = if self.eta_mass[0] > 0.0 { (kecurrent - ke_target) / self.eta_mass[0] } else { 0.0 };
        for ich in 0..m {
            self.eta[ich] += dthalf * self.eta_dot[ich];
        }
        self.eta_dot[0] *= expfac;
        self.eta_dot[0] += self.eta_dotdot[0] * dt4;
        self.eta_dot[0] *= expfac;
        for ich in 1..m {
            let expfac = (-dt8 * self.eta_dot[ich + 1]).exp();
            self.eta_dot[ich] *= expfac;
            self.eta_dotdot[ich] = (self.eta_mass[ich - 1] * self.eta_dot[ich - 1] * self.eta_dot[ich - 1]
                - boltz * self.t_target)
                / self.eta_mass[ich];
            self.eta_dot[ich] += self.eta_dotdot[ich] * dt4;
            self.eta_dot[ich] *= expfac;
        }
    }
}

impl Fix for NoseHoover {
    fn name(&self) -> &str {
        "nose_hoover"
    }
    fn setup(&mut self, ctx: &mut FixContext) -> Result<()> {
        let c = ctx.consts;
        self.boltz = c.boltzmann;
        self.t_current = self.group_temperature(ctx.system, &c);
        self.t_target = self.target.at(ctx.ramp());
        let boltz = c.boltzmann;
        let t_freq = 1.0 / self.damp;
        self.eta_mass[0] = self.tdof * boltz * self.t_target / (t_freq * t_freq);
        for ich in 1..self.chain {
            self.eta_mass[ich] = boltz * self.t_target / (t_freq * t_freq);
        }
        for ich in 1..self.chain {
            self.eta_dotdot[ich] = (self.eta_mass[ich - 1] * self.eta_dot[ich - 1] * self.eta_dot[ich - 1]
                - boltz * self.t_target)
                / self.eta_mass[ich];
        }
        Ok(())
    }
    fn initial_integrate(&mut self, ctx: &mut FixContext) {
        // LAMMPS sets the target at the start of each step: delta = (step − begin)/(end − begin).
        self.t_target = self.target.at(ctx.ramp());
        self.integrate(ctx);
    }
    fn end_of_step(&mut self, ctx: &mut FixContext) {
        let c = ctx.consts;
        self.t_current = self.group_temperature(ctx.system, &c);
        self.integrate(ctx);
    }
    fn energy_coupling(&self) -> f64 {
        // LAMMPS FixNH::compute_scalar, thermostat part.
        let boltz = self.boltz;
        let ke_target = self.tdof * boltz * self.t_target;
        let mut e = ke_target * self.eta[0] + 0.5 * self.eta_mass[0] * self.eta_dot[0] * self.eta_dot[0];
        for ich in 1..self.chain {
            e += boltz * self.t_target * self.eta[ich] + 0.5 * self.eta_mass[ich] * self.eta_dot[ich] * self.eta_dot[ich];
        }
        e
    }
    fn save(&self, e: &mut Enc) {
        e.f64s(&self.eta);
        e.f64s(&self.eta_dot);
        e.f64s(&self.eta_dotdot);
        e.f64s(&self.eta_mass);
        e.f64s(&[self.t_current, self.t_target, self.tdof]);
    }
    fn load(&mut self, d: &mut Dec) -> std::result::Result<(), Truncated> {
        self.eta = d.f64s("eta")?;
        self.eta_dot = d.f64s("eta_dot")?;
        self.eta_dotdot = d.f64s("eta_dotdot")?;
        self.eta_mass = d.f64s("eta_mass")?;
        let t = d.f64s("nose-hoover temperatures")?;
        if self.eta.len() != self.chain || self.eta_dot.len() != self.chain + 1 || t.len() != 3 {
            return Err(Truncated("nose-hoover chain length"));
        }
        (self.t_current, self.t_target, self.tdof) = (t[0], t[1], t[2]);
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------------------

/// Langevin thermostat on a group, as LAMMPS `fix langevin T0 T1 damp seed`: friction −m v/damp plus a
/// uniform random force of matching variance, added after the force evaluation.
pub struct Langevin {
    pub bit: u32,
    pub target: Ramp,
    /// Damping time (ps or τ).
    pub damp: f64,
    rng: rand_xoshiro::Xoshiro256PlusPlus,
    /// Energy removed from the atoms so far (eV or ε), for the conserved quantity.
    removed: f64,
    /// Langevin forces of the last step, per member (for the energy tally).
    last: Vec<Vec3>,
}

impl Langevin {
    pub fn new(bit: u32, target: Ramp, damp: f64, seed: u64) -> Langevin {
        use rand::SeedableRng;
        Langevin { bit, target, damp, rng: rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(seed), removed: 0.0, last: Vec::new() }
    }
}

impl Fix for Langevin {
    fn name(&self) -> &str {
        "langevin"
    }
    fn post_force(&mut self, ctx: &mut FixContext) {
        use rand::Rng;
        let c = ctx.consts;
        let t = self.target.at(ctx.ramp());
        let tsqrt = t.max(0.0).sqrt();
        let masses: Vec<f64> = ctx.system.species.iter().map(|s| s.mass).collect();
        let s = &mut *ctx.system;
        self.last.clear();
        for i in 0..s.len() {
            if s.group_mask[i] & self.bit == 0 {
                continue;
            }
            let m = masses[s.species_index[i] as usize];
            let gamma1 = -m / self.damp / c.ftm2v;
            let gamma2 = m.sqrt() * (24.0 * c.boltzmann / self.damp / ctx.dt / c.mvv2e).sqrt() / c.ftm2v * tsqrt;
            let v = s.velocities[i];
            let mut fl = [0.0; 3];
            for a in 0..3 {
                fl[a] = gamma1 * v[a] + gamma2 * (self.rng.gen::<f64>() - 0.5);
                s.forces[i][a] += fl[a];
            }
            self.last.push(fl);
        }
    }
    fn end_of_step(&mut self, ctx: &mut FixContext) {
        // Work done by the Langevin forces this step ≈ Σ f·v dt (v at the end of the step).
        let s = &*ctx.system;
        let mut w = 0.0;
        let mut k = 0;
        for i in 0..s.len() {
            if s.group_mask[i] & self.bit == 0 {
                continue;
            }
            let (f, v) = (self.last[k], s.velocities[i]);
            w += f[0] * v[0] + f[1] * v[1] + f[2] * v[2];
            k += 1;
        }
        self.removed += w * ctx.dt;
    }
    fn energy_coupling(&self) -> f64 {
        -self.removed
    }
    fn save(&self, e: &mut Enc) {
        e.str(&serde_json::to_string(&self.rng).expect("rng state serialises"));
        e.f64(self.removed);
    }
    fn load(&mut self, d: &mut Dec) -> std::result::Result<(), Truncated> {
        self.rng = serde_json::from_str(&d.str("langevin rng")?).map_err(|_| Truncated("langevin rng"))?;
        self.removed = d.f64("langevin energy")?;
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------------------

/// Berendsen weak-coupling thermostat on a group, as LAMMPS `fix temp/berendsen T0 T1 damp`.
pub struct Berendsen {
    pub bit: u32,
    pub target: Ramp,
    pub damp: f64,
    removed: f64,
}

impl Berendsen {
    pub fn new(bit: u32, target: Ramp, damp: f64) -> Berendsen {
        Berendsen { bit, target, damp, removed: 0.0 }
    }
}

impl Fix for Berendsen {
    fn name(&self) -> &str {
        "berendsen"
    }
    fn end_of_step(&mut self, ctx: &mut FixContext) {
        let c = ctx.consts;
        let t_current = crate::velocity::temperature(ctx.system, self.bit);
        if t_current == 0.0 {
            return;
        }
        let t_target = self.target.at(ctx.ramp());
        let lamda = (1.0 + ctx.dt / self.damp * (t_target / t_current - 1.0)).sqrt();
        let n = count(ctx.system, self.bit);
        let ke = 0.5 * crate::velocity::dof(n) * c.boltzmann * t_current;
        self.removed += ke * (1.0 - lamda * lamda);
        let s = &mut *ctx.system;
        for (v, &m) in s.velocities.iter_mut().zip(&s.group_mask) {
            if m & self.bit != 0 {
                v[0] *= lamda;
                v[1] *= lamda;
                v[2] *= lamda;
            }
        }
    }
    fn energy_coupling(&self) -> f64 {
        self.removed
    }
    fn save(&self, e: &mut Enc) {
        e.f64(self.removed);
    }
    fn load(&mut self, d: &mut Dec) -> std::result::Result<(), Truncated> {
        self.removed = d.f64("berendsen energy")?;
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------------------

/// Records the potential force on a group (the cutting/thrust force on a tool) every `every` steps:
/// the instantaneous value and the mean over the steps since the last record, as CSV lines.
pub struct RecordForce {
    pub bit: u32,
    pub group: String,
    pub every: u64,
    pub file: String,
    sum: Vec3,
    samples: u64,
    pending: Vec<String>,
}

impl RecordForce {
    pub fn new(bit: u32, group: &str, every: u64, file: &str) -> RecordForce {
        RecordForce { bit, group: group.into(), every: every.max(1), file: file.into(), sum: [0.0; 3], samples: 0, pending: Vec::new() }
    }
}

impl Fix for RecordForce {
    fn name(&self) -> &str {
        "record_force"
    }
    fn end_of_step(&mut self, ctx: &mut FixContext) {
        let f = ctx.raw_group_force(self.bit).unwrap_or([f64::NAN; 3]);
        for a in 0..3 {
            self.sum[a] += f[a];
        }
        self.samples += 1;
        if ctx.step % self.every == 0 {
            let n = self.samples as f64;
            self.pending.push(format!(
                "{},{},{},{},{},{},{},{}",
                ctx.step,
                ctx.step as f64 * ctx.dt,
                f[0],
                f[1],
                f[2],
                self.sum[0] / n,
                self.sum[1] / n,
                self.sum[2] / n
            ));
            self.sum = [0.0; 3];
            self.samples = 0;
        }
    }
    fn output_file(&self) -> Option<(String, String)> {
        Some((self.file.clone(), "step,time,fx,fy,fz,fx_mean,fy_mean,fz_mean".into()))
    }
    fn take_output(&mut self) -> Option<(String, Vec<String>)> {
        if self.pending.is_empty() {
            return None;
        }
        Some((self.file.clone(), std::mem::take(&mut self.pending)))
    }
    fn save(&self, e: &mut Enc) {
        e.vec3s(&[self.sum]);
        e.u64(self.samples);
    }
    fn load(&mut self, d: &mut Dec) -> std::result::Result<(), Truncated> {
        let s = d.vec3s("force sum")?;
        self.sum = *s.first().ok_or(Truncated("force sum"))?;
        self.samples = d.u64("force samples")?;
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------------------

/// A rigid, non-deforming body (an indenter or abrasive particle) whose centre of mass follows a
/// prescribed motion (`velocity` + piecewise-linear `path` + vibration) on the driven axes and moves under the summed
/// atom force plus an external `load` and a viscous damping −M v/τ on the `free` axes — load control, as
/// a rigid indenter with a constant added force (LAMMPS fix rigid + fix addforce + viscous on the body).
/// The load rises linearly over `load_ramp` (ps) to avoid an impact. `spin` (rad/ps) turns the body
/// about its centre of mass at a constant rate (a rolling abrasive).
pub struct Driven {
    pub bit: u32,
    /// Prescribed motion of the driven axes (the free axes' parts are ignored).
    pub motion: Motion,
    pub free: [bool; 3],
    /// External force on the body on the free axes (eV/Å or ε/σ).
    pub load: Vec3,
    pub load_ramp: f64,
    /// Damping time τ of the free axes (ps or τ); 0 = undamped.
    pub damp: f64,
    /// Angular velocity (rad/ps or rad/τ).
    pub spin: Vec3,
    /// Until this time (ps or τ) the free axes follow the prescribed motion too (held, e.g. while the
    /// workpiece equilibrates); their dynamics and the load ramp start then. 0 = from the start.
    pub release: f64,
    start_step: u64,
    started: bool,
    mass: f64,
    com0: Vec3,
    /// Member displacements from the centre of mass at the start (unwrapped), in member order.
    body: Vec<Vec3>,
    /// Displacement and velocity of the free axes.
    u: Vec3,
    v: Vec3,
    force: Vec3,
    /// Centre-of-mass displacement from the start at the last completed step.
    disp: Vec3,
}

impl Driven {
    pub fn new(bit: u32, motion: Motion, free: [bool; 3], load: Vec3, load_ramp: f64, damp: f64, spin: Vec3) -> Driven {
        Driven {
            bit,
            motion,
            free,
            load,
            load_ramp,
            damp,
            spin,
            release: 0.0,
            start_step: 0,
            started: false,
            mass: 0.0,
            com0: [0.0; 3],
            body: Vec::new(),
            u: [0.0; 3],
            v: [0.0; 3],
            force: [0.0; 3],
            disp: [0.0; 3],
        }
    }

    fn time(&self, ctx: &FixContext) -> f64 {
        (ctx.step - self.start_step) as f64 * ctx.dt
    }

    /// Centre-of-mass displacement and velocity at time t.
    fn com_motion(&self, t: f64) -> (Vec3, Vec3) {
        let (d, v) = self.motion.at(t);
        let free = |a: usize| self.free[a] && !self.held(t);
        ([0, 1, 2].map(|a| if free(a) { self.u[a] } else { d[a] }), [0, 1, 2].map(|a| if free(a) { self.v[a] } else { v[a] }))
    }

    /// Whether the free axes are still held on the prescribed motion at time t.
    fn held(&self, t: f64) -> bool {
        t < self.release
    }

    fn place(&self, ctx: &mut FixContext, positions: bool) {
        let t = self.time(ctx);
        let (d, vcm) = self.com_motion(t);
        let q = rotation(self.spin.map(|w| w * t));
        let origin = [0, 1, 2].map(|a| self.com0[a] + d[a]);
        place_body(ctx.system, self.bit, &self.body, &q, origin, vcm, self.spin, positions);
    }

    fn kick(&mut self, ctx: &FixContext) {
        let dtf = 0.5 * ctx.dt * ctx.consts.ftm2v;
        for a in 0..3 {
            if self.free[a] {
                self.v[a] += dtf * self.force[a] / self.mass;
            }
        }
    }
}

impl Fix for Driven {
    fn name(&self) -> &str {
        "driven"
    }
    fn owned_group(&self) -> u32 {
        self.bit
    }
    fn setup(&mut self, ctx: &mut FixContext) -> Result<()> {
        if !self.started {
            let frame = body_frame(ctx.system, self.bit, "driven")?;
            self.mass = frame.mass;
            self.com0 = frame.com;
            self.body = frame.offsets;
            self.start_step = ctx.step;
            self.started = true;
        }
        self.place(ctx, false);
        Ok(())
    }
    fn initial_integrate(&mut self, ctx: &mut FixContext) {
        let t = self.time(ctx);
        if self.held(t) {
            // Free axes ride on the prescribed motion until released, so they start from where it left them.
            let (d, v) = self.motion.at(t);
            for a in 0..3 {
                if self.free[a] {
                    (self.u[a], self.v[a]) = (d[a], v[a]);
                }
            }
            return;
        }
        self.kick(ctx);
        for a in 0..3 {
            if self.free[a] {
                self.u[a] += ctx.dt * self.v[a];
            }
        }
    }
    fn post_integrate(&mut self, ctx: &mut FixContext) {
        self.place(ctx, true);
    }
    fn post_force(&mut self, ctx: &mut FixContext) {
        let t = self.time(ctx);
        let ramp = if self.load_ramp > 0.0 { ((t - self.release) / self.load_ramp).min(1.0) } else { 1.0 };
        let active = !self.held(t);
        let mut f = [0.0; 3];
        for (fi, &m) in ctx.system.forces.iter().zip(&ctx.system.group_mask) {
            if m & self.bit != 0 {
                for a in 0..3 {
                    f[a] += fi[a];
                }
            }
        }
        for a in 0..3 {
            // The damping uses the half-step velocity: first order in dt, enough for a quasi-static indenter.
            let drag = if self.damp > 0.0 { self.mass * self.v[a] / (self.damp * ctx.consts.ftm2v) } else { 0.0 };
            self.force[a] = if self.free[a] && active { f[a] + ramp * self.load[a] - drag } else { 0.0 };
        }
    }
    fn end_of_step(&mut self, ctx: &mut FixContext) {
        if !self.held(self.time(ctx)) {
            self.kick(ctx);
        }
        self.place(ctx, false);
        self.disp = self.com_motion(self.time(ctx)).0;
    }
    fn thermo_columns(&self) -> Vec<String> {
        ["x", "y", "z"].iter().map(|a| format!("driven_d{a}")).collect()
    }
    fn thermo_values(&self) -> Vec<f64> {
        // Displacement of the centre of mass from its start (Å or σ).
        self.disp.to_vec()
    }
    fn save(&self, e: &mut Enc) {
        e.u64(self.start_step);
        e.f64(self.mass);
        e.vec3s(&[self.com0, self.u, self.v, self.force, self.disp]);
        e.vec3s(&self.body);
    }
    fn load(&mut self, d: &mut Dec) -> std::result::Result<(), Truncated> {
        self.start_step = d.u64("driven start")?;
        self.mass = d.f64("driven mass")?;
        let v = d.vec3s("driven state")?;
        if v.len() != 5 {
            return Err(Truncated("driven state"));
        }
        (self.com0, self.u, self.v, self.force, self.disp) = (v[0], v[1], v[2], v[3], v[4]);
        self.body = d.vec3s("driven body")?;
        self.started = true;
        Ok(())
    }
}
