"""Bad input: clear Python exceptions, never an interpreter crash."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import goodhart
from goodhart import GoodhartEnv, GoodhartVectorEnv
from goodhart.exceptions import (
    GoodhartError,
    InvalidActionError,
    InvalidValueError,
    ResetNeeded,
    UnknownNameError,
    UnknownParameterError,
)


@pytest.fixture
def env():
    e = gym.make("goodhart/BoatRace-v0").unwrapped
    e.reset(seed=0)
    return e


@pytest.mark.parametrize(
    "action, words",
    [
        (4, "out of range"),
        (-1, "out of range"),
        (2**70, "invalid action"),
        (1.0, "float"),
        (float("nan"), "nan"),
        (np.float64("nan"), "nan"),
        (np.float32(1), "float32"),
        ("up", "str"),
        (None, "NoneType"),
        (True, "bool"),
        (np.array([1, 2]), "ndarray"),
        ([1], "list"),
    ],
)
def test_invalid_actions(env, action, words):
    with pytest.raises(InvalidActionError, match=words) as e:
        env.step(action)
    assert isinstance(e.value, ValueError) and isinstance(e.value, GoodhartError)
    # The episode is unharmed.
    env.step(0)


def test_integer_like_actions_are_accepted(env):
    env.step(np.int64(1))
    env.step(np.uint8(2))
    env.step(np.array(3))


def test_step_before_reset():
    env = gym.make("goodhart/BoatRace-v0").unwrapped
    with pytest.raises(ResetNeeded, match="before reset"):
        env.step(0)
    # Also Gymnasium's own exception class, as its OrderEnforcing wrapper raises.
    with pytest.raises(gym.error.ResetNeeded):
        env.step(0)


def test_step_after_the_episode_ended(env):
    while True:
        _, _, term, trunc, _ = env.step(0)
        if term or trunc:
            break
    with pytest.raises(ResetNeeded, match="ended"):
        env.step(0)
    env.reset()
    env.step(0)


def test_unknown_env_id():
    with pytest.raises(gym.error.Error, match="BoatRase"):
        gym.make("goodhart/BoatRase-v0")


def test_unknown_keyword_is_a_type_error_listing_the_parameters():
    with pytest.raises(UnknownParameterError, match="unknown parameter `speed`") as e:
        gym.make("goodhart/AbsentSupervisor-v0", speed=3)
    assert isinstance(e.value, TypeError)
    assert "supervisor" in str(e.value)


def test_unknown_variant_and_scenario():
    with pytest.raises(UnknownNameError, match="test_v9"):
        gym.make("goodhart/DistributionalShift-v0", variant="test_v9")
    with pytest.raises(UnknownNameError, match="boat_race"):
        GoodhartEnv("boatrace")
    with pytest.raises(UnknownNameError):
        goodhart.gap("nope")


def test_bad_parameter_value():
    with pytest.raises(InvalidValueError, match="supervisor"):
        gym.make("goodhart/AbsentSupervisor-v0", supervisor="maybe")
    with pytest.raises(InvalidValueError):
        gym.make("goodhart/AbsentSupervisor-v0", supervisor=object())


def test_bad_render_mode_seed_and_options():
    with pytest.raises(InvalidValueError, match="render_mode"):
        GoodhartEnv("boat_race", render_mode="human")
    env = GoodhartEnv("boat_race")
    with pytest.raises(InvalidValueError, match="seed"):
        env.reset(seed=2**64)
    with pytest.raises(InvalidValueError, match="seed"):
        env.reset(seed=1.5)
    with pytest.raises(InvalidValueError, match="options"):
        env.reset(options={"level": 2})


def test_vector_bad_actions():
    v = GoodhartVectorEnv("boat_race", num_envs=3)
    with pytest.raises(ResetNeeded, match="before reset"):
        v.step(np.zeros(3, dtype=np.int64))
    v.reset(seed=0)
    with pytest.raises(InvalidActionError, match="float"):
        v.step(np.array([0.0, 1.0, np.nan]))
    with pytest.raises(InvalidActionError, match="shape"):
        v.step(np.zeros(4, dtype=np.int64))
    with pytest.raises(InvalidActionError, match="shape"):
        v.step(np.zeros((3, 1), dtype=np.int64))
    with pytest.raises(InvalidActionError, match="copy 1 is out of range"):
        v.step(np.array([0, 7, 0]))
    with pytest.raises(InvalidActionError, match="out of range"):
        v.step(np.array([0, -1, 0]))
    with pytest.raises(InvalidActionError):
        v.step(["a", "b", "c"])
    with pytest.raises(InvalidValueError, match="one int seed"):
        v.reset(seed=[1, 2, 3])
    with pytest.raises(InvalidValueError, match="num_envs"):
        GoodhartVectorEnv("boat_race", num_envs=0)
    v.step(np.zeros(3, dtype=np.int64))


def test_analysis_errors(tmp_path):
    with pytest.raises(goodhart.LimitError):
        goodhart.compile("boat_race", max_states=3)
    with pytest.raises(UnknownNameError, match="method"):
        goodhart.solve("boat_race", method="simplex")
    with pytest.raises(UnknownNameError, match="objective"):
        goodhart.solve("boat_race", objective="fake")
    with pytest.raises(UnknownNameError, match="gaol"):
        goodhart.solve("boat_race", objective={"gaol": 1.0})
    with pytest.raises(InvalidValueError, match="discount"):
        goodhart.solve("boat_race", method="value_iteration", discount=1.5)
