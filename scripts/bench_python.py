#!/usr/bin/env python3
"""Steps per second of goodhart's Python environments against MiniGrid.

    python scripts/bench_python.py [--seconds 3] [--scenario boat_race] [--json]

Measures, each for about --seconds of wall time, with uniformly random actions drawn beforehand:
  (a) one goodhart env through the Gymnasium API (gymnasium.make: its default wrappers, step,
      reset when an episode ends);
  (b) the goodhart vector env with 64 copies (gymnasium.make_vec, the Rust batched stepper),
      with copy=True (the default: new arrays every step) and with copy=False (read-only
      zero-copy views of the Rust buffers, updated in place);
  (c) MiniGrid-Empty-8x8-v0 through gymnasium.make;
  (d) MiniGrid-Empty-8x8-v0 x 64 through Gymnasium's SyncVectorEnv;
and prints the ratios (a)/(c) (target >= 10) and (b)/(d) (target >= 100) for both modes of (b),
and copy=False over copy=True. Needs
`pip install minigrid` and the goodhart package.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time

import gymnasium as gym
import numpy as np


def bench_single(env: gym.Env, seconds: float, seed: int = 0) -> float:
    n_actions = env.action_space.n
    actions = np.random.default_rng(seed).integers(0, n_actions, 1 << 16).tolist()
    env.reset(seed=seed)
    steps = 0
    k = len(actions)
    t0 = time.perf_counter()
    deadline = t0 + seconds
    while True:
        for _ in range(1000):
            _, _, terminated, truncated, _ = env.step(actions[steps % k])
            steps += 1
            if terminated or truncated:
                env.reset()
        if time.perf_counter() >= deadline:
            break
    return steps / (time.perf_counter() - t0)


def bench_vector(env: gym.vector.VectorEnv, seconds: float, seed: int = 0) -> float:
    n = env.num_envs
    n_actions = env.single_action_space.n
    batches = np.random.default_rng(seed).integers(0, n_actions, (256, n)).astype(np.int64)
    env.reset(seed=seed)
    calls = 0
    t0 = time.perf_counter()
    deadline = t0 + seconds
    while True:
        for _ in range(50):
            env.step(batches[calls % 256])  # NEXT_STEP autoreset: no reset calls needed
            calls += 1
        if time.perf_counter() >= deadline:
            break
    return calls * n / (time.perf_counter() - t0)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=3.0, help="wall time per measurement")
    p.add_argument("--scenario", default="boat_race", help="goodhart scenario to step")
    p.add_argument("--copies", type=int, default=64, help="copies of the vector envs")
    p.add_argument("--json", action="store_true", help="print JSON")
    args = p.parse_args()

    import goodhart

    try:
        import minigrid  # noqa: F401
    except ImportError:
        print("minigrid is not installed: pip install minigrid", file=sys.stderr)
        return 2
    gym.register_envs(goodhart)
    profile = goodhart._core.BUILD_PROFILE
    if profile != "release" and not args.json:
        print("warning: goodhart is a debug build (maturin develop without --release): its "
              "figures are not representative", file=sys.stderr)

    gid = goodhart.env_id(args.scenario)
    mg = "MiniGrid-Empty-8x8-v0"
    results = {}
    results["goodhart_single"] = bench_single(gym.make(gid), args.seconds)
    results["goodhart_vector"] = bench_vector(
        gym.make_vec(gid, num_envs=args.copies, vectorization_mode="vector_entry_point"),
        args.seconds,
    )
    results["goodhart_vector_zero_copy"] = bench_vector(
        gym.make_vec(gid, num_envs=args.copies, vectorization_mode="vector_entry_point",
                     copy=False),
        args.seconds,
    )
    results["minigrid_single"] = bench_single(gym.make(mg), args.seconds)
    results["minigrid_sync_vector"] = bench_vector(
        gym.make_vec(mg, num_envs=args.copies, vectorization_mode="sync"), args.seconds
    )
    ratios = {
        "single_vs_minigrid": results["goodhart_single"] / results["minigrid_single"],
        "vector_vs_minigrid_sync_vector": results["goodhart_vector"]
        / results["minigrid_sync_vector"],
        "vector_zero_copy_vs_minigrid_sync_vector": results["goodhart_vector_zero_copy"]
        / results["minigrid_sync_vector"],
        "zero_copy_vs_copy": results["goodhart_vector_zero_copy"] / results["goodhart_vector"],
    }
    if args.json:
        print(json.dumps({
            "scenario": args.scenario,
            "copies": args.copies,
            "build_profile": profile,
            "steps_per_second": results,
            "ratios": ratios,
            "python": platform.python_version(),
            "gymnasium": gym.__version__,
            "numpy": np.__version__,
        }, indent=2))
        return 0
    print(f"goodhart scenario {args.scenario} ({gid}, {profile} build); MiniGrid {mg}; "
          f"{args.copies} copies; Python {platform.python_version()}, "
          f"Gymnasium {gym.__version__}")
    rows = [
        ("(a) goodhart, one env, Gymnasium API", results["goodhart_single"]),
        (f"(b) goodhart vector env x{args.copies}, copy=True", results["goodhart_vector"]),
        (f"(b') goodhart vector env x{args.copies}, copy=False",
         results["goodhart_vector_zero_copy"]),
        ("(c) MiniGrid, one env, Gymnasium API", results["minigrid_single"]),
        (f"(d) MiniGrid SyncVectorEnv x{args.copies}", results["minigrid_sync_vector"]),
    ]
    for label, v in rows:
        print(f"{label:48} {v:>14,.0f} steps/s")
    print(f"(a)/(c) = {ratios['single_vs_minigrid']:8.1f}   (target >= 10)")
    print(f"(b)/(d) = {ratios['vector_vs_minigrid_sync_vector']:8.1f}   (target >= 100)")
    print(f"(b')/(d) = {ratios['vector_zero_copy_vs_minigrid_sync_vector']:7.1f}   "
          "(target >= 100)")
    print(f"(b')/(b) = {ratios['zero_copy_vs_copy']:7.2f}   (copy=False over copy=True)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
