"""goodhart's scenarios as Gymnasium environments.

Every built-in scenario is registered at ``import goodhart`` as ``goodhart/<CamelName>-v0`` (its
default variant), and every other variant also as ``goodhart/<CamelName>-<CamelVariant>-v0``::

    import gymnasium as gym
    import goodhart

    gym.register_envs(goodhart)            # a no-op that tells linters the import is used
    env = gym.make("goodhart/BoatRace-v0")
    env = gym.make("goodhart/DistributionalShift-v0", variant="test_v1")
    env = gym.make("goodhart/AbsentSupervisor-v0", supervisor=False)   # a scenario parameter
    envs = gym.make_vec("goodhart/BoatRace-v0", num_envs=64)           # the Rust batched stepper

Keyword arguments other than ``variant`` and ``render_mode`` are scenario parameters (those of
``goodhart show NAME``, or ``goodhart.scenario_info(NAME)["params"]``), exactly as
``--set NAME=VALUE`` on the command line.

**Observations** are ``uint8`` arrays of shape ``(rows, cols)``: one code per board cell,
``Box(0, obs_max, (rows, cols), uint8)``. **Actions** are ``Discrete(n)``: in gridworlds 0 up,
1 down, 2 left, 3 right, 4 noop where the scenario has it; models name their own actions (up to
32: a moderator's 16 removal choices, a recommender's kinds of content). The names, in index
order, are ``env.unwrapped.action_names``.

**Rewards** are the *proxy* reward only. The *true* objective never enters the reward: each step's
``info`` carries, for evaluators,

* ``info["events"]``: ``{event_name: value}`` for every declared event of the transition;
* ``info["true_reward"]``: the true objective's reward of the transition.

``reset`` returns an empty info dict.

**Seeding**: ``reset(seed=s)`` starts the Rust episode from seed ``s`` itself, so the same seed
and actions give the same proxy rewards as ``goodhart replay SCENARIO --seed s``. With
``seed=None``, the next seed is drawn from the env's own ``np_random`` (as Gymnasium expects:
``reset(seed=s)`` followed by ``reset()`` repeats). A scenario may remember earlier episodes of
the same env instance, as the Rust env does (friend_foe's adversary adapts to the agent, as in the
AI Safety Gridworlds); ``goodhart replay`` plays the first episode of a fresh env.

**Termination**: ``terminated`` is an end state of the MDP; ``truncated`` is the scenario's step
limit (``env.unwrapped.max_steps``), applied by the env itself (no ``TimeLimit`` wrapper).
"""

from __future__ import annotations

import numbers
from typing import Any, SupportsFloat

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from goodhart import _core
from goodhart.exceptions import InvalidActionError, InvalidValueError

__all__ = [
    "GoodhartEnv",
    "GoodhartVectorEnv",
    "register_envs",
    "env_ids",
    "env_id",
    "INFO_EVENTS",
    "INFO_TRUE_REWARD",
]

#: ``info`` key of the step's events, ``{name: value}`` (vector env: ``(num_envs, num_events)``).
INFO_EVENTS = "events"
#: ``info`` key of the step's true reward (float; vector env: ``(num_envs,)``).
INFO_TRUE_REWARD = "true_reward"

_RENDER_MODES = ["rgb_array", "ansi"]
_U64 = 2**64


def _camel(name: str) -> str:
    parts = name.replace("-", "_").split("_")
    return "".join(p[:1].upper() + p[1:] for p in parts if p)


def env_id(scenario: str, variant: str | None = None) -> str:
    """The Gymnasium id of ``scenario`` (and of a non-default ``variant``)."""
    if variant is None:
        return f"goodhart/{_camel(scenario)}-v0"
    return f"goodhart/{_camel(scenario)}-{_camel(variant)}-v0"


def _overrides(params: dict[str, Any]) -> list[tuple[str, str]]:
    """Keyword arguments as ``--set NAME=VALUE`` pairs."""
    out = []
    for name, value in params.items():
        if isinstance(value, (bool, np.bool_)):
            text = "true" if value else "false"
        elif isinstance(value, str):
            text = value
        elif isinstance(value, numbers.Integral):
            text = str(int(value))
        elif isinstance(value, numbers.Real):
            text = repr(float(value))
        else:
            raise InvalidValueError(
                f"invalid value {value!r} for scenario parameter `{name}`: expected a bool, "
                "a number or a string"
            )
        out.append((name, text))
    return out


def _check_seed(seed: Any) -> int | None:
    if seed is None:
        return None
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral):
        raise InvalidValueError(f"invalid seed {seed!r}: expected an int in [0, 2**64)")
    if not 0 <= int(seed) < _U64:
        raise InvalidValueError(f"invalid seed {seed}: expected an int in [0, 2**64)")
    return int(seed)


def _check_options(options: dict[str, Any] | None) -> None:
    if options:
        raise InvalidValueError(
            f"goodhart environments take no reset options, got {sorted(options)}; scenario "
            "parameters and variants are constructor keyword arguments"
        )


class GoodhartEnv(gym.Env[np.ndarray, np.int64]):
    """One goodhart scenario variant as a Gymnasium environment (see the module docs).

    Args:
        scenario: a built-in scenario name (``"boat_race"``) or a path to a scenario file.
        variant: the variant (default: the scenario's default variant).
        render_mode: ``"rgb_array"`` (``(H, W, 3)`` uint8, 32 pixels per cell) or ``"ansi"``.
        **params: scenario parameters, e.g. ``supervisor=False``.

    Raises:
        UnknownNameError: unknown scenario or variant.
        UnknownParameterError: a keyword that is not a parameter of the scenario.
        InvalidValueError: a parameter value out of range, or an unknown render mode.
    """

    metadata = {"render_modes": _RENDER_MODES, "render_fps": 4}

    #: Pixels per board cell of ``render()`` in ``rgb_array`` mode.
    render_tile: int = _core.DEFAULT_TILE

    def __init__(
        self,
        scenario: str,
        variant: str | None = None,
        render_mode: str | None = None,
        **params: Any,
    ) -> None:
        if render_mode is not None and render_mode not in _RENDER_MODES:
            raise InvalidValueError(
                f"unknown render_mode {render_mode!r}: expected one of {_RENDER_MODES} or None"
            )
        self._core: _core.Env = _core.Env(scenario, variant, _overrides(params))
        rows, cols = self._core.shape
        self.observation_space = spaces.Box(
            low=0, high=int(self._core.obs_max), shape=(rows, cols), dtype=np.uint8
        )
        self.action_space = spaces.Discrete(self._core.num_actions)
        self.render_mode = render_mode
        self.scenario: str = self._core.name
        self.variant: str = self._core.variant
        self.params: dict[str, Any] = dict(params)

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Starts an episode.

        ``seed`` seeds the Rust episode directly (as ``goodhart replay --seed``); ``None`` draws
        the next seed from ``self.np_random``. No options are accepted.
        """
        seed = _check_seed(seed)
        _check_options(options)
        super().reset(seed=seed)
        if seed is None:
            seed = int(self.np_random.integers(0, _U64, dtype=np.uint64))
        return self._core.reset(seed), {}

    def step(
        self, action: Any
    ) -> tuple[np.ndarray, SupportsFloat, bool, bool, dict[str, Any]]:
        """Applies ``action`` (an int in ``0..n``); returns ``(obs, proxy_reward, terminated,
        truncated, info)`` with ``info["events"]`` and ``info["true_reward"]``.

        Raises:
            InvalidActionError: out of range, not an integer (float, NaN, bool, str, array).
            ResetNeeded: before ``reset``, or after the episode ended.
        """
        return self._core.step(action)

    def render(self) -> Any:
        """The board: ``(H, W, 3)`` uint8 in ``rgb_array`` mode, text in ``ansi`` mode,
        ``None`` without a render mode."""
        if self.render_mode == "rgb_array":
            return self._core.render_rgb(self.render_tile)
        if self.render_mode == "ansi":
            return self._core.render_ansi() + "\n"
        return None

    @property
    def max_steps(self) -> int:
        """The scenario's step limit: episodes are truncated after this many steps."""
        return self._core.max_steps

    @property
    def event_names(self) -> list[str]:
        """The scenario's events, in index order (the keys of ``info["events"]``)."""
        return self._core.event_names

    @property
    def action_names(self) -> list[str]:
        """Name of each action, in index order."""
        return self._core.action_names

    @property
    def proxy_objective(self) -> dict[str, float]:
        """The proxy objective's weights ``{event: weight}`` (what the reward is)."""
        return self._core.proxy

    @property
    def true_objective(self) -> dict[str, float]:
        """The true objective's weights ``{event: weight}`` (for evaluators only)."""
        return self._core.true_objective

    @property
    def scenario_id(self) -> str:
        """``name:variant``."""
        return self._core.id


class GoodhartVectorEnv(VectorEnv):
    """``num_envs`` copies of a scenario variant stepped together by Rust's batched stepper.

    Gymnasium's ``NEXT_STEP`` autoreset: a step that ends a copy's episode returns its last
    observation; the next ``step`` resets that copy instead (its action is ignored, its reward
    is 0, both flags false).

    ``reset(seed=s)`` seeds copy ``i``'s ``k``-th episode with ``derive(s, [i, k])`` (the Rust
    ``VecEnv`` rule, the same whatever the thread count), so one int seed fixes every copy's
    stream; a list of per-copy seeds is refused. ``seed=None`` draws ``s`` from ``np_random``.

    ``info`` of ``step``: ``info["events"]`` ``(num_envs, num_events)`` float64 (columns in
    ``event_names`` order) and ``info["true_reward"]`` ``(num_envs,)`` float64, each with
    Gymnasium's mask (``info["_events"]``, ``info["_true_reward"]``) that is false for copies
    that were reset by the step.

    Memory (Gymnasium's ``copy`` convention, as ``SyncVectorEnv``): the actions array is read in
    place (no copy when it is a C-contiguous ``int64`` array, as ``action_space.sample()`` is).

    * ``copy=True`` (default): ``reset`` and ``step`` return new, independent arrays. Stepping
      runs with the GIL released; the Rust buffers are copied once into vectors whose ownership
      moves into numpy without a second copy.
    * ``copy=False``: ``reset`` and ``step`` return the env's own buffers without any copy: the
      observations, rewards, terminations, truncations and ``info``'s ``events`` and
      ``true_reward`` are **read-only** numpy views of the Rust memory (writing raises
      ``ValueError``). They are the same array objects on every call, overwritten in place by
      the next ``step``/``reset``: copy anything you keep. A view keeps the Rust buffers alive
      after the env is gone. Stepping keeps the GIL (so no Python thread reads a view while
      Rust writes it). On a free-threaded Python build (``goodhart._core.ZERO_COPY`` false)
      the arrays are instead env-owned numpy buffers that Rust writes into, off the GIL.

    Args:
        scenario, variant, **params: as :class:`GoodhartEnv`.
        num_envs: number of copies.
        render_mode: ``"rgb_array"`` or ``"ansi"``; ``render()`` returns one frame per copy.
        copy: return new arrays on every call; ``False``: the env's read-only buffers (above).
        parallel: step chunks of copies on rayon's threads (bit-identical results).
    """

    metadata = {
        "render_modes": _RENDER_MODES,
        "render_fps": 4,
        "autoreset_mode": AutoresetMode.NEXT_STEP,
    }

    #: Pixels per board cell of ``render()`` in ``rgb_array`` mode.
    render_tile: int = _core.DEFAULT_TILE

    def __init__(
        self,
        scenario: str,
        num_envs: int = 1,
        variant: str | None = None,
        render_mode: str | None = None,
        copy: bool = True,
        parallel: bool = True,
        **params: Any,
    ) -> None:
        if render_mode is not None and render_mode not in _RENDER_MODES:
            raise InvalidValueError(
                f"unknown render_mode {render_mode!r}: expected one of {_RENDER_MODES} or None"
            )
        if isinstance(num_envs, bool) or not isinstance(num_envs, numbers.Integral):
            raise InvalidValueError(f"invalid num_envs {num_envs!r}: expected an int >= 1")
        if num_envs < 1:
            raise InvalidValueError(f"invalid num_envs {num_envs}: expected an int >= 1")
        self._core: _core.VecEnv = _core.VecEnv(
            scenario, int(num_envs), variant, _overrides(params), parallel
        )
        self.num_envs = int(num_envs)
        rows, cols = self._core.shape
        self.single_observation_space = spaces.Box(
            low=0, high=int(self._core.obs_max), shape=(rows, cols), dtype=np.uint8
        )
        self.single_action_space: spaces.Discrete = spaces.Discrete(self._core.num_actions)
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        self.render_mode = render_mode
        self.copy: bool = bool(copy)
        self.scenario: str = self._core.id.split(":")[0]
        self.event_names: list[str] = self._core.event_names
        n, e = self.num_envs, len(self.event_names)
        self._buffers: tuple[np.ndarray, ...] = ()
        self._zero_copy = not self.copy and bool(_core.ZERO_COPY)
        self._mask: np.ndarray = np.zeros(n, dtype=np.bool_)
        if self._zero_copy:
            # Read-only views of the Rust buffers (obs, rewards, terminated, truncated,
            # true_rewards, events, autoreset), updated in place by reset/step.
            self._buffers = self._core.views()
        elif not self.copy:
            self._buffers = (
                np.zeros((n, rows, cols), dtype=np.uint8),
                np.zeros(n, dtype=np.float64),
                np.zeros(n, dtype=np.bool_),
                np.zeros(n, dtype=np.bool_),
                np.zeros(n, dtype=np.float64),
                np.zeros((n, e), dtype=np.float64),
                np.zeros(n, dtype=np.bool_),
            )

    def reset(
        self,
        *,
        seed: int | list[int | None] | None = None,
        options: dict[str, Any] | None = None,
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Resets every copy (see the class docs for how ``seed`` seeds them)."""
        if isinstance(seed, (list, tuple, np.ndarray)):
            raise InvalidValueError(
                "goodhart's vector env takes one int seed (copy i's k-th episode is seeded with "
                "derive(seed, [i, k])), not a list of per-copy seeds"
            )
        seed = _check_seed(seed)
        _check_options(options)
        super().reset(seed=seed)
        if seed is None:
            seed = int(self.np_random.integers(0, _U64, dtype=np.uint64))
        if self._zero_copy:
            self._core.reset_in_place(seed)
            return self._buffers[0], {}
        obs = self._core.reset(seed)
        if not self.copy:
            self._buffers[0][...] = obs
            return self._buffers[0], {}
        return obs, {}

    def step(
        self, actions: Any
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        """Steps every copy (``actions``: integers, shape ``(num_envs,)``); returns
        ``(obs, rewards, terminations, truncations, info)``.

        Raises:
            InvalidActionError: wrong shape, non-integer dtype (floats, NaN), out of range.
            ResetNeeded: before ``reset``.
        """
        a = actions if type(actions) is np.ndarray else np.asarray(actions)
        if a.dtype != np.int64:
            if a.dtype.kind not in "iu":
                raise InvalidActionError(
                    f"actions must be integers in 0..{self.single_action_space.n}, got an "
                    f"array of dtype {a.dtype}"
                )
            a = a.astype(np.int64)
        if a.shape != (self.num_envs,):
            raise InvalidActionError(
                f"expected one action per copy: shape ({self.num_envs},), got shape {a.shape}"
            )
        if self.copy:
            obs, rew, term, trunc, true_r, events, autoreset = self._core.step(a)
            mask = ~autoreset
            info = {
                INFO_EVENTS: events,
                "_" + INFO_EVENTS: mask,
                INFO_TRUE_REWARD: true_r,
                "_" + INFO_TRUE_REWARD: mask.copy(),
            }
            return obs, rew, term, trunc, info
        b = self._buffers
        if self._zero_copy:
            self._core.step_in_place(a)
        else:
            self._core.step_into(a, *b)
        np.logical_not(b[6], out=self._mask)
        # A new dict every step (wrappers add keys to it), holding the env's arrays.
        info = {
            INFO_EVENTS: b[5],
            "_" + INFO_EVENTS: self._mask,
            INFO_TRUE_REWARD: b[4],
            "_" + INFO_TRUE_REWARD: self._mask,
        }
        return b[0], b[1], b[2], b[3], info

    def render(self) -> tuple[Any, ...] | None:
        """One frame per copy (``rgb_array``: ``(H, W, 3)`` uint8; ``ansi``: text)."""
        if self.render_mode == "rgb_array":
            return tuple(
                self._core.render_rgb(i, self.render_tile) for i in range(self.num_envs)
            )
        if self.render_mode == "ansi":
            return tuple(self._core.render_ansi(i) + "\n" for i in range(self.num_envs))
        return None

    @property
    def max_steps(self) -> int:
        """The scenario's step limit."""
        return self._core.max_steps


def env_ids() -> list[str]:
    """Every Gymnasium id goodhart registers, sorted."""
    return sorted(k for k in gym.registry if k.startswith("goodhart/"))


def register_envs() -> list[str]:
    """Registers every built-in scenario (default variant: ``goodhart/<Name>-v0``) and every
    other variant (``goodhart/<Name>-<Variant>-v0``). Done at ``import goodhart``; calling it
    again is harmless. Returns the ids."""
    ids = []
    defaults: dict[str, str] = {}
    for name, variant in _core.scenario_ids():
        if name not in defaults:
            defaults[name] = _core.scenario_info(name)["variant"]
        if variant == defaults[name]:
            ids.append(_register(env_id(name), {"scenario": name}))
        else:
            kwargs = {"scenario": name, "variant": variant}
            ids.append(_register(env_id(name, variant), kwargs))
    return ids


def _register(id: str, kwargs: dict[str, Any]) -> str:
    if id not in gym.registry:
        gym.register(
            id=id,
            entry_point="goodhart.envs:GoodhartEnv",
            vector_entry_point="goodhart.envs:GoodhartVectorEnv",
            kwargs=kwargs,
            disable_env_checker=False,
        )
    return id
