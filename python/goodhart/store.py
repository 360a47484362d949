"""Reading goodhart's results store (``goodhart.db``, SQLite) into DataFrames.

The store is read through the Rust library that writes it, so the columns follow its schema
whatever its version (older stores are migrated on open, as ``goodhart report`` does).
"""

from __future__ import annotations

import os
from typing import Any

from goodhart import _core
from goodhart.exceptions import InvalidValueError

__all__ = ["read_store", "read_curve", "read_experiments", "DEFAULT_STORE"]

#: The store used when none is named (as the CLI's ``--store``).
DEFAULT_STORE: str = _core.DEFAULT_STORE

_BACKENDS = ("auto", "pandas", "polars")


def _check_backend(backend: str) -> None:
    if backend not in _BACKENDS:
        raise InvalidValueError(f"unknown backend {backend!r}: expected one of {_BACKENDS}")


def _frame(columns: dict[str, list[Any]], backend: str) -> Any:
    if backend in ("auto", "pandas"):
        try:
            import pandas as pd
        except ImportError:
            if backend == "pandas":
                raise
        else:
            return pd.DataFrame(columns)
    import polars as pl

    return pl.DataFrame(columns, strict=False)


def read_store(
    path: str | os.PathLike[str] = DEFAULT_STORE,
    *,
    experiment: str | None = None,
    backend: str = "auto",
) -> Any:
    """Every run of the store (of ``experiment``, or all) as a DataFrame, one row per run.

    Columns: ``run_id``, ``experiment``, ``scenario``, ``variant``, ``set`` (JSON),
    ``optimizer``, ``params`` (JSON), ``mitigation``, ``seed``, ``status`` (``finished`` or
    ``failed``), ``error``, ``started``, ``finished``, ``seconds``, ``goodhart_version``,
    ``scenario_hash``, and the outcome: ``proxy_return``, ``true_return``, ``proxy_ci``,
    ``true_ci``, ``best_true_return``, ``random_true_return``, ``gap_pessimistic``,
    ``gap_optimistic``, ``normalized_gap_pessimistic``, ``normalized_gap_optimistic``,
    ``safety_violations``, ``exact``, ``episodes`` (missing values are None/NaN).

    Args:
        backend: ``"pandas"``, ``"polars"``, or ``"auto"`` (pandas when installed, else
            polars).

    Raises:
        GoodhartIOError: no store at ``path``.
        StoreError: the file is not a sound store (it is left as it was).
    """
    _check_backend(backend)
    return _frame(_core.read_runs(os.fspath(path), experiment), backend)


def read_curve(
    run_id: str,
    path: str | os.PathLike[str] = DEFAULT_STORE,
    *,
    backend: str = "auto",
) -> Any:
    """The training curve of run ``run_id`` (columns ``episode``, ``proxy_return``,
    ``true_return``, ``length``); empty for optimizers without one."""
    _check_backend(backend)
    return _frame(_core.read_curve(os.fspath(path), run_id), backend)


def read_experiments(path: str | os.PathLike[str] = DEFAULT_STORE) -> list[dict[str, Any]]:
    """The experiments recorded in the store (name, description, seed, spec_file, created,
    goodhart_version)."""
    return _core.read_experiments(os.fspath(path))
