//! N copies of a scenario stepped at once by `goodhart_agents::VecEnv`: the engine under
//! `goodhart.envs.GoodhartVectorEnv`.
//!
//! # What is copied
//! The batched stepper owns structure-of-arrays buffers it overwrites on every step. Python gets
//! its results in one of three ways:
//! * `VecEnv.step` copies them into fresh Rust vectors whose ownership then *moves* into numpy
//!   (no second copy: the arrays' `base` is the Rust allocation), off the GIL;
//! * `VecEnv.step_into` copies them straight into caller-owned numpy arrays, allocating
//!   nothing, off the GIL;
//! * `VecEnv.views` returns read-only numpy arrays that *are* the buffers (no copy at all);
//!   `VecEnv.step_in_place` and `VecEnv.reset_in_place` then update them in place. This is
//!   Gymnasium's `copy=False`: the same arrays every step, overwritten by the next one.
//!
//! Actions are read from the caller's `int64` array without a copy.
//!
//! # Zero-copy views: why they are sound
//! * **Lifetime**: each view's numpy `base` is the `VecEnv` object, so the object (and the
//!   Rust buffers it owns) outlives every view and every array derived from one. The buffers
//!   are allocated once by `goodhart_agents::VecEnv::new` and never reallocated or resized (its
//!   documented contract), and `PyVecEnv` never replaces its stepper, so the views' pointers
//!   stay valid and in bounds.
//! * **Read-only**: the views are created without numpy's `WRITEABLE` flag, and numpy refuses
//!   to set it again (the arrays do not own their data and their base is neither an array nor a
//!   writable buffer). Rust is the only writer, so Python can neither race Rust's writes nor
//!   store a byte that is not a valid `bool` in the flag buffers.
//! * **No read during a write**: Rust writes the buffers only in `reset`, `reset_in_place`,
//!   `step`, `step_in_place` and `step_into`. Once `views` has been called, these keep the GIL
//!   for the whole write (stepping still uses rayon's threads, which never run Python), so no
//!   Python thread can read a view while Rust writes it. A free-threaded Python build has no
//!   GIL to rely on, so there `views` refuses (`ZERO_COPY` is false) and `GoodhartVectorEnv`
//!   falls back to `step_into`.

use std::sync::Arc;

use goodhart_agents::{Batched, VecEnv, VecEnvOptions};
use goodhart_core::MAX_EVENTS;
use goodhart_grid::{GridEnv, GridScenario, render};
use numpy::ndarray::{
    Array2, Array3, ArrayView, ArrayView1, ArrayView2, ArrayView3, Dimension, ShapeBuilder,
};
use numpy::{
    Element, IntoPyArray, PyArray, PyArray1, PyArray2, PyArray3, PyArrayMethods, PyReadonlyArray1,
    PyReadwriteArray1, PyReadwriteArray2, PyReadwriteArray3,
};
use pyo3::prelude::*;

use crate::error::{CoreResultExt, Kind, error};
use crate::scenario::load;

/// A gridworld scenario variant as `num_envs` copies stepped together, with Gymnasium's
/// `NEXT_STEP` autoreset (see `goodhart_agents::VecEnv`).
#[pyclass(module = "goodhart._core", name = "VecEnv")]
pub struct PyVecEnv {
    /// The stepper. numpy may view its buffers (see `views`): never replace it, and once
    /// `viewed`, write its buffers only with the GIL held (`write_buffers`).
    inner: VecEnv<GridEnv>,
    scenario: Arc<GridScenario>,
    actions: Vec<u32>,
    started: bool,
    /// `views` has handed out numpy arrays over `inner`'s buffers: from then on every write to
    /// them keeps the GIL.
    viewed: bool,
}

/// One step's results in fresh vectors.
struct Out {
    obs: Vec<u8>,
    rewards: Vec<f64>,
    terminated: Vec<bool>,
    truncated: Vec<bool>,
    true_rewards: Vec<f64>,
    events: Vec<f64>,
    autoreset: Vec<bool>,
}

type StepTuple<'py> = (
    Bound<'py, PyArray3<u8>>,
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray1<bool>>,
    Bound<'py, PyArray1<bool>>,
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray2<f64>>,
    Bound<'py, PyArray1<bool>>,
);

impl PyVecEnv {
    fn num_events(&self) -> usize {
        self.scenario.events.len()
    }

    fn check_actions(&mut self, actions: &PyReadonlyArray1<'_, i64>) -> PyResult<()> {
        let n = self.inner.len();
        let view = actions.as_array();
        if view.len() != n {
            return Err(error(
                Kind::InvalidAction,
                format!(
                    "expected one action per copy: an array of shape ({n},), got shape ({},)",
                    view.len()
                ),
            ));
        }
        let na = self.inner.num_actions() as i64;
        self.actions.clear();
        for (i, &a) in view.iter().enumerate() {
            if !(0..na).contains(&a) {
                return Err(error(
                    Kind::InvalidAction,
                    format!(
                        "action {a} of copy {i} is out of range: expected an integer in 0..{na}"
                    ),
                ));
            }
            self.actions.push(a as u32);
        }
        if !self.started {
            return Err(error(
                Kind::ResetNeeded,
                "step called before reset: call reset() first",
            ));
        }
        Ok(())
    }

    /// Runs `f`, which writes `inner`'s buffers: with the GIL released while no numpy view of
    /// the buffers exists, with the GIL held once one may (so no Python thread reads a view
    /// during the write).
    fn write_buffers<T, F>(&mut self, py: Python<'_>, f: F) -> T
    where
        F: Send + FnOnce(&mut Self) -> T,
        T: Send,
    {
        if self.viewed {
            f(self)
        } else {
            py.detach(move || f(self))
        }
    }

    /// Read-only numpy arrays over `owner`'s buffers, each with `owner` as its base: `(obs,
    /// rewards, terminated, truncated, true_rewards, events, autoreset)`, shaped as `step`'s
    /// results (`events` is a strided view of the first `num_events` of `MAX_EVENTS` columns).
    /// The caller must have set `viewed` (and refused free-threaded builds) first.
    #[allow(unsafe_code)]
    fn borrow_buffers<'py>(owner: &Bound<'py, Self>) -> StepTuple<'py> {
        /// `view` of `owner`'s memory as a numpy array whose base is `owner`, made read-only
        /// before anything else can see it.
        fn read_only<'py, T: Element, D: Dimension>(
            view: ArrayView<'_, T, D>,
            owner: &Bound<'py, PyVecEnv>,
        ) -> Bound<'py, PyArray<T, D>> {
            // SAFETY: `view` points into one of `owner.inner`'s buffers, and `owner` becomes
            // the array's base (a strong reference), so the memory lives as long as the array;
            // the buffers are never reallocated (`goodhart_agents::VecEnv`'s contract; `inner`
            // is never replaced). The array is made read-only on the next line, before Python
            // can reach it, and numpy cannot make it writable again (no OWNDATA, base not an
            // array or writable buffer), so Python never writes Rust's memory. Rust writes it
            // only through `write_buffers`, which keeps the GIL once `viewed` is set (the
            // caller sets it first; free-threaded builds are refused), so no Python thread
            // reads while Rust writes. See the module documentation.
            let array = unsafe { PyArray::borrow_from_array(&view, owner.clone().into_any()) };
            array.readwrite().make_nonwriteable();
            array
        }
        let this = owner.borrow();
        let v = &this.inner;
        let (n, (r, c), e) = (v.len(), this.scenario_shape(), this.num_events());
        let obs = ArrayView3::from_shape((n, r, c), v.observations())
            .expect("observation buffer is n * rows * cols");
        let events = ArrayView2::from_shape((n, e).strides((MAX_EVENTS, 1)), v.events())
            .expect("events buffer is n * MAX_EVENTS (record_events is on)");
        (
            read_only(obs, owner),
            read_only(ArrayView1::from(v.rewards()), owner),
            read_only(ArrayView1::from(v.terminated()), owner),
            read_only(ArrayView1::from(v.truncated()), owner),
            read_only(ArrayView1::from(v.true_rewards()), owner),
            read_only(events, owner),
            read_only(ArrayView1::from(v.autoreset()), owner),
        )
    }

    fn copy_events(&self, out: &mut [f64]) {
        let e = self.num_events();
        for (dst, src) in out
            .chunks_exact_mut(e.max(1))
            .zip(self.inner.events().chunks_exact(MAX_EVENTS))
        {
            dst.copy_from_slice(&src[..e]);
        }
    }
}

#[pymethods]
impl PyVecEnv {
    /// `num_envs` copies of `scenario` at `variant` with overrides `[(name, value), ...]`.
    /// `parallel` steps chunks of `chunk` copies on rayon's threads (bit-identical results).
    #[new]
    #[pyo3(signature = (scenario, num_envs, variant=None, overrides=Vec::new(), parallel=true, chunk=256))]
    fn new(
        scenario: &str,
        num_envs: usize,
        variant: Option<&str>,
        overrides: Vec<(String, String)>,
        parallel: bool,
        chunk: usize,
    ) -> PyResult<Self> {
        if num_envs == 0 {
            return Err(error(
                Kind::InvalidValue,
                "invalid num_envs 0: expected at least 1 copy",
            ));
        }
        let s = load(scenario, variant, &overrides)?;
        let env = GridEnv::new(s.clone());
        let options = VecEnvOptions {
            parallel,
            chunk: chunk.max(1),
            record_events: true,
        };
        Ok(PyVecEnv {
            inner: VecEnv::new(&env, num_envs, options),
            scenario: s,
            actions: Vec::with_capacity(num_envs),
            started: false,
            viewed: false,
        })
    }

    /// Resets every copy: copy `i`'s `k`-th episode (from 0) is seeded with
    /// `seed::derive(seed, [i, k])`. Returns the observations `(num_envs, rows, cols)` (a
    /// copy).
    fn reset<'py>(&mut self, py: Python<'py>, seed: u64) -> Bound<'py, PyArray3<u8>> {
        let obs = self.write_buffers(py, |this| {
            this.inner.reset(seed);
            this.inner.observations().to_vec()
        });
        self.started = true;
        let (r, c) = self.scenario_shape();
        Array3::from_shape_vec((self.inner.len(), r, c), obs)
            .expect("observation buffer is n * rows * cols")
            .into_pyarray(py)
    }

    /// Like `reset`, but returns nothing: the observations are in the arrays of `views`.
    fn reset_in_place(&mut self, py: Python<'_>, seed: u64) {
        self.write_buffers(py, |this| this.inner.reset(seed));
        self.started = true;
    }

    /// Steps every copy with `actions` (`int64`, shape `(num_envs,)`), releasing the GIL
    /// (unless `views` was called). Returns new arrays `(obs, rewards, terminated, truncated,
    /// true_rewards, events, autoreset)`; `events` is `(num_envs, num_events)`.
    fn step<'py>(
        &mut self,
        py: Python<'py>,
        actions: PyReadonlyArray1<'py, i64>,
    ) -> PyResult<StepTuple<'py>> {
        self.check_actions(&actions)?;
        let n = self.inner.len();
        let e = self.num_events();
        let out = self.write_buffers(py, |this| -> goodhart_core::Result<Out> {
            this.inner.step(&this.actions)?;
            let mut events = vec![0.0; n * e];
            this.copy_events(&mut events);
            Ok(Out {
                obs: this.inner.observations().to_vec(),
                rewards: this.inner.rewards().to_vec(),
                terminated: this.inner.terminated().to_vec(),
                truncated: this.inner.truncated().to_vec(),
                true_rewards: this.inner.true_rewards().to_vec(),
                events,
                autoreset: this.inner.autoreset().to_vec(),
            })
        });
        let out = out.py()?;
        let (r, c) = self.scenario_shape();
        Ok((
            Array3::from_shape_vec((n, r, c), out.obs)
                .expect("observation buffer is n * rows * cols")
                .into_pyarray(py),
            PyArray1::from_vec(py, out.rewards),
            PyArray1::from_vec(py, out.terminated),
            PyArray1::from_vec(py, out.truncated),
            PyArray1::from_vec(py, out.true_rewards),
            Array2::from_shape_vec((n, e), out.events)
                .expect("events buffer is n * num_events")
                .into_pyarray(py),
            PyArray1::from_vec(py, out.autoreset),
        ))
    }

    /// Like `step`, but writes into caller-owned C-contiguous arrays of the
    /// shapes `step` returns (no allocation; the next call overwrites them).
    #[allow(clippy::too_many_arguments)]
    fn step_into(
        &mut self,
        py: Python<'_>,
        actions: PyReadonlyArray1<'_, i64>,
        mut obs: PyReadwriteArray3<'_, u8>,
        mut rewards: PyReadwriteArray1<'_, f64>,
        mut terminated: PyReadwriteArray1<'_, bool>,
        mut truncated: PyReadwriteArray1<'_, bool>,
        mut true_rewards: PyReadwriteArray1<'_, f64>,
        mut events: PyReadwriteArray2<'_, f64>,
        mut autoreset: PyReadwriteArray1<'_, bool>,
    ) -> PyResult<()> {
        self.check_actions(&actions)?;
        let n = self.inner.len();
        let e = self.num_events();
        let bad = |what: &str| {
            error(
                Kind::InvalidValue,
                format!("step_into: `{what}` must be a C-contiguous array of the right shape"),
            )
        };
        let obs_len = self.inner.observation_len();
        let obs = obs.as_slice_mut().map_err(|_| bad("obs"))?;
        let rewards = rewards.as_slice_mut().map_err(|_| bad("rewards"))?;
        let terminated = terminated.as_slice_mut().map_err(|_| bad("terminated"))?;
        let truncated = truncated.as_slice_mut().map_err(|_| bad("truncated"))?;
        let true_rewards = true_rewards
            .as_slice_mut()
            .map_err(|_| bad("true_rewards"))?;
        let events = events.as_slice_mut().map_err(|_| bad("events"))?;
        let autoreset = autoreset.as_slice_mut().map_err(|_| bad("autoreset"))?;
        if obs.len() != n * obs_len
            || rewards.len() != n
            || terminated.len() != n
            || truncated.len() != n
            || true_rewards.len() != n
            || events.len() != n * e
            || autoreset.len() != n
        {
            return Err(bad("every output"));
        }
        self.write_buffers(py, |this| -> goodhart_core::Result<()> {
            this.inner.step(&this.actions)?;
            obs.copy_from_slice(this.inner.observations());
            rewards.copy_from_slice(this.inner.rewards());
            terminated.copy_from_slice(this.inner.terminated());
            truncated.copy_from_slice(this.inner.truncated());
            true_rewards.copy_from_slice(this.inner.true_rewards());
            this.copy_events(events);
            autoreset.copy_from_slice(this.inner.autoreset());
            Ok(())
        })
        .py()
    }

    /// Steps every copy with `actions` and returns nothing: the results are in the arrays of
    /// `views`, updated in place (with the GIL held once `views` was called: see the module
    /// docs).
    fn step_in_place(
        &mut self,
        py: Python<'_>,
        actions: PyReadonlyArray1<'_, i64>,
    ) -> PyResult<()> {
        self.check_actions(&actions)?;
        self.write_buffers(py, |this| this.inner.step(&this.actions))
            .py()
    }

    /// Read-only numpy arrays that view the Rust buffers without a copy: `(obs, rewards,
    /// terminated, truncated, true_rewards, events, autoreset)`, shaped as `step` returns them
    /// (`events` is strided). `reset`, `reset_in_place`, `step`, `step_in_place` and
    /// `step_into` update them in place, and from this call on keep the GIL while they do. Each
    /// array's base is this object, which it keeps alive. Refused on free-threaded builds
    /// (`ZERO_COPY` is false).
    fn views(slf: Bound<'_, Self>) -> PyResult<StepTuple<'_>> {
        if !zero_copy_supported(slf.py())? {
            return Err(error(
                Kind::State,
                "zero-copy views need the GIL: this is a free-threaded Python build \
                 (goodhart._core.ZERO_COPY is false)",
            ));
        }
        slf.try_borrow_mut()?.viewed = true;
        Ok(Self::borrow_buffers(&slf))
    }

    /// Copy `index`'s board as an RGB image `(rows * tile, cols * tile, 3)`.
    #[pyo3(signature = (index, tile=render::DEFAULT_TILE))]
    fn render_rgb<'py>(
        &self,
        py: Python<'py>,
        index: usize,
        tile: u32,
    ) -> PyResult<Bound<'py, PyArray3<u8>>> {
        let env = self.copy(index)?;
        crate::env::rgb(py, &self.scenario, env.state(), tile)
    }

    /// Copy `index`'s board as text.
    fn render_ansi(&self, index: usize) -> PyResult<String> {
        let env = self.copy(index)?;
        Ok(self.scenario.board_text(env.state()).join("\n"))
    }

    /// Number of copies.
    #[getter]
    fn num_envs(&self) -> usize {
        self.inner.len()
    }

    /// Number of discrete actions per copy.
    #[getter]
    fn num_actions(&self) -> usize {
        self.inner.num_actions()
    }

    /// Observation shape of one copy `(rows, cols)`.
    #[getter]
    fn shape(&self) -> (usize, usize) {
        self.scenario_shape()
    }

    /// Largest observation code.
    #[getter]
    fn obs_max(&self) -> u8 {
        self.scenario.obs_max
    }

    /// Step limit of an episode.
    #[getter]
    fn max_steps(&self) -> u32 {
        self.scenario.max_steps
    }

    /// Event names in index order (the columns of `events`).
    #[getter]
    fn event_names(&self) -> Vec<String> {
        self.scenario.events.names()
    }

    /// `name:variant`.
    #[getter]
    fn id(&self) -> String {
        self.scenario.id()
    }
}

impl PyVecEnv {
    fn scenario_shape(&self) -> (usize, usize) {
        (self.scenario.world.rows, self.scenario.world.cols)
    }

    fn copy(&self, index: usize) -> PyResult<&GridEnv> {
        self.inner.envs().get(index).ok_or_else(|| {
            error(
                Kind::InvalidValue,
                format!(
                    "invalid copy index {index}: expected 0..{}",
                    self.inner.len()
                ),
            )
        })
    }
}

/// Whether `VecEnv.views` may be used: the interpreter is not a free-threaded build (whose
/// threads run Python without the GIL that orders view reads after Rust's writes).
pub fn zero_copy_supported(py: Python<'_>) -> PyResult<bool> {
    let gil_disabled = py
        .import("sysconfig")?
        .call_method1("get_config_var", ("Py_GIL_DISABLED",))?
        .is_truthy()?;
    Ok(!gil_disabled)
}
