//! `goodhart train --agent linear-q`: the linear learner, which generalizes across
//! observations, trained on one variant and scored exactly on it and on `--eval-variant`
//! (goal misgeneralization: trained on `coinrun:train`, it still runs right on `deploy`).

use anyhow::Context;
use goodhart_agents::grid;
use goodhart_agents::linear::{LinearConfig, LinearEvaluation, train_linear_recorded};
use goodhart_agents::plot::{CurvePlot, learning_curve_svg};
use goodhart_core::Objective;
use goodhart_grid::{GridScenario, catalog};
use serde_json::json;

use super::{Args, eval_scenario, print_curve};

/// The hyper-parameters `--set-agent` accepts for linear-q, with their defaults.
const PARAMS: [(&str, &str); 5] = [
    ("episodes", "training episodes"),
    (
        "alpha",
        "step size (divided by the number of active features)",
    ),
    ("gamma", "discount"),
    ("epsilon_start", "exploration at the first episode"),
    (
        "epsilon_end",
        "exploration at the last episode (linear decay)",
    ),
];

fn config(args: &Args) -> anyhow::Result<LinearConfig> {
    let mut c = LinearConfig {
        seed: args.seed,
        ..LinearConfig::default()
    };
    for (name, value) in catalog::parse_set(&args.set_agent)? {
        let number = || -> anyhow::Result<f64> {
            value
                .parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .with_context(|| format!("--set-agent {name}={value}: expected a number"))
        };
        match name.as_str() {
            "episodes" => {
                c.episodes = value.parse().with_context(|| {
                    format!("--set-agent episodes={value}: expected a whole number")
                })?
            }
            "alpha" => c.alpha = number()?,
            "gamma" => c.gamma = number()?,
            "epsilon_start" => c.epsilon_start = number()?,
            "epsilon_end" => c.epsilon_end = number()?,
            other => anyhow::bail!(
                "--set-agent {other}: linear-q has no such parameter; it takes {}",
                PARAMS.map(|p| p.0).join(", ")
            ),
        }
    }
    if let Some(e) = args.episodes {
        c.episodes = e;
    }
    Ok(c)
}

/// Exact figures of the greedy policy on one variant, with the coin and right-end objectives
/// when the scenario has those events (coinrun), so that misgeneralization shows.
fn evaluate(
    q: &goodhart_agents::linear::LinearQ,
    s: &GridScenario,
) -> anyhow::Result<(LinearEvaluation, Vec<(String, f64)>)> {
    let named: Vec<(String, Objective)> = ["coin", "right_end"]
        .iter()
        .filter_map(|e| {
            Objective::from_pairs([(*e, 1.0)], &s.events)
                .ok()
                .map(|o| (format!("P({e})"), o))
        })
        .collect();
    let refs: Vec<&Objective> = named.iter().map(|(_, o)| o).collect();
    let (eval, extra) = q
        .evaluate(s, &refs)
        .with_context(|| format!("evaluating the greedy policy on {}", s.id()))?;
    Ok((eval, named.into_iter().map(|(n, _)| n).zip(extra).collect()))
}

pub fn run(args: &Args) -> anyhow::Result<()> {
    if args.set_agent.iter().any(|p| p.starts_with("help")) {
        let d = LinearConfig::default();
        let defaults = [
            d.episodes.to_string(),
            d.alpha.to_string(),
            d.gamma.to_string(),
            d.epsilon_start.to_string(),
            d.epsilon_end.to_string(),
        ];
        println!("linear-q parameters (--set-agent NAME=VALUE): name, default, meaning");
        for ((name, what), default) in PARAMS.iter().zip(defaults) {
            println!("  {name:18} {default:>14}  {what}");
        }
        return Ok(());
    }
    let s = args.scenario.load()?;
    let config = config(args)?;
    let eval_s = eval_scenario(args)?;
    let start = std::time::Instant::now();
    let (q, records) = train_linear_recorded(&s, &config)?;
    let seconds = start.elapsed().as_secs_f64();
    let (main, main_extra) = evaluate(&q, &s)?;
    let optima = grid::Exact::compile(&s, args.max_states)
        .and_then(|e| e.optima())
        .ok();
    let eval = match &eval_s {
        Some(es) => Some(evaluate(&q, es)?),
        None => None,
    };

    if let Some(path) = &args.plot {
        let svg = learning_curve_svg(&CurvePlot {
            title: format!("{} · linear-q · seed {}", s.id(), args.seed),
            records: &records,
            proxy_optimum: optima.map(|o| o.0),
            true_optimum: optima.map(|o| o.1),
            greedy: Some((main.proxy_return, main.true_return)),
            window: 0,
        });
        std::fs::write(path, svg).with_context(|| format!("writing {}", path.display()))?;
    }

    if args.json {
        let episodes: Vec<_> = records
            .iter()
            .map(|r| {
                json!({"proxy_return": r.proxy_return, "true_return": r.true_return, "length": r.length})
            })
            .collect();
        let mut out = json!({
            "scenario": s.name,
            "variant": s.variant,
            "agent": "linear-q",
            "seed": args.seed,
            "episodes": episodes,
            "greedy": {"proxy_return": main.proxy_return, "true_return": main.true_return},
        });
        for (name, v) in &main_extra {
            out["greedy"][name] = json!(v);
        }
        if let (Some(es), Some((e, extra))) = (&eval_s, &eval) {
            out["eval"] = json!({
                "variant": es.variant,
                "proxy_return": e.proxy_return,
                "true_return": e.true_return,
            });
            for (name, v) in extra {
                out["eval"][name] = json!(v);
            }
        }
        println!("{}", serde_json::to_string(&out)?);
        return Ok(());
    }

    let steps: u64 = records.iter().map(|r| u64::from(r.length)).sum();
    println!(
        "{} · linear-q · seed {} · {} episodes, {steps} steps in {seconds:.2} s",
        s.id(),
        args.seed,
        records.len(),
    );
    print_curve(&records);
    let show = |id: &str, e: &LinearEvaluation, extra: &[(String, f64)]| {
        let extra: Vec<String> = extra.iter().map(|(n, v)| format!("{n} {v:.3}")).collect();
        println!(
            "{id}: greedy policy proxy {:.2}, true {:.2} (exact){}",
            e.proxy_return,
            e.true_return,
            if extra.is_empty() {
                String::new()
            } else {
                format!("; {}", extra.join(", "))
            }
        );
    };
    show(&s.id(), &main, &main_extra);
    if let Some((p, t)) = optima {
        println!("{}: exact optima: proxy {p:.2}, true {t:.2}", s.id());
    }
    if let (Some(es), Some((e, extra))) = (&eval_s, &eval) {
        show(&format!("{} (evaluation)", es.id()), e, extra);
    }
    if let Some(path) = &args.plot {
        println!("learning curve written to {}", path.display());
    }
    Ok(())
}
