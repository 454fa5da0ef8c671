//! Potential spec strings → potentials. Delegates to atomfab-potentials; until its spec parser lands this
//! understands the pair styles `lj:epsilon=..,sigma=..,cutoff=..[,shift=yes]` and
//! `morse:d0=..,alpha=..,r0=..,cutoff=..[,shift=yes]`.

use atomfab_potentials::{PairPotential, Potential, PotentialError};

pub fn build_potential(spec: &str) -> Result<Box<dyn Potential>, PotentialError> {
    let err = |m: String| PotentialError::Spec { spec: spec.to_string(), message: m };
    let (style, rest) = spec.split_once(':').unwrap_or((spec, ""));
    let mut kv = std::collections::BTreeMap::new();
    for part in rest.split(',').filter(|p| !p.trim().is_empty()) {
        let (k, v) = part.split_once('=').ok_or_else(|| err(format!("expected key=value, found '{part}'")))?;
        kv.insert(k.trim().to_string(), v.trim().to_string());
    }
    let mut num = |k: &str| -> Result<f64, PotentialError> {
        let v = kv.remove(k).ok_or_else(|| err(format!("missing '{k}='")))?;
        v.parse::<f64>().map_err(|_| err(format!("'{k}' expects a number, found '{v}'")))
    };
    let pot = match style.trim() {
        "lj" => {
            let (e, s, c) = (num("epsilon")?, num("sigma")?, num("cutoff")?);
            let shift = kv.remove("shift").is_some_and(|v| v == "yes" || v == "true");
            PairPotential::lennard_jones(e, s, c, shift)?
        }
        "morse" => {
            let (d0, a, r0, c) = (num("d0")?, num("alpha")?, num("r0")?, num("cutoff")?);
            let shift = kv.remove("shift").is_some_and(|v| v == "yes" || v == "true");
            PairPotential::morse(d0, a, r0, c, shift)?
        }
        other => return Err(err(format!("unknown potential style '{other}' (expected lj or morse)"))),
    };
    if let Some(k) = kv.keys().next() {
        return Err(err(format!("unknown key '{k}'")));
    }
    Ok(Box::new(pot))
}
