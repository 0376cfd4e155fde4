"""Parity: the same models score a small world to the same numbers and words on DuckDB and on
Spark (features built by each engine, scoring through each engine's Arrow batch adapter)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
from scoring_world import by_key, fast

from fitintent.config import load_config
from fitintent.demo import generate_world
from fitintent.engine import Engine
from fitintent.features import FeatureSource
from fitintent.ingest import ingest
from fitintent.models import score_period
from fitintent.period import Period

pytestmark = [
    pytest.mark.spark,
    pytest.mark.filterwarnings("ignore:fetch_record_batch:DeprecationWarning"),
]
PERIOD = Period(2026, 7)
TABLES = (
    "partners",
    "locations",
    "accounts",
    "install_base",
    "subscriptions",
    "transactions",
    "agreements",
    "signals",
    "opportunities",
)


def test_duckdb_and_spark_score_alike(
    duckdb_engine: Engine,
    spark_engine: Engine,
    use_engine: Callable[[Engine], AbstractContextManager[Engine]],
    tmp_path: Path,
) -> None:
    info = generate_world(tmp_path / "world", accounts=600, seed=5, fmt="parquet")
    cfg = fast(load_config(info.config))
    warehouse, registry = tmp_path / "warehouse", tmp_path / "models"
    with use_engine(duckdb_engine):
        data = ingest(cfg, duckdb_engine, warehouse)
        source = FeatureSource.prepare(data.tables, cfg)
        scores, _ = score_period(
            data.tables, source.segmented(PERIOD), cfg, PERIOD, registry, source=source
        )
        duck = by_key(duckdb_engine.to_arrow(scores))
    with use_engine(spark_engine):
        tables = {t: spark_engine.read_table(warehouse / t) for t in TABLES}
        source = FeatureSource.prepare(tables, cfg)
        scores, _ = score_period(
            tables, source.segmented(PERIOD), cfg, PERIOD, registry, source=source
        )
        spark = by_key(spark_engine.to_arrow(scores))
    assert duck.keys() == spark.keys() and len(duck) == 600 * len(cfg.product_ids)
    for key, row in duck.items():
        other = spark[key]
        for col, value in row.items():
            if isinstance(value, float):
                assert other[col] == pytest.approx(value, rel=1e-9, abs=1e-12), (key, col)
            else:
                assert other[col] == value, (key, col)
