"""Opportunity history as of a period's end, and the outcomes that followed it.

History never looks past the period's last day: an opportunity counts once created on or before
it, and its outcome only once closed on or before it (until then it was open). Outcomes are the
opportunities created in the ``horizon`` days after the period: the labels of training and the
truth of evaluation.
"""

from __future__ import annotations

from typing import Any

from fitintent.config import Config
from fitintent.engine import DataFrame, F
from fitintent.features._common import Catalog, Dated, Feature, count_if, dated, event, flat


def opportunity_events(opportunities: DataFrame) -> Dated:
    """Opportunities created by each month's end."""
    rows = event(
        opportunities,
        "opp",
        product="product",
        k1="outcome",
        d1="created_date",
        d2="closed_date",
        x="amount",
    )
    return dated(rows, "opp", F.col("d1") <= F.col("m_end"))


def opportunity_aggregates(cfg: Config) -> list[Any]:
    """Per product: ``opp_<P>_open`` (open at the month's end), ``opp_<P>_won_12m``,
    ``opp_<P>_lost_12m`` (closed in the last 365 days), the last creation date; across products
    ``opp_all_12m`` (created in the last 365 days) and ``opp_all_won_12m``."""
    is_opp = F.col("src") == F.lit("opp")
    closed_by_end = F.col("d2").isNotNull() & (F.col("d2") <= F.col("m_end"))
    in_year = is_opp & closed_by_end & (F.col("d2") > F.col("m_year_ago"))
    won, lost = F.col("k1") == F.lit("won"), F.col("k1") == F.lit("lost")
    aggs: list[Any] = [
        count_if(is_opp & (F.col("d1") > F.col("m_year_ago"))).alias("opp_all_12m"),
        count_if(in_year & won).alias("opp_all_won_12m"),
    ]
    for pid in cfg.product_ids:
        is_p = is_opp & (F.col("product") == F.lit(pid))
        aggs += [
            count_if(is_p & ~closed_by_end).alias(f"opp_{pid}_open"),
            count_if(is_p & in_year & won).alias(f"opp_{pid}_won_12m"),
            count_if(is_p & in_year & lost).alias(f"opp_{pid}_lost_12m"),
            F.max(F.when(is_p, F.col("d1"))).alias(f"_opp_last_{pid}"),
        ]
    return aggs


def opportunity_columns(cfg: Config) -> list[Any]:
    cols: list[Any] = [F.col("opp_all_12m"), F.col("opp_all_won_12m")]
    for pid in cfg.product_ids:
        cols += [
            F.col(f"opp_{pid}_open"),
            F.col(f"opp_{pid}_won_12m"),
            F.col(f"opp_{pid}_lost_12m"),
            F.datediff(F.col("m_end"), F.col(f"_opp_last_{pid}"))
            .cast("double")
            .alias(f"opp_{pid}_days_since"),
        ]
    return cols


def opportunity_catalog(catalog: Catalog, cfg: Config) -> None:
    catalog.add(
        Feature(
            "opp_all_12m",
            "opportunity",
            "numeric",
            "{v:,.0f} opportunities in 12 months",
            intent=True,
        ),
        Feature(
            "opp_all_won_12m",
            "opportunity",
            "numeric",
            "{v:,.0f} deals won in 12 months",
            intent=True,
        ),
    )
    for p in cfg.products:
        phrases = {
            "open": f"open {p.name} opportunity",
            "won_12m": f"won a {p.name} deal in the last 12 months",
            "lost_12m": f"lost a {p.name} deal in the last 12 months",
            "days_since": f"last {p.name} opportunity {{v:,.0f}} days ago",
        }
        for suffix, phrase in phrases.items():
            catalog.add(
                Feature(
                    f"opp_{p.id}_{suffix}",
                    "opportunity",
                    "numeric",
                    phrase,
                    product=p.id,
                    intent=True,
                )
            )


OUTCOME_COLUMNS = ("opportunities", "won", "lost", "amount", "won_amount")


def opportunity_outcomes(opportunities: DataFrame, cfg: Config, months: DataFrame) -> DataFrame:
    """Per account x product x month (``m_period``) with an opportunity created in the
    ``intent.horizon_days`` days after the month: ``opportunities``, ``won``, ``lost`` (counts,
    outcome as recorded now), ``amount`` (pipeline; a missing amount counts 0), ``won_amount``."""
    window = flat(
        opportunities.join(
            months,
            on=(F.col("created_date") > F.col("m_end"))
            & (F.col("created_date") <= F.col("m_soon")),
        )
    )
    amount = F.coalesce(F.col("amount"), F.lit(0.0)).cast("double")
    won = F.col("outcome") == F.lit("won")
    return window.groupBy("account_id", "product", "m_period").agg(
        F.count(F.lit(1)).alias("opportunities"),
        count_if(won).alias("won"),
        count_if(F.col("outcome") == F.lit("lost")).alias("lost"),
        F.sum(amount).cast("double").alias("amount"),
        F.sum(F.when(won, amount).otherwise(F.lit(0.0))).cast("double").alias("won_amount"),
    )
