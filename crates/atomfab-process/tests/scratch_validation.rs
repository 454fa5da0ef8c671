//! Validation of Cu nano-scratching against published MD (docs/validation/scratching_polishing.md):
//! a spherical diamond indenter ploughing Cu(001) nucleates partial dislocations, whose stacking faults
//! a-CNA labels HCP (e.g. J. Zhang et al., Appl. Surf. Sci. 254, 4774 (2008); P. Zhang et al., Appl. Surf.
//! Sci. 280, 751 (2013)), and the friction coefficient is at least the geometric ploughing value of a
//! sphere (adhesion and the chip only add to it). A 4,500-atom, 5,800-step system (13 s of CPU here).

mod common;
use common::{edit, run_recipe, CU_SCRATCH};

/// The CI scratch of slide.rs made deeper: R = 1 nm, 0.7 nm deep, in a 5.0 × 3.3 × 3.0 nm slab.
fn deep_scratch() -> String {
    edit(CU_SCRATCH, &[("size_nm = [4.8, 3.3, 2.0]", "size_nm = [5.0, 3.3, 3.0]"), ("radius_nm = 0.8", "radius_nm = 1.0"), ("depth_nm = 0.35", "depth_nm = 0.7")])
}

#[test]
fn cu_scratch_leaves_stacking_faults_and_ploughs() {
    let dir = tempfile::tempdir().unwrap();
    let s = run_recipe(dir.path(), &deep_scratch(), 7);
    let sc = s.figures.scratch.as_ref().unwrap();
    // Thermal noise at 300 K labels well under 0.1 % of fcc atoms HCP (< 5 of these 4,200); a stacking
    // fault plane across the 3.3 nm wide slab holds ~100 atoms. 20 HCP atoms therefore mean at least
    // part of a fault plane, not noise.
    assert!(sc.hcp_atoms_total >= 20, "HCP (stacking-fault) atoms after scratching: {}", sc.hcp_atoms_total);
    let fcc = s.damage.counts.iter().find(|(n, _)| n == "FCC").map_or(0, |c| c.1);
    assert!(fcc > 0, "crystalline fcc remains below the groove");
    // Geometric ploughing of a rigid sphere (perfectly plastic, frictionless): Ft/Fn = A_x / (π a²/2),
    // A_x the buried cross-section (circular segment), πa²/2 the front half of the contact.
    let (r, d) = (1.0f64, 0.7f64);
    let theta = ((r - d) / r).acos();
    let a2 = 2.0 * r * d - d * d;
    let mu_plough = r * r * (theta - theta.sin() * theta.cos()) / (std::f64::consts::PI * a2 / 2.0);
    assert!(sc.friction_coefficient >= 0.8 * mu_plough, "μ = {} vs geometric ploughing {mu_plough:.3}", sc.friction_coefficient);
}
