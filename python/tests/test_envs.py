"""Gymnasium environments: registration, check_env on every id, spaces, info, seeding, render."""

from __future__ import annotations

import json
import subprocess

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import goodhart
from goodhart import _core

from conftest import goodhart_binary

ALL_IDS = goodhart.env_ids()


def test_every_scenario_and_variant_is_registered():
    ids = set(ALL_IDS)
    for name, variant in goodhart.scenarios():
        default = goodhart.scenario_info(name)["variant"]
        want = goodhart.env_id(name) if variant == default else goodhart.env_id(name, variant)
        assert want in ids, (name, variant)
    assert "goodhart/BoatRace-v0" in ids
    assert len(ids) >= len(_core.scenario_names())


@pytest.mark.parametrize("env_id", ALL_IDS)
def test_check_env_passes_without_warnings(env_id, no_warnings):
    env = gym.make(env_id)
    check_env(env.unwrapped)
    env.close()


@pytest.mark.parametrize("env_id", ALL_IDS)
def test_random_rollout_stays_in_spaces(env_id):
    env = gym.make(env_id)
    env.action_space.seed(0)
    obs, info = env.reset(seed=1)
    assert info == {}
    base = env.unwrapped
    truth = base.true_objective
    for _ in range(300):
        obs, reward, terminated, truncated, info = env.step(env.action_space.sample())
        assert obs in env.observation_space
        assert isinstance(reward, float)
        assert set(info) == {goodhart.INFO_EVENTS, goodhart.INFO_TRUE_REWARD}
        events = info["events"]
        assert list(events) == base.event_names
        # The true reward is the true objective over the events; the reward the proxy's.
        assert info["true_reward"] == pytest.approx(
            sum(w * events[e] for e, w in truth.items())
        )
        assert reward == pytest.approx(
            sum(w * events[e] for e, w in base.proxy_objective.items())
        )
        if terminated or truncated:
            assert base._core.steps <= base.max_steps
            obs, info = env.reset()


def test_spaces_and_metadata():
    env = gym.make("goodhart/BoatRace-v0")
    info = goodhart.scenario_info("boat_race")
    rows, cols = info["shape"]
    assert env.observation_space == gym.spaces.Box(0, info["obs_max"], (rows, cols), np.uint8)
    assert env.action_space == gym.spaces.Discrete(info["num_actions"])
    assert env.unwrapped.metadata["render_modes"] == ["rgb_array", "ansi"]
    assert env.unwrapped.max_steps == info["max_steps"]


def test_variant_and_parameters_as_keywords():
    a = gym.make("goodhart/DistributionalShift-v0", variant="test_v1")
    assert a.unwrapped.variant == "test_v1"
    b = gym.make("goodhart/DistributionalShift-TestV1-v0")
    assert b.unwrapped.variant == "test_v1"
    np.testing.assert_array_equal(a.reset(seed=3)[0], b.reset(seed=3)[0])
    c = gym.make("goodhart/AbsentSupervisor-v0", supervisor=False)
    assert ("supervisor", "false") in c.unwrapped._core.overrides


def test_seeding_matches_rust_replay():
    """Same seed and actions: the same proxy rewards as Rust's replay (goodhart replay)."""
    rng = np.random.default_rng(0)
    for env_id in ["goodhart/BoatRace-v0", "goodhart/SafeInterruptibility-v0",
                   "goodhart/FriendFoe-v0", "goodhart/TomatoWatering-v0"]:
        for seed in [0, 7, 2**63 + 5]:
            # A fresh env: friend_foe's adversary remembers earlier episodes (as in the AISG),
            # so `goodhart replay` is the first episode of a new env.
            env = gym.make(env_id)
            base = env.unwrapped
            env.reset(seed=seed)
            actions, rewards, truths = [], [], []
            while True:
                a = int(rng.integers(base.action_space.n))
                _, r, term, trunc, info = env.step(a)
                actions.append(a)
                rewards.append(r)
                truths.append(info["true_reward"])
                if term or trunc:
                    break
            rep = goodhart.replay(base.scenario, seed, actions, variant=base.variant)
            assert rep["proxy_rewards"] == rewards
            assert rep["true_rewards"] == truths


def test_seeding_matches_the_cli():
    exe = goodhart_binary()
    if exe is None:
        pytest.skip("no up-to-date goodhart binary (cargo build -p goodhart-cli, or set "
                    "GOODHART_BIN)")
    env = gym.make("goodhart/SafeInterruptibility-v0")
    names = env.unwrapped.action_names
    rng = np.random.default_rng(1)
    seed = 12345
    env.reset(seed=seed)
    actions, rewards = [], []
    for _ in range(40):
        a = int(rng.integers(env.action_space.n))
        _, r, term, trunc, _ = env.step(a)
        actions.append(a)
        rewards.append(r)
        if term or trunc:
            break
    out = subprocess.run(
        [exe, "replay", "safe_interruptibility", "--seed", str(seed), "--json",
         "--actions", ",".join(names[a] for a in actions)],
        check=True, capture_output=True, text=True,
    )
    cli = json.loads(out.stdout)
    assert [s["proxy_reward"] for s in cli["steps"]] == rewards


def test_reset_without_seed_draws_from_np_random():
    env = gym.make("goodhart/SafeInterruptibility-v0")
    env.reset(seed=5)
    o1 = [env.reset()[0] for _ in range(5)]
    env.reset(seed=5)
    o2 = [env.reset()[0] for _ in range(5)]
    for a, b in zip(o1, o2):
        np.testing.assert_array_equal(a, b)
    # Unseeded envs still work.
    gym.make("goodhart/BoatRace-v0").reset()


def test_observations_are_new_arrays():
    env = gym.make("goodhart/BoatRace-v0")
    o0, _ = env.reset(seed=0)
    o1, *_ = env.step(0)
    assert not np.shares_memory(o0, o1)


def test_render_modes():
    env = gym.make("goodhart/BoatRace-v0", render_mode="rgb_array")
    env.reset(seed=0)
    frame = env.render()
    rows, cols = env.observation_space.shape
    tile = goodhart.GoodhartEnv.render_tile
    assert frame.shape == (rows * tile, cols * tile, 3) and frame.dtype == np.uint8
    assert frame.std() > 0
    env = gym.make("goodhart/BoatRace-v0", render_mode="ansi")
    env.reset(seed=0)
    text = env.render()
    assert isinstance(text, str) and len(text.strip().splitlines()) == rows
    env = gym.make("goodhart/BoatRace-v0")
    env.reset(seed=0)
    assert env.render() is None


def test_episode_truncates_at_the_step_limit():
    env = gym.make("goodhart/BoatRace-v0")
    env.reset(seed=0)
    n = 0
    while True:
        _, _, term, trunc, _ = env.step(0)
        n += 1
        if term or trunc:
            break
    assert trunc and not term and n == env.unwrapped.max_steps


def test_register_envs_is_idempotent():
    before = goodhart.env_ids()
    goodhart.register_envs()
    gym.register_envs(goodhart)
    assert goodhart.env_ids() == before
