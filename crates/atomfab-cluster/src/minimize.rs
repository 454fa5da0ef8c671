//! Local minimisers on flat coordinate slices (length unit of the potential): L-BFGS and FIRE.

/// Outcome of one local minimisation.
#[derive(Debug, Clone, Copy)]
pub struct MinResult {
    /// Final energy (potential's energy unit).
    pub energy: f64,
    /// Root-mean-square gradient component at the end (energy/length).
    pub rms_grad: f64,
    pub iterations: usize,
    /// Energy+gradient evaluations used.
    pub evaluations: usize,
    pub converged: bool,
}

/// L-BFGS settings. No line search: the step is capped and halved while the energy rises (as in GMIN),
/// which needs about one evaluation per iteration.
#[derive(Debug, Clone, Copy)]
pub struct LbfgsParams {
    /// History length.
    pub memory: usize,
    /// Largest displacement of any coordinate in one step (length unit).
    pub max_step: f64,
    /// Converged when the RMS gradient component falls below this (energy/length).
    pub grad_tol: f64,
    pub max_iter: usize,
    /// Accepted energy rise per step (energy unit); tiny rises let the step reach across flat regions.
    pub max_rise: f64,
}

impl Default for LbfgsParams {
    fn default() -> Self {
        Self { memory: 8, max_step: 0.3, grad_tol: 1e-5, max_iter: 10_000, max_rise: 1e-4 }
    }
}

/// Reusable buffers so that repeated quenches do not allocate.
#[derive(Debug, Default, Clone)]
pub struct LbfgsWorkspace {
    s: Vec<Vec<f64>>,
    y: Vec<Vec<f64>>,
    rho: Vec<f64>,
    alpha: Vec<f64>,
    g: Vec<f64>,
    d: Vec<f64>,
    xn: Vec<f64>,
    gn: Vec<f64>,
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Minimise `f` (returns energy, writes gradient) from `x` in place with L-BFGS.
/// `stop` is asked once per iteration; when it returns true the minimisation ends early (not converged).
pub fn lbfgs(
    x: &mut [f64],
    f: &mut impl FnMut(&[f64], &mut [f64]) -> f64,
    p: &LbfgsParams,
    ws: &mut LbfgsWorkspace,
    stop: &dyn Fn() -> bool,
) -> MinResult {
    let n = x.len();
    let m = p.memory.max(1);
    if ws.s.len() != m || ws.g.len() != n {
        ws.s = vec![vec![0.0; n]; m];
        ws.y = vec![vec![0.0; n]; m];
        ws.rho = vec![0.0; m];
        ws.alpha = vec![0.0; m];
        ws.g = vec![0.0; n];
        ws.d = vec![0.0; n];
        ws.xn = vec![0.0; n];
        ws.gn = vec![0.0; n];
    }
    let mut e = f(x, &mut ws.g);
    let mut evals = 1;
    let mut stored = 0usize; // entries in history
    let mut head = 0usize; // next slot
    let mut h0 = 0.01; // initial inverse-Hessian scale until curvature is known
    let rms = |g: &[f64]| (dot(g, g) / n.max(1) as f64).sqrt();
    let mut it = 0;
    loop {
        let r = rms(&ws.g);
        if r < p.grad_tol || !e.is_finite() {
            return MinResult { energy: e, rms_grad: r, iterations: it, evaluations: evals, converged: e.is_finite() };
        }
        if it >= p.max_iter || stop() {
            return MinResult { energy: e, rms_grad: r, iterations: it, evaluations: evals, converged: false };
        }
        it += 1;
        // two-loop recursion: d = −H g
        ws.d.copy_from_slice(&ws.g);
        for k in 0..stored {
            let i = (head + m - 1 - k) % m;
            let a = ws.rho[i] * dot(&ws.s[i], &ws.d);
            ws.alpha[i] = a;
            for (dv, yv) in ws.d.iter_mut().zip(&ws.y[i]) {
                *dv -= a * yv;
            }
        }
        for dv in ws.d.iter_mut() {
            *dv *= h0;
        }
        for k in (0..stored).rev() {
            let i = (head + m - 1 - k) % m;
            let b = ws.rho[i] * dot(&ws.y[i], &ws.d);
            let a = ws.alpha[i];
            for (dv, sv) in ws.d.iter_mut().zip(&ws.s[i]) {
                *dv += (a - b) * sv;
            }
        }
        for dv in ws.d.iter_mut() {
            *dv = -*dv;
        }
        if dot(&ws.d, &ws.g) > 0.0 {
            // not a descent direction: forget the history and go downhill
            stored = 0;
            for (dv, gv) in ws.d.iter_mut().zip(&ws.g) {
                *dv = -h0 * gv;
            }
        }
        let dmax = ws.d.iter().fold(0.0f64, |a, v| a.max(v.abs()));
        let mut scale = if dmax > p.max_step { p.max_step / dmax } else { 1.0 };
        let mut accepted = false;
        for _ in 0..12 {
            for i in 0..n {
                ws.xn[i] = x[i] + scale * ws.d[i];
            }
            let en = f(&ws.xn, &mut ws.gn);
            evals += 1;
            if en.is_finite() && en - e <= p.max_rise {
                e = en;
                accepted = true;
                break;
            }
            scale *= 0.2;
        }
        if !accepted {
            if stored == 0 {
                // even a tiny steepest-descent step rises: we are at a minimum within round-off
                let r = rms(&ws.g);
                return MinResult { energy: e, rms_grad: r, iterations: it, evaluations: evals, converged: r < 100.0 * p.grad_tol };
            }
            stored = 0;
            continue;
        }
        // update history with s = Δx, y = Δg
        let (sl, yl) = (&mut ws.s[head], &mut ws.y[head]);
        for i in 0..n {
            sl[i] = ws.xn[i] - x[i];
            yl[i] = ws.gn[i] - ws.g[i];
        }
        let sy = dot(sl, yl);
        let yy = dot(yl, yl);
        if sy > 1e-12 && yy > 0.0 {
            ws.rho[head] = 1.0 / sy;
            h0 = sy / yy;
            head = (head + 1) % m;
            stored = (stored + 1).min(m);
        }
        x.copy_from_slice(&ws.xn);
        ws.g.copy_from_slice(&ws.gn);
    }
}

/// FIRE settings (Bitzek et al., PRL 97, 170201 (2006)); unit masses, time in units of the potential's
/// length·(mass/energy)^{1/2}.
#[derive(Debug, Clone, Copy)]
pub struct FireParams {
    pub dt: f64,
    pub dt_max: f64,
    /// Largest displacement of any coordinate in one step (length unit).
    pub max_step: f64,
    /// Converged when the RMS gradient component falls below this (energy/length).
    pub grad_tol: f64,
    pub max_iter: usize,
}

impl Default for FireParams {
    fn default() -> Self {
        Self { dt: 0.005, dt_max: 0.05, max_step: 0.1, grad_tol: 1e-5, max_iter: 100_000 }
    }
}

/// Minimise `f` from `x` in place with FIRE (velocity Verlet with velocity mixing and adaptive time step).
pub fn fire(x: &mut [f64], f: &mut impl FnMut(&[f64], &mut [f64]) -> f64, p: &FireParams, stop: &dyn Fn() -> bool) -> MinResult {
    const N_MIN: usize = 5;
    const F_INC: f64 = 1.1;
    const F_DEC: f64 = 0.5;
    const A_START: f64 = 0.1;
    const F_A: f64 = 0.99;
    let n = x.len();
    let mut v = vec![0.0; n];
    let mut g = vec![0.0; n];
    let mut dt = p.dt;
    let mut alpha = A_START;
    let mut since_neg = 0usize;
    let mut e = f(x, &mut g);
    let mut evals = 1;
    let rms = |g: &[f64]| (dot(g, g) / n.max(1) as f64).sqrt();
    for it in 0..p.max_iter {
        let r = rms(&g);
        if r < p.grad_tol {
            return MinResult { energy: e, rms_grad: r, iterations: it, evaluations: evals, converged: true };
        }
        if !e.is_finite() || stop() {
            return MinResult { energy: e, rms_grad: r, iterations: it, evaluations: evals, converged: false };
        }
        // power P = F·v with F = −g
        let pw = -dot(&g, &v);
        if pw > 0.0 {
            let vn = dot(&v, &v).sqrt();
            let fnorm = dot(&g, &g).sqrt().max(1e-300);
            for i in 0..n {
                v[i] = (1.0 - alpha) * v[i] - alpha * vn * g[i] / fnorm;
            }
            since_neg += 1;
            if since_neg > N_MIN {
                dt = (dt * F_INC).min(p.dt_max);
                alpha *= F_A;
            }
        } else {
            since_neg = 0;
            dt *= F_DEC;
            alpha = A_START;
            v.iter_mut().for_each(|vi| *vi = 0.0);
        }
        // semi-implicit Euler (as in the FIRE paper's MD integrator), step capped
        for i in 0..n {
            v[i] -= dt * g[i];
        }
        let dmax = v.iter().fold(0.0f64, |a, vi| a.max((vi * dt).abs()));
        let s = if dmax > p.max_step { p.max_step / dmax } else { 1.0 };
        for i in 0..n {
            x[i] += s * dt * v[i];
        }
        e = f(x, &mut g);
        evals += 1;
    }
    let r = rms(&g);
    MinResult { energy: e, rms_grad: r, iterations: p.max_iter, evaluations: evals, converged: r < p.grad_tol }
}
