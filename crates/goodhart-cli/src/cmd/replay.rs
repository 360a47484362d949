//! `goodhart replay`.

use goodhart_grid::replay;
use serde_json::{Map, Value, json};

use super::ScenarioArgs;

/// Arguments of `replay`.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// Actions: the scenario's action names, comma-separated (`up,down,left,right,noop`, or
    /// `balanced,extreme` for a scenario that names its own, see `goodhart show`), letters for
    /// the moves (`U,D,L,R,N`, or `UDLRN` with no commas) or a run of one-letter names (`EENS`).
    /// Actions after the episode ends are ignored.
    #[arg(long, allow_hyphen_values = true)]
    pub actions: String,
    /// Seed of the episode's random draws.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let s = args.scenario.load()?;
    let actions = s.parse_actions(&args.actions)?;
    let (traj, states) = replay(&s, args.seed, &actions)?;
    if args.json {
        let steps: Vec<Value> = traj
            .steps
            .iter()
            .map(|st| {
                let events: Map<String, Value> = s
                    .events
                    .named(&st.events)
                    .map(|(k, v)| (k.to_string(), json!(v)))
                    .collect();
                json!({
                    "action": s.action_name(st.action.index()),
                    "proxy_reward": st.proxy_reward,
                    "true_reward": st.true_reward,
                    "events": events,
                })
            })
            .collect();
        let out = json!({
            "scenario": s.name,
            "variant": s.variant,
            "seed": args.seed,
            "steps": steps,
            "proxy_return": traj.proxy_return(),
            "true_return": traj.true_return(),
            "terminated": traj.terminated,
            "truncated": traj.truncated,
            "length": traj.len(),
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(());
    }
    println!("{} seed {}", s.id(), args.seed);
    s.board_text(&states[0])
        .iter()
        .for_each(|l| println!("    {l}"));
    let (mut proxy, mut truth) = (0.0, 0.0);
    let width = s
        .action_names
        .iter()
        .map(String::len)
        .max()
        .unwrap_or(0)
        .max(9);
    for (i, st) in traj.steps.iter().enumerate() {
        proxy += st.proxy_reward;
        truth += st.true_reward;
        let events: Vec<String> = s
            .events
            .named(&st.events)
            .map(|(k, v)| format!("{k}={}", event_value(v)))
            .collect();
        println!(
            "{:>4} {:width$} proxy {:+7.2} (total {:7.2})  true {:+7.2} (total {:7.2})  {}",
            i + 1,
            s.action_name(st.action.index()),
            st.proxy_reward,
            proxy,
            st.true_reward,
            truth,
            events.join(" ")
        );
    }
    s.board_text(states.last().expect("initial state"))
        .iter()
        .for_each(|l| println!("    {l}"));
    let end = if traj.terminated {
        "terminated"
    } else if traj.truncated {
        "truncated at the step limit"
    } else {
        "still running (more actions would continue it)"
    };
    println!(
        "{} steps, {end}: proxy return {}, true return {}",
        traj.len(),
        traj.proxy_return(),
        traj.true_return()
    );
    Ok(())
}

/// An event value as people read it: integers as they are, other values to 6 decimals without
/// trailing zeros (expected counts such as `1.5000000000000002` print as `1.5`).
fn event_value(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v}")
    } else {
        let t = format!("{v:.6}");
        t.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}
