"""Column helpers shared by the plays (engine-neutral expressions only).

A Column object is used in one expression only: sqlframe resolves column references in place, so
one object shared by two expressions after a join breaks its resolution. Helpers here therefore
return fresh expressions on each call, and callers build them where they are used.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from fitintent.engine import F
from fitintent.period import Period


def month_index(col: Any) -> Any:
    """A date's month as one integer (``year * 12 + month - 1``): month windows become integer
    comparisons, the same on every engine."""
    return (F.year(col) * F.lit(12) + F.month(col) - F.lit(1)).cast("long")


def period_index(period: Period) -> int:
    return period.year * 12 + period.month - 1


def within(col: Any, lo: int | date, hi: int | date) -> Any:
    # `Column.between` renders invalid SQL on sqlframe/DuckDB; two comparisons work on both.
    return (col >= F.lit(lo)) & (col <= F.lit(hi))


def cents(col: Any) -> Any:
    """Money as whole cents in a double: sums of them are exact whatever order an engine adds
    rows in (a plain double sum differs in the last bits between DuckDB and Spark)."""
    return F.round(col.cast("double") * F.lit(100.0), 0)


def to_money(cents_col: Any) -> Any:
    return (cents_col / F.lit(100.0)).cast("double")


def round_to(col: Any, digits: int) -> Any:
    """``round(x, digits)`` that agrees on both engines (they differ on halves of doubles)."""
    scale = float(10**digits)
    return (F.round(col * F.lit(scale), 0) / F.lit(scale)).cast("double")


def count_when(cond: Any) -> Any:
    # COUNT stays BIGINT on both engines; SUM of integers is DECIMAL on DuckDB.
    return F.count(F.when(cond, F.lit(1)))


def lookup(pairs: list[tuple[Any, Any]], otherwise: Any = None) -> Any:
    """``CASE WHEN cond THEN value ...`` from (condition, value) pairs; values are literals."""
    if not pairs:
        return F.lit(otherwise)
    out = F.when(pairs[0][0], F.lit(pairs[0][1]))
    for cond, value in pairs[1:]:
        out = out.when(cond, F.lit(value))
    return out.otherwise(F.lit(otherwise)) if otherwise is not None else out


def size_band(employees: Any, edges: list[int]) -> Any:
    """Head-count band label: edges ``[10, 25]`` give ``0-9``, ``10-24``, ``25+`` (``unknown``
    when employees is missing)."""
    pairs: list[tuple[Any, Any]] = []
    lo = 0
    for edge in edges:
        pairs.append((employees < F.lit(edge), f"{lo}-{edge - 1}"))
        lo = edge
    pairs.append((employees >= F.lit(lo), f"{lo}+"))
    return lookup(pairs, "unknown")


def as_of(period: Period) -> date:
    """The day the plays are computed as of: the last day of the period."""
    return period.end


def currently_seen(period: Period, within_days: int) -> Any:
    """An install-base row is current when it was last seen within ``within_days`` of the end of
    the period and first seen by then (a row without dates is taken as current: its presence in
    the latest load is the evidence)."""
    day = as_of(period)
    recent = day - timedelta(days=within_days)
    return (F.col("last_seen").isNull() | (F.col("last_seen") >= F.lit(recent))) & (
        F.col("first_seen").isNull() | (F.col("first_seen") <= F.lit(day))
    )


def norm(col: Any) -> Any:
    """Trimmed lower case, for matching names across sources."""
    return F.lower(F.trim(col))
