"""goodhart: specification gaming made measurable.

"When a measure becomes a target, it ceases to be a good measure." goodhart puts an optimizer
on a *proxy* objective, scores what it found on the *true* objective we meant, and measures the
difference (the *gap*).

This package is the Python face of goodhart's Rust core:

* Gymnasium environments for every built-in scenario and variant, registered at import
  (:mod:`goodhart.envs`): ``gymnasium.make("goodhart/BoatRace-v0")``, and a native vector env
  (``gymnasium.make_vec("goodhart/BoatRace-v0", num_envs=64)``).
* Exact analysis (:mod:`goodhart.analysis`): :func:`compile` (the MDP as numpy /
  scipy.sparse arrays), :func:`gap`, :func:`solve`, :func:`replay`.
* The results store (:mod:`goodhart.store`): :func:`read_store` into a pandas or polars
  DataFrame.
* Sweeps on Ray (:mod:`goodhart.ray`, imported on demand): ``goodhart.ray.run(spec)``.
* Errors (:mod:`goodhart.exceptions`): every failure is a :class:`GoodhartError`.
"""

from goodhart import _core
from goodhart._core import __version__, derive_seed
from goodhart.analysis import (
    CompiledModel,
    Solution,
    compile,
    gap,
    replay,
    scenario_info,
    scenarios,
    solve,
)
from goodhart.envs import (
    INFO_EVENTS,
    INFO_TRUE_REWARD,
    GoodhartEnv,
    GoodhartVectorEnv,
    env_id,
    env_ids,
    register_envs,
)
from goodhart.exceptions import (
    GoodhartError,
    InputError,
    InvalidActionError,
    InvalidValueError,
    LimitError,
    NumericError,
    ResetNeeded,
    StateError,
    StoreError,
    UnknownNameError,
    UnknownParameterError,
)
from goodhart.store import DEFAULT_STORE, read_curve, read_experiments, read_store

__all__ = [
    "__version__",
    "derive_seed",
    "CompiledModel",
    "Solution",
    "compile",
    "gap",
    "replay",
    "scenario_info",
    "scenarios",
    "solve",
    "INFO_EVENTS",
    "INFO_TRUE_REWARD",
    "GoodhartEnv",
    "GoodhartVectorEnv",
    "env_id",
    "env_ids",
    "register_envs",
    "GoodhartError",
    "InputError",
    "InvalidActionError",
    "InvalidValueError",
    "LimitError",
    "NumericError",
    "ResetNeeded",
    "StateError",
    "StoreError",
    "UnknownNameError",
    "UnknownParameterError",
    "DEFAULT_STORE",
    "read_curve",
    "read_experiments",
    "read_store",
]

register_envs()
