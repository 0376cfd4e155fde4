"""One chunk of accounts, simulated end to end and written source by source.

Every random draw comes from a generator seeded by (seed, chunk, stage), so a chunk can be rebuilt
alone (the streamed world reads its firmographics twice) and results do not depend on the order in
which stages consume random numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from fitintent.demo._accounts import (
    Firmographics,
    NamePlan,
    account_ids,
    accounts_table,
    draw_firmographics,
)
from fitintent.demo._agreements import Agreements, draw_agreements
from fitintent.demo._calendar import Calendar
from fitintent.demo._catalog import DIVISIONS
from fitintent.demo._drivers import build_drivers
from fitintent.demo._holdings import (
    Spans,
    build_spans,
    device_purchases,
    subscriptions_table,
    transactions_table,
)
from fitintent.demo._installbase import InstallBase, draw_install_base
from fitintent.demo._market import Market, simulate
from fitintent.demo._opportunities import Deals, draw_deals, opportunities_table
from fitintent.demo._output import SourceSink
from fitintent.demo._ownership import draw_ownership
from fitintent.demo._partners import PartnerNetwork
from fitintent.demo._signals import Cells, draw_signals, signal_batches, signal_cells
from fitintent.demo._truth import cycles_table, factors_table, propensity_table

_STAGES = (
    "firmographics",
    "install_base",
    "drivers",
    "ownership",
    "agreements",
    "market",
    "deals",
    "holdings",
    "accounts",
    "signals",
)


@dataclass(frozen=True)
class Plan:
    """What is shared by every chunk of one world."""

    cal: Calendar
    network: PartnerNetwork
    names: NamePlan
    accounts: int
    seed: int
    chunk_size: int

    @property
    def chunks(self) -> range:
        return range((self.accounts + self.chunk_size - 1) // self.chunk_size)

    def rows(self, chunk: int) -> np.ndarray:
        return np.arange(chunk * self.chunk_size, min((chunk + 1) * self.chunk_size, self.accounts))

    def rng(self, chunk: int, stage: str) -> np.random.Generator:
        return np.random.default_rng([self.seed, chunk, _STAGES.index(stage)])

    def firmographics(self, chunk: int) -> Firmographics:
        return draw_firmographics(
            self.rng(chunk, "firmographics"), self.rows(chunk), self.network, self.cal
        )


@dataclass
class Counters:
    """Running id numbers, so ids are dense across chunks."""

    agreement: int = 1
    opportunity: int = 1
    signal: int = 1


@dataclass
class ChunkWorld:
    firm: Firmographics
    install_base: InstallBase
    agreements: Agreements
    market: Market
    deals: Deals
    spans: Spans
    purchases: dict[str, np.ndarray] = field(default_factory=dict)


def simulate_chunk(plan: Plan, chunk: int) -> ChunkWorld:
    cal = plan.cal
    firm = plan.firmographics(chunk)
    n = len(firm)
    ib = draw_install_base(plan.rng(chunk, "install_base"), firm, cal)
    first, last = ib.presence(n, cal)
    drivers = build_drivers(
        plan.rng(chunk, "drivers"),
        firm,
        first,
        last,
        np.zeros((n, len(DIVISIONS), cal.months), dtype=bool),
    )
    own = draw_ownership(plan.rng(chunk, "ownership"), firm, drivers, cal)
    customer = np.asarray(own.owned0.any(axis=1))
    agreements = draw_agreements(plan.rng(chunk, "agreements"), firm, customer, cal)
    drivers.renewal = agreements.renewal(n, cal)
    market = simulate(plan.rng(chunk, "market"), firm, drivers, own, cal)
    deals = draw_deals(plan.rng(chunk, "deals"), firm, market.cycles, own, cal)
    rng = plan.rng(chunk, "holdings")
    spans = build_spans(rng, own, deals, cal)
    purchases = device_purchases(rng, own, deals, cal)
    return ChunkWorld(firm, ib, agreements, market, deals, spans, purchases)


SignalPicker = Callable[[np.random.Generator, Cells], np.ndarray]


def write_chunk(
    plan: Plan,
    chunk: int,
    world: ChunkWorld,
    sources: SourceSink,
    truth: SourceSink,
    counters: Counters,
    pick: SignalPicker,
    *,
    full_truth: bool,
    part: int,
) -> None:
    """Write the chunk's rows of every account-level source and of the ground truth."""
    cal, firm = plan.cal, world.firm
    ids = account_ids(firm.index, plan.accounts)
    rng = plan.rng(chunk, "accounts")
    accounts = accounts_table(rng, firm, plan.names, plan.network, plan.accounts)
    sources.write("accounts", accounts, part)
    sources.write("install_base", world.install_base.table(ids), part)
    sources.write("subscriptions", subscriptions_table(rng, world.spans, ids, cal), part)
    sources.write(
        "transactions", transactions_table(rng, world.spans, world.purchases, firm, ids, cal), part
    )
    sources.write("agreements", world.agreements.table(ids, counters.agreement), part)
    counters.agreement += len(world.agreements.account)
    _write_signals(plan, chunk, world, sources, counters, pick, accounts, full_truth, part)
    sources.write(
        "opportunities", opportunities_table(world.deals, ids, counters.opportunity), part
    )
    truth.write("propensity", propensity_table(world.market, ids, cal, full=full_truth), part)
    truth.write("factors", factors_table(world.market, firm, ids), part)
    truth.write(
        "cycles",
        cycles_table(world.market.cycles, world.deals, ids, cal, counters.opportunity),
        part,
    )
    counters.opportunity += len(world.deals.cycle)


def _write_signals(
    plan: Plan,
    chunk: int,
    world: ChunkWorld,
    sources: SourceSink,
    counters: Counters,
    pick: SignalPicker,
    accounts: pa.Table,
    named: bool,
    part: int,
) -> None:
    rng = plan.rng(chunk, "signals")
    cells = signal_cells(world.firm, world.market.cycles, plan.cal)
    draws = draw_signals(rng, world.firm, cells, pick(rng, cells), plan.cal, by_time=named)
    names = accounts.column("account_name").combine_chunks() if named else None
    for batch in signal_batches(
        draws,
        counters.signal,
        accounts.column("account_id").combine_chunks(),
        accounts.column("domain").combine_chunks(),
        names,
        dictionary=not named,
    ):
        sources.write("signals", batch, part)
    counters.signal += len(draws.account)
