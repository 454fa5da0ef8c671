#!/bin/sh
# Force-evaluation time of atomfab vs LAMMPS (single thread, and atomfab on 2 threads) on the LAMMPS
# benchmark systems: LJ fcc 32 000 atoms (cutoff 2.5, skin 0.3), Cu_u3 EAM 32 000, Si Tersoff 32 768.
# LAMMPS runs N steps with no integrator and no re-neighbouring, so its loop time is N force calls.
# The machine is shared, so besides wall-clock times the script reports CPU time per force call
# ((task-clock of N calls − task-clock of 0 calls) / N, from `perf stat`), which load does not inflate.
# Usage: bench/compare_lammps.sh [N]   (from crates/atomfab-potentials)
set -e
N=${1:-50}
cd "$(dirname "$0")/.."
POT=$(pwd)/tests/fixtures/potentials
TMP=$(mktemp -d)
cat > "$TMP/in.lj" <<IN
units lj
atom_style atomic
lattice fcc 0.8442
region box block 0 20 0 20 0 20
create_box 1 box
create_atoms 1 box
mass 1 1.0
displace_atoms all random 0.0168 0.0168 0.0168 1 units box
pair_style lj/cut 2.5
pair_coeff 1 1 1.0 1.0 2.5
neighbor 0.3 bin
neigh_modify every 100000 delay 100000 check no
thermo $N
run NSTEPS
IN
cat > "$TMP/in.eam" <<IN
units metal
atom_style atomic
lattice fcc 3.615
region box block 0 20 0 20 0 20
create_box 1 box
create_atoms 1 box
displace_atoms all random 0.036 0.036 0.036 2 units box
pair_style eam
pair_coeff 1 1 $POT/Cu_u3.eam
neighbor 1.0 bin
neigh_modify every 100000 delay 100000 check no
thermo $N
run NSTEPS
IN
cat > "$TMP/in.tersoff" <<IN
units metal
atom_style atomic
lattice diamond 5.431
region box block 0 16 0 16 0 16
create_box 1 box
create_atoms 1 box
mass 1 28.06
displace_atoms all random 0.054 0.054 0.054 3 units box
pair_style tersoff
pair_coeff * * $POT/Si.tersoff Si
neighbor 1.0 bin
neigh_modify every 100000 delay 100000 check no
thermo $N
run NSTEPS
IN
cargo build --release -q --example force_bench
BIN=../../target/release/examples/force_bench
cpu_ms() { # task-clock in ms of a command
  perf stat -x, -e task-clock "$@" 2>&1 >/dev/null | awk -F, '/task-clock/{print $1}'
}
for c in lj eam tersoff; do
  sed "s/NSTEPS/$N/" "$TMP/in.$c" > "$TMP/run.$c"; sed "s/NSTEPS/0/" "$TMP/in.$c" > "$TMP/zero.$c"
  L=$(cd "$TMP" && OMP_NUM_THREADS=1 lmp -in run.$c -log none | awk '/^Pair /{print $5}')
  echo "LAMMPS $c: Pair wall time $L s for $N force calls = $(echo "$L*1000/$N" | bc -l | cut -c1-6) ms per call"
  LN=$(cd "$TMP" && OMP_NUM_THREADS=1 cpu_ms lmp -in run.$c -log none)
  L0=$(cd "$TMP" && OMP_NUM_THREADS=1 cpu_ms lmp -in zero.$c -log none)
  AN=$(cpu_ms $BIN $c --evals $N --threads 1)
  A0=$(cpu_ms $BIN $c --evals 0 --threads 1)
  LC=$(echo "($LN-$L0)/$N" | bc -l); AC=$(echo "($AN-$A0)/$N" | bc -l)
  echo "CPU ms per force call, $c: LAMMPS $(echo $LC | cut -c1-6), atomfab $(echo $AC | cut -c1-6), ratio $(echo "$LC/$AC" | bc -l | cut -c1-5)"
  $BIN $c --evals $N --threads 1
  $BIN $c --evals $N --threads 2
done
rm -rf "$TMP"
