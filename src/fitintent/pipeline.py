"""Stage order: ingest -> signals -> segment -> models -> score -> plays -> evaluate -> summary
-> publish, for one period.

A bad *file* raises before anything is written to the snapshot store; bad *rows* are quarantined
and published with the snapshot so that every count reconciles.
"""

from __future__ import annotations

import platform
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import fitintent
from fitintent.config import Config
from fitintent.engine import DataFrame, Engine, open_engine
from fitintent.evaluate import evaluate_snapshots
from fitintent.features import FeatureSource
from fitintent.ingest import Ingested, ingest
from fitintent.models import Card, score_period
from fitintent.period import Period
from fitintent.plays import PLAY_TABLE_KEYS, plays, plays_card
from fitintent.publish import Snapshot, SnapshotWriter, summarize
from fitintent.score import movement, place, previous_scores
from fitintent.segment import compute_spend, fit_potential, segment, segment_card
from fitintent.signals import (
    domain_lookup,
    resolution_counts,
    resolve_by,
    topic_activity,
    unresolved_signals,
)

STAGES = (
    "ingest",
    "signals",
    "segment",
    "models",
    "score",
    "plays",
    "evaluate",
    "summary",
    "publish",
)
Progress = Callable[[str, str], None]  # (stage, detail)


@dataclass
class RunResult:
    snapshot: Snapshot
    timings: dict[str, float] = field(default_factory=dict)


class _Clock:
    def __init__(self, progress: Progress | None) -> None:
        self.timings: dict[str, float] = {}
        self._progress = progress

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        if self._progress:
            self._progress(name, "")
        start = time.perf_counter()
        yield
        self.timings[name] = round(time.perf_counter() - start, 3)


def run_ingest(
    cfg: Config, eng: Engine, period: Period, progress: Progress | None = None
) -> Ingested:
    """Load every source into ``<workdir>/warehouse/<period>/`` (replaced on each run)."""
    out = cfg.paths.workdir / "warehouse" / str(period)
    if out.exists():
        shutil.rmtree(out)
    return ingest(cfg, eng, out, on_source=(lambda s: progress("ingest", s)) if progress else None)


def run(cfg: Config, period: Period, progress: Progress | None = None) -> RunResult:
    """Run every stage for ``period`` and publish its snapshot atomically."""
    clock = _Clock(progress)
    with open_engine(cfg.engine, cfg.paths.workdir) as eng:
        with clock.stage("ingest"):
            data = run_ingest(cfg, eng, period, progress)
        t = data.tables
        writer = SnapshotWriter(cfg.paths.snapshots, str(period))
        try:
            with clock.stage("signals"):
                signals, resolution = _signals(cfg, eng, period, t, writer)
            with clock.stage("segment"):
                spend = eng.materialize(compute_spend(t["transactions"], cfg, period), "spend")
                model = fit_potential(t["accounts"], spend, cfg, period=period)
                accounts = eng.write_table(
                    segment(t["accounts"], spend, model, cfg).orderBy("account_id"),
                    writer.table_path("accounts"),
                )
            segmented = eng.read_table(accounts)
            steps: dict[str, float] = {}
            with clock.stage("models"):
                source = FeatureSource.prepare(t, cfg, resolved_signals=signals)
                scores, cards = score_period(
                    t, segmented, cfg, period, cfg.paths.models, source=source, timings=steps
                )
            with clock.stage("score"):
                placed = _score(cfg, eng, period, scores, writer)
            with clock.stage("plays"):
                for name, df in plays(t, segmented, placed, cfg, period).items():
                    eng.write_table(df.orderBy(*PLAY_TABLE_KEYS[name]), writer.table_path(name))
            with clock.stage("evaluate"):
                evaluation = evaluate_snapshots(source, cfg, period, writer.path)
            with clock.stage("summary"):
                by_partner, by_location = summarize(
                    eng.read_table(accounts),
                    t["agreements"],
                    t["locations"],
                    t["partners"],
                    cfg,
                    period,
                )
                eng.write_table(
                    by_partner.orderBy("partner_id"), writer.table_path("summary_partner")
                )
                eng.write_table(
                    by_location.orderBy("partner_id", "location_id"),
                    writer.table_path("summary_location"),
                )
            with clock.stage("publish"):
                eng.write_table(
                    data.quarantine.orderBy("source", "_file", "_row"),
                    writer.table_path("quarantine"),
                )
                eng.write_table(
                    eng.from_arrow(data.reconciliation_table(), "reconciliation"),
                    writer.table_path("reconciliation"),
                )
                manifest = _manifest(cfg, eng, period, data, segment_card(model, cfg), clock)
                manifest |= {
                    "models": _models(cards),
                    "plays": plays_card(cfg, period),
                    "evaluation": evaluation,
                    "signals": resolution,
                    "models_steps_s": steps,
                }
                snapshot = writer.publish(manifest)
        except BaseException:
            writer.abandon()
            raise
    return RunResult(snapshot, clock.timings)


def _signals(
    cfg: Config, eng: Engine, period: Period, t: dict[str, DataFrame], writer: SnapshotWriter
) -> tuple[DataFrame, dict[str, Any]]:
    """Signals resolved to accounts, their topic activity, how they resolved (per source) and
    the signals no account took, with the reason: tables of the snapshot."""
    # the domain lookup is materialised inside; the resolved rows stay a join over the signals
    # files, so that each use reads only its columns instead of a copy of every signal
    lookup = domain_lookup(t["signals"], t["accounts"])
    signals = resolve_by(t["signals"], lookup)
    activity = topic_activity(signals, cfg, period)
    eng.write_table(activity.orderBy("account_id", "topic"), writer.table_path("topic_activity"))
    counts = eng.read_table(
        eng.write_table(
            resolution_counts(signals).orderBy("source", "resolved_by", "unresolved_reason"),
            writer.table_path("signal_resolution"),
        )
    )
    card = resolution_card(eng.to_arrow(counts).to_pylist())
    unresolved = unresolved_signals(t["signals"], lookup).select(*UNRESOLVED_COLUMNS)
    if card["resolved"] == card["rows"]:  # the counts say there are none: no second reading
        unresolved = unresolved.limit(0)
    eng.write_table(
        unresolved.orderBy("source", "signal_id"), writer.table_path("signals_unresolved")
    )
    return signals, card


UNRESOLVED_COLUMNS = (
    "signal_id",
    "source",
    "domain",
    "signal_time",
    "signal_type",
    "url",
    "unresolved_reason",
)


def resolution_card(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The manifest's account of signal resolution: rows, resolved and their share, overall and
    per source, and the reasons of the rest."""

    def tally(part: list[dict[str, Any]]) -> dict[str, Any]:
        total = sum(int(r["signals"]) for r in part)
        resolved = sum(int(r["signals"]) for r in part if r["resolved_by"] != "unresolved")
        return {
            "rows": total,
            "resolved": resolved,
            "resolved_share": round(resolved / total, 6) if total else None,
        }

    sources = sorted({str(r["source"]) for r in rows})
    reasons: dict[str, int] = {}
    for r in rows:
        if r["unresolved_reason"]:
            reasons[r["unresolved_reason"]] = reasons.get(r["unresolved_reason"], 0) + int(
                r["signals"]
            )
    return {
        **tally(rows),
        "by_source": {s: tally([r for r in rows if r["source"] == s]) for s in sources},
        "unresolved_reasons": dict(sorted(reasons.items())),
    }


def _score(
    cfg: Config, eng: Engine, period: Period, scores: DataFrame, writer: SnapshotWriter
) -> DataFrame:
    """Bands, cell, cluster and the movement since the previous snapshot: the ``scores`` table."""
    before = previous_scores(eng, cfg.paths.snapshots, str(period))
    moved = movement(place(scores, cfg), before, cfg)
    path = eng.write_table(moved.orderBy("account_id", "product"), writer.table_path("scores"))
    return eng.read_table(path)


_CARD_KEYS = ("name", "version", "status", "trained_for", "training_window", "gate", "metrics")


def _models(cards: list[Card]) -> list[dict[str, Any]]:
    """Which model made each score, and every candidate the gate refused (the full cards stay
    in the registry)."""
    return [{k: c[k] for k in _CARD_KEYS if k in c} for c in cards]


def _manifest(
    cfg: Config,
    eng: Engine,
    period: Period,
    data: Ingested,
    segmentation: dict[str, Any],
    clock: _Clock,
) -> dict[str, Any]:
    fy = period.fiscal_year(cfg.fiscal.start_month)
    return {
        "engine": eng.kind,
        "config_hash": cfg.digest(),
        "code_version": fitintent.__version__,
        "python": platform.python_version(),
        "published_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "fiscal_year": {"label": fy.label, "start": str(fy.start), "end": str(fy.end)},
        "sources": {
            c.source: {
                "files": c.files,
                "rows_in": c.rows_in,
                "loaded": c.loaded,
                "quarantined": c.quarantined,
                "carried": c.carried,
                "ignored_columns": c.ignored_columns,
            }
            for c in data.counts
        },
        "segmentation": segmentation,
        "timings_s": dict(clock.timings),
    }
