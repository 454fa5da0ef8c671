"""HCP atoms (a-CNA, stacking faults) per frame of a nanocutting trajectory.dump, in all and below the
nominal machined surface, using `atomfab analyze --write`.
Usage: python3 stacking_faults.py RUN_DIR DEPTH_OF_CUT_ANGSTROM [ATOMFAB_BINARY]"""
import subprocess
import sys
import tempfile

import numpy as np

run, depth = sys.argv[1], float(sys.argv[2])
atomfab = sys.argv[3] if len(sys.argv) > 3 else "target/release/atomfab"
init = open(f"{run}/initial.xyz").read().split("\n")
el = next(l.split()[0] for l in init[2:] if l.split() and l.split()[0] != "C")
surface = max(float(l.split()[3]) for l in init[2:2 + int(init[0])] if l.split()[0] == el)
lines = open(f"{run}/trajectory.dump").read().split("\n")
tmp = tempfile.mkdtemp()
i = 0
while i < len(lines):
    if not lines[i].startswith("ITEM: TIMESTEP"):
        i += 1
        continue
    step, n = int(lines[i + 1]), int(lines[i + 3])
    box = [list(map(float, lines[i + 5 + k].split())) for k in range(3)]
    cols = lines[i + 8].split()[2:]
    rows = [r.split() for r in lines[i + 9:i + 9 + n]]
    i += 9 + n
    ie, ix = cols.index("element"), cols.index("x")
    work = [r for r in rows if r[ie] == el]
    header = (f'Lattice="{box[0][1] - box[0][0]} 0 0 0 {box[1][1] - box[1][0]} 0 0 0 {box[2][1] - box[2][0]}" '
              f'Origin="{box[0][0]} {box[1][0]} {box[2][0]}" pbc="F T F" Properties=species:S:1:pos:R:3')
    with open(f"{tmp}/f.xyz", "w") as f:
        f.write(f"{len(work)}\n{header}\n" + "\n".join(f"{el} {r[ix]} {r[ix + 1]} {r[ix + 2]}" for r in work) + "\n")
    subprocess.run([atomfab, "analyze", f"{tmp}/f.xyz", "--structure", "cna", "--write", f"{tmp}/t.xyz"], check=True, capture_output=True)
    t = open(f"{tmp}/t.xyz").read().split("\n")
    rr = [x.split() for x in t[2:2 + int(t[0])]]
    z = np.array([float(r[3]) for r in rr])
    ty = np.array([int(r[-1]) for r in rr])
    below = z < surface - depth - 1.0
    print(f"step {step:6d}: HCP {int((ty == 2).sum()):4d} (below the cut {int(((ty == 2) & below).sum()):4d}), "
          f"FCC {int((ty == 1).sum())}, Other {int((ty == 0).sum())}")
