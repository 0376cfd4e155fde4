"""Typed Parquet columns stay typed through staging.

Text is parsed by the contracts' patterns; a Parquet column that already holds the contract's type
(an integer for a whole number, a date, a timestamp, a boolean) needs no parsing, and turning it
into text only to parse it back is most of the cost of a large load. A column stays typed when
every file of the source is Parquet and holds it with a compatible type; otherwise it is text.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from fitintent.contracts import Contract

ARROW_TYPE: dict[str, pa.DataType] = {
    "long": pa.int64(),
    "double": pa.float64(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("us", tz="UTC"),
    "boolean": pa.bool_(),
}


def _compatible(source: pa.DataType, target: str) -> bool:
    if pa.types.is_dictionary(source):
        return False
    ints = pa.types.is_signed_integer(source) or source in (pa.uint8(), pa.uint16(), pa.uint32())
    return {
        "long": ints,
        "double": ints or pa.types.is_floating(source),
        "date": pa.types.is_date(source),
        "timestamp": pa.types.is_timestamp(source),
        "boolean": pa.types.is_boolean(source),
    }.get(target, False)


def native_columns(contract: Contract, files: list[Path]) -> dict[str, pa.DataType]:
    """Contract columns (not text ones) that every file holds with a compatible Parquet type."""
    schemas = _schemas(files)
    out = {}
    for c in contract.columns:
        if (
            schemas
            and c.type != "string"
            and all(c.name in s and _compatible(s[c.name], c.type) for s in schemas)
        ):
            out[c.name] = ARROW_TYPE[c.type]
    return out


def dictionary_columns(contract: Contract, files: list[Path]) -> set[str]:
    """Text columns that every file holds dictionary-encoded: they stay so through staging
    (writing a dictionary is much cheaper than writing every value); readers see text."""
    schemas = _schemas(files)
    return {
        c.name
        for c in contract.columns
        if schemas
        and all(
            c.name in s
            and pa.types.is_dictionary(s[c.name])
            and (
                pa.types.is_string(s[c.name].value_type)
                or pa.types.is_large_string(s[c.name].value_type)
            )
            for s in schemas
        )
    }


def _schemas(files: list[Path]) -> list[dict[str, pa.DataType]]:
    """Column types of every file by cleaned name; none unless every file is Parquet."""
    if not files or any(f.suffix.lower() != ".parquet" for f in files):
        return []
    schemas = []
    for f in files:
        try:
            schema = pq.read_schema(f)
        except (OSError, pa.ArrowInvalid):
            return []  # the reader names the unreadable file
        schemas.append(
            {n.strip().lower(): t for n, t in zip(schema.names, schema.types, strict=True)}
        )
    return schemas


def to_native(arr: pa.Array, target: pa.DataType) -> pa.Array:
    """A compatible column in the staged type (naive timestamps are taken as UTC)."""
    return arr.cast(target)


def kept(name: str, schema: pa.Schema) -> bool:
    """A dictionary-encoded text column staged as it is (see ``dictionary_columns``)."""
    return name in schema.names and pa.types.is_dictionary(schema.field(name).type)


def as_text(arr: pa.Array) -> pa.Array:
    """Typed Parquet values as the text the contracts parse (ISO dates, true/false)."""
    t = arr.type
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return arr.cast(pa.string())
    if pa.types.is_dictionary(t):
        return as_text(arr.cast(t.value_type))
    if pa.types.is_timestamp(t):
        return pc.strftime(arr, format="%Y-%m-%d %H:%M:%S")
    return arr.cast(pa.string())
