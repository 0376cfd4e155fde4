"""The scored demo world of the model tests (one per session, shared)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "models"))

from scoring_world import ScoredWorld, active, scored_world

from fitintent.engine import Engine


@pytest.fixture(scope="session")
def world(duckdb_engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> ScoredWorld:
    return scored_world(duckdb_engine, tmp_path_factory.getbasetemp() / "scored-world")


@pytest.fixture
def on_world(duckdb_engine: Engine, world: ScoredWorld) -> Iterator[ScoredWorld]:
    """The world, with its engine active."""
    with active(duckdb_engine):
        yield world
