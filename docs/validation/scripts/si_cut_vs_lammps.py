"""The same Si nanocut in atomfab and in LAMMPS: mean cutting / thrust force on the rigid diamond tool.

Runs RECIPE with `atomfab run`, converts the run's initial.xyz (Si workpiece + C tool atoms) to a LAMMPS
data file and runs LAMMPS with the same model: Tersoff Si (LAMMPS' Si.tersoff), Morse Si–C
(D0 = 0.435 eV, alpha = 4.6487 1/A, r0 = 1.9475 A, cutoff 4 A), no C–C term, the same fixed / Langevin
(damp 0.1 ps) / free atom groups chosen by position as `atomfab_process::common::role`, the tool moved
rigidly along -x at the cutting speed, 1 fs steps. Prints the mean force on the tool over the same travel
window as atomfab's summary (from edge radius + 5 A after the edge reaches the workpiece), in nN and N/m.
The Langevin noise differs between the codes, so the means agree only within their thermal scatter.

Usage: python3 si_cut_vs_lammps.py RECIPE OUT_DIR [ATOMFAB_BINARY] [SEED]
(needs `lmp` from Debian's lammps package; 2 MPI ranks)
"""
import json
import os
import subprocess
import sys
import tomllib

recipe, out = sys.argv[1], sys.argv[2]
atomfab = os.path.abspath(sys.argv[3] if len(sys.argv) > 3 else "target/release/atomfab")
seed = int(sys.argv[4]) if len(sys.argv) > 4 else 1
EV_PER_A_IN_NN = 1.602176634

cfg = tomllib.load(open(recipe, "rb"))["process"]
ours = f"{out}/atomfab"
subprocess.run([atomfab, "run", recipe, "--out", ours, "--set", f"seed={seed}"], check=True, capture_output=True)
summary = json.load(open(f"{ours}/summary.json"))

# Atoms and box from atomfab's initial structure (extxyz written by atomfab).
lines = open(f"{ours}/initial.xyz").read().split("\n")
n = int(lines[0])
head = lines[1]
lat = [float(v) for v in head.split('Lattice="')[1].split('"')[0].split()]
origin = [float(v) for v in head.split('Origin="')[1].split('"')[0].split()] if "Origin=" in head else [0.0, 0.0, 0.0]
atoms = [(l.split()[0], *map(float, l.split()[1:4])) for l in lines[2:2 + n]]
lo = origin
hi = [origin[0] + lat[0], origin[1] + lat[4], origin[2] + lat[8]]

fixed = cfg["workpiece"]["fixed_nm"] * 10.0
thermo = cfg["workpiece"]["thermostat_nm"] * 10.0
speed = cfg["cut"]["speed_m_per_s"] * 0.01  # A/ps
dt = cfg.get("dt_ps", 0.001)
lmp_dir = f"{out}/lammps"
os.makedirs(lmp_dir, exist_ok=True)
groups = {"fixed": [], "thermostat": [], "free": [], "tool": []}
with open(f"{lmp_dir}/data.lmp", "w") as f:
    f.write(f"Si cut from {ours}/initial.xyz\n\n{n} atoms\n2 atom types\n\n")
    f.write(f"{lo[0]} {hi[0]} xlo xhi\n{lo[1]} {hi[1]} ylo yhi\n{lo[2]} {hi[2]} zlo zhi\n\n")
    f.write("Masses\n\n1 28.0855\n2 12.011\n\nAtoms # atomic\n\n")
    for i, (el, x, y, z) in enumerate(atoms, 1):
        t = 1 if el == "Si" else 2
        f.write(f"{i} {t} {x:.10f} {y:.10f} {z:.10f}\n")
        if t == 2:
            groups["tool"].append(i)
        else:
            d = min(x, z)  # common::role with x_boundary: bottom and low-x end
            groups["fixed" if d < fixed else "thermostat" if d < fixed + thermo else "free"].append(i)

thermo_csv = open(f"{ours}/thermo.csv").read().split("\n")
hdr = thermo_csv[0].split(",")
rows = [list(map(float, r.split(","))) for r in thermo_csv[1:] if r]
time_col = hdr.index("time")
total_time = rows[-1][time_col]
steps = round(total_time / dt)


def ids(name):
    return " ".join(map(str, groups[name]))


with open(f"{lmp_dir}/in.cut", "w") as f:
    f.write(f"""units metal
boundary m p m
atom_style atomic
read_data data.lmp
pair_style hybrid tersoff morse 4.0
pair_coeff * * tersoff /usr/share/lammps/potentials/Si.tersoff Si NULL
pair_coeff 1 2 morse 0.435 4.6487 1.9475
pair_coeff 2 2 none
neighbor 1.0 bin
neigh_modify exclude type 2 2
group tool type 2
group fixed id {ids('fixed')}
group thermostat id {ids('thermostat')}
group free id {ids('free')}
group mobile union thermostat free
velocity mobile create {cfg.get('temperature', 300)} {seed * 7919 + 1} dist gaussian mom yes rot no
timestep {dt}
fix nve mobile nve
fix lang thermostat langevin {cfg.get('temperature', 300)} {cfg.get('temperature', 300)} 0.1 {seed * 104729 + 3}
fix move tool move linear {-speed} 0 0
velocity fixed set 0 0 0
compute ft tool reduce sum fx fy fz
thermo_style custom step time c_ft[1] c_ft[2] c_ft[3] temp
thermo_modify norm no flush yes
thermo 1
run {steps}
""")
subprocess.run(["mpirun", "--allow-run-as-root", "-np", "2", "lmp", "-in", "in.cut", "-log", "log.lammps", "-screen", "none"],
               cwd=lmp_dir, check=True)

# Our engaged window: travel from the start >= approach + edge radius + 5 A, as nanocut::run.
log = open(f"{lmp_dir}/log.lammps").read().split("\n")
k = next(i for i, l in enumerate(log) if l.split()[:2] == ["Step", "Time"])
lam = []
for l in log[k + 1:]:
    p = l.split()
    if len(p) < 5 or not p[0].isdigit():
        break
    lam.append((float(p[1]), float(p[2]), float(p[4])))

tool_c = cfg.get("tool", {})
edge_r = tool_c.get("edge_radius_nm", 0.5) * 10.0
start_gap = cfg["cut"]["start_gap_nm"] * 10.0
engaged_from = start_gap + 1.0 + edge_r + 5.0  # approach = start gap + 1 A (nanocut::build)


def mean_after(series):
    sel = [(fx, fz) for t, fx, fz in series if t * speed >= engaged_from]
    return sum(s[0] for s in sel) / len(sel), sum(s[1] for s in sel) / len(sel), len(sel)


fx_c, fz_c = hdr.index("fx_tool"), hdr.index("fz_tool")
mine = [(r[time_col], r[fx_c], r[fz_c]) for r in rows]
width_nm = (hi[1] - lo[1]) / 10.0
for name, s in [("atomfab", mine), ("LAMMPS", lam)]:
    fx, fz, m = mean_after(s)
    print(f"{name:8s} seed {seed}: Fc {fx * EV_PER_A_IN_NN:7.2f} nN ({fx * EV_PER_A_IN_NN / width_nm:6.2f} N/m), "
          f"Ft {fz * EV_PER_A_IN_NN:7.2f} nN, over {m} samples")
print(f"summary.json: Fc {summary['removal']['mean_cutting_force_nn']:.2f} nN, "
      f"{summary['removal']['cutting_force_per_width_n_per_m']:.2f} N/m")
