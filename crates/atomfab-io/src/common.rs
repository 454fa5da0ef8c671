//! Pieces shared by the readers: assembling a `System` from parsed columns and checking it.

use crate::error::{ErrorKind, IoError};
use atomfab_core::{Cell, System, Vec3};

/// Per-atom data collected by a reader before it becomes a `System`.
#[derive(Default)]
pub(crate) struct AtomColumns {
    pub species_index: Vec<u32>,
    pub ids: Vec<u64>,
    pub positions: Vec<Vec3>,
    pub velocities: Option<Vec<Vec3>>,
    pub forces: Option<Vec<Vec3>>,
    pub images: Option<Vec<[i32; 3]>>,
    pub charges: Option<Vec<f64>>,
}

/// Fails with `OutsideBox` for the first atom outside the cell along a non-periodic axis
/// (tolerance 1e-6 of the box length, the same as `System::validate`). `line_of(i)` gives atom i's line.
pub(crate) fn check_inside(cell: &Cell, positions: &[Vec3], file: &str, line_of: impl Fn(usize) -> usize) -> Result<(), IoError> {
    let pbc = cell.pbc();
    if pbc == [true; 3] {
        return Ok(());
    }
    for (i, &r) in positions.iter().enumerate() {
        let s = cell.to_fractional(r);
        for k in 0..3 {
            if !pbc[k] && !(-1e-6..=1.0 + 1e-6).contains(&s[k]) {
                let axis = ["a (x)", "b (y)", "c (z)"][k];
                return Err(IoError::parse(
                    ErrorKind::OutsideBox,
                    file,
                    line_of(i),
                    format!("an atom inside the non-periodic box along {axis}"),
                    format!("position ({}, {}, {}) Å, fractional {:.6}", r[0], r[1], r[2], s[k]),
                ));
            }
        }
    }
    Ok(())
}

/// Fails with `Syntax` naming the second line that repeats an atom id. Sorting costs less than hashing
/// for the million-atom frames this runs on.
pub(crate) fn check_unique_ids(ids: &[u64], file: &str, line_of: impl Fn(usize) -> usize) -> Result<(), IoError> {
    // Fast path: ids already strictly increasing (the usual case for files atomfab and LAMMPS write sorted).
    if ids.windows(2).all(|w| w[0] < w[1]) {
        return Ok(());
    }
    let mut order: Vec<(u64, u32)> = ids.iter().enumerate().map(|(i, &id)| (id, i as u32)).collect();
    order.sort_unstable();
    let mut worst: Option<usize> = None;
    for w in order.windows(2) {
        if w[0].0 == w[1].0 {
            let later = w[0].1.max(w[1].1) as usize;
            worst = Some(worst.map_or(later, |x: usize| x.min(later)));
        }
    }
    if let Some(i) = worst {
        return Err(IoError::parse(
            ErrorKind::Syntax,
            file,
            line_of(i),
            "a unique atom id",
            format!("id {} again", ids[i]),
        ));
    }
    Ok(())
}

impl AtomColumns {
    pub fn with_capacity(n: usize) -> AtomColumns {
        AtomColumns {
            species_index: Vec::with_capacity(n),
            ids: Vec::with_capacity(n),
            positions: Vec::with_capacity(n),
            ..Default::default()
        }
    }

    /// Moves the columns into `system` (whose cell, units and species are already set).
    pub fn into_system(self, mut system: System) -> System {
        let n = self.positions.len();
        system.velocities = self.velocities.unwrap_or_else(|| vec![[0.0; 3]; n]);
        system.forces = self.forces.unwrap_or_else(|| vec![[0.0; 3]; n]);
        system.images = self.images.unwrap_or_else(|| vec![[0; 3]; n]);
        system.charges = self.charges;
        system.group_mask = vec![1; n];
        system.species_index = self.species_index;
        system.ids = self.ids;
        system.positions = self.positions;
        system
    }
}

/// Tolerance (amu) for naming a LAMMPS type by its mass: wide enough for the older tabulated masses
/// scripts use (Si 28.0855, C 12.0107), narrow enough not to confuse neighbouring elements.
pub(crate) const MASS_MATCH_TOLERANCE_AMU: f64 = 0.05;

/// What is known about one LAMMPS atom type.
pub(crate) struct TypeInfo<'a> {
    pub ty: u32,
    /// Mass from a Masses section (amu).
    pub mass: Option<f64>,
    /// First word of the Masses line comment (`1 28.085 # Si`).
    pub comment: Option<&'a str>,
    /// Value of a dump `element` column for atoms of this type.
    pub element: Option<&'a str>,
}

/// Names a LAMMPS atom type: the type map first, then a dump `element` column, then a Masses comment that is a
/// chemical symbol, then (metal units) the element whose mass matches. In lj units an unnamed type is called by
/// its number. Errors are (kind, expected, found).
pub(crate) fn resolve_type(
    info: &TypeInfo,
    species_map: &[(u32, String)],
    units: atomfab_core::UnitSystem,
    hint: &str,
) -> Result<atomfab_core::Species, (ErrorKind, String, String)> {
    use atomfab_core::{Element, Species};
    let ty = info.ty;
    let with = |el: Element| Species { name: el.symbol.to_string(), element: Some(el), mass: info.mass.unwrap_or(el.mass) };
    if let Some((_, name)) = species_map.iter().find(|(t, _)| *t == ty) {
        return Element::from_symbol(name).map(with).ok_or_else(|| {
            (ErrorKind::UnknownElement, format!("a chemical symbol for atom type {ty} in the type map"), crate::error::quote(name))
        });
    }
    if let Some(name) = info.element {
        return Element::from_symbol(name).map(with).ok_or_else(|| {
            (ErrorKind::UnknownElement, "a chemical symbol in the element column".to_string(), crate::error::quote(name))
        });
    }
    if let Some(el) = info.comment.and_then(Element::from_symbol) {
        return Ok(with(el));
    }
    match units {
        atomfab_core::UnitSystem::Lj => Ok(Species { name: ty.to_string(), element: None, mass: info.mass.unwrap_or(1.0) }),
        atomfab_core::UnitSystem::Metal => {
            if let Some(el) = info.mass.and_then(|m| Element::from_mass(m, MASS_MATCH_TOLERANCE_AMU)) {
                return Ok(with(el));
            }
            let found = match info.mass {
                Some(m) => format!("only a mass of {m} amu, which matches no element"),
                None => "no element and no mass".to_string(),
            };
            Err((
                ErrorKind::UnknownElement,
                format!("an element for atom type {ty} ({hint}, or a type map such as {ty}=Si)"),
                found,
            ))
        }
    }
}

/// A cell as LAMMPS writes it (lo, hi, tilt xy xz yz), with the map from atomfab's frame into it.
pub(crate) struct LammpsFrame {
    pub lo: Vec3,
    pub hi: Vec3,
    pub tilt: Vec3,
    /// The LAMMPS-form cell when the original is not already in that orientation.
    target: Option<Cell>,
    source: Cell,
}

impl LammpsFrame {
    /// The restricted-triclinic form of `cell`. Atoms are carried over through their fractional coordinates,
    /// which is the rotation of `Cell::lammps_form` for a right-handed cell and also stays consistent with the
    /// box for a left-handed one (which no rotation can bring into LAMMPS form).
    pub fn new(cell: &Cell) -> LammpsFrame {
        if cell.is_lammps_form() {
            let o = cell.origin();
            let v = cell.vectors();
            return LammpsFrame {
                lo: o,
                hi: [o[0] + v[0][0], o[1] + v[1][1], o[2] + v[2][2]],
                tilt: [v[1][0], v[2][0], v[2][1]],
                target: None,
                source: cell.clone(),
            };
        }
        let lb = cell.lammps_form();
        // The source cell is valid, so its LAMMPS form (same lengths and angles) is too.
        let target = Cell::from_lammps(lb.lo, lb.hi, lb.tilt, cell.pbc()).ok();
        LammpsFrame { lo: lb.lo, hi: lb.hi, tilt: lb.tilt, target, source: cell.clone() }
    }

    /// A position in the LAMMPS frame (Å).
    #[inline]
    pub fn position(&self, r: Vec3) -> Vec3 {
        match &self.target {
            Some(t) => t.to_cartesian(self.source.to_fractional(r)),
            None => r,
        }
    }

    /// A vector (velocity, force) in the LAMMPS frame.
    #[inline]
    pub fn vector(&self, v: Vec3) -> Vec3 {
        match &self.target {
            Some(t) => {
                let o = self.source.origin();
                t.fractional_to_vector(self.source.to_fractional([v[0] + o[0], v[1] + o[1], v[2] + o[2]]))
            }
            None => v,
        }
    }
}
