//! The scenario catalog: names, variants, parameters, events, objectives.

use std::sync::Arc;

use goodhart_grid::{GridScenario, catalog};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::error::CoreResultExt;

/// `NAME` or `NAME:VARIANT` from a name and an optional variant.
pub fn scenario_id(scenario: &str, variant: Option<&str>) -> String {
    match variant {
        Some(v) if !v.is_empty() => format!("{scenario}:{v}"),
        _ => scenario.to_string(),
    }
}

/// Loads a scenario variant with `--set` overrides.
pub fn load(
    scenario: &str,
    variant: Option<&str>,
    overrides: &[(String, String)],
) -> PyResult<Arc<GridScenario>> {
    catalog::load(&scenario_id(scenario, variant), overrides).py()
}

/// Names of the built-in scenarios, sorted.
#[pyfunction]
pub fn scenario_names() -> Vec<String> {
    catalog::names().into_iter().map(String::from).collect()
}

/// Every `(scenario, variant)` of the built-in catalog, in name then file order.
#[pyfunction]
pub fn scenario_ids() -> PyResult<Vec<(String, String)>> {
    catalog::all_ids().py()
}

/// A description of scenario `name` (its default variant, or `variant`) as a dict.
#[pyfunction]
#[pyo3(signature = (name, variant=None, overrides=Vec::new()))]
pub fn scenario_info<'py>(
    py: Python<'py>,
    name: &str,
    variant: Option<&str>,
    overrides: Vec<(String, String)>,
) -> PyResult<Bound<'py, PyDict>> {
    let s = load(name, variant, &overrides)?;
    let d = PyDict::new(py);
    d.set_item("name", &s.name)?;
    d.set_item("variant", &s.variant)?;
    d.set_item("id", s.id())?;
    d.set_item("summary", &s.summary)?;
    d.set_item("variant_summary", &s.variant_summary)?;
    d.set_item("description", &s.description)?;
    d.set_item("mechanic", &s.mechanic_name)?;
    d.set_item("variants", s.variants.clone())?;
    d.set_item("num_actions", s.num_actions)?;
    d.set_item("action_names", s.action_names.clone())?;
    d.set_item("max_steps", s.max_steps)?;
    d.set_item("shape", (s.world.rows, s.world.cols))?;
    d.set_item("obs_max", s.obs_max)?;
    let events = PyList::empty(py);
    for e in s.events.iter() {
        events.append((&e.name, &e.description))?;
    }
    d.set_item("events", events)?;
    d.set_item("proxy", weights(py, &s, &s.proxy)?)?;
    d.set_item("true", weights(py, &s, &s.true_objective)?)?;
    let params = PyList::empty(py);
    for p in &s.declared {
        let pd = PyDict::new(py);
        pd.set_item("name", &p.name)?;
        pd.set_item("description", &p.description)?;
        pd.set_item("type", &p.decl().kind)?;
        pd.set_item("default", p.default.to_string())?;
        pd.set_item("accepted", p.accepted())?;
        pd.set_item(
            "value",
            s.params
                .get(&p.name)
                .map(|v| v.to_string())
                .unwrap_or_default(),
        )?;
        params.append(pd)?;
    }
    d.set_item("params", params)?;
    d.set_item("file", &s.file)?;
    Ok(d)
}

/// The non-zero weights of `objective` as `{event: weight}`.
pub fn weights<'py>(
    py: Python<'py>,
    s: &GridScenario,
    objective: &goodhart_core::Objective,
) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    for (i, e) in s.events.iter().enumerate() {
        let w = objective.weight(i);
        if w != 0.0 {
            d.set_item(&e.name, w)?;
        }
    }
    Ok(d)
}
