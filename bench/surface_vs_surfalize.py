#!/usr/bin/env python3
"""Height-map metrology speed: atomfab vs surfalize on the same map, in the same run.

`atomfab bench surface --size N --write map.gwy --json` generates a seeded rough map, writes it and times
its full areal stats set (Sa Sq Ssk Sku Sp Sv Sz, Sdq Sdr, Sk Spk Svk, Sal Str) and the 2-D PSD with
radial average. This script then loads the same .gwy with gwyfile and times surfalize computing the same
parameters (fresh Surface object per repeat, so its cache does not help), and numpy's 2-D PSD for the
PSD line. It checks that the values agree and prints the speed ratios. Reference times are process CPU
time; atomfab --threads 1 times are the worker thread's CPU time (both robust against other load on a
shared machine); atomfab with all threads is wall time. Best of --repeats.

Usage: cargo build --release -p atomfab-cli && python3 bench/surface_vs_surfalize.py [--size 4096] [--repeats 2]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import numpy as np  # noqa: E402
import gwyfile  # noqa: E402
from surfalize import Surface  # noqa: E402

warnings.simplefilter("ignore")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXE = os.path.join(ROOT, "target", "release", "atomfab")
GROUPS = {
    "height": ["Sa", "Sq", "Ssk", "Sku", "Sp", "Sv", "Sz"],
    "hybrid_Sdq_Sdr": ["Sdq", "Sdr"],
    "functional_Sk_Spk_Svk": ["Sk", "Spk", "Svk"],
    "spatial_Sal_Str": ["Sal", "Str"],
}


def atomfab(size, threads, path=None, repeats=3):
    cmd = [EXE, "bench", "surface", "--size", str(size), "--json", "--repeats", str(repeats)]
    if threads:
        cmd += ["--threads", str(threads)]
    if path:
        cmd += ["--write", path]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def best(f, repeats):
    wall, cpu, val = [], [], None
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        val = f()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return min(wall), min(cpu), val


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=4096)
    ap.add_argument("--repeats", type=int, default=2)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "map.gwy")
        ours1 = [atomfab(a.size, 1, path, a.repeats)]
        oursn = [atomfab(a.size, None, None, a.repeats)]
        df = gwyfile.util.get_datafields(gwyfile.load(path))
        z = next(iter(df.values())).data.copy()
    step = 1e-9
    sal = {}
    for group, names in GROUPS.items():
        def run(names=names):
            s = Surface(z, step, step)
            return {n: getattr(s, n)() for n in names}
        sal[group] = best(run, a.repeats)

    def psd():
        w = np.hanning(z.shape[0])
        zz = (z - z.mean()) * w[:, None] * w[None, :]
        p = np.abs(np.fft.fft2(zz)) ** 2
        fy, fx = np.meshgrid(np.fft.fftfreq(z.shape[0]), np.fft.fftfreq(z.shape[1]), indexing="ij")
        r = np.rint(np.hypot(fx, fy) * z.shape[0]).astype(int)
        return np.bincount(r.ravel(), p.ravel()) / np.maximum(np.bincount(r.ravel()), 1)
    sal["psd_2d_radial"] = best(psd, a.repeats)

    vals = ours1[0]["values_SI"]
    print(f"map {a.size} x {a.size}; atomfab threads: 1 and {oursn[0]['threads']}; best of {a.repeats}; "
          f"load average {os.getloadavg()[0]:.2f}")
    print(f"{'group':<24}{'surfalize/numpy s':>18}{'atomfab 1T s':>14}{'ratio 1T':>10}{'atomfab nT s':>14}{'ratio nT':>10}")
    tot = [0.0, 0.0, 0.0]
    for g in list(GROUPS) + ["psd_2d_radial"]:
        t_ref = sal[g][1]  # CPU time of the single-threaded reference
        # --threads 1: CPU time of the one worker thread, comparable with the reference's CPU time.
        t1 = min(o["cpu_seconds"].get(g, o["seconds"][g]) for o in ours1)
        tn = min(o["seconds"][g] for o in oursn)
        if g in GROUPS:
            tot[0] += t_ref
            tot[1] += t1
            tot[2] += tn
            for n, v in sal[g][2].items():
                ours = vals[n]
                rel = abs(ours - v) / max(abs(v), 1e-300) if v == v and ours is not None else float("nan")
                print(f"    {n:<6} surfalize {v:.10e}  atomfab {ours if ours is not None else float('nan'):.10e}  rel {rel:.1e}")
        print(f"{g:<24}{t_ref:>18.3f}{t1:>14.3f}{t_ref / t1:>10.1f}{tn:>14.3f}{t_ref / tn:>10.1f}")
    print(f"{'full_stats':<24}{tot[0]:>18.3f}{tot[1]:>14.3f}{tot[0] / tot[1]:>10.1f}{tot[2]:>14.3f}{tot[0] / tot[2]:>10.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
