#!/usr/bin/env python3
"""Speed of goodhart's exact solvers against numpy, pymdptoolbox and Storm (issue 3, "Speed").

For each grid size N it runs the Rust benchmark (`cargo bench -p goodhart-mdp --bench mdp`),
which generates the slippery lava grid of `goodhart_mdp::synthetic` (N*N + 1 states, 4 actions,
stochastic), compiles it, times value-iteration sweeps (of the whole sparse table, of its live
part, and of the pattern-compressed "stencil" table, which exploits the grid's repeated
structure) and exports the model as NumPy arrays. Then, on that same exported model (given to
them as general sparse matrices):

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
--solve-max N (largest N solved to convergence by goodhart and Storm, default 1000),
--numpy-solve-max N (largest N numpy also solves, default 316: minutes at 1000), --repeat R
(goodhart's Gauss-Seidel solve and every Storm method run R times, the fastest counts; default
3), --json FILE.
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


def run_rust(n, sweeps, solve, export_dir, repeat):
    cmd = ["cargo", "bench", "-q", "-p", "goodhart-mdp", "--bench", "mdp", "--",
           "--n", str(n), "--sweeps", str(sweeps), "--export", export_dir, "--repeat", str(repeat)]
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


def storm(drn, repeat=1):
    """Storm on the DRN file the Rust benchmark wrote (goal labelled), each method `repeat`
    times (the fastest counts)."""
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
            times = []
            for _ in range(max(1, repeat)):
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
                times.append(time.perf_counter() - t)
            out[name] = {"seconds": min(times), "all_seconds": times,
                         "pmax": res.get_value(model.initial_states[0])}
        except Exception as ex:  # API differences between stormpy versions
            out[name] = {"error": str(ex)}
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, action="append")
    ap.add_argument("--sweeps", type=int, default=20)
    ap.add_argument("--solve-max", type=int, default=1000)
    ap.add_argument("--numpy-solve-max", type=int, default=316)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json")
    args = ap.parse_args()
    sizes = args.n or [316, 1000]
    print("command: " + " ".join([os.path.basename(sys.executable)] + sys.argv))
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())} "
          f"({os.cpu_count()} cores)")
    results = []
    for n in sizes:
        solve = n <= args.solve_max
        print(f"== N = {n}")
        with tempfile.TemporaryDirectory() as d:
            rust = run_rust(n, args.sweeps, solve, d, args.repeat)
            s, k, P, r, init = load(d)
            st = storm(os.path.join(d, "model.drn"), args.repeat) if solve else None
        row = {"n": n, "rust": rust, "storm": st}
        sweeps = max(3, args.sweeps // 2)
        row["numpy_sweep"], v_np = numpy_vi(s, k, P, r, sweeps=sweeps)
        row["pymdptoolbox_sweep"] = pymdptoolbox_sweep(s, k, P, r, sweeps)
        if solve and n <= args.numpy_solve_max:
            secs, iters, v = numpy_vi(s, k, P, r)
            row["numpy_solve"] = {"seconds": secs, "iterations": iters, "pmax": v[init]}
            ours = rust["solve"]["jacobi"]["pmax"]
            row["agree"] = abs(v[init] - ours) <= 1e-6 * max(abs(ours), 1e-300) + 1e-12
        results.append(row)
        report(row, s)
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2, default=float)
    if not all(r.get("agree", True) and r.get("storm_agree", True) for r in results):
        print("goodhart disagrees with numpy or Storm", file=sys.stderr)
        sys.exit(1)


def report(row, s):
    rust = row["rust"]
    one, two, bound = rust["sweep_seconds_1"], rust["sweep_seconds_all"], rust["bound_seconds"]
    live1, live2 = rust["live_sweep_seconds_1"], rust["live_sweep_seconds_all"]
    th = rust["threads"]
    ms = lambda x: f"{x * 1e3:.2f} ms"
    print(f"  {s} states, {rust['transitions']} transitions; compile {rust['compile_seconds']:.2f} s "
          f"({th} threads)")
    print(f"  copy bandwidth {rust['copy_bandwidth'] / 1e9:.1f} GB/s; a whole-table sweep reads and "
          f"writes {rust['sweep_bytes'] / 1e6:.1f} MB: bound {ms(bound)}")
    print(f"  seconds per sweep (whole table): goodhart {ms(one)} (1 thread, {one / bound:.2f}x the "
          f"bound), {ms(two)} ({th} threads, {two / bound:.2f}x); numpy/scipy {ms(row['numpy_sweep'])}; "
          "pymdptoolbox " + (ms(row["pymdptoolbox_sweep"]) if row["pymdptoolbox_sweep"] else "n/a"))
    print(f"  live table (the solvers' sweep): {rust['live_states']} states, "
          f"{rust['live_transitions']} transitions, built in {rust['live_build_seconds']:.3f} s; "
          f"{rust['live_sweep_bytes'] / 1e6:.1f} MB: bound {ms(rust['live_bound_seconds'])}; sweep "
          f"{ms(live1)} (1 thread, {live1 / rust['live_bound_seconds']:.2f}x), {ms(live2)} ({th} threads)")
    sten = rust.get("stencil")
    if sten:
        st1, st2, stb = sten["sweep_seconds_1"], sten["sweep_seconds_all"], sten["bound_seconds"]
        print(f"  stencil table (the grid's structure exploited: states row-major, repeated choices "
              f"stored once): converted in {sten['build_seconds']:.3f} s; {sten['patterns']} "
              f"patterns, {sten['tuples']} tuples, {sten['blocks']} blocks, {sten['zeroed']} dead "
              f"states zeroed in blocks; a sweep reads and writes {sten['sweep_bytes'] / 1e6:.1f} MB: "
              f"bound {ms(stb)}; sweep {ms(st1)} (1 thread, {st1 / stb:.2f}x the bound; fastest "
              f"{ms(sten['sweep_seconds_1_min'])}), {ms(st2)} ({th} threads, {st2 / stb:.2f}x; "
              f"fastest {ms(sten['sweep_seconds_all_min'])}); same values as the live table's sweep: "
              f"{sten['identical_to_live']}")
    elif "stencil" in rust:
        print("  stencil table: declined")
    if row["pymdptoolbox_sweep"]:
        pm = row["pymdptoolbox_sweep"]
        print(f"  ratio pymdptoolbox / goodhart per sweep, 1 thread: whole table "
              f"{pm / one:.1f}x, live table {pm / live1:.1f}x"
              + (f", stencil table {pm / sten['sweep_seconds_1']:.1f}x (fastest sweep: "
                 f"{pm / sten['sweep_seconds_1_min']:.1f}x)" if sten else ""))
    print(f"  ratio numpy / goodhart per sweep, 1 thread: whole table {row['numpy_sweep'] / one:.1f}x, "
          f"live table {row['numpy_sweep'] / live1:.1f}x"
          + (f", stencil table {row['numpy_sweep'] / sten['sweep_seconds_1']:.1f}x" if sten else ""))
    if not rust["solve"]:
        return
    for name, x in rust["solve"].items():
        runs = ", ".join(f"{t:.2f}" for t in x["all_seconds"])
        print(f"  Pmax=? [F goal] to relative 1e-6: goodhart {name} {x['pmax']:.10e} in "
              f"{x['iterations']} sweeps, {x['seconds']:.3f} s (1 thread; runs: {runs} s)")
    ns = row.get("numpy_solve")
    if ns:
        print(f"  numpy (jacobi) {ns['pmax']:.10e}, {ns['iterations']} sweeps, {ns['seconds']:.3f} s; "
              f"agrees with goodhart's jacobi to 1e-6: {row['agree']}")
    if row["pymdptoolbox_sweep"]:
        jac = rust["solve"]["jacobi"]["iterations"]
        est = jac * row["pymdptoolbox_sweep"]
        best = min(x["seconds"] for x in rust["solve"].values())
        print(f"  to the same accuracy (Jacobi, {jac} sweeps), pymdptoolbox would take about {est:.1f} s: "
              f"{est / best:.1f}x goodhart's best")
    st = row.get("storm")
    if not st:
        print("  Storm: stormpy not installed")
        return
    gs = rust["solve"]["gauss_seidel"]
    stj = rust["solve"].get("stencil")
    print(f"  Storm: build from DRN {st['build_seconds']:.2f} s")
    for name in [k for k in st if k != "build_seconds"]:
        x = st[name]
        if "seconds" in x:
            rel = abs(x["pmax"] - gs["pmax"]) / abs(x["pmax"])
            runs = ", ".join(f"{t:.2f}" for t in x["all_seconds"])
            print(f"  Storm {name}: {x['seconds']:.3f} s (runs: {runs} s), Pmax {x['pmax']:.10e}; "
                  f"goodhart gauss_seidel / Storm = {gs['seconds'] / x['seconds']:.2f}x time"
                  + (f", goodhart stencil (Jacobi) / Storm = {stj['seconds'] / x['seconds']:.2f}x"
                     if stj else "")
                  + f"; relative difference {rel:.1e}")
            if rel > 2e-6:
                row["storm_agree"] = False
        elif x:
            print(f"  Storm {name}: {x['error']}")


if __name__ == "__main__":
    main()
