"""Entry points: a demo world written as one file per source, or streamed in Parquet parts."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from fitintent.demo._accounts import NamePlan
from fitintent.demo._calendar import Calendar
from fitintent.demo._chunk import Counters, Plan, SignalPicker, simulate_chunk, write_chunk
from fitintent.demo._config import write_config
from fitintent.demo._output import Format, SourceSink
from fitintent.demo._partners import build_network
from fitintent.demo._signals import Cells, exact_signals, poisson_signals

SOURCES = (
    "partners",
    "locations",
    "accounts",
    "install_base",
    "subscriptions",
    "transactions",
    "agreements",
    "signals",
    "opportunities",
)
CHUNK_ACCOUNTS = 50_000
_GLOBAL = 1 << 20  # the chunk number of world-wide draws (partners, names, signal allocation)


@dataclass(frozen=True)
class WorldInfo:
    """Where a demo world was written and what it holds."""

    root: Path
    sources: Path
    truth: Path
    config: Path
    counts: dict[str, int]
    period: str
    seed: int
    accounts: int
    layout: str  # "csv", "parquet" (a file per source) or "parts" (a Parquet folder per source)
    seconds: float = 0.0
    files: dict[str, Path] = field(default_factory=dict)


def _plan(accounts: int, seed: int, period: str, months: int) -> Plan:
    if accounts < 1:
        raise ValueError("a demo world needs at least one account")
    cal = Calendar.build(period, months)
    rng = np.random.default_rng([seed, _GLOBAL, 0])
    network = build_network(rng, accounts)
    names = NamePlan.build(np.random.default_rng([seed, _GLOBAL, 1]))
    return Plan(cal, network, names, accounts, seed, CHUNK_ACCOUNTS)


def _write_partners(plan: Plan, sink: SourceSink) -> None:
    sink.write("partners", plan.network.partners_table())
    sink.write("locations", plan.network.locations_table())


def _finish(
    out: Path,
    plan: Plan,
    sources: SourceSink,
    truth: SourceSink,
    layout: str,
    started: float,
    title: str,
) -> WorldInfo:
    sources.close()
    truth.close()
    files = {s: sources.paths[s].relative_to(sources.folder).as_posix() for s in SOURCES}
    if layout == "parts":
        files = {s: f"{path}/*.parquet" for s, path in files.items()}
    config = write_config(out / "fitintent.toml", files, title=title)
    return WorldInfo(
        root=out,
        sources=sources.folder,
        truth=truth.folder,
        config=config,
        counts={s: sources.rows.get(s, 0) for s in SOURCES},
        period=str(plan.cal.period),
        seed=plan.seed,
        accounts=plan.accounts,
        layout=layout,
        seconds=time.perf_counter() - started,
        files=dict(sources.paths),
    )


def generate_world(
    out: Path,
    *,
    accounts: int = 20_000,
    seed: int = 7,
    period: str = "2026-10",
    months: int = 28,
    fmt: Format = "csv",
) -> WorldInfo:
    """Write a demo world: ``out/sources/<source>.<fmt>``, the hidden ground truth in
    ``out/truth/*.parquet`` and ``out/fitintent.toml``. The same arguments give the same bytes.

    >>> info = generate_world(Path("/tmp/world"), accounts=2_000)  # doctest: +SKIP
    >>> info.counts["accounts"]  # doctest: +SKIP
    2000
    """
    if fmt not in ("csv", "parquet"):
        raise ValueError(f"fmt must be 'csv' or 'parquet', not {fmt!r}")
    started = time.perf_counter()
    out = Path(out)
    plan = _plan(accounts, seed, period, months)
    sources = SourceSink(out / "sources", fmt)
    truth = SourceSink(out / "truth", "parquet")
    _write_partners(plan, sources)
    counters = Counters()
    for chunk in plan.chunks:
        world = simulate_chunk(plan, chunk)
        write_chunk(
            plan,
            chunk,
            world,
            sources,
            truth,
            counters,
            poisson_signals,
            full_truth=True,
            part=chunk,
        )
    return _finish(
        out,
        plan,
        sources,
        truth,
        fmt,
        started,
        f"fitintent demo world: {accounts} accounts, seed {seed}, period {period}",
    )


def _signal_allocation(plan: Plan, signals: int) -> np.ndarray:
    """Signals per account: exactly ``signals`` in all, in proportion to each account's activity."""
    activity = np.concatenate([plan.firmographics(c).activity for c in plan.chunks])
    rng = np.random.default_rng([plan.seed, _GLOBAL, 2])
    return rng.multinomial(signals, activity / activity.sum())


def _exact_picker(counts: np.ndarray) -> SignalPicker:
    def pick(rng: np.random.Generator, cells: Cells) -> np.ndarray:
        return exact_signals(rng, cells, counts)

    return pick


def stream_world(
    out: Path,
    *,
    accounts: int = 1_000_000,
    signals: int = 100_000_000,
    seed: int = 7,
    period: str = "2026-10",
    months: int = 28,
) -> WorldInfo:
    """The same world model at benchmark scale, written chunk by chunk to
    ``out/sources/<source>/part-NNNNN.parquet`` (ZSTD) with bounded memory; ``signals`` is the
    exact number of signal rows. The truth holds the true propensity at the period only.
    """
    if signals < 0:
        raise ValueError("signals must be >= 0")
    started = time.perf_counter()
    out = Path(out)
    plan = _plan(accounts, seed, period, months)
    per_account = _signal_allocation(plan, signals)
    sources = SourceSink(out / "sources", "parquet", layout="parts")
    truth = SourceSink(out / "truth", "parquet", layout="parts")
    _write_partners(plan, sources)
    counters = Counters()
    for chunk in plan.chunks:
        world = simulate_chunk(plan, chunk)
        write_chunk(
            plan,
            chunk,
            world,
            sources,
            truth,
            counters,
            _exact_picker(per_account[plan.rows(chunk)]),
            full_truth=False,
            part=chunk,
        )
    return _finish(
        out,
        plan,
        sources,
        truth,
        "parts",
        started,
        f"fitintent streamed demo world: {accounts} accounts, {signals} signals, "
        f"seed {seed}, period {period}",
    )
