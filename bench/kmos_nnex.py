"""kmos side of bench/kmc_vs_kmos.sh: the model of bench/kmc_nnex.toml (NN-exclusion adsorption
E -> A and desorption A -> E at 1 Hz each, 256x256 periodic square lattice) in kmos
(pip package python-kmos; Fortran core compiled by `kmos export`).

  python kmos_nnex.py model DIR          write DIR/nnex.xml (kmos project)
  python kmos_nnex.py run N STEPS        in the exported model folder: run STEPS events after
                                         2e6 warm-up events, print CPU events/s and mean coverage
"""
import sys
import time

if sys.argv[1] == "model":
    import numpy as np
    from kmos.types import Action, Condition, Project, Site

    pt = Project()
    pt.set_meta(author="atomfab", email="none@example.org", model_name="nnex", model_dimension=2, debug=0)
    pt.add_species(name="empty", color="#ffffff")
    pt.add_species(name="A", color="#ff0000", representation="Atoms('Al')")
    pt.species_list.default_species = "empty"
    layer = pt.add_layer(name="default")
    layer.sites.append(Site(name="a", pos="0.5 0.5 0.5", default_species="default_species"))
    pt.lattice.cell = np.diag([3.0, 3.0, 10.0])
    pt.add_parameter(name="k_ads", value=1.0)
    pt.add_parameter(name="k_des", value=1.0)
    c = pt.lattice.generate_coord("a.(0,0,0).default")
    nbs = [pt.lattice.generate_coord("a.(%d,%d,0).default" % d) for d in [(1, 0), (-1, 0), (0, 1), (0, -1)]]
    pt.add_process(name="ads", rate_constant="k_ads",
                   conditions=[Condition(species="empty", coord=c)] + [Condition(species="empty", coord=n) for n in nbs],
                   actions=[Action(species="A", coord=c)])
    pt.add_process(name="des", rate_constant="k_des",
                   conditions=[Condition(species="A", coord=c)], actions=[Action(species="empty", coord=c)])
    pt.save(sys.argv[2] + "/nnex.xml")
else:
    from kmos.run import KMC_Model

    n, steps = int(sys.argv[2]), int(sys.argv[3])
    model = KMC_Model(print_rates=False, banner=False, size=(n, n))
    model.parameters.k_ads = 1.0
    model.parameters.k_des = 1.0
    model.do_steps(2_000_000)  # reach the steady state
    header = model.get_occupation_header().split()
    blocks, cpu = 50, 0.0
    cov = 0.0
    for _ in range(blocks):
        c0 = time.process_time()
        model.do_steps(steps // blocks)
        cpu += time.process_time() - c0
        cov += model.get_atoms(geometry=False).occupation[header.index("A_default_a")].mean()
    done = blocks * (steps // blocks)
    print(f"kmos: {n}x{n} sites, {done} events, cpu {cpu:.3f} s, {done / cpu:.3e} events/s (cpu), "
          f"mean A coverage {cov / blocks:.5f}")
