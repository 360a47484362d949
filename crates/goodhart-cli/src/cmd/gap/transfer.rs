//! `goodhart gap SCENARIO --train VARIANT --deploy VARIANT`: train versus deploy.
//!
//! The proxy-optimal policy of the training variant (exact, finite horizon; where proxy-optimal
//! actions tie, the lowest action index) is scored on each deployment variant, next to that
//! variant's own optima: "passes every test, fails when deployed".
//!
//! States differ between variants (other levels, other draws), so the policy is carried over by
//! what the agent sees: a table from (step, observation) to the action the training policy
//! takes there. Where several training states look alike at a step, the one the training
//! policy is most likely to be in decides. A deployment observation never seen in training at
//! that step takes the action of the nearest training observation (fewest differing cells;
//! ties: the more likely, then the first), as a tabular learner keyed by observation would
//! with `Unseen::Nearest`; how many reachable deployment states needed that is reported. Steps
//! past the training horizon use its last step.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use goodhart_core::Trajectory;
use goodhart_grid::{GridScenario, GridState, catalog, render};
use goodhart_mdp::{
    CompiledMdp, DeterministicPolicy, GapOptions, GapReport, Path, TERMINAL, evaluate_finite,
    lexicographic, most_likely_path, start_value,
};
use serde::Serialize;

use super::{Args, compile, num};

/// One side (training or deployment) as `--json` prints it.
#[derive(Serialize)]
struct SideJson {
    variant: String,
    set: BTreeMap<String, String>,
    proxy_return: f64,
    true_return: f64,
    best_true_return: f64,
    best_proxy_return: f64,
    gap: f64,
    /// Reachable states of the deployed policy whose observation training never showed.
    #[serde(skip_serializing_if = "Option::is_none")]
    unseen_states: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reachable_states: Option<usize>,
}

#[derive(Serialize)]
struct TransferJson {
    scenario: String,
    train: SideJson,
    deploy: Vec<SideJson>,
}

/// Loads `name` with the side's spec: `VARIANT[,NAME=VALUE...]` (or only `NAME=VALUE`s for the
/// default variant), after the global `--set` values.
fn load_side(name: &str, spec: &str, global: &[String]) -> anyhow::Result<Arc<GridScenario>> {
    let mut variant = None;
    let mut set: Vec<String> = global.to_vec();
    for token in spec.split(',').map(str::trim).filter(|t| !t.is_empty()) {
        if token.contains('=') {
            set.push(token.to_string());
        } else if variant.replace(token).is_some() {
            anyhow::bail!("`{spec}`: give one variant, then NAME=VALUE parameters");
        }
    }
    let overrides = catalog::parse_set(&set)?;
    let id = match variant {
        Some(v) => format!("{name}:{v}"),
        None => name.to_string(),
    };
    Ok(catalog::load(&id, &overrides)?)
}

fn observation(s: &GridScenario, state: &GridState, buf: &mut Vec<u8>) {
    buf.resize(s.world.cells(), 0);
    s.render_chars(state, buf);
    for c in buf.iter_mut() {
        *c = s.obs_code[*c as usize];
    }
}

/// Probability of being in each state at each step under `action(t, s)`.
fn occupancy(
    c: &CompiledMdp<GridState>,
    horizon: u32,
    action: &dyn Fn(u32, usize) -> usize,
) -> Vec<Vec<f64>> {
    let n = c.mdp.num_states();
    let mut d = vec![0.0; n];
    for &(s, p) in c.mdp.initial() {
        d[s as usize] += p;
    }
    let mut out = Vec::with_capacity(horizon as usize);
    for t in 0..horizon {
        let mut next = vec![0.0; n];
        for s in (0..n).filter(|&s| d[s] > 0.0) {
            for tr in c.mdp.transitions(s, action(t, s)) {
                if !tr.terminal {
                    next[(tr.next & !TERMINAL) as usize] += d[s] * tr.prob;
                }
            }
        }
        out.push(std::mem::replace(&mut d, next));
    }
    out
}

/// The training policy as a table: per step, observation → (likelihood, state, action).
struct Table {
    steps: Vec<BTreeMap<Vec<u8>, (f64, usize, usize)>>,
}

impl Table {
    fn action(&self, t: u32, obs: &[u8]) -> (usize, bool) {
        let step = &self.steps[(t as usize).min(self.steps.len() - 1)];
        if let Some(&(_, _, a)) = step.get(obs) {
            return (a, true);
        }
        let mut best: Option<(usize, f64, usize, usize)> = None;
        for (k, &(p, s, a)) in step {
            let d = k.iter().zip(obs).filter(|(x, y)| x != y).count();
            let better = match best {
                None => true,
                Some((bd, bp, bs, _)) => d < bd || d == bd && (p > bp || p == bp && s < bs),
            };
            if better {
                best = Some((d, p, s, a));
            }
        }
        (best.map_or(0, |b| b.3), false)
    }
}

fn trajectory(c: &CompiledMdp<GridState>, path: &Path) -> (Trajectory, Vec<GridState>) {
    goodhart_lab::grid_model::path_trajectory(path, |i| c.states[i as usize])
}

fn side_json(s: &GridScenario, proxy: f64, truth: f64, r: &GapReport) -> SideJson {
    SideJson {
        variant: s.variant.clone(),
        set: s.overrides.iter().cloned().collect(),
        proxy_return: proxy,
        true_return: truth,
        best_true_return: r.true_optimal.true_return,
        best_proxy_return: r.proxy_optimal.proxy_return,
        gap: r.true_optimal.true_return - truth,
        unseen_states: None,
        reachable_states: None,
    }
}

fn label(s: &GridScenario) -> String {
    let mut l = s.id();
    if !s.overrides.is_empty() {
        let set: Vec<String> = s
            .overrides
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        l = format!("{l} {}", set.join(" "));
    }
    l
}

/// Runs `gap --train ... --deploy ...`.
pub fn run(args: &Args, train_spec: &str, deploy_specs: &[String]) -> anyhow::Result<()> {
    let name = args.scenario.clone().unwrap_or_default();
    if catalog::split_id(&name).1.is_some() && !name.ends_with(".toml") {
        anyhow::bail!(
            "`{name}`: with --train and --deploy, give the scenario without a variant \
             (the variants go with --train and --deploy)"
        );
    }
    let train = load_side(&name, train_spec, &args.set)?;
    let tc = compile(&train, &args.limits)?;
    let tm = &tc.mdp;
    let th = tm.horizon();
    let (tp, tt) = (tm.rewards(tm.proxy()), tm.rewards(tm.true_objective()));
    let lex = lexicographic(tm, &tp, &tt, th, 1.0)?;
    let first = |t: u32, s: usize| lex.first_optimal(t, s);
    let train_policy = {
        let n = tm.num_states();
        let actions = (0..th)
            .flat_map(|t| (0..n).map(move |s| (t, s)))
            .map(|(t, s)| first(t, s) as u8)
            .collect();
        DeterministicPolicy::time_dependent(n, actions)
    };
    let train_proxy = start_value(tm, &evaluate_finite(tm, &tp, &train_policy, th, 1.0)?);
    let train_true = start_value(tm, &evaluate_finite(tm, &tt, &train_policy, th, 1.0)?);
    let train_report = goodhart_mdp::gap(
        tm,
        &GapOptions {
            paths: false,
            ..GapOptions::default()
        },
    )?;
    let occ = occupancy(&tc, th, &first);
    let mut table = Table {
        steps: Vec::with_capacity(th as usize),
    };
    let mut buf = Vec::new();
    let obs: Vec<Vec<u8>> = tc
        .states
        .iter()
        .map(|st| {
            observation(&train, st, &mut buf);
            buf.clone()
        })
        .collect();
    for t in 0..th {
        let mut step: BTreeMap<Vec<u8>, (f64, usize, usize)> = BTreeMap::new();
        for (s, o) in obs.iter().enumerate() {
            let p = occ[t as usize][s];
            let a = first(t, s);
            step.entry(o.clone())
                .and_modify(|e| {
                    if p > e.0 {
                        *e = (p, s, a);
                    }
                })
                .or_insert((p, s, a));
        }
        table.steps.push(step);
    }
    let train_path = most_likely_path(tm, &first, th);

    let mut deployed = Vec::new();
    for spec in deploy_specs {
        let deploy = load_side(&name, spec, &args.set)?;
        if deploy.num_actions != train.num_actions {
            anyhow::bail!(
                "{} has {} actions, {} has {}: a policy cannot carry over",
                train.id(),
                train.num_actions,
                deploy.id(),
                deploy.num_actions
            );
        }
        let dc = compile(&deploy, &args.limits)?;
        let dm = &dc.mdp;
        let dh = dm.horizon();
        let n = dm.num_states();
        let dobs: Vec<Vec<u8>> = dc
            .states
            .iter()
            .map(|st| {
                observation(&deploy, st, &mut buf);
                buf.clone()
            })
            .collect();
        let mut actions = Vec::with_capacity(dh as usize * n);
        let mut seen = vec![true; n];
        for t in 0..dh {
            for (s, o) in dobs.iter().enumerate() {
                let (a, known) = table.action(t, o);
                seen[s] &= known;
                actions.push(a as u8);
            }
        }
        let policy = DeterministicPolicy::time_dependent(n, actions);
        let act = |t: u32, s: usize| policy.action(t, s);
        let (dp, dt) = (dm.rewards(dm.proxy()), dm.rewards(dm.true_objective()));
        let proxy = start_value(dm, &evaluate_finite(dm, &dp, &policy, dh, 1.0)?);
        let truth = start_value(dm, &evaluate_finite(dm, &dt, &policy, dh, 1.0)?);
        let report = goodhart_mdp::gap(
            dm,
            &GapOptions {
                paths: false,
                ..GapOptions::default()
            },
        )?;
        let occ = occupancy(&dc, dh, &act);
        let reach: Vec<usize> = (0..n).filter(|&s| occ.iter().any(|d| d[s] > 0.0)).collect();
        let unseen = reach.iter().filter(|&&s| !seen[s]).count();
        let path = most_likely_path(dm, &act, dh);
        deployed.push((deploy, dc, proxy, truth, report, reach.len(), unseen, path));
    }

    if args.json {
        let j = TransferJson {
            scenario: train.name.clone(),
            train: side_json(&train, train_proxy, train_true, &train_report),
            deploy: deployed
                .iter()
                .map(|(s, _, p, t, r, reach, unseen, _)| SideJson {
                    unseen_states: Some(*unseen),
                    reachable_states: Some(*reach),
                    ..side_json(s, *p, *t, r)
                })
                .collect(),
        };
        println!("{}", serde_json::to_string_pretty(&j)?);
    } else {
        println!(
            "the proxy-optimal policy of {} (lowest action index among ties: {}), deployed\n",
            label(&train),
            train.action_names.join(", ")
        );
        let w = deployed
            .iter()
            .map(|d| label(&d.0).len())
            .chain([label(&train).len()])
            .max()
            .unwrap_or(0)
            + 7;
        println!(
            "{:w$} {:>12} {:>12} {:>12} {:>10}",
            "", "proxy return", "true return", "best true", "gap"
        );
        let row = |what: &str, s: &GridScenario, p: f64, t: f64, r: &GapReport| {
            println!(
                "{:w$} {:>12} {:>12} {:>12} {:>10}",
                format!("{what} {}", label(s)),
                num(p),
                num(t),
                num(r.true_optimal.true_return),
                num(r.true_optimal.true_return - t)
            );
        };
        row("train ", &train, train_proxy, train_true, &train_report);
        for (s, _, p, t, r, _, _, _) in &deployed {
            row("deploy", s, *p, *t, r);
        }
        println!(
            "\nbest true = the variant's own optimal true return; gap = best true - true return \
             of the carried-over policy."
        );
        for (s, _, _, _, r, reach, unseen, _) in &deployed {
            println!(
                "{}: re-optimized for the proxy there, true return {}; {unseen} of {reach} states \
                 the deployed policy reaches look like nothing seen in training (it acts as in \
                 the nearest training observation).",
                label(s),
                num(r.proxy_optimal.true_min),
            );
        }
        // The most likely episodes, first and last boards side by side.
        let (ttraj, tstates) = trajectory(&tc, &train_path);
        for (s, dc, _, _, _, _, _, path) in &deployed {
            let (dtraj, dstates) = trajectory(dc, path);
            println!(
                "\nmost likely episodes: {} ({} steps)  |  {} ({} steps)",
                label(&train),
                ttraj.len(),
                label(s),
                dtraj.len()
            );
            let boards = |sc: &GridScenario, st: &[GridState]| {
                let a = sc.board_text(&st[0]);
                let b = sc.board_text(st.last().expect("initial state"));
                a.into_iter()
                    .zip(b)
                    .map(|(x, y)| format!("{x}  ->  {y}"))
                    .collect::<Vec<_>>()
            };
            let (l, r) = (boards(&train, &tstates), boards(s, &dstates));
            let width = l.iter().map(String::len).max().unwrap_or(0);
            for i in 0..l.len().max(r.len()) {
                let a = l.get(i).map_or("", String::as_str);
                let b = r.get(i).map_or("", String::as_str);
                println!("    {a:width$}    |    {b}");
            }
            let names = |sc: &GridScenario, t: &Trajectory| {
                t.steps
                    .iter()
                    .map(|x| sc.action_name(x.action.index()))
                    .collect::<Vec<_>>()
                    .join(",")
            };
            println!("    train actions:  {}", names(&train, &ttraj));
            println!("    deploy actions: {}", names(s, &dtraj));
        }
    }

    if let Some(out) = &args.out {
        let (s, dc, p, t, _, _, _, path) = deployed.first().context("no --deploy variant")?;
        let (ta, sa) = trajectory(&tc, &train_path);
        let (tb, sb) = trajectory(dc, path);
        let fa = render::episode(&train, &ta, &sa, render::DEFAULT_TILE);
        let fb = render::episode(s, &tb, &sb, render::DEFAULT_TILE);
        let left = format!(
            "trained on {}: expected proxy {} true {}",
            train.variant,
            num(train_proxy),
            num(train_true)
        );
        let right = format!(
            "deployed on {}: expected proxy {} true {}",
            s.variant,
            num(*p),
            num(*t)
        );
        let frames = render::side_by_side(&fa, &fb, [&left, &right]);
        let bytes = render::gif(&frames, Duration::from_millis(250))?;
        std::fs::write(out, bytes).with_context(|| format!("writing {}", out.display()))?;
        if !args.json {
            println!("\nwrote {}", out.display());
        }
    }
    Ok(())
}
