//! `goodhart train`: a tabular learner on a scenario's proxy, scored on both objectives.

use std::sync::Arc;

use anyhow::Context;
use goodhart_agents::plot::{CurvePlot, learning_curve_svg};
use goodhart_agents::{Agent, EpisodeRecord, Hyper, Unseen, grid};
use goodhart_grid::{GridScenario, catalog};
use serde_json::json;

use super::ScenarioArgs;

mod linear;

/// Arguments of `train`.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// The learner: q-learning, sarsa, expected-sarsa or double-q (tabular), or linear-q
    /// (linear features over the observation: it generalizes to unseen observations, for goal
    /// misgeneralization on `coinrun`).
    #[arg(long, default_value = "q-learning")]
    pub agent: String,
    /// Training episodes (the same as `--set-agent episodes=N`).
    #[arg(long)]
    pub episodes: Option<u64>,
    /// Seed of the run; every random draw derives from it.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Set a hyper-parameter of the learner (repeatable), e.g. `--set-agent alpha=0.1`;
    /// `--set-agent help` lists them with their defaults.
    #[arg(long = "set-agent", value_name = "NAME=VALUE")]
    pub set_agent: Vec<String>,
    /// Evaluate the final greedy policy on this variant of the scenario too (train on
    /// `distributional_shift:train`, evaluate on `test_v1`).
    #[arg(long, value_name = "VARIANT")]
    pub eval_variant: Option<String>,
    /// Env copies running a round's episodes at once (0: one per thread). Results do not
    /// depend on it; it only matters with `--set-agent round=N` for N > 1.
    #[arg(long, default_value_t = 0)]
    pub envs: usize,
    /// Worker threads (0: all cores). Results do not depend on it.
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Largest model compiled for exact figures; larger scenarios are estimated by rollouts.
    #[arg(long, default_value_t = 250_000)]
    pub max_states: usize,
    /// Rollouts of the greedy policy where the scenario does not compile.
    #[arg(long, default_value_t = 1000)]
    pub rollouts: u64,
    /// Write the learning curve (both returns against episodes) as SVG.
    #[arg(long, value_name = "FILE.svg")]
    pub plot: Option<std::path::PathBuf>,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// Exact figures of one scenario variant, when it compiles.
struct Figures {
    optima: Option<(f64, f64)>,
    greedy: grid::Evaluation,
}

fn figures(
    s: &Arc<GridScenario>,
    table: &goodhart_agents::Tabular,
    args: &Args,
    with_optima: bool,
) -> anyhow::Result<Figures> {
    if grid::remembers_across_episodes(s) {
        return Ok(Figures {
            optima: None,
            greedy: grid::evaluate(s, table, Unseen::Nearest, 0, args.rollouts, args.seed)?,
        });
    }
    match grid::Exact::compile(s, args.max_states) {
        Ok(exact) => Ok(Figures {
            optima: if with_optima {
                Some(exact.optima()?)
            } else {
                None
            },
            greedy: exact.evaluate(s, table, Unseen::Nearest)?,
        }),
        Err(goodhart_core::Error::Limit(_)) => Ok(Figures {
            optima: None,
            greedy: grid::estimate(s, table, Unseen::Nearest, args.rollouts, args.seed)?,
        }),
        Err(e) => Err(e.into()),
    }
}

fn hyper(args: &Args) -> anyhow::Result<Hyper> {
    let mut h = Hyper::default();
    for pair in catalog::parse_set(&args.set_agent)? {
        h.set(&pair.0, &pair.1)?;
    }
    if let Some(e) = args.episodes {
        h.set("episodes", &e.to_string())?;
    }
    Ok(h)
}

pub fn run(args: Args) -> anyhow::Result<()> {
    if args.set_agent.iter().any(|p| p.starts_with("help")) {
        println!("agent parameters (--set-agent NAME=VALUE): name, default, meaning");
        for p in Hyper::PARAMS {
            println!("  {:18} {:>14}  {}", p.name, p.default, p.description);
        }
        return Ok(());
    }
    if args.agent == "linear-q" {
        return linear::run(&args);
    }
    let s = args.scenario.load()?;
    let agent = Agent::parse(&args.agent)?;
    let hyper = hyper(&args)?;
    let eval_scenario = eval_scenario(&args)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads)
        .build()
        .context("starting the worker threads")?;
    let config = grid::config(&s, agent, hyper, args.seed, args.envs);
    let start = std::time::Instant::now();
    let training = pool.install(|| grid::train_scenario(&s, &config, &|_| {}))?;
    let seconds = start.elapsed().as_secs_f64();
    let main = figures(&s, &training.table, &args, true)?;
    let eval = match &eval_scenario {
        Some(es) => Some(figures(es, &training.table, &args, true)?),
        None => None,
    };

    if let Some(path) = &args.plot {
        let sets = if args.scenario.set.is_empty() {
            String::new()
        } else {
            format!(" ({})", args.scenario.set.join(", "))
        };
        let svg = learning_curve_svg(&CurvePlot {
            title: format!("{}{sets} · {} · seed {}", s.id(), agent.name(), args.seed),
            records: &training.records,
            proxy_optimum: main.optima.map(|o| o.0),
            true_optimum: main.optima.map(|o| o.1),
            greedy: Some((main.greedy.proxy_return, main.greedy.true_return)),
            window: 0,
        });
        std::fs::write(path, svg).with_context(|| format!("writing {}", path.display()))?;
    }

    if args.json {
        let episodes: Vec<_> = training
            .records
            .iter()
            .map(|r| {
                json!({
                    "proxy_return": r.proxy_return,
                    "true_return": r.true_return,
                    "length": r.length,
                })
            })
            .collect();
        let mut out = json!({
            "scenario": s.name,
            "variant": s.variant,
            "agent": agent.name(),
            "seed": args.seed,
            "episodes": episodes,
            "greedy": {
                "proxy_return": main.greedy.proxy_return,
                "true_return": main.greedy.true_return,
            },
        });
        if let (Some(es), Some(e)) = (&eval_scenario, &eval) {
            out["eval"] = json!({
                "variant": es.variant,
                "proxy_return": e.greedy.proxy_return,
                "true_return": e.greedy.true_return,
            });
        }
        println!("{}", serde_json::to_string(&out)?);
        return Ok(());
    }

    println!(
        "{} · {} · seed {} · {} episodes, {} steps in {:.2} s ({:.1} M steps/s)",
        s.id(),
        agent.name(),
        args.seed,
        training.records.len(),
        training.steps,
        seconds,
        training.steps as f64 / seconds.max(1e-9) / 1e6
    );
    let changed: Vec<String> = hyper
        .pairs()
        .into_iter()
        .zip(Hyper::default().pairs())
        .filter(|(a, b)| a.1 != b.1 && a.0 != "episodes")
        .map(|(a, _)| format!("{}={}", a.0, a.1))
        .collect();
    if !changed.is_empty() {
        println!("hyper-parameters: {} (others default)", changed.join(", "));
    }
    print_curve(&training.records);
    println!(
        "{} distinct observations learned",
        training.table.num_states()
    );
    print_figures(&s.id(), &main);
    if let (Some(es), Some(e)) = (&eval_scenario, &eval) {
        print_figures(&format!("{} (evaluation)", es.id()), e);
    }
    if let Some(path) = &args.plot {
        println!("learning curve written to {}", path.display());
    }
    Ok(())
}

pub(super) fn print_curve(records: &[EpisodeRecord]) {
    let n = records.len();
    if n == 0 {
        return;
    }
    let bins = n.min(10);
    println!(
        "{:>15} {:>12} {:>12} {:>9} {:>14}",
        "episodes", "proxy", "true", "length", "safety events"
    );
    for b in 0..bins {
        let (lo, hi) = (b * n / bins, (b + 1) * n / bins);
        let part = &records[lo..hi];
        let k = part.len() as f64;
        let mean = |f: &dyn Fn(&EpisodeRecord) -> f64| part.iter().map(f).sum::<f64>() / k;
        println!(
            "{:>15} {:>12.2} {:>12.2} {:>9.1} {:>14.2}",
            format!("{lo}-{}", hi - 1),
            mean(&|r| r.proxy_return),
            mean(&|r| r.true_return),
            mean(&|r| f64::from(r.length)),
            mean(&|r| r.safety_events),
        );
    }
}

fn print_figures(id: &str, f: &Figures) {
    let how = if f.greedy.exact {
        "exact".to_string()
    } else {
        format!("mean of {} rollouts", f.greedy.episodes)
    };
    println!(
        "{id}: greedy policy proxy {:.2}, true {:.2} ({how})",
        f.greedy.proxy_return, f.greedy.true_return
    );
    if let Some((p, t)) = f.optima {
        println!("{id}: exact optima: proxy {p:.2}, true {t:.2}");
    }
}

/// The `--eval-variant` of the trained scenario, with the same parameters.
fn eval_scenario(args: &Args) -> anyhow::Result<Option<Arc<GridScenario>>> {
    match &args.eval_variant {
        Some(v) => {
            let overrides = catalog::parse_set(&args.scenario.set)?;
            let (name, _) = catalog::split_id(&args.scenario.scenario);
            Ok(Some(catalog::load(&format!("{name}:{v}"), &overrides)?))
        }
        None => Ok(None),
    }
}
