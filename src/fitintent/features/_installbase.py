"""Install-base features: which technologies an account runs, their licences, and what is past its
end of support, as of the end of a period.

A row of the install base counts at the period when it was first seen on or before the period's
last day and last seen on or after its first day (or has no dates). The technology vocabulary
comes from the data (the most common technologies), so a user's own technographics become
features without configuration.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from fitintent.engine import DataFrame, F, active
from fitintent.features._common import Catalog, Dated, Feature, dated, day, event, slug

# End-of-support dates of common products (vendor lifecycle pages); a caller can pass its own.
END_OF_SUPPORT: tuple[tuple[str, str, date], ...] = (
    ("Windows", "7", date(2020, 1, 14)),
    ("Windows", "8.1", date(2023, 1, 10)),
    ("Office", "2010", date(2020, 10, 13)),
    ("Office", "2013", date(2023, 4, 11)),
    ("SQL Server", "2008", date(2019, 7, 9)),
    ("SQL Server", "2008 R2", date(2019, 7, 9)),
    ("SQL Server", "2012", date(2022, 7, 12)),
    ("Windows Server", "2008", date(2020, 1, 14)),
    ("Windows Server", "2008 R2", date(2020, 1, 14)),
    ("Windows Server", "2012", date(2023, 10, 10)),
    ("Windows Server", "2012 R2", date(2023, 10, 10)),
    ("Exchange Server", "2010", date(2020, 10, 13)),
    ("SharePoint Server", "2010", date(2021, 4, 13)),
)
MAX_TECHNOLOGIES = 40


def technology_vocabulary(install_base: DataFrame, limit: int = MAX_TECHNOLOGIES) -> list[str]:
    """The ``limit`` technologies run by the most accounts (a few names, collected)."""
    top = (
        install_base.where(F.col("technology").isNotNull())
        .groupBy("technology")
        .agg(F.countDistinct("account_id").alias("n"))
        .orderBy(F.col("n").desc(), F.col("technology").asc())
        .limit(limit)
    )
    names = active().to_arrow(top).column("technology").to_pylist()
    return sorted(str(n) for n in names)


def install_base_events(install_base: DataFrame) -> Dated:
    """Install-base rows present in each month: first seen by its last day, last seen on or
    after its first day (missing dates do not exclude)."""
    rows = event(
        install_base,
        "ib",
        k1="technology",
        k2="version",
        d1="first_seen",
        d2="last_seen",
        x="licence_count",
    )
    return dated(
        rows,
        "ib",
        (F.col("d1").isNull() | (F.col("d1") <= F.col("m_end")))
        & (F.col("d2").isNull() | (F.col("d2") >= F.col("m_start"))),
    )


def _eos(lifecycle: Sequence[tuple[str, str, date]]) -> Any:
    cond: Any = F.lit(False)
    for tech, version, ends in lifecycle:
        cond = cond | (
            (F.col("k1") == F.lit(tech))
            & (F.col("k2") == F.lit(version))
            & (F.col("m_end") >= day(ends))
        )
    return (F.col("src") == F.lit("ib")) & cond


def install_base_aggregates(
    technologies: Sequence[str], lifecycle: Sequence[tuple[str, str, date]] = END_OF_SUPPORT
) -> list[Any]:
    """``tech_<t>`` (0/1), ``tech_<t>_licences``, ``eos_<t>`` (0/1: a version past its end of
    support by the month's end), ``eos_count`` (distinct products past end of support),
    ``eos_licences`` and the display column ``eos_products``."""
    is_ib = F.col("src") == F.lit("ib")
    eos = _eos(lifecycle)
    lic = F.coalesce(F.col("x"), F.lit(0.0))
    label = F.concat_ws(" ", F.col("k1"), F.col("k2"))
    eos_techs = {t for t, _, _ in lifecycle}
    aggs: list[Any] = []
    for t in technologies:
        is_t = is_ib & (F.col("k1") == F.lit(t))
        aggs += [
            F.max(F.when(is_t, F.lit(1)).otherwise(F.lit(0))).cast("long").alias(f"tech_{slug(t)}"),
            F.sum(F.when(is_t, lic).otherwise(F.lit(0.0)))
            .cast("long")
            .alias(f"tech_{slug(t)}_licences"),
        ]
        if t in eos_techs:
            aggs.append(
                F.max(F.when(is_t & eos, F.lit(1)).otherwise(F.lit(0)))
                .cast("long")
                .alias(f"eos_{slug(t)}")
            )
    aggs += [
        F.countDistinct(F.when(eos, label)).cast("long").alias("eos_count"),
        F.sum(F.when(eos, lic).otherwise(F.lit(0.0))).cast("long").alias("eos_licences"),
        F.concat_ws(", ", F.sort_array(F.collect_set(F.when(eos, label)))).alias("eos_products"),
    ]
    return aggs


def install_base_columns(
    technologies: Sequence[str], lifecycle: Sequence[tuple[str, str, date]] = END_OF_SUPPORT
) -> list[str]:
    eos_techs = {t for t, _, _ in lifecycle}
    out: list[str] = []
    for t in technologies:
        out += [f"tech_{slug(t)}", f"tech_{slug(t)}_licences"]
        if t in eos_techs:
            out.append(f"eos_{slug(t)}")
    return [*out, "eos_count", "eos_licences", "eos_products"]


def install_base_catalog(
    catalog: Catalog,
    technologies: Sequence[str],
    lifecycle: Sequence[tuple[str, str, date]] = END_OF_SUPPORT,
) -> None:
    eos_techs = {t for t, _, _ in lifecycle}
    for t in technologies:
        s = slug(t)
        catalog.add(
            Feature(f"tech_{s}", "install_base", "flag", f"runs {t}", off=f"does not run {t}"),
            Feature(f"tech_{s}_licences", "install_base", "numeric", f"{{v:,.0f}} {t} licences"),
        )
        if t in eos_techs:
            catalog.add(
                Feature(
                    f"eos_{s}",
                    "install_base",
                    "flag",
                    "runs {eos} past end of support",
                    subject=t,
                )
            )
    catalog.add(
        Feature("eos_count", "install_base", "numeric", "{v:,.0f} products past end of support"),
        Feature("eos_licences", "install_base", "numeric", "{v:,.0f} licences past end of support"),
    )
    catalog.display.append("eos_products")
