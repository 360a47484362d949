#!/usr/bin/env python3
"""Speed of goodhart's exact solvers against numpy, pymdptoolbox and Storm (issue 3, "Speed").

For each grid size N it runs the Rust benchmark (`cargo bench -p goodhart-mdp --bench mdp`),
which generates the slippery lava grid of `goodhart_mdp::synthetic` (N*N + 1 states, 4 actions,
stochastic), compiles it, times value-iteration sweeps and exports the model as NumPy arrays.
Then, on that same exported model:

* numpy/scipy value iteration (one CSR matrix-vector product per sweep, then a max per state);
* pymdptoolbox's ValueIteration (its own sweep: one sparse product per action);
* Storm (stormpy), `Pmax=? [F "goal"]` to relative 1e-6, beside goodhart's value iteration for
  the same quantity and rule (discount 1, |V' - V| <= 1e-6 |V'|).

It prints seconds per sweep for each and the ratios, and checks that numpy's values agree with
goodhart's. Needs numpy and scipy; pymdptoolbox and stormpy are used when installed. Install
into a virtual environment outside the repository, e.g.

    python3 -m venv /tmp/bench-venv
    /tmp/bench-venv/bin/pip install numpy scipy pymdptoolbox stormpy
    /tmp/bench-venv/bin/python scripts/bench_mdp.py --n 316 --n 1000

Options: --n N (repeatable; default 316 and 1000), --sweeps K (timed sweeps, default 20),
--solve-max N (largest N solved to convergence by every tool, default 316), --json FILE.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import scipy.sparse as sp

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_rust(n, sweeps, solve, export_dir):
    cmd = ["cargo", "bench", "-q", "-p", "goodhart-mdp", "--bench", "mdp", "--",
           "--n", str(n), "--sweeps", str(sweeps), "--export", export_dir]
    if solve:
        cmd.append("--solve")
    out = subprocess.run(cmd, cwd=REPO, check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        if not line.startswith("BENCH_JSON"):
            print("  rust | " + line)
    line = next(l for l in out.splitlines() if l.startswith("BENCH_JSON"))
    return json.loads(line[len("BENCH_JSON "):])


def load(export_dir):
    a = lambda name: np.load(os.path.join(export_dir, name + ".npy"))
    meta = json.load(open(os.path.join(export_dir, "meta.json")))
    offsets, nxt, prob = a("row_offsets"), a("next"), a("prob")
    terminal, reward = a("terminal"), a("reward_proxy")
    s, k = meta["states"], meta["actions"]
    rows = s * k
    row_of = np.repeat(np.arange(rows), np.diff(offsets).astype(np.int64))
    live = terminal == 0
    P = sp.csr_matrix((prob[live], (row_of[live], nxt[live])), shape=(rows, s))
    r = np.bincount(row_of, weights=prob * reward, minlength=rows)
    init = a("initial_state")[0]
    return s, k, P, r, init


def numpy_vi(s, k, P, r, sweeps=None, eps=1e-6, max_iter=1_000_000):
    """Jacobi value iteration, discount 1; with `sweeps`, time that many sweeps."""
    v = np.zeros(s)
    if sweeps is not None:
        t = time.perf_counter()
        for _ in range(sweeps):
            v = (r + P @ v).reshape(s, k).max(axis=1)
        return (time.perf_counter() - t) / sweeps, v
    t = time.perf_counter()
    for it in range(1, max_iter + 1):
        w = (r + P @ v).reshape(s, k).max(axis=1)
        d = np.abs(w - v)
        done = np.all(d <= eps * np.abs(w))
        v = w
        if done:
            return time.perf_counter() - t, it, v
    raise RuntimeError("numpy VI did not converge")


def pymdptoolbox_sweep(s, k, P, r, sweeps):
    try:
        import mdptoolbox.mdp
        import mdptoolbox.util
    except ImportError:
        return None
    # Its input check densifies sparse matrices (S x S); the model is valid by construction.
    mdptoolbox.util.check = lambda *a, **kw: None
    mdptoolbox.mdp._util.check = mdptoolbox.util.check
    Ps = [P[a::k].tocsr() for a in range(k)]
    R = r.reshape(s, k)
    import contextlib, io
    with contextlib.redirect_stdout(io.StringIO()):  # its "discount 1" warning
        vi = mdptoolbox.mdp.ValueIteration(Ps, R, discount=1.0, epsilon=1e-300, max_iter=sweeps)
    t = time.perf_counter()
    vi.run()
    return (time.perf_counter() - t) / vi.iter


def storm(drn, eps=1e-6):
    """Storm on the DRN file the Rust benchmark wrote (goal labelled)."""
    try:
        import stormpy
        import stormpy.environments as envs
    except ImportError:
        return None
    t = time.perf_counter()
    model = stormpy.build_model_from_drn(drn)
    out = {"build_seconds": time.perf_counter() - t}
    prop = stormpy.parse_properties('Pmax=? [F "goal"]')[0]
    methods = [("default (sound)", None)]
    for name, m in [("value iteration (unsound)", "VALUE_ITERATION"),
                    ("topological (unsound)", "TOPOLOGICAL"),
                    ("optimistic VI (sound)", "OPTIMISTIC_VALUE_ITERATION")]:
        if hasattr(envs.MinMaxMethod, m):
            methods.append((name, getattr(envs.MinMaxMethod, m)))
    call = lambda x: x() if callable(x) else x
    for name, method in methods:
        try:
            if method is None:
                t = time.perf_counter()
                res = stormpy.model_checking(model, prop)
            else:
                e = envs.Environment()
                mm = call(call(e.solver).min_max)
                mm.method = method
                if "OPTIMISTIC" in str(method):
                    call(e.solver).force_soundness = True
                t = time.perf_counter()
                res = stormpy.model_checking(model, prop, environment=e)
            out[name] = {"seconds": time.perf_counter() - t,
                         "pmax": res.get_value(model.initial_states[0])}
        except Exception as ex:  # API differences between stormpy versions
            out[name] = {"error": str(ex)}
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, action="append")
    ap.add_argument("--sweeps", type=int, default=20)
    ap.add_argument("--solve-max", type=int, default=316)
    ap.add_argument("--json")
    args = ap.parse_args()
    sizes = args.n or [316, 1000]
    results = []
    for n in sizes:
        solve = n <= args.solve_max
        print(f"== N = {n}")
        with tempfile.TemporaryDirectory() as d:
            rust = run_rust(n, args.sweeps, solve, d)
            s, k, P, r, init = load(d)
            st = storm(os.path.join(d, "model.drn")) if solve else None
        row = {"n": n, "rust": rust, "storm": st}
        sweeps = max(3, args.sweeps // 2)
        row["numpy_sweep"], v_np = numpy_vi(s, k, P, r, sweeps=sweeps)
        row["pymdptoolbox_sweep"] = pymdptoolbox_sweep(s, k, P, r, sweeps)
        if solve:
            secs, iters, v = numpy_vi(s, k, P, r)
            row["numpy_solve"] = {"seconds": secs, "iterations": iters, "pmax": v[init]}
            ours = rust["solve"]["jacobi"]["pmax"]
            row["agree"] = abs(v[init] - ours) <= 1e-6 * max(abs(ours), 1e-300) + 1e-12
        results.append(row)
        one, two, bound = rust["sweep_seconds_1"], rust["sweep_seconds_all"], rust["bound_seconds"]
        print(f"  {s} states, {rust['transitions']} transitions; compile {rust['compile_seconds']:.2f} s")
        print(f"  seconds per sweep: goodhart {one*1e3:.2f} ms (1 thread), {two*1e3:.2f} ms ({rust['threads']} threads); "
              f"numpy/scipy {row['numpy_sweep']*1e3:.2f} ms; pymdptoolbox "
              + (f"{row['pymdptoolbox_sweep']*1e3:.2f} ms" if row["pymdptoolbox_sweep"] else "n/a"))
        print(f"  bandwidth bound {bound*1e3:.2f} ms ({rust['copy_bandwidth']/1e9:.1f} GB/s copy); "
              f"goodhart 1 thread = {one/bound:.2f}x the bound")
        if row["pymdptoolbox_sweep"]:
            print(f"  ratio pymdptoolbox / goodhart (1 thread, per sweep): {row['pymdptoolbox_sweep']/one:.1f}x")
        print(f"  ratio numpy / goodhart (1 thread, per sweep): {row['numpy_sweep']/one:.1f}x")
        if solve:
            ns = row["numpy_solve"]
            for name, x in rust["solve"].items():
                print(f"  Pmax to relative 1e-6: goodhart {name} {x['pmax']:.10e} in {x['iterations']} sweeps, "
                      f"{x['seconds']:.3f} s (1 thread)")
            print(f"  numpy (jacobi) {ns['pmax']:.10e}, {ns['iterations']} sweeps, {ns['seconds']:.3f} s; "
                  f"agrees with goodhart's jacobi to 1e-6: {row['agree']}")
            best = min(x["seconds"] for x in rust["solve"].values())
            st = row.get("storm")
            if st:
                print(f"  Storm: build from DRN {st['build_seconds']:.2f} s")
                for name in [k for k in st if k != "build_seconds"]:
                    x = st[name]
                    if "seconds" in x:
                        print(f"  Storm {name}: {x['seconds']:.3f} s, Pmax {x['pmax']:.10e}; goodhart's best VI / Storm = "
                              f"{best/x['seconds']:.1f}x")
                    elif x:
                        print(f"  Storm {name}: {x['error']}")
            else:
                print("  Storm: stormpy not installed")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2, default=float)
    if not all(r.get("agree", True) for r in results):
        print("numpy and goodhart disagree", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
