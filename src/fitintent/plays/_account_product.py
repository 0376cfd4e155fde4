"""The account x product plays table: holdings, whitespace and upsell for every pair.

Every account of ``accounts`` x every catalog product gets a row::

    account_id, product, owned, whitespace, whitespace_kind, spend_12m, whitespace_rate,
    whitespace_revenue, sku, upsell_sku, spend_growth, seat_growth, growth_bucket, upsell,
    upsell_propensity

* ``whitespace``: the account does not own the product; ``whitespace_kind`` is ``customer``
  (it owns another catalog product) or ``prospect`` (it owns none); null when owned;
* ``whitespace_rate`` (USD per employee a year) and ``whitespace_revenue`` (USD a year): see
  :mod:`._whitespace`; null when owned, when employees are unknown or nobody owns the product;
* ``spend_12m``: what the account billed on the product in the owner window (0 when nothing);
* ``sku``/``upsell_sku``: the rung of the SKU ladder held and the next one up (null off ladder);
* ``spend_growth``: spend of the last ``h`` months over the ``h`` before (null without spend
  before); ``seat_growth``: billed quantity of the last three months over the same three months
  ``h`` earlier; ``growth_bucket`` the trend bucket of ``spend_growth``;
* ``upsell`` and ``upsell_propensity`` (0-100): see :mod:`._upsell`; false/null when not owned.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from fitintent.config import Config
from fitintent.engine import DataFrame, F, Window
from fitintent.plays import _upsell, _whitespace
from fitintent.plays._common import round_to, size_band
from fitintent.plays._settings import PlaySettings

COLUMNS = (
    "account_id",
    "product",
    "owned",
    "whitespace",
    "whitespace_kind",
    "spend_12m",
    "whitespace_rate",
    "whitespace_revenue",
    "sku",
    "upsell_sku",
    "spend_growth",
    "seat_growth",
    "growth_bucket",
    "upsell",
    "upsell_propensity",
)


def account_product_plays(
    accounts: DataFrame,
    held: DataFrame,
    whitespace_rates: pa.Table,
    upsell_rates: pa.Table,
    cfg: Config,
    settings: PlaySettings,
) -> DataFrame:
    """One row per account x catalog product (columns in the module docstring)."""
    products = [F.lit(p) for p in cfg.product_ids]
    grid = accounts.select(
        "account_id",
        F.col("employees").cast("double").alias("_employees"),
        _whitespace.industry_key(F.col("industry")).alias("_industry"),
        size_band(F.col("employees"), settings.size_band_edges).alias("_band"),
        F.explode(F.array(*products)).alias("product"),
    )
    kept = ("sku_rank", "sku", "upsell_sku", "rev_recent", "rev_prev", "qty_recent", "qty_prev")
    right = held.select(
        F.col("account_id").alias("_h_account_id"),
        F.col("product").alias("_h_product"),
        F.col("owned").alias("_h_owned"),
        F.col("spend_12m").alias("_h_spend"),
        *kept,
    )
    joined = grid.join(
        right,
        on=(F.col("account_id") == F.col("_h_account_id"))
        & (F.col("product") == F.col("_h_product")),
        how="left",
    )
    base = joined.select(
        "account_id",
        "product",
        "_employees",
        "_industry",
        "_band",
        F.coalesce(F.col("_h_owned"), F.lit(False)).alias("owned"),
        F.coalesce(F.col("_h_spend"), F.lit(0.0)).alias("spend_12m"),
        *kept,
    )
    any_owned = F.max(F.when(F.col("owned"), F.lit(1)).otherwise(F.lit(0))).over(
        Window.partitionBy("account_id")
    )
    flags = base.select(
        "account_id",
        "product",
        "_employees",
        "_industry",
        "_band",
        "owned",
        "spend_12m",
        "sku",
        "upsell_sku",
        any_owned.alias("_customer"),
        F.when(F.col("rev_prev") > F.lit(0.0), F.col("rev_recent") / F.col("rev_prev")).alias(
            "_sg"
        ),
        F.when(F.col("qty_prev") > F.lit(0.0), F.col("qty_recent") / F.col("qty_prev")).alias(
            "_qg"
        ),
        _upsell.growth_bucket("rev_recent", "rev_prev", settings).alias("_bucket"),
        _upsell.headroom("sku_rank", cfg, settings).alias("_headroom"),
        _upsell.upsell_flag(
            "owned", "rev_recent", "rev_prev", "qty_recent", "qty_prev", "sku_rank", cfg, settings
        ).alias("upsell"),
    )
    ws_groups, ws_products = _whitespace.rate_lookups(whitespace_rates)
    up_buckets, up_products, overall = _upsell.rate_lookups(upsell_rates)
    rated = (
        flags.join(
            ws_groups,
            on=(F.col("product") == F.col("_wr_product"))
            & (F.col("_industry") == F.col("_wr_industry"))
            & (F.col("_band") == F.col("_wr_band")),
            how="left",
        )
        .join(ws_products, on=F.col("product") == F.col("_wp_product"), how="left")
        .join(
            up_buckets,
            on=(F.col("product") == F.col("_ur_product"))
            & (F.col("_bucket") == F.col("_ur_bucket"))
            & (F.col("_headroom") == F.col("_ur_headroom")),
            how="left",
        )
        .join(up_products, on=F.col("product") == F.col("_up_product"), how="left")
    )

    def ws_rate() -> Any:
        return F.when(~F.col("owned"), F.coalesce(F.col("_wr_rate"), F.col("_wp_rate")))

    up_rate = F.coalesce(F.col("_ur_rate"), F.col("_up_rate"), F.lit(overall).cast("double"))
    return rated.select(
        "account_id",
        "product",
        "owned",
        (~F.col("owned")).alias("whitespace"),
        F.when(~F.col("owned") & (F.col("_customer") == F.lit(1)), F.lit("customer"))
        .when(~F.col("owned"), F.lit("prospect"))
        .cast("string")
        .alias("whitespace_kind"),
        round_to(F.col("spend_12m"), 2).alias("spend_12m"),
        round_to(ws_rate(), 4).alias("whitespace_rate"),
        round_to(ws_rate() * F.col("_employees"), 2).alias("whitespace_revenue"),
        "sku",
        "upsell_sku",
        round_to(F.when(F.col("owned"), F.col("_sg")), 4).alias("spend_growth"),
        round_to(F.when(F.col("owned"), F.col("_qg")), 4).alias("seat_growth"),
        F.when(F.col("owned"), F.col("_bucket")).cast("string").alias("growth_bucket"),
        "upsell",
        round_to(F.when(F.col("owned"), up_rate * F.lit(100.0)), 1).alias("upsell_propensity"),
    )
