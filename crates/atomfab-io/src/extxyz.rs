//! Extended XYZ (the format ASE and OVITO write): an atom count line, a comment line of `key=value`
//! pairs (`Lattice="ax ay az bx by bz cx cy cz"` in Å, `Properties=name:type:columns:…`, `pbc="T T F"`,
//! OVITO's `Origin=`), then one line per atom. Positions are Cartesian Å.
//!
//! Column names understood: `species` (chemical symbol), `Z`, `pos`, `vel`/`velo`/`velocities` (Å/ps in
//! metal units), ASE `momenta` (converted to Å/ps using the species masses), `forces` (eV/Å), `id`,
//! `charge`/`initial_charges`, `image`, `masses` (amu). Every other column becomes a `System` property.
//! Without `Lattice` the structure is non-periodic and its cell is the bounding box padded by
//! `FREE_PADDING_ANGSTROM` on each side.

use crate::common::{check_inside, check_unique_ids, AtomColumns};
use crate::error::{quote, ErrorKind, IoError};
use crate::text::{fmt_f64, reserve_for, Lines};
use atomfab_core::{Cell, Element, Property, PropertyValues, Species, System, UnitSystem, Vec3};
use std::io::{self, BufRead, Write};

/// Padding (Å) around the atoms of a frame that has no `Lattice`, to make a valid non-periodic cell.
pub const FREE_PADDING_ANGSTROM: f64 = 1.0;

/// ASE's velocity unit Å/(Å·sqrt(amu/eV)) expressed in Å/ps (CODATA 2014 constants, ASE's default):
/// 1 / (1e-10 · sqrt(amu/eV) / 1e-12).
pub const ASE_VELOCITY_IN_ANGSTROM_PER_PS: f64 = 98.226_947_884_640_64;

/// Most columns one property may declare; more is a corrupt header.
const MAX_PROPERTY_COLUMNS: usize = 4096;

/// One extended-XYZ frame: the structure and the comment-line keys atomfab does not interpret.
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    pub system: System,
    /// `key=value` pairs of the comment line other than Lattice, Properties, pbc, Origin and units.
    pub info: Vec<(String, String)>,
}

/// Streams the frames of an extended-XYZ file one at a time.
pub struct FrameReader<R> {
    lines: Lines<R>,
    units: UnitSystem,
    frames_read: usize,
    done: bool,
}

/// Frames of an extended-XYZ stream; `file` names it in error messages. Stops after the first error.
pub fn read_frames<R: BufRead>(reader: R, file: &str, units: UnitSystem) -> FrameReader<R> {
    FrameReader { lines: Lines::new(reader, file), units, frames_read: 0, done: false }
}

impl<R: BufRead> Iterator for FrameReader<R> {
    type Item = Result<Frame, IoError>;
    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let r = self.read_frame();
        match r {
            Ok(Some(f)) => {
                self.frames_read += 1;
                Some(Ok(f))
            }
            Ok(None) => {
                self.done = true;
                if self.frames_read == 0 {
                    Some(Err(self.lines.err(ErrorKind::Empty, "an atom count on the first line", "an empty file")))
                } else {
                    None
                }
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Role {
    Species,
    Z,
    Pos,
    Vel,
    Momenta,
    Forces,
    Id,
    Charge,
    Image,
    Mass,
    Extra(usize),
}

#[derive(Clone, Copy, PartialEq)]
enum Ty {
    Real,
    Int,
    Bool,
    Str,
}

struct Column {
    role: Role,
    n: usize,
}

fn parse_bool(tok: &str) -> Option<bool> {
    match tok {
        "T" | "t" | "True" | "true" | "TRUE" | "1" => Some(true),
        "F" | "f" | "False" | "false" | "FALSE" | "0" => Some(false),
        _ => None,
    }
}

/// Splits the comment line into `key=value` pairs; quotes ("…", with \" escapes) and {…} group values.
/// A bare key means `key=T`, as in ASE.
fn parse_kv(line: &str) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    let mut chars = line.chars().peekable();
    fn read_item(chars: &mut std::iter::Peekable<std::str::Chars>, stop_at_eq: bool) -> Result<String, String> {
        let mut s = String::new();
        match chars.peek() {
            Some('"') => {
                chars.next();
                loop {
                    match chars.next() {
                        None => return Err("a closing '\"'".into()),
                        Some('\\') => match chars.next() {
                            Some('n') => s.push('\n'),
                            Some(c) => s.push(c),
                            None => return Err("a closing '\"'".into()),
                        },
                        Some('"') => break,
                        Some(c) => s.push(c),
                    }
                }
            }
            Some('{') => {
                chars.next();
                loop {
                    match chars.next() {
                        None => return Err("a closing '}'".into()),
                        Some('}') => break,
                        Some(c) => s.push(c),
                    }
                }
            }
            _ => {
                while let Some(&c) = chars.peek() {
                    if c.is_whitespace() || (stop_at_eq && c == '=') {
                        break;
                    }
                    s.push(c);
                    chars.next();
                }
            }
        }
        Ok(s)
    }
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if chars.peek().is_none() {
            break;
        }
        let key = read_item(&mut chars, true)?;
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if chars.peek() == Some(&'=') {
            chars.next();
            while chars.peek().is_some_and(|c| c.is_whitespace()) {
                chars.next();
            }
            let value = read_item(&mut chars, false)?;
            out.push((key, value));
        } else {
            if key.is_empty() {
                return Err("a key".into());
            }
            out.push((key, "T".into()));
        }
    }
    Ok(out)
}

impl<R: BufRead> FrameReader<R> {
    fn read_frame(&mut self) -> Result<Option<Frame>, IoError> {
        let l = &mut self.lines;
        // Blank lines between or after frames are tolerated.
        if !l.next_nonblank(false)? {
            return Ok(None);
        }
        let count_tok = l.line().trim();
        let natoms: u64 = match count_tok.parse::<u64>() {
            Ok(n) => n,
            Err(_) => {
                let kind = if count_tok.split_ascii_whitespace().count() > 1 { ErrorKind::ColumnCount } else { ErrorKind::Syntax };
                return Err(l.err(kind, "an atom count (one non-negative integer)", quote(count_tok)));
            }
        };
        l.require("the comment line (Lattice=…, Properties=…)")?;
        let kv = parse_kv(l.line()).map_err(|exp| l.err(ErrorKind::Syntax, exp, "end of the comment line"))?;
        let comment_line = l.line_no;

        let mut lattice: Option<[Vec3; 3]> = None;
        let mut origin: Vec3 = [0.0; 3];
        let mut pbc: Option<[bool; 3]> = None;
        let mut props_spec = "species:S:1:pos:R:3".to_string();
        let mut units = self.units;
        let mut info = Vec::new();
        for (k, v) in kv {
            match k.as_str() {
                "Lattice" | "lattice" => {
                    let toks: Vec<&str> = v.split_ascii_whitespace().collect();
                    if toks.len() != 9 {
                        return Err(l.err(ErrorKind::ColumnCount, "Lattice with 9 numbers (Å)", format!("{} numbers", toks.len())));
                    }
                    let mut m = [[0.0; 3]; 3];
                    for (i, t) in toks.iter().enumerate() {
                        m[i / 3][i % 3] = l.f64(t, "Lattice")?;
                    }
                    lattice = Some(m);
                }
                "Origin" | "origin" => {
                    let toks: Vec<&str> = v.split_ascii_whitespace().collect();
                    if toks.len() != 3 {
                        return Err(l.err(ErrorKind::ColumnCount, "Origin with 3 numbers (Å)", format!("{} numbers", toks.len())));
                    }
                    for k in 0..3 {
                        origin[k] = l.f64(toks[k], "Origin")?;
                    }
                }
                "pbc" | "PBC" => {
                    let toks: Vec<&str> = v.split_ascii_whitespace().collect();
                    let parsed: Option<Vec<bool>> = toks.iter().map(|t| parse_bool(t)).collect();
                    match parsed {
                        Some(b) if b.len() == 3 => pbc = Some([b[0], b[1], b[2]]),
                        _ => return Err(l.err(ErrorKind::Syntax, "pbc with three of T/F", quote(&v))),
                    }
                }
                "Properties" | "properties" => props_spec = v,
                "units" => match v.as_str() {
                    "metal" => units = UnitSystem::Metal,
                    "lj" => units = UnitSystem::Lj,
                    _ => return Err(l.err(ErrorKind::Syntax, "units=metal or units=lj", quote(&v))),
                },
                _ => info.push((k, v)),
            }
        }

        // Column layout.
        let parts: Vec<&str> = props_spec.split(':').collect();
        if parts.len() % 3 != 0 || parts.is_empty() {
            return Err(l.err(ErrorKind::Syntax, "Properties as name:type:columns triples", quote(&props_spec)));
        }
        let mut columns: Vec<Column> = Vec::new();
        let mut extras: Vec<Property> = Vec::new();
        let mut total_cols = 0usize;
        for t in parts.chunks(3) {
            let (name, ty, n) = (t[0], t[1], t[2]);
            let n: usize = match n.parse() {
                Ok(n) if (1..=MAX_PROPERTY_COLUMNS).contains(&n) => n,
                _ => {
                    return Err(l.err(ErrorKind::BadCount, format!("a column count 1..{MAX_PROPERTY_COLUMNS} for property '{name}'"), quote(n)))
                }
            };
            let ty = match ty {
                "R" => Ty::Real,
                "I" => Ty::Int,
                "L" => Ty::Bool,
                "S" => Ty::Str,
                _ => return Err(l.err(ErrorKind::Syntax, format!("type R, I, L or S for property '{name}'"), quote(ty))),
            };
            let want = |ok: bool, expect: &str| -> Result<(), IoError> {
                if ok {
                    Ok(())
                } else {
                    Err(l.err(ErrorKind::Syntax, format!("property '{name}' as {expect}"), format!("type {}, {n} columns", t[1])))
                }
            };
            let role = match name {
                "species" => {
                    want(ty == Ty::Str && n == 1, "S:1")?;
                    Role::Species
                }
                "Z" => {
                    want(ty == Ty::Int && n == 1, "I:1")?;
                    Role::Z
                }
                "pos" => {
                    want(ty == Ty::Real && n == 3, "R:3")?;
                    Role::Pos
                }
                "vel" | "velo" | "velocities" => {
                    want(ty == Ty::Real && n == 3, "R:3")?;
                    Role::Vel
                }
                "momenta" => {
                    want(ty == Ty::Real && n == 3, "R:3")?;
                    Role::Momenta
                }
                "forces" | "force" => {
                    want(ty == Ty::Real && n == 3, "R:3")?;
                    Role::Forces
                }
                "id" => {
                    want(ty == Ty::Int && n == 1, "I:1")?;
                    Role::Id
                }
                "charge" | "charges" | "initial_charges" => {
                    want(ty == Ty::Real && n == 1, "R:1")?;
                    Role::Charge
                }
                "image" => {
                    want(ty == Ty::Int && n == 3, "I:3")?;
                    Role::Image
                }
                "masses" | "mass" => {
                    want(ty == Ty::Real && n == 1, "R:1")?;
                    Role::Mass
                }
                _ => {
                    let values = match ty {
                        Ty::Real => PropertyValues::Real(Vec::new()),
                        Ty::Int => PropertyValues::Int(Vec::new()),
                        Ty::Bool => PropertyValues::Bool(Vec::new()),
                        Ty::Str => PropertyValues::Str(Vec::new()),
                    };
                    extras.push(Property { name: name.to_string(), components: n, values });
                    Role::Extra(extras.len() - 1)
                }
            };
            if !matches!(role, Role::Extra(_)) && columns.iter().any(|c| c.role == role) {
                return Err(l.err(ErrorKind::Syntax, "each standard property once in Properties", format!("'{name}' twice")));
            }
            total_cols += n;
            columns.push(Column { role, n });
        }
        if !columns.iter().any(|c| c.role == Role::Pos) {
            return Err(l.err(ErrorKind::Syntax, "a pos:R:3 column in Properties", quote(&props_spec)));
        }
        if !columns.iter().any(|c| c.role == Role::Species || c.role == Role::Z) {
            return Err(l.err(ErrorKind::Syntax, "a species:S:1 or Z:I:1 column in Properties", quote(&props_spec)));
        }
        let has = |r: Role| columns.iter().any(|c| c.role == r);

        let cap = reserve_for(natoms);
        let mut cols = AtomColumns::with_capacity(cap);
        let mut species: Vec<Species> = Vec::new();
        let mut vel: Vec<Vec3> = Vec::new();
        let mut mom: Vec<Vec3> = Vec::new();
        let mut forces: Vec<Vec3> = Vec::new();
        let mut charges: Vec<f64> = Vec::new();
        let mut images: Vec<[i32; 3]> = Vec::new();
        let mut ids: Vec<u64> = Vec::new();
        let mut masses: Vec<f64> = Vec::new();
        let mut z_species: Vec<u32> = Vec::new();
        let first_atom_line = comment_line + 1;
        let columns_what = format!("Properties={props_spec}");

        for i in 0..natoms {
            if !l.advance()? {
                return Err(l.truncated(&format!("{natoms} atom lines after the comment line, got {i}")));
            }
            l.check_columns(total_cols, &columns_what)?;
            let mut toks = l.line().split_ascii_whitespace();
            let mut sp_name: Option<&str> = None;
            let mut z: Option<u32> = None;
            for c in &columns {
                match c.role {
                    Role::Species => sp_name = toks.next(),
                    Role::Z => z = Some(l.int::<u32>(toks.next().unwrap_or(""), "Z")?),
                    Role::Pos | Role::Vel | Role::Momenta | Role::Forces => {
                        let mut v = [0.0; 3];
                        for x in v.iter_mut() {
                            *x = l.f64(toks.next().unwrap_or(""), "a vector component")?;
                        }
                        match c.role {
                            Role::Pos => cols.positions.push(v),
                            Role::Vel => vel.push(v),
                            Role::Momenta => mom.push(v),
                            _ => forces.push(v),
                        }
                    }
                    Role::Id => ids.push(l.int::<u64>(toks.next().unwrap_or(""), "id")?),
                    Role::Charge => charges.push(l.f64(toks.next().unwrap_or(""), "charge")?),
                    Role::Mass => {
                        let m = l.f64(toks.next().unwrap_or(""), "mass")?;
                        if m <= 0.0 {
                            return Err(l.err(ErrorKind::Syntax, "a positive mass (amu)", m.to_string()));
                        }
                        masses.push(m)
                    }
                    Role::Image => {
                        let mut v = [0i32; 3];
                        for x in v.iter_mut() {
                            *x = l.int::<i32>(toks.next().unwrap_or(""), "image")?;
                        }
                        images.push(v);
                    }
                    Role::Extra(k) => {
                        let p = &mut extras[k];
                        for _ in 0..c.n {
                            let t = toks.next().unwrap_or("");
                            match &mut p.values {
                                PropertyValues::Real(v) => v.push(l.f64(t, &p.name)?),
                                PropertyValues::Int(v) => v.push(l.int::<i64>(t, &p.name)?),
                                PropertyValues::Bool(v) => v.push(
                                    parse_bool(t).ok_or_else(|| l.err(ErrorKind::Syntax, format!("T or F for {}", p.name), quote(t)))?,
                                ),
                                PropertyValues::Str(v) => v.push(t.to_string()),
                            }
                        }
                    }
                }
            }
            // Species: by symbol when given, else by atomic number.
            let index = if let Some(name) = sp_name {
                match species.iter().position(|s| s.name == name) {
                    Some(k) => k,
                    None => {
                        let el = Element::from_symbol(name).ok_or_else(|| {
                            l.err(ErrorKind::UnknownElement, "a chemical symbol in the species column", quote(name))
                        })?;
                        species.push(Species { name: name.to_string(), element: Some(el), mass: el.mass });
                        species.len() - 1
                    }
                }
            } else {
                let z = z.unwrap_or(0);
                let el = Element::from_atomic_number(z)
                    .ok_or_else(|| l.err(ErrorKind::UnknownElement, "an atomic number 1..92 in the Z column", z.to_string()))?;
                match species.iter().position(|s| s.name == el.symbol) {
                    Some(k) => k,
                    None => {
                        species.push(Species { name: el.symbol.to_string(), element: Some(el), mass: el.mass });
                        species.len() - 1
                    }
                }
            };
            z_species.push(index as u32);
        }
        let n = cols.positions.len();
        let line_of = |i: usize| first_atom_line + i;
        cols.species_index = z_species;
        // Per-atom masses set the species mass (the first atom of each species decides).
        if !masses.is_empty() {
            let mut set = vec![false; species.len()];
            for (i, &m) in masses.iter().enumerate() {
                let s = cols.species_index[i] as usize;
                if !set[s] {
                    species[s].mass = m;
                    set[s] = true;
                }
            }
        }
        if has(Role::Vel) {
            cols.velocities = Some(vel);
        } else if has(Role::Momenta) {
            if units != UnitSystem::Metal {
                return Err(l.err(ErrorKind::Syntax, "velocities (vel:R:3) rather than ASE momenta outside metal units", "momenta"));
            }
            let v = mom
                .iter()
                .zip(&cols.species_index)
                .map(|(p, &s)| {
                    let f = ASE_VELOCITY_IN_ANGSTROM_PER_PS / species[s as usize].mass;
                    [p[0] * f, p[1] * f, p[2] * f]
                })
                .collect();
            cols.velocities = Some(v);
        }
        if has(Role::Forces) {
            cols.forces = Some(forces);
        }
        if has(Role::Charge) {
            cols.charges = Some(charges);
        }
        if has(Role::Image) {
            cols.images = Some(images);
        }
        cols.ids = if has(Role::Id) { ids } else { (1..=n as u64).collect() };
        check_unique_ids(&cols.ids, &l.file, line_of)?;

        let cell = match lattice {
            Some(m) => {
                let p = pbc.unwrap_or([true; 3]);
                Cell::new(m, origin, p).map_err(|e| {
                    IoError::parse(ErrorKind::Syntax, &l.file, comment_line, "a non-degenerate Lattice", e.to_string())
                })?
            }
            None => {
                if pbc.is_some_and(|p| p.iter().any(|&b| b)) {
                    return Err(IoError::parse(ErrorKind::Syntax, &l.file, comment_line, "a Lattice for a periodic frame", "pbc without Lattice"));
                }
                let mut lo = [0.0f64; 3];
                let mut hi = [0.0f64; 3];
                if n > 0 {
                    lo = [f64::INFINITY; 3];
                    hi = [f64::NEG_INFINITY; 3];
                    for r in &cols.positions {
                        for k in 0..3 {
                            lo[k] = lo[k].min(r[k]);
                            hi[k] = hi[k].max(r[k]);
                        }
                    }
                }
                for k in 0..3 {
                    lo[k] -= FREE_PADDING_ANGSTROM;
                    hi[k] += FREE_PADDING_ANGSTROM;
                }
                Cell::orthorhombic(lo, hi, [false; 3]).map_err(|e| {
                    IoError::parse(ErrorKind::Syntax, &l.file, comment_line, "atom coordinates of sensible size", e.to_string())
                })?
            }
        };
        check_inside(&cell, &cols.positions, &l.file, line_of)?;
        let mut system = System::new(cell, units);
        system.species = species;
        let mut system = cols.into_system(system);
        system.properties = extras;
        Ok(Some(Frame { system, info }))
    }
}

/// Quotes a comment-line value when it holds spaces, quotes or '='.
fn kv_value(v: &str) -> String {
    if !v.is_empty() && !v.chars().any(|c| c.is_whitespace() || c == '"' || c == '=' || c == '\\' || c == '{' || c == '}') {
        return v.to_string();
    }
    let mut s = String::with_capacity(v.len() + 2);
    s.push('"');
    for c in v.chars() {
        match c {
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            '\n' => s.push_str("\\n"),
            c => s.push(c),
        }
    }
    s.push('"');
    s
}

const RESERVED: &[&str] = &[
    "species", "Z", "pos", "vel", "velo", "velocities", "momenta", "forces", "force", "id", "charge", "charges",
    "initial_charges", "image", "masses", "mass",
];

fn invalid(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, msg)
}

/// Writes one frame: species, pos (Å), id, then vel (Å/ps), forces, charge, image and masses when they carry
/// information, then every extra property. `extra_info` pairs go on the comment line.
pub fn write_frame<W: Write>(w: &mut W, system: &System, extra_info: &[(String, String)]) -> io::Result<()> {
    let n = system.len();
    let any_vel = system.velocities.iter().any(|v| *v != [0.0; 3]);
    let any_force = system.forces.iter().any(|v| *v != [0.0; 3]);
    let any_image = system.images.iter().any(|v| *v != [0; 3]);
    let custom_mass = system.species.iter().any(|s| s.element.map_or(true, |e| e.mass != s.mass));
    let mut props = String::from("species:S:1:pos:R:3:id:I:1");
    if any_vel {
        props.push_str(":vel:R:3");
    }
    if any_force {
        props.push_str(":forces:R:3");
    }
    if system.charges.is_some() {
        props.push_str(":charge:R:1");
    }
    if any_image {
        props.push_str(":image:I:3");
    }
    if custom_mass {
        props.push_str(":masses:R:1");
    }
    for p in &system.properties {
        if p.name.is_empty() || p.name.chars().any(|c| c.is_whitespace() || c == ':' || c == '"' || c == '=') {
            return Err(invalid(format!("property name '{}' usable as an extxyz column name", p.name)));
        }
        if RESERVED.contains(&p.name.as_str()) {
            return Err(invalid(format!("property name '{}' is reserved for a standard extxyz column", p.name)));
        }
        let ty = match p.values {
            PropertyValues::Real(_) => 'R',
            PropertyValues::Int(_) => 'I',
            PropertyValues::Bool(_) => 'L',
            PropertyValues::Str(_) => 'S',
        };
        props.push_str(&format!(":{}:{}:{}", p.name, ty, p.components));
    }
    for s in &system.species {
        if s.name.is_empty() || s.name.chars().any(char::is_whitespace) {
            return Err(invalid(format!("species name '{}' without spaces", s.name)));
        }
    }
    writeln!(w, "{n}")?;
    // Atoms that left a non-periodic box are declared inside it, so the file reads back.
    let cell = system.cell.enclosing(&system.positions);
    let v = cell.vectors();
    write!(w, "Lattice=\"")?;
    for (k, x) in v.iter().flatten().enumerate() {
        if k > 0 {
            w.write_all(b" ")?;
        }
        write!(w, "{}", fmt_f64(*x))?;
    }
    write!(w, "\" Properties={props}")?;
    let b = |x: bool| if x { 'T' } else { 'F' };
    let p = cell.pbc();
    write!(w, " pbc=\"{} {} {}\"", b(p[0]), b(p[1]), b(p[2]))?;
    let o = cell.origin();
    if o != [0.0; 3] {
        write!(w, " Origin=\"{} {} {}\"", fmt_f64(o[0]), fmt_f64(o[1]), fmt_f64(o[2]))?;
    }
    if system.units != UnitSystem::Metal {
        write!(w, " units={}", system.units.name())?;
    }
    for (k, val) in extra_info {
        if k.is_empty() || k.chars().any(|c| c.is_whitespace() || c == '=' || c == '"') {
            return Err(invalid(format!("info key '{k}' without spaces, quotes or '='")));
        }
        write!(w, " {k}={}", kv_value(val))?;
    }
    writeln!(w)?;
    for i in 0..n {
        let r = system.positions[i];
        let s = &system.species[system.species_index[i] as usize];
        write!(w, "{} {} {} {} {}", s.name, fmt_f64(r[0]), fmt_f64(r[1]), fmt_f64(r[2]), system.ids[i])?;
        if any_vel {
            let v = system.velocities[i];
            write!(w, " {} {} {}", fmt_f64(v[0]), fmt_f64(v[1]), fmt_f64(v[2]))?;
        }
        if any_force {
            let f = system.forces[i];
            write!(w, " {} {} {}", fmt_f64(f[0]), fmt_f64(f[1]), fmt_f64(f[2]))?;
        }
        if let Some(q) = &system.charges {
            write!(w, " {}", fmt_f64(q[i]))?;
        }
        if any_image {
            let m = system.images[i];
            write!(w, " {} {} {}", m[0], m[1], m[2])?;
        }
        if custom_mass {
            write!(w, " {}", fmt_f64(s.mass))?;
        }
        for p in &system.properties {
            let c = p.components;
            for k in i * c..(i + 1) * c {
                match &p.values {
                    PropertyValues::Real(v) => write!(w, " {}", fmt_f64(v[k]))?,
                    PropertyValues::Int(v) => write!(w, " {}", v[k])?,
                    PropertyValues::Bool(v) => write!(w, " {}", if v[k] { 'T' } else { 'F' })?,
                    PropertyValues::Str(v) => {
                        if v[k].is_empty() || v[k].chars().any(char::is_whitespace) {
                            return Err(invalid(format!("property '{}' value {:?} without spaces", p.name, v[k])));
                        }
                        write!(w, " {}", v[k])?
                    }
                }
            }
        }
        writeln!(w)?;
    }
    Ok(())
}
