"""Exact analysis: the compiled model as numpy / scipy.sparse arrays, the gap, the solvers.

Every function takes a scenario name (or a path to a scenario file), an optional ``variant``, and
scenario parameters as keyword arguments (``goodhart.gap("absent_supervisor",
supervisor=False)``), like ``goodhart gap NAME --set supervisor=false``. The heavy work runs in
Rust with the GIL released.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from goodhart import _core
from goodhart.envs import _overrides
from goodhart.exceptions import InvalidValueError

__all__ = [
    "CompiledModel",
    "Solution",
    "compile",
    "gap",
    "solve",
    "replay",
    "scenarios",
    "scenario_info",
]

DEFAULT_MAX_STATES = 5_000_000
DEFAULT_MAX_TRANSITIONS = 50_000_000


@dataclass(frozen=True, eq=False)
class CompiledModel:
    """A scenario variant enumerated exactly: the finite MDP agents face.

    States are numbered in the order the compiler discovers them. Episodes last at most
    ``horizon`` steps (then they are truncated); a *terminal* transition ends the episode.

    Attributes:
        scenario, variant: what was compiled.
        num_states, num_actions, horizon: sizes and the step limit.
        events: event names (the columns of ``event_table`` and of ``expected_events``).
        action_names: name of each action.
        transitions: per action ``a``, a ``scipy.sparse.csr_array`` ``P[a]`` of shape
            ``(num_states, num_states)``: ``P[a][s, t]`` is the probability that action ``a``
            in ``s`` leads to ``t`` *and the episode goes on*.
        terminal: ``(num_states, num_actions)``: probability that the step ends the episode.
            Each row of ``P[a]`` sums to ``1 - terminal[:, a]``.
        rewards: ``{"proxy": R, "true": R}``, ``R[s, a]`` the expected immediate reward of
            each objective (terminal transitions included).
        initial: ``(num_states,)`` initial distribution.
        observations: ``(num_states, rows, cols)`` uint8: what the agent sees in each state
            (the env's observation; distinct states may look alike).
        table: the raw CSR table: ``offsets`` (row ``s * num_actions + a`` spans
            ``offsets[row]:offsets[row + 1]``), ``next``, ``prob``, ``label``, ``terminal``,
            and ``event_table`` (``label`` → event vector).
        proxy_weights, true_weights: the objectives as weight vectors over ``events``.

    Bellman backup of a value vector ``V`` for objective ``R``:
    ``Q[:, a] = R[:, a] + gamma * P[a] @ V``.
    """

    scenario: str
    variant: str
    num_states: int
    num_actions: int
    horizon: int
    events: list[str]
    action_names: list[str]
    transitions: list[Any]
    terminal: np.ndarray
    rewards: dict[str, np.ndarray]
    initial: np.ndarray
    observations: np.ndarray
    proxy_weights: np.ndarray
    true_weights: np.ndarray
    table: dict[str, np.ndarray] = field(repr=False)

    def reward(self, weights: dict[str, float] | np.ndarray) -> np.ndarray:
        """Expected immediate reward ``(num_states, num_actions)`` of any objective over the
        events: a dict ``{event: weight}`` or a weight vector in ``events`` order (e.g. a
        learned reward)."""
        w = self._weights(weights)
        per_label = self.table["event_table"] @ w
        return self._per_row(self.table["prob"] * per_label[self.table["label"]])

    def expected_events(self) -> np.ndarray:
        """``(num_states, num_actions, num_events)``: expected events of each state-action."""
        t = self.table
        e = t["event_table"][t["label"]] * t["prob"][:, None]
        rows = self._rows()
        out = np.zeros((self.num_states * self.num_actions, len(self.events)))
        np.add.at(out, rows, e)
        return out.reshape(self.num_states, self.num_actions, len(self.events))

    def _weights(self, weights: dict[str, float] | np.ndarray) -> np.ndarray:
        if isinstance(weights, dict):
            w = np.zeros(len(self.events))
            for name, value in weights.items():
                if name not in self.events:
                    from goodhart.exceptions import UnknownNameError

                    raise UnknownNameError(
                        f"unknown event `{name}`; known: {', '.join(self.events)}"
                    )
                w[self.events.index(name)] += float(value)
            return w
        w = np.asarray(weights, dtype=np.float64)
        if w.shape != (len(self.events),):
            raise InvalidValueError(
                f"expected {len(self.events)} weights (one per event), got shape {w.shape}"
            )
        return w

    def _rows(self) -> np.ndarray:
        offsets = self.table["offsets"]
        return np.repeat(np.arange(len(offsets) - 1), np.diff(offsets))

    def _per_row(self, values: np.ndarray) -> np.ndarray:
        n = self.num_states * self.num_actions
        out = np.bincount(self._rows(), weights=values, minlength=n)
        return out.reshape(self.num_states, self.num_actions)


@dataclass(frozen=True)
class Solution:
    """An exact solution of one objective (see :func:`solve`).

    Attributes:
        start_value: expected optimal return from the initial distribution.
        values: ``(num_states,)`` optimal values (at step 0 for ``backward``).
        policy: ``(steps, num_states)`` int64 optimal actions: ``policy[t, s]`` for
            ``backward`` (``steps == horizon``), a single row for the discounted methods.
        objective: ``"proxy"``, ``"true"`` or ``"custom"``.
        method: ``backward``, ``value_iteration`` or ``policy_iteration``.
        discount, horizon, states, transitions, iterations, residual: solver details.
    """

    scenario: str
    variant: str
    objective: str
    method: str
    discount: float
    horizon: int
    states: int
    transitions: int
    start_value: float
    iterations: int
    residual: float
    values: np.ndarray
    policy: np.ndarray


def _split(scenario: str, variant: str | None) -> tuple[str, str | None]:
    if not isinstance(scenario, str):
        raise InvalidValueError(f"scenario must be a str, got {type(scenario).__name__}")
    return scenario, variant


def compile(
    scenario: str,
    *,
    variant: str | None = None,
    max_states: int = DEFAULT_MAX_STATES,
    max_transitions: int = DEFAULT_MAX_TRANSITIONS,
    **params: Any,
) -> CompiledModel:
    """Compiles a scenario variant exactly into a :class:`CompiledModel`.

    Raises:
        LimitError: more than ``max_states`` states or ``max_transitions`` transitions.
        UnknownNameError, UnknownParameterError, InvalidValueError: bad names or values.
    """
    import scipy.sparse as sp

    scenario, variant = _split(scenario, variant)
    t = _core.compile_table(
        scenario, variant, _overrides(params), max_states, max_transitions
    )
    ns, na = t["num_states"], t["num_actions"]
    offsets = t["offsets"]
    rows = np.repeat(np.arange(len(offsets) - 1), np.diff(offsets))
    state, action = rows // na, rows % na
    prob, nxt, term = t["prob"], t["next"], t["terminal"]
    transitions = []
    for a in range(na):
        keep = (action == a) & ~term
        m = sp.coo_array((prob[keep], (state[keep], nxt[keep])), shape=(ns, ns)).tocsr()
        m.sum_duplicates()
        transitions.append(m)
    terminal = np.bincount(rows[term], weights=prob[term], minlength=ns * na).reshape(ns, na)
    table = {
        k: t[k] for k in ("offsets", "next", "prob", "label", "terminal", "event_table")
    }
    model = CompiledModel(
        scenario=t["scenario"],
        variant=t["variant"],
        num_states=ns,
        num_actions=na,
        horizon=t["horizon"],
        events=list(t["events"]),
        action_names=list(t["action_names"]),
        transitions=transitions,
        terminal=terminal,
        rewards={},
        initial=np.bincount(
            t["initial_states"], weights=t["initial_probs"], minlength=ns
        ),
        observations=t["observations"],
        proxy_weights=t["proxy_weights"],
        true_weights=t["true_weights"],
        table=table,
    )
    model.rewards["proxy"] = model.reward(model.proxy_weights)
    model.rewards["true"] = model.reward(model.true_weights)
    return model


def gap(
    scenario: str,
    *,
    variant: str | None = None,
    paths: bool = True,
    max_states: int = DEFAULT_MAX_STATES,
    max_transitions: int = DEFAULT_MAX_TRANSITIONS,
    **params: Any,
) -> dict[str, Any]:
    """The specification-gaming gap of a scenario variant, exactly: the object
    ``goodhart gap NAME --json`` prints.

    Keys include ``proxy_optimal`` (``proxy_return``, ``true_min``, ``true_max``),
    ``true_optimal`` (``true_return``, ``proxy_min``, ``proxy_max``), ``random``,
    ``gap_pessimistic``, ``gap_optimistic``, ``normalized_gap_pessimistic``,
    ``normalized_gap_optimistic``, ``ties``, ``exact``, ``states``, ``transitions``,
    ``horizon``, and with ``paths`` the most likely ``worst_proxy_path`` and
    ``true_optimal_path``.
    """
    scenario, variant = _split(scenario, variant)
    text = _core.gap_json(
        scenario, variant, _overrides(params), max_states, max_transitions, paths
    )
    return json.loads(text)


def solve(
    scenario: str,
    *,
    variant: str | None = None,
    objective: str | dict[str, float] = "proxy",
    method: str = "backward",
    discount: float | None = None,
    epsilon: float = 1e-6,
    max_iterations: int = 100_000,
    max_states: int = DEFAULT_MAX_STATES,
    max_transitions: int = DEFAULT_MAX_TRANSITIONS,
    **params: Any,
) -> Solution:
    """Solves a scenario variant exactly for one objective (``goodhart solve``).

    Args:
        objective: ``"proxy"``, ``"true"``, or a dict ``{event: weight}``.
        method: ``"backward"`` (finite horizon over the step limit, exact; discount 1 by
            default), ``"value_iteration"`` or ``"policy_iteration"`` (discounted, 0.99 by
            default).
    """
    scenario, variant = _split(scenario, variant)
    d = _core.solve(
        scenario,
        variant,
        _overrides(params),
        objective,
        method,
        discount,
        epsilon,
        max_iterations,
        max_states,
        max_transitions,
    )
    return Solution(**d)


def replay(
    scenario: str,
    seed: int,
    actions: list[int],
    *,
    variant: str | None = None,
    **params: Any,
) -> dict[str, Any]:
    """Plays ``actions`` from ``seed`` through the Rust code path of ``goodhart replay``:
    ``{"proxy_rewards", "true_rewards", "terminated", "truncated", "boards"}``. Actions after
    the episode ends are ignored."""
    return _core.replay(scenario, seed, [int(a) for a in actions], variant, _overrides(params))


def scenarios() -> list[tuple[str, str]]:
    """Every ``(scenario, variant)`` of the built-in catalog."""
    return [tuple(x) for x in _core.scenario_ids()]  # type: ignore[misc]


def scenario_info(
    scenario: str, *, variant: str | None = None, **params: Any
) -> dict[str, Any]:
    """What ``goodhart show`` tells about a scenario variant, as a dict: ``summary``,
    ``description``, ``variants``, ``params`` (name, type, default, accepted values),
    ``events``, ``proxy`` and ``true`` weights, ``num_actions``, ``action_names``,
    ``max_steps``, ``shape``, ``obs_max``."""
    return _core.scenario_info(scenario, variant, _overrides(params))
