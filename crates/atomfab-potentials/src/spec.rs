//! Potential spec strings, as used on the command line and in recipes.
//!
//! ```text
//! lj:epsilon=1,sigma=1,cutoff=2.5[,shift=true]          Lennard-Jones between all atoms (ε eV, σ Å, cutoff Å)
//! morse:d0=0.3429,alpha=1.3588,r0=2.866,cutoff=9[,shift=true]   Morse between all atoms (eV, 1/Å, Å, Å)
//! eam:Cu_u3.eam[,Ni_u3.eam]                             EAM funcfl files, one per element (named from Z)
//! eam/alloy:Cu_mishin1.eam.alloy[:Cu[,Ni]]              EAM setfl file; the elements to use (default: all)
//! tersoff:SiC.tersoff:Si,C                              Tersoff file with the elements to use
//! tersoff/zbl:SiC.tersoff.zbl:Si,C                      Tersoff/ZBL file (LAMMPS tersoff/zbl) with the elements
//! sw:Si.sw:Si                                          Stillinger-Weber file (LAMMPS sw) with the elements
//! sw/zbl:Si.sw:Si:zblcut=0.95,zblexpscale=14            SW with its two-body term joined to ZBL by the Fermi
//!                                                       switch of tersoff/zbl (centre Å, steepness 1/Å)
//! zbl:inner=3,outer=4[:Si,Ar]                           ZBL repulsion switched off over [inner, outer] Å (LAMMPS
//!                                                       zbl); Z from the element symbols (or NAME=Z); in a
//!                                                       hybrid the elements default to those of its @pairs
//! hybrid:PART;PART;...                                  several potentials, summed (LAMMPS hybrid/overlay)
//!   PART = SPEC[@A-B,C-D,...]   the part acts only on the listed species pairs; without @ on all pairs
//!                               among the species it knows (a pair style without species: all pairs)
//!   none@A-B,...                the listed pairs do not interact (a rigid tool's own atoms)
//!   e.g. hybrid:tersoff:Si.tersoff:Si@Si-Si;tersoff:SiC.tersoff:C@C-C;morse:d0=0.435,alpha=4.6487,r0=1.9475,cutoff=4@Si-C
//!        hybrid:tersoff/zbl:SiC.tersoff.zbl:Si;zbl:inner=3,outer=4@Ar-Si,Ar-Ar      (an Ar beam on Si)
//! ```
//! Files are searched relative to the working directory, then in `$ATOMFAB_POTENTIALS`, then in
//! `/usr/share/lammps/potentials`.

use crate::eam::Eam;
use crate::hybrid::{Hybrid, Part};
use crate::inert::Inert;
use crate::pair::{PairForm, PairParams, PairPotential};
use crate::sw::{StillingerWeber, SwZbl};
use crate::tersoff::Tersoff;
use crate::zbl::Zbl;
use crate::{Potential, PotentialError};
use std::path::{Path, PathBuf};

/// Builds a potential from a spec string (see the module documentation for the grammar).
pub fn from_spec(spec: &str) -> Result<Box<dyn Potential>, PotentialError> {
    let spec = spec.trim();
    let err = |message: String| PotentialError::Spec { spec: spec.to_string(), message };
    let (style, rest) = spec.split_once(':').ok_or_else(|| {
        err("expected STYLE:ARGS with STYLE one of lj, morse, zbl, eam, eam/alloy, tersoff, tersoff/zbl, sw, sw/zbl, hybrid".into())
    })?;
    match style {
        "lj" | "morse" => Ok(Box::new(pair_from_args(style, rest).map_err(err)?)),
        "eam" => {
            let files: Vec<PathBuf> =
                rest.split(',').map(|f| resolve_file(f.trim())).collect::<Result<_, _>>()?;
            Ok(Box::new(Eam::from_funcfl_files(&files)?))
        }
        "eam/alloy" => {
            let (file, elems) = match rest.split_once(':') {
                Some((f, e)) => (f, Some(names(e))),
                None => (rest, None),
            };
            let path = resolve_file(file.trim())?;
            Ok(Box::new(Eam::from_setfl_file(&path, elems.as_deref())?))
        }
        "tersoff" => {
            let (file, elems) = rest
                .split_once(':')
                .ok_or_else(|| err("expected tersoff:FILE:EL1[,EL2...]".into()))?;
            let path = resolve_file(file.trim())?;
            Ok(Box::new(Tersoff::from_file(&path, &names(elems))?))
        }
        "tersoff/zbl" => {
            let (file, elems) = rest
                .split_once(':')
                .ok_or_else(|| err("expected tersoff/zbl:FILE:EL1[,EL2...]".into()))?;
            let path = resolve_file(file.trim())?;
            Ok(Box::new(Tersoff::from_zbl_file(&path, &names(elems))?))
        }
        "sw" | "sw/zbl" => Ok(Box::new(sw_from_args(style, rest).map_err(|e| match e {
            SwArgError::Spec(m) => err(m),
            SwArgError::Potential(p) => p,
        })?)),
        "zbl" => Ok(Box::new(zbl_from_args(rest, None).map_err(err)?)),
        "hybrid" => {
            let mut parts = Vec::new();
            // Pair-style parts restricted to species pairs are merged into one pair table.
            let mut pair_parts: Vec<(Vec<(String, String)>, PairParams)> = Vec::new();
            for part in rest.split(';').map(str::trim).filter(|p| !p.is_empty()) {
                let (sub, pairs) = match part.rsplit_once('@') {
                    Some((s, p)) => (s, Some(parse_pairs(p).map_err(err)?)),
                    None => (part, None),
                };
                if sub.starts_with("hybrid:") {
                    return Err(err("a hybrid cannot contain another hybrid".into()));
                }
                if sub == "none" {
                    let pairs = pairs.ok_or_else(|| err("none needs the species pairs it silences, e.g. none@C-C".into()))?;
                    let mut names: Vec<String> = Vec::new();
                    for name in pairs.iter().flat_map(|(a, b)| [a, b]) {
                        if !names.contains(name) {
                            names.push(name.clone());
                        }
                    }
                    parts.push(Part { potential: Box::new(Inert::new(names)), pairs: Some(pairs) });
                    continue;
                }
                match (sub.split_once(':'), pairs) {
                    (Some((style @ ("lj" | "morse"), args)), Some(pairs)) => {
                        let params = pair_params(style, args).map_err(err)?;
                        pair_parts.push((pairs, params));
                    }
                    // A zbl part without its own element list takes the species of its pairs.
                    (Some(("zbl", args)), Some(pairs)) if !args.contains(':') => {
                        let mut names: Vec<String> = Vec::new();
                        for name in pairs.iter().flat_map(|(a, b)| [a, b]) {
                            if !names.contains(name) {
                                names.push(name.clone());
                            }
                        }
                        let pot = zbl_from_args(args, Some(names)).map_err(err)?;
                        parts.push(Part { potential: Box::new(pot), pairs: Some(pairs) });
                    }
                    (_, pairs) => parts.push(Part { potential: from_spec(sub)?, pairs }),
                }
            }
            let overlap = {
                let mut seen = std::collections::BTreeSet::new();
                let mut dup = false;
                for (pairs, _) in &pair_parts {
                    for (a, b) in pairs {
                        let key = if a <= b { (a.clone(), b.clone()) } else { (b.clone(), a.clone()) };
                        dup |= !seen.insert(key);
                    }
                }
                dup
            };
            let tables: Vec<Vec<(Vec<(String, String)>, PairParams)>> =
                if overlap { pair_parts.into_iter().map(|p| vec![p]).collect() } else if pair_parts.is_empty() { vec![] } else { vec![pair_parts] };
            for table in tables {
                let mut names: Vec<String> = Vec::new();
                for (a, b) in table.iter().flat_map(|t| t.0.iter()) {
                    for s in [a, b] {
                        if !names.contains(s) {
                            names.push(s.clone());
                        }
                    }
                }
                let mut pot = PairPotential::new(names.clone());
                let idx = |s: &String| names.iter().position(|x| x == s).expect("collected above");
                let mut all_pairs = Vec::new();
                for (pairs, params) in table {
                    for (a, b) in pairs {
                        pot.set_pair(idx(&a), idx(&b), params).map_err(|e| err(e.to_string()))?;
                        all_pairs.push((a, b));
                    }
                }
                parts.push(Part { potential: Box::new(pot), pairs: Some(all_pairs) });
            }
            Ok(Box::new(Hybrid::new(parts).map_err(err)?))
        }
        other => Err(err(format!(
            "unknown style '{other}', expected one of lj, morse, zbl, eam, eam/alloy, tersoff, tersoff/zbl, sw, sw/zbl, hybrid"
        ))),
    }
}

enum SwArgError {
    Spec(String),
    Potential(PotentialError),
}

/// `FILE:EL1[,EL2...]` for sw; `FILE:EL1[,EL2...]:zblcut=R,zblexpscale=S` for sw/zbl.
fn sw_from_args(style: &str, args: &str) -> Result<StillingerWeber, SwArgError> {
    let usage = if style == "sw" { "expected sw:FILE:EL1[,EL2...]" } else { "expected sw/zbl:FILE:EL1[,EL2...]:zblcut=R,zblexpscale=S" };
    let mut fields = args.splitn(3, ':');
    let (file, elems, kv) = (fields.next().unwrap_or(""), fields.next(), fields.next());
    let elems = elems.map(names).filter(|e| !e.is_empty()).ok_or_else(|| SwArgError::Spec(usage.into()))?;
    let path = resolve_file(file.trim()).map_err(SwArgError::Potential)?;
    let sw = StillingerWeber::from_file(&path, &elems).map_err(SwArgError::Potential)?;
    if style == "sw" {
        return match kv {
            None => Ok(sw),
            Some(_) => Err(SwArgError::Spec(format!("{usage} (ZBL keys need sw/zbl)"))),
        };
    }
    let (mut cut, mut scale) = (None, None);
    for item in kv.unwrap_or("").split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let (k, v) = item.split_once('=').ok_or_else(|| SwArgError::Spec(format!("expected KEY=VALUE, found '{item}'")))?;
        let x: f64 = v.trim().parse().map_err(|_| SwArgError::Spec(format!("{}: expected a number, found '{}'", k.trim(), v.trim())))?;
        match k.trim() {
            "zblcut" => cut = Some(x),
            "zblexpscale" => scale = Some(x),
            other => return Err(SwArgError::Spec(format!("unknown key '{other}' for sw/zbl, expected zblcut (Å), zblexpscale (1/Å)"))),
        }
    }
    let cut = cut.ok_or_else(|| SwArgError::Spec(format!("missing key 'zblcut' (Å): {usage}")))?;
    let expscale = scale.ok_or_else(|| SwArgError::Spec(format!("missing key 'zblexpscale' (1/Å): {usage}")))?;
    sw.with_zbl(SwZbl { cut, expscale }).map_err(SwArgError::Potential)
}

fn names(list: &str) -> Vec<String> {
    list.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect()
}

fn parse_pairs(text: &str) -> Result<Vec<(String, String)>, String> {
    text.split(',')
        .map(|p| {
            let p = p.trim();
            p.split_once('-')
                .map(|(a, b)| (a.trim().to_string(), b.trim().to_string()))
                .filter(|(a, b)| !a.is_empty() && !b.is_empty())
                .ok_or_else(|| format!("expected a species pair like Si-C after '@', found '{p}'"))
        })
        .collect()
}

/// `inner=R1,outer=R2[:EL1,EL2...]`; `species` are the elements when the spec names none.
fn zbl_from_args(args: &str, species: Option<Vec<String>>) -> Result<Zbl, String> {
    let (kv, elems) = match args.split_once(':') {
        Some((kv, e)) => (kv, Some(names(e))),
        None => (args, None),
    };
    let (mut inner, mut outer) = (None, None);
    for item in kv.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let (k, v) = item.split_once('=').ok_or_else(|| format!("expected KEY=VALUE, found '{item}'"))?;
        let x: f64 = v.trim().parse().map_err(|_| format!("{}: expected a number (Å), found '{}'", k.trim(), v.trim()))?;
        match k.trim() {
            "inner" => inner = Some(x),
            "outer" => outer = Some(x),
            other => return Err(format!("unknown key '{other}' for zbl, expected inner, outer")),
        }
    }
    let inner = inner.ok_or("missing key 'inner'")?;
    let outer = outer.ok_or("missing key 'outer'")?;
    let elems = elems.or(species).ok_or(
        "zbl needs its elements, e.g. zbl:inner=3,outer=4:Si,Ar (inside a hybrid they default to the species of its @pairs)",
    )?;
    Zbl::for_elements(&elems, inner, outer).map_err(|e| e.to_string())
}

fn pair_from_args(style: &str, args: &str) -> Result<PairPotential, String> {
    let params = pair_params(style, args)?;
    let mut p = PairPotential::new(Vec::new());
    p.set_pair(0, 0, params).map_err(|e| e.to_string())?;
    Ok(p)
}

fn pair_params(style: &str, args: &str) -> Result<PairParams, String> {
    let mut values = std::collections::BTreeMap::new();
    let mut shift = false;
    for kv in args.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let (k, v) = kv.split_once('=').ok_or_else(|| format!("expected KEY=VALUE, found '{kv}'"))?;
        let (k, v) = (k.trim(), v.trim());
        if k == "shift" {
            shift = match v {
                "true" | "yes" | "1" => true,
                "false" | "no" | "0" => false,
                _ => return Err(format!("shift: expected true or false, found '{v}'")),
            };
            continue;
        }
        let allowed: &[&str] = if style == "lj" { &["epsilon", "sigma", "cutoff"] } else { &["d0", "alpha", "r0", "cutoff"] };
        if !allowed.contains(&k) {
            return Err(format!("unknown key '{k}' for {style}, expected one of {}, shift", allowed.join(", ")));
        }
        let x: f64 = v.parse().map_err(|_| format!("{k}: expected a number, found '{v}'"))?;
        values.insert(k, x);
    }
    let get = |k: &str| values.get(k).copied().ok_or_else(|| format!("missing key '{k}'"));
    let form = if style == "lj" {
        PairForm::LennardJones { epsilon: get("epsilon")?, sigma: get("sigma")? }
    } else {
        PairForm::Morse { d0: get("d0")?, alpha: get("alpha")?, r0: get("r0")? }
    };
    Ok(PairParams { form, cutoff: get("cutoff")?, shift })
}

/// Finds a potential file: as given (relative to the working directory), then in `$ATOMFAB_POTENTIALS`,
/// then in `/usr/share/lammps/potentials`.
pub fn resolve_file(name: &str) -> Result<PathBuf, PotentialError> {
    let given = Path::new(name);
    if given.is_file() {
        return Ok(given.to_path_buf());
    }
    let mut tried = vec![given.display().to_string()];
    if given.is_relative() {
        let mut dirs = Vec::new();
        if let Some(d) = std::env::var_os("ATOMFAB_POTENTIALS") {
            dirs.push(PathBuf::from(d));
        }
        dirs.push(PathBuf::from("/usr/share/lammps/potentials"));
        for d in dirs {
            let p = d.join(given);
            if p.is_file() {
                return Ok(p);
            }
            tried.push(p.display().to_string());
        }
    }
    Err(PotentialError::Other(format!("potential file '{name}' not found (tried {})", tried.join(", "))))
}
