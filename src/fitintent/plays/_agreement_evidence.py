"""Evidence about agreements: what each account billed, held and signed around an agreement's end.

Per agreement (see :mod:`._renewals` for how it is used): ``_engaged_then`` (billed a product of
the agreement's division in the three months up to its end month), ``engaged`` (the same up to
the period), ``_continued`` (billed such a product within ``renewal_grace_months`` after the end,
held a subscription of one through then, or has another agreement ending later), ``_history``
(the outcome is known: ended at least ``G`` months before the period) and ``_expiring`` (ends
within ``renewal_months`` months from the period).
"""

from __future__ import annotations

from typing import Any

from fitintent.config import Config
from fitintent.engine import DataFrame, F
from fitintent.period import Period
from fitintent.plays._common import count_when, month_index, norm, period_index
from fitintent.plays._settings import PlaySettings

_FAR = 1 << 30  # a month index beyond any date: an open-ended subscription


def division_map(cfg: Config, settings: PlaySettings) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for division, products in settings.division_products.items():
        known = [p for p in products if p in cfg.product_ids]
        if known:
            out[division.strip().lower()] = known
    return out


def events(
    agreements: DataFrame,
    transactions: DataFrame,
    subscriptions: DataFrame,
    cfg: Config,
    settings: PlaySettings,
) -> DataFrame:
    """Evidence per account: billed months, subscription spans and agreement ends, each with the
    division of its product (null when unmapped)."""
    divisions = division_map(cfg, settings)
    pairs = [(p, d) for d, ps in divisions.items() for p in ps]

    def division() -> Any:
        # a product listed under several divisions keeps the first
        if not pairs:
            return F.lit(None).cast("string")
        out = F.when(F.col("product") == F.lit(pairs[0][0]), F.lit(pairs[0][1]))
        for product, name in pairs[1:]:
            out = out.when(F.col("product") == F.lit(product), F.lit(name))
        return out.cast("string")

    def none(kind: str) -> Any:
        return F.lit(None).cast(kind)

    billed = transactions.select(
        "account_id",
        F.lit("tx").alias("_kind"),
        month_index(F.col("month")).alias("_m"),
        month_index(F.col("month")).alias("_m_end"),
        division().alias("_div"),
        none("string").alias("_other_id"),
        none("date").alias("_other_end"),
    ).distinct()
    subs = subscriptions.select(
        "account_id",
        F.lit("sub").alias("_kind"),
        month_index(F.col("start_date")).alias("_m"),
        F.coalesce(month_index(F.col("end_date")), F.lit(_FAR).cast("long")).alias("_m_end"),
        division().alias("_div"),
        none("string").alias("_other_id"),
        none("date").alias("_other_end"),
    )
    ends = agreements.select(
        "account_id",
        F.lit("ag").alias("_kind"),
        none("long").alias("_m"),
        none("long").alias("_m_end"),
        none("string").alias("_div"),
        F.col("agreement_id").alias("_other_id"),
        F.col("end_date").alias("_other_end"),
    )
    return billed.unionByName(subs).unionByName(ends)


def evidence(
    agreements: DataFrame,
    events: DataFrame,
    cfg: Config,
    period: Period,
    settings: PlaySettings,
) -> DataFrame:
    """Per agreement: engaged (history and now), continued, and whether it is history/expiring."""
    p, g = period_index(period), settings.renewal_grace_months
    mapped = list(division_map(cfg, settings))
    ag = agreements.select(
        "agreement_id",
        F.col("account_id").alias("_ag_account_id"),
        "license_program",
        "end_date",
        "expiring_revenue",
        "product_division",
        month_index(F.col("end_date")).alias("_e"),
        norm(F.col("product_division")).alias("_dk"),
    )
    joined = ag.join(events, on=F.col("_ag_account_id") == F.col("account_id"), how="left")

    def m() -> Any:
        return F.col("_m")

    def e(shift: int = 0) -> Any:
        return F.col("_e") + F.lit(shift)

    def evidence_of(kind: str) -> Any:
        unmapped = ~F.coalesce(F.col("_dk").isin(mapped), F.lit(False)) if mapped else F.lit(True)
        return (F.col("_kind") == F.lit(kind)) & (unmapped | (F.col("_div") == F.col("_dk")))

    later = (
        (F.col("_kind") == F.lit("ag"))
        & (F.col("_other_id") != F.col("agreement_id"))
        & (F.col("_other_end") > F.col("end_date"))
    )
    keys = [
        "agreement_id",
        "_ag_account_id",
        "license_program",
        "end_date",
        "expiring_revenue",
        "product_division",
        "_e",
    ]
    grouped = joined.groupBy(*keys).agg(
        count_when(evidence_of("tx") & (m() >= e(-2)) & (m() <= e())).alias("_eng_then"),
        count_when(evidence_of("tx") & (m() >= F.lit(p - 2)) & (m() <= F.lit(p))).alias("_eng_now"),
        count_when(evidence_of("tx") & (m() > e()) & (m() <= e(g))).alias("_cont_tx"),
        count_when(evidence_of("sub") & (m() <= e(g)) & (F.col("_m_end") >= e(g))).alias(
            "_cont_sub"
        ),
        count_when(later).alias("_later"),
    )
    expiring_to = p + settings.renewal_months - 1
    return grouped.select(
        "agreement_id",
        F.col("_ag_account_id").alias("account_id"),
        "license_program",
        "end_date",
        "expiring_revenue",
        "product_division",
        (e() - F.lit(p)).cast("long").alias("months_to_end"),
        (e(g) <= F.lit(p)).alias("_history"),
        ((e() >= F.lit(p)) & (e() <= F.lit(expiring_to))).alias("_expiring"),
        (F.col("_eng_then") > F.lit(0)).alias("_engaged_then"),
        (F.col("_eng_now") > F.lit(0)).alias("engaged"),
        (
            (F.col("_cont_tx") > F.lit(0))
            | (F.col("_cont_sub") > F.lit(0))
            | (F.col("_later") > F.lit(0))
        ).alias("_continued"),
    )
