"""Parity: the models of the small demo world score it to the same numbers and words on Spark as
on DuckDB (features built by each engine, scoring through each engine's Arrow batch adapter)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
from scoring_world import ScoredWorld, by_key

from fitintent.engine import Engine
from fitintent.features import FeatureSource
from fitintent.models import score_period

pytestmark = pytest.mark.spark
TABLES = (
    "accounts",
    "install_base",
    "subscriptions",
    "transactions",
    "agreements",
    "signals",
    "opportunities",
)


def test_duckdb_and_spark_score_alike(
    world: ScoredWorld,
    spark_engine: Engine,
    use_engine: Callable[[Engine], AbstractContextManager[Engine]],
    tmp_path: Path,
) -> None:
    registry = shutil.copytree(world.registry, tmp_path / "models")
    with use_engine(spark_engine):
        tables = {t: spark_engine.read_table(world.warehouse / t) for t in TABLES}
        source = FeatureSource.prepare(tables, world.cfg)
        scores, cards = score_period(
            tables, source.segmented(world.period), world.cfg, world.period, registry, source=source
        )
        spark = by_key(spark_engine.to_arrow(scores))
    assert {c["version"] for c in cards} <= {c["version"] for c in world.cards}  # loaded
    duck = by_key(world.scores)
    assert duck.keys() == spark.keys()
    for key, row in duck.items():
        other = spark[key]
        for col, value in row.items():
            if isinstance(value, float):
                assert other[col] == pytest.approx(value, rel=1e-9, abs=1e-12), (key, col)
            else:
                assert other[col] == value, (key, col)
