//! `goodhart perf`: benchmarks that print measured figures (recorded in BENCHMARKS.md).

use goodhart_grid::{catalog, perf};

/// Arguments of `perf`.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    pub what: What,
}

/// What to measure.
#[derive(clap::Subcommand, Debug)]
pub enum What {
    /// Single-thread environment steps per second for every scenario (random actions, resets).
    Env {
        /// Steps per scenario.
        #[arg(long, default_value_t = 20_000_000)]
        steps: u64,
        /// Also write the observation every step.
        #[arg(long)]
        observe: bool,
        /// Only these scenarios (`NAME[:VARIANT]`); all by default.
        scenarios: Vec<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Batched stepping (1 and 2 threads) and Q-learning training throughput, against the
    /// single-env figure of `perf env` measured in the same run.
    Vec(VecArgs),
}

/// Arguments of `perf vec`.
#[derive(clap::Args, Debug)]
pub struct VecArgs {
    /// Env copies stepped at once.
    #[arg(long, default_value_t = 1024)]
    pub envs: usize,
    /// Env steps per stepping measurement.
    #[arg(long, default_value_t = 20_000_000)]
    pub steps: u64,
    /// Training episodes per training measurement.
    #[arg(long, default_value_t = 20_000)]
    pub episodes: u64,
    /// Episodes per round of the parallel training measurement.
    #[arg(long, default_value_t = 64)]
    pub round: u64,
    /// Scenarios (`NAME[:VARIANT]`); by default boat_race, island_navigation and
    /// distributional_shift.
    pub scenarios: Vec<String>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// The original pycolab environments' speed, from shared/specs/aisg.md: 3-8 thousand steps/s.
const PYCOLAB_STEPS_PER_SECOND: f64 = 5_000.0;

pub fn run(args: Args) -> anyhow::Result<()> {
    match args.what {
        What::Vec(a) => run_vec(a),
        What::Env {
            steps,
            observe,
            scenarios,
            json,
        } => {
            let ids: Vec<String> = if scenarios.is_empty() {
                catalog::all_ids()?
                    .into_iter()
                    .map(|(n, v)| format!("{n}:{v}"))
                    .collect()
            } else {
                scenarios
            };
            let mut rows = Vec::new();
            if !json {
                println!(
                    "single thread, random actions, {} steps each{}",
                    steps,
                    if observe {
                        ", observation written every step"
                    } else {
                        ""
                    }
                );
                println!(
                    "{:36} {:>14} {:>10} {:>12}",
                    "scenario", "steps/s", "episodes", "vs pycolab"
                );
            }
            for id in ids {
                let s = catalog::load(&id, &[])?;
                let t = perf::random_policy_throughput(&s, steps, 1, observe);
                let sps = t.steps_per_second();
                if json {
                    rows.push(serde_json::json!({
                        "scenario": id, "steps_per_second": sps, "steps": t.steps,
                        "episodes": t.episodes, "seconds": t.seconds, "observe": observe,
                    }));
                } else {
                    println!(
                        "{id:36} {:>14.0} {:>10} {:>11.0}x",
                        sps,
                        t.episodes,
                        sps / PYCOLAB_STEPS_PER_SECOND
                    );
                }
            }
            if json {
                println!("{}", serde_json::to_string_pretty(&rows)?);
            }
            Ok(())
        }
    }
}

fn run_vec(args: VecArgs) -> anyhow::Result<()> {
    use goodhart_agents::perf::{
        Measured, process_cpu_seconds, table_throughput, train_throughput, vec_throughput,
    };
    use goodhart_agents::{Agent, VecEnvOptions};
    let ids = if args.scenarios.is_empty() {
        ["boat_race", "island_navigation", "distributional_shift"]
            .map(String::from)
            .to_vec()
    } else {
        args.scenarios
    };
    let mut rows = Vec::new();
    if !args.json {
        println!(
            "{} env copies, random actions, {} steps per stepping figure; Q-learning for {} \
             episodes (online, and in rounds of {} on 2 env copies)",
            args.envs, args.steps, args.episodes, args.round
        );
        println!(
            "steps/s is wall-clock; 'per core' is steps per CPU-second x threads, what the code \
             does with a core of its own (on a busy machine the two differ)"
        );
        println!(
            "{:22} {:>32} {:>13} {:>13} {:>9}",
            "scenario", "measurement", "steps/s", "per core", "vs env"
        );
    }
    for id in ids {
        let s = catalog::load(&id, &[])?;
        let env = goodhart_grid::GridEnv::new(s.clone());
        let single = |observe: bool| {
            let cpu0 = process_cpu_seconds();
            let t = perf::random_policy_throughput(&s, args.steps, 1, observe);
            Measured {
                steps: t.steps,
                episodes: t.episodes,
                seconds: t.seconds,
                cpu_seconds: cpu0.zip(process_cpu_seconds()).map(|(a, b)| b - a),
            }
        };
        let mut figures: Vec<(String, usize, Measured)> = vec![
            ("perf env (1 env, no obs)".into(), 1, single(false)),
            ("perf env --observe".into(), 1, single(true)),
        ];
        for threads in [1, 2] {
            let t = vec_throughput(
                &env,
                args.envs,
                args.steps,
                threads,
                VecEnvOptions::default(),
            )?;
            figures.push((format!("vec, {threads} thread(s)"), threads, t));
        }
        let quiet = VecEnvOptions {
            record_events: false,
            ..VecEnvOptions::default()
        };
        let t = vec_throughput(&env, args.envs, args.steps, 2, quiet)?;
        figures.push(("vec, 2 threads, no events".into(), 2, t));
        // Scenarios that are deterministic after the reset also step through their table.
        for threads in [1, 2] {
            match table_throughput(&s, args.envs, args.steps, threads, VecEnvOptions::default()) {
                Ok(t) => figures.push((format!("table vec, {threads} thread(s)"), threads, t)),
                Err(e) if threads == 1 => eprintln!("{id}: no table stepping: {e}"),
                Err(_) => {}
            }
        }
        let t = train_throughput(&s, Agent::QLearning, args.episodes, 1, 1, 1)?;
        figures.push(("q-learning online, 1 thread".into(), 1, t));
        for threads in [1, 2] {
            let t = train_throughput(&s, Agent::QLearning, args.episodes, args.round, 2, threads)?;
            figures.push((
                format!("q-learning rounds, {threads} thread(s)"),
                threads,
                t,
            ));
        }
        let base = figures[0].2.steps_per_second();
        for (what, threads, m) in &figures {
            let sps = m.steps_per_second();
            let per_core = m.steps_per_cpu_second(*threads);
            if args.json {
                rows.push(serde_json::json!({
                    "scenario": id, "measurement": what, "threads": threads,
                    "steps_per_second": sps, "steps_per_cpu_second_times_threads": per_core,
                    "ratio_to_single_env": sps / base,
                }));
            } else {
                println!(
                    "{id:22} {what:>32} {sps:>13.0} {:>13} {:>8.2}x",
                    per_core.map_or("-".to_string(), |p| format!("{p:.0}")),
                    sps / base
                );
            }
        }
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
    }
    Ok(())
}
