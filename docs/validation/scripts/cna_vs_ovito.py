"""Per-atom adaptive CNA of the workpiece atoms in one trajectory frame: atomfab vs OVITO.

Takes the last frame of RUN_DIR/trajectory.dump (a nanocutting run), keeps the workpiece atoms (drops
the C tool), writes them as extended XYZ with the run's box (periodic along y only), classifies them with
`atomfab analyze --structure cna --write` and with OVITO's CommonNeighborAnalysisModifier (adaptive
mode), and prints the per-type counts of both and the number of atoms whose type differs.
Structure type ids are OVITO's: 0 Other, 1 FCC, 2 HCP, 3 BCC, 4 ICO.

Usage: python3 cna_vs_ovito.py RUN_DIR [ATOMFAB_BINARY]   (pip install ovito)
"""
import subprocess
import sys
import tempfile

import numpy as np
from ovito.io import import_file
from ovito.modifiers import CommonNeighborAnalysisModifier

run = sys.argv[1]
atomfab = sys.argv[2] if len(sys.argv) > 2 else "target/release/atomfab"
lines = open(f"{run}/trajectory.dump").read().split("\n")
starts = [i for i, l in enumerate(lines) if l.startswith("ITEM: TIMESTEP")]
i = starts[-1]
step, n = int(lines[i + 1]), int(lines[i + 3])
box = [list(map(float, lines[i + 5 + k].split()[:2])) for k in range(3)]
cols = lines[i + 8].split()[2:]
rows = [r.split() for r in lines[i + 9:i + 9 + n]]
ie, ix = cols.index("element"), cols.index("x")
work = [r for r in rows if r[ie] != "C"]
el = work[0][ie]
tmp = tempfile.mkdtemp()
header = (f'Lattice="{box[0][1] - box[0][0]} 0 0 0 {box[1][1] - box[1][0]} 0 0 0 {box[2][1] - box[2][0]}" '
          f'Origin="{box[0][0]} {box[1][0]} {box[2][0]}" pbc="F T F" Properties=species:S:1:pos:R:3')
with open(f"{tmp}/frame.xyz", "w") as f:
    f.write(f"{len(work)}\n{header}\n" + "\n".join(f"{el} {r[ix]} {r[ix + 1]} {r[ix + 2]}" for r in work) + "\n")

subprocess.run([atomfab, "analyze", f"{tmp}/frame.xyz", "--structure", "cna", "--write", f"{tmp}/ours.xyz"],
               check=True, capture_output=True)
t = open(f"{tmp}/ours.xyz").read().split("\n")
ours = np.array([int(x.split()[-1]) for x in t[2:2 + int(t[0])]])

pipeline = import_file(f"{tmp}/frame.xyz")
pipeline.modifiers.append(CommonNeighborAnalysisModifier(mode=CommonNeighborAnalysisModifier.Mode.AdaptiveCutoff))
data = pipeline.compute()
assert list(data.cell.pbc) == [False, True, False], data.cell.pbc
theirs = np.asarray(data.particles["Structure Type"])

names = ["Other", "FCC", "HCP", "BCC", "ICO"]
print(f"{run}: step {step}, {len(work)} {el} atoms")
for k, name in enumerate(names):
    print(f"  {name:5s} atomfab {int((ours == k).sum()):6d}   OVITO {int((theirs == k).sum()):6d}")
print(f"  atoms with a different type: {int((ours != theirs).sum())}")
