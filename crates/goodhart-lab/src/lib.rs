/*!
goodhart's lab: experiment sweeps, the parallel runner, the results store and static reports.

A researcher's day is sweeps: scenarios × optimizers × mitigations × seeds, run in parallel,
kept, compared and looked at. `goodhart bench` is this crate's main job: every built-in scenario
× every available optimizer, into `goodhart.db`, then `report/index.html`.

# Brief overview
* [`Experiment`]: a TOML spec expanded into [`RunSpec`]s, each with a stable run id (a hash of
  its canonical parameters). [`bench::spec`] is the built-in benchmark spec.
* [`Optimizer`] and [`Registry`]: optimizers by name (`exact`, `random`, the learners), each
  producing a [`RunResult`]: the [`Outcome`] (proxy return, true return, gap), a training curve,
  artefacts.
* [`runner::run`]: runs the pending runs on rayon's threads, bit-identical for any thread
  count, with a progress bar or log lines; [`Shard`] splits a sweep across machines.
* [`Store`]: the SQLite results store (WAL, one transaction per run, schema migrations).
* [`export::export`]: CSV or Parquet with one row per run outcome; [`report::write`]: the static HTML site.

# Example
```
use goodhart_lab::{Experiment, Registry, RunOptions, Store, ProgressMode, runner};

let spec = r#"
name = "doc"
scenarios = ["boat_race"]
seeds = 2
[[optimizers]]
name = "random"
episodes = 20
"#;
let registry = Registry::builtin();
let experiment = Experiment::parse("doc.toml", spec, &registry)?;
assert_eq!(experiment.runs.len(), 2);
let dir = std::env::temp_dir().join(format!("goodhart-lab-doc-{}", std::process::id()));
std::fs::create_dir_all(&dir)?;
let mut store = Store::open(&dir.join("doc.db"))?;
let options = RunOptions { progress: ProgressMode::Quiet, ..RunOptions::default() };
let summary = runner::run(&experiment, &mut store, &registry, &options)?;
assert_eq!(summary.finished, 2);
// A re-run skips what is done.
assert_eq!(runner::run(&experiment, &mut store, &registry, &options)?.skipped, 2);
# drop(store);
# std::fs::remove_dir_all(&dir)?;
# Ok::<(), Box<dyn std::error::Error>>(())
```
*/
#![deny(missing_docs)]

pub mod bench;
mod canonical;
mod error;
pub mod export;
mod glob;
pub mod grid_model;
pub mod optimizer;
mod progress;
pub mod reference;
pub mod report;
pub mod runner;
pub mod spec;
pub mod store;
mod time;

pub use crate::error::{Error, Result};
pub use crate::grid_model::GridModel;
pub use crate::optimizer::{
    Artefact, CurvePoint, Episode, Optimizer, Outcome, ParamInfo, Params, Record, Registry,
    RunContext, RunResult, register_builtin,
};
pub use crate::progress::ProgressMode;
pub use crate::runner::{RunOptions, Shard, Summary};
pub use crate::spec::{Experiment, RunSpec};
pub use crate::store::{DEFAULT_STORE, RunFailure, RunRow, Store};
