//! Helpers shared by the tests.

use std::sync::Arc;

use goodhart_agents::{Agent, Hyper, Training, Unseen, grid};
use goodhart_grid::GridScenario;

/// Loads `NAME[:VARIANT]` with `NAME=VALUE` overrides.
pub fn load(id: &str, sets: &[(&str, &str)]) -> Arc<GridScenario> {
    let overrides: Vec<(String, String)> = sets
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    goodhart_grid::catalog::load(id, &overrides).unwrap()
}

/// Trains `agent` for `episodes` with default hyper-parameters plus `extra`.
pub fn train(
    s: &Arc<GridScenario>,
    agent: Agent,
    episodes: u64,
    seed: u64,
    extra: &[(&str, &str)],
) -> Training {
    let mut hyper = Hyper {
        episodes,
        ..Hyper::default()
    };
    for (k, v) in extra {
        hyper.set(k, v).unwrap();
    }
    let config = grid::config(s, agent, hyper, seed, 0);
    grid::train_scenario(s, &config, &|_| {}).unwrap()
}

/// The exact `(proxy, true)` returns of the greedy policy of `t` on `s`.
pub fn greedy(s: &Arc<GridScenario>, t: &Training) -> (f64, f64) {
    let exact = grid::Exact::compile(s, grid::DEFAULT_MAX_STATES).unwrap();
    let e = exact.evaluate(s, &t.table, Unseen::Nearest).unwrap();
    assert!(e.exact);
    (e.proxy_return, e.true_return)
}

/// The exact `(proxy optimum, true optimum)` of `s`.
pub fn optima(s: &Arc<GridScenario>) -> (f64, f64) {
    grid::Exact::compile(s, grid::DEFAULT_MAX_STATES)
        .unwrap()
        .optima()
        .unwrap()
}
