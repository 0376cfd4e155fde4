"""Holdings: which account owns which product, at which SKU, and how its spend moves.

One row per account x product with any transaction in the windows below or an active
subscription. With ``P`` the period's month, ``w`` = ``owner_window_months`` and ``h`` =
``upsell_horizon_months``:

* ``owned``: billed in months ``P-w+1 .. P`` or an active subscription (status ``active``,
  started by the end of the period, not ended before the period began);
* ``spend_12m``: revenue billed in ``P-w+1 .. P`` (USD);
* ``sku_rank``: the highest rung of the product's SKU ladder held (an active subscription, or
  billed in the last three months), ``sku`` its name, ``upsell_sku`` the next rung;
* trends: ``rev_recent`` (``P-h+1 .. P``), ``rev_prev`` (``P-2h+1 .. P-h``), ``rev_prev2``
  (``P-3h+1 .. P-2h``); ``qty_recent`` (``P-2 .. P``) and ``qty_prev`` (``P-h-2 .. P-h``) are
  billed quantities (seats);
* at the anchor month ``A = P-h`` the same measures are ``rev_prev`` against ``rev_prev2``,
  ``qty_prev`` against ``qty_a_prev`` (``A-h-2 .. A-h``) and ``rank_a`` (rung billed in
  ``A-2 .. A``); ``rev_recent`` and ``rank_next`` (rung billed in ``A+1 .. P``) are what happened
  after it. They train the upsell propensity on history.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fitintent.config import Config
from fitintent.engine import DataFrame, F
from fitintent.period import Period
from fitintent.plays._common import (
    as_of,
    cents,
    count_when,
    lookup,
    month_index,
    norm,
    period_index,
    to_money,
    within,
)
from fitintent.plays._settings import PlaySettings


def ladders(cfg: Config, settings: PlaySettings) -> dict[str, list[str]]:
    """The SKU ladders of the catalog's products (products outside the catalog are ignored)."""
    return {p: skus for p, skus in settings.sku_ladders.items() if p in cfg.product_ids and skus}


def sku_rank(cfg: Config, settings: PlaySettings) -> Any:
    """The rung (1 = lowest) of ``sku`` on its product's ladder; null off the ladder."""
    pairs = [
        ((F.col("product") == F.lit(p)) & (norm(F.col("sku")) == F.lit(s.strip().lower())), i + 1)
        for p, skus in ladders(cfg, settings).items()
        for i, s in enumerate(skus)
    ]
    return lookup(pairs).cast("long") if pairs else F.lit(None).cast("long")


def _rung_name(rank: Callable[[], Any], cfg: Config, settings: PlaySettings) -> Any:
    pairs = [
        ((F.col("product") == F.lit(p)) & (rank() == F.lit(i + 1)), s)
        for p, skus in ladders(cfg, settings).items()
        for i, s in enumerate(skus)
    ]
    return lookup(pairs).cast("string") if pairs else F.lit(None).cast("string")


def ladder_top(cfg: Config, settings: PlaySettings) -> Any:
    """The number of rungs of the row's product ladder (null: the product has none)."""
    pairs = [(F.col("product") == F.lit(p), len(s)) for p, s in ladders(cfg, settings).items()]
    return lookup(pairs).cast("long") if pairs else F.lit(None).cast("long")


def holdings(
    subscriptions: DataFrame,
    transactions: DataFrame,
    cfg: Config,
    period: Period,
    settings: PlaySettings,
) -> DataFrame:
    """Account x product holdings and spend trends (columns in the module docstring)."""
    p = period_index(period)
    w, h = settings.owner_window_months, settings.upsell_horizon_months
    a = p - h
    first_month = min(p - w + 1, p - 3 * h + 1, a - h - 2)
    tx = transactions.select(
        "account_id",
        "product",
        month_index(F.col("month")).alias("_m"),
        cents(F.col("revenue")).alias("_c"),
        F.round(F.col("quantity").cast("double") * F.lit(100.0), 0).alias("_q"),
        sku_rank(cfg, settings).alias("_rank"),
        F.lit(0).cast("long").alias("_sub"),
    ).where(within(F.col("_m"), first_month, p))
    day = as_of(period)
    active = (
        (F.col("status") == F.lit("active"))
        & (F.col("start_date") <= F.lit(day))
        & (F.col("end_date").isNull() | (F.col("end_date") >= F.lit(period.start)))
    )
    subs = subscriptions.where(active).select(
        "account_id",
        "product",
        F.lit(None).cast("long").alias("_m"),
        F.lit(0.0).alias("_c"),
        F.lit(0.0).alias("_q"),
        sku_rank(cfg, settings).alias("_rank"),
        F.lit(1).cast("long").alias("_sub"),
    )

    def when_in(lo: int, hi: int, name: str) -> Any:
        return F.when(within(F.col("_m"), lo, hi), F.col(name))

    def rev(lo: int, hi: int) -> Any:
        return to_money(F.sum(F.coalesce(when_in(lo, hi, "_c"), F.lit(0.0))))

    def qty(lo: int, hi: int) -> Any:
        total = F.sum(F.coalesce(when_in(lo, hi, "_q"), F.lit(0.0)))
        return (total / F.lit(100.0)).cast("double")

    def top(lo: int, hi: int) -> Any:
        return F.max(when_in(lo, hi, "_rank"))

    grouped = (
        tx.unionByName(subs)
        .groupBy("account_id", "product")
        .agg(
            count_when(within(F.col("_m"), p - w + 1, p)).alias("_billed_rows"),
            rev(p - w + 1, p).alias("spend_12m"),
            count_when(F.col("_sub") == F.lit(1)).alias("_active_subs"),
            F.max(F.when(F.col("_sub") == F.lit(1), F.col("_rank"))).alias("_sub_rank"),
            top(p - 2, p).alias("_rank_recent"),
            rev(p - h + 1, p).alias("rev_recent"),
            rev(p - 2 * h + 1, p - h).alias("rev_prev"),
            rev(p - 3 * h + 1, p - 2 * h).alias("rev_prev2"),
            qty(p - 2, p).alias("qty_recent"),
            qty(p - h - 2, p - h).alias("qty_prev"),
            qty(a - h - 2, a - h).alias("qty_a_prev"),
            top(a - 2, a).alias("rank_a"),
            top(a + 1, p).alias("rank_next"),
        )
    )
    ranked = grouped.select(
        "*", F.greatest(F.col("_sub_rank"), F.col("_rank_recent")).cast("long").alias("sku_rank")
    )
    return ranked.select(
        "account_id",
        "product",
        ((F.col("_billed_rows") > F.lit(0)) | (F.col("_active_subs") > F.lit(0))).alias("owned"),
        "spend_12m",
        "sku_rank",
        _rung_name(lambda: F.col("sku_rank"), cfg, settings).alias("sku"),
        F.when(
            F.col("sku_rank") < ladder_top(cfg, settings),
            _rung_name(lambda: F.col("sku_rank") + F.lit(1), cfg, settings),
        )
        .cast("string")
        .alias("upsell_sku"),
        "rev_recent",
        "rev_prev",
        "rev_prev2",
        "qty_recent",
        "qty_prev",
        "qty_a_prev",
        "rank_a",
        "rank_next",
    )
