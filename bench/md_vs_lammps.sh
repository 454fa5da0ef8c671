#!/usr/bin/env bash
# MD speed: the same systems in LAMMPS (serial `lmp -in`) and in `atomfab bench md`, run back to back,
# with the ratios atomfab/LAMMPS (1 thread; timesteps/s of the loop and user CPU of the whole process) and
# atomfab 2 threads / 1 thread.
#
# Cases mirror LAMMPS' benchmarks: LJ melt (bench/in.lj: fcc ρ*=0.8442, 20³ cells = 32 000 atoms, lj/cut 2.5,
# skin 0.3, every 20 check no), Cu EAM (in.eam: fcc 3.615 Å, 20³ cells, Cu_u3.eam, skin 1, check yes,
# dt 5 fs, 1600 K), Si Tersoff (diamond 5.431 Å, 16³ cells = 32 768 atoms, skin 1, check yes, dt 1 fs, 1000 K).
#
# Usage: bench/md_vs_lammps.sh [STEPS]   (env: CASES="lj eam-cu tersoff-si", ATOMFAB=path, LMP=lmp)
set -euo pipefail
cd "$(dirname "$0")/.."
STEPS=${1:-100}
CASES=${CASES:-"lj eam-cu tersoff-si"}
ATOMFAB=${ATOMFAB:-target/release/atomfab}
LMP=${LMP:-lmp}
[ -x "$ATOMFAB" ] || cargo build --release -p atomfab-cli >&2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

lammps_input() {
  case $1 in
    lj) cat <<IN
units lj
atom_style atomic
lattice fcc 0.8442
region box block 0 20 0 20 0 20
create_box 1 box
create_atoms 1 box
mass 1 1.0
velocity all create 1.44 87287 loop geom
pair_style lj/cut 2.5
pair_coeff 1 1 1.0 1.0 2.5
neighbor 0.3 bin
neigh_modify delay 0 every 20 check no
fix 1 all nve
thermo $STEPS
run $STEPS
IN
    ;;
    eam-cu) cat <<IN
units metal
atom_style atomic
lattice fcc 3.615
region box block 0 20 0 20 0 20
create_box 1 box
create_atoms 1 box
pair_style eam
pair_coeff 1 1 Cu_u3.eam
velocity all create 1600.0 376847 loop geom
neighbor 1.0 bin
neigh_modify delay 0 every 1 check yes
fix 1 all nve
timestep 0.005
thermo $STEPS
run $STEPS
IN
    ;;
    tersoff-si) cat <<IN
units metal
atom_style atomic
lattice diamond 5.431
region box block 0 16 0 16 0 16
create_box 1 box
create_atoms 1 box
mass 1 28.0855
pair_style tersoff
pair_coeff * * Si.tersoff Si
velocity all create 1000.0 376847 loop geom
neighbor 1.0 bin
neigh_modify delay 0 every 1 check yes
fix 1 all nve
timestep 0.001
thermo $STEPS
run $STEPS
IN
    ;;
  esac
}

json_field() { sed -n "s/.*\"$2\":\([0-9.e+-]*\).*/\1/p" <<<"$1"; }

# Wall-clock ratios suffer when other processes share the cores, so user CPU seconds of each whole
# process (setup included, /usr/bin/time) are compared too; the load average is printed alongside.
timed() { /usr/bin/time -f '%U' -o "$tmp/time" "$@"; }
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-11s %7s %6s %11s %11s %11s %8s %8s %9s %9s %8s %7s\n' case atoms steps "lmp ts/s" "ours 1T" "ours 2T" \
  "lmp CPU" "our CPU" "1T/lmp" "CPU ratio" "2T/1T" "B/atom"
for c in $CASES; do
  lammps_input "$c" > "$tmp/in.$c"
  (cd "$tmp" && cp /usr/share/lammps/potentials/Cu_u3.eam /usr/share/lammps/potentials/Si.tersoff . 2>/dev/null || true
   timed "$LMP" -in "in.$c" -log "log.$c" -screen none)
  lmp_cpu=$(cat "$tmp/time")
  loop=$(sed -n 's/^Loop time of \([0-9.e+-]*\) on .*/\1/p' "$tmp/log.$c")
  lmp_tps=$(awk -v t="$loop" -v s="$STEPS" 'BEGIN{printf "%.3f", s/t}')
  one=$(timed "$ATOMFAB" bench md --case "$c" --steps "$STEPS" --threads 1 | tail -1)
  our_cpu=$(cat "$tmp/time")
  two=$("$ATOMFAB" bench md --case "$c" --steps "$STEPS" --threads 2 | tail -1)
  t1=$(json_field "$one" timesteps_per_second); t2=$(json_field "$two" timesteps_per_second)
  mem=$(json_field "$one" peak_bytes_per_atom); atoms=$(json_field "$one" atoms)
  awk -v c="$c" -v n="$atoms" -v st="$STEPS" -v l="$lmp_tps" -v a="$t1" -v b="$t2" -v m="$mem" -v lc="$lmp_cpu" -v oc="$our_cpu" \
    'BEGIN{printf "%-11s %7d %6d %11.2f %11.2f %11.2f %8.2f %8.2f %8.2fx %8.2fx %7.2fx %7.0f\n", c, n, st, l, a, b, lc, oc, a/l, lc/oc, b/a, m}'
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
