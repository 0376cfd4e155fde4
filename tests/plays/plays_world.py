"""Hand-built worlds for the plays: Arrow tables with the ingested sources' schemas."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pyarrow as pa

from fitintent.config import Config
from fitintent.engine import DataFrame, Engine
from fitintent.engine import _session as engine_session
from fitintent.period import Period
from fitintent.plays import PlaySettings, plays
from fitintent.score import place

PERIOD = Period.parse("2026-10")
AS_OF = PERIOD.end  # 2026-10-31

SCHEMAS: dict[str, pa.Schema] = {
    "accounts": pa.schema(
        [
            ("account_id", pa.string()),
            ("account_name", pa.string()),
            ("employees", pa.int64()),
            ("industry", pa.string()),
            ("partner_id", pa.string()),
        ]
    ),
    "install_base": pa.schema(
        [
            ("account_id", pa.string()),
            ("technology", pa.string()),
            ("version", pa.string()),
            ("licence_count", pa.int64()),
            ("first_seen", pa.date32()),
            ("last_seen", pa.date32()),
        ]
    ),
    "subscriptions": pa.schema(
        [
            ("account_id", pa.string()),
            ("product", pa.string()),
            ("sku", pa.string()),
            ("seats", pa.int64()),
            ("start_date", pa.date32()),
            ("end_date", pa.date32()),
            ("status", pa.string()),
        ]
    ),
    "transactions": pa.schema(
        [
            ("account_id", pa.string()),
            ("month", pa.date32()),
            ("product", pa.string()),
            ("sku", pa.string()),
            ("quantity", pa.float64()),
            ("revenue", pa.float64()),
        ]
    ),
    "agreements": pa.schema(
        [
            ("agreement_id", pa.string()),
            ("account_id", pa.string()),
            ("license_program", pa.string()),
            ("end_date", pa.date32()),
            ("expiring_revenue", pa.float64()),
            ("product_division", pa.string()),
        ]
    ),
    "scores": pa.schema(
        [
            ("account_id", pa.string()),
            ("product", pa.string()),
            ("fit", pa.float64()),
            ("intent", pa.float64()),
        ]
    ),
}


def month(back: int) -> date:
    """The first day of the month ``back`` months before the period (0: the period)."""
    return PERIOD.shift(-back).start


def months(first_back: int, last_back: int = 0) -> list[date]:
    """Every month from ``first_back`` months ago to ``last_back`` months ago, oldest first."""
    return [month(b) for b in range(first_back, last_back - 1, -1)]


@dataclass
class World:
    """Rows per source; ``tables(eng)`` turns them into DataFrames of the ingested schemas."""

    accounts: list[tuple[Any, ...]] = field(default_factory=list)
    install_base: list[tuple[Any, ...]] = field(default_factory=list)
    subscriptions: list[tuple[Any, ...]] = field(default_factory=list)
    transactions: list[tuple[Any, ...]] = field(default_factory=list)
    agreements: list[tuple[Any, ...]] = field(default_factory=list)
    scores: list[tuple[Any, ...]] = field(default_factory=list)

    def account(
        self, account_id: str, employees: int = 50, industry: str | None = "Retail", partner="P1"
    ) -> World:
        self.accounts.append((account_id, f"Name {account_id}", employees, industry, partner))
        return self

    def billed(
        self,
        account_id: str,
        product: str,
        sku: str,
        when: Iterable[date],
        quantity: float = 10.0,
        revenue: float = 100.0,
    ) -> World:
        for m in when:
            self.transactions.append((account_id, m, product, sku, quantity, revenue))
        return self

    def series(
        self, account_id: str, product: str, sku: str, points: list[tuple[date, float, float]]
    ) -> World:
        for m, q, r in points:
            self.transactions.append((account_id, m, product, sku, q, r))
        return self

    def score(self, account_id: str, product: str, fit: float, intent: float) -> World:
        self.scores.append((account_id, product, fit, intent))
        return self

    def arrow(self, name: str) -> pa.Table:
        schema = SCHEMAS[name]
        rows = getattr(self, name)
        return pa.Table.from_pylist(
            [dict(zip(schema.names, r, strict=True)) for r in rows], schema=schema
        )

    def tables(self, eng: Engine) -> dict[str, DataFrame]:
        return {
            name: eng.from_arrow(self.arrow(name), name)
            for name in ("accounts", "install_base", "subscriptions", "transactions", "agreements")
        }

    def placed(self, eng: Engine, cfg: Config | None = None) -> DataFrame:
        return place(eng.from_arrow(self.arrow("scores"), "scores"), cfg or Config())


def rows(eng: Engine, df: DataFrame, *keys: str) -> dict[Any, dict[str, Any]]:
    """The rows of ``df`` keyed by ``keys`` (one key: the value, several: a tuple)."""
    out: dict[Any, dict[str, Any]] = {}
    for r in eng.to_arrow(df).to_pylist():
        k = r[keys[0]] if len(keys) == 1 else tuple(r[x] for x in keys)
        assert k not in out, f"duplicate key {k}"
        out[k] = r
    return out


@contextlib.contextmanager
def activated(eng: Engine) -> Iterator[Engine]:
    """Make ``eng`` the active engine inside the block (for module-scoped fixtures)."""
    token = engine_session._active.set(eng)
    try:
        yield eng
    finally:
        engine_session._active.reset(token)


def compute(
    eng: Engine,
    world: World,
    cfg: Config | None = None,
    settings: PlaySettings | None = None,
    lifecycle: pa.Table | None = None,
) -> dict[str, pa.Table]:
    """Every play table of ``world`` at ``PERIOD``, as Arrow tables."""
    config = cfg or Config()
    with activated(eng):
        t = world.tables(eng)
        out = plays(
            t,
            t["accounts"],
            world.placed(eng, config),
            config,
            PERIOD,
            settings=settings,
            lifecycle=lifecycle,
        )
        return {name: eng.to_arrow(df) for name, df in out.items()}


def keyed(table: pa.Table, *keys: str) -> dict[Any, dict[str, Any]]:
    out: dict[Any, dict[str, Any]] = {}
    for r in table.to_pylist():
        k = r[keys[0]] if len(keys) == 1 else tuple(r[x] for x in keys)
        assert k not in out, f"duplicate key {k}"
        out[k] = r
    return out
