"""Loads structure files written by atomfab with the real ASE and OVITO: both must see the expected atom
count and agree with each other on the cell.

usage: check_structure_files.py N_ATOMS FILE...
Exits non-zero with a message on the first mismatch.
"""
import sys

import numpy as np
from ase.io import read as ase_read
from ovito.io import import_file

n_atoms = int(sys.argv[1])
for path in sys.argv[2:]:
    kwargs = {}
    if path.endswith(".data"):
        kwargs = {"format": "lammps-data", "atom_style": "atomic"}
    elif path.endswith(".dump"):
        kwargs = {"format": "lammps-dump-text", "index": -1}
    atoms = ase_read(path, **kwargs)
    assert len(atoms) == n_atoms, f"ASE read {len(atoms)} atoms from {path}, expected {n_atoms}"
    pipeline = import_file(path)
    data = pipeline.compute(pipeline.source.num_frames - 1)
    assert data.particles.count == n_atoms, f"OVITO read {data.particles.count} atoms from {path}"
    ovito_cell = np.array(data.cell)[:, :3].T
    assert np.allclose(ovito_cell, np.array(atoms.cell), atol=1e-5), f"cells differ in {path}: OVITO {ovito_cell}, ASE {np.array(atoms.cell)}"
    print(f"ok {path}: {n_atoms} atoms, cell lengths {atoms.cell.lengths()}")
