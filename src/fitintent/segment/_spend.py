"""Compute spend per account: what each account bills on cloud-compute products.

The window is ``cfg.segments.potential_window_months`` months ending with the period (inclusive),
and the window of the same length just before it gives the growth. Both are annualised to twelve
months (``x 12 / window_months``) so the column names stay true when the window is configured
shorter or longer than a year. Each transaction's revenue counts to the cent.

>>> spend = compute_spend(transactions, cfg, Period.parse("2026-06"))   # doctest: +SKIP
>>> spend.columns                                                       # doctest: +SKIP
['account_id', 'compute_spend_12m', 'compute_spend_prev_12m']
"""

from __future__ import annotations

from datetime import date

from fitintent.config import Config
from fitintent.engine import DataFrame, F
from fitintent.period import Period


def spend_windows(cfg: Config, period: Period) -> tuple[tuple[date, date], tuple[date, date]]:
    """The current and previous spend windows as inclusive (first day, last day) pairs."""
    months = cfg.segments.potential_window_months
    current = (period.shift(-(months - 1)).start, period.end)
    previous = (period.shift(-(2 * months - 1)).start, period.shift(-months).end)
    return current, previous


def _within(col: str, bounds: tuple[date, date]) -> object:
    # `Column.between` renders invalid SQL on sqlframe/DuckDB; two comparisons work on both.
    return (F.col(col) >= F.lit(bounds[0])) & (F.col(col) <= F.lit(bounds[1]))


def compute_spend(transactions: DataFrame, cfg: Config, period: Period) -> DataFrame:
    """Annualised compute spend in the window ending with ``period`` and in the window before.

    Only products whose catalog entry has ``compute = true`` count. One row per account that
    has a compute transaction in either window; accounts without one are absent (read as 0).
    Output: ``account_id`` string, ``compute_spend_12m`` double, ``compute_spend_prev_12m``
    double.
    """
    current, previous = spend_windows(cfg, period)
    annualise = 12.0 / cfg.segments.potential_window_months
    products = cfg.compute_products
    is_compute = F.col("product").isin(products) if products else F.lit(False)
    rows = transactions.where(is_compute & _within("month", (previous[0], current[1])))
    # Whole cents in a double add up exactly, so the result does not depend on the order an
    # engine adds rows in (plain double sums differ in the last bits between DuckDB and Spark).
    cents = F.round(F.col("revenue").cast("double") * F.lit(100.0), 0)
    scale = F.lit(annualise / 100.0)
    return rows.groupBy("account_id").agg(
        (F.sum(F.when(_within("month", current), cents).otherwise(F.lit(0.0))) * scale)
        .cast("double")
        .alias("compute_spend_12m"),
        (F.sum(F.when(_within("month", previous), cents).otherwise(F.lit(0.0))) * scale)
        .cast("double")
        .alias("compute_spend_prev_12m"),
    )
