//! Workpiece materials and the diamond tool: lattices, potentials and tool–workpiece interactions.

use crate::config::Material;
use atomfab_core::LatticeKind;

/// A potential file shipped inside the binary (see data/README.md for the sources).
pub struct PotentialFile {
    pub name: &'static str,
    pub contents: &'static str,
}

pub const SI_TERSOFF: PotentialFile = PotentialFile { name: "Si.tersoff", contents: include_str!("../data/Si.tersoff") };
pub const CU_U3_EAM: PotentialFile = PotentialFile { name: "Cu_u3.eam", contents: include_str!("../data/Cu_u3.eam") };

/// How crystalline atoms are recognised for damage analysis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StructureMethod {
    /// Identify diamond structure (Maras et al. 2016).
    Diamond,
    /// Adaptive common neighbour analysis (Stukowski 2012).
    AdaptiveCna,
}

pub struct MaterialPreset {
    pub element: &'static str,
    pub lattice: LatticeKind,
    /// Lattice constant, Å.
    pub a: f64,
    pub file: PotentialFile,
    /// Potential of the workpiece alone (hybrid part, acting on its own species pair).
    pub self_potential: &'static str,
    /// Tool–workpiece interaction (hybrid part on the workpiece–C pair).
    pub tool_potential: &'static str,
    pub structure: StructureMethod,
    /// Atomic layer spacing along [001] (Å): the height of one atomic step on a (001) surface.
    pub layer_spacing_001: f64,
    pub citation: &'static str,
}

/// Diamond tool lattice constant (Å).
pub const DIAMOND_A: f64 = 3.567;

pub fn preset(material: Material) -> MaterialPreset {
    match material {
        Material::Si => MaterialPreset {
            element: "Si",
            lattice: LatticeKind::Diamond,
            a: 5.431,
            file: SI_TERSOFF,
            self_potential: "tersoff:Si.tersoff:Si@Si-Si",
            // Si–C Morse: D0 = 0.435 eV, α = 4.6487 1/Å, r0 = 1.9475 Å (L. C. Zhang, H. Tanaka,
            // Tribol. Int. 31, 425 (1998)), widely used for diamond tools on silicon.
            tool_potential: "morse:d0=0.435,alpha=4.6487,r0=1.9475,cutoff=4.0@Si-C",
            structure: StructureMethod::Diamond,
            layer_spacing_001: 5.431 / 4.0,
            citation: "Si: Tersoff, PRB 37, 6991 (1988); Si–C Morse: Zhang & Tanaka, Tribol. Int. 31, 425 (1998)",
        },
        Material::Cu => MaterialPreset {
            element: "Cu",
            lattice: LatticeKind::Fcc,
            a: 3.615,
            file: CU_U3_EAM,
            self_potential: "eam:Cu_u3.eam@Cu-Cu",
            // Cu–C Morse: D0 = 0.087 eV, α = 5.14 1/Å, r0 = 2.05 Å (the Cu–diamond parameters used in
            // nanometric cutting of copper, e.g. Ye et al., Nanotechnology 14, 390 (2003)).
            tool_potential: "morse:d0=0.087,alpha=5.14,r0=2.05,cutoff=4.0@Cu-C",
            structure: StructureMethod::AdaptiveCna,
            layer_spacing_001: 3.615 / 2.0,
            citation: "Cu: EAM Foiles, Baskes & Daw, PRB 33, 7983 (1986); Cu–C Morse: Ye et al., Nanotechnology 14, 390 (2003)",
        },
    }
}

impl MaterialPreset {
    /// The hybrid potential spec of workpiece + rigid diamond tool (no C–C term: the tool is rigid).
    pub fn hybrid_spec(&self) -> String {
        format!("hybrid:{};{};none@C-C", self.self_potential, self.tool_potential)
    }
}
