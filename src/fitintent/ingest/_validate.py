"""Holding staged rows to their contract: each row is loaded typed, or quarantined with every
reason that applies, on either engine.

Text is parsed by patterns first and cast second, so both engines accept exactly the same values
(Spark and DuckDB disagree on lenient casts such as ``'1.0'`` to an integer or ``'2024-1-5'`` to a
date).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fitintent.contracts import SQL_TYPE, Column, Contract, Reference
from fitintent.engine import DataFrame, F, Window

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


@dataclass
class Checked:
    loaded: DataFrame  # typed contract columns
    quarantine: DataFrame  # source, _file, _row, reasons, record


def validate(
    contract: Contract,
    staged: DataFrame,
    parents: dict[str, DataFrame],
    native: frozenset[str] = frozenset(),
) -> Checked:
    """Type and check ``staged`` (text columns plus ``_file``, ``_row``) against ``contract``;
    ``parents`` holds the loaded tables that references point at; ``native`` names the columns
    that were staged already typed (from Parquet) and need no parsing."""
    text = staged.select(
        *[
            (F.col(c.name) if c.name in native else _clean(c.name)).alias(f"_t_{c.name}")
            for c in contract.columns
        ],
        *[n for c in contract.columns if c.name not in native for n in _normalised(c)],
        "_file",
        "_row",
    )
    typed = text.select(
        *[F.col(f"_t_{c.name}") for c in contract.columns],
        *[_parse(c, c.name in native).alias(c.name) for c in contract.columns],
        "_file",
        "_row",
    )
    reasons = [r for c in contract.columns for r in _column_reasons(c, c.name in native)]
    reasons += [F.when(F.expr(chk.bad_when), F.lit(chk.message)) for chk in contract.checks]
    row_reasons = typed.select("*", F.concat_ws("; ", *reasons).alias("_reasons"))
    ranked, duplicate = _duplicates(row_reasons, contract)
    refs = [(i, r) for i, r in enumerate(contract.references) if r.source in parents]
    for i, ref in refs:
        ranked = ranked.join(_keys(parents[ref.source], ref, i), on=_matches(ref, i), how="left")
    # every reason in one projection: each DataFrame step costs planning time, not only rows
    final = ranked.select(
        *[f"_t_{c.name}" for c in contract.columns],
        *contract.column_names,
        "_file",
        "_row",
        F.concat_ws(
            "; ", _nonempty("_reasons"), duplicate, *[_missing(ref, i) for i, ref in refs]
        ).alias("_reasons"),
    )
    good = final.where(F.col("_reasons") == F.lit(""))
    bad = final.where(F.col("_reasons") != F.lit(""))
    return Checked(
        loaded=good.select(*contract.column_names),
        quarantine=bad.select(
            F.lit(contract.name).alias("source"),
            "_file",
            "_row",
            F.col("_reasons").alias("reasons"),
            _record(contract, native).alias("record"),
        ),
    )


def _clean(name: str) -> Any:
    """Trimmed text; blank becomes null."""
    trimmed = F.trim(F.col(name))
    return F.when(trimmed == F.lit(""), F.lit(None).cast("string")).otherwise(trimmed)


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
    plain = F.regexp_replace(F.regexp_replace(_clean(c.name), "Z$", ""), "T", " ")
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


def _duplicates(df: DataFrame, contract: Contract) -> tuple[DataFrame, Any]:
    """Among rows otherwise good, the first of a key (by file, row) loads; later ones are
    quarantined, naming the row that holds the key."""
    key = list(contract.key)
    w = Window.partitionBy(*[F.col(k) for k in key], F.col("_reasons") == F.lit("")).orderBy(
        "_file", "_row"
    )
    ranked = df.select(
        "*", F.row_number().over(w).alias("_rank"), F.first("_row").over(w).alias("_first")
    )
    duplicate = F.when(
        (F.col("_reasons") == F.lit("")) & (F.col("_rank") > F.lit(1)),
        F.concat(
            F.lit(f"duplicate key ({', '.join(key)}): already loaded from row "),
            F.col("_first").cast("string"),
        ),
    )
    return ranked, duplicate


def _keys(parent: DataFrame, ref: Reference, i: int) -> DataFrame:
    return parent.select(
        *[
            F.col(t).alias(f"_ref{i}_{c}")
            for c, t in zip(ref.columns, ref.target_columns, strict=True)
        ]
    ).distinct()


def _matches(ref: Reference, i: int) -> Any:
    cond = None
    for c in ref.columns:
        part = F.col(c) == F.col(f"_ref{i}_{c}")
        cond = part if cond is None else cond & part
    return cond


def _missing(ref: Reference, i: int) -> Any:
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


def _as_text(c: Column, native: frozenset[str]) -> Any:
    raw = F.col(f"_t_{c.name}")
    if c.name not in native:
        return raw
    if c.type == "timestamp":  # the same text on both engines
        return F.date_format(raw, "yyyy-MM-dd HH:mm:ss")
    return raw.cast("string")


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)
