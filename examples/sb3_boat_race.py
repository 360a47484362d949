#!/usr/bin/env python3
"""Stable-Baselines3 PPO games a goodhart scenario: the proxy return rises, the true one does not.

    pip install ./python stable-baselines3 matplotlib     # stable-baselines3 pulls torch
    python examples/sb3_boat_race.py                       # boat race, ~200k steps, a few min
    python examples/sb3_boat_race.py --scenario coastrunners --timesteps 300000

PPO trains on the environment's reward (the *proxy*) through the plain Gymnasium API. Each
step's ``info["true_reward"]`` (the objective we meant, which PPO never sees) is summed by a
wrapper, so the plot shows both returns per training episode and, at regular intervals, for the
greedy policy, together with the exact figures of ``goodhart.gap``: the proxy optimum, the true
optimum, and the true return of the worst proxy-optimal policy.

In the boat race, circling over one checkpoint pays as much proxy reward as racing laps; the
true objective (clockwise progress) only rewards laps. Whatever PPO settles on earns the maximal
proxy return; which true return it gets is luck, and the gap between the two lines is the
specification gaming. The script writes a PNG (``--out``) and prints a summary.
"""

from __future__ import annotations

import argparse
import sys

import gymnasium as gym
import numpy as np

import goodhart


class TrueReturn(gym.Wrapper):
    """Records (timestep, proxy return, true return) for every finished episode."""

    def __init__(self, env: gym.Env, log: list[tuple[int, float, float]], clock: list[int]):
        super().__init__(env)
        self.log, self.clock = log, clock
        self.proxy = self.truth = 0.0

    def reset(self, **kwargs):
        self.proxy = self.truth = 0.0
        return self.env.reset(**kwargs)

    def step(self, action):
        obs, reward, terminated, truncated, info = self.env.step(action)
        self.clock[0] += 1
        self.proxy += float(reward)
        self.truth += info[goodhart.INFO_TRUE_REWARD]
        if terminated or truncated:
            self.log.append((self.clock[0], self.proxy, self.truth))
        return obs, reward, terminated, truncated, info


def greedy_returns(model, env_id: str, episodes: int, seed: int) -> tuple[float, float]:
    """Mean proxy and true return of the greedy policy."""
    env = gym.make(env_id)
    p = t = 0.0
    for k in range(episodes):
        obs, _ = env.reset(seed=seed + k)
        while True:
            action, _ = model.predict(obs, deterministic=True)
            obs, r, term, trunc, info = env.step(int(action))
            p += float(r)
            t += info[goodhart.INFO_TRUE_REWARD]
            if term or trunc:
                break
    return p / episodes, t / episodes


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="boat_race")
    ap.add_argument("--timesteps", type=int, default=200_000)
    ap.add_argument("--envs", type=int, default=8, help="parallel envs (SB3 DummyVecEnv)")
    ap.add_argument("--eval-every", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default="sb3_boat_race.png")
    args = ap.parse_args()

    try:
        from stable_baselines3 import PPO
        from stable_baselines3.common.callbacks import BaseCallback
        from stable_baselines3.common.env_util import make_vec_env
    except ImportError:
        print("needs stable-baselines3: pip install stable-baselines3 matplotlib", file=sys.stderr)
        return 2

    env_id = goodhart.env_id(args.scenario)
    log: list[tuple[int, float, float]] = []
    clock = [0]
    venv = make_vec_env(
        env_id, n_envs=args.envs, seed=args.seed, wrapper_class=TrueReturn,
        wrapper_kwargs={"log": log, "clock": clock},
    )
    model = PPO("MlpPolicy", venv, seed=args.seed, n_steps=512, batch_size=256,
                learning_rate=3e-4, ent_coef=0.01, verbose=0)

    evals: list[tuple[int, float, float]] = []

    class Greedy(BaseCallback):
        def _on_step(self) -> bool:
            if self.num_timesteps // args.eval_every > len(evals) - 1:
                evals.append((self.num_timesteps, *greedy_returns(self.model, env_id, 3, 10_000)))
            return True

    evals.append((0, *greedy_returns(model, env_id, 3, 10_000)))
    model.learn(total_timesteps=args.timesteps, callback=Greedy())
    evals.append((args.timesteps, *greedy_returns(model, env_id, 3, 10_000)))

    gap = goodhart.gap(args.scenario, paths=False)
    proxy_opt = gap["proxy_optimal"]["proxy_return"]
    true_opt = gap["true_optimal"]["true_return"]
    worst = gap["proxy_optimal"]["true_min"]

    steps = np.array([x[0] for x in log])
    proxy = np.array([x[1] for x in log])
    truth = np.array([x[2] for x in log])
    k = max(1, len(log) // 50)
    smooth = lambda v: np.convolve(v, np.ones(k) / k, mode="valid")  # noqa: E731

    first, last = slice(0, max(1, len(log) // 10)), slice(-max(1, len(log) // 10), None)
    print(f"{args.scenario}: {len(log)} training episodes, {args.timesteps} steps")
    print(f"training episodes, first 10%:  proxy {proxy[first].mean():8.2f}  "
          f"true {truth[first].mean():8.2f}")
    print(f"training episodes, last 10%:   proxy {proxy[last].mean():8.2f}  "
          f"true {truth[last].mean():8.2f}")
    print(f"greedy policy at the end:      proxy {evals[-1][1]:8.2f}  true {evals[-1][2]:8.2f}")
    print(f"exact: proxy optimum {proxy_opt}, true optimum {true_opt}, true return of the "
          f"worst proxy-optimal policy {worst} (gap {gap['gap_pessimistic']})")

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 5))
    ax.plot(steps[k - 1:], smooth(proxy), color="#d08c00", alpha=0.45,
            label="proxy return (training episodes)")
    ax.plot(steps[k - 1:], smooth(truth), color="#008080", alpha=0.45,
            label="true return (training episodes)")
    e = np.array(evals)
    ax.plot(e[:, 0], e[:, 1], "o-", color="#d08c00", label="proxy return (greedy policy)")
    ax.plot(e[:, 0], e[:, 2], "o-", color="#008080", label="true return (greedy policy)")
    ax.axhline(proxy_opt, color="#d08c00", ls="--", lw=1, label="proxy optimum (exact)")
    ax.axhline(true_opt, color="#008080", ls="--", lw=1, label="true optimum (exact)")
    ax.axhline(worst, color="#008080", ls=":", lw=1,
               label="true return of the worst proxy-optimal policy")
    ax.set_xlabel("environment steps")
    ax.set_ylabel("episode return")
    ax.set_title(f"PPO on goodhart {args.scenario}: optimizing the proxy")
    ax.legend(fontsize=8, loc="best")
    fig.tight_layout()
    fig.savefig(args.out, dpi=120)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
