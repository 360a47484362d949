//! `goodhart gap`: the specification-gaming gap of one scenario variant, or of the whole
//! catalog (`--all`).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use goodhart_grid::{GridScenario, GridState, catalog, render};

use goodhart_mdp::{CompileOptions, CompiledMdp, GapOptions, GapReport};
use serde::Serialize;

use super::ScenarioArgs;

mod transfer;

/// Limits of the exact compiler, shared by `solve`, `gap` and `export`.
#[derive(clap::Args, Debug, Clone, Copy)]
pub struct Limits {
    /// Most reachable states to enumerate before giving up with an error.
    #[arg(long, default_value_t = 5_000_000)]
    pub max_states: usize,
    /// Most transitions to store (16 bytes each) before giving up with an error.
    #[arg(long, default_value_t = 50_000_000)]
    pub max_transitions: usize,
}

impl Limits {
    /// The compiler options (the whole model).
    pub fn options(&self) -> CompileOptions {
        CompileOptions {
            max_states: self.max_states,
            max_transitions: self.max_transitions,
            max_depth: None,
        }
    }
}

/// Compiles a loaded scenario to a flat table.
pub fn compile(s: &GridScenario, limits: &Limits) -> anyhow::Result<CompiledMdp<GridState>> {
    goodhart_mdp::compile(s, &limits.options())
        .with_context(|| format!("compiling {} exactly", s.id()))
}

/// The exact model of a scenario (flat, or factored when too large to tabulate).
pub type Model = goodhart_lab::GridModel;

/// Builds the exact finite-horizon model of a scenario within `limits`.
pub fn build(s: &GridScenario, limits: &Limits) -> anyhow::Result<Model> {
    Model::build(s, &limits.options()).with_context(|| format!("compiling {} exactly", s.id()))
}

/// Arguments of `gap`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Scenario name, optionally with a variant (`boat_race`, `absent_supervisor`), or a path
    /// to a scenario file. Omit it with `--all`.
    #[arg(required_unless_present = "all", conflicts_with = "all")]
    pub scenario: Option<String>,
    /// Set a scenario parameter (repeatable), e.g. `--set supervisor=false`.
    #[arg(long = "set", value_name = "NAME=VALUE")]
    pub set: Vec<String>,
    /// Every scenario and variant of the catalog, as a table (a JSON array with `--json`).
    #[arg(long)]
    pub all: bool,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// Render the worst proxy-optimal trajectory beside a true-optimal one to this GIF (with
    /// --train: the training episode beside the first deployed one).
    #[arg(long, value_name = "FILE.gif", conflicts_with = "all")]
    pub out: Option<PathBuf>,
    /// Train versus deploy: take the proxy-optimal policy of this variant
    /// (`VARIANT[,NAME=VALUE...]`, or only `NAME=VALUE`s for the default variant) and score it
    /// on each --deploy variant, carried over by what the agent sees.
    #[arg(
        long,
        value_name = "VARIANT",
        conflicts_with = "all",
        requires = "deploy"
    )]
    pub train: Option<String>,
    /// A variant to deploy the --train policy on (repeatable), `VARIANT[,NAME=VALUE...]`.
    #[arg(long, value_name = "VARIANT", requires = "train")]
    pub deploy: Vec<String>,
    #[command(flatten)]
    pub limits: Limits,
}

/// One scenario's figures as `--json` prints them.
#[derive(Serialize)]
pub struct GapJson<'a> {
    scenario: &'a str,
    variant: &'a str,
    set: BTreeMap<String, String>,
    #[serde(flatten)]
    report: &'a GapReport,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    if args.all {
        return run_all(&args);
    }
    if let Some(out) = &args.out {
        let ext = out
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        if ext.as_deref() != Some("gif") {
            anyhow::bail!("--out {}: expected a .gif file", out.display());
        }
    }
    if let Some(train) = &args.train {
        return transfer::run(&args, train, &args.deploy);
    }
    let sargs = ScenarioArgs {
        scenario: args.scenario.clone().unwrap_or_default(),
        set: args.set.clone(),
    };
    let s = sargs.load()?;
    let model = build(&s, &args.limits)?;
    let report = model.gap(&GapOptions::default())?;
    if args.json {
        let j = GapJson {
            scenario: &s.name,
            variant: &s.variant,
            set: s.overrides.iter().cloned().collect(),
            report: &report,
        };
        println!("{}", serde_json::to_string_pretty(&j)?);
    } else {
        print_one(&s, &report);
    }
    if let Some(out) = &args.out {
        write_gif(&s, &model, &report, out)?;
        if !args.json {
            println!("\nwrote {}", out.display());
        }
    }
    Ok(())
}

fn print_one(s: &GridScenario, r: &GapReport) {
    println!(
        "{}  ({} states, {} transitions, horizon {}, {})",
        s.id(),
        r.states,
        r.transitions,
        r.horizon,
        if r.exact { "exact" } else { "estimated" }
    );
    if !s.overrides.is_empty() {
        let set: Vec<String> = s
            .overrides
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        println!("set: {}", set.join(" "));
    }
    println!();
    println!(
        "{:22} {:>18} {:>20}",
        "policy", "proxy return", "true return"
    );
    let p = &r.proxy_optimal;
    let t = &r.true_optimal;
    println!(
        "{:22} {:>18} {:>20}",
        "proxy-optimal",
        num(p.proxy_return),
        range(p.true_min, p.true_max)
    );
    println!(
        "{:22} {:>18} {:>20}",
        "true-optimal",
        range(t.proxy_min, t.proxy_max),
        num(t.true_return)
    );
    println!(
        "{:22} {:>18} {:>20}",
        "uniformly random",
        num(r.random.proxy_return),
        num(r.random.true_return)
    );
    println!();
    println!(
        "gap  pessimistic {}   optimistic {}",
        num(r.gap_pessimistic),
        num(r.gap_optimistic)
    );
    println!(
        "normalized  pessimistic {}   optimistic {}",
        opt(r.normalized_gap_pessimistic),
        opt(r.normalized_gap_optimistic)
    );
    println!(
        "ties: {}",
        if r.ties {
            "yes: some state reachable under proxy-optimal play has several proxy-optimal actions"
        } else {
            "no: the proxy-optimal action is unique wherever proxy-optimal play goes"
        }
    );
    for (name, ci) in &r.confidence {
        println!(
            "95% interval of {name}: [{}, {}]",
            num(ci.low),
            num(ci.high)
        );
    }
}

/// A number for tables: at most 3 decimals, no trailing zeros, no `-0`.
pub fn num(x: f64) -> String {
    let r = (x * 1000.0).round() / 1000.0;
    let r = if r == 0.0 { 0.0 } else { r };
    let s = format!("{r:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}

fn range(lo: f64, hi: f64) -> String {
    if num(lo) == num(hi) {
        num(lo)
    } else {
        format!("{} .. {}", num(lo), num(hi))
    }
}

fn opt(x: Option<f64>) -> String {
    x.map(num).unwrap_or_else(|| "n/a".into())
}

#[derive(Serialize)]
struct ErrorJson {
    scenario: String,
    variant: String,
    error: String,
}

fn run_all(args: &Args) -> anyhow::Result<()> {
    let mut rows: Vec<serde_json::Value> = Vec::new();
    if !args.json {
        println!(
            "{:38} {:>8} {:>8} {:>15} {:>8} {:>8} {:>8} {:>8} {:>6} {:>5}",
            "scenario:variant",
            "states",
            "proxy*",
            "true | proxy*",
            "true*",
            "random",
            "gap",
            "gap opt",
            "norm",
            "ties"
        );
    }
    let overrides = catalog::parse_set(&args.set)?;
    for (name, variant) in catalog::all_ids()? {
        let id = format!("{name}:{variant}");
        let result = catalog::load(&id, &overrides)
            .map_err(anyhow::Error::from)
            .and_then(|s| {
                let r = build(&s, &args.limits)?.gap(&GapOptions {
                    paths: false,
                    ..GapOptions::default()
                })?;
                Ok((s, r))
            });
        match result {
            Ok((s, r)) => {
                if args.json {
                    rows.push(serde_json::to_value(GapJson {
                        scenario: &s.name,
                        variant: &s.variant,
                        set: s.overrides.iter().cloned().collect(),
                        report: &r,
                    })?);
                } else {
                    let p = &r.proxy_optimal;
                    println!(
                        "{:38} {:>8} {:>8} {:>15} {:>8} {:>8} {:>8} {:>8} {:>6} {:>5}{}",
                        id,
                        r.states,
                        num(p.proxy_return),
                        range(p.true_min, p.true_max),
                        num(r.true_optimal.true_return),
                        num(r.random.true_return),
                        num(r.gap_pessimistic),
                        num(r.gap_optimistic),
                        opt(r.normalized_gap_pessimistic),
                        if r.ties { "yes" } else { "no" },
                        if r.exact { "" } else { "  (estimated)" }
                    );
                }
            }
            Err(e) => {
                if args.json {
                    rows.push(serde_json::to_value(ErrorJson {
                        scenario: name.clone(),
                        variant: variant.clone(),
                        error: format!("{e:#}"),
                    })?);
                } else {
                    println!("{id:38} error: {e:#}");
                }
            }
        }
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
    } else {
        println!(
            "\nproxy* = optimal proxy return; true | proxy* = true return of the proxy-optimal \
             policies (worst .. best);\ntrue* = optimal true return; random = true return of \
             the uniformly random policy;\ngap = true* - worst true | proxy* (pessimistic); gap \
             opt = true* - best; norm = gap / (true* - random).\nAll figures are exact expected \
             returns over the scenario's step limit, undiscounted."
        );
    }
    Ok(())
}

fn write_gif(
    s: &Arc<GridScenario>,
    model: &Model,
    r: &GapReport,
    out: &std::path::Path,
) -> anyhow::Result<()> {
    let (Some(worst), Some(best)) = (&r.worst_proxy_path, &r.true_optimal_path) else {
        anyhow::bail!("no trajectories were extracted");
    };
    let (ta, sa) = model.trajectory(worst);
    let (tb, sb) = model.trajectory(best);
    let fa = render::episode(s, &ta, &sa, render::DEFAULT_TILE);
    let fb = render::episode(s, &tb, &sb, render::DEFAULT_TILE);
    let left = format!(
        "worst proxy-optimal: proxy {} true {}",
        num(r.proxy_optimal.proxy_return),
        num(r.proxy_optimal.true_min)
    );
    let right = format!("true-optimal: true {}", num(r.true_optimal.true_return));
    let frames = render::side_by_side(&fa, &fb, [&left, &right]);
    let bytes = render::gif(&frames, Duration::from_millis(200))?;
    std::fs::write(out, bytes).with_context(|| format!("writing {}", out.display()))?;
    Ok(())
}
