#!/usr/bin/env python3
"""Structure identification speed: atomfab vs OVITO on the same file, in the same run.

Builds an fcc Cu crystal (default 63^3 cells = 1,000,188 atoms) and a cubic-diamond Si crystal
(default 40^3 cells = 512,000 atoms) with Gaussian thermal noise, writes them as extended XYZ, then times
  - OVITO (pip install ovito), single thread (OVITO_THREAD_COUNT=1): adaptive CNA, fixed CNA,
    identify-diamond, applied to the already loaded data (file reading excluded), best of --repeats;
  - `atomfab bench structure --file ... --threads 1` (and with all threads), which likewise times the
    analysis after reading the file (neighbour grid + classification), best of --repeats.
It checks that both report identical structure counts and prints the speed ratios, by wall time and by
process CPU time (the fairer single-thread figure when the machine is shared).

Usage: cargo build --release -p atomfab-cli && python3 bench/structure_vs_ovito.py [--cells 63] [--repeats 3]
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

os.environ["OVITO_THREAD_COUNT"] = "1"  # must precede the ovito import

import numpy as np  # noqa: E402

FCC = np.array([[0, 0, 0], [.5, .5, 0], [.5, 0, .5], [0, .5, .5]])
DIAMOND = np.vstack([FCC, FCC + .25])


def crystal(basis, a, n, sigma, seed):
    g = np.stack(np.meshgrid(*[np.arange(n)] * 3, indexing="ij"), -1).reshape(-1, 3)
    pos = ((g[:, None, :] + basis[None]).reshape(-1, 3)) * a
    pos += np.random.default_rng(seed).normal(0.0, sigma, pos.shape)
    L = a * n
    pos %= L
    return pos, L


def write_xyz(path, pos, L, el):
    with open(path, "w") as f:
        f.write(f"{len(pos)}\n")
        f.write(f'Lattice="{L:.8f} 0 0 0 {L:.8f} 0 0 0 {L:.8f}" Properties=species:S:1:pos:R:3 pbc="T T T"\n')
        np.savetxt(f, pos, fmt=el + " %.8f %.8f %.8f")


def ovito_time(path, modifier_factory, attr_prefix, repeats):
    from ovito.io import import_file
    data = import_file(path).compute()
    best = best_cpu = float("inf")
    counts = None
    for _ in range(repeats):
        d = data.clone()
        t0, c0 = time.perf_counter(), time.process_time()
        d.apply(modifier_factory())
        best = min(best, time.perf_counter() - t0)
        best_cpu = min(best_cpu, time.process_time() - c0)
        counts = np.bincount(np.asarray(d.particles["Structure Type"]), minlength=5 if "CNA" in attr_prefix else 7).tolist()
    return best, best_cpu, counts


def atomfab_time(exe, path, method, threads, repeats, cutoff=None):
    cmd = [exe, "bench", "structure", "--file", path, "--method", method, "--repeats", str(repeats)]
    if threads:
        cmd += ["--threads", str(threads)]
    if cutoff:
        cmd += ["--cutoff", str(cutoff)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    m = re.search(r"(\d+) threads, best of \d+: ([0-9.]+) s, .*cpu ([0-9.]+) s, counts \[([0-9, ]+)\]", out)
    return float(m.group(2)), float(m.group(3)), [int(x) for x in m.group(4).split(",")], int(m.group(1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cells", type=int, default=63, help="fcc cells per edge (63 -> 1,000,188 atoms)")
    ap.add_argument("--diamond-cells", type=int, default=40, help="diamond cells per edge (40 -> 512,000 atoms)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--exe", default=os.path.join(os.path.dirname(__file__), "..", "target", "release", "atomfab"))
    args = ap.parse_args()
    import ovito
    from ovito.modifiers import CommonNeighborAnalysisModifier as CNA, IdentifyDiamondModifier
    print(f"OVITO {ovito.version_string} (OVITO_THREAD_COUNT=1), atomfab {args.exe}")
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        a = 3.615
        pos, L = crystal(FCC, a, args.cells, 0.1, 1)
        fcc = os.path.join(tmp, "fcc.xyz")
        write_xyz(fcc, pos, L, "Cu")
        a_si = 5.431
        pos, L = crystal(DIAMOND, a_si, args.diamond_cells, 0.08, 2)
        dia = os.path.join(tmp, "diamond.xyz")
        write_xyz(dia, pos, L, "Si")
        cases = [
            ("a-CNA", fcc, lambda: CNA(mode=CNA.Mode.AdaptiveCutoff), "CNA", "cna", None),
            ("fixed CNA", fcc, lambda: CNA(mode=CNA.Mode.FixedCutoff, cutoff=0.854 * a), "CNA", "cna-fixed", 0.854 * a),
            ("identify-diamond", dia, IdentifyDiamondModifier, "Diamond", "diamond", None),
        ]
        for label, path, factory, prefix, method, cutoff in cases:
            t_ov, cpu_ov, c_ov = ovito_time(path, factory, prefix, args.repeats)
            t1, cpu1, c1, _ = atomfab_time(args.exe, path, method, 1, args.repeats, cutoff)
            tn, _, cn, nthreads = atomfab_time(args.exe, path, method, None, args.repeats, cutoff)
            n = sum(c_ov)
            same = c_ov == c1 == cn
            print(f"{label:17s} {n:8d} atoms | 1 thread wall: OVITO {t_ov:6.3f} s, atomfab {t1:6.3f} s ({t_ov / t1:4.2f}x)"
                  f" | 1 thread CPU: OVITO {cpu_ov:6.3f} s, atomfab {cpu1:6.3f} s ({cpu_ov / cpu1:4.2f}x)"
                  f" | atomfab {nthreads} threads wall {tn:6.3f} s ({t_ov / tn:4.2f}x)"
                  f" | counts {'identical' if same else 'DIFFER'} {c_ov}" + ("" if same else f" vs {c1}"))
            results.append(dict(case=label, atoms=n, ovito_1thread_s=t_ov, ovito_1thread_cpu_s=cpu_ov,
                                atomfab_1thread_s=t1, atomfab_1thread_cpu_s=cpu1, atomfab_threads=nthreads,
                                atomfab_nthread_s=tn, speedup_1thread=t_ov / t1, speedup_1thread_cpu=cpu_ov / cpu1,
                                speedup_nthread=t_ov / tn, counts_identical=same))
    print(json.dumps(results))
    if not all(r["counts_identical"] for r in results):
        sys.exit(1)


if __name__ == "__main__":
    main()
