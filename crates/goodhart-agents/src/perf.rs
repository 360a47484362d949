//! Measured throughput of batched stepping and of training, printed by `goodhart perf vec`
//! next to the single-env figure of `goodhart perf env`.

use std::sync::Arc;
use std::time::Instant;

use goodhart_core::{Env, Error, Result, seed};
use goodhart_grid::GridScenario;

use crate::batched::Batched;
use crate::grid;
use crate::hyper::{Agent, Hyper};
use crate::memo::StateKey;
use crate::table_env::TableVecEnv;
use crate::vec_env::{VecEnv, VecEnvOptions};

/// A measured throughput: wall-clock time, and the CPU time the process used meanwhile (on a
/// shared machine the CPU figure says what the code costs, the wall figure what it got).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Measured {
    /// Env steps taken.
    pub steps: u64,
    /// Episodes started.
    pub episodes: u64,
    /// Wall-clock seconds.
    pub seconds: f64,
    /// CPU seconds of the whole process (all threads), where the OS reports them.
    pub cpu_seconds: Option<f64>,
}

impl Measured {
    /// Steps per wall-clock second.
    pub fn steps_per_second(&self) -> f64 {
        self.steps as f64 / self.seconds
    }

    /// Steps per second if each of `threads` threads had had a core of its own: steps over
    /// CPU seconds, times `threads`.
    pub fn steps_per_cpu_second(&self, threads: usize) -> Option<f64> {
        self.cpu_seconds
            .filter(|&c| c > 0.0)
            .map(|c| self.steps as f64 / c * threads as f64)
    }
}

/// CPU seconds (user + system) used by this process so far, from `/proc/self/stat` (Linux;
/// clock ticks of 1/100 s).
pub fn process_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesized command name; utime and stime are fields 14 and 15.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

/// Runs `f`, measuring wall and CPU time.
fn measure<T>(f: impl FnOnce() -> Result<T>) -> Result<(T, f64, Option<f64>)> {
    let cpu0 = process_cpu_seconds();
    let start = Instant::now();
    let out = f()?;
    let seconds = start.elapsed().as_secs_f64();
    let cpu = cpu0.zip(process_cpu_seconds()).map(|(a, b)| b - a);
    Ok((out, seconds, cpu))
}

/// Action tables cycled through by [`vec_throughput`] (precomputed, so choosing actions costs
/// nothing in the measured loop). Prime, so that it does not line up with episode lengths.
const ACTION_TABLES: usize = 61;

fn pool(threads: usize) -> Result<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Error::State(format!("starting {threads} worker threads: {e}")))
}

/// Steps a [`VecEnv`] of `envs` copies of `env` with uniformly random actions until at least
/// `steps` env steps (resets included, as Gymnasium counts them) are done, on `threads`
/// threads.
pub fn vec_throughput<E: Env + StateKey + Clone + Send>(
    env: &E,
    envs: usize,
    steps: u64,
    threads: usize,
    options: VecEnvOptions,
) -> Result<Measured> {
    batched_throughput(&mut VecEnv::new(env, envs.max(1), options), steps, threads)
}

/// Steps a [`TableVecEnv`] of `envs` copies of `scenario` like [`vec_throughput`].
pub fn table_throughput(
    scenario: &Arc<GridScenario>,
    envs: usize,
    steps: u64,
    threads: usize,
    options: VecEnvOptions,
) -> Result<Measured> {
    let mut v = TableVecEnv::new(scenario, envs.max(1), options, grid::DEFAULT_MAX_STATES)?;
    batched_throughput(&mut v, steps, threads)
}

/// Steps `v` with uniformly random actions (precomputed) until at least `steps` env steps
/// are done, on `threads` threads.
pub fn batched_throughput(
    v: &mut (impl Batched + Send),
    steps: u64,
    threads: usize,
) -> Result<Measured> {
    let (envs, na) = (v.len(), v.num_actions() as u64);
    let mut x = seed::mix(12345) | 1;
    let tables: Vec<Vec<u32>> = (0..ACTION_TABLES)
        .map(|_| {
            (0..envs)
                .map(|_| {
                    x = seed::mix(x);
                    (((x >> 32) * na) >> 32) as u32
                })
                .collect()
        })
        .collect();
    let calls = steps.div_ceil(envs as u64);
    let pool = pool(threads)?;
    v.reset(1)?;
    let ((), seconds, cpu_seconds) = measure(|| {
        pool.install(|| -> Result<()> {
            for t in 0..calls as usize {
                v.step(&tables[t % ACTION_TABLES])?;
            }
            Ok(())
        })
    })?;
    let episodes = (0..envs).map(|i| v.episodes_started(i)).sum();
    std::hint::black_box(v.observations());
    Ok(Measured {
        steps: calls * envs as u64,
        episodes,
        seconds,
        cpu_seconds,
    })
}

/// Trains `agent` on `scenario` for `episodes` episodes with rounds of `round` episodes on
/// `envs` env copies and `threads` threads; the throughput counts env steps (every training
/// step is one env step, one table lookup and one update).
pub fn train_throughput(
    scenario: &Arc<GridScenario>,
    agent: Agent,
    episodes: u64,
    round: u64,
    envs: usize,
    threads: usize,
) -> Result<Measured> {
    let hyper = Hyper {
        episodes,
        round,
        ..Hyper::default()
    };
    let config = grid::config(scenario, agent, hyper, 1, envs);
    let pool = pool(threads)?;
    let (t, seconds, cpu_seconds) =
        measure(|| pool.install(|| grid::train_scenario(scenario, &config, &|_| {})))?;
    Ok(Measured {
        steps: t.steps,
        episodes,
        seconds,
        cpu_seconds,
    })
}
