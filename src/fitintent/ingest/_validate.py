"""Holding staged rows to their contract: each row is loaded typed, or quarantined with every
reason that applies, on either engine.

Text is parsed by patterns first and cast second, so both engines accept exactly the same values
(Spark and DuckDB disagree on lenient casts such as ``'1.0'`` to an integer or ``'2024-1-5'`` to a
date).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from fitintent.contracts import SQL_TYPE, Column, Contract, Reference
from fitintent.engine import DataFrame, Engine, F, Window

_PATTERNS = {
    "long": r"^[+-]?[0-9]{1,18}$",
    "double": r"^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?$",
    "date": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
    "timestamp": (
        r"^[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]{1,6})?)?)?Z?$"
    ),
}
_TYPE_WORDS = {
    "long": "a whole number",
    "double": "a number",
    "date": "a date (YYYY-MM-DD)",
    "timestamp": "a timestamp (YYYY-MM-DD HH:MM:SS)",
    "boolean": "true or false",
}
_MAX_DOUBLE = 1.7976931348623157e308
_TRUE = ("true", "t", "yes", "y", "1")
_FALSE = ("false", "f", "no", "n", "0")
QUARANTINE_COLUMNS = ["source", "_file", "_row", "reasons", "record"]


def validate(
    eng: Engine,
    contract: Contract,
    staged: DataFrame,
    parents: dict[str, DataFrame],
    loaded: Path,
    quarantine: Path,
    work: Path,
    native: frozenset[str] = frozenset(),
    *,
    lineage: bool = False,
    prior: DataFrame | None = None,
) -> None:
    """Type and check ``staged`` (text columns, trimmed with blanks as null, plus ``_file`` and
    ``_row``; see :func:`fitintent.ingest.stage`) against ``contract``:
    rows that hold go to ``loaded`` (typed contract columns), the others to ``quarantine`` with
    all their reasons. ``parents`` holds the loaded tables that references point at; ``native``
    names the columns that were staged already typed (from Parquet) and need no parsing;
    ``work`` is a scratch folder. With ``lineage`` the loaded rows keep ``_file`` and ``_row``;
    ``prior`` (the key columns, ``_file`` and ``_row`` of rows loaded by earlier runs)
    quarantines a row whose key is already loaded.

    No pass sorts or carries every row through a window: the repeated keys come from a narrow
    group-by (usually empty), the quarantine is the one pass that applies every rule (and writes
    few rows), and the loaded rows are the typed rows less the quarantined ones."""
    typed = _typed(contract, staged, native)
    duplicates = _duplicates(eng, contract, typed, native, work)
    checked = _with_reasons(contract, typed, native)
    duplicate = None
    if duplicates is not None:
        on = (F.col("_file") == F.col("_dup_file")) & (F.col("_row") == F.col("_dup_row"))
        checked = checked.join(duplicates, on=on, how="left")
        # the holder's file is named when it is another file than the row's own
        elsewhere = F.when(
            F.col("_dup_first_file") != F.col("_file"),
            F.concat(F.lit(" of "), F.col("_dup_first_file")),
        ).otherwise(F.lit(""))
        duplicate = _already(contract, "_dup_first", elsewhere)
    earlier = None
    if prior is not None:
        checked = checked.join(*_prior_keys(contract, prior), how="left")
        earlier = _already(contract, "_p_row", F.concat(F.lit(" of "), F.col("_p_file")))
    refs = [(i, r) for i, r in enumerate(contract.references) if r.source in parents]
    for i, ref in refs:
        checked = checked.join(
            reference_keys(parents[ref.source], ref, i), on=reference_matches(ref, i), how="left"
        )
    # every reason in one projection: each DataFrame step costs planning time, not only rows
    reasons = [_nonempty("_reasons"), *([duplicate] if duplicate is not None else [])]
    reasons += [earlier] if earlier is not None else []
    reasons += [missing_reference(ref, i) for i, ref in refs]
    bad = checked.select(
        F.lit(contract.name).alias("source"),
        "_file",
        "_row",
        F.concat_ws("; ", *reasons).alias("reasons"),
        _record(contract, native).alias("record"),
    ).where(F.col("reasons") != F.lit(""))
    eng.write_table(bad, quarantine)
    rows = typed.select(*contract.column_names, "_file", "_row")
    if rows_written(quarantine):
        held = eng.read_table(quarantine).select(
            F.col("_file").alias("_q_file"), F.col("_row").alias("_q_row")
        )
        on = (F.col("_file") == F.col("_q_file")) & (F.col("_row") == F.col("_q_row"))
        rows = rows.join(held, on=on, how="left_anti")
    kept = [*contract.column_names, *(["_file", "_row"] if lineage else [])]
    eng.write_table(rows.select(*kept), loaded)


def _already(contract: Contract, row: str, file: Any) -> Any:
    """The reason of a row whose key an earlier row holds (``row``: its row number column)."""
    return F.when(
        F.col(row).isNotNull(),
        F.concat(
            F.lit(f"duplicate key ({', '.join(contract.key)}): already loaded from row "),
            F.col(row).cast("string"),
            file,
        ),
    )


def _prior_keys(contract: Contract, prior: DataFrame) -> tuple[DataFrame, Any]:
    """The keys loaded by earlier runs (``_p_<key>``, ``_p_file``, ``_p_row``) and the join
    condition that finds a row's key among them."""
    held = prior.select(
        *[F.col(k).alias(f"_p_{k}") for k in contract.key],
        F.col("_file").alias("_p_file"),
        F.col("_row").alias("_p_row"),
    )
    on = None
    for k in contract.key:
        part = F.col(k).eqNullSafe(F.col(f"_p_{k}"))
        on = part if on is None else on & part
    return held, on


def _typed(contract: Contract, staged: DataFrame, native: frozenset[str]) -> DataFrame:
    """Each column as the user wrote it (``_t_<name>``, trimmed) and parsed (``<name>``)."""
    text = staged.select(
        *[F.col(c.name).alias(f"_t_{c.name}") for c in contract.columns],
        *[n for c in contract.columns if c.name not in native for n in _normalised(c)],
        "_file",
        "_row",
    )
    return text.select(
        *[F.col(f"_t_{c.name}") for c in contract.columns],
        *[_parse(c, c.name in native).alias(c.name) for c in contract.columns],
        "_file",
        "_row",
    )


def _with_reasons(contract: Contract, typed: DataFrame, native: frozenset[str]) -> DataFrame:
    """``typed`` with ``_reasons``: what is wrong with the row on its own ('' when nothing)."""
    reasons = [r for c in contract.columns for r in _column_reasons(c, c.name in native)]
    reasons += [F.when(F.expr(chk.bad_when), F.lit(chk.message)) for chk in contract.checks]
    return typed.select("*", F.concat_ws("; ", *reasons).alias("_reasons"))


def _parse(c: Column, native: bool = False) -> Any:
    raw = F.col(f"_t_{c.name}")
    if native and c.type == "double":
        # NaN and infinities are not numbers; the NaN test is explicit because DuckDB folds a
        # range test away when the Parquet statistics (which leave NaN out) say it always holds
        finite = ~F.isnan(raw) & (F.abs(raw) <= F.lit(_MAX_DOUBLE))
        return F.when(finite, raw).otherwise(F.lit(None).cast("double"))
    if c.type == "string" or native:
        return raw
    if c.type == "boolean":
        low = F.lower(raw)
        return (
            F.when(low.isin(*_TRUE), F.lit(True))
            .when(low.isin(*_FALSE), F.lit(False))
            .otherwise(F.lit(None).cast("boolean"))
        )
    source = f"_n_{c.name}" if c.type == "timestamp" else f"_t_{c.name}"
    cast = F.expr(f"try_cast(`{source}` as {SQL_TYPE[c.type]})")
    ok = raw.rlike(_PATTERNS[c.type])
    if c.type == "double":  # '1e400' casts to infinity; only finite numbers are numbers
        ok = ok & (F.abs(cast) <= F.lit(_MAX_DOUBLE))
    return F.when(ok, cast).otherwise(F.lit(None).cast(SQL_TYPE[c.type]))


def _normalised(c: Column) -> list[object]:
    """ISO timestamps may use 'T' and a trailing 'Z' (UTC); both engines cast the plain form."""
    if c.type != "timestamp":
        return []
    plain = F.regexp_replace(F.regexp_replace(F.col(c.name), "Z$", ""), "T", " ")
    return [plain.alias(f"_n_{c.name}")]


def _column_reasons(c: Column, native: bool) -> list[object]:
    raw, val = F.col(f"_t_{c.name}"), F.col(c.name)
    shown = F.substring(raw.cast("string") if native else raw, 1, 40)
    out = []
    if c.required:
        out.append(F.when(raw.isNull(), F.lit(f"{c.name}: required value is missing")))
    if c.type != "string":
        out.append(
            F.when(
                raw.isNotNull() & val.isNull(),
                F.concat(F.lit(f"{c.name}: '"), shown, F.lit(f"' is not {_TYPE_WORDS[c.type]}")),
            )
        )
    if c.min is not None:
        out.append(
            F.when(
                val < F.lit(c.min),
                F.concat(
                    F.lit(f"{c.name}: "), shown, F.lit(f" is below the minimum {_num(c.min)}")
                ),
            )
        )
    if c.max is not None:
        out.append(
            F.when(
                val > F.lit(c.max),
                F.concat(
                    F.lit(f"{c.name}: "), shown, F.lit(f" is above the maximum {_num(c.max)}")
                ),
            )
        )
    if c.allowed is not None:
        out.append(
            F.when(
                raw.isNotNull() & ~raw.isin(*c.allowed),
                F.concat(
                    F.lit(f"{c.name}: '"), shown, F.lit(f"' is not one of {', '.join(c.allowed)}")
                ),
            )
        )
    if c.pattern is not None:
        out.append(
            F.when(
                raw.isNotNull() & ~raw.rlike(f"^({c.pattern})$"),
                F.concat(F.lit(f"{c.name}: '"), shown, F.lit("' has the wrong form")),
            )
        )
    return out


def _duplicates(
    eng: Engine, contract: Contract, typed: DataFrame, native: frozenset[str], work: Path
) -> DataFrame | None:
    """The rows that repeat the key of an earlier row (by file, row) among rows otherwise good:
    ``_dup_file``, ``_dup_row``, ``_dup_first`` and ``_dup_first_file``, the row that holds the
    key; None when no key
    occurs twice. The first holder of a key loads; the later ones are quarantined.

    Keys are counted over every row (a row with other defects only widens the candidates) and
    only the rows of repeated keys are then checked and ranked, so the common case costs one
    narrow group-by."""
    key = list(contract.key)
    repeated = eng.write_table(
        typed.groupBy(*key)
        .agg(F.count(F.lit(1)).alias("_n"))
        .where(F.col("_n") > F.lit(1))
        .select(*[F.col(k).alias(f"_k_{k}") for k in key]),
        work / "repeated_keys",
    )
    if not rows_written(repeated):
        return None
    # a key column may be optional: null equals null here, as rows group in a window
    on = None
    for k in key:
        part = F.col(k).eqNullSafe(F.col(f"_k_{k}"))
        on = part if on is None else on & part
    # the candidates are few: cut the lineage so that only they are checked for other defects
    candidates = eng.read_table(
        eng.write_table(
            typed.join(eng.read_table(repeated), on=on, how="left_semi"), work / "candidates"
        )
    )
    good = _with_reasons(contract, candidates, native).where(F.col("_reasons") == F.lit(""))
    w = Window.partitionBy(*[F.col(k) for k in key]).orderBy("_file", "_row")
    ranked = good.select(
        F.col("_file").alias("_dup_file"),
        F.col("_row").alias("_dup_row"),
        F.row_number().over(w).alias("_rank"),
        F.first("_row").over(w).alias("_dup_first"),
        F.first("_file").over(w).alias("_dup_first_file"),
    )
    later = ranked.where(F.col("_rank") > F.lit(1)).select(
        "_dup_file", "_dup_row", "_dup_first", "_dup_first_file"
    )
    return eng.read_table(eng.write_table(later, work / "duplicates"))


def rows_written(folder: Path) -> int:
    """Rows of a written table, from the Parquet footers (no query)."""
    return sum(pq.ParquetFile(f).metadata.num_rows for f in folder.glob("*.parquet"))


def reference_keys(parent: DataFrame, ref: Reference, i: int) -> DataFrame:
    return parent.select(
        *[
            F.col(t).alias(f"_ref{i}_{c}")
            for c, t in zip(ref.columns, ref.target_columns, strict=True)
        ]
    ).distinct()


def reference_matches(ref: Reference, i: int) -> Any:
    cond = None
    for c in ref.columns:
        part = F.col(c) == F.col(f"_ref{i}_{c}")
        cond = part if cond is None else cond & part
    return cond


def missing_reference(ref: Reference, i: int) -> Any:
    """The reason when a referenced key is absent from the loaded parent table. A reference with
    a null column (an optional link) is not checked."""
    present = None
    for c in ref.columns:
        part = F.col(c).isNotNull()
        present = part if present is None else present & part
    values = F.concat_ws(", ", *[F.col(c) for c in ref.columns])
    # a matched key is never null, so a null key on the right means "no match"; a literal marker
    # column would be folded out of the outer join by the SQL optimiser
    return F.when(
        present & F.col(f"_ref{i}_{ref.columns[0]}").isNull(),
        F.concat(
            F.lit(f"{', '.join(ref.columns)}: "), values, F.lit(f" not found in {ref.source}")
        ),
    )


def _nonempty(name: str) -> Any:
    return F.when(F.col(name) != F.lit(""), F.col(name))


def _record(contract: Contract, native: frozenset[str]) -> Any:
    """The row as the user wrote it: ``column=value`` pairs of the non-empty values."""
    return F.concat_ws(
        ", ", *[F.concat(F.lit(f"{c.name}="), _as_text(c, native)) for c in contract.columns]
    )


def typed_record(contract: Contract) -> Any:
    """A loaded row as ``column=value`` pairs, as :func:`_record` writes a staged one."""
    return F.concat_ws(
        ", ",
        *[
            F.concat(
                F.lit(f"{c.name}="),
                F.date_format(F.col(c.name), "yyyy-MM-dd HH:mm:ss")
                if c.type == "timestamp"
                else F.col(c.name).cast("string"),
            )
            for c in contract.columns
        ],
    )


def _as_text(c: Column, native: frozenset[str]) -> Any:
    raw = F.col(f"_t_{c.name}")
    if c.name not in native:
        return raw
    if c.type == "timestamp":  # the same text on both engines
        return F.date_format(raw, "yyyy-MM-dd HH:mm:ss")
    return raw.cast("string")


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)
