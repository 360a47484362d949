//! The gap table: stored runs grouped over seeds into one row per scenario variant, parameter
//! setting, optimizer and mitigation.

use std::collections::BTreeMap;

use crate::store::RunRow;

/// One row of the gap table: the mean over the seeds of one configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct GapRow {
    /// Scenario name.
    pub scenario: String,
    /// Variant name.
    pub variant: String,
    /// Scenario overrides (JSON; `{}` for none).
    pub set_json: String,
    /// Optimizer name.
    pub optimizer: String,
    /// Optimizer parameters (JSON).
    pub params_json: String,
    /// Mitigation name.
    pub mitigation: String,
    /// Finished runs (seeds) averaged.
    pub runs: usize,
    /// Failed runs of this configuration.
    pub failed: usize,
    /// Runs of this configuration whose optimizer does not apply (too large for exact
    /// analysis).
    pub not_applicable: usize,
    /// Mean proxy return.
    pub proxy_return: f64,
    /// 95% half-width of the mean proxy return, when sampled.
    pub proxy_ci: Option<f64>,
    /// Mean true return.
    pub true_return: f64,
    /// 95% half-width of the mean true return, when sampled.
    pub true_ci: Option<f64>,
    /// Mean pessimistic gap.
    pub gap_pessimistic: Option<f64>,
    /// Mean optimistic gap.
    pub gap_optimistic: Option<f64>,
    /// Mean normalized pessimistic gap.
    pub normalized_gap_pessimistic: Option<f64>,
    /// Mean normalized optimistic gap.
    pub normalized_gap_optimistic: Option<f64>,
    /// Best true return (the gap's reference).
    pub best_true_return: Option<f64>,
    /// Whether every figure is exact.
    pub exact: bool,
    /// Mean wall-clock seconds per run.
    pub seconds: f64,
    /// Run ids, by seed.
    pub run_ids: Vec<String>,
    /// The first failure message, if any run failed.
    pub error: Option<String>,
}

impl GapRow {
    /// `scenario:variant` plus the overrides, for people.
    pub fn scenario_label(&self) -> String {
        let mut s = format!("{}:{}", self.scenario, self.variant);
        if self.set_json != "{}" {
            s.push(' ');
            s.push_str(&set_text(&self.set_json));
        }
        s
    }
}

/// `{"a":"1"}` as `a=1`.
pub fn set_text(json: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(json) {
        Ok(serde_json::Value::Object(m)) => m
            .iter()
            .map(|(k, v)| match v {
                serde_json::Value::String(s) => format!("{k}={s}"),
                other => format!("{k}={other}"),
            })
            .collect::<Vec<_>>()
            .join(" "),
        _ => json.to_string(),
    }
}

fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len().max(1) as f64
}

fn mean_opt(xs: impl Iterator<Item = Option<f64>>) -> Option<f64> {
    let v: Vec<f64> = xs.collect::<Option<Vec<f64>>>()?;
    (!v.is_empty()).then(|| mean(&v))
}

/// Groups `runs` (as [`crate::Store::runs`] orders them) into gap rows.
pub fn gap_rows(runs: &[RunRow]) -> Vec<GapRow> {
    type Key = (String, String, String, String, String, String);
    let mut groups: BTreeMap<Key, Vec<&RunRow>> = BTreeMap::new();
    for r in runs {
        let key = (
            r.scenario.clone(),
            r.variant.clone(),
            r.set_json.clone(),
            r.optimizer.clone(),
            r.params_json.clone(),
            r.mitigation.clone(),
        );
        groups.entry(key).or_default().push(r);
    }
    groups
        .into_iter()
        .filter_map(
            |((scenario, variant, set_json, optimizer, params_json, mitigation), rs)| {
                let done: Vec<&RunRow> =
                    rs.iter().copied().filter(|r| r.outcome.is_some()).collect();
                let not_applicable = rs.iter().filter(|r| r.status == "not_applicable").count();
                let failed = rs.len() - done.len() - not_applicable;
                let error = rs.iter().find_map(|r| r.error.clone());
                if done.is_empty() && failed == 0 && not_applicable == 0 {
                    return None;
                }
                let o: Vec<_> = done.iter().filter_map(|r| r.outcome.as_ref()).collect();
                let n = o.len().max(1) as f64;
                // Independent estimates: the half-width of their mean.
                let ci = |f: &dyn Fn(&crate::Outcome) -> Option<f64>| -> Option<f64> {
                    let v: Option<Vec<f64>> = o.iter().map(|x| f(x)).collect();
                    v.filter(|v| !v.is_empty())
                        .map(|v| v.iter().map(|c| c * c).sum::<f64>().sqrt() / n)
                };
                Some(GapRow {
                    scenario,
                    variant,
                    set_json,
                    optimizer,
                    params_json,
                    mitigation,
                    runs: o.len(),
                    failed,
                    not_applicable,
                    proxy_return: mean(&o.iter().map(|x| x.proxy_return).collect::<Vec<_>>()),
                    proxy_ci: ci(&|x| x.proxy_ci),
                    true_return: mean(&o.iter().map(|x| x.true_return).collect::<Vec<_>>()),
                    true_ci: ci(&|x| x.true_ci),
                    gap_pessimistic: mean_opt(o.iter().map(|x| x.gap_pessimistic)),
                    gap_optimistic: mean_opt(o.iter().map(|x| x.gap_optimistic)),
                    normalized_gap_pessimistic: mean_opt(
                        o.iter().map(|x| x.normalized_gap_pessimistic),
                    ),
                    normalized_gap_optimistic: mean_opt(
                        o.iter().map(|x| x.normalized_gap_optimistic),
                    ),
                    best_true_return: mean_opt(o.iter().map(|x| x.best_true_return)),
                    exact: !o.is_empty() && o.iter().all(|x| x.exact),
                    seconds: mean(&done.iter().map(|r| r.seconds).collect::<Vec<_>>()),
                    run_ids: done.iter().map(|r| r.run_id.clone()).collect(),
                    error,
                })
            },
        )
        .collect()
}

/// A number for tables: at most two decimals, no trailing zeros, `-0` printed as `0`.
pub fn num(x: f64) -> String {
    if !x.is_finite() {
        return x.to_string();
    }
    let s = format!("{:.2}", x);
    let s = s.trim_end_matches('0').trim_end_matches('.').to_string();
    if s == "-0" { "0".into() } else { s }
}

/// An optional number, `–` when absent.
pub fn opt_num(x: Option<f64>) -> String {
    x.map(num).unwrap_or_else(|| "–".into())
}

/// The gap table as aligned text for a terminal.
pub fn text(rows: &[GapRow]) -> String {
    let header = [
        "scenario",
        "optimizer",
        "proxy",
        "true",
        "gap (pess.)",
        "gap (opt.)",
        "normalized",
    ];
    let mut cells: Vec<[String; 7]> = vec![header.map(String::from)];
    for r in rows {
        let pm = |v: f64, ci: Option<f64>| match ci {
            Some(c) if c > 0.0 => format!("{} ±{}", num(v), num(c)),
            _ => num(v),
        };
        let optimizer = if r.failed > 0 && r.runs == 0 {
            format!("{} (FAILED)", r.optimizer)
        } else if r.not_applicable > 0 && r.runs == 0 {
            format!("{} (n/a: too large)", r.optimizer)
        } else {
            r.optimizer.clone()
        };
        cells.push([
            r.scenario_label(),
            optimizer,
            if r.runs > 0 {
                pm(r.proxy_return, r.proxy_ci)
            } else {
                "–".into()
            },
            if r.runs > 0 {
                pm(r.true_return, r.true_ci)
            } else {
                "–".into()
            },
            opt_num(r.gap_pessimistic),
            opt_num(r.gap_optimistic),
            opt_num(r.normalized_gap_pessimistic),
        ]);
    }
    let mut widths = [0usize; 7];
    for row in &cells {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = String::new();
    for (i, row) in cells.iter().enumerate() {
        let line: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(j, c)| {
                if j < 2 {
                    format!("{c:<w$}", w = widths[j])
                } else {
                    format!("{c:>w$}", w = widths[j])
                }
            })
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
        if i == 0 {
            let total: usize = widths.iter().sum::<usize>() + 2 * (widths.len() - 1);
            out.push_str(&"-".repeat(total));
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_short() {
        assert_eq!(num(100.0), "100");
        assert_eq!(num(-0.001), "0");
        assert_eq!(num(2.5), "2.5");
        assert_eq!(num(1.0 / 3.0), "0.33");
    }
}
