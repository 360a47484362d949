//! The parallel runner: runs an [`Experiment`]'s pending runs on rayon's threads and sends each
//! result to the one thread that owns the store connection, which commits it.
//!
//! Every run seeds from (experiment seed, run id) alone, so results are bit-identical whatever
//! the thread count or order of completion. `--shard I/N` takes every N-th run of the run-id
//! order, starting at the I-th, so a cluster job array splits a sweep deterministically.

use std::collections::BTreeSet;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::Instant;

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::optimizer::{Registry, RunContext};
use crate::progress::{Progress, ProgressMode};
use crate::reference::References;
use crate::spec::{Experiment, RunSpec};
use crate::store::{RunFailure, RunRecord, Store};

/// One part of a sharded sweep: shard `index` (1-based) of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// Which shard, `1..=count`.
    pub index: u32,
    /// How many shards.
    pub count: u32,
}

impl FromStr for Shard {
    type Err = goodhart_core::Error;

    /// Parses `I/N` with `1 <= I <= N`.
    fn from_str(s: &str) -> std::result::Result<Shard, Self::Err> {
        let bad = || goodhart_core::Error::invalid_value("--shard", s, "I/N with 1 <= I <= N");
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let index: u32 = i.trim().parse().map_err(|_| bad())?;
        let count: u32 = n.trim().parse().map_err(|_| bad())?;
        if index == 0 || count == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

/// How to run a sweep.
#[derive(Debug, Clone, Copy, Default)]
pub struct RunOptions {
    /// Run only this shard of the runs.
    pub shard: Option<Shard>,
    /// Threads (default: rayon's global pool, i.e. `RAYON_NUM_THREADS` or every core).
    pub threads: Option<usize>,
    /// How to show progress.
    pub progress: ProgressMode,
}

/// What a sweep did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    /// Runs of the experiment (in this shard).
    pub total: usize,
    /// Runs skipped because the store had them finished.
    pub skipped: usize,
    /// Runs that finished now.
    pub finished: usize,
    /// Runs that failed now (recorded with their error; a re-run retries them).
    pub failed: usize,
    /// Runs whose optimizer does not apply to the scenario (recorded; not retried).
    pub not_applicable: usize,
    /// Wall-clock seconds.
    pub seconds: f64,
}

/// The runs of `experiment` that belong to `shard`, in run-id order.
pub fn shard_runs(experiment: &Experiment, shard: Option<Shard>) -> Vec<&RunSpec> {
    let mut runs: Vec<&RunSpec> = experiment.runs.iter().collect();
    runs.sort_by(|a, b| a.run_id.cmp(&b.run_id));
    match shard {
        None => runs,
        Some(s) => runs
            .into_iter()
            .enumerate()
            .filter(|(i, _)| (*i as u32) % s.count == s.index - 1)
            .map(|(_, r)| r)
            .collect(),
    }
}

/// Runs every pending run of `experiment` (its shard) and stores each as it finishes.
pub fn run(
    experiment: &Experiment,
    store: &mut Store,
    registry: &Registry,
    options: &RunOptions,
) -> Result<Summary> {
    let start = Instant::now();
    let selected = shard_runs(experiment, options.shard);
    store.begin_experiment(experiment, &selected)?;
    let done = store.finished_ids()?;
    // Spec order for the work queue: runs on one scenario sit together and share its reference.
    let chosen: BTreeSet<&str> = selected.iter().map(|r| r.run_id.as_str()).collect();
    let pending: Vec<&RunSpec> = experiment
        .runs
        .iter()
        .filter(|r| chosen.contains(r.run_id.as_str()) && !done.contains(&r.run_id))
        .collect();
    let mut summary = Summary {
        total: selected.len(),
        skipped: selected.len() - pending.len(),
        ..Summary::default()
    };
    let mut progress = Progress::new(options.progress, pending.len());
    if summary.skipped > 0 {
        progress.println(&format!(
            "{} of {} runs already in {}; running the other {}",
            summary.skipped,
            summary.total,
            store.path().display(),
            pending.len()
        ));
    }
    let references = References::builtin();
    let stop = AtomicBool::new(false);
    let pool = match options.threads {
        Some(n) => Some(
            rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .map_err(|e| Error::Run {
                    run_id: String::new(),
                    what: "thread pool".into(),
                    message: e.to_string(),
                })?,
        ),
        None => None,
    };

    let (tx, rx) = mpsc::channel::<RunRecord>();
    let mut write_error = None;
    std::thread::scope(|scope| {
        let work = || {
            pending.par_iter().for_each_with(tx, |tx, run| {
                if stop.load(Ordering::Relaxed) {
                    return;
                }
                let rec = execute(experiment, run, registry, &references);
                if tx.send(rec).is_err() {
                    stop.store(true, Ordering::Relaxed);
                }
            });
        };
        scope.spawn(|| match &pool {
            Some(p) => p.install(work),
            None => work(),
        });
        // This thread owns the connection: every write goes through it.
        for rec in rx {
            if write_error.is_some() {
                continue;
            }
            match store.write_run(&rec) {
                Ok(()) => {
                    match &rec.result {
                        Ok(_) => summary.finished += 1,
                        Err(RunFailure::NotApplicable(_)) => summary.not_applicable += 1,
                        Err(RunFailure::Failed(_)) => summary.failed += 1,
                    }
                    progress.finished(&rec);
                }
                Err(e) => {
                    stop.store(true, Ordering::Relaxed);
                    write_error = Some(e);
                }
            }
        }
    });
    progress.finish();
    if let Some(e) = write_error {
        return Err(e);
    }
    summary.seconds = start.elapsed().as_secs_f64();
    Ok(summary)
}

/// Runs one run, catching failures and panics into the record.
pub fn execute(
    experiment: &Experiment,
    run: &RunSpec,
    registry: &Registry,
    references: &References,
) -> RunRecord {
    let started = crate::time::now();
    let t0 = Instant::now();
    let result = match registry.get(&run.optimizer) {
        None => Err(RunFailure::Failed(format!(
            "unknown optimizer `{}`",
            run.optimizer
        ))),
        Some(opt) => {
            let no_progress = |_: f64| {};
            let ctx = RunContext {
                scenario: experiment.scenario_of(run),
                seed: run.rng_seed,
                params: &run.params,
                mitigation: &run.mitigation,
                record: experiment.record,
                references,
                progress: &no_progress,
            };
            match catch_unwind(AssertUnwindSafe(|| opt.run(&ctx))) {
                Ok(Ok(mut r)) => {
                    if !experiment.record.curves {
                        r.curve.clear();
                    }
                    if !experiment.record.trajectories {
                        r.artefacts.clear();
                    }
                    Ok(r)
                }
                Ok(Err(Error::NotApplicable(m))) => Err(RunFailure::NotApplicable(m)),
                Ok(Err(e)) => Err(RunFailure::Failed(e.to_string())),
                Err(panic) => Err(RunFailure::Failed(format!(
                    "the optimizer panicked: {}",
                    panic
                        .downcast_ref::<&str>()
                        .map(|s| s.to_string())
                        .or_else(|| panic.downcast_ref::<String>().cloned())
                        .unwrap_or_default()
                ))),
            }
        }
    };
    RunRecord {
        experiment: experiment.name.clone(),
        run: run.clone(),
        started,
        finished: crate::time::now(),
        seconds: t0.elapsed().as_secs_f64(),
        result,
    }
}
