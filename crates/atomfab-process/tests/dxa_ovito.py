#!/usr/bin/env python3
"""OVITO's dislocation analysis (DXA) of every frame of a LAMMPS dump written by an atomfab Cu cut.

    python3 dxa_ovito.py trajectory.dump [element]     (pip install ovito; element: the fcc metal, default Cu)
Prints one JSON object per frame: timestep, number of dislocation segments, total line length (Å) and the
line length per Burgers vector family: "shockley" 1/6<112>, "perfect" 1/2<110>, "other" (stair-rod,
Hirth, Frank, unidentified). Only the atoms of `element` are analysed (the tool is removed first).
Used by tests/cu_dislocations.rs; docs/validation/nanocutting.md §5.
"""
import json
import sys

from ovito.io import import_file
from ovito.modifiers import DeleteSelectedModifier, DislocationAnalysisModifier, ExpressionSelectionModifier


def family(burgers):
    """Burgers vector family from the true (lattice-frame) Burgers vector, in units of the lattice constant."""
    sixths = sorted(round(abs(c) * 6, 3) for c in burgers)
    if sixths == [1, 1, 2]:
        return 'shockley'
    if sixths == [0, 3, 3]:
        return 'perfect'
    return 'other'


def main():
    path = sys.argv[1]
    element = sys.argv[2] if len(sys.argv) > 2 else 'Cu'
    pipeline = import_file(path)
    types = pipeline.source.data.particles.particle_types
    keep = [t.id for t in types.types if t.name == element]
    if not keep:
        sys.exit('%s: no atom type named %s' % (path, element))
    pipeline.modifiers.append(ExpressionSelectionModifier(expression='ParticleType != %d' % keep[0]))
    pipeline.modifiers.append(DeleteSelectedModifier())
    pipeline.modifiers.append(DislocationAnalysisModifier(input_crystal_structure=DislocationAnalysisModifier.Lattice.FCC))
    for frame in range(pipeline.source.num_frames):
        data = pipeline.compute(frame)
        lengths = {'shockley': 0.0, 'perfect': 0.0, 'other': 0.0}
        segments = data.dislocations.segments if data.dislocations is not None else []
        for segment in segments:
            lengths[family(segment.true_burgers_vector)] += segment.length
        print(json.dumps({
            'timestep': int(data.attributes['Timestep']),
            'segments': len(segments),
            'total_length': data.attributes['DislocationAnalysis.total_line_length'],
            **lengths,
        }))


if __name__ == '__main__':
    main()
