#!/usr/bin/env python3
"""Time to the Cambridge Cluster Database LJ global minimum: ASE BasinHopping vs `atomfab cluster`.

Needs: pip install ase; cargo build --release -p atomfab-cli.
Run:   python3 bench/cluster_vs_ase.py [--sizes 13,38] [--seeds 5] [--ase-time-limit 120] [--threads 2]

ASE: ase.optimize.basin.BasinHopping (Wales & Doye moves: every atom displaced by up to dr per coordinate,
Metropolis at kT), reduced LJ (ASE LennardJones, sigma = epsilon = 1, cutoff 1000 so that no pair is cut or
shifted), kT = 0.8, dr = 0.36, local minimiser ase.optimize.LBFGS to fmax = 1e-2 (at most 3000 steps per quench) (faster and tighter than the
default FIRE/0.1), random start in a sphere. A run counts as found when Emin <= E_CCD + 1e-3.
Runs that do not find the minimum within the time limit (`--ase-time-limit`, CPU seconds of the ASE run) are
censored: their time is a lower bound.
atomfab: `atomfab cluster --n N --target E_CCD+1e-3 --seed S --threads T --json` (the same stopping test as
ASE's; seconds as reported, i.e. the search without process start-up), on 1 thread and on T threads, and on
1 thread with `--no-seeding` (random starts only, as ASE; time limit as ASE's); seeds 1..S for every program.
Both wall time and CPU time are recorded (ASE: time.process_time of the run; atomfab: user+system CPU of the
child process, start-up included), because the machine may be shared: the CPU-time ratio on 1 thread is the
load-independent comparison. The load average is printed before and after.
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

import numpy as np
from ase import Atoms
from ase.calculators.lj import LennardJones
from ase.optimize import LBFGS
from ase.optimize.basin import BasinHopping

CCD = {13: -44.326801, 38: -173.928427, 55: -279.248470, 75: -397.492331}
TOL = 1e-3  # found: E <= E_CCD + TOL, for ASE and atomfab alike
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class CountingLJ(LennardJones):
    calls = 0

    def calculate(self, *a, **k):
        CountingLJ.calls += 1
        return super().calculate(*a, **k)


class CappedLBFGS(LBFGS):
    """ASE's LBFGS with at most 3000 steps per quench (BasinHopping calls run(fmax) without a step limit,
    and a few quenches from overlapping atoms otherwise never finish)."""

    def run(self, fmax=0.05, steps=3000, **kw):
        return super().run(fmax=fmax, steps=min(steps, 3000), **kw)


def random_start(n, rng):
    radius = 1.1225 * (n / 0.6 / 0.7405) ** (1 / 3) * 0.5 + 0.5
    pts = []
    while len(pts) < n:
        p = rng.uniform(-1, 1, 3)
        if p @ p > 1:
            continue
        p = p * radius
        if all(np.linalg.norm(p - q) > 0.7 for q in pts):
            pts.append(p)
    return np.array(pts)


def ase_run(n, seed, limit):
    rng = np.random.default_rng(seed)
    np.random.seed(seed)  # BasinHopping draws its moves from numpy's global generator
    atoms = Atoms("Ar%d" % n, positions=random_start(n, rng))
    atoms.calc = CountingLJ(sigma=1.0, epsilon=1.0, rc=1000.0, smooth=False)
    CountingLJ.calls = 0
    t0 = time.perf_counter()
    c0 = time.process_time()
    bh = BasinHopping(atoms, temperature=0.8, dr=0.36, optimizer=CappedLBFGS, fmax=1e-2, logfile=None,
                      trajectory=None, local_minima_trajectory=None, optimizer_logfile=None)
    steps = 0
    while True:
        bh.run(1)
        steps += 1
        emin = bh.get_minimum()[0]
        dt = time.perf_counter() - t0
        cpu = time.process_time() - c0
        found = emin <= CCD[n] + TOL
        # the cap is on CPU time, so that a busy machine does not shorten ASE's runs
        if found or cpu > limit:
            return {"found": bool(found), "seconds": dt, "cpu_seconds": cpu, "steps": steps,
                    "evaluations": CountingLJ.calls, "energy": emin}


def child_cpu():
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def atomfab_run(exe, n, seed, threads, limit, extra=()):
    c0 = child_cpu()
    out = subprocess.run([exe, "cluster", "--n", str(n), "--target", repr(CCD[n] + TOL), "--seed", str(seed),
                          "--threads", str(threads), "--time-limit", str(limit), "--json", *extra], check=True,
                         capture_output=True, text=True)
    cpu = child_cpu() - c0
    r = json.loads(out.stdout)
    return {"found": bool(r["target_reached"]), "seconds": r["seconds"], "cpu_seconds": cpu,
            "evaluations": r["evaluations"], "energy": r["energy"], "point_group": r["point_group"]}


def summary(runs):
    t = [r["seconds"] for r in runs]
    return {"found": sum(r["found"] for r in runs), "runs": len(runs), "median_seconds": statistics.median(t),
            "median_cpu_seconds": statistics.median([r["cpu_seconds"] for r in runs]),
            "median_evaluations": statistics.median([r["evaluations"] for r in runs])}


def exact_median(s):
    """A median over censored runs is exact only when more than half of the runs finished."""
    return s["found"] * 2 > s["runs"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="13,38")
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--ase-time-limit", type=float, default=120.0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--atomfab", default=os.path.join(ROOT, "target", "release", "atomfab"))
    a = ap.parse_args()
    report = {"load_average_before": os.getloadavg()}
    print(json.dumps({"load_average_before": report["load_average_before"]}), flush=True)
    for n in [int(x) for x in a.sizes.split(",")]:
        ase_runs = [ase_run(n, s, a.ase_time_limit) for s in range(1, a.seeds + 1)]
        af1 = [atomfab_run(a.atomfab, n, s, 1, 600) for s in range(1, a.seeds + 1)]
        aft = [atomfab_run(a.atomfab, n, s, a.threads, 600) for s in range(1, a.seeds + 1)]
        # the same basin hopping without lattice seeds: random starts only, like ASE
        afr = [atomfab_run(a.atomfab, n, s, 1, a.ase_time_limit, ["--no-seeding"]) for s in range(1, a.seeds + 1)]
        res = {"ase": summary(ase_runs), "atomfab_1_thread": summary(af1), "atomfab_%d_threads" % a.threads: summary(aft),
               "atomfab_1_thread_no_seeding": summary(afr)}
        res["speedup_1_thread"] = res["ase"]["median_seconds"] / res["atomfab_1_thread"]["median_seconds"]
        res["speedup_%d_threads" % a.threads] = res["ase"]["median_seconds"] / res["atomfab_%d_threads" % a.threads]["median_seconds"]
        res["speedup_1_thread_no_seeding"] = res["ase"]["median_seconds"] / res["atomfab_1_thread_no_seeding"]["median_seconds"]
        res["cpu_speedup_1_thread"] = res["ase"]["median_cpu_seconds"] / res["atomfab_1_thread"]["median_cpu_seconds"]
        res["cpu_speedup_1_thread_no_seeding"] = (res["ase"]["median_cpu_seconds"]
                                                  / res["atomfab_1_thread_no_seeding"]["median_cpu_seconds"])
        notes = []
        if not exact_median(res["ase"]):
            notes.append("ASE median is censored by the time limit: the speed-ups are lower bounds")
        for k in ("atomfab_1_thread", "atomfab_%d_threads" % a.threads, "atomfab_1_thread_no_seeding"):
            if not exact_median(res[k]):
                notes.append(f"{k} median is censored by its time limit: its speed-up is an upper bound")
        if notes:
            res["note"] = "; ".join(notes)
        res["ase_runs"] = ase_runs
        report["LJ%d" % n] = res
        print(json.dumps({"LJ%d" % n: {k: v for k, v in res.items() if k != "ase_runs"}}), flush=True)
    report["load_average_after"] = os.getloadavg()
    print(json.dumps({"load_average_after": report["load_average_after"]}), flush=True)
    print(json.dumps(report, indent=1), file=sys.stderr)


if __name__ == "__main__":
    main()
