"""Engine stages as child tasks: each one opens the engine, does its stage as the pipeline does and
writes the stage's outputs to Parquet, so that lazily built DataFrames really execute.

Every task returns ``rows`` (the input rows the stage is about), ``seconds`` (the stage's work,
engine start and stop excluded) and details of its own.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from bench.child import clock, since, step
from fitintent.config import Config, EngineSettings, Paths, load_config
from fitintent.engine import Engine, open_engine
from fitintent.period import Period

NON_SIGNAL_SOURCES = (
    "partners",
    "locations",
    "accounts",
    "install_base",
    "subscriptions",
    "transactions",
    "agreements",
    "opportunities",
)
SIGNAL_SOURCES = ("partners", "locations", "accounts", "signals")


def rows_of(folder: Path | str) -> int:
    """Rows of a Parquet table folder, from the footers."""
    return sum(pq.ParquetFile(f).metadata.num_rows for f in Path(folder).glob("*.parquet"))


def bench_config(
    p: dict[str, Any], workdir: Path, sources: tuple[str, ...] | None = None
) -> Config:
    """The world's configuration with the bench's engine settings and ``workdir``; with
    ``sources``, only those sources are found (the rest are absent, as if never delivered)."""
    cfg = load_config(p["config"])
    src = cfg.paths.source_dir
    workdir.mkdir(parents=True, exist_ok=True)
    engine = EngineSettings(
        kind=p.get("engine", "duckdb"),
        memory_limit=p.get("memory_limit", "6GB"),
        threads=int(p.get("threads", 2)),
    )
    update: dict[str, Any] = {"engine": engine}
    if sources is None:
        update["paths"] = Paths(workdir=workdir, sources=src)
    else:
        empty = workdir / "no-sources"
        empty.mkdir(exist_ok=True)
        files = {s: str(src / cfg.sources.files.get(s, f"{s}/*.parquet")) for s in sources}
        update["paths"] = Paths(workdir=workdir, sources=empty)
        update["sources"] = cfg.sources.model_copy(update={"files": files})
    return cfg.model_copy(update=update)


@contextmanager
def _engine(cfg: Config) -> Iterator[Engine]:
    with open_engine(cfg.engine, cfg.paths.workdir) as eng:
        if eng.kind == "duckdb":
            eng.session._conn.execute("SET enable_progress_bar=false")
        yield eng


def _fresh(folder: Path) -> Path:
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    return folder


def _ingest(p: dict[str, Any], sources: tuple[str, ...], out: Path) -> dict[str, Any]:
    from fitintent.ingest import ingest

    cfg = bench_config(p, Path(p["workdir"]), sources)
    _fresh(out)
    marks: list[tuple[str, float, float]] = []

    def on_source(name: str) -> None:
        marks.append((name, time.perf_counter(), time.process_time()))
        step(f"ingest {name}")

    with _engine(cfg) as eng:
        start = clock()
        data = ingest(cfg, eng, out, on_source=on_source)
        spent = since(start)
    ends = [(t, c) for _, t, c in marks[1:]]
    ends.append((start[0] + spent["seconds"], start[1] + spent["cpu_s"]))
    per_source = {n: round(end[0] - t, 3) for (n, t, _), end in zip(marks, ends, strict=True)}
    per_source_cpu = {n: round(end[1] - c, 3) for (n, _, c), end in zip(marks, ends, strict=True)}
    counts = {
        c.source: {"rows_in": c.rows_in, "loaded": c.loaded, "quarantined": c.quarantined}
        for c in data.counts
    }
    return {
        **spent,
        "per_source_s": per_source,
        "per_source_cpu_s": per_source_cpu,
        "counts": counts,
        "quarantined": sum(c.quarantined for c in data.counts),
    }


def ingest_task(p: dict[str, Any]) -> dict[str, Any]:
    """Every source but signals, through the contracts, into the warehouse folder."""
    out = _ingest(p, NON_SIGNAL_SOURCES, Path(p["warehouse"]))
    loaded = {s: c["loaded"] for s, c in out["counts"].items() if s in NON_SIGNAL_SOURCES}
    return {**out, "rows": sum(loaded.values())}


def ingest_signals_task(p: dict[str, Any]) -> dict[str, Any]:
    """Signals through the contracts (with the partners and accounts they reference). The stage's
    figure is the signals source alone; ``total_s`` is the whole ingest."""
    out = _ingest(p, SIGNAL_SOURCES, Path(p["out"]))
    return {
        **out,
        "rows": out["counts"]["signals"]["loaded"],
        "total_s": out["seconds"],
        "total_cpu_s": out["cpu_s"],
        "seconds": out["per_source_s"]["signals"],
        "cpu_s": out["per_source_cpu_s"]["signals"],
    }


def segment_task(p: dict[str, Any]) -> dict[str, Any]:
    """compute_spend -> fit_potential -> segment, as the pipeline runs them."""
    from fitintent.segment import compute_spend, fit_potential, segment

    cfg = bench_config(p, Path(p["workdir"]))
    period = Period.parse(p["period"])
    wh, out = Path(p["warehouse"]), _fresh(Path(p["out"]))
    with _engine(cfg) as eng:
        start = clock()
        accounts = eng.read_table(wh / "accounts")
        spend = eng.materialize(
            compute_spend(eng.read_table(wh / "transactions"), cfg, period), "spend"
        )
        step("spend")
        model = fit_potential(accounts, spend, cfg, period=period)
        step("fit_potential")
        eng.write_table(
            segment(accounts, spend, model, cfg).orderBy("account_id"), out / "accounts"
        )
        spent = since(start)
    card = model.card()
    return {
        "rows": rows_of(out / "accounts"),
        **spent,
        "model": {k: card[k] for k in ("method", "intercept", "slope", "training_rows", "r2")},
    }


def summary_task(p: dict[str, Any]) -> dict[str, Any]:
    """The partner and location summaries of the segmented accounts."""
    from fitintent.publish import summarize

    cfg = bench_config(p, Path(p["workdir"]))
    period = Period.parse(p["period"])
    wh, out = Path(p["warehouse"]), _fresh(Path(p["out"]))
    with _engine(cfg) as eng:
        start = clock()
        by_partner, by_location = summarize(
            eng.read_table(p["accounts"]),
            eng.read_table(wh / "agreements"),
            eng.read_table(wh / "locations"),
            eng.read_table(wh / "partners"),
            cfg,
            period,
        )
        eng.write_table(by_partner.orderBy("partner_id"), out / "summary_partner")
        step("summary_partner")
        eng.write_table(by_location.orderBy("partner_id", "location_id"), out / "summary_location")
        spent = since(start)
    return {
        "rows": rows_of(p["accounts"]),
        **spent,
        "partners": rows_of(out / "summary_partner"),
        "locations": rows_of(out / "summary_location"),
    }


def activity_task(p: dict[str, Any]) -> dict[str, Any]:
    """topic_activity over signals read straight from Parquet; with ``resolve``, domain-only
    signals are first resolved to accounts."""
    from fitintent.signals import resolve_accounts, topic_activity

    cfg = bench_config(p, Path(p["workdir"]))
    period = Period.parse(p["period"])
    out = _fresh(Path(p["out"]))
    with _engine(cfg) as eng:
        start = clock()
        signals = eng.read_table(p["signals"])
        if p.get("resolve"):
            signals = resolve_accounts(signals, eng.read_table(p["accounts"]))
        activity = topic_activity(signals, cfg, period)
        eng.write_table(activity.orderBy("account_id", "topic"), out / "topic_activity")
        spent = since(start)
    return {
        "rows": rows_of(p["signals"]),
        **spent,
        "output_rows": rows_of(out / "topic_activity"),
    }


def pipeline_task(p: dict[str, Any]) -> dict[str, Any]:
    """``fitintent.pipeline.run`` for the period, end to end, snapshot published."""
    from fitintent.pipeline import run

    workdir = _fresh(Path(p["workdir"]))
    cfg = bench_config(p, workdir)
    start = clock()

    def progress(stage: str, detail: str) -> None:
        step(f"{stage} {detail}".strip())

    result = run(cfg, Period.parse(p["period"]), progress=progress)
    spent = since(start)
    snap = result.snapshot
    return {
        "rows": rows_of(snap.path / "accounts"),
        **spent,
        "timings_s": result.timings,
    }


TASKS = {
    "ingest": ingest_task,
    "segment": segment_task,
    "summary": summary_task,
    "activity": activity_task,
    "ingest_signals": ingest_signals_task,
    "pipeline": pipeline_task,
}
