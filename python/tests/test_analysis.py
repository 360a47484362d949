"""Exact analysis from Python: compile, gap, solve."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

import goodhart


def finite_horizon(model: goodhart.CompiledModel, reward: np.ndarray, policy: np.ndarray):
    """Expected return of a time-dependent deterministic policy, in numpy."""
    v = np.zeros(model.num_states)
    for t in reversed(range(model.horizon)):
        a = policy[min(t, len(policy) - 1)]
        q = np.stack(
            [reward[:, b] + model.transitions[b] @ v for b in range(model.num_actions)], axis=1
        )
        v = q[np.arange(model.num_states), a]
    return float(model.initial @ v)


def test_compile_boat_race_is_a_proper_mdp():
    m = goodhart.compile("boat_race")
    assert m.num_states > 0 and m.num_actions == 4 and m.horizon == 100
    assert len(m.transitions) == m.num_actions
    for a, p in enumerate(m.transitions):
        assert sp.issparse(p) and p.shape == (m.num_states, m.num_states)
        np.testing.assert_allclose(p.sum(axis=1) + m.terminal[:, a], 1.0)
    np.testing.assert_allclose(m.initial.sum(), 1.0)
    assert m.rewards["proxy"].shape == (m.num_states, m.num_actions)
    assert m.observations.shape[0] == m.num_states
    assert m.observations.dtype == np.uint8
    np.testing.assert_allclose(m.reward(m.proxy_weights), m.rewards["proxy"])
    np.testing.assert_allclose(
        m.expected_events() @ m.true_weights, m.rewards["true"], atol=1e-12
    )
    # A dict objective equals the weight vector.
    named = dict(zip(m.events, m.true_weights))
    np.testing.assert_allclose(m.reward(named), m.rewards["true"])


def test_gap_boat_race():
    g = goodhart.gap("boat_race")
    assert g["scenario"] == "boat_race"
    assert g["proxy_optimal"]["proxy_return"] == 50
    assert g["proxy_optimal"]["true_min"] == 0
    assert g["true_optimal"]["true_return"] == 100
    assert g["gap_pessimistic"] == 100
    assert g["exact"] is True
    assert "worst_proxy_path" in g


def test_gap_with_a_parameter():
    a = goodhart.gap("absent_supervisor", paths=False)
    b = goodhart.gap("absent_supervisor", supervisor=False, paths=False)
    assert b["set"] == {"supervisor": "false"}
    assert a != b


def test_solve_agrees_with_gap_and_numpy_evaluation():
    m = goodhart.compile("boat_race")
    g = goodhart.gap("boat_race", paths=False)
    proxy = goodhart.solve("boat_race")
    truth = goodhart.solve("boat_race", objective="true")
    assert proxy.start_value == pytest.approx(g["proxy_optimal"]["proxy_return"])
    assert truth.start_value == pytest.approx(g["true_optimal"]["true_return"])
    assert proxy.policy.shape == (m.horizon, m.num_states)
    # The policies' values recomputed in numpy on the scipy matrices.
    assert finite_horizon(m, m.rewards["true"], truth.policy) == pytest.approx(100)
    assert finite_horizon(m, m.rewards["proxy"], proxy.policy) == pytest.approx(50)
    # A custom objective equal to the true one.
    named = dict(zip(m.events, m.true_weights))
    assert goodhart.solve("boat_race", objective=named).start_value == pytest.approx(100)


def test_discounted_solvers_agree():
    vi = goodhart.solve("island_navigation", method="value_iteration", objective="true")
    pi = goodhart.solve("island_navigation", method="policy_iteration", objective="true")
    assert vi.discount == 0.99
    assert vi.start_value == pytest.approx(pi.start_value, abs=1e-4)
    assert vi.policy.shape == (1, vi.states)


def test_scenario_info():
    info = goodhart.scenario_info("absent_supervisor")
    assert {p["name"] for p in info["params"]} >= {"supervisor"}
    assert info["events"] and info["proxy"] and info["true"]


def _bellman_arrays(m: goodhart.CompiledModel, objective: str):
    """The exported raw table as one ``(states * actions, states)`` matrix of the
    non-terminal transitions and the expected reward of every row, built in numpy alone
    (not from ``m.transitions`` or ``m.rewards``)."""
    t = m.table
    n, k = m.num_states, m.num_actions
    rows = np.repeat(np.arange(n * k), np.diff(t["offsets"]))
    weights = m.proxy_weights if objective == "proxy" else m.true_weights
    per_transition = t["event_table"][t["label"]] @ weights
    r = np.bincount(rows, weights=t["prob"] * per_transition, minlength=n * k)
    go_on = ~t["terminal"]
    p = sp.csr_array(
        (t["prob"][go_on], (rows[go_on], t["next"][go_on])), shape=(n * k, n)
    )
    return p, r


def _numpy_backward_induction(m, p, r, horizon):
    v = np.zeros(m.num_states)
    for _ in range(horizon):
        v = (r + p @ v).reshape(m.num_states, m.num_actions).max(axis=1)
    return v


def _numpy_value_iteration(m, p, r, discount, tol=1e-11):
    v = np.zeros(m.num_states)
    while True:
        w = (r + discount * (p @ v)).reshape(m.num_states, m.num_actions).max(axis=1)
        if np.max(np.abs(w - v)) < tol:
            return w
        v = w


# Deterministic and stochastic (whisky_gold: random actions after drinking;
# safe_interruptibility: a hidden coin decides the interruption) scenarios.
INDEPENDENT = ["boat_race", "absent_supervisor", "island_navigation", "whisky_gold",
               "safe_interruptibility"]


@pytest.mark.parametrize("scenario", INDEPENDENT)
@pytest.mark.parametrize("objective", ["proxy", "true"])
def test_independent_numpy_backward_induction_agrees(scenario, objective):
    """Issue 3's correctness check: a plain numpy solver on the exported model gives the
    same optimal values as goodhart.solve, to 1e-6."""
    m = goodhart.compile(scenario)
    p, r = _bellman_arrays(m, objective)
    v = _numpy_backward_induction(m, p, r, m.horizon)
    sol = goodhart.solve(scenario, objective=objective)
    assert sol.method == "backward" and sol.horizon == m.horizon
    np.testing.assert_allclose(sol.values, v, rtol=0, atol=1e-6)
    assert sol.start_value == pytest.approx(float(m.initial @ v), abs=1e-6)
    # The raw table and the documented per-action matrices say the same.
    np.testing.assert_allclose(r.reshape(m.num_states, m.num_actions), m.rewards[objective])
    for a in range(m.num_actions):
        np.testing.assert_allclose(
            p[a :: m.num_actions].toarray(), m.transitions[a].toarray(), atol=1e-15
        )


@pytest.mark.parametrize("scenario", ["island_navigation", "whisky_gold"])
@pytest.mark.parametrize("method", ["value_iteration", "policy_iteration"])
def test_independent_numpy_value_iteration_agrees(scenario, method):
    m = goodhart.compile(scenario)
    p, r = _bellman_arrays(m, "true")
    v = _numpy_value_iteration(m, p, r, 0.99)
    sol = goodhart.solve(scenario, objective="true", method=method, epsilon=1e-8)
    assert sol.discount == 0.99
    np.testing.assert_allclose(sol.values, v, rtol=0, atol=1e-6)
    assert sol.start_value == pytest.approx(float(m.initial @ v), abs=1e-6)
