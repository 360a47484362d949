//! `goodhart export-results`: one row per finished run, run parameters as columns (scenario
//! overrides as `set.NAME`, optimizer parameters as `param.NAME`), for pandas, polars, DuckDB.

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
    /// Apache Parquet (not in this build).
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

/// Writes the finished runs of `store` (of `experiment`, or all) to `out`; returns the row
/// count.
pub fn export(
    store: &Store,
    experiment: Option<&str>,
    format: Format,
    out: &Path,
) -> Result<usize> {
    match format {
        Format::Csv => {}
        Format::Parquet => {
            return Err(Error::Core(goodhart_core::Error::invalid_value(
                "--format",
                "parquet",
                "csv: this build has no Parquet writer (the arrow/parquet crates take about 4 \
                 minutes to build); export CSV and convert it, e.g. \
                 `polars.read_csv(\"results.csv\").write_parquet(\"results.parquet\")` or \
                 DuckDB's `COPY (FROM 'results.csv') TO 'results.parquet'`",
            )));
        }
    }
    let runs: Vec<RunRow> = store
        .runs(experiment)?
        .into_iter()
        .filter(|r| r.outcome.is_some())
        .collect();
    let table = table(&runs);
    let mut buf = Vec::new();
    for row in std::iter::once(&table.0).chain(table.1.iter()) {
        let line: Vec<String> = row.iter().map(|c| csv_field(c)).collect();
        buf.extend_from_slice(line.join(",").as_bytes());
        buf.push(b'\n');
    }
    let tmp = out.with_extension("csv.tmp");
    let write = || -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(&buf)?;
        f.sync_all()?;
        std::fs::rename(&tmp, out)
    };
    write().map_err(|e| Error::io(out, e))?;
    Ok(runs.len())
}

/// The header and rows of the export.
pub fn table(runs: &[RunRow]) -> (Vec<String>, Vec<Vec<String>>) {
    let parse = |s: &str| -> Vec<(String, Value)> {
        match serde_json::from_str::<Value>(s) {
            Ok(Value::Object(m)) => m.into_iter().collect(),
            _ => Vec::new(),
        }
    };
    let mut set_keys = BTreeSet::new();
    let mut param_keys = BTreeSet::new();
    for r in runs {
        set_keys.extend(parse(&r.set_json).into_iter().map(|(k, _)| k));
        param_keys.extend(parse(&r.params_json).into_iter().map(|(k, _)| k));
    }
    let mut header: Vec<String> = [
        "run_id",
        "experiment",
        "scenario",
        "variant",
        "optimizer",
        "mitigation",
        "seed",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    header.extend(set_keys.iter().map(|k| format!("set.{k}")));
    header.extend(param_keys.iter().map(|k| format!("param.{k}")));
    header.extend(
        [
            "proxy_return",
            "true_return",
            "proxy_ci",
            "true_ci",
            "best_true_return",
            "random_true_return",
            "gap_pessimistic",
            "gap_optimistic",
            "normalized_gap_pessimistic",
            "normalized_gap_optimistic",
            "safety_violations",
            "exact",
            "episodes",
            "seconds",
            "started",
            "finished",
            "goodhart_version",
            "scenario_hash",
        ]
        .iter()
        .map(|s| s.to_string()),
    );
    let opt = |x: Option<f64>| x.map(|v| v.to_string()).unwrap_or_default();
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let rows = runs
        .iter()
        .filter_map(|r| {
            let o = r.outcome.as_ref()?;
            let set = parse(&r.set_json);
            let params = parse(&r.params_json);
            let mut row = vec![
                r.run_id.clone(),
                r.experiment.clone(),
                r.scenario.clone(),
                r.variant.clone(),
                r.optimizer.clone(),
                r.mitigation.clone(),
                r.seed.to_string(),
            ];
            for k in &set_keys {
                row.push(
                    set.iter()
                        .find(|(n, _)| n == k)
                        .map(|(_, v)| text(v))
                        .unwrap_or_default(),
                );
            }
            for k in &param_keys {
                row.push(
                    params
                        .iter()
                        .find(|(n, _)| n == k)
                        .map(|(_, v)| text(v))
                        .unwrap_or_default(),
                );
            }
            row.extend([
                o.proxy_return.to_string(),
                o.true_return.to_string(),
                opt(o.proxy_ci),
                opt(o.true_ci),
                opt(o.best_true_return),
                opt(o.random_true_return),
                opt(o.gap_pessimistic),
                opt(o.gap_optimistic),
                opt(o.normalized_gap_pessimistic),
                opt(o.normalized_gap_optimistic),
                opt(o.safety_violations),
                o.exact.to_string(),
                o.episodes.map(|e| e.to_string()).unwrap_or_default(),
                r.seconds.to_string(),
                r.started.clone(),
                r.finished.clone(),
                r.goodhart_version.clone(),
                r.scenario_hash.clone(),
            ]);
            Some(row)
        })
        .collect();
    (header, rows)
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}
