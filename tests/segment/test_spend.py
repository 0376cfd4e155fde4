"""Compute spend: compute products only, the window ending with the period and the one before."""

from __future__ import annotations

from datetime import date

import pyarrow as pa

from fitintent.config import Config, Product, Segments
from fitintent.engine import DataFrame, Engine
from fitintent.period import Period
from fitintent.segment import compute_spend, spend_windows


def _transactions(eng: Engine, rows: list[tuple[str, date, str, float]]) -> DataFrame:
    return eng.from_arrow(
        pa.table(
            {
                "account_id": [r[0] for r in rows],
                "month": pa.array([r[1] for r in rows], pa.date32()),
                "product": [r[2] for r in rows],
                "sku": ["S1"] * len(rows),
                "quantity": [1.0] * len(rows),
                "revenue": [r[3] for r in rows],
            }
        ),
        "transactions",
    )


ROWS = [
    ("A", date(2026, 6, 1), "Azure", 100.0),  # last month of the current window
    ("A", date(2025, 7, 1), "Azure", 20.0),  # first month of the current window
    ("A", date(2025, 6, 1), "Azure", 7.0),  # last month of the previous window
    ("A", date(2024, 7, 1), "Azure", 3.0),  # first month of the previous window
    ("A", date(2024, 6, 1), "Azure", 1000.0),  # before both windows
    ("A", date(2026, 7, 1), "Azure", 1000.0),  # after the period
    ("A", date(2026, 6, 1), "M365", 1000.0),  # not a compute product
    ("B", date(2025, 1, 1), "Azure", 50.0),  # previous window only
    ("C", date(2026, 1, 1), "M365", 500.0),  # no compute spend at all
]


def _collect(eng: Engine, df: DataFrame) -> dict[str, tuple[float, float]]:
    rows = eng.to_arrow(df).to_pylist()
    return {r["account_id"]: (r["compute_spend_12m"], r["compute_spend_prev_12m"]) for r in rows}


def test_windows_are_inclusive_and_adjacent() -> None:
    current, previous = spend_windows(Config(), Period(2026, 6))
    assert current == (date(2025, 7, 1), date(2026, 6, 30))
    assert previous == (date(2024, 7, 1), date(2025, 6, 30))


def test_compute_spend_default_window(engine: Engine) -> None:
    out = compute_spend(_transactions(engine, ROWS), Config(), Period(2026, 6))
    table = engine.to_arrow(out)
    assert table.column_names == ["account_id", "compute_spend_12m", "compute_spend_prev_12m"]
    assert [f.type for f in table.schema] == [pa.string(), pa.float64(), pa.float64()]
    # A: current 100 + 20 = 120, previous 7 + 3 = 10; B: previous only; C: not a customer.
    assert _collect(engine, out) == {"A": (120.0, 10.0), "B": (0.0, 50.0)}


def test_compute_spend_short_window_is_annualised(engine: Engine) -> None:
    cfg = Config(segments=Segments(potential_window_months=6))
    # current 2026-01..2026-06: A 100, B 0; previous 2025-07..2025-12: A 20.
    # Annualised x 12 / 6 = 2: A (200, 40).
    out = _collect(engine, compute_spend(_transactions(engine, ROWS), cfg, Period(2026, 6)))
    assert out == {"A": (200.0, 40.0)}


def test_compute_products_come_from_the_catalog(engine: Engine) -> None:
    cfg = Config(
        products=[
            Product(id="M365", name="suite", family="productivity", compute=True),
            Product(id="Azure", name="cloud", family="compute"),
        ]
    )
    out = _collect(engine, compute_spend(_transactions(engine, ROWS), cfg, Period(2026, 6)))
    # Only M365 counts now: A 1000 in 2026-06, C 500 in 2026-01.
    assert out == {"A": (1000.0, 0.0), "C": (500.0, 0.0)}


def test_no_compute_product_gives_no_rows(duck: Engine) -> None:
    cfg = Config(products=[Product(id="Azure", name="cloud", family="compute")])
    assert _collect(duck, compute_spend(_transactions(duck, ROWS), cfg, Period(2026, 6))) == {}
