//! `goodhart export-results`: one row per finished run, run parameters as columns (scenario
//! overrides as `set.NAME`, optimizer parameters as `param.NAME`), for pandas, polars, DuckDB.
//!
//! The rows are built once as typed [`Column`]s; [`csv`] and [`parquet`] only encode them, so
//! both formats carry the same table.

mod csv;
mod parquet;

use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;

use serde_json::Value;

use crate::error::{Error, Result};
use crate::store::{RunRow, Store};

/// Output formats of [`export`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Comma-separated values with a header row (RFC 4180 quoting).
    Csv,
    /// Apache Parquet: typed columns (strings, doubles, 64-bit integers, booleans), nulls where
    /// a figure does not apply.
    Parquet,
}

impl std::str::FromStr for Format {
    type Err = goodhart_core::Error;

    fn from_str(s: &str) -> std::result::Result<Format, Self::Err> {
        match s {
            "csv" => Ok(Format::Csv),
            "parquet" => Ok(Format::Parquet),
            _ => Err(goodhart_core::Error::unknown(
                "export format",
                s,
                ["csv", "parquet"],
            )),
        }
    }
}

/// The values of one column, `None` where the value does not apply.
#[derive(Debug, Clone, PartialEq)]
pub enum Values {
    /// Text.
    Text(Vec<Option<String>>),
    /// Floating point.
    Float(Vec<Option<f64>>),
    /// Integers.
    Int(Vec<Option<i64>>),
    /// Booleans.
    Bool(Vec<Option<bool>>),
}

/// One column of the export.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// Its name (`proxy_return`, `param.episodes`, ...).
    pub name: String,
    /// Its values, one per row.
    pub values: Values,
}

/// Writes the finished runs of `store` (of `experiment`, or all) to `out`; returns the row
/// count. The file appears whole or not at all (written beside it, then renamed).
pub fn export(
    store: &Store,
    experiment: Option<&str>,
    format: Format,
    out: &Path,
) -> Result<usize> {
    let runs: Vec<RunRow> = store
        .runs(experiment)?
        .into_iter()
        .filter(|r| r.outcome.is_some())
        .collect();
    let columns = columns(&runs);
    let bytes = match format {
        Format::Csv => csv::encode(&columns),
        Format::Parquet => parquet::encode(&columns).map_err(|e| {
            Error::io(
                out,
                std::io::Error::other(format!("encoding Parquet failed: {e}")),
            )
        })?,
    };
    let tmp = out.with_extension("export.tmp");
    let write = || -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(&bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, out)
    };
    write().map_err(|e| Error::io(out, e))?;
    Ok(runs.len())
}

/// The columns of the export, over the runs that have an outcome.
pub fn columns(runs: &[RunRow]) -> Vec<Column> {
    let runs: Vec<&RunRow> = runs.iter().filter(|r| r.outcome.is_some()).collect();
    let parse = |s: &str| -> Vec<(String, Value)> {
        match serde_json::from_str::<Value>(s) {
            Ok(Value::Object(m)) => m.into_iter().collect(),
            _ => Vec::new(),
        }
    };
    let mut set_keys = BTreeSet::new();
    let mut param_keys = BTreeSet::new();
    for r in &runs {
        set_keys.extend(parse(&r.set_json).into_iter().map(|(k, _)| k));
        param_keys.extend(parse(&r.params_json).into_iter().map(|(k, _)| k));
    }
    let text = |name: &str, f: &dyn Fn(&RunRow) -> Option<String>| Column {
        name: name.into(),
        values: Values::Text(runs.iter().map(|r| f(r)).collect()),
    };
    let float = |name: &str, f: &dyn Fn(&RunRow) -> Option<f64>| Column {
        name: name.into(),
        values: Values::Float(runs.iter().map(|r| f(r)).collect()),
    };
    let outcome = |r: &RunRow| r.outcome.clone().unwrap_or_default();
    let mut cols = vec![
        text("run_id", &|r| Some(r.run_id.clone())),
        text("experiment", &|r| Some(r.experiment.clone())),
        text("scenario", &|r| Some(r.scenario.clone())),
        text("variant", &|r| Some(r.variant.clone())),
        text("optimizer", &|r| Some(r.optimizer.clone())),
        text("mitigation", &|r| Some(r.mitigation.clone())),
        Column {
            name: "seed".into(),
            values: Values::Int(runs.iter().map(|r| Some(r.seed as i64)).collect()),
        },
    ];
    // Each run's parameters parsed once, then read per column.
    let sets: Vec<Vec<(String, Value)>> = runs.iter().map(|r| parse(&r.set_json)).collect();
    let params: Vec<Vec<(String, Value)>> = runs.iter().map(|r| parse(&r.params_json)).collect();
    for (prefix, keys, parsed) in [("set", &set_keys, &sets), ("param", &param_keys, &params)] {
        for k in keys {
            let values: Vec<Option<Value>> = parsed
                .iter()
                .map(|pairs| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()))
                .collect();
            cols.push(json_column(format!("{prefix}.{k}"), &values));
        }
    }
    cols.extend([
        float("proxy_return", &|r| Some(outcome(r).proxy_return)),
        float("true_return", &|r| Some(outcome(r).true_return)),
        float("proxy_ci", &|r| outcome(r).proxy_ci),
        float("true_ci", &|r| outcome(r).true_ci),
        float("best_true_return", &|r| outcome(r).best_true_return),
        float("random_true_return", &|r| outcome(r).random_true_return),
        float("gap_pessimistic", &|r| outcome(r).gap_pessimistic),
        float("gap_optimistic", &|r| outcome(r).gap_optimistic),
        float("normalized_gap_pessimistic", &|r| {
            outcome(r).normalized_gap_pessimistic
        }),
        float("normalized_gap_optimistic", &|r| {
            outcome(r).normalized_gap_optimistic
        }),
        float("safety_violations", &|r| outcome(r).safety_violations),
        Column {
            name: "exact".into(),
            values: Values::Bool(runs.iter().map(|r| Some(outcome(r).exact)).collect()),
        },
        Column {
            name: "episodes".into(),
            values: Values::Int(
                runs.iter()
                    .map(|r| outcome(r).episodes.map(|e| e as i64))
                    .collect(),
            ),
        },
        float("seconds", &|r| Some(r.seconds)),
        text("started", &|r| Some(r.started.clone())),
        text("finished", &|r| Some(r.finished.clone())),
        text("goodhart_version", &|r| Some(r.goodhart_version.clone())),
        text("scenario_hash", &|r| Some(r.scenario_hash.clone())),
    ]);
    cols
}

/// A parameter column, typed by its values: integers, numbers or booleans when every present
/// value is one, text otherwise (scenario overrides are strings as typed on the command line).
fn json_column(name: String, values: &[Option<Value>]) -> Column {
    let present = || values.iter().flatten();
    let values = if present().all(|v| v.is_i64()) {
        Values::Int(
            values
                .iter()
                .map(|v| v.as_ref().and_then(Value::as_i64))
                .collect(),
        )
    } else if present().all(Value::is_number) {
        Values::Float(
            values
                .iter()
                .map(|v| v.as_ref().and_then(Value::as_f64))
                .collect(),
        )
    } else if present().all(Value::is_boolean) {
        Values::Bool(
            values
                .iter()
                .map(|v| v.as_ref().and_then(Value::as_bool))
                .collect(),
        )
    } else {
        Values::Text(
            values
                .iter()
                .map(|v| {
                    v.as_ref().map(|v| match v {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    })
                })
                .collect(),
        )
    };
    Column { name, values }
}
