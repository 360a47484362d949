//! Experiment specs (TOML) and their expansion into runs.
//!
//! ```toml
//! name = "example"
//! seed = 7
//! scenarios = ["boat_race", "distributional_shift:test*", { scenario = "absent_supervisor:*", set = { noops = true } }]
//! mitigations = ["none"]
//! seeds = 3                      # or [0, 1, 2]
//! record = ["outcome", "curves", "trajectories"]
//!
//! [[optimizers]]
//! name = "exact"
//!
//! [[optimizers]]
//! name = "random"
//! episodes = 500
//! ```
//!
//! A scenario entry is `NAME` (its default variant), `NAME:GLOB` (matching variants), `all`
//! (every variant of every scenario), or a table `{ scenario = ..., set = { ... } }` adding
//! parameter overrides. Names may be globs too (`*:test*`). Every combination of scenario
//! variant × optimizer × mitigation × seed is one [`RunSpec`]; an optimizer whose result does
//! not depend on the seed runs once (seed 0). A run's id is a hash of its canonical parameters,
//! so the same run has the same id in every spec and on every machine.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use goodhart_core::{Error as CoreError, Location, seed};
use goodhart_grid::{GridScenario, catalog};
use serde::Deserialize;
use serde_json::{Value, json};
use toml::Spanned;

use crate::canonical;
use crate::error::{Error, Result};
use crate::glob;
use crate::optimizer::{Params, Record, Registry};

/// The mitigations a spec may name. None is implemented yet; `none` means "optimize the proxy
/// as given".
pub const MITIGATIONS: &[&str] = &["none"];

/// What a spec may ask to record.
pub const RECORDS: &[&str] = &["outcome", "curves", "trajectories"];

/// Seeds used when a spec gives none.
pub const DEFAULT_SEEDS: u64 = 3;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSpec {
    name: Spanned<String>,
    #[serde(default)]
    description: String,
    #[serde(default)]
    seed: Option<Spanned<u64>>,
    scenarios: Spanned<Vec<Spanned<toml::Value>>>,
    optimizers: Spanned<Vec<Spanned<toml::Table>>>,
    #[serde(default)]
    mitigations: Option<Spanned<Vec<Spanned<String>>>>,
    #[serde(default)]
    seeds: Option<Spanned<toml::Value>>,
    #[serde(default)]
    record: Option<Spanned<Vec<Spanned<String>>>>,
}

/// One run of an experiment: a scenario variant, an optimizer with parameters, a mitigation, a
/// seed.
#[derive(Debug, Clone)]
pub struct RunSpec {
    /// Stable id: 16 hex digits of the hash of [`RunSpec::canonical`].
    pub run_id: String,
    /// Scenario name.
    pub scenario: String,
    /// Variant name.
    pub variant: String,
    /// Scenario parameter overrides, sorted by name.
    pub set: BTreeMap<String, String>,
    /// Optimizer name.
    pub optimizer: String,
    /// Optimizer parameters, defaults filled in.
    pub params: Params,
    /// Mitigation name.
    pub mitigation: String,
    /// The seed as listed in the spec (0 for seed-independent optimizers).
    pub seed: u64,
    /// The seed the run's random streams derive from: `derive(experiment seed, [run id])`.
    pub rng_seed: u64,
    /// Hash of the scenario file's text.
    pub scenario_hash: u64,
    /// The canonical JSON the run id hashes.
    pub canonical: String,
    /// Index into [`Experiment::scenarios`].
    pub scenario_index: usize,
}

impl RunSpec {
    /// `scenario:variant optimizer seed=N` for log lines.
    pub fn label(&self) -> String {
        let mut s = format!("{}:{}", self.scenario, self.variant);
        if !self.set.is_empty() {
            let set: Vec<String> = self.set.iter().map(|(k, v)| format!("{k}={v}")).collect();
            s.push_str(&format!(" [{}]", set.join(",")));
        }
        s.push_str(&format!(" {} seed={}", self.optimizer, self.seed));
        if self.mitigation != "none" {
            s.push_str(&format!(" mitigation={}", self.mitigation));
        }
        s
    }

    /// The scenario overrides as JSON (sorted keys).
    pub fn set_json(&self) -> String {
        canonical::to_string(&json!(self.set))
    }

    /// The run id as an integer.
    pub fn id_u64(&self) -> u64 {
        u64::from_str_radix(&self.run_id, 16).unwrap_or(0)
    }
}

/// An expanded spec: its runs and the scenario variants they use, loaded once.
#[derive(Debug, Clone)]
pub struct Experiment {
    /// The spec's `name`.
    pub name: String,
    /// The spec's `description`.
    pub description: String,
    /// The experiment seed.
    pub seed: u64,
    /// Where the spec came from.
    pub file: String,
    /// The spec text, stored with the results.
    pub text: String,
    /// What to record.
    pub record: Record,
    /// Scenario variants, each loaded once.
    pub scenarios: Vec<Arc<GridScenario>>,
    /// The runs, in spec order (scenario, optimizer, mitigation, seed), without duplicates.
    pub runs: Vec<RunSpec>,
}

impl Experiment {
    /// Reads and expands the spec at `path`.
    pub fn read(path: &Path, registry: &Registry) -> Result<Experiment> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Self::parse(&path.display().to_string(), &text, registry)
    }

    /// Parses and expands spec `text` (`file` names it in errors).
    pub fn parse(file: &str, text: &str, registry: &Registry) -> Result<Experiment> {
        let ctx = Ctx { file, text };
        let raw: RawSpec = toml::from_str(text).map_err(|e| {
            let mut loc = Location::file(file);
            if let Some(span) = e.span() {
                loc = loc.at_line(ctx.line_of(span.start));
            }
            CoreError::input(loc, e.message().to_string())
        })?;

        let name = raw.name.get_ref().trim().to_string();
        if name.is_empty() {
            return Err(ctx.err(raw.name.span(), "name", "the experiment needs a name"));
        }
        let exp_seed = raw.seed.as_ref().map(|s| *s.get_ref()).unwrap_or(0);

        // Record.
        let mut record = Record::default();
        if let Some(list) = &raw.record {
            record = Record {
                curves: false,
                trajectories: false,
            };
            for item in list.get_ref() {
                match item.get_ref().as_str() {
                    "outcome" => {}
                    "curves" => record.curves = true,
                    "trajectories" => record.trajectories = true,
                    other => {
                        return Err(ctx.err(
                            item.span(),
                            "record",
                            format!("unknown record `{other}`; known: {}", RECORDS.join(", ")),
                        ));
                    }
                }
            }
        }

        // Mitigations.
        let mut mitigations = Vec::new();
        match &raw.mitigations {
            None => mitigations.push("none".to_string()),
            Some(list) => {
                if list.get_ref().is_empty() {
                    mitigations.push("none".to_string());
                }
                for m in list.get_ref() {
                    let name = m.get_ref().trim();
                    if !MITIGATIONS.contains(&name) {
                        return Err(ctx.err(
                            m.span(),
                            "mitigations",
                            format!(
                                "unknown mitigation `{name}`; known: {}",
                                MITIGATIONS.join(", ")
                            ),
                        ));
                    }
                    if !mitigations.iter().any(|x| x == name) {
                        mitigations.push(name.to_string());
                    }
                }
            }
        }

        // Seeds.
        let seeds: Vec<u64> = match &raw.seeds {
            None => (0..DEFAULT_SEEDS).collect(),
            Some(v) => parse_seeds(v.get_ref()).ok_or_else(|| {
                ctx.err(
                    v.span(),
                    "seeds",
                    "expected a count (`seeds = 3`) or a list of non-negative integers \
                     (`seeds = [0, 1, 2]`)",
                )
            })?,
        };
        if seeds.is_empty() {
            return Err(ctx.err(
                raw.seeds.as_ref().map(|s| s.span()).unwrap_or(0..0),
                "seeds",
                "no seed given",
            ));
        }

        // Optimizers.
        let mut optimizers: Vec<(String, Params, bool)> = Vec::new();
        if raw.optimizers.get_ref().is_empty() {
            return Err(ctx.err(
                raw.optimizers.span(),
                "optimizers",
                format!(
                    "no optimizer listed; known: {}",
                    registry.names().join(", ")
                ),
            ));
        }
        for (i, table) in raw.optimizers.get_ref().iter().enumerate() {
            let field = format!("optimizers[{i}]");
            let span = table.span();
            let t = table.get_ref();
            let oname = match t.get("name") {
                Some(toml::Value::String(s)) => s.clone(),
                _ => {
                    return Err(ctx.err(
                        span,
                        &format!("{field}.name"),
                        "each optimizer needs `name = \"...\"`",
                    ));
                }
            };
            let opt = registry.get(&oname).ok_or_else(|| {
                ctx.err(
                    span.clone(),
                    &format!("{field}.name"),
                    format!(
                        "unknown optimizer `{oname}`; known: {}",
                        registry.names().join(", ")
                    ),
                )
            })?;
            let infos = opt.params();
            let mut params = BTreeMap::new();
            for info in &infos {
                params.insert(info.name.to_string(), info.default.clone());
            }
            for (k, v) in t.iter().filter(|(k, _)| k.as_str() != "name") {
                let Some(info) = infos.iter().find(|p| p.name == k) else {
                    let known: Vec<&str> = infos.iter().map(|p| p.name).collect();
                    return Err(ctx.err(
                        span,
                        &format!("{field}.{k}"),
                        format!(
                            "optimizer `{oname}` has no parameter `{k}`; known: {}",
                            if known.is_empty() {
                                "(none)".to_string()
                            } else {
                                known.join(", ")
                            }
                        ),
                    ));
                };
                let value = canonical::from_toml(v);
                if !same_kind(&info.default, &value) {
                    return Err(ctx.err(
                        span,
                        &format!("{field}.{k}"),
                        format!("`{k}` expects a value like `{}`, got `{v}`", info.default),
                    ));
                }
                params.insert(k.clone(), value);
            }
            optimizers.push((oname, Params(params), opt.uses_seed()));
        }

        // Scenarios.
        let mut selections: Vec<(String, String, BTreeMap<String, String>)> = Vec::new();
        let mut origins: Vec<(Range<usize>, String)> = Vec::new();
        for (i, entry) in raw.scenarios.get_ref().iter().enumerate() {
            let field = format!("scenarios[{i}]");
            let span = entry.span();
            let (pattern, set) = match entry.get_ref() {
                toml::Value::String(s) => (s.clone(), BTreeMap::new()),
                toml::Value::Table(t) => {
                    for k in t.keys() {
                        if k != "scenario" && k != "set" {
                            return Err(ctx.err(
                                span,
                                &format!("{field}.{k}"),
                                "unknown key; a scenario table has `scenario` and `set`",
                            ));
                        }
                    }
                    let Some(toml::Value::String(p)) = t.get("scenario") else {
                        return Err(ctx.err(
                            span,
                            &format!("{field}.scenario"),
                            "expected `scenario = \"NAME[:VARIANT]\"`",
                        ));
                    };
                    let set = match t.get("set") {
                        None => BTreeMap::new(),
                        Some(toml::Value::Table(s)) => s
                            .iter()
                            .map(|(k, v)| (k.clone(), goodhart_grid::params::toml_to_text(v)))
                            .collect(),
                        Some(_) => {
                            return Err(ctx.err(
                                span,
                                &format!("{field}.set"),
                                "expected a table of scenario parameters",
                            ));
                        }
                    };
                    (p.clone(), set)
                }
                _ => {
                    return Err(ctx.err(
                        span,
                        &field,
                        "expected \"NAME[:VARIANT]\" or { scenario = ..., set = { ... } }",
                    ));
                }
            };
            let matched = select(&pattern, file).map_err(|m| ctx.err(span.clone(), &field, m))?;
            for (n, v) in matched {
                let key = (n, v, set.clone());
                if !selections.contains(&key) {
                    selections.push(key);
                    origins.push((span.clone(), field.clone()));
                }
            }
        }
        if selections.is_empty() {
            return Err(ctx.err(raw.scenarios.span(), "scenarios", "no scenario listed"));
        }

        // Load every selected variant once (this also checks the `set` values).
        let mut scenarios = Vec::new();
        for ((n, v, set), (span, field)) in selections.iter().zip(&origins) {
            let overrides: Vec<(String, String)> =
                set.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
            let s = catalog::load(&format!("{n}:{v}"), &overrides)
                .map_err(|e| ctx.err(span.clone(), field, format!("{n}:{v}: {e}")))?;
            scenarios.push(s);
        }

        // Expand.
        let mut runs = Vec::new();
        let mut seen = BTreeSet::new();
        for (si, ((n, v, set), scenario)) in selections.iter().zip(&scenarios).enumerate() {
            for (oname, params, uses_seed) in &optimizers {
                for m in &mitigations {
                    let run_seeds: &[u64] = if *uses_seed { &seeds } else { &[0] };
                    for &sd in run_seeds {
                        let canonical = canonical::to_string(&json!({
                            "experiment_seed": exp_seed,
                            "scenario": format!("{n}:{v}"),
                            "scenario_hash": format!("{:016x}", scenario.file_hash),
                            "set": set,
                            "optimizer": { "name": oname, "params": Value::Object(
                                params.0.iter().map(|(k, v)| (k.clone(), v.clone())).collect()) },
                            "mitigation": m,
                            "seed": sd,
                        }));
                        let id = seed::hash_str(&canonical);
                        if !seen.insert(id) {
                            continue;
                        }
                        runs.push(RunSpec {
                            run_id: format!("{id:016x}"),
                            scenario: n.clone(),
                            variant: v.clone(),
                            set: set.clone(),
                            optimizer: oname.clone(),
                            params: params.clone(),
                            mitigation: m.clone(),
                            seed: sd,
                            rng_seed: seed::derive(exp_seed, &[id]),
                            scenario_hash: scenario.file_hash,
                            canonical,
                            scenario_index: si,
                        });
                    }
                }
            }
        }

        Ok(Experiment {
            name,
            description: raw.description,
            seed: exp_seed,
            file: file.to_string(),
            text: text.to_string(),
            record,
            scenarios,
            runs,
        })
    }

    /// The scenario variant of `run`.
    pub fn scenario_of(&self, run: &RunSpec) -> &Arc<GridScenario> {
        &self.scenarios[run.scenario_index]
    }
}

/// Expands one scenario pattern to `(name, variant)` pairs, or says why it matches nothing.
fn select(pattern: &str, spec_file: &str) -> std::result::Result<Vec<(String, String)>, String> {
    let pattern = pattern.trim();
    let (name_pat, variant_pat) = if pattern == "all" {
        ("*", Some("*"))
    } else {
        catalog::split_id(pattern)
    };
    let names: Vec<String> = if name_pat.ends_with(".toml") || name_pat.contains('/') {
        // A scenario file, relative to the spec's directory.
        let base = Path::new(spec_file).parent().unwrap_or(Path::new(""));
        let p = base.join(name_pat);
        vec![p.display().to_string()]
    } else if glob::is_glob(name_pat) {
        let all: Vec<String> = catalog::names()
            .into_iter()
            .filter(|n| glob::matches(name_pat, n))
            .map(String::from)
            .collect();
        if all.is_empty() {
            return Err(format!(
                "`{name_pat}` matches no scenario; known: {}",
                catalog::names().join(", ")
            ));
        }
        all
    } else {
        if !catalog::names().contains(&name_pat) {
            return Err(format!(
                "unknown scenario `{name_pat}`; known: {}",
                catalog::names().join(", ")
            ));
        }
        vec![name_pat.to_string()]
    };
    let mut out = Vec::new();
    for n in names {
        let (f, _) = catalog::file(&n).map_err(|e| e.to_string())?;
        let variants: Vec<&String> = f.variants.keys().collect();
        match variant_pat {
            None => {
                let v = f
                    .default_variant
                    .as_ref()
                    .map(|v| v.get_ref().clone())
                    .or_else(|| variants.first().map(|v| (*v).clone()))
                    .ok_or_else(|| format!("scenario `{n}` has no variant"))?;
                out.push((n.clone(), v));
            }
            Some(vp) => {
                let before = out.len();
                for v in &variants {
                    if glob::matches(vp, v) {
                        out.push((n.clone(), (*v).clone()));
                    }
                }
                if out.len() == before {
                    let list: Vec<&str> = variants.iter().map(|v| v.as_str()).collect();
                    let what = if glob::is_glob(vp) {
                        format!("`{vp}` matches no variant of `{n}`")
                    } else {
                        format!("unknown variant `{vp}` of `{n}`")
                    };
                    // A name glob may match scenarios lacking such variants; only fail when
                    // nothing at all matched.
                    if !glob::is_glob(name_pat) {
                        return Err(format!("{what}; variants: {}", list.join(", ")));
                    }
                }
            }
        }
    }
    if out.is_empty() {
        return Err(format!("`{pattern}` matches no scenario variant"));
    }
    Ok(out)
}

fn parse_seeds(v: &toml::Value) -> Option<Vec<u64>> {
    match v {
        toml::Value::Integer(n) if *n >= 0 => Some((0..*n as u64).collect()),
        toml::Value::Array(items) => {
            let mut out = Vec::new();
            for x in items {
                let n = x.as_integer().filter(|n| *n >= 0)? as u64;
                if !out.contains(&n) {
                    out.push(n);
                }
            }
            Some(out)
        }
        _ => None,
    }
}

fn same_kind(default: &Value, given: &Value) -> bool {
    match (default, given) {
        (Value::Number(d), Value::Number(g)) => {
            // An integer parameter wants an integer; a float one takes any number.
            !(d.is_u64() || d.is_i64()) || g.is_u64() || g.is_i64()
        }
        (Value::Bool(_), Value::Bool(_)) => true,
        (Value::String(_), Value::String(_)) => true,
        (Value::Array(_), Value::Array(_)) => true,
        (Value::Null, _) => true,
        _ => false,
    }
}

struct Ctx<'a> {
    file: &'a str,
    text: &'a str,
}

impl Ctx<'_> {
    fn line_of(&self, at: usize) -> usize {
        self.text.as_bytes()[..at.min(self.text.len())]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1
    }

    fn err(&self, span: Range<usize>, field: &str, message: impl Into<String>) -> Error {
        let mut loc = Location::file(self.file).field(field);
        if span != (0..0) {
            loc = loc.at_line(self.line_of(span.start));
        }
        Error::Core(CoreError::input(loc, message))
    }
}
