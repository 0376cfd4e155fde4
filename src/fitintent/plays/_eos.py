"""End of service: accounts running product versions past (or near) the end of support.

An install-base row counts when it is *currently seen* (see :func:`._common.currently_seen`) and
its technology and version match a lifecycle row (trimmed, case-insensitive). As of the last day
of the period ``D``:

* ``eos``: ``end_of_support <= D`` (support ends *on* that day, so the day itself is past it);
* ``approaching_eos``: ``D < end_of_support <=`` the last day of the month ``eos_soon_months``
  after the period.

Each row is overlaid with the propensity of its replacement product for the account
(``replacement_fit``, ``replacement_intent``, ``replacement_cluster``); ``with_propensity`` holds
when that cluster is one of ``propensity_clusters`` (Act Now, Evaluate).

The ``eos`` table (rows that are ``eos`` or ``approaching_eos``)::

    account_id, technology, version, licence_count, end_of_support, family, sales_play,
    replacement, eos, approaching_eos, replacement_fit, replacement_intent, replacement_cluster,
    with_propensity
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from fitintent.engine import DataFrame, F, active
from fitintent.period import Period
from fitintent.plays._common import as_of, count_when, currently_seen, norm
from fitintent.plays._lifecycle import play_label
from fitintent.plays._settings import PlaySettings

EOS_COLUMNS = (
    "account_id",
    "technology",
    "version",
    "licence_count",
    "end_of_support",
    "family",
    "sales_play",
    "replacement",
    "eos",
    "approaching_eos",
    "replacement_fit",
    "replacement_intent",
    "replacement_cluster",
    "with_propensity",
)


def installed(
    install_base: DataFrame,
    lifecycle: pa.Table,
    placed_scores: DataFrame,
    period: Period,
    settings: PlaySettings,
) -> DataFrame:
    """Currently seen install-base rows with their lifecycle row (null when none) and the
    replacement's propensity; the ``eos`` flags are false off the lifecycle catalog."""
    catalog = active().from_arrow(
        lifecycle.select(
            ["product", "version", "end_of_support", "sales_play", "replacement", "family"]
        ).rename_columns(
            ["_lc_product", "_lc_version", "end_of_support", "sales_play", "replacement", "family"]
        ),
        "lifecycle",
    )
    current = install_base.where(currently_seen(period, settings.seen_within_days)).select(
        "account_id",
        "technology",
        "version",
        F.coalesce(F.col("licence_count").cast("long"), F.lit(0).cast("long")).alias(
            "licence_count"
        ),
        norm(F.col("technology")).alias("_tech_key"),
        norm(F.coalesce(F.col("version"), F.lit(""))).alias("_version_key"),
    )
    matched = current.join(
        catalog,
        on=(F.col("_tech_key") == norm(F.col("_lc_product")))
        & (F.col("_version_key") == norm(F.col("_lc_version"))),
        how="left",
    )
    scores = placed_scores.select(
        F.col("account_id").alias("_ps_account_id"),
        F.col("product").alias("_ps_product"),
        F.col("fit").cast("double").alias("replacement_fit"),
        F.col("intent").cast("double").alias("replacement_intent"),
        F.col("cluster").alias("replacement_cluster"),
    )
    overlaid = matched.join(
        scores,
        on=(F.col("account_id") == F.col("_ps_account_id"))
        & (F.col("replacement") == F.col("_ps_product")),
        how="left",
    )
    day = as_of(period)
    soon = period.shift(settings.eos_soon_months).end
    clusters = settings.propensity_clusters
    return overlaid.select(
        *EOS_COLUMNS[:8],
        F.coalesce(F.col("end_of_support") <= F.lit(day), F.lit(False)).alias("eos"),
        F.coalesce(
            (F.col("end_of_support") > F.lit(day)) & (F.col("end_of_support") <= F.lit(soon)),
            F.lit(False),
        ).alias("approaching_eos"),
        "replacement_fit",
        "replacement_intent",
        "replacement_cluster",
        F.coalesce(
            F.col("replacement_cluster").isin(clusters) if clusters else F.lit(False),
            F.lit(False),
        ).alias("with_propensity"),
        "_tech_key",
    )


def eos_table(rows: DataFrame) -> DataFrame:
    """The rows of :func:`installed` that are past or near their end of support."""
    return rows.where(F.col("eos") | F.col("approaching_eos")).select(*EOS_COLUMNS)


def families(lifecycle: pa.Table) -> list[str]:
    return sorted(set(lifecycle.column("family").to_pylist()))


def sales_plays(lifecycle: pa.Table) -> list[str]:
    return sorted(set(lifecycle.column("sales_play").to_pylist()))


def eos_flag_names(lifecycle: pa.Table, settings: PlaySettings) -> list[str]:
    """The per-account EOS columns, in output order."""
    n = settings.eos_min_licences
    out: list[str] = []
    for fam in families(lifecycle):
        out += [f"EOS{fam}", f"EOS{fam}Licences", f"EOS{fam}{n}PlusWithPropensity"]
    for play in sales_plays(lifecycle):
        out += [f"EOS{play_label(play)}", f"EOS{play_label(play)}Licences"]
    return out


def eos_aggregates(lifecycle: pa.Table, settings: PlaySettings) -> list[Any]:
    """Per-account aggregates over :func:`installed` rows (grouped by account): for each family
    ``EOS<F>`` (runs an EOS version), ``EOS<F>Licences`` (their licences, summed over versions),
    ``_EOS<F>_prop`` (one of them has its replacement in a propensity cluster); for each sales
    play ``EOS<Play>`` and ``EOS<Play>Licences``."""

    def mine(column: str, value: str) -> Any:
        return F.col("eos") & (F.col(column) == F.lit(value))

    def licences(column: str, value: str) -> Any:
        lic = F.col("licence_count").cast("double")
        return F.sum(F.when(mine(column, value), lic).otherwise(F.lit(0.0)))

    out: list[Any] = []
    for fam in families(lifecycle):
        out += [
            (count_when(mine("family", fam)) > F.lit(0)).alias(f"EOS{fam}"),
            licences("family", fam).alias(f"_EOS{fam}_lic"),
            count_when(mine("family", fam) & F.col("with_propensity")).alias(f"_EOS{fam}_prop"),
        ]
    for play in sales_plays(lifecycle):
        label = play_label(play)
        out += [
            (count_when(mine("sales_play", play)) > F.lit(0)).alias(f"EOS{label}"),
            licences("sales_play", play).alias(f"_EOS{label}_lic"),
        ]
    return out


def eos_columns(lifecycle: pa.Table, settings: PlaySettings) -> list[Any]:
    """The final per-account EOS columns from the aggregates, after a left join (null: false/0).
    ``EOS<F><N>PlusWithPropensity``: at least ``eos_min_licences`` EOS licences of the family
    and its replacement in a propensity cluster."""
    n = settings.eos_min_licences
    out: list[Any] = []

    def licences(name: str) -> Any:
        return F.coalesce(F.col(name), F.lit(0.0)).cast("long")

    for fam in families(lifecycle):
        out += [
            F.coalesce(F.col(f"EOS{fam}"), F.lit(False)).alias(f"EOS{fam}"),
            licences(f"_EOS{fam}_lic").alias(f"EOS{fam}Licences"),
            F.coalesce(
                (F.col(f"_EOS{fam}_lic") >= F.lit(float(n)))
                & (F.col(f"_EOS{fam}_prop") > F.lit(0)),
                F.lit(False),
            ).alias(f"EOS{fam}{n}PlusWithPropensity"),
        ]
    for play in sales_plays(lifecycle):
        label = play_label(play)
        out += [
            F.coalesce(F.col(f"EOS{label}"), F.lit(False)).alias(f"EOS{label}"),
            licences(f"_EOS{label}_lic").alias(f"EOS{label}Licences"),
        ]
    return out
