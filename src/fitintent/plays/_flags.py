"""Per-account flags: competitors, licence programs, upsell and end of service, for every account.

Columns, in order::

    account_id, HasGoogle, HasAWS, HasEA, HasOpen, <P>UpsellCustomer (each catalog product),
    EOS<F>, EOS<F>Licences, EOS<F><N>PlusWithPropensity (each lifecycle family),
    EOS<Play>, EOS<Play>Licences (Productivity, Compute)

* ``HasGoogle``/``HasAWS`` (the keys of ``competitors``): a *currently seen* install-base row
  whose technology is one of the listed names (case-insensitive);
* ``HasEA``: an *active* agreement (``end_date`` on or after the last day of the period) under
  ``ea_programs``; ``HasOpen``: the same under ``cfg.sources.open_programs``;
* ``<P>UpsellCustomer``: the account's ``upsell`` flag on product ``P`` (``M365UpsellCustomer``:
  for example an E3 holder whose seats grow; ``AzureUpsellCustomer``: compute spend growing);
* EOS columns: see :mod:`._eos`.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from fitintent.config import Config
from fitintent.engine import DataFrame, F
from fitintent.period import Period
from fitintent.plays._common import as_of, count_when
from fitintent.plays._eos import eos_aggregates, eos_columns, eos_flag_names
from fitintent.plays._settings import PlaySettings


def flag_names(cfg: Config, lifecycle: pa.Table, settings: PlaySettings) -> list[str]:
    """The flag columns of :func:`account_flags`, in order (after ``account_id``)."""
    return [
        *settings.competitors,
        "HasEA",
        "HasOpen",
        *[f"{p}UpsellCustomer" for p in cfg.product_ids],
        *eos_flag_names(lifecycle, settings),
    ]


def account_flags(
    accounts: DataFrame,
    installed_rows: DataFrame,
    agreements: DataFrame,
    account_product: DataFrame,
    lifecycle: pa.Table,
    cfg: Config,
    period: Period,
    settings: PlaySettings,
) -> DataFrame:
    """One row per account of ``accounts`` (columns in the module docstring)."""
    competitor = [
        (count_when(F.col("_tech_key").isin([n.strip().lower() for n in names])) > F.lit(0)).alias(
            flag
        )
        for flag, names in settings.competitors.items()
    ]
    installs = (
        installed_rows.withColumnRenamed("account_id", "_ib_account_id")
        .groupBy("_ib_account_id")
        .agg(*competitor, *eos_aggregates(lifecycle, settings))
    )
    day = as_of(period)

    def has(programs: list[str]) -> Any:
        if not programs:
            return F.lit(False)
        active = (F.col("end_date") >= F.lit(day)) & F.col("license_program").isin(programs)
        return count_when(active) > F.lit(0)

    licences = (
        agreements.withColumnRenamed("account_id", "_ag_account_id")
        .groupBy("_ag_account_id")
        .agg(
            has(settings.ea_programs).alias("HasEA"),
            has(cfg.sources.open_programs).alias("HasOpen"),
        )
    )
    upsell = (
        account_product.withColumnRenamed("account_id", "_up_account_id")
        .groupBy("_up_account_id")
        .agg(
            *[
                (count_when(F.col("upsell") & (F.col("product") == F.lit(p))) > F.lit(0)).alias(
                    f"{p}UpsellCustomer"
                )
                for p in cfg.product_ids
            ]
        )
    )
    joined = (
        accounts.select("account_id")
        .join(installs, on=F.col("account_id") == F.col("_ib_account_id"), how="left")
        .join(licences, on=F.col("account_id") == F.col("_ag_account_id"), how="left")
        .join(upsell, on=F.col("account_id") == F.col("_up_account_id"), how="left")
    )

    def flag(name: str) -> Any:
        return F.coalesce(F.col(name), F.lit(False)).alias(name)

    return joined.select(
        "account_id",
        *[flag(name) for name in settings.competitors],
        flag("HasEA"),
        flag("HasOpen"),
        *[flag(f"{p}UpsellCustomer") for p in cfg.product_ids],
        *eos_columns(lifecycle, settings),
    )
