//! Recipes: versioned TOML parsed with serde into typed structs. Unknown keys are errors naming the key,
//! the file, the line and the column. Each engine owns the struct of its own section.

use anyhow::{bail, Context, Result};
use atomfab_core::{BuildSpec, System, UnitSystem};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The recipe `atomfab run` uses when given none: Si(001) nanocutting with its evaluation.
pub const DEFAULT_RECIPE: &str = include_str!("default_recipe.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recipe {
    /// Recipe format version; 1 is the only one so far.
    #[serde(default = "one")]
    pub version: u32,
    #[serde(default)]
    pub title: Option<String>,
    /// Seed every random choice of the run flows from.
    #[serde(default = "one_u64")]
    pub seed: u64,
    #[serde(default)]
    pub units: UnitSystem,
    #[serde(default)]
    pub system: Option<SystemSection>,
    #[serde(default)]
    pub output: OutputSection,
    /// Lattice kinetic Monte Carlo (ALD/ALE), owned by atomfab-kmc.
    #[serde(default)]
    pub kmc: Option<atomfab_kmc::KmcConfig>,
    /// Molecular dynamics, owned by atomfab-md.
    #[serde(default)]
    pub md: Option<atomfab_md::MdConfig>,
    /// An atomic-scale removal process (nanocutting, ...), owned by atomfab-process.
    #[serde(default)]
    pub process: Option<atomfab_process::ProcessConfig>,
}

fn one() -> u32 {
    1
}
fn one_u64() -> u64 {
    1
}

/// Where the atoms come from: a structure file, or a lattice build.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SystemSection {
    /// Structure file (extxyz, LAMMPS data/dump), relative to the recipe's folder.
    #[serde(default)]
    pub file: Option<PathBuf>,
    /// File format when the extension does not tell: extxyz, lammps-data, lammps-dump.
    #[serde(default)]
    pub format: Option<String>,
    /// Element of each LAMMPS atom type, in type order (type 1 first).
    #[serde(default)]
    pub types: Vec<String>,
    #[serde(default)]
    pub build: Option<BuildSpec>,
}

/// Files the run writes into the output folder.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct OutputSection {
    /// Structure files of the final system (format by extension).
    #[serde(default)]
    pub structure: Vec<PathBuf>,
}

/// Parses TOML into `T`, reporting errors as one line `SOURCE:LINE:COLUMN: message`.
pub fn parse_toml<T: DeserializeOwned>(text: &str, source: &str) -> Result<T> {
    toml::from_str(text).map_err(|e| {
        let message = e.message().replace('\n', " ");
        match e.span() {
            Some(span) => {
                let (line, column) = line_column(text, span.start);
                anyhow::anyhow!("{source}:{line}:{column}: {message}")
            }
            None => anyhow::anyhow!("{source}: {message}"),
        }
    })
}

fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rfind('\n').map_or(before.chars().count(), |p| before[p + 1..].chars().count()) + 1;
    (line, column)
}

/// Applies `key.path=value` overrides to recipe text. Values are TOML (`5`, `true`, `[1,2]`, `"x"`);
/// anything that does not parse as TOML is taken as a string. Line numbers of untouched keys are kept.
pub fn apply_overrides(text: &str, source: &str, overrides: &[String]) -> Result<String> {
    if overrides.is_empty() {
        return Ok(text.to_string());
    }
    let mut doc: toml_edit::DocumentMut =
        text.parse().map_err(|e: toml_edit::TomlError| anyhow::anyhow!("{source}: {}", e.message()))?;
    for o in overrides {
        let (key, raw) = o.split_once('=').with_context(|| format!("--set '{o}': expected key=value"))?;
        let key = key.trim();
        let path: Vec<&str> = key.split('.').map(str::trim).collect();
        if key.is_empty() || path.iter().any(|p| p.is_empty()) {
            bail!("--set '{o}': expected a dotted key such as md.steps");
        }
        let value: toml_edit::Value = raw.trim().parse().unwrap_or_else(|_| raw.trim().into());
        set_path(doc.as_item_mut(), &path, value).with_context(|| format!("--set '{o}'"))?;
    }
    Ok(doc.to_string())
}

fn set_path(item: &mut toml_edit::Item, path: &[&str], value: toml_edit::Value) -> Result<()> {
    if let Ok(idx) = path[0].parse::<usize>() {
        return set_index(item, idx, &path[1..], value);
    }
    let table = item.as_table_like_mut().context("the key's parent is not a table")?;
    if let [last] = path {
        table.insert(last, toml_edit::Item::Value(value));
        return Ok(());
    }
    if table.get(path[0]).is_none() {
        table.insert(path[0], toml_edit::table());
    }
    set_path(table.get_mut(path[0]).expect("inserted above"), &path[1..], value)
}

/// A numeric key part indexes an array (`kmc.cycle.phases.0.duration_s`).
fn set_index(item: &mut toml_edit::Item, idx: usize, rest: &[&str], value: toml_edit::Value) -> Result<()> {
    match item {
        toml_edit::Item::ArrayOfTables(a) => {
            let n = a.len();
            let t = a.get_mut(idx).with_context(|| format!("index {idx}: the array has {n} entries"))?;
            anyhow::ensure!(!rest.is_empty(), "index {idx}: cannot replace a whole table");
            let mut tmp = toml_edit::Item::Table(std::mem::take(t));
            let r = set_path(&mut tmp, rest, value);
            *t = tmp.into_table().expect("still a table");
            r
        }
        toml_edit::Item::Value(toml_edit::Value::Array(arr)) => {
            let n = arr.len();
            let v = arr.get_mut(idx).with_context(|| format!("index {idx}: the array has {n} entries"))?;
            if rest.is_empty() {
                *v = value;
                return Ok(());
            }
            let mut tmp = toml_edit::Item::Value(v.clone());
            set_path(&mut tmp, rest, value)?;
            *v = tmp.into_value().expect("still a value");
            Ok(())
        }
        _ => bail!("index {idx}: the key's parent is not an array"),
    }
}

/// Loads the recipe text: the file, or the embedded default when no path is given.
pub fn load_text(path: Option<&Path>) -> Result<(String, String)> {
    match path {
        Some(p) => {
            let text = std::fs::read_to_string(p).with_context(|| format!("{}: cannot read recipe", p.display()))?;
            Ok((text, p.display().to_string()))
        }
        None => Ok((DEFAULT_RECIPE.to_string(), "<embedded default recipe>".to_string())),
    }
}

impl SystemSection {
    /// Builds or reads the system. `base` is the recipe's folder (relative file paths start there).
    pub fn make_system(&self, units: UnitSystem, base: &Path) -> Result<System> {
        match (&self.file, &self.build) {
            (Some(_), Some(_)) => bail!("[system]: give either 'file' or [system.build], not both"),
            (None, None) => bail!("[system]: expected 'file' or a [system.build] table"),
            (None, Some(build)) => Ok(build.build(units).context("[system.build]")?),
            (Some(file), None) => {
                let path = base.join(file);
                let format = match &self.format {
                    Some(name) => Some(
                        atomfab_io::Format::from_name(name)
                            .with_context(|| format!("[system] format = '{name}': expected extxyz, lammps-data or lammps-dump"))?,
                    ),
                    None => None,
                };
                let options = atomfab_io::ReadOptions {
                    species_map: self.types.iter().enumerate().map(|(k, s)| (k as u32 + 1, s.clone())).collect(),
                    units,
                    ..Default::default()
                };
                Ok(atomfab_io::read_structure(&path, format, &options)?)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_recipe_parses() {
        let r: Recipe = parse_toml(DEFAULT_RECIPE, "default").unwrap();
        assert!(r.process.is_some());
    }

    #[test]
    fn unknown_key_names_line_and_column() {
        let text = "seed = 3\n[system]\nfiel = \"a.xyz\"\n";
        let err = parse_toml::<Recipe>(text, "r.toml").unwrap_err().to_string();
        assert!(err.starts_with("r.toml:3:1: unknown field `fiel`"), "{err}");
        assert!(!err.contains('\n'));
    }

    #[test]
    fn overrides_set_nested_keys() {
        let text = "seed = 3\n[system.build]\nrepeats = [1, 1, 1]\n";
        let out = apply_overrides(text, "r", &["seed=9".into(), "system.build.repeats=[2,2,2]".into(), "title=Si cut".into()]).unwrap();
        let v: toml::Table = toml::from_str(&out).unwrap();
        assert_eq!(v["seed"].as_integer(), Some(9));
        assert_eq!(v["title"].as_str(), Some("Si cut"));
        assert_eq!(v["system"]["build"]["repeats"].as_array().unwrap().len(), 3);
        assert!(apply_overrides(text, "r", &["noequals".into()]).is_err());
        assert!(apply_overrides(text, "r", &["seed.x=1".into()]).is_err());
    }
}
