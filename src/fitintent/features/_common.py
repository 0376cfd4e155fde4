"""Shared pieces of the feature tables: as-of bounds, literals and the feature catalog.

Every feature is computed *as of* the end of a period: only rows dated on or before the last day
of that month count, so the same function builds the table of the current month and of any past
month (training, backtests) without looking ahead.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from fitintent.engine import F

Role = Literal[
    "firmographic",
    "segment",
    "install_base",
    "holding",
    "agreement",
    "opportunity",
    "signal",
]
Kind = Literal["numeric", "categorical", "flag"]


@functools.lru_cache(maxsize=4096)  # the same few names are slugged for every row worded
def slug(text: str) -> str:
    """A column-name piece from a display name: ``"Windows Server"`` -> ``"windows_server"``."""
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_") or "x"


def words(name: str) -> str:
    return name.replace("_", " ")


def day(d: date) -> Any:
    return F.lit(d.isoformat()).cast("date")


def count_if(cond: Any) -> Any:
    """A count of rows meeting ``cond``, a BIGINT on both engines (a sum would be DECIMAL)."""
    return F.count(F.when(cond, F.lit(1)))


Cut = Callable[[Any, str], Any]


def keep(df: Any, name: str) -> Any:
    """The default :data:`Cut`: leave the plan as it is."""
    return df


EVENT_TYPES = {
    "account_id": "string",
    "src": "string",
    "product": "string",
    "k1": "string",
    "k2": "string",
    "d1": "date",
    "d2": "date",
    "t": "timestamp",
    "x": "double",
}


def event(df: Any, src: str, **fields: Any) -> Any:
    """Rows of a source in the one shape all dated features are computed from: ``account_id``,
    ``src`` (which source), ``product``, two keys ``k1``/``k2``, two dates ``d1``/``d2``, a
    timestamp ``t`` and a number ``x``; unused fields are null."""
    cols = []
    for name, kind in EVENT_TYPES.items():
        if name == "src":
            value = F.lit(src)
        elif name == "account_id":
            value = F.col("account_id")
        else:
            given = fields.get(name)
            value = (
                F.lit(None)
                if given is None
                else (F.col(given) if isinstance(given, str) else given)
            )
        cols.append(value.cast(kind).alias(name))
    return df.select(*cols)


Dated = tuple[Any, Any]


def dated(events: Any, src: str, on: Any) -> Dated:
    """``events`` of source ``src`` and the condition (over their dates and the months table's
    bounds) under which a row counts in a month: all sources are joined with the months in one
    step, on the OR of these conditions."""
    return events, (F.col("src") == F.lit(src)) & on


def flat(joined: Any, drop: tuple[str, ...] = ()) -> Any:
    """Each column of a join result once, by name. SQLFrame mis-resolves a column that one
    ``select`` uses twice right after a join; computing on the flattened frame avoids it."""
    return joined.select(*[F.col(c) for c in joined.columns if c not in drop])


@dataclass(frozen=True)
class Feature:
    """One column of the feature table and how to say it in words.

    ``phrase`` is a format string over ``v`` (the value) used when the feature raises a score;
    ``off`` the phrase for a flag that raises the score by being absent (``"does not run AWS"``).
    ``products`` limits the feature to those products' models (None: any product).
    """

    name: str
    role: Role
    kind: Kind
    phrase: str
    off: str = ""
    product: str | None = None  # the product the feature describes (holdings, signals...)
    subject: str = ""  # a technology or topic list the phrase names
    intent: bool = False  # an input of the intent models (else of the fit models)


@dataclass
class Catalog:
    """The features of one configuration and data vocabulary, in column order."""

    features: list[Feature] = field(default_factory=list)
    display: list[str] = field(default_factory=list)  # columns kept for reasons only

    def add(self, *items: Feature) -> None:
        self.features.extend(items)

    def names(self) -> list[str]:
        return [f.name for f in self.features]

    def by_name(self) -> dict[str, Feature]:
        return {f.name: f for f in self.features}
