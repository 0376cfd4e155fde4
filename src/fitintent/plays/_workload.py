"""Next logical workload: what a compute customer is likely to add, from what peers hold together.

Method (``WORKLOAD_METHOD``), item-to-item co-occurrence (association rules):

* an account's *workloads* are the catalog products it owns and, with ``workload_skus``, each SKU
  of a compute product it was billed in the owner window (``Azure:<sku>``: workload families
  when the transactions carry them);
* over all accounts, ``support(j, i)`` counts the accounts holding both ``j`` and ``i``, and the
  confidence ``P(i | j) = support(j, i) / holders(j)``; pairs below ``workload_min_support``
  accounts are ignored as noise;
* a compute customer (owns a compute product) is offered each workload ``i`` it lacks with
  ``score = 100 x max over its workloads j of P(i | j)``; ``because`` names that ``j`` ("owners
  of j add i"); the top ``workload_top`` per account, highest score first (ties by name).

Output ``next_workload``: ``account_id, rank, workload, product, score, because, support``.
Transparent and additive at any scale (a pair count per account holding); a matrix
factorisation would generalise further on sparse holdings at the cost of explainability.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from fitintent.config import Config
from fitintent.engine import DataFrame, F, Window, active
from fitintent.period import Period
from fitintent.plays._common import cents, month_index, period_index, round_to, within
from fitintent.plays._settings import PlaySettings

WORKLOAD_METHOD = (
    "item co-occurrence: score = 100 x max over held workloads j of P(i | j) = "
    "support(j, i) / holders(j), pairs with support >= workload_min_support"
)
RULES_SCHEMA = pa.schema(
    [
        ("from_item", pa.string()),
        ("to_item", pa.string()),
        ("to_product", pa.string()),
        ("support", pa.int64()),
        ("holders", pa.int64()),
        ("confidence", pa.float64()),
    ]
)


def workloads(
    held: DataFrame,
    transactions: DataFrame,
    cfg: Config,
    period: Period,
    settings: PlaySettings,
) -> DataFrame:
    """Distinct (account_id, item, product) holdings: owned products and billed compute SKUs."""
    owned = held.where(F.col("owned") & F.col("product").isin(cfg.product_ids)).select(
        "account_id", F.col("product").alias("item"), "product"
    )
    compute = cfg.compute_products
    if not (settings.workload_skus and compute):
        return owned
    p = period_index(period)
    skus = transactions.where(
        F.col("product").isin(compute)
        & within(month_index(F.col("month")), p - settings.owner_window_months + 1, p)
        & (cents(F.col("revenue")) > F.lit(0.0))
        & F.col("sku").isNotNull()
    ).select(
        "account_id",
        F.concat(F.col("product"), F.lit(":"), F.trim(F.col("sku"))).alias("item"),
        "product",
    )
    return owned.unionByName(skus).distinct()


def learn_rules(items: DataFrame, settings: PlaySettings) -> pa.Table:
    """Every pair ``j -> i`` held together by at least ``workload_min_support`` accounts."""
    eng = active()
    other = items.select(F.col("account_id").alias("_o_account_id"), F.col("item").alias("_o_item"))
    pairs = (
        items.join(
            other,
            on=(F.col("account_id") == F.col("_o_account_id"))
            & (F.col("item") != F.col("_o_item")),
            how="inner",
        )
        .groupBy("item", "_o_item")
        .agg(F.count(F.lit(1)).alias("support"))
    )
    counted = eng.to_arrow(items.groupBy("item", "product").agg(F.count(F.lit(1)).alias("n")))
    holders = {r["item"]: r["n"] for r in counted.to_pylist()}
    product_of = {r["item"]: r["product"] for r in counted.to_pylist()}
    rows = [
        {
            "from_item": r["item"],
            "to_item": r["_o_item"],
            "to_product": product_of[r["_o_item"]],
            "support": r["support"],
            "holders": holders[r["item"]],
            "confidence": r["support"] / holders[r["item"]],
        }
        for r in eng.to_arrow(pairs).to_pylist()
        if r["support"] >= settings.workload_min_support
    ]
    rows.sort(key=lambda r: (r["from_item"], r["to_item"]))
    return pa.Table.from_pylist(rows, schema=RULES_SCHEMA)


def next_workload(
    items: DataFrame, rules: pa.Table, cfg: Config, settings: PlaySettings
) -> DataFrame:
    """The top workloads per compute customer (columns in the module docstring)."""
    rule_df = active().from_arrow(rules, "workload-rules")
    compute = cfg.compute_products
    is_compute = F.max(
        F.when(F.col("item").isin(compute), F.lit(1)).otherwise(F.lit(0)) if compute else F.lit(0)
    ).over(Window.partitionBy("account_id"))
    customers = items.select("account_id", "item", is_compute.alias("_compute")).where(
        F.col("_compute") == F.lit(1)
    )
    held = items.select(F.col("account_id").alias("_h_account_id"), F.col("item").alias("_h_item"))
    candidates = (
        customers.join(rule_df, on=F.col("item") == F.col("from_item"), how="inner")
        .join(
            held,
            on=(F.col("account_id") == F.col("_h_account_id"))
            & (F.col("to_item") == F.col("_h_item")),
            how="left",
        )
        .where(F.col("_h_account_id").isNull())
    )
    best: Any = F.row_number().over(
        Window.partitionBy("account_id", "to_item").orderBy(
            F.col("confidence").desc(), F.col("from_item").asc()
        )
    )
    strongest = candidates.select(
        "account_id",
        "to_item",
        "to_product",
        "from_item",
        "confidence",
        "support",
        best.alias("_best"),
    ).where(F.col("_best") == F.lit(1))
    rank: Any = F.row_number().over(
        Window.partitionBy("account_id").orderBy(F.col("confidence").desc(), F.col("to_item").asc())
    )
    ranked = strongest.select("*", rank.alias("rank")).where(
        F.col("rank") <= F.lit(settings.workload_top)
    )
    return ranked.select(
        "account_id",
        F.col("rank").cast("long").alias("rank"),
        F.col("to_item").alias("workload"),
        F.col("to_product").alias("product"),
        round_to(F.col("confidence") * F.lit(100.0), 1).alias("score"),
        F.col("from_item").alias("because"),
        F.col("support").cast("long").alias("support"),
    )
