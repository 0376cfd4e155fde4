"""Signals resolved to accounts in the pipeline, on either engine.

A signal that names its account keeps it (``resolved_by = "given"``). One that only names a
domain (a crawled page, a news item) takes the account whose web domain is that domain
(``"domain"``); failing that, the account whose domain is the signal's *registrable* domain,
public-suffix aware and offline (``news.fabrikam.co.uk`` -> ``fabrikam.co.uk``:
``"registrable domain"``). Only the distinct domains that find no exact match go through the
public-suffix list, a few thousand where there are millions of signals. A domain that several
accounts share resolves to none of them. Every signal left without an account keeps its
``unresolved_reason``.

>>> resolved = resolve_accounts(signals, accounts)            # doctest: +SKIP
>>> resolution_counts(resolved).show()                        # doctest: +SKIP

A run that reads the signals more than once builds the domain lookup once and resolves by it:

>>> lookup = domain_lookup(signals, accounts)                 # doctest: +SKIP
>>> resolved = resolve_by(signals, lookup)                    # doctest: +SKIP
>>> left = unresolved_signals(signals, lookup)                # doctest: +SKIP
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pyarrow as pa

from fitintent.engine import DataFrame, F, active, map_batches

RESOLUTION_COLUMNS = ("resolved_by", "unresolved_reason")
_REGISTRABLE = pa.schema([("_domain", pa.string()), ("_registrable", pa.string())])


def _registrable(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    from fitintent.signals._resolve import registrable_domain

    for batch in batches:
        domains = batch.column("_domain").to_pylist()
        regs = [registrable_domain(d) if d else None for d in domains]
        yield pa.RecordBatch.from_arrays(
            [pa.array(domains, pa.string()), pa.array(regs, pa.string())], schema=_REGISTRABLE
        )


def _norm(col: Any) -> Any:
    """A domain as accounts and signals both write it: trimmed, lower case, no ``www.``."""
    return F.regexp_replace(F.lower(F.trim(col)), r"^www\.", "")


def domain_lookup(signals: DataFrame, accounts: DataFrame) -> DataFrame:
    """``_domain`` (as the signals write it) -> ``_by_domain`` (null when ambiguous),
    ``_shared`` (accounts holding it), ``_how``: one row per distinct domain of the signals that
    lack an account."""
    eng = active()
    owners = eng.write_table(
        accounts.where(F.col("domain").isNotNull())
        .select(_norm(F.col("domain")).alias("_owned"), "account_id")
        .groupBy("_owned")
        .agg(F.min("account_id").alias("_owner"), F.count(F.lit(1)).alias("_owners")),
        eng.scratch / f"domain-owners-{uuid.uuid4().hex[:8]}",
    )
    owned = eng.read_table(owners)
    # the domains as the signals write them: the big join below then needs no expression
    wanted = (
        signals.where(F.col("account_id").isNull() & F.col("domain").isNotNull())
        .select(F.col("domain").alias("_domain"))
        .distinct()
    )
    exact = eng.materialize(
        wanted.join(owned, on=_norm(F.col("_domain")) == F.col("_owned"), how="left").select(
            "_domain", "_owner", "_owners"
        ),
        "signal-domains",
    )
    missed = exact.where(F.col("_owner").isNull()).select("_domain")
    regs = map_batches(missed, _registrable, _REGISTRABLE)
    # a second reading of the owners, under names of its own (one DataFrame joined twice in a
    # plan confuses SQLFrame's column resolution)
    again = eng.read_table(owners).select(
        F.col("_owned").alias("_r_owned"),
        F.col("_owner").alias("_r_owner"),
        F.col("_owners").alias("_r_owners"),
    )
    by_reg = regs.join(again, on=F.col("_registrable") == F.col("_r_owned"), how="left").select(
        F.col("_domain").alias("_r_domain"), "_r_owner", "_r_owners"
    )
    both = exact.join(by_reg, on=F.col("_domain") == F.col("_r_domain"), how="left")

    # fresh Column objects for every use: SQLFrame cannot resolve one reused after a join
    def owner() -> Any:
        return F.coalesce(F.col("_owner"), F.col("_r_owner"))

    shared = F.coalesce(F.col("_owners"), F.col("_r_owners"), F.lit(0)).cast("long")
    how = F.when(F.col("_owner").isNotNull(), F.lit("domain")).otherwise(
        F.lit("registrable domain")
    )
    picked = both.select(
        "_domain", owner().alias("_owner_any"), shared.alias("_shared"), how.alias("_how_any")
    )
    return eng.materialize(
        picked.select(
            "_domain",
            F.when(F.col("_shared") == F.lit(1), F.col("_owner_any")).alias("_by_domain"),
            "_shared",
            F.when(F.col("_shared") == F.lit(1), F.col("_how_any")).alias("_how"),
        ),
        "signal-lookup",
    )


def resolve_accounts(signals: DataFrame, accounts: DataFrame) -> DataFrame:
    """``signals`` with ``account_id`` filled where a domain resolves, plus ``resolved_by``
    ("given", "domain", "registrable domain" or null) and ``unresolved_reason``."""
    return resolve_by(signals, domain_lookup(signals, accounts))


def resolve_by(signals: DataFrame, lookup: DataFrame) -> DataFrame:
    """:func:`resolve_accounts` with the lookup :func:`domain_lookup` built for ``signals``."""
    joined = signals.join(lookup, on=F.col("domain") == F.col("_domain"), how="left")
    given = F.col("account_id").isNotNull()
    found = F.col("_by_domain").isNotNull()
    reason = (
        F.when(given | found, F.lit(None).cast("string"))
        .when(F.col("domain").isNull(), F.lit("no account id and no domain"))
        .when(
            F.col("_shared") > F.lit(1),
            F.concat(
                F.col("_shared").cast("string"), F.lit(" accounts share the domain "), "domain"
            ),
        )
        .otherwise(F.concat(F.lit("no account has the domain "), F.col("domain")))
    )
    keep = [c for c in signals.columns if c not in ("account_id", *RESOLUTION_COLUMNS)]
    return joined.select(
        F.coalesce(F.col("account_id"), F.col("_by_domain")).alias("account_id"),
        *keep,
        F.when(given, F.lit("given")).otherwise(F.col("_how")).alias("resolved_by"),
        reason.alias("unresolved_reason"),
    )


def unresolved_signals(signals: DataFrame, lookup: DataFrame) -> DataFrame:
    """The rows of :func:`resolve_by` that no account takes. Only signals without an account id
    can be among them, and that filter reaches the file scan: the other signals' texts and
    addresses are never read."""
    bare = signals.where(F.col("account_id").isNull())
    return resolve_by(bare, lookup).where(F.col("account_id").isNull())


def resolution_counts(resolved: DataFrame) -> DataFrame:
    """Per signal ``source``, how the signals resolved: ``source``, ``resolved_by``,
    ``unresolved_reason`` (the domain left out, so that reasons group), ``signals``."""
    why = F.regexp_replace(F.col("unresolved_reason"), r" the domain .*$", " the domain")
    return resolved.groupBy(
        F.coalesce(F.col("source"), F.lit("(none)")).alias("source"),
        F.coalesce(F.col("resolved_by"), F.lit("unresolved")).alias("resolved_by"),
        why.alias("unresolved_reason"),
    ).agg(F.count(F.lit(1)).alias("signals"))
