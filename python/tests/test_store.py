"""The results store as DataFrames."""

from __future__ import annotations

import pytest

import goodhart
from goodhart import _core


def test_read_store_after_the_rust_runner(small_spec, tmp_path):
    store = tmp_path / "g.db"
    summary = _core.run_experiment(str(small_spec), str(store), 2)
    assert summary["failed"] == 0 and summary["finished"] == summary["total"] > 0
    df = goodhart.read_store(store)
    import pandas as pd

    assert isinstance(df, pd.DataFrame)
    assert len(df) == summary["total"]
    assert set(df.status) == {"finished"}
    assert {"run_id", "scenario", "optimizer", "proxy_return", "true_return",
            "gap_pessimistic"} <= set(df.columns)
    exact = df[(df.optimizer == "exact") & (df.scenario == "boat_race")]
    assert exact.true_return.iloc[0] == 0 and exact.proxy_return.iloc[0] == 50
    random_run = df[df.optimizer == "random"].run_id.iloc[0]
    curve = goodhart.read_curve(random_run, store)
    assert list(curve.columns) == ["episode", "proxy_return", "true_return", "length"]
    # Learners record one row per episode; the built-in exact and random optimizers none.
    assert len(curve) in (0, 30)
    assert goodhart.read_store(store, experiment="nope").empty
    assert goodhart.read_experiments(store)[0]["name"] == "pytest-small"


def test_read_store_polars(small_spec, tmp_path):
    pl = pytest.importorskip("polars")
    store = tmp_path / "g.db"
    _core.run_experiment(str(small_spec), str(store), 1)
    df = goodhart.read_store(store, backend="polars")
    assert isinstance(df, pl.DataFrame) and df.height > 0


def test_store_errors(tmp_path):
    with pytest.raises(goodhart.exceptions.GoodhartIOError, match="no such results store"):
        goodhart.read_store(tmp_path / "missing.db")
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"not a database at all" * 100)
    with pytest.raises(goodhart.StoreError):
        goodhart.read_store(bad)
    assert bad.read_bytes() == b"not a database at all" * 100
    with pytest.raises(goodhart.InvalidValueError, match="backend"):
        goodhart.read_store(bad, backend="excel")
