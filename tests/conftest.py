"""Engine fixtures: one DuckDB and one Spark (local[2]) engine per test session.

``engine`` runs a test once per engine (the Spark case is marked ``spark``); ``use_engine(eng)``
makes an engine the active one inside a ``with`` block, for parity tests that need both.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager

import pytest

from fitintent.config import EngineSettings
from fitintent.engine import Engine, open_engine
from fitintent.engine import _session as engine_session


@contextlib.contextmanager
def _activated(eng: Engine) -> Iterator[Engine]:
    # Both session engines stay open for the whole run; the engine seam keeps "the active one"
    # in a context variable, so each test sets it for its own duration.
    token = engine_session._active.set(eng)
    try:
        yield eng
    finally:
        engine_session._active.reset(token)


@pytest.fixture(scope="session")
def duckdb_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    settings = EngineSettings(kind="duckdb", memory_limit="1GB", threads=2)
    with open_engine(settings, tmp_path_factory.mktemp("duckdb")) as eng:
        yield eng


@pytest.fixture(scope="session")
def spark_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    pytest.importorskip("pyspark")
    settings = EngineSettings(
        kind="spark",
        master="local[2]",
        memory_limit="1GB",
        spark_conf={"spark.sql.shuffle.partitions": "2", "spark.default.parallelism": "2"},
    )
    with open_engine(settings, tmp_path_factory.mktemp("spark")) as eng:
        yield eng


@pytest.fixture(params=["duckdb", pytest.param("spark", marks=pytest.mark.spark)])
def engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    """The test runs once on each engine, with that engine active."""
    eng = request.getfixturevalue(f"{request.param}_engine")
    with _activated(eng):
        yield eng


@pytest.fixture
def duck(duckdb_engine: Engine) -> Iterator[Engine]:
    """DuckDB only, active."""
    with _activated(duckdb_engine):
        yield duckdb_engine


@pytest.fixture
def use_engine() -> Callable[[Engine], AbstractContextManager[Engine]]:
    """``with use_engine(eng): ...`` runs the block with ``eng`` active."""
    return _activated
