"""What a source row must look like: columns, types and rules, as plain data.

A contract is declarative so that the same object drives validation (``fitintent.ingest``) and the
user's reference (``docs/sources.md``); the two cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ColumnType = Literal["string", "long", "double", "date", "timestamp", "boolean"]

SQL_TYPE: dict[str, str] = {
    "string": "string",
    "long": "bigint",
    "double": "double",
    "date": "date",
    "timestamp": "timestamp",
    "boolean": "boolean",
}


@dataclass(frozen=True)
class Column:
    """One column of a source.

    >>> Column("employees", "long", required=True, min=0, doc="Head count (org size)")
    """

    name: str
    type: ColumnType = "string"
    required: bool = False
    min: float | None = None
    max: float | None = None
    allowed: tuple[str, ...] | None = None  # enumeration, compared exactly
    pattern: str | None = None  # regular expression the whole value must match
    doc: str = ""
    example: str = ""

    def rules(self) -> list[str]:
        """The rules in words, as the docs and quarantine reasons state them."""
        out = []
        if self.required:
            out.append("required")
        out.append(f"type {self.type}" + (" (YYYY-MM-DD)" if self.type == "date" else ""))
        if self.type == "timestamp":
            out[-1] += " (YYYY-MM-DD[ HH:MM[:SS]], UTC)"
        if self.min is not None:
            out.append(f">= {_num(self.min)}")
        if self.max is not None:
            out.append(f"<= {_num(self.max)}")
        if self.allowed is not None:
            out.append("one of " + ", ".join(self.allowed))
        if self.pattern is not None:
            out.append(f"matches `{self.pattern}`")
        return out


@dataclass(frozen=True)
class Reference:
    """Columns of this source that must name an existing (loaded) row of another source."""

    columns: tuple[str, ...]
    source: str
    target_columns: tuple[str, ...]

    def describe(self) -> str:
        cols = ", ".join(self.columns)
        tgt = ", ".join(self.target_columns)
        return f"({cols}) must exist in {self.source} ({tgt})"


@dataclass(frozen=True)
class Check:
    """A rule across columns of one row, written as a Spark SQL boolean expression that is true
    for a *bad* row (it runs unchanged on both engines)."""

    name: str
    bad_when: str
    message: str
    columns: tuple[str, ...]


@dataclass(frozen=True)
class Contract:
    name: str
    doc: str
    grain: str
    cadence: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    references: tuple[Reference, ...] = ()
    checks: tuple[Check, ...] = ()
    examples: tuple[dict[str, str], ...] = field(default_factory=tuple)
    # each file is a delivery of new rows: a file loaded by an earlier run, unchanged, is carried
    # over instead of being checked again (fitintent.ingest._carry)
    by_file: bool = False

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)
