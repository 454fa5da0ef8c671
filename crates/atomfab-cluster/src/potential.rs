//! Cluster potentials: free boundaries, no cutoff, all pairs (O(N²)), analytic gradients.
//!
//! Units: each potential works in its own energy/length unit, named on the type: LJ in ε and σ (reduced LJ
//! units when ε = σ = 1), Morse in ε and r₀ (Cambridge Cluster Database convention), Gupta/RGL in eV and Å,
//! Sutton–Chen in ε and a (reduced when ε = a = 1).

use crate::error::ClusterError;
use serde::{Deserialize, Serialize};

/// Energy and gradient of a finite cluster.
pub trait ClusterPotential: Send + Sync {
    /// Total energy (energy unit) at `pos` (length unit); writes dE/dx (energy/length) into `grad`.
    fn energy_gradient(&self, pos: &[[f64; 3]], grad: &mut [[f64; 3]]) -> f64;
    /// Total energy only.
    fn energy(&self, pos: &[[f64; 3]]) -> f64;
    /// Energy of each atom (pair terms split half/half); sums to `energy`. Used to pick the weakest-bound atom.
    fn atom_energies(&self, pos: &[[f64; 3]], out: &mut [f64]);
    /// Equilibrium nearest-neighbour distance (length unit), used to scale moves and starting structures.
    fn nn_distance(&self) -> f64;
    /// An effective pair energy (energy unit) at distance `r` used only to rank lattice sites when seeding.
    fn seed_pair_energy(&self, r: f64) -> f64;
    /// Short name used in output (e.g. `lj`, `morse(rho=6)`).
    fn label(&self) -> String;
    /// Species index of each atom when atoms differ (swap moves exchange atoms of different species).
    fn species(&self) -> Option<&[u32]> {
        None
    }
    /// Metropolis temperature (energy unit) when the potential knows a better one than the search default.
    fn default_temperature(&self) -> Option<f64> {
        None
    }
}

/// Lennard-Jones 4ε[(σ/r)¹² − (σ/r)⁶]; energy in ε units of `epsilon`, length in units of `sigma`.
#[derive(Debug, Clone, Copy)]
pub struct LennardJones {
    pub epsilon: f64,
    pub sigma: f64,
}

impl LennardJones {
    /// Reduced units ε = σ = 1 (the Cambridge Cluster Database convention).
    pub fn reduced() -> Self {
        Self { epsilon: 1.0, sigma: 1.0 }
    }
}

impl ClusterPotential for LennardJones {
    fn energy_gradient(&self, pos: &[[f64; 3]], grad: &mut [[f64; 3]]) -> f64 {
        let s2 = self.sigma * self.sigma;
        let n = pos.len();
        for g in grad.iter_mut() {
            *g = [0.0; 3];
        }
        let mut e = 0.0;
        for i in 0..n {
            let pi = pos[i];
            let mut gi = [0.0; 3];
            for j in (i + 1)..n {
                let pj = pos[j];
                let dx = pi[0] - pj[0];
                let dy = pi[1] - pj[1];
                let dz = pi[2] - pj[2];
                let ir2 = 1.0 / (dx * dx + dy * dy + dz * dz);
                let s6 = (s2 * ir2) * (s2 * ir2) * (s2 * ir2);
                e += s6 * (s6 - 1.0);
                // (1/r) dE/dr / (4ε) = (−12 s12 + 6 s6)/r²
                let f = (6.0 * s6 - 12.0 * s6 * s6) * ir2;
                gi[0] += f * dx;
                gi[1] += f * dy;
                gi[2] += f * dz;
                let gj = &mut grad[j];
                gj[0] -= f * dx;
                gj[1] -= f * dy;
                gj[2] -= f * dz;
            }
            let g = &mut grad[i];
            g[0] += gi[0];
            g[1] += gi[1];
            g[2] += gi[2];
        }
        let c = 4.0 * self.epsilon;
        for g in grad.iter_mut() {
            g[0] *= c;
            g[1] *= c;
            g[2] *= c;
        }
        c * e
    }

    fn energy(&self, pos: &[[f64; 3]]) -> f64 {
        let s2 = self.sigma * self.sigma;
        let mut e = 0.0;
        for i in 0..pos.len() {
            for j in (i + 1)..pos.len() {
                let ir2 = 1.0 / dist2(pos[i], pos[j]);
                let s6 = (s2 * ir2).powi(3);
                e += s6 * (s6 - 1.0);
            }
        }
        4.0 * self.epsilon * e
    }

    fn atom_energies(&self, pos: &[[f64; 3]], out: &mut [f64]) {
        pair_atom_energies(pos, out, |r2| {
            let s6 = (self.sigma * self.sigma / r2).powi(3);
            4.0 * self.epsilon * s6 * (s6 - 1.0)
        });
    }

    fn nn_distance(&self) -> f64 {
        2f64.powf(1.0 / 6.0) * self.sigma
    }

    fn seed_pair_energy(&self, r: f64) -> f64 {
        let s6 = (self.sigma / r).powi(6);
        4.0 * self.epsilon * s6 * (s6 - 1.0)
    }

    fn label(&self) -> String {
        "lj".into()
    }
}

/// Morse ε e^{ρ(1−r/r₀)}(e^{ρ(1−r/r₀)} − 2), the form of the Cambridge Cluster Database (Doye & Wales);
/// ρ = 6 is close to LJ; energy in units of `epsilon`, length in units of `r0`.
#[derive(Debug, Clone, Copy)]
pub struct Morse {
    pub rho: f64,
    pub epsilon: f64,
    pub r0: f64,
}

impl ClusterPotential for Morse {
    fn energy_gradient(&self, pos: &[[f64; 3]], grad: &mut [[f64; 3]]) -> f64 {
        let n = pos.len();
        for g in grad.iter_mut() {
            *g = [0.0; 3];
        }
        let k = self.rho / self.r0;
        let mut e = 0.0;
        for i in 0..n {
            for j in (i + 1)..n {
                let d = sub(pos[i], pos[j]);
                let r = (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]).sqrt();
                let x = (self.rho - k * r).exp();
                e += x * (x - 2.0);
                // dV/dr = −2ρ/r₀ (x² − x)
                let f = -2.0 * k * (x * x - x) / r;
                for a in 0..3 {
                    grad[i][a] += f * d[a];
                    grad[j][a] -= f * d[a];
                }
            }
        }
        for g in grad.iter_mut() {
            for v in g.iter_mut() {
                *v *= self.epsilon;
            }
        }
        self.epsilon * e
    }

    fn energy(&self, pos: &[[f64; 3]]) -> f64 {
        let mut e = 0.0;
        for i in 0..pos.len() {
            for j in (i + 1)..pos.len() {
                e += self.seed_pair_energy(dist2(pos[i], pos[j]).sqrt());
            }
        }
        e
    }

    fn atom_energies(&self, pos: &[[f64; 3]], out: &mut [f64]) {
        pair_atom_energies(pos, out, |r2| self.seed_pair_energy(r2.sqrt()));
    }

    fn nn_distance(&self) -> f64 {
        self.r0
    }

    fn seed_pair_energy(&self, r: f64) -> f64 {
        let x = (self.rho * (1.0 - r / self.r0)).exp();
        self.epsilon * x * (x - 2.0)
    }

    fn label(&self) -> String {
        format!("morse(rho={})", self.rho)
    }
}

/// Gupta / RGL second-moment tight binding (Cleri & Rosato, PRB 48, 22 (1993)):
/// E = Σᵢ [ Σⱼ A e^{−p(rᵢⱼ/r₀−1)} − (Σⱼ ξ² e^{−2q(rᵢⱼ/r₀−1)})^{1/2} ]; energies in eV, lengths in Å.
#[derive(Debug, Clone, Copy)]
pub struct Gupta {
    pub a: f64,
    pub xi: f64,
    pub p: f64,
    pub q: f64,
    pub r0: f64,
}

impl Gupta {
    fn terms(&self, r: f64) -> (f64, f64) {
        let u = r / self.r0 - 1.0;
        (self.a * (-self.p * u).exp(), self.xi * self.xi * (-2.0 * self.q * u).exp())
    }
}

impl ClusterPotential for Gupta {
    fn energy_gradient(&self, pos: &[[f64; 3]], grad: &mut [[f64; 3]]) -> f64 {
        many_body_gradient(pos, grad, |r| {
            let (rep, dens) = self.terms(r);
            // repulsion counted once per ordered pair in Cleri–Rosato, i.e. twice per pair
            (2.0 * rep, -2.0 * self.p / self.r0 * rep, dens, -2.0 * self.q / self.r0 * dens)
        }, 1.0)
    }

    fn energy(&self, pos: &[[f64; 3]]) -> f64 {
        let mut out = vec![0.0; pos.len()];
        self.atom_energies(pos, &mut out);
        out.iter().sum()
    }

    fn atom_energies(&self, pos: &[[f64; 3]], out: &mut [f64]) {
        many_body_atom_energies(pos, out, |r| {
            let (rep, dens) = self.terms(r);
            (2.0 * rep, dens)
        }, 1.0);
    }

    fn nn_distance(&self) -> f64 {
        self.r0
    }

    fn seed_pair_energy(&self, r: f64) -> f64 {
        // a 12-coordinated atom's energy shared over its bonds: repulsion minus ξ·e^{−q u}/√12 per bond
        let u = r / self.r0 - 1.0;
        2.0 * self.a * (-self.p * u).exp() - 2.0 * self.xi * (-self.q * u).exp() / 12f64.sqrt()
    }

    fn label(&self) -> String {
        format!("gupta(A={},xi={},p={},q={},r0={})", self.a, self.xi, self.p, self.q, self.r0)
    }
}

/// Sutton–Chen: E = ε[ Σ_{i<j} (a/rᵢⱼ)ⁿ − c Σᵢ ρᵢ^{1/2} ], ρᵢ = Σⱼ (a/rᵢⱼ)ᵐ; energy in ε, length in a.
#[derive(Debug, Clone, Copy)]
pub struct SuttonChen {
    pub epsilon: f64,
    pub a: f64,
    pub c: f64,
    pub n: i32,
    pub m: i32,
}

impl ClusterPotential for SuttonChen {
    fn energy_gradient(&self, pos: &[[f64; 3]], grad: &mut [[f64; 3]]) -> f64 {
        let (n, m) = (self.n as f64, self.m as f64);
        let e = many_body_gradient(pos, grad, |r| {
            let rep = (self.a / r).powi(self.n);
            let dens = (self.a / r).powi(self.m);
            (rep, -n * rep / r, dens, -m * dens / r)
        }, self.c);
        for g in grad.iter_mut() {
            for v in g.iter_mut() {
                *v *= self.epsilon;
            }
        }
        e * self.epsilon
    }

    fn energy(&self, pos: &[[f64; 3]]) -> f64 {
        let mut out = vec![0.0; pos.len()];
        self.atom_energies(pos, &mut out);
        out.iter().sum()
    }

    fn atom_energies(&self, pos: &[[f64; 3]], out: &mut [f64]) {
        many_body_atom_energies(pos, out, |r| ((self.a / r).powi(self.n), (self.a / r).powi(self.m)), self.c);
        for v in out.iter_mut() {
            *v *= self.epsilon;
        }
    }

    fn nn_distance(&self) -> f64 {
        // bulk fcc nearest neighbours sit near a; clusters contract slightly
        self.a
    }

    fn seed_pair_energy(&self, r: f64) -> f64 {
        self.epsilon * ((self.a / r).powi(self.n) - self.c * (self.a / r).powi(self.m) / 12f64.sqrt())
    }

    fn label(&self) -> String {
        format!("sutton-chen(n={},m={},c={})", self.n, self.m, self.c)
    }
}

/// Second-moment many-body form: E = Σ_{i<j} φ(r) − c Σᵢ √ρᵢ, ρᵢ = Σⱼ ψ(rᵢⱼ).
/// `terms(r)` returns (φ, φ', ψ, ψ'). Writes the gradient, returns the energy.
fn many_body_gradient(
    pos: &[[f64; 3]],
    grad: &mut [[f64; 3]],
    terms: impl Fn(f64) -> (f64, f64, f64, f64),
    c: f64,
) -> f64 {
    let n = pos.len();
    for g in grad.iter_mut() {
        *g = [0.0; 3];
    }
    let mut rho = vec![0.0; n];
    let mut e_pair = 0.0;
    for i in 0..n {
        for j in (i + 1)..n {
            let r = dist2(pos[i], pos[j]).sqrt();
            let (phi, _, psi, _) = terms(r);
            e_pair += phi;
            rho[i] += psi;
            rho[j] += psi;
        }
    }
    let mut e_emb = 0.0;
    // d(−c√ρ)/dρ = −c/(2√ρ)
    let mut demb = vec![0.0; n];
    for i in 0..n {
        let s = rho[i].max(1e-300).sqrt();
        e_emb -= c * s;
        demb[i] = -0.5 * c / s;
    }
    for i in 0..n {
        for j in (i + 1)..n {
            let d = sub(pos[i], pos[j]);
            let r = (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]).sqrt();
            let (_, dphi, _, dpsi) = terms(r);
            let f = (dphi + (demb[i] + demb[j]) * dpsi) / r;
            for a in 0..3 {
                grad[i][a] += f * d[a];
                grad[j][a] -= f * d[a];
            }
        }
    }
    e_pair + e_emb
}

fn many_body_atom_energies(pos: &[[f64; 3]], out: &mut [f64], terms: impl Fn(f64) -> (f64, f64), c: f64) {
    let n = pos.len();
    let mut rho = vec![0.0; n];
    for v in out.iter_mut() {
        *v = 0.0;
    }
    for i in 0..n {
        for j in (i + 1)..n {
            let (phi, psi) = terms(dist2(pos[i], pos[j]).sqrt());
            out[i] += 0.5 * phi;
            out[j] += 0.5 * phi;
            rho[i] += psi;
            rho[j] += psi;
        }
    }
    for i in 0..n {
        out[i] -= c * rho[i].sqrt();
    }
}

fn pair_atom_energies(pos: &[[f64; 3]], out: &mut [f64], phi: impl Fn(f64) -> f64) {
    for v in out.iter_mut() {
        *v = 0.0;
    }
    for i in 0..pos.len() {
        for j in (i + 1)..pos.len() {
            let e = 0.5 * phi(dist2(pos[i], pos[j]));
            out[i] += e;
            out[j] += e;
        }
    }
}

#[inline]
pub(crate) fn sub(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}

#[inline]
pub(crate) fn dist2(a: [f64; 3], b: [f64; 3]) -> f64 {
    let d = sub(a, b);
    d[0] * d[0] + d[1] * d[1] + d[2] * d[2]
}

/// A potential chosen by name, as written on the command line or in a recipe:
/// `lj`, `lj:epsilon=…,sigma=…`, `morse:rho=6`, `gupta:A=…,xi=…,p=…,q=…,r0=…`, `gupta:Au`,
/// `sutton-chen:n=12,m=6,c=144.41` (alias `sc`, `sc:12-6`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PotentialSpec {
    pub kind: PotentialKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum PotentialKind {
    LennardJones { epsilon: f64, sigma: f64 },
    Morse { rho: f64, epsilon: f64, r0: f64 },
    Gupta { a: f64, xi: f64, p: f64, q: f64, r0: f64 },
    SuttonChen { epsilon: f64, a: f64, c: f64, n: i32, m: i32 },
    /// Any potential of the shared trait (`atomfab_potentials` spec string: `eam:…`, `eam/alloy:…`,
    /// `tersoff:…`, `hybrid:…`); metal units, per-atom species from the composition.
    Shared { spec: String },
}

/// Cleri & Rosato, PRB 48, 22 (1993), table I (eV, Å): A, ξ, p, q, r₀ (r₀ = bulk nearest-neighbour distance).
const GUPTA_PRESETS: &[(&str, [f64; 5])] = &[
    ("Cu", [0.0855, 1.224, 10.960, 2.278, 2.556]),
    ("Ag", [0.1028, 1.178, 10.928, 3.139, 2.889]),
    ("Au", [0.2061, 1.790, 10.229, 4.036, 2.884]),
    ("Ni", [0.0376, 1.070, 16.999, 1.189, 2.490]),
    ("Pd", [0.1746, 1.718, 10.867, 3.742, 2.751]),
    ("Pt", [0.2975, 2.695, 10.612, 4.004, 2.775]),
];

impl PotentialSpec {
    pub fn lj() -> Self {
        Self { kind: PotentialKind::LennardJones { epsilon: 1.0, sigma: 1.0 } }
    }

    pub fn parse(spec: &str) -> Result<Self, ClusterError> {
        let spec = spec.trim();
        // styles of the shared potential trait: checked (files read) here so that errors come before a search
        let style = spec.split_once(':').map_or(spec, |(a, _)| a).trim();
        if matches!(style, "eam" | "eam/alloy" | "eam/fs" | "tersoff" | "hybrid") {
            let pot = atomfab_potentials::from_spec(spec)
                .map_err(|e| ClusterError::Potential(format!("potential `{spec}`: {e}")))?;
            if pot.species().is_empty() {
                return Err(ClusterError::Potential(format!("potential `{spec}`: names no species")));
            }
            return Ok(Self { kind: PotentialKind::Shared { spec: spec.to_string() } });
        }
        let (name, rest) = match spec.split_once(':') {
            Some((a, b)) => (a.trim().to_ascii_lowercase(), b.trim()),
            None => (spec.to_ascii_lowercase(), ""),
        };
        let bad = |msg: String| ClusterError::Potential(format!("potential `{spec}`: {msg}"));
        let mut kv: Vec<(String, f64)> = Vec::new();
        let mut preset: Option<String> = None;
        for item in rest.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            match item.split_once('=') {
                Some((k, v)) => {
                    let x: f64 = v
                        .trim()
                        .parse()
                        .map_err(|_| bad(format!("expected a number for `{}`, found `{}`", k.trim(), v.trim())))?;
                    if !x.is_finite() {
                        return Err(bad(format!("`{}` must be finite, found `{}`", k.trim(), v.trim())));
                    }
                    kv.push((k.trim().to_string(), x));
                }
                None if preset.is_none() => preset = Some(item.to_string()),
                None => return Err(bad(format!("expected key=value, found `{item}`"))),
            }
        }
        let mut take = |keys: &[&str], default: Option<f64>| -> Result<f64, ClusterError> {
            for (i, (k, _)) in kv.iter().enumerate() {
                if keys.iter().any(|kk| kk.eq_ignore_ascii_case(k)) {
                    return Ok(kv.remove(i).1);
                }
            }
            default.ok_or_else(|| bad(format!("missing parameter `{}`", keys[0])))
        };
        let kind = match name.as_str() {
            "lj" | "lennard-jones" => {
                if preset.is_some() {
                    return Err(bad("lj takes epsilon=…,sigma=…".into()));
                }
                PotentialKind::LennardJones { epsilon: take(&["epsilon", "eps"], Some(1.0))?, sigma: take(&["sigma"], Some(1.0))? }
            }
            "morse" => {
                let rho_default = match &preset {
                    Some(p) => Some(p.parse::<f64>().map_err(|_| bad(format!("expected rho=…, found `{p}`")))?),
                    None => None,
                };
                PotentialKind::Morse {
                    rho: take(&["rho"], rho_default)?,
                    epsilon: take(&["epsilon", "eps"], Some(1.0))?,
                    r0: take(&["r0"], Some(1.0))?,
                }
            }
            "gupta" | "rgl" => {
                let base = match &preset {
                    Some(el) => Some(
                        GUPTA_PRESETS
                            .iter()
                            .find(|(n, _)| n.eq_ignore_ascii_case(el))
                            .map(|(_, v)| *v)
                            .ok_or_else(|| bad(format!("unknown Gupta preset `{el}` (known: Cu, Ag, Au, Ni, Pd, Pt)")))?,
                    ),
                    None => None,
                };
                let d = |i: usize| base.map(|b| b[i]);
                PotentialKind::Gupta {
                    a: take(&["A", "a"], d(0))?,
                    xi: take(&["xi"], d(1))?,
                    p: take(&["p"], d(2))?,
                    q: take(&["q"], d(3))?,
                    r0: take(&["r0"], d(4))?,
                }
            }
            "sutton-chen" | "sc" | "suttonchen" => {
                // Doye & Wales, New J. Chem. 22, 733 (1998): the three forms in the Cambridge Cluster Database
                let (n0, m0, c0) = match preset.as_deref() {
                    None | Some("12-6") => (12.0, 6.0, 144.41),
                    Some("9-6") => (9.0, 6.0, 33.178),
                    Some("10-8") => (10.0, 8.0, 34.408),
                    Some(p) => return Err(bad(format!("unknown Sutton–Chen preset `{p}` (known: 12-6, 9-6, 10-8)"))),
                };
                let n = take(&["n"], Some(n0))?;
                let m = take(&["m"], Some(m0))?;
                if n.fract() != 0.0 || m.fract() != 0.0 || n < 1.0 || m < 1.0 || n > 30.0 || m > 30.0 {
                    return Err(bad("n and m must be integers in 1..=30".into()));
                }
                PotentialKind::SuttonChen {
                    epsilon: take(&["epsilon", "eps"], Some(1.0))?,
                    a: take(&["a"], Some(1.0))?,
                    c: take(&["c"], Some(c0))?,
                    n: n as i32,
                    m: m as i32,
                }
            }
            other => {
                return Err(ClusterError::Potential(format!(
                    "unknown potential `{other}` (expected lj, morse, gupta, sutton-chen, or a shared spec eam:…, eam/alloy:…, tersoff:…, hybrid:…)"
                )))
            }
        };
        if let Some((k, _)) = kv.first() {
            return Err(bad(format!("unknown parameter `{k}`")));
        }
        let s = Self { kind };
        s.validate().map_err(|m| bad(m))?;
        Ok(s)
    }

    fn validate(&self) -> Result<(), String> {
        let pos = |name: &str, v: f64| {
            if v.is_finite() && v > 0.0 {
                Ok(())
            } else {
                Err(format!("`{name}` must be a positive finite number, found {v}"))
            }
        };
        match self.kind {
            PotentialKind::LennardJones { epsilon, sigma } => {
                pos("epsilon", epsilon)?;
                pos("sigma", sigma)
            }
            PotentialKind::Morse { rho, epsilon, r0 } => {
                pos("rho", rho)?;
                pos("epsilon", epsilon)?;
                pos("r0", r0)
            }
            PotentialKind::Gupta { a, xi, p, q, r0 } => {
                pos("A", a)?;
                pos("xi", xi)?;
                pos("p", p)?;
                pos("q", q)?;
                pos("r0", r0)?;
                if p <= q {
                    return Err(format!("Gupta needs p > q for a bound dimer, found p={p}, q={q}"));
                }
                Ok(())
            }
            PotentialKind::SuttonChen { epsilon, a, c, n, m } => {
                pos("epsilon", epsilon)?;
                pos("a", a)?;
                pos("c", c)?;
                if 2 * n <= m {
                    return Err(format!("Sutton–Chen needs n > m/2 for a bound dimer, found n={n}, m={m}"));
                }
                Ok(())
            }
            PotentialKind::Shared { .. } => Ok(()),
        }
    }

    /// Build a single-species (built-in) potential object; None for a shared-trait spec, which needs the
    /// composition ([`PotentialSpec::build_for`]).
    pub fn build(&self) -> Option<Box<dyn ClusterPotential>> {
        Some(match self.kind {
            PotentialKind::LennardJones { epsilon, sigma } => Box::new(LennardJones { epsilon, sigma }),
            PotentialKind::Morse { rho, epsilon, r0 } => Box::new(Morse { rho, epsilon, r0 }),
            PotentialKind::Gupta { a, xi, p, q, r0 } => Box::new(Gupta { a, xi, p, q, r0 }),
            PotentialKind::SuttonChen { epsilon, a, c, n, m } => Box::new(SuttonChen { epsilon, a, c, n, m }),
            PotentialKind::Shared { .. } => return None,
        })
    }

    /// Species names the potential knows (shared-trait specs), empty for the built-in single-species ones.
    pub fn species_names(&self) -> Vec<String> {
        match &self.kind {
            PotentialKind::Shared { spec } => atomfab_potentials::from_spec(spec).map(|p| p.species().to_vec()).unwrap_or_default(),
            _ => Vec::new(),
        }
    }

    /// Build the potential for atoms with these chemical symbols (one per atom), with `threads` evaluation
    /// contexts. The built-in potentials ignore the symbols (they must all be the same element).
    pub fn build_for(&self, symbols: &[String], threads: usize) -> Result<Box<dyn ClusterPotential>, ClusterError> {
        match &self.kind {
            PotentialKind::Shared { spec } => Ok(Box::new(crate::external::SharedPotential::new(spec, symbols, threads)?)),
            _ => {
                if let Some(other) = symbols.iter().find(|s| **s != symbols[0]) {
                    return Err(ClusterError::Config(format!(
                        "composition: potential `{self}` has one species, found {} and {other}",
                        symbols[0]
                    )));
                }
                Ok(self.build().expect("built-in potential"))
            }
        }
    }

    /// True for reduced-unit Lennard-Jones, where the Cambridge Cluster Database table applies.
    pub fn is_reduced_lj(&self) -> bool {
        matches!(self.kind, PotentialKind::LennardJones { epsilon, sigma } if epsilon == 1.0 && sigma == 1.0)
    }

    /// Unit system of positions and energies: Gupta and shared-trait potentials work in Å and eV (metal), the
    /// others in reduced units.
    pub fn unit_system(&self) -> atomfab_core::UnitSystem {
        match self.kind {
            PotentialKind::Gupta { .. } | PotentialKind::Shared { .. } => atomfab_core::UnitSystem::Metal,
            _ => atomfab_core::UnitSystem::Lj,
        }
    }

    /// Energy unit, for output.
    pub fn energy_unit(&self) -> &'static str {
        match self.kind {
            PotentialKind::Gupta { .. } | PotentialKind::Shared { .. } => "eV",
            _ => "epsilon",
        }
    }
}

impl std::fmt::Display for PotentialSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.kind {
            PotentialKind::Shared { spec } => write!(f, "{spec}"),
            PotentialKind::LennardJones { epsilon, sigma } => write!(f, "lj:epsilon={epsilon},sigma={sigma}"),
            PotentialKind::Morse { rho, epsilon, r0 } => write!(f, "morse:rho={rho},epsilon={epsilon},r0={r0}"),
            PotentialKind::Gupta { a, xi, p, q, r0 } => write!(f, "gupta:A={a},xi={xi},p={p},q={q},r0={r0}"),
            PotentialKind::SuttonChen { epsilon, a, c, n, m } => {
                write!(f, "sutton-chen:n={n},m={m},c={c},epsilon={epsilon},a={a}")
            }
        }
    }
}

impl TryFrom<String> for PotentialSpec {
    type Error = ClusterError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<PotentialSpec> for String {
    fn from(p: PotentialSpec) -> String {
        p.to_string()
    }
}
