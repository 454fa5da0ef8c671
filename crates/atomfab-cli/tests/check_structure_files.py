"""Loads structure files written by atomfab with the real ASE and OVITO and checks atom count and cell.

usage: check_structure_files.py N_ATOMS LX LY LZ FILE...   (orthorhombic cell lengths in Å)
Exits non-zero with a message on the first mismatch.
"""
import sys

import numpy as np
from ase.io import read as ase_read
from ovito.io import import_file

n_atoms = int(sys.argv[1])
lengths = np.array([float(x) for x in sys.argv[2:5]])
for path in sys.argv[5:]:
    fmt = "lammps-data" if path.endswith(".data") else None
    kwargs = {"format": fmt, "atom_style": "atomic"} if fmt else {}
    if path.endswith(".dump"):
        kwargs = {"format": "lammps-dump-text"}
    atoms = ase_read(path, **kwargs)
    assert len(atoms) == n_atoms, f"ASE read {len(atoms)} atoms from {path}, expected {n_atoms}"
    assert np.allclose(atoms.cell.lengths(), lengths, atol=1e-6), f"ASE cell {atoms.cell.lengths()} in {path}"
    data = import_file(path).compute()
    assert data.particles.count == n_atoms, f"OVITO read {data.particles.count} atoms from {path}"
    cell = np.array(data.cell)[:, :3]
    assert np.allclose(np.linalg.norm(cell, axis=0), lengths, atol=1e-6), f"OVITO cell {cell} in {path}"
    print(f"ok {path}: {n_atoms} atoms, cell {lengths}")
