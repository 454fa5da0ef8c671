#!/usr/bin/env bash
# kMC speed against a reference code: the same network (bench/kmc_nnex.toml: adsorption with
# nearest-neighbour exclusion + desorption, 256×256 square lattice, constant rates) in kmos
# (python-kmos, Fortran core, backend local_smart and lat_int) and in the atomfab engine, back to back.
# Prints CPU events/s of each (time inside the event loops only) and the ratio, plus the steady-state
# A coverage of both (they must agree within ~0.002: same model).
#
# Usage: bench/kmc_vs_kmos.sh [KMOS_STEPS]   (env: KMOS_VENV=/tmp/kmosenv, a venv with python-kmos)
set -euo pipefail
cd "$(dirname "$0")/.."
STEPS=${1:-10000000}
VENV=${KMOS_VENV:-/tmp/kmosenv}
[ -x "$VENV/bin/kmos" ] || { python3 -m venv "$VENV" && "$VENV/bin/pip" install -q python-kmos; }
cargo build --release -q -p atomfab-kmc --example kmc_bench
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$VENV/bin/python" bench/kmos_nnex.py model "$tmp"
for backend in local_smart lat_int; do
  # kmos asks on stdin whether to download JANAF gas tables (not needed here): answer no.
  (cd "$tmp" && echo n | "$VENV/bin/kmos" export nnex.xml "nnex_$backend" -b "$backend" >"export_$backend.log" 2>&1) \
    || { tail -20 "$tmp/export_$backend.log"; exit 1; }
done
uptime
for backend in local_smart lat_int; do
  echo "== kmos ($backend)"
  (cd "$tmp/nnex_$backend" && PYTHONPATH=. "$VENV/bin/python" "$OLDPWD/bench/kmos_nnex.py" run 256 "$STEPS") | tee "$tmp/kmos_$backend.txt"
done
echo "== atomfab"
target/release/examples/kmc_bench --recipe bench/kmc_nnex.toml | tee "$tmp/atomfab.json"
uptime
python3 - "$tmp" <<'PY'
import json, re, sys
d = sys.argv[1]
a = json.load(open(f"{d}/atomfab.json"))
print(f"atomfab: {a['events_per_cpu_second']:.3e} events/s (cpu), A coverage {a['mean_coverage_second_half'][1]:.5f}")
for b in ["local_smart", "lat_int"]:
    t = open(f"{d}/kmos_{b}.txt").read()
    k = float(re.search(r"([0-9.e+]+) events/s", t).group(1))
    print(f"atomfab / kmos {b}: {a['events_per_cpu_second'] / k:.1f}x")
PY
