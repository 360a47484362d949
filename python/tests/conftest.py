"""Shared fixtures of goodhart's Python tests."""

from __future__ import annotations

import os
import shutil
import warnings
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def no_warnings():
    """Fails the test on any warning (Gymnasium's checker reports through warnings)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield caught
    assert not caught, [f"{w.category.__name__}: {w.message}" for w in caught]


def _newest_source() -> float:
    newest = 0.0
    for folder in ("crates", "scenarios"):
        for p in (REPO / folder).rglob("*"):
            if p.suffix in (".rs", ".toml", ".txt") and p.is_file():
                newest = max(newest, p.stat().st_mtime)
    return newest


def goodhart_binary() -> str | None:
    """The `goodhart` CLI: $GOODHART_BIN, else a target/debug or target/release build newer
    than every source file (`cargo test` builds it), else None."""
    env = os.environ.get("GOODHART_BIN")
    if env:
        return shutil.which(env) or env
    newest = _newest_source()
    target = Path(os.environ.get("CARGO_TARGET_DIR") or REPO / "target")
    for profile in ("debug", "release"):
        p = target / profile / "goodhart"
        if p.exists() and p.stat().st_mtime >= newest:
            return str(p)
    return None


SMALL_SPEC = """
name = "pytest-small"
description = "a small sweep for the Python tests"
seed = 11
scenarios = ["boat_race", "whisky_gold"]
seeds = 2
record = ["outcome", "curves"]

[[optimizers]]
name = "exact"

[[optimizers]]
name = "random"
episodes = 30
"""


@pytest.fixture
def small_spec(tmp_path: Path) -> Path:
    """A small experiment spec in a temporary folder."""
    p = tmp_path / "small.toml"
    p.write_text(SMALL_SPEC)
    return p
