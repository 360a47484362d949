"""The vector env: Rust batched stepping, NEXT_STEP autoreset, seeds, copies, make_vec."""

from __future__ import annotations

import threading

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.vector import AutoresetMode

import goodhart
from goodhart import GoodhartEnv, GoodhartVectorEnv


@pytest.mark.parametrize("scenario", ["boat_race", "safe_interruptibility", "friend_foe"])
@pytest.mark.parametrize("copy", [True, False])
def test_matches_single_envs_with_next_step_autoreset(scenario, copy):
    n, seed = 5, 99
    venv = GoodhartVectorEnv(scenario, num_envs=n, copy=copy)
    singles = [GoodhartEnv(scenario) for _ in range(n)]
    episode = [0] * n
    pending = [False] * n
    obs, info = venv.reset(seed=seed)
    assert info == {}
    for i, env in enumerate(singles):
        o, _ = env.reset(seed=goodhart.derive_seed(seed, [i, 0]))
        episode[i] = 1
        np.testing.assert_array_equal(obs[i], o)
    rng = np.random.default_rng(3)
    resets = 0
    for _ in range(400):
        actions = rng.integers(0, venv.single_action_space.n, n)
        obs, rew, term, trunc, info = venv.step(actions)
        obs, rew, term, trunc = obs.copy(), rew.copy(), term.copy(), trunc.copy()
        for i, env in enumerate(singles):
            if pending[i]:
                o, _ = env.reset(seed=goodhart.derive_seed(seed, [i, episode[i]]))
                episode[i] += 1
                pending[i] = False
                resets += 1
                np.testing.assert_array_equal(obs[i], o)
                assert rew[i] == 0 and not term[i] and not trunc[i]
                assert not info["_events"][i] and not info["_true_reward"][i]
                continue
            o, r, te, tr, inf = env.step(int(actions[i]))
            np.testing.assert_array_equal(obs[i], o)
            assert (rew[i], term[i], trunc[i]) == (r, te, tr)
            assert info["_true_reward"][i] and info["true_reward"][i] == inf["true_reward"]
            assert list(info["events"][i]) == list(inf["events"].values())
            pending[i] = te or tr
    assert resets > 0


def test_metadata_spaces_and_make_vec(no_warnings):
    envs = gym.make_vec("goodhart/BoatRace-v0", num_envs=8)
    assert isinstance(envs, GoodhartVectorEnv)
    assert envs.metadata["autoreset_mode"] == AutoresetMode.NEXT_STEP
    single = gym.make("goodhart/BoatRace-v0")
    assert envs.single_observation_space == single.observation_space
    assert envs.single_action_space == single.action_space
    assert envs.observation_space.shape == (8, *single.observation_space.shape)
    obs, _ = envs.reset(seed=0)
    assert obs in envs.observation_space
    obs, rew, term, trunc, info = envs.step(envs.action_space.sample())
    assert obs.dtype == np.uint8 and rew.dtype == np.float64
    assert term.dtype == np.bool_ and trunc.dtype == np.bool_
    assert info["events"].shape == (8, len(envs.event_names))
    v = gym.make_vec("goodhart/DistributionalShift-v0", num_envs=2, variant="test_v1")
    assert v._core.id == "distributional_shift:test_v1"


def test_copy_true_returns_new_arrays_and_copy_false_reuses_them():
    a = GoodhartVectorEnv("boat_race", num_envs=4)
    b = GoodhartVectorEnv("boat_race", num_envs=4, copy=False)
    oa, _ = a.reset(seed=1)
    ob, _ = b.reset(seed=1)
    first_b = ob
    prev = oa
    for t in range(250):
        act = np.full(4, t % 4, dtype=np.int64)
        ra = a.step(act)
        rb = b.step(act)
        assert not np.shares_memory(ra[0], prev)
        prev = ra[0]
        assert rb[0] is first_b
        for x, y in zip(ra[:4], rb[:4]):
            np.testing.assert_array_equal(x, y)
        np.testing.assert_array_equal(ra[4]["events"], rb[4]["events"])
        np.testing.assert_array_equal(ra[4]["_events"], rb[4]["_events"])


def test_seed_none_draws_from_np_random_and_parallel_is_identical():
    a = GoodhartVectorEnv("safe_interruptibility", num_envs=600, parallel=True)
    b = GoodhartVectorEnv("safe_interruptibility", num_envs=600, parallel=False)
    a.reset(seed=4)
    b.reset(seed=4)
    oa, _ = a.reset()
    ob, _ = b.reset()
    np.testing.assert_array_equal(oa, ob)
    rng = np.random.default_rng(0)
    for _ in range(50):
        act = rng.integers(0, 4, 600)
        for x, y in zip(a.step(act)[:4], b.step(act)[:4]):
            np.testing.assert_array_equal(x, y)


def test_accepts_other_integer_dtypes_and_lists():
    v = GoodhartVectorEnv("boat_race", num_envs=3)
    v.reset(seed=0)
    v.step([0, 1, 2])
    v.step(np.array([3, 2, 1], dtype=np.uint8))
    v.step(np.array([3, 2, 1], dtype=np.int32)[::1])


def test_render():
    v = GoodhartVectorEnv("boat_race", num_envs=2, render_mode="rgb_array")
    v.reset(seed=0)
    frames = v.render()
    assert len(frames) == 2 and frames[0].ndim == 3
    v = GoodhartVectorEnv("boat_race", num_envs=2, render_mode="ansi")
    v.reset(seed=0)
    assert all(isinstance(t, str) for t in v.render())


def test_stepping_releases_the_gil():
    """Two threads stepping two vector envs both make progress and give the serial results."""
    def run(env, out):
        env.reset(seed=2)
        total = 0.0
        for t in range(200):
            _, r, *_ = env.step(np.full(env.num_envs, t % 4, dtype=np.int64))
            total += float(r.sum())
        out.append(total)

    envs = [GoodhartVectorEnv("boat_race", num_envs=256, parallel=False) for _ in range(2)]
    results: list[float] = []
    threads = [threading.Thread(target=run, args=(e, results)) for e in envs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    serial: list[float] = []
    run(GoodhartVectorEnv("boat_race", num_envs=256), serial)
    assert results == [serial[0], serial[0]]
