#!/usr/bin/env python3
"""Cross-tool check for atomfab-io (run by tests/ase_ovito.rs; needs `pip install ase ovito`).

Usage: check_ase_ovito.py --ase-out DIR FILE...

1. Each FILE (written by atomfab: .xyz, .data or .dump) is loaded with ase.io.read and
   ovito.io.import_file; atom count, cell vectors, periodicity, positions (Å) and element symbols must
   match FILE.json, which atomfab wrote next to it.
2. OVITO re-exports the atomfab extxyz file as DIR/ovito.xyz, DIR/ovito.data and DIR/ovito.dump (OVITO 3.17
   writes LAMMPS general-triclinic `avec/bvec/cvec` boxes) with DIR/ovito_types.json (type id → name).
3. ASE writes DIR/ase.xyz (extxyz, with velocities as momenta) and DIR/ase.data (lammps-data, atom style
   charge, triclinic, Masses, Velocities) plus DIR/ase_expected.json, for the Rust test to read back.

Exit status 0 when everything agrees; 1 on a mismatch; 3 when ase or ovito is missing.
"""
import json
import os
import sys

try:
    import numpy as np
    import ase
    import ase.io
    import ase.units
    from ase import Atoms
except ImportError as e:  # pragma: no cover
    print(f"check_ase_ovito.py: cannot import ASE ({e}); install it with `pip install ase ovito`", file=sys.stderr)
    sys.exit(3)
try:
    os.environ.setdefault("OVITO_GUI_MODE", "0")
    from ovito.io import export_file, import_file
except ImportError as e:  # pragma: no cover
    print(f"check_ase_ovito.py: cannot import OVITO ({e}); install it with `pip install ovito`", file=sys.stderr)
    sys.exit(3)

TOL = 1e-9  # Å; atomfab writes shortest round-trip decimals, so only parser rounding remains


def fail(msg):
    print(f"check_ase_ovito.py: FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def close(name, got, want, tol=TOL):
    got = np.asarray(got, dtype=float)
    want = np.asarray(want, dtype=float)
    if got.shape != want.shape:
        fail(f"{name}: shape {got.shape}, expected {want.shape}")
    err = np.max(np.abs(got - want)) if got.size else 0.0
    if err > tol:
        fail(f"{name}: differs by {err:.3e} (tolerance {tol:.1e})")
    return err


def check_ase(path, exp):
    fmt = {".xyz": "extxyz", ".data": "lammps-data", ".dump": "lammps-dump-text"}[os.path.splitext(path)[1]]
    kw = {"atom_style": "atomic"} if fmt == "lammps-data" else {}
    atoms = ase.io.read(path, format=fmt, index=0, **kw) if fmt != "lammps-data" else ase.io.read(path, format=fmt, **kw)
    if len(atoms) != exp["natoms"]:
        fail(f"ASE {path}: {len(atoms)} atoms, expected {exp['natoms']}")
    close(f"ASE {path} cell", atoms.cell[:], exp["cell"])
    # ASE unwraps LAMMPS data positions with the image flags; extxyz and dump positions are taken as written.
    want = exp["unwrapped"] if fmt == "lammps-data" else exp["positions"]
    err = close(f"ASE {path} positions", atoms.positions, want)
    if fmt != "lammps-data" and list(atoms.get_chemical_symbols()) != exp["symbols"]:
        fail(f"ASE {path}: symbols {atoms.get_chemical_symbols()[:6]}…, expected {exp['symbols'][:6]}…")
    if fmt == "lammps-data":
        # ASE names types by matching the Masses section.
        if list(atoms.get_chemical_symbols()) != exp["symbols"]:
            fail(f"ASE {path}: symbols from masses {atoms.get_chemical_symbols()[:6]}…, expected {exp['symbols'][:6]}…")
    if fmt == "extxyz" and list(atoms.pbc) != exp["pbc"]:
        fail(f"ASE {path}: pbc {list(atoms.pbc)}, expected {exp['pbc']}")
    print(f"ASE   {path}: {len(atoms)} atoms, cell and positions agree (max |Δr| {err:.1e} Å)")


def check_ovito(path, exp):
    kw = {"atom_style": "atomic"} if path.endswith(".data") else {}
    data = import_file(path, **kw).compute(0)
    n = data.particles.count
    if n != exp["natoms"]:
        fail(f"OVITO {path}: {n} atoms, expected {exp['natoms']}")
    m = np.asarray(data.cell[...])
    close(f"OVITO {path} cell vectors", m[:, :3].T, exp["cell"])
    close(f"OVITO {path} cell origin", m[:, 3], exp["origin"])
    if list(data.cell.pbc) != exp["pbc"] and not path.endswith(".data"):
        fail(f"OVITO {path}: pbc {list(data.cell.pbc)}, expected {exp['pbc']}")
    pos = np.asarray(data.particles.positions)
    ids = np.asarray(data.particles.identifiers) if "Particle Identifier" in data.particles else None
    want = np.asarray(exp["positions"])
    if ids is not None:
        order = {int(i): k for k, i in enumerate(exp["ids"])}
        want = want[[order[int(i)] for i in ids]]
    err = close(f"OVITO {path} positions", pos, want)
    types = data.particles.particle_types
    names = [types.type_by_id(int(t)).name for t in np.asarray(types)]
    want_names = exp["symbols"] if ids is None else [exp["symbols"][order[int(i)]] for i in ids]
    if names != want_names:
        fail(f"OVITO {path}: type names {names[:6]}…, expected {want_names[:6]}…")
    print(f"OVITO {path}: {n} atoms, cell, positions and element names agree (max |Δr| {err:.1e} Å)")


def write_ovito_files(src, out):
    """OVITO → atomfab: re-export an atomfab extxyz file in the three formats."""
    pipeline = import_file(src)
    data = pipeline.compute(0)
    cols = ["Particle Identifier", "Particle Type", "Position.X", "Position.Y", "Position.Z"]
    export_file(pipeline, os.path.join(out, "ovito.xyz"), "xyz", columns=cols)
    export_file(pipeline, os.path.join(out, "ovito.data"), "lammps/data", atom_style="atomic")
    export_file(pipeline, os.path.join(out, "ovito.dump"), "lammps/dump", columns=cols)
    types = {t.id: t.name for t in data.particles.particle_types.types}
    with open(os.path.join(out, "ovito_types.json"), "w") as f:
        json.dump(types, f)
    print(f"OVITO wrote ovito.xyz, ovito.data and ovito.dump in {out} (types {types})")


def write_ase_files(out):
    """ASE → atomfab: a two-species triclinic crystal with velocities and charges."""
    rng = np.random.default_rng(20240611)
    cell = np.array([[9.0, 0.0, 0.0], [2.5, 8.5, 0.0], [-1.25, 1.5, 10.0]])  # LAMMPS orientation already
    n = 24
    frac = rng.random((n, 3))
    symbols = ["Si" if k % 3 else "O" for k in range(n)]
    atoms = Atoms(symbols=symbols, scaled_positions=frac, cell=cell, pbc=[True, True, False])
    v_ang_per_ps = rng.uniform(-5, 5, (n, 3))
    atoms.set_velocities(v_ang_per_ps / (1000 * ase.units.fs))  # ASE velocity unit = Å / (ASE time)
    atoms.set_initial_charges([-1.2 if s == "O" else 2.4 for s in symbols])
    atoms.arrays["tag_value"] = np.arange(n, dtype=int) * 3
    ase.io.write(os.path.join(out, "ase.xyz"), atoms, format="extxyz")
    ase.io.write(os.path.join(out, "ase.data"), atoms, format="lammps-data", atom_style="charge",
                 masses=True, velocities=True, units="metal", specorder=["O", "Si"])
    exp = {
        "natoms": n,
        "cell": cell.tolist(),
        "pbc": [True, True, False],
        "positions": atoms.positions.tolist(),
        "symbols": symbols,
        "velocities_angstrom_per_ps": v_ang_per_ps.tolist(),
        "charges": atoms.get_initial_charges().tolist(),
        "tag_value": atoms.arrays["tag_value"].tolist(),
        "ase_version": ase.__version__,
    }
    with open(os.path.join(out, "ase_expected.json"), "w") as f:
        json.dump(exp, f)
    print(f"ASE {ase.__version__} wrote ase.xyz and ase.data in {out}")


def main(argv):
    if len(argv) < 3 or argv[0] != "--ase-out":
        print(__doc__, file=sys.stderr)
        return 2
    out, files = argv[1], argv[2:]
    for path in files:
        with open(path + ".json") as f:
            exp = json.load(f)
        check_ase(path, exp)
        check_ovito(path, exp)
    xyz = [p for p in files if p.endswith(".xyz")]
    if xyz:
        write_ovito_files(xyz[0], out)
    write_ase_files(out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
