"""Experiment sweeps on a Ray cluster: ``goodhart run`` beyond one machine.

::

    import goodhart.ray
    summary = goodhart.ray.run("experiments/example.toml", store="goodhart.db")

Each run of the spec is one Ray task. A task runs its run exactly as ``goodhart run`` would
(the same run id, the same seed derived from the experiment seed and the run id, the same Rust
code) into a one-run shard store and sends the shard back; the driver folds shards into
``store`` as they arrive, each in one transaction (as ``goodhart merge``). So a crash of the
driver loses no finished run, a re-run skips what the store already has, and the store ends up
with the rows ``goodhart run`` would have written (only timestamps and durations differ).

Pointing it at a real cluster
-----------------------------
1. Start a cluster whose nodes all have this package installed (``pip install ./python`` from a
   clone, or a wheel built with ``maturin build --release -m python/Cargo.toml``), e.g.
   ``ray start --head`` on one node and ``ray start --address=HEAD:6379`` on the others, or a
   KubeRay / ``ray up`` cluster with the wheel in its image.
2. Run the driver anywhere that can reach the head:
   ``goodhart.ray.run("spec.toml", address="ray://HEAD:10001", store="goodhart.db")``
   (``address="auto"`` on a cluster node). Alternatively pass
   ``runtime_env={"pip": ["/shared/goodhart-....whl"]}`` to install the wheel on the workers.
3. The spec travels with each task as text, so workers need no copy of it; built-in scenarios
   are compiled into the package. A spec naming scenario *files* by path needs those files at
   the same path on every worker (a shared file system).

The store is written only by the driver, on the driver's machine.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Any

from goodhart import _core
from goodhart.store import DEFAULT_STORE

__all__ = ["run", "run_one"]


def run_one(spec_file: str, spec_text: str, run_id: str) -> tuple[dict[str, Any], bytes]:
    """Runs one run of a spec into a fresh shard store and returns ``(info, shard_bytes)``.

    This is the body of each Ray task (importable, so workers load it by reference).
    """
    with tempfile.TemporaryDirectory(prefix="goodhart-shard-") as tmp:
        shard = os.path.join(tmp, "shard.db")
        info = _core.execute_run(spec_file, spec_text, run_id, shard)
        with open(shard, "rb") as f:
            data = f.read()
    return info, data


def run(
    spec_path: str | os.PathLike[str],
    address: str | None = None,
    store: str | os.PathLike[str] = DEFAULT_STORE,
    *,
    num_cpus: float = 1,
    runtime_env: dict[str, Any] | None = None,
    batch: int = 16,
    verbose: bool = False,
) -> dict[str, Any]:
    """Runs the experiment at ``spec_path`` as Ray tasks (one run per task) into ``store``.

    Args:
        spec_path: the experiment spec (TOML), as for ``goodhart run``.
        address: the Ray cluster (``"auto"``, ``"ray://HOST:10001"``, ...). ``None`` uses the
            Ray already initialised in this process, or starts a local one (and shuts it down
            at the end).
        store: the results store (created if missing; finished runs are skipped).
        num_cpus: CPUs Ray reserves per task.
        runtime_env: passed to ``ray.init`` when this call starts Ray.
        batch: most shards merged into the store in one go.
        verbose: print a line per finished run.

    Returns:
        ``{"experiment", "store", "total", "skipped", "finished", "failed",
        "not_applicable", "lost", "seconds", "errors"}``: ``failed`` runs were recorded with
        their error (a re-run retries them, as with ``goodhart run``); ``not_applicable`` runs
        are those whose optimizer does not apply (a model too large for exact analysis); ``lost`` tasks died in Ray (node failure) and
        are simply not in the store yet; ``errors`` maps run ids to messages.

    Raises:
        ImportError: Ray is not installed (``pip install ray``).
        InputError, UnknownNameError, ...: the spec is invalid (nothing is run).
        StoreError: the store cannot be used as it is.
    """
    import ray

    t0 = time.perf_counter()
    store = Path(store)
    plan = _core.sweep_plan(os.fspath(spec_path), os.fspath(store))
    pending: list[str] = list(plan["pending"])
    summary: dict[str, Any] = {
        "experiment": plan["name"],
        "store": os.fspath(store),
        "total": len(plan["runs"]),
        "skipped": len(plan["runs"]) - len(pending),
        "finished": 0,
        "failed": 0,
        "not_applicable": 0,
        "lost": 0,
        "seconds": 0.0,
        "errors": {},
    }
    started_here = False
    if not ray.is_initialized():
        kwargs: dict[str, Any] = {"address": address, "log_to_driver": verbose}
        if runtime_env is not None:
            kwargs["runtime_env"] = runtime_env
        ray.init(**kwargs)
        started_here = True
    try:
        task = ray.remote(num_cpus=num_cpus)(run_one)
        spec_text = plan["spec_text"]
        # Workers resolve scenario paths of the spec against its folder: make it absolute.
        spec_file = os.path.abspath(os.fspath(spec_path))
        refs = [task.remote(spec_file, spec_text, run_id) for run_id in pending]
        ids = dict(zip(refs, pending))
        with tempfile.TemporaryDirectory(prefix="goodhart-ray-") as tmp:
            k = 0
            while refs:
                done, refs = ray.wait(refs, num_returns=min(batch, len(refs)), timeout=1.0)
                if not done:
                    continue
                shards = []
                for ref in done:
                    try:
                        info, data = ray.get(ref)
                    except ray.exceptions.RayError as e:
                        summary["lost"] += 1
                        summary["errors"][ids[ref]] = f"lost in Ray: {e}"
                        continue
                    path = os.path.join(tmp, f"shard-{k}.db")
                    k += 1
                    with open(path, "wb") as f:
                        f.write(data)
                    shards.append(path)
                    if info["status"] == "finished":
                        summary["finished"] += 1
                    elif info["status"] == "not_applicable":
                        summary["not_applicable"] += 1
                    else:
                        summary["failed"] += 1
                        summary["errors"][info["run_id"]] = info["error"]
                    if verbose:
                        print(f"{info['status']:8} {info['label']} ({info['seconds']:.2f} s)")
                if shards:
                    _core.merge_stores(os.fspath(store), shards)
                    for p in shards:
                        os.remove(p)
    finally:
        if started_here:
            ray.shutdown()
    summary["seconds"] = time.perf_counter() - t0
    return summary
