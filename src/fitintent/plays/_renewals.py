"""Renewals: each agreement expiring soon, and how likely it is to renew.

*Expiring*: ``end_date`` in the ``renewal_months`` months starting with the period.

The likelihood is a transparent rule learned from history (``RENEWAL_METHOD``):

* *history*: agreements that ended at least ``renewal_grace_months`` (``G``) months before the end
  of the period, so their outcome is known. One *continued* when, after its end month ``e``, the
  account billed a product of the agreement's division in months ``e+1 .. e+G``, or held a
  subscription of such a product through month ``e+G``, or has another agreement ending later
  (agreements carry no start date: a later end is the evidence of a new term). Products of a
  division come from ``division_products``; a division not listed there matches any product;
* *engaged*: the account billed a product of the division in the three months up to the end
  month (history) or up to the period (expiring agreements);
* the renewal rate of each licence program x engaged bucket is shrunk to the program's rate and
  that to the overall rate (``prior_strength`` pseudo-agreements);
* the account's own record then moves it: ``(renewed_own + w x bucket_rate) / (ended_own + w)``,
  with ``w = renewal_account_weight``. ``renew_likelihood`` is that x 100 (null without any
  history to learn from).

Output ``renewals``: ``agreement_id, account_id, license_program, end_date, expiring_revenue,
product_division, months_to_end, engaged, bucket_agreements, bucket_rate, account_agreements,
account_renewed, renew_likelihood``.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from fitintent.config import Config
from fitintent.engine import DataFrame, F, active
from fitintent.period import Period
from fitintent.plays._agreement_evidence import events, evidence
from fitintent.plays._common import count_when, round_to
from fitintent.plays._settings import PlaySettings

RENEWAL_METHOD = (
    "renewal rate of ended agreements by licence program x engaged (billing the division in the "
    "last 3 months), shrunk to the program and overall rates, then blended with the account's "
    "own record: (renewed_own + w*rate)/(ended_own + w)"
)
RATES_SCHEMA = pa.schema(
    [
        ("license_program", pa.string()),
        ("engaged", pa.bool_()),
        ("agreements", pa.int64()),
        ("renewed", pa.int64()),
        ("rate", pa.float64()),
    ]
)


def _learn(history: DataFrame, settings: PlaySettings) -> pa.Table:
    counts = (
        active()
        .to_arrow(
            history.where(F.col("_history"))
            .select("license_program", F.col("_engaged_then").alias("engaged"), "_continued")
            .groupBy("license_program", "engaged")
            .agg(
                F.count(F.lit(1)).alias("agreements"),
                count_when(F.col("_continued")).alias("renewed"),
            )
        )
        .to_pylist()
    )
    n_all, r_all = sum(r["agreements"] for r in counts), sum(r["renewed"] for r in counts)
    if n_all == 0:
        return RATES_SCHEMA.empty_table()
    k, overall = settings.prior_strength, r_all / n_all
    rows: list[dict[str, Any]] = [
        {
            "license_program": None,
            "engaged": None,
            "agreements": n_all,
            "renewed": r_all,
            "rate": overall,
        }
    ]
    for program in sorted({r["license_program"] for r in counts}):
        mine = [r for r in counts if r["license_program"] == program]
        n_p, r_p = sum(r["agreements"] for r in mine), sum(r["renewed"] for r in mine)
        rate_p = (r_p + k * overall) / (n_p + k)
        rows.append(
            {
                "license_program": program,
                "engaged": None,
                "agreements": n_p,
                "renewed": r_p,
                "rate": rate_p,
            }
        )
        for r in sorted(mine, key=lambda r: r["engaged"]):
            rows.append({**r, "rate": (r["renewed"] + k * rate_p) / (r["agreements"] + k)})
    return pa.Table.from_pylist(rows, schema=RATES_SCHEMA)


def renewals(
    agreements: DataFrame,
    transactions: DataFrame,
    subscriptions: DataFrame,
    cfg: Config,
    period: Period,
    settings: PlaySettings,
) -> tuple[DataFrame, pa.Table]:
    """The expiring agreements with their renewal likelihood, and the learned rates."""
    eng = active()
    found = events(agreements, transactions, subscriptions, cfg, settings)
    evidence_rows = eng.materialize(evidence(agreements, found, cfg, period, settings), "renewals")
    rates = _learn(evidence_rows, settings)
    rows = rates.to_pylist()
    overall = next((r["rate"] for r in rows if r["license_program"] is None), None)
    bucket = eng.from_arrow(
        pa.Table.from_pylist(
            [
                {
                    "_rb_program": r["license_program"],
                    "_rb_engaged": r["engaged"],
                    "_rb_n": r["agreements"],
                    "_rb_rate": r["rate"],
                }
                for r in rows
                if r["engaged"] is not None
            ],
            schema=pa.schema(
                [
                    ("_rb_program", pa.string()),
                    ("_rb_engaged", pa.bool_()),
                    ("_rb_n", pa.int64()),
                    ("_rb_rate", pa.float64()),
                ]
            ),
        ),
        "renewal-buckets",
    )
    program = eng.from_arrow(
        pa.Table.from_pylist(
            [
                {"_rp_program": r["license_program"], "_rp_rate": r["rate"]}
                for r in rows
                if r["license_program"] is not None and r["engaged"] is None
            ],
            schema=pa.schema([("_rp_program", pa.string()), ("_rp_rate", pa.float64())]),
        ),
        "renewal-programs",
    )
    record = (
        evidence_rows.where(F.col("_history"))
        .withColumnRenamed("account_id", "_own_account_id")
        .groupBy("_own_account_id")
        .agg(F.count(F.lit(1)).alias("_own_n"), count_when(F.col("_continued")).alias("_own_r"))
    )
    joined = (
        evidence_rows.where(F.col("_expiring"))
        .join(
            bucket,
            on=(F.col("license_program") == F.col("_rb_program"))
            & (F.col("engaged") == F.col("_rb_engaged")),
            how="left",
        )
        .join(program, on=F.col("license_program") == F.col("_rp_program"), how="left")
        .join(record, on=F.col("account_id") == F.col("_own_account_id"), how="left")
    )

    def rate() -> Any:
        parts = [F.col("_rb_rate"), F.col("_rp_rate")]
        if overall is not None:
            parts.append(F.lit(overall).cast("double"))
        return F.coalesce(*parts)

    def own(name: str) -> Any:
        return F.coalesce(F.col(name), F.lit(0)).cast("long")

    w = settings.renewal_account_weight
    weight = own("_own_n").cast("double") + F.lit(w)
    renewed = own("_own_r").cast("double") + F.lit(w) * rate()
    blended = F.when(own("_own_n").cast("double") + F.lit(w) > F.lit(0.0), renewed / weight)
    table = joined.select(
        "agreement_id",
        "account_id",
        "license_program",
        "end_date",
        "expiring_revenue",
        "product_division",
        "months_to_end",
        "engaged",
        F.coalesce(F.col("_rb_n"), F.lit(0)).cast("long").alias("bucket_agreements"),
        round_to(rate() * F.lit(100.0), 1).alias("bucket_rate"),
        own("_own_n").alias("account_agreements"),
        own("_own_r").alias("account_renewed"),
        round_to(blended * F.lit(100.0), 1).alias("renew_likelihood"),
    )
    return table, rates
