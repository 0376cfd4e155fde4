"""Whitespace: who lacks a product, and what it would spend a year if it bought like its peers.

Method (``WHITESPACE_METHOD``), learned per run from the owners the run sees:

1. owners: accounts that own the product (see holdings) with spend in the last
   ``owner_window_months`` and at least one employee; their annual spend per employee is
   ``spend_12m / employees``;
2. per product x industry x size band: the owners' count ``n`` and median spend per employee
   ``m_g``; per product: the median over all its owners ``m_p``;
3. the rate of a group is shrunk to the product's rate by its owner count:
   ``rate = (n * m_g + k * m_p) / (n + k)`` with ``k = prior_strength``; a group without owners
   gets ``m_p``; a product without owners gets no estimate (null);
4. ``whitespace_revenue = rate x employees`` (USD a year, to the cent) for accounts lacking the
   product.

Medians, not means: a few very large spenders do not set the price for everyone.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from fitintent.config import Config
from fitintent.engine import DataFrame, F, active
from fitintent.plays._common import size_band
from fitintent.plays._settings import PlaySettings

WHITESPACE_METHOD = (
    "median annual spend per employee of owners in the same product x industry x size band, "
    "shrunk to the product's median by owner count: (n*m_group + k*m_product)/(n + k), "
    "times the account's employees"
)
RATES_SCHEMA = pa.schema(
    [
        ("product", pa.string()),
        ("industry", pa.string()),
        ("size_band", pa.string()),
        ("owners", pa.int64()),
        ("median_spend_per_employee", pa.float64()),
        ("product_owners", pa.int64()),
        ("product_median", pa.float64()),
        ("rate", pa.float64()),
    ]
)


def industry_key(col: Any) -> Any:
    # null industries form a group of their own (a null key would never join)
    return F.coalesce(col, F.lit("")).cast("string")


def learn_whitespace_rates(
    accounts: DataFrame, held: DataFrame, cfg: Config, settings: PlaySettings
) -> pa.Table:
    """The spend-per-employee rate of every product x industry x size band that has owners,
    plus one row per product (``industry`` and ``size_band`` null) with the product's rate."""
    eng = active()
    firms = accounts.select(
        F.col("account_id").alias("_firm_account_id"),
        F.col("employees").cast("double").alias("_employees"),
        industry_key(F.col("industry")).alias("industry"),
        size_band(F.col("employees"), settings.size_band_edges).alias("size_band"),
    )
    owners = (
        held.where(
            F.col("owned")
            & (F.col("spend_12m") > F.lit(0.0))
            & F.col("product").isin(cfg.product_ids)
        )
        .join(firms, on=F.col("account_id") == F.col("_firm_account_id"), how="inner")
        .where(F.col("_employees") > F.lit(0.0))
        .select(
            "product",
            "industry",
            "size_band",
            (F.col("spend_12m") / F.col("_employees")).alias("_spe"),
        )
    )

    def stats() -> list[Any]:
        return [F.count(F.lit(1)).alias("n"), F.median(F.col("_spe")).cast("double").alias("m")]

    groups = eng.to_arrow(owners.groupBy("product", "industry", "size_band").agg(*stats()))
    products = eng.to_arrow(owners.groupBy("product").agg(*stats()))
    by_product = {r["product"]: (r["n"], r["m"]) for r in products.to_pylist()}
    k = settings.prior_strength
    rows: list[dict[str, Any]] = []
    for r in sorted(
        groups.to_pylist(), key=lambda r: (r["product"], r["industry"], r["size_band"])
    ):
        n_p, m_p = by_product[r["product"]]
        rate = (r["n"] * r["m"] + k * m_p) / (r["n"] + k)
        rows.append(
            {
                **r,
                "owners": r["n"],
                "median_spend_per_employee": r["m"],
                "product_owners": n_p,
                "product_median": m_p,
                "rate": rate,
            }
        )
    for product in sorted(by_product):
        n_p, m_p = by_product[product]
        rows.append(
            {
                "product": product,
                "industry": None,
                "size_band": None,
                "owners": n_p,
                "median_spend_per_employee": m_p,
                "product_owners": n_p,
                "product_median": m_p,
                "rate": m_p,
            }
        )
    return pa.Table.from_pylist(
        [{f.name: row.get(f.name) for f in RATES_SCHEMA} for row in rows], schema=RATES_SCHEMA
    )


def rate_lookups(rates: pa.Table) -> tuple[DataFrame, DataFrame]:
    """The group rates (product, industry, size_band) and product rates as DataFrames to join."""
    eng = active()
    level = rates.column("size_band").is_null().to_pylist()
    group_rows = [
        r for r, is_product in zip(rates.to_pylist(), level, strict=True) if not is_product
    ]
    product_rows = [r for r, is_product in zip(rates.to_pylist(), level, strict=True) if is_product]
    groups = pa.Table.from_pylist(
        [
            {
                "_wr_product": r["product"],
                "_wr_industry": r["industry"],
                "_wr_band": r["size_band"],
                "_wr_rate": r["rate"],
            }
            for r in group_rows
        ],
        schema=pa.schema(
            [
                ("_wr_product", pa.string()),
                ("_wr_industry", pa.string()),
                ("_wr_band", pa.string()),
                ("_wr_rate", pa.float64()),
            ]
        ),
    )
    products = pa.Table.from_pylist(
        [{"_wp_product": r["product"], "_wp_rate": r["rate"]} for r in product_rows],
        schema=pa.schema([("_wp_product", pa.string()), ("_wp_rate", pa.float64())]),
    )
    return eng.from_arrow(groups, "whitespace-groups"), eng.from_arrow(products, "whitespace-rate")
