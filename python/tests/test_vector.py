"""The vector env: Rust batched stepping, NEXT_STEP autoreset, seeds, copies, make_vec."""

from __future__ import annotations

import gc
import threading

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.vector import AutoresetMode

import goodhart
from goodhart import GoodhartEnv, GoodhartVectorEnv


class _Singles:
    """One single env per copy, stepped beside a vector env: each copy's step must equal its
    single env's, with NEXT_STEP autoreset and the derived seeds."""

    def __init__(self, envs, seed):
        self.envs, self.seed = envs, seed
        self.episode = [0] * len(envs)
        self.pending = [False] * len(envs)
        self.resets = 0

    def check_reset(self, obs):
        for i, env in enumerate(self.envs):
            o, _ = env.reset(seed=goodhart.derive_seed(self.seed, [i, 0]))
            self.episode[i] = 1
            np.testing.assert_array_equal(obs[i], o)

    def check_step(self, actions, obs, rew, term, trunc, info):
        for i, env in enumerate(self.envs):
            if self.pending[i]:
                o, _ = env.reset(seed=goodhart.derive_seed(self.seed, [i, self.episode[i]]))
                self.episode[i] += 1
                self.pending[i] = False
                self.resets += 1
                np.testing.assert_array_equal(obs[i], o)
                assert rew[i] == 0 and not term[i] and not trunc[i]
                assert not info["_events"][i] and not info["_true_reward"][i]
                continue
            o, r, te, tr, inf = env.step(int(actions[i]))
            np.testing.assert_array_equal(obs[i], o)
            assert (rew[i], term[i], trunc[i]) == (r, te, tr)
            assert info["_true_reward"][i] and info["true_reward"][i] == inf["true_reward"]
            assert list(info["events"][i]) == list(inf["events"].values())
            self.pending[i] = te or tr


@pytest.mark.parametrize("scenario", ["boat_race", "safe_interruptibility", "friend_foe"])
@pytest.mark.parametrize("copy", [True, False])
def test_matches_single_envs_with_next_step_autoreset(scenario, copy):
    n, seed = 5, 99
    venv = GoodhartVectorEnv(scenario, num_envs=n, copy=copy)
    singles = _Singles([GoodhartEnv(scenario) for _ in range(n)], seed)
    obs, info = venv.reset(seed=seed)
    assert info == {}
    singles.check_reset(obs)
    rng = np.random.default_rng(3)
    for _ in range(400):
        actions = rng.integers(0, venv.single_action_space.n, n)
        obs, rew, term, trunc, info = venv.step(actions)
        obs, rew, term, trunc = obs.copy(), rew.copy(), term.copy(), trunc.copy()
        singles.check_step(actions, obs, rew, term, trunc, info)
    assert singles.resets > 0


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


def _data(a: np.ndarray) -> int:
    return a.__array_interface__["data"][0]


def _step_copies(result):
    """Independent copies of everything a vector step returns."""
    obs, rew, term, trunc, info = result
    return obs.copy(), rew.copy(), term.copy(), trunc.copy(), {
        k: v.copy() for k, v in info.items()
    }


@pytest.mark.skipif(not goodhart._core.ZERO_COPY, reason="free-threaded build: no zero-copy")
def test_copy_false_returns_read_only_views_of_the_rust_buffers():
    v = GoodhartVectorEnv("boat_race", num_envs=4, copy=False)
    obs, _ = v.reset(seed=1)
    assert isinstance(obs.base, goodhart._core.VecEnv) and obs.base is v._core
    first = obs
    ptrs = [_data(obs)]
    before = obs.copy()
    for t in range(120):
        obs, rew, term, trunc, info = v.step(np.full(4, t % 4, dtype=np.int64))
        assert obs is first and np.shares_memory(obs, first)
        ptrs.append(_data(obs))
        for a in (obs, rew, term, trunc, info["events"], info["true_reward"]):
            assert not a.flags.writeable and not a.flags.owndata
            assert a.base is v._core
            with pytest.raises(ValueError):
                a.flat[0] = 0
            with pytest.raises(ValueError):
                a.setflags(write=True)
    assert len(set(ptrs)) == 1
    assert not np.array_equal(before, first), "updated in place"
    # The same arrays on every call, reset included; the masks are env-owned buffers.
    obs2, _ = v.reset(seed=1)
    assert obs2 is first
    np.testing.assert_array_equal(obs2, before)
    assert v.step(np.zeros(4, dtype=np.int64))[4]["_events"].flags.writeable
    assert obs2 in v.observation_space


@pytest.mark.parametrize("scenario", ["boat_race", "safe_interruptibility", "whisky_gold"])
def test_copy_false_equals_copy_true_and_gym_make_singles(scenario):
    """Step for step, through autoresets: the views hold exactly what copy=True returns, which
    is what one `gymnasium.make` env per copy returns with the derived seeds."""
    n, seed = 6, 7
    a = GoodhartVectorEnv(scenario, num_envs=n)
    b = GoodhartVectorEnv(scenario, num_envs=n, copy=False)
    singles = _Singles([gym.make(goodhart.env_id(scenario)) for _ in range(n)], seed)
    oa, _ = a.reset(seed=seed)
    ob, _ = b.reset(seed=seed)
    np.testing.assert_array_equal(oa, ob)
    singles.check_reset(ob)
    rng = np.random.default_rng(11)
    for _ in range(300):
        act = rng.integers(0, a.single_action_space.n, n)
        ra = a.step(act)
        rb = b.step(act)
        for x, y in zip(ra[:4], rb[:4]):
            np.testing.assert_array_equal(x, y)
            assert x.dtype == y.dtype and x.shape == y.shape
        assert ra[4].keys() == rb[4].keys()
        for k in ra[4]:
            np.testing.assert_array_equal(ra[4][k], rb[4][k])
        singles.check_step(act, *_step_copies(rb))
    assert singles.resets > 0


@pytest.mark.skipif(not goodhart._core.ZERO_COPY, reason="free-threaded build: no zero-copy")
def test_copy_false_views_outlive_the_env():
    v = GoodhartVectorEnv("boat_race", num_envs=3, copy=False)
    v.reset(seed=5)
    for t in range(30):
        result = v.step(np.full(3, t % 4, dtype=np.int64))
    kept = _step_copies(result)
    obs, rew, _, _, info = result
    events = info["events"]
    del v, result, info
    gc.collect()
    # The arrays' base is the Rust object, so its buffers are still there.
    for _ in range(3):
        junk = [GoodhartVectorEnv("boat_race", num_envs=3, copy=False) for _ in range(4)]
        for j in junk:
            j.reset(seed=0)
        del junk
        gc.collect()
    np.testing.assert_array_equal(obs, kept[0])
    np.testing.assert_array_equal(rew, kept[1])
    np.testing.assert_array_equal(events, kept[4]["events"])
    assert obs.base.num_envs == 3
    base = obs.base
    del obs, rew, events
    gc.collect()
    assert base.num_envs == 3  # the last reference: freed with it, no crash


def test_copy_false_without_zero_copy_uses_env_owned_buffers(monkeypatch):
    """The free-threaded fallback (ZERO_COPY false): writable numpy buffers Rust copies into,
    with the same contents."""
    monkeypatch.setattr(goodhart._core, "ZERO_COPY", False)
    a = GoodhartVectorEnv("boat_race", num_envs=4, copy=False)
    monkeypatch.undo()
    b = GoodhartVectorEnv("boat_race", num_envs=4, copy=False)
    oa, _ = a.reset(seed=3)
    ob, _ = b.reset(seed=3)
    assert oa.flags.writeable and oa.flags.owndata
    assert oa is a.reset(seed=3)[0]
    for t in range(150):
        act = np.full(4, (t * 7) % 4, dtype=np.int64)
        ra, rb = a.step(act), b.step(act)
        assert ra[0] is oa
        for x, y in zip(ra[:4], rb[:4]):
            np.testing.assert_array_equal(x, y)
        for k in ra[4]:
            np.testing.assert_array_equal(ra[4][k], rb[4][k])


def test_copy_false_through_make_vec_and_a_vector_wrapper():
    envs = gym.make_vec("goodhart/BoatRace-v0", num_envs=4, copy=False)
    assert isinstance(envs, GoodhartVectorEnv) and envs.copy is False
    w = gym.wrappers.vector.RecordEpisodeStatistics(envs)
    ref = gym.wrappers.vector.RecordEpisodeStatistics(
        gym.make_vec("goodhart/BoatRace-v0", num_envs=4)
    )
    w.reset(seed=0)
    ref.reset(seed=0)
    episodes = 0
    for t in range(210):
        act = np.full(4, t % 4, dtype=np.int64)
        got, want = w.step(act), ref.step(act)
        np.testing.assert_array_equal(got[1], want[1])
        if "episode" in want[4]:
            episodes += 1
            np.testing.assert_array_equal(got[4]["episode"]["r"], want[4]["episode"]["r"])
    assert episodes > 0


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
