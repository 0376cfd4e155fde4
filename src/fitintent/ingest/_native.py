"""Typed Parquet columns stay typed through staging.

Text is parsed by the contracts' patterns; a Parquet column that already holds the contract's type
(an integer for a whole number, a date, a timestamp, a boolean) needs no parsing, and turning it
into text only to parse it back is most of the cost of a large load. A column stays typed when
every file of the source is Parquet and holds it with a compatible type; otherwise it is text.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
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
    if not files or any(f.suffix.lower() != ".parquet" for f in files):
        return {}
    schemas = []
    for f in files:
        try:
            schemas.append(
                {
                    n.strip().lower(): t
                    for n, t in zip(pq.read_schema(f).names, pq.read_schema(f).types, strict=True)
                }
            )
        except (OSError, pa.ArrowInvalid):
            return {}  # the reader names the unreadable file
    out = {}
    for c in contract.columns:
        if c.type != "string" and all(
            c.name in s and _compatible(s[c.name], c.type) for s in schemas
        ):
            out[c.name] = ARROW_TYPE[c.type]
    return out


def to_native(arr: pa.Array, target: pa.DataType) -> pa.Array:
    """A compatible column in the staged type (naive timestamps are taken as UTC)."""
    return arr.cast(target)
