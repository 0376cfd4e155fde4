"""Holdings (subscriptions, billing) and licence agreements as of the end of a period.

* ``owns_<P>``: an active subscription on the period's last day (started on or before it, no end
  or an end after it) or billing for the product in the last ``fit.holding_months`` months;
* ``tenure_<P>``: whole months (of 30.4375 days) from the first subscription start or first billed
  month to the period's last day, for owners; ``spend12_<P>``: billed revenue of the last 12
  months; ``seats_<P>``: seats of the active subscriptions;
* agreements with an end date after the period count as held (``agr_<program>``, ``has_open``);
  ``agr_expiring*`` are those ending within ``intent.horizon_days`` after it, by division too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fitintent.config import Config
from fitintent.engine import DataFrame, F, active
from fitintent.features._common import Catalog, Dated, Feature, count_if, dated, event, slug

MAX_DIVISIONS = 20
_DAYS_PER_MONTH = 30.4375


def _cents(col: Any) -> Any:
    return F.round(col * F.lit(100.0), 0) / F.lit(100.0)


def division_vocabulary(agreements: DataFrame, limit: int = MAX_DIVISIONS) -> list[str]:
    top = (
        agreements.where(F.col("product_division").isNotNull())
        .groupBy("product_division")
        .agg(F.count(F.lit(1)).alias("n"))
        .orderBy(F.col("n").desc(), F.col("product_division").asc())
        .limit(limit)
    )
    return sorted(str(d) for d in active().to_arrow(top).column("product_division").to_pylist())


def holding_events(subscriptions: DataFrame, transactions: DataFrame) -> list[Dated]:
    """Subscriptions started by each month's end; billing months up to each month."""
    subs = event(subscriptions, "sub", product="product", d1="start_date", d2="end_date", x="seats")
    tx = event(transactions, "tx", product="product", d1="month", x="revenue")
    return [
        dated(subs, "sub", F.col("d1") <= F.col("m_end")),
        dated(tx, "tx", F.col("d1") <= F.col("m_start")),
    ]


def agreement_events(agreements: DataFrame) -> Dated:
    """Agreements still held at each month's end (ending after it)."""
    rows = event(
        agreements,
        "agr",
        k1="license_program",
        k2="product_division",
        d1="end_date",
        x="expiring_revenue",
    )
    return dated(rows, "agr", F.col("d1") > F.col("m_end"))


def holding_aggregates(cfg: Config) -> list[Any]:
    is_sub, is_tx = F.col("src") == F.lit("sub"), F.col("src") == F.lit("tx")
    live = is_sub & (F.col("d2").isNull() | (F.col("d2") > F.col("m_end")))
    recent = is_tx & (F.col("d1") >= F.col("m_hold_start")) & (F.col("x") > F.lit(0.0))
    year = is_tx & (F.col("d1") >= F.col("m_year_start"))
    aggs: list[Any] = []
    for pid in cfg.product_ids:
        is_p = F.col("product") == F.lit(pid)
        aggs += [
            count_if(is_p & live).alias(f"_sub_{pid}"),
            F.sum(F.when(is_p & live, F.col("x")).otherwise(F.lit(0.0)))
            .cast("long")
            .alias(f"_seats_{pid}"),
            F.min(F.when(is_p & is_sub, F.col("d1"))).alias(f"_subfirst_{pid}"),
            count_if(is_p & recent).alias(f"_billed_{pid}"),
            F.sum(F.when(is_p & year, F.col("x")).otherwise(F.lit(0.0)))
            .cast("double")
            .alias(f"_spend_{pid}"),
            F.min(F.when(is_p & is_tx, F.col("d1"))).alias(f"_txfirst_{pid}"),
        ]
    return aggs


def holding_columns(cfg: Config) -> list[Any]:
    """Select expressions over the aggregates (see the module docstring)."""
    out: list[Any] = []
    owned: list[Any] = []
    spends: list[Any] = []
    for pid in cfg.product_ids:
        owns = (F.col(f"_sub_{pid}") > F.lit(0)) | (F.col(f"_billed_{pid}") > F.lit(0))
        first = F.least(F.col(f"_subfirst_{pid}"), F.col(f"_txfirst_{pid}"))
        tenure = F.floor(F.datediff(F.col("m_end"), first) / F.lit(_DAYS_PER_MONTH)).cast("double")
        spend = _cents(F.col(f"_spend_{pid}"))
        owned.append(F.when(owns, F.lit(1)).otherwise(F.lit(0)))
        spends.append(spend)
        out += [
            F.when(owns, F.lit(1)).otherwise(F.lit(0)).cast("long").alias(f"owns_{pid}"),
            F.when(owns, tenure).alias(f"tenure_{pid}"),
            spend.alias(f"spend12_{pid}"),
            F.col(f"_seats_{pid}").alias(f"seats_{pid}"),
        ]
    total_owned: Any = owned[0]
    total_spend: Any = spends[0]
    for o, s in zip(owned[1:], spends[1:], strict=True):
        total_owned, total_spend = total_owned + o, total_spend + s
    return [
        *out,
        total_owned.cast("long").alias("products_owned"),
        _cents(total_spend).alias("spend12_total"),
    ]


def agreement_aggregates(divisions: Sequence[str], cfg: Config) -> list[Any]:
    is_agr = F.col("src") == F.lit("agr")
    expiring = is_agr & (F.col("d1") <= F.col("m_soon"))
    program = F.col("k1")
    aggs: list[Any] = [count_if(is_agr).alias("agr_count")]
    for prog in cfg.sources.license_programs:
        aggs.append(
            F.max(F.when(is_agr & (program == F.lit(prog)), F.lit(1)).otherwise(F.lit(0)))
            .cast("long")
            .alias(f"agr_{slug(prog)}")
        )
    opened = is_agr & program.isin(list(cfg.sources.open_programs))
    aggs += [
        F.max(F.when(opened, F.lit(1)).otherwise(F.lit(0))).cast("long").alias("has_open"),
        count_if(expiring).alias("agr_expiring"),
        F.sum(F.when(expiring, F.col("x")).otherwise(F.lit(0.0)))
        .cast("double")
        .alias("_expiring_revenue"),
    ]
    for div in divisions:
        aggs.append(
            count_if(expiring & (F.col("k2") == F.lit(div))).alias(f"agr_expiring_{slug(div)}")
        )
    return aggs


def agreement_columns(divisions: Sequence[str], cfg: Config) -> list[Any]:
    return [
        F.col("agr_count"),
        *[F.col(f"agr_{slug(p)}") for p in cfg.sources.license_programs],
        F.col("has_open"),
        F.col("agr_expiring"),
        _cents(F.col("_expiring_revenue")).alias("agr_expiring_revenue"),
        *[F.col(f"agr_expiring_{slug(d)}") for d in divisions],
    ]


def holding_catalog(catalog: Catalog, cfg: Config) -> None:
    for p in cfg.products:
        n, pid = p.name, p.id
        catalog.add(
            Feature(f"owns_{pid}", "holding", "flag", f"owns {n}", f"does not own {n}", pid),
            Feature(
                f"tenure_{pid}",
                "holding",
                "numeric",
                f"{n} customer for {{v:,.0f}} months",
                "",
                pid,
            ),
            Feature(
                f"spend12_{pid}", "holding", "numeric", f"spends {{v:,.0f}} a year on {n}", "", pid
            ),
            Feature(f"seats_{pid}", "holding", "numeric", f"{{v:,.0f}} {n} seats", "", pid),
        )
    catalog.add(
        Feature("products_owned", "holding", "numeric", "owns {v:,.0f} of our products"),
        Feature("spend12_total", "holding", "numeric", "spends {v:,.0f} a year with us"),
    )


def agreement_catalog(catalog: Catalog, divisions: Sequence[str], cfg: Config) -> None:
    h = cfg.intent.horizon_days
    catalog.add(Feature("agr_count", "agreement", "numeric", "{v:,.0f} licence agreements"))
    for prog in cfg.sources.license_programs:
        catalog.add(
            Feature(f"agr_{slug(prog)}", "agreement", "flag", f"has a {prog} agreement"),
        )
    catalog.add(
        Feature("has_open", "agreement", "flag", "buys under an Open licence program"),
        Feature(
            "agr_expiring",
            "agreement",
            "numeric",
            f"{{v:,.0f}} agreements expiring within {h} days",
            intent=True,
        ),
        Feature(
            "agr_expiring_revenue",
            "agreement",
            "numeric",
            f"{{v:,.0f}} of revenue expiring within {h} days",
            intent=True,
        ),
    )
    for div in divisions:
        catalog.add(
            Feature(
                f"agr_expiring_{slug(div)}",
                "agreement",
                "numeric",
                f"{div} agreement expiring within {h} days",
                intent=True,
            )
        )
