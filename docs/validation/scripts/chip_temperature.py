"""Mean temperature of the chip (workpiece atoms above the original surface) and of the bulk 1.5 nm
below it, from a nanocutting run folder (initial.xyz + the last frame of final.xyz), drift removed.
Usage: python3 chip_temperature.py RUN_DIR [RUN_DIR ...]"""
import sys
import numpy as np

MASS = {"Si": 28.0855, "Cu": 63.546}
MVV2E, KB = 1.0364269e-4, 8.617343e-5  # metal units, as atomfab_core::units


def last_frame(path):
    lines = open(path).read().split("\n")
    i, frame = 0, None
    while i < len(lines) and lines[i].strip():
        n = int(lines[i])
        frame = [l.split() for l in lines[i + 2:i + 2 + n]]
        i += 2 + n
    species = np.array([r[0] for r in frame])
    pos = np.array([[float(x) for x in r[1:4]] for r in frame])
    vel = np.array([[float(x) for x in r[5:8]] for r in frame]) if len(frame[0]) >= 8 else np.zeros_like(pos)
    return species, pos, vel


def temperature(v, m):
    vc = v - v.mean(axis=0)
    return m * MVV2E * (vc ** 2).sum() / (3 * (len(v) - 1) * KB)


for run in sys.argv[1:]:
    s0, p0, _ = last_frame(f"{run}/initial.xyz")
    s, p, v = last_frame(f"{run}/final.xyz")
    el = next(e for e in set(s) if e != "C")
    surface = p0[s0 == el][:, 2].max()
    w = s == el
    chip = p[w][:, 2] > surface + 1.0
    bulk = p[w][:, 2] < surface - 15.0
    print(f"{run}: {el}, chip {chip.sum()} atoms at {temperature(v[w][chip], MASS[el]):.0f} K, "
          f"bulk 1.5 nm below the surface {temperature(v[w][bulk], MASS[el]):.0f} K")
