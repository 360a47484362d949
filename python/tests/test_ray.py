"""goodhart.ray: a sweep as Ray tasks on a local Ray, with the Rust runner's run ids and results."""

from __future__ import annotations

import pytest

ray = pytest.importorskip("ray")

import goodhart  # noqa: E402
import goodhart.ray  # noqa: E402
from goodhart import _core  # noqa: E402

OUTCOME = ["run_id", "experiment", "scenario", "variant", "set", "optimizer", "params",
           "mitigation", "seed", "status", "proxy_return", "true_return", "proxy_ci", "true_ci",
           "best_true_return", "random_true_return", "gap_pessimistic", "gap_optimistic",
           "normalized_gap_pessimistic", "normalized_gap_optimistic", "exact", "episodes",
           "scenario_hash"]


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def test_ray_sweep_equals_the_rust_runner(local_ray, small_spec, tmp_path):
    ray_store = tmp_path / "ray.db"
    rust_store = tmp_path / "rust.db"
    summary = goodhart.ray.run(small_spec, store=ray_store)
    rust = _core.run_experiment(str(small_spec), str(rust_store), 2)
    assert summary["failed"] == summary["lost"] == 0
    assert summary["finished"] == summary["total"] == rust["total"] > 0
    a = goodhart.read_store(ray_store)[OUTCOME].sort_values("run_id").reset_index(drop=True)
    b = goodhart.read_store(rust_store)[OUTCOME].sort_values("run_id").reset_index(drop=True)
    assert a.equals(b), (a, b)
    for run_id in a.run_id:
        assert goodhart.read_curve(run_id, ray_store).equals(
            goodhart.read_curve(run_id, rust_store))
    # A second sweep skips everything.
    again = goodhart.ray.run(small_spec, store=ray_store)
    assert again["skipped"] == again["total"] and again["finished"] == 0


def test_ray_sweep_resumes_a_partial_store(local_ray, small_spec, tmp_path):
    store = tmp_path / "partial.db"
    plan = _core.sweep_plan(str(small_spec), str(store))
    first = plan["pending"][0]
    info, data = goodhart.ray.run_one(str(small_spec), plan["spec_text"], first)
    assert info["status"] == "finished"
    shard = tmp_path / "one.db"
    shard.write_bytes(data)
    _core.merge_stores(str(store), [str(shard)])
    summary = goodhart.ray.run(small_spec, store=store)
    assert summary["skipped"] == 1 and summary["finished"] == summary["total"] - 1


def test_bad_spec_raises_before_running(local_ray, tmp_path):
    spec = tmp_path / "bad.toml"
    spec.write_text('name = "bad"\nscenarios = ["no_such_scenario"]\n[[optimizers]]\nname = "exact"\n')
    with pytest.raises(goodhart.InputError, match="no_such_scenario"):
        goodhart.ray.run(spec, store=tmp_path / "x.db")
