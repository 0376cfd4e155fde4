"""Conformance: every play table is the same on DuckDB and on Spark for the hand-built cases."""

from __future__ import annotations

import math
from typing import Any

import pyarrow as pa
import pytest
from plays_cases import every_case
from plays_world import compute

from fitintent.engine import Engine
from fitintent.plays import PLAY_TABLES

pytestmark = pytest.mark.spark


def _norm(v: Any) -> Any:
    if isinstance(v, float):
        return None if math.isnan(v) else round(v, 6)
    if isinstance(v, list):
        return tuple(_norm(x) for x in v)
    return v


def _rows(table: pa.Table) -> list[tuple[Any, ...]]:
    return sorted((tuple(_norm(v) for v in r.values()) for r in table.to_pylist()), key=repr)


def test_plays_are_equal_on_both_engines(duckdb_engine: Engine, spark_engine: Engine) -> None:
    world = every_case()
    duck = compute(duckdb_engine, world)
    spark = compute(spark_engine, world)
    assert sorted(duck) == sorted(spark) == sorted(PLAY_TABLES)
    for name in PLAY_TABLES:
        assert duck[name].column_names == spark[name].column_names, name
        assert duck[name].num_rows > 0, name
        assert _rows(duck[name]) == _rows(spark[name]), name
