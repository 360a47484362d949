//! Exact analysis from Python: the compiled table as numpy arrays, the gap, the solvers, and a
//! replay of an action list (the code path of `goodhart replay`).

use std::collections::BTreeMap;
use std::sync::Arc;

use goodhart_core::{Action, Objective};
use goodhart_grid::{GridScenario, GridState};
use goodhart_mdp::{
    CompileOptions, CompiledMdp, DiscountedOptions, GapOptions, backward_induction, compile,
    policy_iteration, value_iteration,
};
use numpy::ndarray::{Array2, Array3};
use numpy::{IntoPyArray, PyArray1};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::error::{CoreResultExt, Kind, error};
use crate::scenario::load;

fn options(max_states: usize, max_transitions: usize) -> CompileOptions {
    CompileOptions {
        max_states,
        max_transitions,
        ..CompileOptions::default()
    }
}

fn compiled(
    py: Python<'_>,
    s: &Arc<GridScenario>,
    opts: CompileOptions,
) -> PyResult<CompiledMdp<GridState>> {
    py.detach(|| compile(&**s, &opts)).py()
}

/// Compiles a scenario variant exactly and returns the table as a dict of numpy arrays (the
/// Python side builds the `scipy.sparse` matrices; see `goodhart.compile`).
#[pyfunction]
#[pyo3(signature = (scenario, variant=None, overrides=Vec::new(), max_states=5_000_000, max_transitions=50_000_000))]
pub fn compile_table<'py>(
    py: Python<'py>,
    scenario: &str,
    variant: Option<&str>,
    overrides: Vec<(String, String)>,
    max_states: usize,
    max_transitions: usize,
) -> PyResult<Bound<'py, PyDict>> {
    let s = load(scenario, variant, &overrides)?;
    let c = compiled(py, &s, options(max_states, max_transitions))?;
    let mdp = &c.mdp;
    let (ns, na) = (mdp.num_states(), mdp.num_actions());
    let ne = mdp.events().len();
    let (rows, cols) = (s.world.rows, s.world.cols);

    // The sparse table, row `s * num_actions + a` in CSR form, built off the GIL.
    struct Table {
        offsets: Vec<i64>,
        next: Vec<i64>,
        prob: Vec<f64>,
        label: Vec<i64>,
        terminal: Vec<bool>,
        event_table: Vec<f64>,
        obs: Vec<u8>,
        init_state: Vec<i64>,
        init_prob: Vec<f64>,
    }
    let table = py.detach(|| {
        let t = mdp.num_transitions();
        let mut tb = Table {
            offsets: Vec::with_capacity(ns * na + 1),
            next: Vec::with_capacity(t),
            prob: Vec::with_capacity(t),
            label: Vec::with_capacity(t),
            terminal: Vec::with_capacity(t),
            event_table: Vec::with_capacity(mdp.event_table().len() * ne),
            obs: vec![0u8; ns * rows * cols],
            init_state: mdp.initial().iter().map(|(i, _)| i64::from(*i)).collect(),
            init_prob: mdp.initial().iter().map(|(_, p)| *p).collect(),
        };
        tb.offsets.push(0);
        for st in 0..ns {
            for a in 0..na {
                for tr in mdp.transitions(st, a) {
                    tb.next.push(i64::from(tr.next));
                    tb.prob.push(tr.prob);
                    tb.label.push(i64::from(tr.label));
                    tb.terminal.push(tr.terminal);
                }
                tb.offsets.push(tb.next.len() as i64);
            }
        }
        for ev in mdp.event_table() {
            tb.event_table.extend_from_slice(&ev.0[..ne]);
        }
        for (state, out) in c.states.iter().zip(tb.obs.chunks_exact_mut(rows * cols)) {
            s.render_chars(state, out);
            for x in out.iter_mut() {
                *x = s.obs_code[*x as usize];
            }
        }
        tb
    });

    let d = PyDict::new(py);
    d.set_item("scenario", &s.name)?;
    d.set_item("variant", &s.variant)?;
    d.set_item("num_states", ns)?;
    d.set_item("num_actions", na)?;
    d.set_item("horizon", mdp.horizon())?;
    d.set_item("events", mdp.events().names())?;
    d.set_item("action_names", s.action_names.clone())?;
    d.set_item("offsets", PyArray1::from_vec(py, table.offsets))?;
    d.set_item("next", PyArray1::from_vec(py, table.next))?;
    d.set_item("prob", PyArray1::from_vec(py, table.prob))?;
    d.set_item("label", PyArray1::from_vec(py, table.label))?;
    d.set_item("terminal", PyArray1::from_vec(py, table.terminal))?;
    d.set_item(
        "event_table",
        Array2::from_shape_vec((mdp.event_table().len(), ne), table.event_table)
            .expect("labels * events")
            .into_pyarray(py),
    )?;
    d.set_item(
        "observations",
        Array3::from_shape_vec((ns, rows, cols), table.obs)
            .expect("states * rows * cols")
            .into_pyarray(py),
    )?;
    d.set_item("initial_states", PyArray1::from_vec(py, table.init_state))?;
    d.set_item("initial_probs", PyArray1::from_vec(py, table.init_prob))?;
    d.set_item(
        "proxy_weights",
        PyArray1::from_vec(py, mdp.proxy().weights()[..ne].to_vec()),
    )?;
    d.set_item(
        "true_weights",
        PyArray1::from_vec(py, mdp.true_objective().weights()[..ne].to_vec()),
    )?;
    Ok(d)
}

/// The gap report of a scenario variant as JSON (the object `goodhart gap --json` prints).
#[pyfunction]
#[pyo3(signature = (scenario, variant=None, overrides=Vec::new(), max_states=5_000_000, max_transitions=50_000_000, paths=true))]
pub fn gap_json(
    py: Python<'_>,
    scenario: &str,
    variant: Option<&str>,
    overrides: Vec<(String, String)>,
    max_states: usize,
    max_transitions: usize,
    paths: bool,
) -> PyResult<String> {
    let s = load(scenario, variant, &overrides)?;
    let c = compiled(py, &s, options(max_states, max_transitions))?;
    let report = py
        .detach(|| {
            goodhart_mdp::gap(
                &c.mdp,
                &GapOptions {
                    paths,
                    ..GapOptions::default()
                },
            )
        })
        .py()?;
    let set: BTreeMap<String, String> = s.overrides.iter().cloned().collect();
    let mut v = serde_json::to_value(&report)
        .map_err(|e| error(Kind::State, format!("serializing the gap report: {e}")))?;
    if let serde_json::Value::Object(m) = &mut v {
        m.insert("scenario".into(), s.name.clone().into());
        m.insert("variant".into(), s.variant.clone().into());
        m.insert(
            "set".into(),
            serde_json::to_value(set).unwrap_or(serde_json::Value::Null),
        );
        for (key, path) in [
            ("worst_proxy_path", &report.worst_proxy_path),
            ("true_optimal_path", &report.true_optimal_path),
        ] {
            if let Some(p) = path {
                m.insert(key.into(), path_json(&s, p));
            }
        }
    }
    Ok(v.to_string())
}

/// A most likely path as JSON: compiled state indices, action names, rewards.
fn path_json(s: &GridScenario, p: &goodhart_mdp::Path) -> serde_json::Value {
    let actions: Vec<&str> = p
        .actions
        .iter()
        .map(|&a| {
            s.action_names
                .get(usize::from(a))
                .map(String::as_str)
                .unwrap_or("?")
        })
        .collect();
    serde_json::json!({
        "states": p.states,
        "actions": actions,
        "proxy_rewards": p.proxy_rewards,
        "true_rewards": p.true_rewards,
        "proxy_return": p.proxy_return(),
        "true_return": p.true_rewards.iter().sum::<f64>(),
        "probability": p.probability,
        "terminated": p.terminated,
    })
}

/// Solves a scenario variant exactly for one objective.
///
/// `objective` is `"proxy"`, `"true"` or a dict `{event: weight}`; `method` is `"backward"`
/// (finite horizon, exact), `"value_iteration"` or `"policy_iteration"` (discounted).
#[pyfunction]
#[pyo3(signature = (scenario, variant=None, overrides=Vec::new(), objective=None, method="backward", discount=None, epsilon=1e-6, max_iterations=100_000, max_states=5_000_000, max_transitions=50_000_000))]
#[allow(clippy::too_many_arguments)]
pub fn solve<'py>(
    py: Python<'py>,
    scenario: &str,
    variant: Option<&str>,
    overrides: Vec<(String, String)>,
    objective: Option<&Bound<'py, PyAny>>,
    method: &str,
    discount: Option<f64>,
    epsilon: f64,
    max_iterations: usize,
    max_states: usize,
    max_transitions: usize,
) -> PyResult<Bound<'py, PyDict>> {
    let s = load(scenario, variant, &overrides)?;
    let (objective_name, obj) = parse_objective(&s, objective)?;
    let methods = ["backward", "value_iteration", "policy_iteration"];
    let method = method.replace('-', "_");
    if !methods.contains(&method.as_str()) {
        return Err(error(
            Kind::Unknown,
            format!("unknown method `{method}`; known: {}", methods.join(", ")),
        ));
    }
    let discount = discount.unwrap_or(if method == "backward" { 1.0 } else { 0.99 });
    let c = compiled(py, &s, options(max_states, max_transitions))?;
    let mdp = &c.mdp;
    let ns = mdp.num_states();
    let (start_value, values, policy, iterations, residual) = py
        .detach(|| -> goodhart_core::Result<_> {
            let rewards = mdp.rewards(&obj);
            let opts = DiscountedOptions {
                discount,
                epsilon,
                max_iterations,
                relative: false,
            };
            Ok(match method.as_str() {
                "backward" => {
                    let h = mdp.horizon();
                    let sol = backward_induction(mdp, &rewards, h, discount, true)?;
                    let actions = sol.policy.map(|p| p.actions().to_vec()).unwrap_or_default();
                    (sol.start_value, sol.values, actions, h as usize, 0.0)
                }
                "value_iteration" => {
                    let sol = value_iteration(mdp, &rewards, &opts)?;
                    let a = sol.policy.actions().to_vec();
                    (sol.start_value, sol.values, a, sol.iterations, sol.residual)
                }
                _ => {
                    let sol = policy_iteration(mdp, &rewards, &opts)?;
                    let a = sol.policy.actions().to_vec();
                    (sol.start_value, sol.values, a, sol.iterations, sol.residual)
                }
            })
        })
        .py()?;
    let d = PyDict::new(py);
    d.set_item("scenario", &s.name)?;
    d.set_item("variant", &s.variant)?;
    d.set_item("objective", objective_name)?;
    d.set_item("method", &method)?;
    d.set_item("discount", discount)?;
    d.set_item("horizon", mdp.horizon())?;
    d.set_item("states", ns)?;
    d.set_item("transitions", mdp.num_transitions())?;
    d.set_item("start_value", start_value)?;
    d.set_item("iterations", iterations)?;
    d.set_item("residual", residual)?;
    d.set_item("values", PyArray1::from_vec(py, values))?;
    let steps = policy.len().checked_div(ns).unwrap_or(0);
    let policy: Vec<i64> = policy.into_iter().map(i64::from).collect();
    d.set_item(
        "policy",
        Array2::from_shape_vec((steps, ns), policy)
            .expect("steps * states")
            .into_pyarray(py),
    )?;
    Ok(d)
}

fn parse_objective(
    s: &GridScenario,
    objective: Option<&Bound<'_, PyAny>>,
) -> PyResult<(String, Objective)> {
    let Some(o) = objective else {
        return Ok(("proxy".into(), s.proxy));
    };
    if let Ok(name) = o.extract::<String>() {
        return match name.as_str() {
            "proxy" => Ok((name, s.proxy)),
            "true" => Ok((name, s.true_objective)),
            _ => Err(error(
                Kind::Unknown,
                format!(
                    "unknown objective `{name}`; known: proxy, true, or a dict {{event: weight}}"
                ),
            )),
        };
    }
    let pairs: BTreeMap<String, f64> = o.extract().map_err(|_| {
        error(
            Kind::InvalidValue,
            "objective must be \"proxy\", \"true\" or a dict {event: weight}",
        )
    })?;
    let obj = Objective::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), *v)), &s.events).py()?;
    Ok(("custom".into(), obj))
}

/// Plays `actions` from `seed` exactly as `goodhart replay --seed SEED` does; returns
/// `{"proxy_rewards", "true_rewards", "terminated", "truncated", "boards"}`.
#[pyfunction]
#[pyo3(signature = (scenario, seed, actions, variant=None, overrides=Vec::new()))]
pub fn replay<'py>(
    py: Python<'py>,
    scenario: &str,
    seed: u64,
    actions: Vec<i64>,
    variant: Option<&str>,
    overrides: Vec<(String, String)>,
) -> PyResult<Bound<'py, PyDict>> {
    let s = load(scenario, variant, &overrides)?;
    let acts = actions
        .iter()
        .map(|&a| {
            usize::try_from(a)
                .ok()
                .filter(|&i| i < s.num_actions)
                .and_then(Action::from_index)
                .ok_or_else(|| {
                    error(
                        Kind::InvalidAction,
                        format!("action {a} is out of range: expected 0..{}", s.num_actions),
                    )
                })
        })
        .collect::<PyResult<Vec<_>>>()?;
    let (traj, states) = goodhart_grid::replay(&s, seed, &acts).py()?;
    let d = PyDict::new(py);
    let proxy: Vec<f64> = traj.steps.iter().map(|t| t.proxy_reward).collect();
    let truth: Vec<f64> = traj.steps.iter().map(|t| t.true_reward).collect();
    d.set_item("proxy_rewards", proxy)?;
    d.set_item("true_rewards", truth)?;
    d.set_item("terminated", traj.terminated)?;
    d.set_item("truncated", traj.truncated)?;
    let boards = PyList::empty(py);
    for st in &states {
        boards.append(s.board_text(st).join("\n"))?;
    }
    d.set_item("boards", boards)?;
    Ok(d)
}
