/*!
goodhart's Python bindings: every `#[pyclass]` and `#[pyfunction]` of the extension module
`goodhart._core`, which the one-line cdylib in `python/` builds with maturin.

The Python package `goodhart` (in `python/goodhart/`) wraps these in Gymnasium environments and
typed helpers; `python/goodhart/_core.pyi` is the typed surface of this crate.

# Brief overview
* [`env::PyEnv`] (`_core.Env`): one scenario variant stepped through `goodhart_grid::GridEnv`;
  `reset(seed)` seeds exactly as `goodhart replay --seed` does.
* [`vec_env::PyVecEnv`] (`_core.VecEnv`): N copies stepped by `goodhart_agents::VecEnv` with
  Gymnasium's `NEXT_STEP` autoreset, results as numpy arrays: copies made off the GIL, or
  read-only zero-copy views of the Rust buffers (see the module docs for what is copied and
  why the views are sound).
* [`analysis`]: `compile_table`, `gap_json`, `solve`, `replay` over `goodhart-mdp`.
* [`lab`]: `sweep_plan`, `execute_run`, `merge_stores`, `run_experiment`, `read_runs`,
  `read_curve`, `read_experiments` over `goodhart-lab` (what `goodhart.ray` runs on).
* [`error`]: every Rust error becomes a class of `goodhart.exceptions`.

Nothing here is tested by `cargo test`: the pytest suite in `python/tests` (run by
`scripts/test-python`) is this crate's test suite.
*/
#![deny(missing_docs)]

pub mod analysis;
pub mod env;
pub mod error;
pub mod lab;
pub mod scenario;
pub mod vec_env;

use pyo3::prelude::*;

/// Adds every class and function of the bindings to module `m` (`goodhart._core`).
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("DEFAULT_TILE", goodhart_grid::render::DEFAULT_TILE)?;
    m.add("DEFAULT_STORE", goodhart_lab::DEFAULT_STORE)?;
    m.add(
        "BUILD_PROFILE",
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        },
    )?;
    m.add("ZERO_COPY", vec_env::zero_copy_supported(m.py())?)?;
    m.add_class::<env::PyEnv>()?;
    m.add_class::<vec_env::PyVecEnv>()?;
    m.add_function(wrap_pyfunction!(env::derive_seed, m)?)?;
    m.add_function(wrap_pyfunction!(scenario::scenario_names, m)?)?;
    m.add_function(wrap_pyfunction!(scenario::scenario_ids, m)?)?;
    m.add_function(wrap_pyfunction!(scenario::scenario_info, m)?)?;
    m.add_function(wrap_pyfunction!(analysis::compile_table, m)?)?;
    m.add_function(wrap_pyfunction!(analysis::gap_json, m)?)?;
    m.add_function(wrap_pyfunction!(analysis::solve, m)?)?;
    m.add_function(wrap_pyfunction!(analysis::replay, m)?)?;
    m.add_function(wrap_pyfunction!(lab::sweep_plan, m)?)?;
    m.add_function(wrap_pyfunction!(lab::execute_run, m)?)?;
    m.add_function(wrap_pyfunction!(lab::merge_stores, m)?)?;
    m.add_function(wrap_pyfunction!(lab::run_experiment, m)?)?;
    m.add_function(wrap_pyfunction!(lab::read_runs, m)?)?;
    m.add_function(wrap_pyfunction!(lab::read_curve, m)?)?;
    m.add_function(wrap_pyfunction!(lab::read_experiments, m)?)?;
    Ok(())
}
