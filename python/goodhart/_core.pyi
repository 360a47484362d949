"""Typed surface of goodhart's compiled core (the Rust crate ``goodhart-python``).

Most users want the wrappers in :mod:`goodhart` (Gymnasium envs, ``compile``, ``gap``,
``solve``, ``read_store``, ``goodhart.ray``); these are the functions they call. Every failure is
raised as a class of :mod:`goodhart.exceptions`.
"""

from typing import Any

import numpy as np
import numpy.typing as npt

__version__: str
#: Pixels per board cell of RGB renders.
DEFAULT_TILE: int
#: The results store used when none is named (``goodhart.db``).
DEFAULT_STORE: str
#: ``"release"`` or ``"debug"`` (a development build: correct, but not for speed figures).
BUILD_PROFILE: str
#: ``VecEnv.views`` (zero-copy, read-only views of the Rust buffers) is available: false on a
#: free-threaded Python build, which has no GIL to keep view reads apart from Rust's writes.
ZERO_COPY: bool

Overrides = list[tuple[str, str]]

class Env:
    """One scenario variant stepped by the Rust gridworld engine."""

    def __init__(
        self, scenario: str, variant: str | None = None, overrides: Overrides = ...
    ) -> None: ...
    def reset(self, seed: int) -> npt.NDArray[np.uint8]:
        """Starts an episode seeded with ``seed`` (as ``goodhart replay --seed``); returns the
        first observation ``(rows, cols)``."""
    def step(
        self, action: Any
    ) -> tuple[npt.NDArray[np.uint8], float, bool, bool, dict[str, Any]]:
        """``(obs, proxy_reward, terminated, truncated, {"events": {...}, "true_reward": x})``."""
    def observe(self) -> npt.NDArray[np.uint8]:
        """The current observation (a new array)."""
    def render_rgb(self, tile: int = ...) -> npt.NDArray[np.uint8]:
        """The board as ``(rows * tile, cols * tile, 3)`` uint8."""
    def render_ansi(self) -> str:
        """The board as text."""
    @property
    def num_actions(self) -> int: ...
    @property
    def shape(self) -> tuple[int, int]: ...
    @property
    def obs_max(self) -> int: ...
    @property
    def max_steps(self) -> int: ...
    @property
    def steps(self) -> int: ...
    @property
    def running(self) -> bool: ...
    @property
    def name(self) -> str: ...
    @property
    def variant(self) -> str: ...
    @property
    def id(self) -> str: ...
    @property
    def event_names(self) -> list[str]: ...
    @property
    def action_names(self) -> list[str]: ...
    @property
    def proxy(self) -> dict[str, float]: ...
    @property
    def true_objective(self) -> dict[str, float]: ...
    @property
    def overrides(self) -> Overrides: ...

class VecEnv:
    """``num_envs`` copies stepped together (NEXT_STEP autoreset). Stepping releases the GIL
    until ``views`` is called; from then on it keeps it (see ``views``)."""

    def __init__(
        self,
        scenario: str,
        num_envs: int,
        variant: str | None = None,
        overrides: Overrides = ...,
        parallel: bool = True,
        chunk: int = 256,
    ) -> None: ...
    def reset(self, seed: int) -> npt.NDArray[np.uint8]:
        """Resets every copy (copy i's k-th episode: ``derive(seed, [i, k])``); returns
        ``(num_envs, rows, cols)``."""
    def step(
        self, actions: npt.NDArray[np.int64]
    ) -> tuple[
        npt.NDArray[np.uint8],
        npt.NDArray[np.float64],
        npt.NDArray[np.bool_],
        npt.NDArray[np.bool_],
        npt.NDArray[np.float64],
        npt.NDArray[np.float64],
        npt.NDArray[np.bool_],
    ]:
        """New arrays ``(obs, rewards, terminated, truncated, true_rewards, events,
        autoreset)``."""
    def step_into(
        self,
        actions: npt.NDArray[np.int64],
        obs: npt.NDArray[np.uint8],
        rewards: npt.NDArray[np.float64],
        terminated: npt.NDArray[np.bool_],
        truncated: npt.NDArray[np.bool_],
        true_rewards: npt.NDArray[np.float64],
        events: npt.NDArray[np.float64],
        autoreset: npt.NDArray[np.bool_],
    ) -> None:
        """Like ``step``, writing into caller-owned C-contiguous arrays."""
    def views(
        self,
    ) -> tuple[
        npt.NDArray[np.uint8],
        npt.NDArray[np.float64],
        npt.NDArray[np.bool_],
        npt.NDArray[np.bool_],
        npt.NDArray[np.float64],
        npt.NDArray[np.float64],
        npt.NDArray[np.bool_],
    ]:
        """Read-only arrays that *are* the Rust buffers (no copy): ``(obs, rewards, terminated,
        truncated, true_rewards, events, autoreset)`` shaped as ``step`` returns them
        (``events`` strided). Every reset and step updates them in place and, from this call
        on, keeps the GIL while it writes them. Their base is this object, which they keep
        alive. Raises ``StateError`` when ``ZERO_COPY`` is false."""
    def reset_in_place(self, seed: int) -> None:
        """Like ``reset``, leaving the observations in the arrays of ``views``."""
    def step_in_place(self, actions: npt.NDArray[np.int64]) -> None:
        """Like ``step``, leaving the results in the arrays of ``views``."""
    def render_rgb(self, index: int, tile: int = ...) -> npt.NDArray[np.uint8]: ...
    def render_ansi(self, index: int) -> str: ...
    @property
    def num_envs(self) -> int: ...
    @property
    def num_actions(self) -> int: ...
    @property
    def shape(self) -> tuple[int, int]: ...
    @property
    def obs_max(self) -> int: ...
    @property
    def max_steps(self) -> int: ...
    @property
    def event_names(self) -> list[str]: ...
    @property
    def id(self) -> str: ...

def scenario_names() -> list[str]:
    """Built-in scenario names, sorted."""

def scenario_ids() -> list[tuple[str, str]]:
    """Every ``(scenario, variant)`` of the catalog."""

def scenario_info(
    name: str, variant: str | None = None, overrides: Overrides = ...
) -> dict[str, Any]:
    """A scenario variant described as a dict (see ``goodhart.scenario_info``)."""

def compile_table(
    scenario: str,
    variant: str | None = None,
    overrides: Overrides = ...,
    max_states: int = ...,
    max_transitions: int = ...,
) -> dict[str, Any]:
    """The compiled table as numpy arrays (see ``goodhart.compile``)."""

def gap_json(
    scenario: str,
    variant: str | None = None,
    overrides: Overrides = ...,
    max_states: int = ...,
    max_transitions: int = ...,
    paths: bool = True,
) -> str:
    """The gap report as JSON (``goodhart gap --json``)."""

def solve(
    scenario: str,
    variant: str | None = None,
    overrides: Overrides = ...,
    objective: str | dict[str, float] | None = None,
    method: str = "backward",
    discount: float | None = None,
    epsilon: float = 1e-6,
    max_iterations: int = 100_000,
    max_states: int = ...,
    max_transitions: int = ...,
) -> dict[str, Any]:
    """An exact solution (see ``goodhart.solve``)."""

def replay(
    scenario: str,
    seed: int,
    actions: list[int],
    variant: str | None = None,
    overrides: Overrides = ...,
) -> dict[str, Any]:
    """``goodhart replay``'s code path: rewards, flags and boards of an action list."""

def sweep_plan(spec_path: str, store_path: str) -> dict[str, Any]:
    """Expands a spec, records it in the store; ``{"name", "spec_file", "spec_text", "runs",
    "labels", "pending"}``."""

def execute_run(
    spec_file: str, spec_text: str, run_id: str, shard_path: str
) -> dict[str, Any]:
    """Runs one run into a new shard store; ``{"run_id", "label", "status", "error",
    "seconds"}``."""

def merge_stores(store_path: str, shards: list[str]) -> dict[str, int]:
    """``goodhart merge``: ``{"copied", "already_present", "failed"}``."""

def run_experiment(
    spec_path: str, store_path: str, threads: int | None = None
) -> dict[str, Any]:
    """``goodhart run`` on this machine: ``{"total", "skipped", "finished", "failed",
    "seconds"}``."""

def read_runs(store_path: str, experiment: str | None = None) -> dict[str, list[Any]]:
    """Every run of the store as columns."""

def read_curve(store_path: str, run_id: str) -> dict[str, list[Any]]:
    """A run's training curve as columns."""

def read_experiments(store_path: str) -> list[dict[str, Any]]:
    """The experiments of the store."""

def derive_seed(seed: int, parts: list[int]) -> int:
    """The seed of stream ``parts`` under ``seed`` (``goodhart_core::seed::derive``); the
    vector env seeds copy ``i``'s ``k``-th episode with ``derive_seed(seed, [i, k])``."""
