//! Experiments and the results store from Python: what `goodhart.ray` and
//! `goodhart.read_store` are built on.
//!
//! A distributed sweep is the Rust runner cut at its seams: [`sweep_plan`] expands the spec and
//! records the experiment in the store (as `runner::run` does), [`execute_run`] runs one run by
//! id exactly as the runner's workers do (`runner::execute`, seeded from the experiment seed and
//! the run id alone) into a one-run shard store, and [`merge_stores`] folds shards into the
//! store (`goodhart merge`). Run ids, seeds and outcomes are therefore those of `goodhart run`.

use std::path::{Path, PathBuf};

use goodhart_lab::reference::References;
use goodhart_lab::{Experiment, ProgressMode, Registry, RunOptions, Store, runner};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::error::{CoreResultExt, Kind, error};

fn registry() -> Registry {
    Registry::builtin()
}

/// Expands the spec at `spec_path`, records the experiment and its runs in the store at
/// `store_path` (created if missing), and returns
/// `{"name", "spec_file", "spec_text", "runs": [run_id, ...], "pending": [run_id, ...]}`;
/// `runs` are in spec order, `pending` are those the store has not finished.
#[pyfunction]
pub fn sweep_plan<'py>(
    py: Python<'py>,
    spec_path: PathBuf,
    store_path: PathBuf,
) -> PyResult<Bound<'py, PyDict>> {
    let (experiment, pending) = py
        .detach(|| -> goodhart_lab::Result<_> {
            let experiment = Experiment::read(&spec_path, &registry())?;
            let mut store = Store::open(&store_path)?;
            let selected = runner::shard_runs(&experiment, None);
            store.begin_experiment(&experiment, &selected)?;
            let done = store.finished_ids()?;
            let pending: Vec<String> = experiment
                .runs
                .iter()
                .filter(|r| !done.contains(&r.run_id))
                .map(|r| r.run_id.clone())
                .collect();
            Ok((experiment, pending))
        })
        .py()?;
    let d = PyDict::new(py);
    d.set_item("name", &experiment.name)?;
    d.set_item("spec_file", &experiment.file)?;
    d.set_item("spec_text", &experiment.text)?;
    let runs: Vec<&str> = experiment.runs.iter().map(|r| r.run_id.as_str()).collect();
    d.set_item("runs", runs)?;
    let labels: Vec<String> = experiment.runs.iter().map(|r| r.label()).collect();
    d.set_item("labels", labels)?;
    d.set_item("pending", pending)?;
    Ok(d)
}

/// Runs run `run_id` of the spec (`spec_file` names it, `spec_text` is its content; scenario
/// paths in it resolve against `spec_file`'s folder) and writes it into a new store at
/// `shard_path`. Returns `{"run_id", "status", "error", "seconds"}`. A failing run is recorded
/// as failed (as the Rust runner does), not raised.
#[pyfunction]
pub fn execute_run<'py>(
    py: Python<'py>,
    spec_file: &str,
    spec_text: &str,
    run_id: &str,
    shard_path: PathBuf,
) -> PyResult<Bound<'py, PyDict>> {
    let rec = py
        .detach(|| -> goodhart_lab::Result<_> {
            let registry = registry();
            let experiment = Experiment::parse(spec_file, spec_text, &registry)?;
            let Some(run) = experiment.runs.iter().find(|r| r.run_id == run_id) else {
                return Err(goodhart_core::Error::unknown(
                    format!("run of experiment {}", experiment.name),
                    run_id,
                    Vec::<String>::new(),
                )
                .into());
            };
            let rec = runner::execute(&experiment, run, &registry, &References::builtin());
            let mut store = Store::open(&shard_path)?;
            store.begin_experiment(&experiment, &[run])?;
            store.write_run(&rec)?;
            Ok(rec)
        })
        .py()?;
    let d = PyDict::new(py);
    d.set_item("run_id", &rec.run.run_id)?;
    d.set_item("label", rec.run.label())?;
    match &rec.result {
        Ok(_) => {
            d.set_item("status", "finished")?;
            d.set_item("error", py.None())?;
        }
        Err(e) => {
            d.set_item("status", e.status())?;
            d.set_item("error", e.message())?;
        }
    }
    d.set_item("seconds", rec.seconds)?;
    Ok(d)
}

/// Copies every run of the shard stores into the store at `store_path` (as `goodhart merge`):
/// returns `{"copied", "already_present", "failed"}`.
#[pyfunction]
pub fn merge_stores<'py>(
    py: Python<'py>,
    store_path: PathBuf,
    shards: Vec<PathBuf>,
) -> PyResult<Bound<'py, PyDict>> {
    let summary = py
        .detach(|| -> goodhart_lab::Result<_> {
            let mut store = Store::open(&store_path)?;
            store.merge_from(&shards)
        })
        .py()?;
    let d = PyDict::new(py);
    d.set_item("copied", summary.copied)?;
    d.set_item("already_present", summary.already_present)?;
    d.set_item("failed", summary.failed)?;
    Ok(d)
}

/// Runs the spec with the Rust runner on this machine's threads (`goodhart run`); returns
/// `{"total", "skipped", "finished", "failed", "not_applicable", "seconds"}`.
#[pyfunction]
#[pyo3(signature = (spec_path, store_path, threads=None))]
pub fn run_experiment<'py>(
    py: Python<'py>,
    spec_path: PathBuf,
    store_path: PathBuf,
    threads: Option<usize>,
) -> PyResult<Bound<'py, PyDict>> {
    let summary = py
        .detach(|| -> goodhart_lab::Result<_> {
            let registry = registry();
            let experiment = Experiment::read(&spec_path, &registry)?;
            let mut store = Store::open(&store_path)?;
            let options = RunOptions {
                shard: None,
                threads,
                progress: ProgressMode::Quiet,
            };
            runner::run(&experiment, &mut store, &registry, &options)
        })
        .py()?;
    let d = PyDict::new(py);
    d.set_item("total", summary.total)?;
    d.set_item("skipped", summary.skipped)?;
    d.set_item("finished", summary.finished)?;
    d.set_item("failed", summary.failed)?;
    d.set_item("not_applicable", summary.not_applicable)?;
    d.set_item("seconds", summary.seconds)?;
    Ok(d)
}

fn open_existing(path: &Path) -> PyResult<Store> {
    if !path.exists() {
        return Err(error(
            Kind::Io,
            format!(
                "{}: no such results store; run `goodhart run SPEC.toml` or goodhart.ray.run \
                 first",
                path.display()
            ),
        ));
    }
    Store::open_existing(path).py()
}

/// Every run of the store (of `experiment`, or all) as columns: `{column: [values...]}`.
#[pyfunction]
#[pyo3(signature = (store_path, experiment=None))]
pub fn read_runs<'py>(
    py: Python<'py>,
    store_path: PathBuf,
    experiment: Option<&str>,
) -> PyResult<Bound<'py, PyDict>> {
    let store = open_existing(&store_path)?;
    let rows = store.runs(experiment).py()?;
    macro_rules! column {
        ($d:expr, $name:literal, $f:expr) => {
            $d.set_item($name, rows.iter().map($f).collect::<Vec<_>>())?;
        };
    }
    let d = PyDict::new(py);
    column!(d, "run_id", |r| r.run_id.clone());
    column!(d, "experiment", |r| r.experiment.clone());
    column!(d, "scenario", |r| r.scenario.clone());
    column!(d, "variant", |r| r.variant.clone());
    column!(d, "set", |r| r.set_json.clone());
    column!(d, "optimizer", |r| r.optimizer.clone());
    column!(d, "params", |r| r.params_json.clone());
    column!(d, "mitigation", |r| r.mitigation.clone());
    column!(d, "seed", |r| r.seed);
    column!(d, "status", |r| r.status.clone());
    column!(d, "error", |r| r.error.clone());
    column!(d, "started", |r| r.started.clone());
    column!(d, "finished", |r| r.finished.clone());
    column!(d, "seconds", |r| r.seconds);
    column!(d, "goodhart_version", |r| r.goodhart_version.clone());
    column!(d, "scenario_hash", |r| r.scenario_hash.clone());
    let o = |r: &goodhart_lab::RunRow| r.outcome.clone();
    column!(d, "proxy_return", |r| o(r).map(|o| o.proxy_return));
    column!(d, "true_return", |r| o(r).map(|o| o.true_return));
    column!(d, "proxy_ci", |r| o(r).and_then(|o| o.proxy_ci));
    column!(d, "true_ci", |r| o(r).and_then(|o| o.true_ci));
    column!(d, "best_true_return", |r| o(r)
        .and_then(|o| o.best_true_return));
    column!(d, "random_true_return", |r| o(r)
        .and_then(|o| o.random_true_return));
    column!(d, "gap_pessimistic", |r| o(r)
        .and_then(|o| o.gap_pessimistic));
    column!(d, "gap_optimistic", |r| o(r).and_then(|o| o.gap_optimistic));
    column!(d, "normalized_gap_pessimistic", |r| o(r)
        .and_then(|o| o.normalized_gap_pessimistic));
    column!(d, "normalized_gap_optimistic", |r| o(r)
        .and_then(|o| o.normalized_gap_optimistic));
    column!(d, "safety_violations", |r| o(r)
        .and_then(|o| o.safety_violations));
    column!(d, "exact", |r| o(r).map(|o| o.exact));
    column!(d, "episodes", |r| o(r).and_then(|o| o.episodes));
    Ok(d)
}

/// The training curve of run `run_id` as columns `{"episode", "proxy_return", "true_return",
/// "length"}`.
#[pyfunction]
pub fn read_curve<'py>(
    py: Python<'py>,
    store_path: PathBuf,
    run_id: &str,
) -> PyResult<Bound<'py, PyDict>> {
    let store = open_existing(&store_path)?;
    let curve = store.curve(run_id).py()?;
    let d = PyDict::new(py);
    d.set_item(
        "episode",
        curve.iter().map(|c| c.episode).collect::<Vec<_>>(),
    )?;
    d.set_item(
        "proxy_return",
        curve.iter().map(|c| c.proxy_return).collect::<Vec<_>>(),
    )?;
    d.set_item(
        "true_return",
        curve.iter().map(|c| c.true_return).collect::<Vec<_>>(),
    )?;
    d.set_item("length", curve.iter().map(|c| c.length).collect::<Vec<_>>())?;
    Ok(d)
}

/// The experiments of the store: a list of dicts (name, description, seed, spec_file, created,
/// goodhart_version).
#[pyfunction]
pub fn read_experiments<'py>(py: Python<'py>, store_path: PathBuf) -> PyResult<Bound<'py, PyList>> {
    let store = open_existing(&store_path)?;
    let list = PyList::empty(py);
    for e in store.experiments().py()? {
        let d = PyDict::new(py);
        d.set_item("name", e.name)?;
        d.set_item("description", e.description)?;
        d.set_item("seed", e.seed)?;
        d.set_item("spec_file", e.spec_file)?;
        d.set_item("created", e.created)?;
        d.set_item("goodhart_version", e.goodhart_version)?;
        list.append(d)?;
    }
    Ok(list)
}
