"""Every source contract rule, checked independently of ``fitintent.ingest`` in pandas/pyarrow
(row checks through DuckDB, since a contract states them as SQL)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from fitintent.config import load_config
from fitintent.contracts import Contract, contracts
from fitintent.demo import WorldInfo

SMALL_ACCOUNTS = 4_000

_TEXT_SHAPE = {
    "long": r"-?[0-9]+",
    "double": r"-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?",
    "date": r"[0-9]{4}-[0-9]{2}-[0-9]{2}",
    "timestamp": r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}",
    "boolean": r"true|false",
}


def _as_text(col: pa.ChunkedArray) -> pa.ChunkedArray:
    t = col.type
    if pa.types.is_dictionary(t):
        col = col.cast(t.value_type)
    elif pa.types.is_timestamp(t):  # Parquet keeps seconds as milliseconds
        return pc.strftime(col.cast(pa.timestamp("s")), format="%Y-%m-%d %H:%M:%S")
    return col.cast(pa.string())


def read_source(path: Path) -> pd.DataFrame:
    """A source as text (null for an empty field), from a CSV file or Parquet file/folder."""
    if path.suffix == ".csv":
        with path.open(encoding="utf-8") as fh:
            header = fh.readline().strip().split(",")
        table = pacsv.read_csv(
            path,
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(header, pa.string()),
                strings_can_be_null=True,
                null_values=[""],
            ),
        )
    else:
        files = sorted(path.glob("*.parquet")) if path.is_dir() else [path]
        table = pa.concat_tables([pq.read_table(f) for f in files])
        table = pa.table([_as_text(c) for c in table.columns], names=table.column_names)
    return table.to_pandas()


def _typed(frame: pd.DataFrame, contract: Contract) -> pd.DataFrame:
    out = pd.DataFrame(index=frame.index)
    for c in contract.columns:
        s = frame[c.name]
        if c.type in ("long", "double"):
            out[c.name] = pd.to_numeric(s)
        elif c.type == "date":
            out[c.name] = pd.to_datetime(s, format="%Y-%m-%d")
        elif c.type == "timestamp":
            out[c.name] = pd.to_datetime(s, format="%Y-%m-%d %H:%M:%S")
        elif c.type == "boolean":
            out[c.name] = s.map({"true": True, "false": False})
        else:
            out[c.name] = s
    return out


def _column_errors(frame: pd.DataFrame, contract: Contract) -> list[str]:
    errors = []
    for c in contract.columns:
        if c.name not in frame:
            errors.append(f"{contract.name}: column {c.name} missing")
            continue
        s = frame[c.name]
        present = s.dropna()
        where = f"{contract.name}.{c.name}"
        if c.required and s.isna().any():
            errors.append(f"{where}: {int(s.isna().sum())} nulls in a required column")
        shape = _TEXT_SHAPE.get(c.type)
        if shape is not None and not present.str.fullmatch(shape).all():
            errors.append(
                f"{where}: values not of type {c.type}: "
                f"{present[~present.str.fullmatch(shape)].head(3).tolist()}"
            )
            continue
        if c.type == "date" and len(present):
            bad = [v for v in present.unique() if not _is_date(v)]
            if bad:
                errors.append(f"{where}: impossible dates {bad[:3]}")
        if c.type == "timestamp" and len(present):
            bad = [v for v in present.unique()[:50_000] if not _is_timestamp(v)]
            if bad:
                errors.append(f"{where}: impossible timestamps {bad[:3]}")
        if c.pattern is not None and not present.str.fullmatch(c.pattern).all():
            errors.append(
                f"{where}: pattern {c.pattern} fails for "
                f"{present[~present.str.fullmatch(c.pattern)].head(3).tolist()}"
            )
        if c.allowed is not None and not present.isin(c.allowed).all():
            errors.append(
                f"{where}: values outside {c.allowed}: {sorted(set(present) - set(c.allowed))[:5]}"
            )
        if c.type in ("long", "double") and len(present):
            values = pd.to_numeric(present)
            if not all(math.isfinite(v) for v in (values.min(), values.max())):
                errors.append(f"{where}: non-finite numbers")
            if c.min is not None and values.min() < c.min:
                errors.append(f"{where}: below min {c.min}: {values.min()}")
            if c.max is not None and values.max() > c.max:
                errors.append(f"{where}: above max {c.max}: {values.max()}")
    return errors


def _is_date(v: str) -> bool:
    try:
        date.fromisoformat(v)
    except ValueError:
        return False
    return True


def _is_timestamp(v: str) -> bool:
    try:
        datetime.strptime(v, "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return False
    return True


def _check_errors(frame: pd.DataFrame, contract: Contract) -> list[str]:
    if not contract.checks:
        return []
    con = duckdb.connect()
    try:
        con.register("typed", _typed(frame, contract))
        errors = []
        for check in contract.checks:
            n = con.execute(f"SELECT count(*) FROM typed WHERE {check.bad_when}").fetchone()
            if n is None or n[0]:
                errors.append(f"{contract.name}: check {check.name} fails on {n} rows")
        return errors
    finally:
        con.close()


def _key_errors(frame: pd.DataFrame, contract: Contract) -> list[str]:
    dup = frame.duplicated(subset=list(contract.key)).sum()
    return [f"{contract.name}: {dup} duplicate keys {contract.key}"] if dup else []


def _reference_errors(frames: dict[str, pd.DataFrame], contract: Contract) -> list[str]:
    errors = []
    frame = frames[contract.name]
    for ref in contract.references:
        cols = list(ref.columns)
        rows = frame[cols].dropna()
        target = frames[ref.source][list(ref.target_columns)].drop_duplicates()
        target.columns = cols
        joined = rows.merge(target, on=cols, how="left", indicator=True)
        missing = int((joined["_merge"] == "left_only").sum())
        if missing:
            errors.append(f"{contract.name}: {missing} rows break {ref.describe()}")
    return errors


def world_errors(root: Path) -> tuple[list[str], dict[str, pd.DataFrame]]:
    """Every rule broken by the world at ``root`` (empty when valid) and its sources as text."""
    cfg = load_config(root / "fitintent.toml")
    frames: dict[str, pd.DataFrame] = {}
    errors: list[str] = []
    for contract in contracts(cfg):
        pattern = cfg.sources.files[contract.name]
        base = cfg.paths.source_dir / pattern
        path = base.parent if "*" in base.name else base
        frame = read_source(path)
        frames[contract.name] = frame
        extra = set(frame.columns) - set(contract.column_names)
        if extra:  # the ingest would ignore them: every demo column is declared
            errors.append(f"{contract.name}: undeclared columns {sorted(extra)}")
        errors += _column_errors(frame, contract)
        errors += _check_errors(frame, contract)
        errors += _key_errors(frame, contract)
        errors += _reference_errors(frames, contract)
    return errors, frames


def no_structural_characters(frame: pd.DataFrame) -> bool:
    text = frame.select_dtypes(include="object")
    return not any(text[c].dropna().str.contains(r"[,\"\n\r]").any() for c in text)


@dataclass
class SmallWorld:
    info: WorldInfo
    errors: list[str]
    frames: dict[str, pd.DataFrame]

    @property
    def root(self) -> Path:
        return self.info.root
