"""Upsell / expansion: owners likely to buy more of a product, or a higher SKU of it.

The flag (``UPSELL_RULE``) is a transparent rule on the holdings' trends, for owned products:

* buying more: spend in the last ``h`` months at least ``1 + min_spend_growth`` times the ``h``
  months before (compute consumption growth, seat growth billed), or
* stepping up: a higher SKU exists on the product's ladder (an E3 holder, E5 above) and billed
  seats grew at least ``1 + min_seat_growth`` times over the last ``h`` months (``P-2..P``
  against ``P-h-2..P-h``).

The propensity (``UPSELL_METHOD``) is learned from history, on the same kind of evidence:
owners at the anchor month ``P-h`` are grouped by product x spend-trend bucket x SKU headroom;
an owner *expanded* when its spend in the ``h`` months after the anchor reached
``1 + min_spend_growth`` times the ``h`` months up to it, or it was billed a higher rung of the
ladder than at the anchor. Each bucket's expansion rate is shrunk to its product's rate, and that
to the overall rate, by ``prior_strength`` pseudo-accounts. ``upsell_propensity`` is the rate of
the owner's bucket today, x 100 (a calibrated probability of expanding within ``h`` months).
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from fitintent.config import Config
from fitintent.engine import DataFrame, F, active
from fitintent.plays._holdings import ladder_top
from fitintent.plays._settings import PlaySettings

UPSELL_RULE = (
    "owned and (spend last h months >= (1 + min_spend_growth) x the h months before, or a higher "
    "SKU on the ladder and billed seats >= (1 + min_seat_growth) x h months ago)"
)
UPSELL_METHOD = (
    "expansion rate within h months of owners in the same product x spend-trend bucket x SKU "
    "headroom at month P-h, shrunk to the product rate and that to the overall rate "
    "(pseudo-count prior_strength), x 100"
)
BUCKETS = ("new", "declining", "flat", "growing", "expanding")
RATES_SCHEMA = pa.schema(
    [
        ("product", pa.string()),
        ("growth_bucket", pa.string()),
        ("headroom", pa.bool_()),
        ("owners", pa.int64()),
        ("expanded", pa.int64()),
        ("rate", pa.float64()),
    ]
)


def growth_bucket(recent: str, previous: str, settings: PlaySettings) -> Any:
    """The trend bucket of columns ``recent`` over ``previous``: ``new`` (nothing billed
    before), ``declining`` (< 0.95x), ``flat`` (< 1.05x), ``growing`` (below the expansion
    threshold), ``expanding`` (at or above it)."""

    def ratio_below(x: float) -> Any:
        return F.col(recent) < F.col(previous) * F.lit(x)

    return (
        F.when(F.col(previous).isNull() | (F.col(previous) <= F.lit(0.0)), F.lit("new"))
        .when(ratio_below(0.95), F.lit("declining"))
        .when(ratio_below(1.05), F.lit("flat"))
        .when(ratio_below(1.0 + settings.min_spend_growth), F.lit("growing"))
        .otherwise(F.lit("expanding"))
    )


def headroom(rank: str, cfg: Config, settings: PlaySettings) -> Any:
    """A higher SKU exists above the rung in column ``rank`` (false off the ladder)."""
    return F.coalesce(F.col(rank) < ladder_top(cfg, settings), F.lit(False))


def upsell_flag(
    owned: str,
    rev_recent: str,
    rev_prev: str,
    qty_recent: str,
    qty_prev: str,
    rank: str,
    cfg: Config,
    settings: PlaySettings,
) -> Any:
    """``UPSELL_RULE`` over the named columns (false when not owned or without the history to
    judge)."""
    more = (F.col(rev_prev) > F.lit(0.0)) & (
        F.col(rev_recent) >= F.col(rev_prev) * F.lit(1.0 + settings.min_spend_growth)
    )
    step = (
        (F.col(qty_prev) > F.lit(0.0))
        & headroom(rank, cfg, settings)
        & (F.col(qty_recent) >= F.col(qty_prev) * F.lit(1.0 + settings.min_seat_growth))
    )
    return F.coalesce(F.col(owned) & (more | step), F.lit(False))


def learn_upsell_rates(held: DataFrame, cfg: Config, settings: PlaySettings) -> pa.Table:
    """The expansion rate of each product x bucket x headroom seen at the anchor month, plus one
    row per product (bucket and headroom null) and one overall row (product null too)."""
    eng = active()
    at_anchor = held.where(
        (F.col("rev_prev") > F.lit(0.0)) & F.col("product").isin(cfg.product_ids)
    ).select(
        "product",
        growth_bucket("rev_prev", "rev_prev2", settings).alias("growth_bucket"),
        headroom("rank_a", cfg, settings).alias("headroom"),
        (
            (F.col("rev_recent") >= F.col("rev_prev") * F.lit(1.0 + settings.min_spend_growth))
            | F.coalesce(F.col("rank_next") > F.col("rank_a"), F.lit(False))
        ).alias("_expanded"),
    )
    counts = eng.to_arrow(
        at_anchor.groupBy("product", "growth_bucket", "headroom").agg(
            F.count(F.lit(1)).alias("owners"),
            F.count(F.when(F.col("_expanded"), F.lit(1))).alias("expanded"),
        )
    ).to_pylist()
    k = settings.prior_strength
    n_all = sum(r["owners"] for r in counts)
    e_all = sum(r["expanded"] for r in counts)
    if n_all == 0:
        return RATES_SCHEMA.empty_table()
    overall = e_all / n_all
    rows: list[dict[str, Any]] = [
        {
            "product": None,
            "growth_bucket": None,
            "headroom": None,
            "owners": n_all,
            "expanded": e_all,
            "rate": overall,
        }
    ]
    for product in sorted({r["product"] for r in counts}):
        mine = [r for r in counts if r["product"] == product]
        n_p, e_p = sum(r["owners"] for r in mine), sum(r["expanded"] for r in mine)
        rate_p = (e_p + k * overall) / (n_p + k)
        rows.append(
            {
                "product": product,
                "growth_bucket": None,
                "headroom": None,
                "owners": n_p,
                "expanded": e_p,
                "rate": rate_p,
            }
        )
        for r in sorted(mine, key=lambda r: (BUCKETS.index(r["growth_bucket"]), r["headroom"])):
            rows.append({**r, "rate": (r["expanded"] + k * rate_p) / (r["owners"] + k)})
    return pa.Table.from_pylist(rows, schema=RATES_SCHEMA)


def rate_lookups(rates: pa.Table) -> tuple[DataFrame, DataFrame, float | None]:
    """Bucket rates and product rates as DataFrames to join, and the overall rate."""
    eng = active()
    rows = rates.to_pylist()
    overall = next((r["rate"] for r in rows if r["product"] is None), None)
    buckets = pa.Table.from_pylist(
        [
            {
                "_ur_product": r["product"],
                "_ur_bucket": r["growth_bucket"],
                "_ur_headroom": r["headroom"],
                "_ur_rate": r["rate"],
            }
            for r in rows
            if r["growth_bucket"] is not None
        ],
        schema=pa.schema(
            [
                ("_ur_product", pa.string()),
                ("_ur_bucket", pa.string()),
                ("_ur_headroom", pa.bool_()),
                ("_ur_rate", pa.float64()),
            ]
        ),
    )
    products = pa.Table.from_pylist(
        [
            {"_up_product": r["product"], "_up_rate": r["rate"]}
            for r in rows
            if r["product"] is not None and r["growth_bucket"] is None
        ],
        schema=pa.schema([("_up_product", pa.string()), ("_up_rate", pa.float64())]),
    )
    return (
        eng.from_arrow(buckets, "upsell-buckets"),
        eng.from_arrow(products, "upsell-products"),
        overall,
    )
