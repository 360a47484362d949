//! goodhart-lab's integration tests, one binary (ripgrep's layout).
//!
//! * `spec`: expansion of specs into runs, stable run ids, and the errors of bad specs.
//! * `store`: corrupt, truncated, newer-schema and foreign stores are refused untouched; merge.
//! * `determinism`: one thread and two threads store identical outcome rows.
//! * `report`: the static site, checked for local-only links and rendered in headless Chromium.
//!
//! The SIGKILL-and-resume test spawns the `goodhart` binary and lives in goodhart-cli's tests.

mod determinism;
mod report;
mod spec;
mod store;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use goodhart_lab::{Experiment, ProgressMode, Registry, RunOptions, RunRow, Store, runner};

/// A fresh, empty directory under the system temp dir.
pub fn temp_dir(tag: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let dir = std::env::temp_dir().join(format!(
        "goodhart-lab-it-{tag}-{}-{}-{nanos}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A small sweep: boat race and one sokoban level, exact and short random rollouts, two seeds.
pub const SMALL: &str = r#"
name = "small"
seed = 11
scenarios = ["boat_race", "side_effects_sokoban:level0"]
seeds = 2
[[optimizers]]
name = "exact"
[[optimizers]]
name = "random"
episodes = 50
"#;

/// Parses a spec with the built-in registry.
pub fn parse(text: &str) -> goodhart_lab::Result<Experiment> {
    Experiment::parse("test.toml", text, &Registry::builtin())
}

/// Runs `spec` into a new store at `path` with `threads` threads.
pub fn run_into(spec: &str, path: &Path, threads: Option<usize>) -> Vec<RunRow> {
    let registry = Registry::builtin();
    let exp = Experiment::parse("test.toml", spec, &registry).unwrap();
    let mut store = Store::open(path).unwrap();
    let options = RunOptions {
        threads,
        progress: ProgressMode::Quiet,
        ..RunOptions::default()
    };
    let summary = runner::run(&exp, &mut store, &registry, &options).unwrap();
    assert_eq!(summary.failed, 0, "{summary:?}");
    store.runs(None).unwrap()
}

/// A run row without what legitimately differs between two executions (timings).
pub fn comparable(r: &RunRow) -> RunRow {
    RunRow {
        started: String::new(),
        finished: String::new(),
        seconds: 0.0,
        ..r.clone()
    }
}
