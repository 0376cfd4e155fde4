"""Parity: spend, the potential model and segmentation agree on DuckDB and Spark."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import date
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from fitintent.config import Config, Segments
from fitintent.engine import Engine
from fitintent.period import Period
from fitintent.segment import compute_spend, fit_potential, segment

PERIOD = Period(2026, 6)
INDUSTRIES = ["Retail", "Health", "Finance", None]


def world(seed: int = 3, n: int = 300) -> tuple[pa.Table, pa.Table]:
    """Accounts and 24 months of transactions; about half the accounts buy compute."""
    rng = np.random.default_rng(seed)
    employees = np.concatenate([[0, 9, 10, 24, 25, 299, 300], rng.integers(1, 3000, n - 7)])
    ids = [f"A{i:04d}" for i in range(n)]
    accounts = pa.table(
        {
            "account_id": ids,
            "employees": pa.array(employees, pa.int64()),
            "industry": [INDUSTRIES[i % 4] for i in range(n)],
            "partner_id": [f"P{i % 5}" for i in range(n)],
        }
    )
    rows: dict[str, list[Any]] = {k: [] for k in ("account_id", "month", "product", "revenue")}
    for i, emp in enumerate(employees):
        buys = rng.random() < 0.5
        for m in range(24):
            p = PERIOD.shift(-m)
            if buys and rng.random() < 0.8:
                rows["account_id"].append(ids[i])
                rows["month"].append(date(p.year, p.month, 1))
                rows["product"].append("Azure")
                rows["revenue"].append(round(float(emp + 1) * rng.lognormal(0.5, 0.6), 2))
            if rng.random() < 0.3:
                rows["account_id"].append(ids[i])
                rows["month"].append(date(p.year, p.month, 1))
                rows["product"].append("M365")
                rows["revenue"].append(round(float(rng.uniform(10, 500)), 2))
    k = len(rows["account_id"])
    transactions = pa.table(
        {
            "account_id": rows["account_id"],
            "month": pa.array(rows["month"], pa.date32()),
            "product": rows["product"],
            "sku": ["S"] * k,
            "quantity": [1.0] * k,
            "revenue": rows["revenue"],
        }
    )
    return accounts, transactions


def assert_same_rows(left: pa.Table, right: pa.Table, keys: list[str]) -> None:
    """Equal up to row order, nullability and a 1e-6 float tolerance."""
    assert left.column_names == right.column_names
    assert [f.type for f in left.schema] == [f.type for f in right.schema]
    a = left.sort_by([(k, "ascending") for k in keys]).to_pylist()
    b = right.sort_by([(k, "ascending") for k in keys]).to_pylist()
    assert len(a) == len(b)
    for ra, rb in zip(a, b, strict=True):
        for col in left.column_names:
            if isinstance(ra[col], float):
                assert ra[col] == pytest.approx(rb[col], rel=1e-9, abs=1e-6), (ra, col)
            else:
                assert ra[col] == rb[col], (ra, col)


def _run(eng: Engine, cfg: Config) -> tuple[pa.Table, pa.Table, dict[str, Any]]:
    accounts_t, transactions_t = world()
    accounts = eng.from_arrow(accounts_t, "accounts")
    spend = compute_spend(eng.from_arrow(transactions_t, "transactions"), cfg, PERIOD)
    model = fit_potential(accounts, spend, cfg, period=PERIOD)
    segmented = segment(accounts, spend, model, cfg)
    return eng.to_arrow(spend), eng.to_arrow(segmented), model.card()


@pytest.mark.spark
@pytest.mark.parametrize(
    "cfg",
    [Config(), Config(segments=Segments(very_small_max_employees=9, potential_window_months=6))],
    ids=["default", "very-small-6m"],
)
def test_segmentation_parity(
    duckdb_engine: Engine,
    spark_engine: Engine,
    use_engine: Callable[[Engine], AbstractContextManager[Engine]],
    cfg: Config,
) -> None:
    with use_engine(duckdb_engine):
        duck_spend, duck_segmented, duck_card = _run(duckdb_engine, cfg)
    with use_engine(spark_engine):
        spark_spend, spark_segmented, spark_card = _run(spark_engine, cfg)

    assert duck_card["method"] == spark_card["method"] == "log_linear_ols"
    for key in ("intercept", "slope", "r2", "rmse_log"):
        assert duck_card[key] == pytest.approx(spark_card[key], rel=1e-9), key
    assert duck_card["industry_offsets"] == pytest.approx(spark_card["industry_offsets"], rel=1e-9)
    assert duck_card["training_rows"] == spark_card["training_rows"] > 100

    assert_same_rows(duck_spend, spark_spend, ["account_id"])
    assert_same_rows(duck_segmented, spark_segmented, ["account_id"])
    types = set(duck_segmented.column("smb_type_summary").to_pylist())
    assert {"top_unmanaged_user", "top_unmanaged_compute", "medium"} <= types
