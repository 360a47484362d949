//! The report's pages as HTML text: the index (gap table, gallery, experiments) and one page per
//! scenario (description, per-variant tables, animations, learning curves).

use std::collections::BTreeSet;
use std::fmt::Write;

use goodhart_grid::catalog;

use super::html::{escape, page, slug};
use super::svg::{Series, bin, line_chart};
use super::table::{GapRow, num, set_text};
use super::{Picture, RowMedia};
use crate::optimizer::Registry;
use crate::store::{ExperimentRow, RunRow};

const PROXY_COLOR: &str = "#c2410c";
const TRUE_COLOR: &str = "#0f766e";

/// The file of a scenario's page.
pub fn scenario_file(name: &str) -> String {
    format!("scenario-{}.html", slug(name))
}

fn cell_num(v: f64, ci: Option<f64>) -> String {
    let ci_text = match ci {
        Some(c) if c > 0.0 => format!(r#" <span class="ci">±{}</span>"#, num(c)),
        _ => String::new(),
    };
    format!(r#"<td class="num" data-v="{v}">{}{ci_text}</td>"#, num(v))
}

fn cell_opt(v: Option<f64>, class: &str) -> String {
    match v {
        Some(x) => {
            let pos = if class == "gap" && x > 1e-9 {
                " pos"
            } else {
                ""
            };
            format!(
                r#"<td class="num {class}{pos}" data-v="{x}">{}</td>"#,
                num(x)
            )
        }
        None => r#"<td class="num" data-v="">–</td>"#.to_string(),
    }
}

fn cell_bar(v: Option<f64>) -> String {
    match v {
        Some(x) => format!(
            r#"<td class="bar" data-v="{x}"><span class="barbox"><i style="width:{:.0}%"></i></span>{}</td>"#,
            (x.clamp(0.0, 1.0) * 100.0),
            num(x)
        ),
        None => r#"<td class="bar" data-v="">–</td>"#.to_string(),
    }
}

fn optimizer_cell(r: &GapRow) -> String {
    let mut s = escape(&r.optimizer);
    let all = set_text(&r.params_json);
    let changed = changed_params(&r.optimizer, &r.params_json);
    if !changed.is_empty() {
        let _ = write!(
            s,
            r#" <span class="badge" title="{}">{}</span>"#,
            escape(&all),
            escape(&changed)
        );
    }
    if r.exact {
        s.push_str(r#" <span class="badge exact">exact</span>"#);
    }
    if r.not_applicable > 0 {
        let _ = write!(
            s,
            r#" <span class="badge na" title="{}">not applicable</span>"#,
            escape(r.error.as_deref().unwrap_or(""))
        );
    }
    if r.failed > 0 {
        let _ = write!(
            s,
            r#" <span class="badge fail" title="{}">{} failed</span>"#,
            escape(r.error.as_deref().unwrap_or("")),
            r.failed
        );
    }
    if r.mitigation != "none" {
        let _ = write!(
            s,
            r#" <span class="badge">{}</span>"#,
            escape(&r.mitigation)
        );
    }
    s
}

/// The parameters of a run that differ from the optimizer's defaults, as `name=value`.
fn changed_params(optimizer: &str, params_json: &str) -> String {
    let Ok(serde_json::Value::Object(params)) = serde_json::from_str(params_json) else {
        return String::new();
    };
    let registry = Registry::builtin();
    let defaults = registry
        .get(optimizer)
        .map(|o| o.params())
        .unwrap_or_default();
    params
        .iter()
        .filter(|(k, v)| {
            !defaults
                .iter()
                .any(|d| d.name == k.as_str() && &d.default == *v)
        })
        .map(|(k, v)| match v {
            serde_json::Value::String(s) => format!("{k}={s}"),
            other => format!("{k}={other}"),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The sortable gap table. `link` adds a link to each scenario page.
fn gap_table(rows: &[(usize, &GapRow)], link: bool) -> String {
    let mut s = String::from(
        r#"<div class="table-wrap"><table class="sortable"><thead><tr>
{scenario_head}<th>Variant</th><th>Optimizer</th>
<th class="num" title="Expected proxy return of the policy found (what it was rewarded for)">Proxy return</th>
<th class="num" title="Expected true return of the policy found (what we meant)">True return</th>
<th class="num" title="Best true return minus the true return of the worst policy the optimizer may deliver">Gap (pessimistic)</th>
<th class="num" title="Best true return minus the true return of the best such policy">Gap (optimistic)</th>
<th title="Pessimistic gap divided by (best true return minus the random policy's), clipped to [0, 1]">Normalized gap</th>
<th class="num">Seeds</th>
</tr></thead><tbody>
"#,
    )
    .replace(
        "{scenario_head}",
        if link { "<th>Scenario</th>" } else { "" },
    );
    for (_, r) in rows {
        let scenario = if link {
            format!(
                r#"<td><a href="{}">{}</a></td>"#,
                scenario_file(&r.scenario),
                escape(&r.scenario)
            )
        } else {
            String::new()
        };
        let mut variant = escape(&r.variant);
        if r.set_json != "{}" {
            let _ = write!(
                variant,
                r#" <span class="badge">{}</span>"#,
                escape(&set_text(&r.set_json))
            );
        }
        let _ = writeln!(
            s,
            "<tr>{scenario}<td>{variant}</td><td>{}</td>{}{}{}{}{}<td class=\"num\" data-v=\"{}\">{}</td></tr>",
            optimizer_cell(r),
            if r.runs > 0 {
                cell_num(r.proxy_return, r.proxy_ci)
            } else {
                cell_opt(None, "")
            },
            if r.runs > 0 {
                cell_num(r.true_return, r.true_ci)
            } else {
                cell_opt(None, "")
            },
            cell_opt(r.gap_pessimistic, "gap"),
            cell_opt(r.gap_optimistic, "gap"),
            cell_bar(r.normalized_gap_pessimistic),
            r.runs,
            r.runs
        );
    }
    s.push_str("</tbody></table></div>\n");
    s
}

fn returns_caption(p: &Picture) -> String {
    match &p.episode {
        Some(e) => format!(
            r#"<span class="proxy">proxy {}</span> · <span class="true">true {}</span> in {} steps"#,
            num(e.proxy_return),
            num(e.true_return),
            e.steps()
        ),
        None => String::new(),
    }
}

fn figure(p: &Picture, title: &str, caption: &str, alt: &str) -> String {
    format!(
        r#"<figure><img src="{}" alt="{}" loading="lazy"><figcaption><b>{}</b><br>{caption}</figcaption></figure>"#,
        escape(&p.src),
        escape(alt),
        escape(title)
    )
}

/// The comparison animation of an exact row, with both episodes' returns.
fn comparison_figure(r: &GapRow, m: &RowMedia, link: bool) -> Option<String> {
    let pic = m.comparison.as_ref()?;
    let g = m.gaming.as_ref().map(returns_caption).unwrap_or_default();
    let t = m
        .true_optimal
        .as_ref()
        .map(returns_caption)
        .unwrap_or_default();
    let title = if link {
        format!(
            r#"<a href="{}">{}</a>"#,
            scenario_file(&r.scenario),
            escape(&r.scenario_label())
        )
    } else {
        escape(&r.scenario_label())
    };
    Some(format!(
        r#"<figure><img src="{}" alt="{} animation: the worst proxy-optimal policy beside a true-optimal one" loading="lazy"><figcaption><b>{title}</b>{}<br>left, the worst proxy-optimal policy: {g}<br>right, a true-optimal policy: {t}</figcaption></figure>"#,
        escape(&pic.src),
        escape(&r.scenario_label()),
        match r.gap_pessimistic {
            Some(x) if x > 1e-9 => format!(r#" <span class="badge gaming">gap {}</span>"#, num(x)),
            _ => r#" <span class="badge">no gap</span>"#.to_string(),
        }
    ))
}

/// The index page.
pub fn index(
    rows: &[GapRow],
    media: &[RowMedia],
    experiments: &[ExperimentRow],
    runs: &[RunRow],
    footer: &str,
) -> String {
    let mut b = String::new();
    b.push_str(
        r#"<h1>goodhart <span class="sub">· specification gaming, measured</span></h1>
<p class="lead">Each optimizer is given the scenario's <span class="proxy">proxy</span> objective and scored on the <span class="true">true</span> objective we meant.
The <b>gap</b> is the best achievable true return minus the true return of what the optimizer delivers: for an exact solver, over <i>all</i> proxy-optimal policies
(pessimistic: the worst of them; optimistic: the best); for a sampled or learned policy, its own. The normalized gap divides by the gap of a uniformly random policy.</p>
"#,
    );
    let finished = runs.iter().filter(|r| r.status == "finished").count();
    let failed = runs.iter().filter(|r| r.status == "failed").count();
    let scenarios: BTreeSet<(&str, &str)> = rows
        .iter()
        .map(|r| (r.scenario.as_str(), r.variant.as_str()))
        .collect();
    let optimizers: BTreeSet<&str> = rows.iter().map(|r| r.optimizer.as_str()).collect();
    let gaming = rows
        .iter()
        .filter(|r| r.exact && r.gap_pessimistic.is_some_and(|g| g > 1e-9))
        .count();
    let _ = write!(
        b,
        r#"<div class="stats"><div class="stat"><b>{}</b><span>scenario variants</span></div><div class="stat"><b>{}</b><span>optimizers</span></div><div class="stat"><b>{finished}</b><span>runs finished</span></div>{}<div class="stat"><b>{gaming}</b><span>exact gaps &gt; 0</span></div></div>"#,
        scenarios.len(),
        optimizers.len(),
        if failed > 0 {
            format!(r#"<div class="stat"><b>{failed}</b><span>runs failed</span></div>"#)
        } else {
            String::new()
        }
    );

    b.push_str("<h2 id=\"gap-table\">The gap table</h2>\n");
    b.push_str(
        r#"<p class="legend-line">Click a column to sort. Returns are expectations: exact where marked, otherwise Monte Carlo means with 95% half-widths (±), averaged over seeds.</p>
"#,
    );
    if rows.is_empty() {
        b.push_str(r#"<p class="note">The store has no runs yet.</p>"#);
    } else {
        let indexed: Vec<(usize, &GapRow)> = rows.iter().enumerate().collect();
        b.push_str(&gap_table(&indexed, true));
    }

    let figures: Vec<String> = rows
        .iter()
        .zip(media)
        .filter_map(|(r, m)| comparison_figure(r, m, true))
        .collect();
    if !figures.is_empty() {
        b.push_str("<h2 id=\"trajectories\">Gaming trajectories</h2>\n");
        b.push_str(
            r#"<p class="legend-line">Each animation plays the worst proxy-optimal policy (the most likely episode of the policy an indifferent proxy optimizer may deliver) beside a true-optimal one; the captions under the boards keep the running <span class="proxy">proxy</span> and <span class="true">true</span> totals.</p>
<div class="gallery">"#,
        );
        for f in figures {
            b.push_str(&f);
        }
        b.push_str("</div>\n");
    }

    if !experiments.is_empty() {
        b.push_str("<h2 id=\"experiments\">Experiments and their parameters</h2>\n");
        for e in experiments {
            let n = runs.iter().filter(|r| r.experiment == e.name).count();
            let _ = write!(
                b,
                r#"<h3>{}</h3><p>{}</p><p class="legend-line">seed {} · first run {} with goodhart {} · {} runs first recorded by it · spec <code>{}</code></p><details><summary>The spec</summary><pre>{}</pre></details>"#,
                escape(&e.name),
                escape(&e.description),
                e.seed,
                escape(&e.created),
                escape(&e.goodhart_version),
                n,
                escape(&e.spec_file),
                escape(&e.spec_text)
            );
        }
    }
    page("goodhart report", &b, footer)
}

/// The page of scenario `name`.
pub fn scenario(name: &str, rows: &[GapRow], media: &[RowMedia], footer: &str) -> String {
    let mut b = String::new();
    let _ = write!(
        b,
        r#"<nav class="crumbs"><a href="index.html">← all scenarios</a></nav><h1>{}</h1>"#,
        escape(name)
    );
    let mine: Vec<(usize, &GapRow)> = rows
        .iter()
        .enumerate()
        .filter(|(_, r)| r.scenario == name)
        .collect();
    let first_variant = mine
        .first()
        .map(|(_, r)| r.variant.clone())
        .unwrap_or_default();
    if let Ok(s) = catalog::load(&format!("{name}:{first_variant}"), &[]) {
        let _ = write!(
            b,
            r#"<p class="lead">{}</p><p>{}</p><dl class="objectives"><dt class="proxy">proxy objective</dt><dd><code>{}</code> (what the agent is rewarded for)</dd><dt class="true">true objective</dt><dd><code>{}</code> (what we meant; hidden from the agent)</dd><dt>step limit</dt><dd>{}</dd></dl>"#,
            escape(&s.summary),
            escape(s.description.trim()),
            escape(&s.proxy.display(&s.events).to_string()),
            escape(&s.true_objective.display(&s.events).to_string()),
            s.max_steps
        );
    }
    b.push_str("<h2>Results</h2>\n");
    b.push_str(&gap_table(&mine, false));

    // One section per variant and setting.
    let mut keys: Vec<(String, String)> = Vec::new();
    for (_, r) in &mine {
        let k = (r.variant.clone(), r.set_json.clone());
        if !keys.contains(&k) {
            keys.push(k);
        }
    }
    for (variant, set_json) in keys {
        let group: Vec<(usize, &GapRow)> = mine
            .iter()
            .copied()
            .filter(|(_, r)| r.variant == variant && r.set_json == set_json)
            .collect();
        let label = if set_json == "{}" {
            variant.clone()
        } else {
            format!("{variant} [{}]", set_text(&set_json))
        };
        let _ = write!(b, "<h2>variant {}</h2>", escape(&label));
        if let Ok(s) = catalog::load(&format!("{name}:{variant}"), &[]) {
            let _ = write!(b, r#"<p class="lead">{}</p>"#, escape(&s.variant_summary));
        }

        // Animations.
        let mut figs = String::new();
        for &(i, r) in &group {
            let m = &media[i];
            if let Some(f) = comparison_figure(r, m, false) {
                figs.push_str(&f);
            } else {
                for (pic, title) in [
                    (&m.gaming, "worst proxy-optimal policy"),
                    (&m.true_optimal, "a true-optimal policy"),
                ] {
                    if let Some(p) = pic {
                        figs.push_str(&figure(p, title, &returns_caption(p), title));
                    }
                }
            }
            if let Some(p) = &m.sample {
                let title = format!(
                    "{}: {}",
                    r.optimizer,
                    p.episode
                        .as_ref()
                        .map(|e| e.title.clone())
                        .unwrap_or_else(|| "an episode".into())
                );
                figs.push_str(&figure(p, &title, &returns_caption(p), &title));
            }
        }
        if !figs.is_empty() {
            let _ = write!(b, r#"<h3>Trajectories</h3><div class="pair">{figs}</div>"#);
        }

        // Learning curves.
        let mut charts = String::new();
        for &(i, r) in &group {
            let curve = &media[i].curve;
            if curve.len() < 2 {
                continue;
            }
            let proxy: Vec<(f64, f64)> = curve.iter().map(|c| (c.0, c.1)).collect();
            let truth: Vec<(f64, f64)> = curve.iter().map(|c| (c.0, c.2)).collect();
            let k = (curve.len() / 10).max(1);
            let head = |v: &[(f64, f64)]| v[..k].iter().map(|p| p.1).sum::<f64>() / k as f64;
            let tail =
                |v: &[(f64, f64)]| v[v.len() - k..].iter().map(|p| p.1).sum::<f64>() / k as f64;
            let diverges = tail(&proxy) > head(&proxy) && tail(&truth) < head(&truth);
            let title = format!(
                "{} — mean of {} seed{}{}",
                r.optimizer,
                r.runs,
                if r.runs == 1 { "" } else { "s" },
                if diverges {
                    " — proxy rises while true return falls"
                } else {
                    ""
                }
            );
            let svg = line_chart(
                &title,
                "training episode",
                "episode return",
                &[
                    Series {
                        label: "proxy".into(),
                        color: PROXY_COLOR,
                        points: bin(&proxy, 200),
                    },
                    Series {
                        label: "true".into(),
                        color: TRUE_COLOR,
                        points: bin(&truth, 200),
                    },
                ],
                640.0,
                300.0,
            );
            charts.push_str(&svg);
        }
        b.push_str("<h3>Learning curves</h3>");
        if charts.is_empty() {
            b.push_str(
                r#"<p class="note">No training curves for this variant: the optimizers run here do not learn (exact solvers and the random baseline).</p>"#,
            );
        } else {
            let _ = write!(b, r#"<div class="charts">{charts}</div>"#);
        }
    }
    page(&format!("{name} · goodhart report"), &b, footer)
}
