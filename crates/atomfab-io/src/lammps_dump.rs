//! LAMMPS text dumps (`dump custom` / `dump atom`), read one frame at a time from any `BufRead`, so a
//! trajectory never has to fit in memory.
//!
//! Columns: `id`, `type`, `element`, positions as `x y z` (Å), scaled `xs ys zs`, unwrapped `xu yu zu` or
//! scaled unwrapped `xsu ysu zsu`, image flags `ix iy iz`, velocities `vx vy vz` (Å/ps), forces `fx fy fz`
//! (eV/Å), charge `q`. Any other column becomes a `System` property (integer when every value is an
//! integer); consecutive columns `name[1] name[2] …` become one property `name` with that many components.
//! Unwrapped coordinates are wrapped into the box with the image counters set so that
//! `System::unwrapped_position` gives them back. Boundary flags `pp` make an axis periodic; `f`, `s`, `m`
//! make it non-periodic. Orthogonal, restricted triclinic (`xy xz yz`) and general triclinic
//! (`abc origin`) boxes are read.

use crate::common::{check_inside, check_unique_ids, resolve_type, AtomColumns, LammpsFrame, TypeInfo};
use crate::error::{quote, ErrorKind, IoError};
use crate::text::{fmt_f64, reserve_for, Lines};
use crate::ReadOptions;
use atomfab_core::{Cell, Element, Property, PropertyValues, Species, System, UnitSystem, Vec3};
use std::fs::File;
use std::io::{self, BufRead, BufReader, Write};
use std::path::Path;

/// One dump frame.
#[derive(Debug, Clone, PartialEq)]
pub struct DumpFrame {
    pub timestep: u64,
    /// Simulation time from `ITEM: TIME` (ps in metal units), when the dump has it.
    pub time: Option<f64>,
    pub system: System,
}

/// Streams the frames of a text dump. Stops after the first error.
pub struct DumpReader<R> {
    lines: Lines<R>,
    options: ReadOptions,
    frames: usize,
    done: bool,
}

impl DumpReader<BufReader<File>> {
    /// Opens a dump file for streaming.
    pub fn open(path: &Path, options: ReadOptions) -> Result<Self, IoError> {
        let name = path.display().to_string();
        let f = File::open(path).map_err(|e| IoError::io(&name, "cannot open", e))?;
        Ok(DumpReader::new(BufReader::with_capacity(1 << 16, f), &name, options))
    }
}

struct Header {
    timestep: u64,
    time: Option<f64>,
    units: UnitSystem,
    natoms: u64,
    cell: Cell,
    columns: Vec<String>,
    atoms_line: usize,
}

#[derive(Clone, Copy, PartialEq)]
enum Col {
    Id,
    Type,
    Element,
    Pos(usize),
    Image(usize),
    Vel(usize),
    Force(usize),
    Charge,
    Extra(usize),
}

enum Values {
    Int(Vec<i64>),
    Real(Vec<f64>),
}

struct Extra {
    name: String,
    values: Values,
}

const FAMILIES: [[&str; 3]; 4] = [["x", "y", "z"], ["xu", "yu", "zu"], ["xs", "ys", "zs"], ["xsu", "ysu", "zsu"]];

impl<R: BufRead> DumpReader<R> {
    /// A reader over `reader`; `file` names it in error messages.
    pub fn new(reader: R, file: &str, options: ReadOptions) -> Self {
        DumpReader { lines: Lines::new(reader, file), options, frames: 0, done: false }
    }

    /// Skips the next frame without building it; returns its timestep, or None at the end.
    pub fn skip_frame(&mut self) -> Result<Option<u64>, IoError> {
        let Some(h) = self.read_header()? else { return Ok(None) };
        for i in 0..h.natoms {
            if !self.lines.advance()? {
                return Err(self.lines.truncated(&format!("{} atom lines after ITEM: ATOMS, got {i}", h.natoms)));
            }
        }
        self.frames += 1;
        Ok(Some(h.timestep))
    }

    fn read_header(&mut self) -> Result<Option<Header>, IoError> {
        let l = &mut self.lines;
        if !l.next_nonblank(false)? {
            return Ok(None);
        }
        let mut timestep = 0u64;
        let mut time = None;
        let mut units = self.options.units;
        let mut natoms: Option<u64> = None;
        let mut cell: Option<Cell> = None;
        loop {
            let line = l.line().trim();
            let Some(item) = line.strip_prefix("ITEM:").map(str::trim) else {
                return Err(l.err(ErrorKind::Syntax, "an 'ITEM:' line of a LAMMPS dump", quote(line)));
            };
            match item {
                "TIMESTEP" => {
                    l.require("the timestep after ITEM: TIMESTEP")?;
                    l.check_columns(1, "the timestep")?;
                    timestep = l.int(l.line().trim(), "the timestep")?;
                }
                "TIME" => {
                    l.require("the time after ITEM: TIME")?;
                    l.check_columns(1, "the time")?;
                    time = Some(l.f64(l.line().trim(), "the time")?);
                }
                "UNITS" => {
                    l.require("the unit style after ITEM: UNITS")?;
                    units = match l.line().trim() {
                        "metal" => UnitSystem::Metal,
                        "lj" => UnitSystem::Lj,
                        other => return Err(l.err(ErrorKind::Syntax, "units metal or lj", quote(other))),
                    };
                }
                "NUMBER OF ATOMS" => {
                    l.require("the atom count after ITEM: NUMBER OF ATOMS")?;
                    l.check_columns(1, "the atom count")?;
                    natoms = Some(
                        l.line()
                            .trim()
                            .parse::<u64>()
                            .map_err(|_| l.err(ErrorKind::BadCount, "a non-negative atom count", quote(l.line().trim())))?,
                    );
                }
                _ if item.starts_with("BOX BOUNDS") => {
                    // Owned: reading the bound lines reuses the line buffer `item` points into.
                    let flags = item["BOX BOUNDS".len()..].to_string();
                    cell = Some(read_box(l, &flags)?)
                }
                _ if item == "ATOMS" || item.starts_with("ATOMS ") => {
                    let natoms =
                        natoms.ok_or_else(|| l.err(ErrorKind::Syntax, "ITEM: NUMBER OF ATOMS before ITEM: ATOMS", "ITEM: ATOMS"))?;
                    let cell = cell.ok_or_else(|| l.err(ErrorKind::Syntax, "ITEM: BOX BOUNDS before ITEM: ATOMS", "ITEM: ATOMS"))?;
                    let columns = item[5..].split_ascii_whitespace().map(str::to_string).collect();
                    return Ok(Some(Header { timestep, time, units, natoms, cell, columns, atoms_line: l.line_no }));
                }
                _ => {
                    return Err(l.err(
                        ErrorKind::Syntax,
                        "ITEM: TIMESTEP, TIME, UNITS, NUMBER OF ATOMS, BOX BOUNDS or ATOMS",
                        quote(line),
                    ))
                }
            }
            if !l.advance()? {
                return Err(l.truncated("the next ITEM: line (the frame ends before ITEM: ATOMS)"));
            }
        }
    }

    fn read_frame(&mut self) -> Result<Option<DumpFrame>, IoError> {
        let Some(h) = self.read_header()? else { return Ok(None) };
        let l = &mut self.lines;
        let mut names = h.columns;
        // Old `dump atom` files name no columns: id type xs ys zs [ix iy iz], told apart by the first line.
        let mut pending_first = false;
        if names.is_empty() {
            let mut legacy = vec!["id", "type", "xs", "ys", "zs"];
            if h.natoms > 0 {
                if !l.advance()? {
                    return Err(l.truncated(&format!("{} atom lines after ITEM: ATOMS, got 0", h.natoms)));
                }
                pending_first = true;
                if l.line().split_ascii_whitespace().count() == 8 {
                    legacy.extend(["ix", "iy", "iz"]);
                }
            }
            names = legacy.iter().map(|s| s.to_string()).collect();
        }
        // Position family: the first complete one of x, xu, xs, xsu.
        let family = FAMILIES.iter().position(|f| f.iter().all(|a| names.iter().any(|n| n == a)));
        let has_all = |f: [&str; 3]| f.iter().all(|a| names.iter().any(|n| n == a));
        let images = has_all(["ix", "iy", "iz"]);
        let vels = has_all(["vx", "vy", "vz"]);
        let forces = has_all(["fx", "fy", "fz"]);
        let mut extras: Vec<Extra> = Vec::new();
        let mut roles: Vec<Col> = Vec::with_capacity(names.len());
        for name in &names {
            let axis = |s: &str| ["x", "y", "z"].iter().position(|a| *a == s);
            let role = match name.as_str() {
                "id" => Col::Id,
                "type" => Col::Type,
                "element" => Col::Element,
                "q" => Col::Charge,
                "ix" | "iy" | "iz" if images => Col::Image(axis(&name[1..]).unwrap_or(0)),
                "vx" | "vy" | "vz" if vels => Col::Vel(axis(&name[1..]).unwrap_or(0)),
                "fx" | "fy" | "fz" if forces => Col::Force(axis(&name[1..]).unwrap_or(0)),
                n => match family.and_then(|f| FAMILIES[f].iter().position(|a| *a == n)) {
                    Some(k) => Col::Pos(k),
                    None => {
                        extras.push(Extra { name: n.to_string(), values: Values::Int(Vec::new()) });
                        Col::Extra(extras.len() - 1)
                    }
                },
            };
            if role != Col::Extra(extras.len().wrapping_sub(1)) && roles.contains(&role) {
                return Err(IoError::parse(ErrorKind::Syntax, &l.file, h.atoms_line, "each column once in ITEM: ATOMS", quote(name)));
            }
            roles.push(role);
        }
        let Some(family) = family else {
            return Err(IoError::parse(
                ErrorKind::Syntax,
                &l.file,
                h.atoms_line,
                "position columns x y z, xs ys zs, xu yu zu or xsu ysu zsu in ITEM: ATOMS",
                quote(&names.join(" ")),
            ));
        };
        let has = |c: Col| roles.contains(&c);
        if !has(Col::Type) && !has(Col::Element) {
            return Err(IoError::parse(ErrorKind::Syntax, &l.file, h.atoms_line, "a type or element column in ITEM: ATOMS", quote(&names.join(" "))));
        }
        let ncols = roles.len();
        let what = names.join(" ");
        let cap = reserve_for(h.natoms);
        let mut cols = AtomColumns::with_capacity(cap);
        let mut raw: Vec<Vec3> = Vec::with_capacity(cap);
        let mut img_v: Vec<[i32; 3]> = if images { Vec::with_capacity(cap) } else { Vec::new() };
        let mut vel_v: Vec<Vec3> = if vels { Vec::with_capacity(cap) } else { Vec::new() };
        let mut frc_v: Vec<Vec3> = if forces { Vec::with_capacity(cap) } else { Vec::new() };
        let mut q_v: Vec<f64> = Vec::new();
        let mut types: Vec<u32> = Vec::with_capacity(if has(Col::Type) { cap } else { 0 });
        let mut elem_idx: Vec<u32> = Vec::new();
        let mut elem_names: Vec<String> = Vec::new();
        let mut distinct_types: Vec<u32> = Vec::new();
        let mut last_type = u32::MAX;

        for i in 0..h.natoms {
            if pending_first {
                pending_first = false;
            } else if !l.advance()? {
                return Err(l.truncated(&format!("{} atom lines after ITEM: ATOMS, got {i}", h.natoms)));
            }
            l.check_columns(ncols, &what)?;
            let (mut r, mut im, mut v, mut f) = ([0.0; 3], [0i32; 3], [0.0; 3], [0.0; 3]);
            let mut id = i + 1;
            for (c, tok) in roles.iter().zip(l.line().split_ascii_whitespace()) {
                match *c {
                    Col::Pos(k) => r[k] = l.f64(tok, "a coordinate")?,
                    Col::Id => id = l.int(tok, "an atom id")?,
                    Col::Type => {
                        let t: u32 = l.int(tok, "an atom type")?;
                        if t == 0 {
                            return Err(l.err(ErrorKind::Syntax, "an atom type ≥ 1", "0"));
                        }
                        if t != last_type {
                            if !distinct_types.contains(&t) {
                                distinct_types.push(t);
                            }
                            last_type = t;
                        }
                        types.push(t);
                    }
                    Col::Element => {
                        let k = match elem_names.iter().position(|e| e == tok) {
                            Some(k) => k,
                            None => {
                                elem_names.push(tok.to_string());
                                elem_names.len() - 1
                            }
                        };
                        elem_idx.push(k as u32);
                    }
                    Col::Image(k) => im[k] = l.int(tok, "an image flag")?,
                    Col::Vel(k) => v[k] = l.f64(tok, "a velocity component")?,
                    Col::Force(k) => f[k] = l.f64(tok, "a force component")?,
                    Col::Charge => q_v.push(l.f64(tok, "a charge")?),
                    Col::Extra(k) => {
                        let e = &mut extras[k];
                        match &mut e.values {
                            Values::Int(v) => match tok.parse::<i64>() {
                                Ok(x) => v.push(x),
                                Err(_) => {
                                    let x = l.f64(tok, &e.name)?;
                                    let mut reals: Vec<f64> = v.iter().map(|&x| x as f64).collect();
                                    reals.push(x);
                                    e.values = Values::Real(reals);
                                }
                            },
                            Values::Real(v) => v.push(l.f64(tok, &e.name)?),
                        }
                    }
                }
            }
            cols.ids.push(id);
            raw.push(r);
            if images {
                img_v.push(im);
            }
            if vels {
                vel_v.push(v);
            }
            if forces {
                frc_v.push(f);
            }
        }
        let n = raw.len();
        let first = h.atoms_line + 1;
        let file = l.file.clone();
        let err_at = |kind, line, e: String, f: String| IoError::parse(kind, &file, line, e, f);

        // Species.
        let map = &self.options.species_map;
        let units = h.units;
        let mut species: Vec<Species> = Vec::new();
        if has(Col::Type) {
            let mut all: Vec<u32> = distinct_types.clone();
            all.extend(map.iter().map(|(t, _)| *t).filter(|t| *t > 0));
            all.sort_unstable();
            all.dedup();
            // Element of each type, from the element column when present.
            let mut type_elem: Vec<Option<u32>> = vec![None; all.len()];
            if has(Col::Element) {
                for i in 0..n {
                    let k = all.binary_search(&types[i]).unwrap_or(0);
                    match type_elem[k] {
                        None => type_elem[k] = Some(elem_idx[i]),
                        Some(e) if e != elem_idx[i] => {
                            return Err(err_at(
                                ErrorKind::Syntax,
                                first + i,
                                format!("one element per atom type (type {} is {})", types[i], elem_names[e as usize]),
                                quote(&elem_names[elem_idx[i] as usize]),
                            ))
                        }
                        _ => {}
                    }
                }
            }
            for (k, &t) in all.iter().enumerate() {
                let info = TypeInfo { ty: t, mass: None, comment: None, element: type_elem[k].map(|e| elem_names[e as usize].as_str()) };
                let s = resolve_type(&info, map, units, "an element column in the dump")
                    .map_err(|(kind, e, f)| err_at(kind, h.atoms_line, e, f))?;
                species.push(s);
            }
            cols.species_index = types.iter().map(|t| all.binary_search(t).unwrap_or(0) as u32).collect();
        } else {
            for (k, name) in elem_names.iter().enumerate() {
                let el = Element::from_symbol(name).ok_or_else(|| {
                    let line = first + elem_idx.iter().position(|&e| e == k as u32).unwrap_or(0);
                    err_at(ErrorKind::UnknownElement, line, "a chemical symbol in the element column".into(), quote(name))
                })?;
                species.push(Species { name: name.clone(), element: Some(el), mass: el.mass });
            }
            cols.species_index = elem_idx;
        }

        // Positions.
        let cell = h.cell;
        let scaled = family >= 2;
        let unwrapped = family == 1 || family == 3;
        let mut positions: Vec<Vec3> = if scaled { raw.iter().map(|&s| cell.to_cartesian(s)).collect() } else { raw };
        if unwrapped {
            if images {
                for (r, m) in positions.iter_mut().zip(&img_v) {
                    let shift = cell.fractional_to_vector([m[0] as f64, m[1] as f64, m[2] as f64]);
                    *r = [r[0] - shift[0], r[1] - shift[1], r[2] - shift[2]];
                }
            } else {
                img_v = Vec::with_capacity(n);
                for r in positions.iter_mut() {
                    let (w, shift) = cell.wrap(*r);
                    *r = w;
                    img_v.push(shift);
                }
            }
        }
        check_inside(&cell, &positions, &file, |i| first + i)?;
        check_unique_ids(&cols.ids, &file, |i| first + i)?;
        cols.positions = positions;
        if images || unwrapped {
            cols.images = Some(img_v);
        }
        if vels {
            cols.velocities = Some(vel_v);
        }
        if forces {
            cols.forces = Some(frc_v);
        }
        if has(Col::Charge) {
            cols.charges = Some(q_v);
        }
        let mut system = System::new(cell, units);
        system.species = species;
        let mut system = cols.into_system(system);
        system.properties = group_extras(extras, n);
        Ok(Some(DumpFrame { timestep: h.timestep, time: h.time, system }))
    }
}

/// `name[1] name[2] …` (consecutive, numbered from 1) → one property with that many components.
fn group_extras(extras: Vec<Extra>, n: usize) -> Vec<Property> {
    fn split(name: &str) -> Option<(&str, usize)> {
        let open = name.rfind('[')?;
        let idx = name.strip_suffix(']')?.get(open + 1..)?.parse().ok()?;
        Some((&name[..open], idx))
    }
    let mut out = Vec::new();
    let mut k = 0;
    while k < extras.len() {
        let mut end = k + 1;
        let base = match split(&extras[k].name) {
            Some((b, 1)) if !b.is_empty() => {
                while end < extras.len() && split(&extras[end].name) == Some((b, end - k + 1)) {
                    end += 1;
                }
                // A lone `name[1]` keeps its full name.
                (end - k > 1).then(|| b.to_string())
            }
            _ => None,
        };
        let group = &extras[k..end];
        let c = group.len();
        let all_int = group.iter().all(|e| matches!(e.values, Values::Int(_)));
        let values = if all_int {
            let mut v = Vec::with_capacity(n * c);
            for i in 0..n {
                for e in group {
                    if let Values::Int(x) = &e.values {
                        v.push(x[i]);
                    }
                }
            }
            PropertyValues::Int(v)
        } else {
            let mut v = Vec::with_capacity(n * c);
            for i in 0..n {
                for e in group {
                    v.push(match &e.values {
                        Values::Int(x) => x[i] as f64,
                        Values::Real(x) => x[i],
                    });
                }
            }
            PropertyValues::Real(v)
        };
        out.push(Property { name: base.unwrap_or_else(|| extras[k].name.clone()), components: c, values });
        k = end;
    }
    out
}

impl<R: BufRead> Iterator for DumpReader<R> {
    type Item = Result<DumpFrame, IoError>;
    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.read_frame() {
            Ok(Some(f)) => {
                self.frames += 1;
                Some(Ok(f))
            }
            Ok(None) => {
                self.done = true;
                (self.frames == 0).then(|| Err(self.lines.err(ErrorKind::Empty, "ITEM: TIMESTEP (a LAMMPS dump)", "an empty file")))
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

fn read_box<R: BufRead>(l: &mut Lines<R>, rest: &str) -> Result<Cell, IoError> {
    let toks: Vec<&str> = rest.split_ascii_whitespace().collect();
    let (kind, flags) = if toks.len() >= 3 && toks[..3] == ["xy", "xz", "yz"] {
        (1, &toks[3..])
    } else if toks.len() >= 2 && toks[..2] == ["abc", "origin"] {
        (2, &toks[2..])
    } else {
        (0, &toks[..])
    };
    let mut pbc = [true; 3];
    if !flags.is_empty() {
        if flags.len() != 3 {
            return Err(l.err(ErrorKind::ColumnCount, "three boundary flags such as 'pp pp ff'", format!("{} flags", flags.len())));
        }
        for k in 0..3 {
            let f = flags[k].as_bytes();
            if f.len() != 2 || !f.iter().all(|c| b"pfsm".contains(c)) || ((f[0] == b'p') != (f[1] == b'p')) {
                return Err(l.err(ErrorKind::Syntax, "a boundary flag pp, ff, ss, mm, fs, …", quote(flags[k])));
            }
            pbc[k] = f[0] == b'p';
        }
    }
    let ncol = [2, 3, 4][kind];
    let mut m = [[0.0; 4]; 3];
    for row in m.iter_mut() {
        l.require("three box bound lines after ITEM: BOX BOUNDS")?;
        l.check_columns(ncol, ["lo hi", "lo_bound hi_bound tilt", "ax ay az origin"][kind])?;
        for (x, tok) in row.iter_mut().zip(l.line().split_ascii_whitespace()) {
            *x = l.f64(tok, "a box bound (Å)")?;
        }
    }
    let bad = |e: atomfab_core::CoreError| l.err(ErrorKind::Syntax, "a valid box", e.to_string());
    match kind {
        0 => Cell::orthorhombic([m[0][0], m[1][0], m[2][0]], [m[0][1], m[1][1], m[2][1]], pbc).map_err(bad),
        1 => {
            let (xy, xz, yz) = (m[0][2], m[1][2], m[2][2]);
            let xlo = m[0][0] - 0f64.min(xy).min(xz).min(xy + xz);
            let xhi = m[0][1] - 0f64.max(xy).max(xz).max(xy + xz);
            let ylo = m[1][0] - 0f64.min(yz);
            let yhi = m[1][1] - 0f64.max(yz);
            Cell::from_lammps([xlo, ylo, m[2][0]], [xhi, yhi, m[2][1]], [xy, xz, yz], pbc).map_err(bad)
        }
        _ => Cell::new(
            [[m[0][0], m[0][1], m[0][2]], [m[1][0], m[1][1], m[1][2]], [m[2][0], m[2][1], m[2][2]]],
            [m[0][3], m[1][3], m[2][3]],
            pbc,
        )
        .map_err(bad),
    }
}

fn invalid(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, msg)
}

/// The columns `write_frame` writes when given none: id type element x y z, then ix iy iz, vx vy vz,
/// fx fy fz and q when they carry information, then every numeric property (`name[k]` per component)
/// whose name is not already a column.
pub fn default_columns(system: &System) -> Vec<String> {
    let mut c: Vec<String> = ["id", "type"].iter().map(|s| s.to_string()).collect();
    if system.species.iter().all(|s| s.element.is_some()) {
        c.push("element".into());
    }
    c.extend(["x", "y", "z"].iter().map(|s| s.to_string()));
    if system.images.iter().any(|m| *m != [0; 3]) {
        c.extend(["ix", "iy", "iz"].iter().map(|s| s.to_string()));
    }
    if system.velocities.iter().any(|v| *v != [0.0; 3]) {
        c.extend(["vx", "vy", "vz"].iter().map(|s| s.to_string()));
    }
    if system.forces.iter().any(|v| *v != [0.0; 3]) {
        c.extend(["fx", "fy", "fz"].iter().map(|s| s.to_string()));
    }
    if system.charges.is_some() {
        c.push("q".into());
    }
    for p in &system.properties {
        if matches!(p.values, PropertyValues::Str(_)) || p.name.is_empty() || p.name.chars().any(char::is_whitespace) {
            continue;
        }
        let names: Vec<String> =
            if p.components == 1 { vec![p.name.clone()] } else { (1..=p.components).map(|k| format!("{}[{k}]", p.name)).collect() };
        // A property named like a column already written (a stray `y` next to `xs ys zs`) would repeat it.
        if names.iter().all(|n| !c.contains(n)) {
            c.extend(names);
        }
    }
    c
}

enum Out<'a> {
    Id,
    Type,
    Element,
    Mass,
    Pos(usize),
    Scaled(usize),
    Unwrapped(usize),
    ScaledUnwrapped(usize),
    Image(usize),
    Vel(usize),
    Force(usize),
    Charge,
    Prop(&'a Property, usize),
}

/// Writes one frame (`dump custom` layout) with the named columns; an empty `columns` means
/// `default_columns(system)`. A cell not in LAMMPS' restricted-triclinic orientation is rotated into it.
pub fn write_frame<W: Write>(w: &mut W, system: &System, timestep: u64, columns: &[&str]) -> io::Result<()> {
    let defaults;
    let names: Vec<&str> = if columns.is_empty() {
        defaults = default_columns(system);
        defaults.iter().map(String::as_str).collect()
    } else {
        columns.to_vec()
    };
    let mut outs = Vec::with_capacity(names.len());
    for &name in &names {
        let axis = |s: &str| ["x", "y", "z"].iter().position(|a| *a == s);
        let o = match name {
            "id" => Out::Id,
            "type" => Out::Type,
            "element" => Out::Element,
            "mass" => Out::Mass,
            "q" => {
                if system.charges.is_none() {
                    return Err(invalid("a system with charges for dump column 'q'".into()));
                }
                Out::Charge
            }
            "x" | "y" | "z" => Out::Pos(axis(name).unwrap_or(0)),
            "xs" | "ys" | "zs" => Out::Scaled(axis(&name[..1]).unwrap_or(0)),
            "xu" | "yu" | "zu" => Out::Unwrapped(axis(&name[..1]).unwrap_or(0)),
            "xsu" | "ysu" | "zsu" => Out::ScaledUnwrapped(axis(&name[..1]).unwrap_or(0)),
            "ix" | "iy" | "iz" => Out::Image(axis(&name[1..]).unwrap_or(0)),
            "vx" | "vy" | "vz" => Out::Vel(axis(&name[1..]).unwrap_or(0)),
            "fx" | "fy" | "fz" => Out::Force(axis(&name[1..]).unwrap_or(0)),
            _ => {
                let found = system.properties.iter().find_map(|p| {
                    if p.components == 1 && p.name == name {
                        return Some((p, 0));
                    }
                    let (base, k) = name.strip_suffix(']')?.rsplit_once('[')?;
                    let k: usize = k.parse().ok()?;
                    (p.name == base && k >= 1 && k <= p.components).then_some((p, k - 1))
                });
                match found {
                    Some((p, _)) if p.name.is_empty() || p.name.chars().any(char::is_whitespace) => {
                        return Err(invalid(format!("a property name without spaces for a dump column, not '{}'", p.name)));
                    }
                    Some((p, k)) => {
                        if matches!(p.values, PropertyValues::Str(_)) {
                            return Err(invalid(format!("a numeric property for dump column '{name}' (it holds strings)")));
                        }
                        Out::Prop(p, k)
                    }
                    None => return Err(invalid(format!("a known dump column or property name, not '{name}'"))),
                }
            }
        };
        outs.push(o);
    }
    for s in &system.species {
        if s.name.is_empty() || s.name.chars().any(char::is_whitespace) {
            return Err(invalid(format!("species name '{}' without spaces", s.name)));
        }
    }
    // Atoms that left a non-periodic box are declared inside it, so the file reads back.
    let cell = &system.cell.enclosing(&system.positions);
    let frame = LammpsFrame::new(cell);
    let (lo, hi, tilt) = (frame.lo, frame.hi, frame.tilt);
    let flags: Vec<&str> = cell.pbc().iter().map(|&p| if p { "pp" } else { "ff" }).collect();
    writeln!(w, "ITEM: TIMESTEP\n{timestep}\nITEM: NUMBER OF ATOMS\n{}", system.len())?;
    if tilt == [0.0; 3] {
        writeln!(w, "ITEM: BOX BOUNDS {}", flags.join(" "))?;
        for k in 0..3 {
            writeln!(w, "{} {}", fmt_f64(lo[k]), fmt_f64(hi[k]))?;
        }
    } else {
        let [xy, xz, yz] = tilt;
        let b = [
            (lo[0] + 0f64.min(xy).min(xz).min(xy + xz), hi[0] + 0f64.max(xy).max(xz).max(xy + xz), xy),
            (lo[1] + 0f64.min(yz), hi[1] + 0f64.max(yz), xz),
            (lo[2], hi[2], yz),
        ];
        writeln!(w, "ITEM: BOX BOUNDS xy xz yz {}", flags.join(" "))?;
        for (a, c, t) in b {
            writeln!(w, "{} {} {}", fmt_f64(a), fmt_f64(c), fmt_f64(t))?;
        }
    }
    writeln!(w, "ITEM: ATOMS {}", names.join(" "))?;
    // Fractional coordinates are the same before and after the rotation; compute them in the original frame.
    for i in 0..system.len() {
        let r = frame.position(system.positions[i]);
        for (k, o) in outs.iter().enumerate() {
            if k > 0 {
                w.write_all(b" ")?;
            }
            match *o {
                Out::Id => write!(w, "{}", system.ids[i])?,
                Out::Type => write!(w, "{}", system.species_index[i] + 1)?,
                Out::Element => w.write_all(system.species[system.species_index[i] as usize].name.as_bytes())?,
                Out::Mass => write!(w, "{}", fmt_f64(system.mass(i)))?,
                Out::Pos(a) => write!(w, "{}", fmt_f64(r[a]))?,
                Out::Scaled(a) => write!(w, "{}", fmt_f64(cell.to_fractional(system.positions[i])[a]))?,
                Out::Unwrapped(a) => write!(w, "{}", fmt_f64(frame.position(system.unwrapped_position(i))[a]))?,
                Out::ScaledUnwrapped(a) => {
                    write!(w, "{}", fmt_f64(cell.to_fractional(system.unwrapped_position(i))[a]))?
                }
                Out::Image(a) => write!(w, "{}", system.images[i][a])?,
                Out::Vel(a) => write!(w, "{}", fmt_f64(frame.vector(system.velocities[i])[a]))?,
                Out::Force(a) => write!(w, "{}", fmt_f64(frame.vector(system.forces[i])[a]))?,
                Out::Charge => write!(w, "{}", fmt_f64(system.charges.as_ref().map_or(0.0, |q| q[i])))?,
                Out::Prop(p, k) => {
                    let j = i * p.components + k;
                    match &p.values {
                        PropertyValues::Real(v) => write!(w, "{}", fmt_f64(v[j]))?,
                        PropertyValues::Int(v) => write!(w, "{}", v[j])?,
                        PropertyValues::Bool(v) => write!(w, "{}", v[j] as u8)?,
                        PropertyValues::Str(_) => unreachable!("rejected above"),
                    }
                }
            }
        }
        w.write_all(b"\n")?;
    }
    Ok(())
}
