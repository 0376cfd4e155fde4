"""The partner summary (SPEC section 6): customers, expiring agreements and SMB types.

Per partner, and per (partner, location)::

    partner_id, partner_name, [location_id, location_name,] fiscal_year,
    smc_customers, expiring_agreements, expiring_revenue, open_expiring_revenue,
    top_unmanaged_user, top_unmanaged_compute, medium, small, [very_small,]
    top_unmanaged_user_base, top_unmanaged_compute_base

* ``smc_customers``: accounts whose partner of record (and location of record) is the row's.
* ``expiring_agreements``: agreements of those accounts whose ``end_date`` lies in the fiscal year
  holding the period (``period.fiscal_year(cfg.fiscal.start_month)``, both ends inclusive);
  ``expiring_revenue`` is the sum of their ``expiring_revenue`` and ``open_expiring_revenue`` the
  part under the programs in ``cfg.sources.open_programs``. Money is double in whole cents: each
  agreement's revenue is rounded to the cent before it is added up (exact and the same on every
  engine).
* The type columns count accounts by ``smb_type_summary`` (one type per account, so they add up to
  ``smc_customers``); the ``*_base`` columns count the flags, so an account that is both user and
  compute based is in both.
* Every partner and every location appears, with zeros when it has no accounts. Accounts without a
  location of record count in their partner's row only, so the location rows of a partner add up
  to at most its partner row.
"""

from __future__ import annotations

from typing import Any

from fitintent.config import Config
from fitintent.engine import DataFrame, F
from fitintent.period import Period
from fitintent.segment import smb_types


def _cents(col: Any) -> Any:
    """A money amount as whole cents held in a double.

    ``round(x, 2)`` differs between engines on doubles like 1.005 (DuckDB rounds the binary value,
    Spark its decimal text); rounding ``x * 100`` to an integer agrees on both. Sums of these
    integral doubles are exact (below 2**53 cents) and so do not depend on the order the engine
    adds rows in, which a plain double sum does: the two engines then round a sum lying on half a
    cent differently. Each agreement's revenue therefore counts to the cent.
    """
    return F.round(col * F.lit(100.0), 0)


def _count(cond: Any) -> Any:
    # COUNT stays BIGINT on both engines; SUM of integers is DECIMAL on DuckDB and sqlframe drops
    # a cast to long that it believes redundant.
    return F.count(F.when(cond, F.lit(1)))


def _count_columns(cfg: Config) -> list[str]:
    return [
        "smc_customers",
        *smb_types(cfg),
        "top_unmanaged_user_base",
        "top_unmanaged_compute_base",
    ]


def _account_measures(accounts: DataFrame, keys: list[str], cfg: Config) -> DataFrame:
    summary = F.col("smb_type_summary")
    return accounts.groupBy(*keys).agg(
        F.count(F.lit(1)).alias("smc_customers"),
        *[_count(summary == F.lit(t)).alias(t) for t in smb_types(cfg)],
        _count(F.col("top_unmanaged_user")).alias("top_unmanaged_user_base"),
        _count(F.col("top_unmanaged_compute")).alias("top_unmanaged_compute_base"),
    )


def _agreement_measures(rows: DataFrame, keys: list[str], cfg: Config) -> DataFrame:
    revenue = _cents(F.col("expiring_revenue").cast("double"))
    programs = cfg.sources.open_programs
    is_open = F.col("license_program").isin(programs) if programs else F.lit(False)
    return rows.groupBy(*keys).agg(
        F.count(F.lit(1)).alias("expiring_agreements"),
        F.sum(revenue).cast("double").alias("_revenue_cents"),
        F.sum(F.when(is_open, revenue).otherwise(F.lit(0.0))).cast("double").alias("_open_cents"),
    )


def _measures(cfg: Config) -> list[Any]:
    counts = _count_columns(cfg)
    zero = F.lit(0).cast("long")
    return [
        F.coalesce(F.col("smc_customers"), zero).cast("long").alias("smc_customers"),
        F.coalesce(F.col("expiring_agreements"), zero).cast("long").alias("expiring_agreements"),
        (F.coalesce(F.col("_revenue_cents"), F.lit(0.0)) / F.lit(100.0))
        .cast("double")
        .alias("expiring_revenue"),
        (F.coalesce(F.col("_open_cents"), F.lit(0.0)) / F.lit(100.0))
        .cast("double")
        .alias("open_expiring_revenue"),
        *[F.coalesce(F.col(c), zero).cast("long").alias(c) for c in counts[1:]],
    ]


def summarize(
    segmented_accounts: DataFrame,
    agreements: DataFrame,
    locations: DataFrame,
    partners: DataFrame,
    cfg: Config,
    period: Period,
) -> tuple[DataFrame, DataFrame]:
    """The summary per partner and per (partner, location), sorted by their keys.

    ``segmented_accounts`` is the output of :func:`fitintent.segment.segment` (it needs
    ``account_id``, ``partner_id``, ``location_id``, ``smb_type_summary`` and the two flags).
    """
    fy = period.fiscal_year(cfg.fiscal.start_month)
    accounts = segmented_accounts.select(
        "account_id",
        "partner_id",
        "location_id",
        "smb_type_summary",
        F.coalesce(F.col("top_unmanaged_user"), F.lit(False)).alias("top_unmanaged_user"),
        F.coalesce(F.col("top_unmanaged_compute"), F.lit(False)).alias("top_unmanaged_compute"),
    )
    end = F.col("end_date")
    expiring = agreements.where((end >= F.lit(fy.start)) & (end <= F.lit(fy.end))).select(
        F.col("account_id").alias("_agreement_account_id"), "license_program", "expiring_revenue"
    )
    agreement_rows = expiring.join(
        accounts.select("account_id", "partner_id", "location_id"),
        on=F.col("_agreement_account_id") == F.col("account_id"),
        how="inner",
    )
    label = F.lit(fy.label).alias("fiscal_year")

    partner_keys = ["partner_id"]
    by_partner = (
        partners.select("partner_id", "partner_name")
        .join(_account_measures(accounts, partner_keys, cfg), on=partner_keys, how="left")
        .join(_agreement_measures(agreement_rows, partner_keys, cfg), on=partner_keys, how="left")
        .select("partner_id", "partner_name", label, *_measures(cfg))
        .orderBy("partner_id")
    )

    location_keys = ["partner_id", "location_id"]
    located = accounts.where(F.col("location_id").isNotNull())
    located_rows = agreement_rows.where(F.col("location_id").isNotNull())
    by_location = (
        locations.select("partner_id", "location_id", "location_name")
        .join(partners.select("partner_id", "partner_name"), on="partner_id", how="left")
        .join(_account_measures(located, location_keys, cfg), on=location_keys, how="left")
        .join(_agreement_measures(located_rows, location_keys, cfg), on=location_keys, how="left")
        .select(
            "partner_id", "partner_name", "location_id", "location_name", label, *_measures(cfg)
        )
        .orderBy("partner_id", "location_id")
    )
    return by_partner, by_location
