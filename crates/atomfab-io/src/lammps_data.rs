//! LAMMPS data files (`read_data` / `write_data`), atom styles `atomic` (id type x y z) and `charge`
//! (id type q x y z), each optionally followed by image flags ix iy iz. Orthogonal boxes, restricted
//! triclinic (`xy xz yz`) and general triclinic (`avec`/`bvec`/`cvec`/`abc origin`) boxes; Masses (amu)
//! and Velocities (Å/ps in metal units) sections. Bond/angle/coefficient sections are skipped.
//!
//! LAMMPS data files say nothing about periodicity, so every axis is read as periodic (LAMMPS'
//! default `boundary p p p`). Atom types become species in type order (type t is species t−1); each is
//! named by `ReadOptions::species_map`, else a `# Symbol` comment on its Masses line, else by matching
//! its mass to an element (metal units).

use crate::common::{check_unique_ids, resolve_type, AtomColumns, LammpsFrame, TypeInfo};
use crate::error::{quote, ErrorKind, IoError};
use crate::text::{fmt_f64, reserve_for, strip_comment, Lines};
use crate::ReadOptions;
use atomfab_core::{Cell, System, Vec3};
use std::collections::HashMap;
use std::io::{self, BufRead, Write};

/// Most atom types accepted; more is a corrupt header (and would make per-type tables huge).
pub const MAX_ATOM_TYPES: u64 = 1 << 16;

#[derive(Clone, Copy, PartialEq, Debug)]
enum Style {
    Atomic,
    Charge,
}

impl Style {
    fn parse(name: &str) -> Option<Style> {
        match name {
            "atomic" => Some(Style::Atomic),
            "charge" => Some(Style::Charge),
            _ => None,
        }
    }
    /// Columns without image flags.
    fn columns(self) -> usize {
        match self {
            Style::Atomic => 5,
            Style::Charge => 6,
        }
    }
    fn what(self) -> &'static str {
        match self {
            Style::Atomic => "atom style atomic: id type x y z [ix iy iz]",
            Style::Charge => "atom style charge: id type q x y z [ix iy iz]",
        }
    }
}

/// Header counts that size skipped sections.
#[derive(Default)]
struct Counts {
    atoms: Option<u64>,
    types: Option<u64>,
    bonds: u64,
    angles: u64,
    dihedrals: u64,
    impropers: u64,
    bond_types: u64,
    angle_types: u64,
    dihedral_types: u64,
    improper_types: u64,
}

const SECTIONS: &[&str] = &[
    "Atoms", "Velocities", "Masses", "Pair Coeffs", "PairIJ Coeffs", "Bond Coeffs", "Angle Coeffs",
    "Dihedral Coeffs", "Improper Coeffs", "BondBond Coeffs", "BondAngle Coeffs", "MiddleBondTorsion Coeffs",
    "EndBondTorsion Coeffs", "AngleTorsion Coeffs", "AngleAngleTorsion Coeffs", "BondBond13 Coeffs",
    "AngleAngle Coeffs", "Bonds", "Angles", "Dihedrals", "Impropers", "Ellipsoids", "Lines", "Triangles", "Bodies",
];

fn section_name(line: &str) -> Option<&'static str> {
    let t = strip_comment(line).trim();
    SECTIONS.iter().copied().find(|s| *s == t)
}

/// Reads a data file; `file` names it in error messages.
pub fn read<R: BufRead>(reader: R, file: &str, options: &ReadOptions) -> Result<System, IoError> {
    let mut l = Lines::new(reader, file);
    let units = options.units;
    // Line 1 is a free-text title.
    if !l.advance()? {
        return Err(l.err(ErrorKind::Empty, "a LAMMPS data file (title line, then header)", "an empty file"));
    }
    let title_only_blank = l.line().trim().is_empty();

    let mut counts = Counts::default();
    let mut lo = [-0.5; 3];
    let mut hi = [0.5; 3];
    let mut tilt = [0.0; 3];
    let mut general: [Option<Vec3>; 4] = [None; 4];
    let mut section: Option<&'static str> = None;
    let mut any_header = false;

    // Header: until the first section keyword.
    while l.next_nonblank(true)? {
        if let Some(s) = section_name(l.line()) {
            section = Some(s);
            break;
        }
        any_header = true;
        let body = strip_comment(l.line());
        let toks: Vec<&str> = body.split_ascii_whitespace().collect();
        let n = toks.len();
        let kw = |k: usize| toks[n - k..].join(" ");
        let count = |l: &Lines<R>| -> Result<u64, IoError> { l.int::<u64>(toks[0], "a header count") };
        let f = |l: &Lines<R>, k: usize| l.f64(toks[k], "a box bound (Å)");
        match (n, toks.last().copied().unwrap_or("")) {
            (2, "atoms") => counts.atoms = Some(count(&l)?),
            (2, "bonds") => counts.bonds = count(&l)?,
            (2, "angles") => counts.angles = count(&l)?,
            (2, "dihedrals") => counts.dihedrals = count(&l)?,
            (2, "impropers") => counts.impropers = count(&l)?,
            (2, "ellipsoids" | "lines" | "triangles" | "bodies") => {
                if count(&l)? != 0 {
                    return Err(l.err(ErrorKind::Syntax, "atom style atomic or charge (no extended particles)", quote(body.trim())));
                }
            }
            (3, "types") => {
                let c = count(&l)?;
                match toks[1] {
                    "atom" => counts.types = Some(c),
                    "bond" => counts.bond_types = c,
                    "angle" => counts.angle_types = c,
                    "dihedral" => counts.dihedral_types = c,
                    "improper" => counts.improper_types = c,
                    _ => return Err(l.err(ErrorKind::Syntax, "'N atom types' or 'N bond/angle/dihedral/improper types'", quote(body.trim()))),
                }
            }
            (5, "atom") if toks[1] == "extra" && toks[3] == "per" => {
                count(&l)?;
            }
            (4, "xhi" | "yhi" | "zhi") if kw(2) == "xlo xhi" || kw(2) == "ylo yhi" || kw(2) == "zlo zhi" => {
                let k = match toks[3] {
                    "xhi" => 0,
                    "yhi" => 1,
                    _ => 2,
                };
                lo[k] = f(&l, 0)?;
                hi[k] = f(&l, 1)?;
            }
            (6, "yz") if kw(3) == "xy xz yz" => {
                for k in 0..3 {
                    tilt[k] = l.f64(toks[k], "a tilt factor (Å)")?;
                }
            }
            (4, "avec" | "bvec" | "cvec") | (5, "origin") if n == 4 || kw(2) == "abc origin" => {
                let k = match toks[n - 1] {
                    "avec" => 0,
                    "bvec" => 1,
                    "cvec" => 2,
                    _ => 3,
                };
                let mut v = [0.0; 3];
                for d in 0..3 {
                    v[d] = l.f64(toks[d], "a general triclinic box vector (Å)")?;
                }
                general[k] = Some(v);
            }
            _ => {
                if n > 0 && toks[0].parse::<f64>().is_err() {
                    return Err(l.err(
                        ErrorKind::Syntax,
                        "a header line such as 'N atoms', 'N atom types', 'xlo xhi' or a section (Masses, Atoms, Velocities)",
                        quote(body.trim()),
                    ));
                }
                return Err(l.err(ErrorKind::ColumnCount, "a header line such as 'N atoms', 'N atom types', 'lo hi xlo xhi' or 'xy xz yz xy xz yz'", quote(body.trim())));
            }
        }
    }
    if section.is_none() && !any_header && title_only_blank {
        return Err(l.err(ErrorKind::Empty, "a LAMMPS data file (title line, then header)", "only blank lines"));
    }
    let natoms = counts.atoms.ok_or_else(|| {
        if any_header || section.is_some() {
            l.err(ErrorKind::Syntax, "an 'N atoms' header line", "none")
        } else {
            l.truncated("an 'N atoms' header line")
        }
    })?;
    let ntypes = counts.types.ok_or_else(|| l.err(ErrorKind::Syntax, "an 'N atom types' header line", "none"))?;
    if natoms > 0 && ntypes == 0 {
        return Err(l.err(ErrorKind::BadCount, "at least 1 atom type for a file with atoms", "0 atom types"));
    }
    if ntypes > MAX_ATOM_TYPES {
        return Err(l.err(ErrorKind::BadCount, format!("at most {MAX_ATOM_TYPES} atom types"), format!("{ntypes} atom types")));
    }
    let pbc = [true; 3];
    let cell = if general[0].is_some() || general[1].is_some() || general[2].is_some() {
        match general {
            [Some(a), Some(b), Some(c), o] => Cell::new([a, b, c], o.unwrap_or([0.0; 3]), pbc),
            _ => return Err(l.err(ErrorKind::Syntax, "all of the avec, bvec and cvec header lines", "only some of them")),
        }
    } else {
        Cell::from_lammps(lo, hi, tilt, pbc)
    }
    .map_err(|e| l.err(ErrorKind::Syntax, "a valid box in the header", e.to_string()))?;

    let ntypes_us = ntypes as usize;
    let mut masses: Vec<Option<f64>> = vec![None; ntypes_us];
    let mut comments: Vec<Option<String>> = vec![None; ntypes_us];
    let mut masses_line = 0usize;
    let mut cols: Option<AtomColumns> = None;
    let mut atoms_first_line = 0usize;
    let mut style: Option<Style> = options
        .atom_style
        .as_deref()
        .map(|s| Style::parse(s).ok_or_else(|| IoError::parse(ErrorKind::Syntax, file, 0, "atom style atomic or charge", quote(s))))
        .transpose()?;
    let mut seen_sections: Vec<&'static str> = Vec::new();

    while let Some(name) = section {
        if seen_sections.contains(&name) {
            return Err(l.err(ErrorKind::Syntax, format!("one {name} section"), "a second one"));
        }
        seen_sections.push(name);
        let header_line = l.line().to_string();
        let expected = match name {
            "Atoms" => natoms,
            "Velocities" => natoms,
            "Masses" | "Pair Coeffs" => ntypes,
            "PairIJ Coeffs" => ntypes * (ntypes + 1) / 2,
            "Bond Coeffs" => counts.bond_types,
            "Angle Coeffs" | "BondBond Coeffs" | "BondAngle Coeffs" => counts.angle_types,
            "Dihedral Coeffs" | "MiddleBondTorsion Coeffs" | "EndBondTorsion Coeffs" | "AngleTorsion Coeffs"
            | "AngleAngleTorsion Coeffs" | "BondBond13 Coeffs" => counts.dihedral_types,
            "Improper Coeffs" | "AngleAngle Coeffs" => counts.improper_types,
            "Bonds" => counts.bonds,
            "Angles" => counts.angles,
            "Dihedrals" => counts.dihedrals,
            "Impropers" => counts.impropers,
            _ => return Err(l.err(ErrorKind::Syntax, "atom style atomic or charge (no extended particles)", quote(name))),
        };
        if name == "Atoms" {
            if let Some(hint) = header_line.split_once('#').map(|(_, c)| c.trim()).filter(|c| !c.is_empty()) {
                let hint = hint.split_ascii_whitespace().next().unwrap_or("");
                if style.is_none() {
                    style = Some(Style::parse(hint).ok_or_else(|| l.err(ErrorKind::Syntax, "atom style atomic or charge", quote(hint)))?);
                }
            }
        }
        if name == "Velocities" && cols.is_none() {
            return Err(l.err(ErrorKind::Syntax, "the Atoms section before Velocities", "Velocities first"));
        }
        let mut vel_index: Option<HashMap<u64, usize>> = None;
        let mut vel_seen: Vec<bool> = Vec::new();
        let mut k: u64 = 0;
        while k < expected {
            if !l.next_nonblank(true)? {
                return Err(l.truncated(&format!("{expected} lines in the {name} section, got {k}")));
            }
            if let Some(s) = section_name(l.line()) {
                return Err(l.err(
                    ErrorKind::BadCount,
                    format!("{expected} lines in the {name} section (as the header declares), got {k}"),
                    format!("the next section '{s}'"),
                ));
            }
            let body = strip_comment(l.line());
            match name {
                "Masses" => {
                    l.check_columns_of(body, 2, "Masses: type mass")?;
                    let mut it = body.split_ascii_whitespace();
                    let t: u64 = l.int(it.next().unwrap_or(""), "an atom type")?;
                    if t == 0 || t > ntypes {
                        return Err(l.err(ErrorKind::Syntax, format!("an atom type 1..{ntypes}"), t.to_string()));
                    }
                    let m = l.f64(it.next().unwrap_or(""), "a mass (amu)")?;
                    if m <= 0.0 {
                        return Err(l.err(ErrorKind::Syntax, "a positive mass (amu)", fmt_f64(m).to_string()));
                    }
                    masses[t as usize - 1] = Some(m);
                    comments[t as usize - 1] =
                        l.line().split_once('#').and_then(|(_, c)| c.split_ascii_whitespace().next()).map(str::to_string);
                    masses_line = masses_line.max(l.line_no);
                }
                "Atoms" => {
                    let ncols = body.split_ascii_whitespace().count();
                    let st = match style {
                        Some(s) => s,
                        None => {
                            let s = match ncols {
                                5 | 8 => Style::Atomic,
                                6 | 9 => Style::Charge,
                                _ => return Err(l.err(
                                    ErrorKind::ColumnCount,
                                    "5 or 8 columns (atom style atomic) or 6 or 9 (charge)",
                                    format!("{ncols} columns"),
                                )),
                            };
                            style = Some(s);
                            s
                        }
                    };
                    if ncols != st.columns() && ncols != st.columns() + 3 {
                        return Err(l.err(
                            ErrorKind::ColumnCount,
                            format!("{} or {} columns ({})", st.columns(), st.columns() + 3, st.what()),
                            format!("{ncols} columns"),
                        ));
                    }
                    let c = cols.get_or_insert_with(|| {
                        atoms_first_line = l.line_no;
                        let mut c = AtomColumns::with_capacity(reserve_for(natoms));
                        if st == Style::Charge {
                            c.charges = Some(Vec::with_capacity(reserve_for(natoms)));
                        }
                        c
                    });
                    let mut it = body.split_ascii_whitespace();
                    let id: u64 = l.int(it.next().unwrap_or(""), "an atom id")?;
                    let t: u64 = l.int(it.next().unwrap_or(""), "an atom type")?;
                    if t == 0 || t > ntypes {
                        return Err(l.err(ErrorKind::Syntax, format!("an atom type 1..{ntypes}"), t.to_string()));
                    }
                    if let Some(q) = &mut c.charges {
                        q.push(l.f64(it.next().unwrap_or(""), "a charge")?);
                    }
                    let mut r = [0.0; 3];
                    for x in r.iter_mut() {
                        *x = l.f64(it.next().unwrap_or(""), "a coordinate (Å)")?;
                    }
                    if ncols > st.columns() {
                        let mut img = [0i32; 3];
                        for x in img.iter_mut() {
                            *x = l.int(it.next().unwrap_or(""), "an image flag")?;
                        }
                        let n = c.positions.len();
                        c.images.get_or_insert_with(|| vec![[0; 3]; n]).push(img);
                    } else if let Some(im) = &mut c.images {
                        im.push([0; 3]);
                    }
                    c.ids.push(id);
                    c.species_index.push(t as u32 - 1);
                    c.positions.push(r);
                }
                "Velocities" => {
                    l.check_columns_of(body, 4, "Velocities: id vx vy vz")?;
                    let c = cols.as_mut().expect("checked above");
                    let n = c.positions.len();
                    if vel_seen.is_empty() {
                        vel_seen = vec![false; n];
                        if !c.ids.iter().enumerate().all(|(i, &id)| id == i as u64 + 1) {
                            vel_index = Some(c.ids.iter().enumerate().map(|(i, &id)| (id, i)).collect());
                        }
                    }
                    let mut it = body.split_ascii_whitespace();
                    let id: u64 = l.int(it.next().unwrap_or(""), "an atom id")?;
                    let i = match &vel_index {
                        Some(m) => m.get(&id).copied(),
                        None => (id >= 1 && id <= n as u64).then(|| id as usize - 1),
                    }
                    .ok_or_else(|| l.err(ErrorKind::Syntax, "the id of an atom in the Atoms section", id.to_string()))?;
                    let mut v = [0.0; 3];
                    for x in v.iter_mut() {
                        *x = l.f64(it.next().unwrap_or(""), "a velocity component")?;
                    }
                    if vel_seen[i] {
                        return Err(l.err(ErrorKind::Syntax, "one velocity line per atom", format!("id {id} again")));
                    }
                    vel_seen[i] = true;
                    c.velocities.get_or_insert_with(|| vec![[0.0; 3]; n])[i] = v;
                }
                _ => {}
            }
            k += 1;
        }
        if name == "Atoms" {
            if let Some(c) = &cols {
                // Before Velocities refers to atoms by id.
                check_unique_ids(&c.ids, file, |i| atoms_first_line + i)?;
            }
        }
        // Next section, or end of file.
        section = None;
        if l.next_nonblank(true)? {
            match section_name(l.line()) {
                Some(s) => section = Some(s),
                None => {
                    return Err(l.err(
                        ErrorKind::BadCount,
                        format!("a section name after the {expected} lines of {name} (as the header declares)"),
                        quote(strip_comment(l.line()).trim()),
                    ))
                }
            }
        }
    }

    let cols = match cols {
        Some(c) => c,
        None if natoms == 0 => AtomColumns::default(),
        None => return Err(l.truncated(&format!("an Atoms section with {natoms} atoms"))),
    };
    let mut system = System::new(cell, units);
    for t in 0..ntypes_us {
        let info = TypeInfo { ty: t as u32 + 1, mass: masses[t], comment: comments[t].as_deref(), element: None };
        let s = resolve_type(&info, &options.species_map, units, "a '# Symbol' comment on its Masses line")
            .map_err(|(kind, e, f)| IoError::parse(kind, file, masses_line, e, f))?;
        system.species.push(s);
    }
    Ok(cols.into_system(system))
}

/// Writes a data file: atom style `charge` when the system has charges, else `atomic`; image flags;
/// Masses with `# Symbol` comments; Velocities (Å/ps) when any atom moves. A cell not in LAMMPS'
/// restricted-triclinic orientation is rotated into it (positions and velocities with it; a left-handed
/// cell is mirrored, as LAMMPS boxes are right-handed).
pub fn write<W: Write>(w: &mut W, system: &System) -> io::Result<()> {
    // Atoms that left a non-periodic box are declared inside it, so the file reads back.
    let cell = &system.cell.enclosing(&system.positions);
    let frame = LammpsFrame::new(cell);
    let (lo, hi, tilt) = (frame.lo, frame.hi, frame.tilt);
    for s in &system.species {
        if s.name.is_empty() || s.name.chars().any(char::is_whitespace) {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, format!("species name '{}' without spaces", s.name)));
        }
    }
    let [length, energy, time, mass, ..] = system.units.labels();
    writeln!(
        w,
        "LAMMPS data file written by atomfab (units {}: {length}, {energy}, {time}, {mass})",
        system.units.name()
    )?;
    writeln!(w)?;
    writeln!(w, "{} atoms", system.len())?;
    writeln!(w, "{} atom types", system.species.len())?;
    writeln!(w)?;
    for (k, axis) in ["x", "y", "z"].iter().enumerate() {
        writeln!(w, "{} {} {axis}lo {axis}hi", fmt_f64(lo[k]), fmt_f64(hi[k]))?;
    }
    if tilt != [0.0; 3] {
        writeln!(w, "{} {} {} xy xz yz", fmt_f64(tilt[0]), fmt_f64(tilt[1]), fmt_f64(tilt[2]))?;
    }
    if !system.species.is_empty() {
        writeln!(w, "\nMasses\n")?;
        for (t, s) in system.species.iter().enumerate() {
            writeln!(w, "{} {} # {}", t + 1, fmt_f64(s.mass), s.name)?;
        }
    }
    let style = if system.charges.is_some() { "charge" } else { "atomic" };
    if !system.is_empty() {
        writeln!(w, "\nAtoms # {style}\n")?;
        for i in 0..system.len() {
            let r = frame.position(system.positions[i]);
            write!(w, "{} {}", system.ids[i], system.species_index[i] + 1)?;
            if let Some(q) = &system.charges {
                write!(w, " {}", fmt_f64(q[i]))?;
            }
            let m = system.images[i];
            writeln!(w, " {} {} {} {} {} {}", fmt_f64(r[0]), fmt_f64(r[1]), fmt_f64(r[2]), m[0], m[1], m[2])?;
        }
        if system.velocities.iter().any(|v| *v != [0.0; 3]) {
            writeln!(w, "\nVelocities\n")?;
            for i in 0..system.len() {
                let v = frame.vector(system.velocities[i]);
                writeln!(w, "{} {} {} {}", system.ids[i], fmt_f64(v[0]), fmt_f64(v[1]), fmt_f64(v[2]))?;
            }
        }
    }
    Ok(())
}
