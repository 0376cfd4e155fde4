"""The lifecycle catalog: when each product version leaves support, and what replaces it.

Shipped as ``fitintent/catalog/lifecycle.csv`` (the vendor's published extended-support end
dates); a user may pass a file of their own with the same columns::

    product,version,end_of_support,sales_play,replacement
    Windows Server,2012 R2,2023-10-10,compute,Azure

* ``product`` and ``version`` match the install base's ``technology`` and ``version``
  (trimmed, case-insensitive);
* ``end_of_support`` is the day support ends: from that day on the version is out of support;
* ``sales_play`` is ``productivity`` or ``compute``; ``replacement`` is the catalog product a
  customer running it is offered.

The play family of a row is its product name without spaces or punctuation (``WindowsServer``);
it names the per-account flags (``EOSWindowsServer``, ``EOSWindowsServer5PlusWithPropensity``).
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from importlib import resources
from pathlib import Path

import pyarrow as pa

from fitintent.errors import InputError

SALES_PLAYS = ("productivity", "compute")
COLUMNS = ("product", "version", "end_of_support", "sales_play", "replacement")
LIFECYCLE_SCHEMA = pa.schema(
    [
        ("product", pa.string()),
        ("version", pa.string()),
        ("end_of_support", pa.date32()),
        ("sales_play", pa.string()),
        ("replacement", pa.string()),
        ("family", pa.string()),
    ]
)


def family(product: str) -> str:
    """The play family of a lifecycle product: ``"SQL Server"`` -> ``"SQLServer"``."""
    return re.sub(r"[^A-Za-z0-9]", "", product)


def play_label(sales_play: str) -> str:
    """``"compute"`` -> ``"Compute"`` (the spelling used in flag names)."""
    return sales_play[:1].upper() + sales_play[1:]


def load_lifecycle(path: Path | str | None = None) -> pa.Table:
    """The lifecycle catalog as an Arrow table (``LIFECYCLE_SCHEMA``), validated row by row.

    >>> t = load_lifecycle()
    >>> sorted(set(t.column("sales_play").to_pylist()))
    ['compute', 'productivity']
    """
    if path is None:
        where = "fitintent/catalog/lifecycle.csv"
        text = (resources.files("fitintent") / "catalog" / "lifecycle.csv").read_text("utf-8")
    else:
        where = str(path)
        try:
            text = Path(path).read_text(encoding="utf-8")
        except FileNotFoundError:
            raise InputError(where, "lifecycle file not found") from None
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise InputError(where, f"missing columns {missing}", column=missing[0])
    rows: list[dict[str, object]] = []
    seen: set[tuple[str, str]] = set()
    for n, raw in enumerate(reader, start=2):
        row = {c: (raw.get(c) or "").strip() for c in COLUMNS}
        _check(row, where, n, seen)
        rows.append(
            {
                **row,
                "end_of_support": date.fromisoformat(row["end_of_support"]),
                "family": family(row["product"]),
            }
        )
    return pa.Table.from_pylist(rows, schema=LIFECYCLE_SCHEMA)


def _check(row: dict[str, str], where: str, n: int, seen: set[tuple[str, str]]) -> None:
    for c in ("product", "end_of_support", "sales_play", "replacement"):
        if not row[c]:
            raise InputError(where, "a value is required", column=c, row=n)
    if not family(row["product"]):
        raise InputError(where, "needs a letter or digit", column="product", row=n)
    try:
        date.fromisoformat(row["end_of_support"])
    except ValueError:
        raise InputError(where, "not a date (YYYY-MM-DD)", column="end_of_support", row=n) from None
    if row["sales_play"] not in SALES_PLAYS:
        raise InputError(where, f"must be one of {list(SALES_PLAYS)}", column="sales_play", row=n)
    key = (row["product"].lower(), row["version"].lower())
    if key in seen:
        raise InputError(where, "product and version listed twice", column="version", row=n)
    seen.add(key)
