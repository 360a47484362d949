//! The built-in scenarios (the files under `scenarios/`, embedded at build time) and the one
//! entry point that resolves `NAME[:VARIANT]` or a path to a scenario file.

use std::path::Path;
use std::sync::Arc;

use goodhart_core::{Error, Result};

use crate::file::{ScenarioFile, Source};
use crate::scenario::GridScenario;

include!(concat!(env!("OUT_DIR"), "/builtin.rs"));

/// Names of the built-in scenarios, sorted.
pub fn names() -> Vec<&'static str> {
    BUILTIN.iter().map(|(n, _)| *n).collect()
}

/// The parsed file of a built-in scenario, or of a `.toml` path.
pub fn file(name: &str) -> Result<(ScenarioFile, Source)> {
    if name.ends_with(".toml") || name.contains('/') {
        return ScenarioFile::read(Path::new(name));
    }
    let (_, text) = BUILTIN
        .iter()
        .find(|(n, _)| *n == name)
        .ok_or_else(|| Error::unknown("scenario", name, names()))?;
    ScenarioFile::parse(&format!("scenarios/{name}.toml"), text)
}

/// Splits `NAME[:VARIANT]` (a path may itself contain no `:`).
pub fn split_id(id: &str) -> (&str, Option<&str>) {
    match id.rsplit_once(':') {
        Some((n, v)) if !v.is_empty() => (n, Some(v)),
        Some((n, _)) => (n, None),
        None => (id, None),
    }
}

/// Loads `NAME[:VARIANT]` (or `path/to/file.toml[:VARIANT]`) with `--set` overrides.
pub fn load(id: &str, overrides: &[(String, String)]) -> Result<Arc<GridScenario>> {
    let (name, variant) = split_id(id);
    let (f, source) = file(name)?;
    GridScenario::from_file(&f, &source, variant, overrides).map(Arc::new)
}

/// Every `(scenario, variant)` of the catalog, in name then file order.
pub fn all_ids() -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    for name in names() {
        let (f, _) = file(name)?;
        for v in f.variants.keys() {
            out.push((name.to_string(), v.clone()));
        }
    }
    Ok(out)
}

/// Parses `NAME=VALUE` pairs given to `--set`.
pub fn parse_set(pairs: &[String]) -> Result<Vec<(String, String)>> {
    pairs
        .iter()
        .map(|p| {
            p.split_once('=')
                .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
                .ok_or_else(|| Error::invalid_value("--set", p, "NAME=VALUE"))
        })
        .collect()
}
