//! One gridworld episode at a time: the engine under `goodhart.envs.GoodhartEnv`.

use std::sync::Arc;

use goodhart_core::Env as _;
use goodhart_grid::{GridEnv, GridScenario, render};
use numpy::ndarray::{Array2, Array3};
use numpy::{IntoPyArray, PyArray2, PyArray3};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyString};

use crate::error::{CoreResultExt, Kind, error};
use crate::scenario::{load, weights};

/// Reads one action: a Python or numpy integer (or a 0-d integer array) in `0..n`.
/// Booleans, floats (NaN included), strings and arrays of other shapes are refused.
pub fn action_index(obj: &Bound<'_, PyAny>, n: usize) -> PyResult<usize> {
    let bad_type = || {
        let ty = obj
            .get_type()
            .name()
            .map(|s| s.to_string())
            .unwrap_or_else(|_| "?".into());
        let repr = obj
            .repr()
            .map(|s| s.to_string())
            .unwrap_or_else(|_| "?".into());
        error(
            Kind::InvalidAction,
            format!("invalid action {repr} of type {ty}: expected an integer in 0..{n}"),
        )
    };
    if obj.is_instance_of::<PyBool>() {
        return Err(bad_type());
    }
    match obj.extract::<i64>() {
        Ok(a) if a >= 0 && (a as u64) < n as u64 => Ok(a as usize),
        Ok(a) => Err(error(
            Kind::InvalidAction,
            format!("action {a} is out of range: expected an integer in 0..{n}"),
        )),
        Err(_) => Err(bad_type()),
    }
}

/// A gridworld scenario variant as a stepping engine: observations are `uint8` arrays of shape
/// `(rows, cols)`, new on every call.
#[pyclass(module = "goodhart._core", name = "Env")]
pub struct PyEnv {
    env: GridEnv,
    scenario: Arc<GridScenario>,
    names: Vec<Py<PyString>>,
    key_events: Py<PyString>,
    key_true: Py<PyString>,
    ever_reset: bool,
}

impl PyEnv {
    fn obs<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray2<u8>> {
        let (r, c) = self.env.observation_shape();
        let mut v = vec![0u8; r * c];
        self.env.observe(&mut v);
        Array2::from_shape_vec((r, c), v)
            .expect("observation length is rows * cols")
            .into_pyarray(py)
    }
}

#[pymethods]
impl PyEnv {
    /// Loads `scenario` (a built-in name or a path to a scenario file) at `variant` with
    /// parameter overrides `[(name, value), ...]`.
    #[new]
    #[pyo3(signature = (scenario, variant=None, overrides=Vec::new()))]
    fn new(
        py: Python<'_>,
        scenario: &str,
        variant: Option<&str>,
        overrides: Vec<(String, String)>,
    ) -> PyResult<Self> {
        let s = load(scenario, variant, &overrides)?;
        let names = s
            .events
            .iter()
            .map(|e| PyString::intern(py, &e.name).unbind())
            .collect();
        Ok(PyEnv {
            env: GridEnv::new(s.clone()),
            scenario: s,
            names,
            key_events: PyString::intern(py, "events").unbind(),
            key_true: PyString::intern(py, "true_reward").unbind(),
            ever_reset: false,
        })
    }

    /// Starts an episode; every random draw of it derives from `seed` (as `goodhart replay
    /// --seed`). Returns the first observation.
    fn reset<'py>(&mut self, py: Python<'py>, seed: u64) -> Bound<'py, PyArray2<u8>> {
        self.env.reset(seed);
        self.ever_reset = true;
        self.obs(py)
    }

    /// Applies `action`; returns `(obs, proxy_reward, terminated, truncated, info)` with
    /// `info = {"events": {name: value}, "true_reward": float}`.
    #[allow(clippy::type_complexity)]
    fn step<'py>(
        &mut self,
        py: Python<'py>,
        action: &Bound<'py, PyAny>,
    ) -> PyResult<(
        Bound<'py, PyArray2<u8>>,
        f64,
        bool,
        bool,
        Bound<'py, PyDict>,
    )> {
        if !self.ever_reset {
            return Err(error(
                Kind::ResetNeeded,
                "step called before reset: call reset() first",
            ));
        }
        let a = action_index(action, self.env.num_actions())?;
        if !self.env.is_running() {
            return Err(error(
                Kind::ResetNeeded,
                "step called after the episode ended (terminated or truncated): call reset() \
                 to start a new one",
            ));
        }
        let step = self.env.step(a).py()?;
        let events = PyDict::new(py);
        for (i, name) in self.names.iter().enumerate() {
            events.set_item(name.bind(py), step.events[i])?;
        }
        let info = PyDict::new(py);
        info.set_item(self.key_events.bind(py), events)?;
        info.set_item(
            self.key_true.bind(py),
            self.scenario.true_objective.evaluate(&step.events),
        )?;
        Ok((
            self.obs(py),
            step.proxy_reward,
            step.terminated,
            step.truncated,
            info,
        ))
    }

    /// The current observation (a new array).
    fn observe<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray2<u8>> {
        self.obs(py)
    }

    /// The board as an RGB image, `tile` pixels per cell: `(rows * tile, cols * tile, 3)`.
    #[pyo3(signature = (tile=render::DEFAULT_TILE))]
    fn render_rgb<'py>(&self, py: Python<'py>, tile: u32) -> PyResult<Bound<'py, PyArray3<u8>>> {
        rgb(py, &self.scenario, self.env.state(), tile)
    }

    /// The board as text, one line per row.
    fn render_ansi(&self) -> String {
        self.scenario.board_text(self.env.state()).join("\n")
    }

    /// Number of discrete actions.
    #[getter]
    fn num_actions(&self) -> usize {
        self.env.num_actions()
    }

    /// Observation shape `(rows, cols)`.
    #[getter]
    fn shape(&self) -> (usize, usize) {
        self.env.observation_shape()
    }

    /// Largest observation code.
    #[getter]
    fn obs_max(&self) -> u8 {
        self.env.observation_max()
    }

    /// Step limit of an episode.
    #[getter]
    fn max_steps(&self) -> u32 {
        self.scenario.max_steps
    }

    /// Steps taken in the current episode.
    #[getter]
    fn steps(&self) -> u32 {
        self.env.steps()
    }

    /// Whether an episode is running.
    #[getter]
    fn running(&self) -> bool {
        self.env.is_running()
    }

    /// Scenario name.
    #[getter]
    fn name(&self) -> &str {
        &self.scenario.name
    }

    /// Variant name.
    #[getter]
    fn variant(&self) -> &str {
        &self.scenario.variant
    }

    /// `name:variant`.
    #[getter]
    fn id(&self) -> String {
        self.scenario.id()
    }

    /// Event names in index order.
    #[getter]
    fn event_names(&self) -> Vec<String> {
        self.scenario.events.names()
    }

    /// Action names in index order.
    #[getter]
    fn action_names(&self) -> Vec<String> {
        self.scenario.action_names.clone()
    }

    /// The proxy objective's non-zero weights.
    #[getter]
    fn proxy<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        weights(py, &self.scenario, &self.scenario.proxy)
    }

    /// The true objective's non-zero weights (for evaluators).
    #[getter]
    fn true_objective<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        weights(py, &self.scenario, &self.scenario.true_objective)
    }

    /// The overrides the scenario was loaded with.
    #[getter]
    fn overrides(&self) -> Vec<(String, String)> {
        self.scenario.overrides.clone()
    }
}

/// `state` of `scenario` as an `(H, W, 3)` array.
pub fn rgb<'py>(
    py: Python<'py>,
    scenario: &GridScenario,
    state: &goodhart_grid::GridState,
    tile: u32,
) -> PyResult<Bound<'py, PyArray3<u8>>> {
    if !(4..=256).contains(&tile) {
        return Err(error(
            Kind::InvalidValue,
            format!("invalid tile size {tile}: expected 4..=256 pixels"),
        ));
    }
    let frame = render::board(scenario, state, tile);
    let (h, w, _) = frame.shape();
    Ok(Array3::from_shape_vec((h, w, 3), frame.pixels)
        .expect("frame is height * width * 3 bytes")
        .into_pyarray(py))
}

/// `goodhart_core::seed::derive(seed, parts)`: the seed of stream `parts` under `seed` (the
/// vector env seeds copy `i`'s `k`-th episode with `derive_seed(seed, [i, k])`).
#[pyfunction]
pub fn derive_seed(seed: u64, parts: Vec<u64>) -> u64 {
    goodhart_core::seed::derive(seed, &parts)
}
