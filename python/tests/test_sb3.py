"""Stable-Baselines3 PPO on a goodhart env through the standard Gymnasium API.

Runs by default (``scripts/test-python`` installs stable-baselines3, which pulls torch, about
5 GB); ``GOODHART_SKIP_SB3=1`` skips it on machines without the disk space.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

if os.environ.get("GOODHART_SKIP_SB3") == "1":
    pytest.skip("GOODHART_SKIP_SB3=1: the Stable-Baselines3 test is skipped", allow_module_level=True)

# Not importorskip: in the default run a missing stable-baselines3 is a failure, not a skip.
import stable_baselines3 as sb3  # noqa: E402,F401

import gymnasium as gym  # noqa: E402
from stable_baselines3 import PPO  # noqa: E402
from stable_baselines3.common.env_checker import check_env as sb3_check_env  # noqa: E402

import goodhart  # noqa: F401,E402


def rollout(model, env, seed):
    obs, _ = env.reset(seed=seed)
    proxy = truth = 0.0
    while True:
        action, _ = model.predict(obs, deterministic=True)
        obs, r, term, trunc, info = env.step(action)
        proxy += r
        truth += info["true_reward"]
        if term or trunc:
            return proxy, truth


@pytest.mark.filterwarnings("ignore:Your observation  has an unconventional shape")
def test_ppo_trains_on_boat_race():
    env = gym.make("goodhart/BoatRace-v0")
    sb3_check_env(env.unwrapped)
    before = PPO("MlpPolicy", env, seed=0, n_steps=256, batch_size=64, verbose=0)
    p0, _ = rollout(before, gym.make("goodhart/BoatRace-v0"), 0)
    model = PPO("MlpPolicy", env, seed=0, n_steps=256, batch_size=64, learning_rate=3e-3,
                verbose=0)
    model.learn(total_timesteps=12_000)
    proxy, truth = rollout(model, gym.make("goodhart/BoatRace-v0"), 0)
    assert np.isfinite(proxy) and np.isfinite(truth)
    # The proxy is learnt: better than the untrained policy.
    assert proxy > p0
