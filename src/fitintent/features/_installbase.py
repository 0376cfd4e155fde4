"""Install-base features: which technologies an account runs, their licences, and what is past its
end of support, as of the end of a period.

A row of the install base counts at the period when it was first seen on or before the period's
last day and last seen on or after its first day (or has no dates). The vocabulary comes from
the data, so a user's own technographics become features without configuration:

* ``tech_<t>`` / ``tech_<t>_licences`` for the technologies run by the most accounts;
* ``eos_<t>_<version>`` for each version the install base holds that the lifecycle catalog
  (:func:`fitintent.plays.load_lifecycle`, the shipped end-of-support dates) lists; it turns 1
  once the version's support has ended by the period's last day, so Windows 10 counts from
  October 2025 on, Windows 7 from January 2020;
* ``eos_count`` (distinct versions past end of support), ``eos_licences``, and the display
  column ``eos_products`` (``"SQL Server 2012, Windows Server 2012 R2"``).

Technology and version match the catalog trimmed and case-insensitively, as the plays do.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from fitintent.engine import DataFrame, F, active
from fitintent.features._common import Catalog, Dated, Feature, dated, day, event, slug

Lifecycle = Sequence[tuple[str, str, date]]  # technology, version, end of support
MAX_TECHNOLOGIES = 40
MAX_VERSIONS = 60


def default_lifecycle() -> list[tuple[str, str, date]]:
    """The shipped lifecycle catalog (``fitintent/catalog/lifecycle.csv``)."""
    from fitintent.plays import load_lifecycle

    t = load_lifecycle()
    return list(
        zip(
            t.column("product").to_pylist(),
            t.column("version").to_pylist(),
            t.column("end_of_support").to_pylist(),
            strict=True,
        )
    )


def _key(text: Any) -> str:
    return str(text).strip().lower()


def _norm(col: str) -> Any:
    return F.lower(F.trim(F.col(col)))


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


def eos_vocabulary(
    install_base: DataFrame, lifecycle: Lifecycle, limit: int = MAX_VERSIONS
) -> list[tuple[str, str, date]]:
    """The lifecycle entries whose technology and version the install base holds."""
    pairs = (
        install_base.where(F.col("technology").isNotNull() & F.col("version").isNotNull())
        .select(_norm("technology").alias("t"), _norm("version").alias("v"))
        .distinct()
    )
    held = {(r["t"], r["v"]) for r in active().to_arrow(pairs).to_pylist()}
    found = sorted(
        {(t, v, d) for t, v, d in lifecycle if (_key(t), _key(v)) in held},
        key=lambda e: (e[0], e[1]),
    )
    return found[:limit]


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


def _is(tech: str, version: str) -> Any:
    return (_norm("k1") == F.lit(_key(tech))) & (_norm("k2") == F.lit(_key(version)))


def _ended(lifecycle: Lifecycle) -> Any:
    cond: Any = F.lit(False)
    for tech, version, ends in lifecycle:
        cond = cond | (_is(tech, version) & (F.col("m_end") >= day(ends)))
    return (F.col("src") == F.lit("ib")) & cond


def eos_name(tech: str, version: str) -> str:
    return f"eos_{slug(tech)}_{slug(version)}"


def install_base_aggregates(technologies: Sequence[str], versions: Lifecycle) -> list[Any]:
    is_ib = F.col("src") == F.lit("ib")
    eos = _ended(versions)
    lic = F.coalesce(F.col("x"), F.lit(0.0))
    label = F.concat_ws(" ", F.col("k1"), F.col("k2"))
    aggs: list[Any] = []
    for t in technologies:
        is_t = is_ib & (F.col("k1") == F.lit(t))
        aggs += [
            F.max(F.when(is_t, F.lit(1)).otherwise(F.lit(0))).cast("long").alias(f"tech_{slug(t)}"),
            F.sum(F.when(is_t, lic).otherwise(F.lit(0.0)))
            .cast("long")
            .alias(f"tech_{slug(t)}_licences"),
        ]
    for tech, version, ends in versions:
        ended = is_ib & _is(tech, version) & (F.col("m_end") >= day(ends))
        aggs.append(
            F.max(F.when(ended, F.lit(1)).otherwise(F.lit(0)))
            .cast("long")
            .alias(eos_name(tech, version))
        )
    aggs += [
        F.countDistinct(F.when(eos, label)).cast("long").alias("eos_count"),
        F.sum(F.when(eos, lic).otherwise(F.lit(0.0))).cast("long").alias("eos_licences"),
        F.concat_ws(", ", F.sort_array(F.collect_set(F.when(eos, label)))).alias("eos_products"),
    ]
    return aggs


def install_base_columns(technologies: Sequence[str], versions: Lifecycle) -> list[str]:
    out = [c for t in technologies for c in (f"tech_{slug(t)}", f"tech_{slug(t)}_licences")]
    out += [eos_name(t, v) for t, v, _ in versions]
    return [*out, "eos_count", "eos_licences", "eos_products"]


def install_base_catalog(
    catalog: Catalog, technologies: Sequence[str], versions: Lifecycle
) -> None:
    for t in technologies:
        s = slug(t)
        catalog.add(
            Feature(f"tech_{s}", "install_base", "flag", f"runs {t}", off=f"does not run {t}"),
            Feature(f"tech_{s}_licences", "install_base", "numeric", f"{{v:,.0f}} {t} licences"),
        )
    for t, v, _ in versions:
        catalog.add(
            Feature(
                eos_name(t, v),
                "install_base",
                "flag",
                f"runs {t} {v} past end of support",
                subject=t,
            )
        )
    catalog.add(
        Feature("eos_count", "install_base", "numeric", "{v:,.0f} products past end of support"),
        Feature("eos_licences", "install_base", "numeric", "{v:,.0f} licences past end of support"),
    )
    catalog.display.append("eos_products")
