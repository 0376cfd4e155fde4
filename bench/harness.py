"""The benchmark run: world, engine stages, pandas baseline, equality checks and results.

Every stage runs in a process of its own (see :mod:`bench.runner`) and writes its outputs under
``<scratch>/run``; the results are saved after every stage, so an interrupted run still leaves
its figures in ``<results>/latest.md``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import report
from bench.checks import compare_stage
from bench.runner import Outcome, run_task
from bench.settings import Settings, exclusive
from bench.world import existing_world, subset_folder, subset_ready, world_key, write_record


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class _Bench:
    def __init__(self, s: Settings, log: Callable[[str], None]) -> None:
        self.s, self.log = s, log
        self.stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        self.dir = s.scratch / "run"
        args = {k: str(v) if isinstance(v, Path) else v for k, v in asdict(s).items()}
        self.results: dict[str, Any] = {
            "started": _now(),
            "finished": None,
            "args": args,
            "machine": report.machine(),
            "world": {},
            "stages": [],
        }
        self.common: dict[str, Any] = {
            "config": str(s.world / "fitintent.toml"),
            "period": s.period,
            "engine": s.engine,
            "memory_limit": s.memory_limit,
            "threads": s.threads,
        }
        self.path: Path | None = None

    def save(self) -> Path:
        self.path = report.write(self.results, self.s.results, self.stamp)
        return self.path

    def task(
        self,
        task: str,
        label: str,
        params: dict[str, Any],
        *,
        pandas: bool = False,
        stage: str = "",
    ) -> Outcome:
        load = round(os.getloadavg()[0], 2)
        self.log(f"[{_now()}] {label} ({task}) ... load {load}")
        o = run_task(
            task,
            {**self.common, **params, "profile": stage in self.s.profile},
            scratch=self.s.scratch,
            label=label.replace(" ", "_").replace("/", "-"),
            timeout_s=self.s.pandas_timeout if pandas else None,
            rss_cap_gb=self.s.pandas_rss_gb if pandas else self.s.stage_rss_gb,
        )
        seconds = o.result.get("seconds")
        self.log(
            f"    {o.status}: {seconds} s work, {o.wall_s} s wall, {o.peak_rss_gb} GB peak"
            + (f" ({o.error})" if o.error else "")
        )
        o.result["load_1m_at_start"] = load
        return o

    def row(
        self,
        label: str,
        o: Outcome,
        *,
        target_s: float | None = None,
        memory_target: bool = True,
        note: str | None = None,
    ) -> dict[str, Any]:
        detail = {k: v for k, v in o.result.items() if k not in ("rows", "seconds")}
        row = {
            "label": label,
            "status": o.status,
            "rows": o.result.get("rows"),
            "seconds": o.result.get("seconds"),
            "wall_s": o.wall_s,
            "peak_rss_gb": o.peak_rss_gb,
            "target_s": target_s,
            "memory_target": memory_target,
            "error": o.error,
            "detail": detail,
            "pandas": None,
            "ratio": None,
            "checks": [],
            "note": note,
        }
        self.results["stages"].append(row)
        self.save()
        return row

    def pandas(self, row: dict[str, Any], o: Outcome) -> None:
        row["pandas"] = {
            "status": o.status,
            "seconds": o.result.get("seconds"),
            "wall_s": o.wall_s,
            "peak_rss_gb": o.peak_rss_gb,
            "error": o.error,
            "reached": o.steps[-1]["step"] if o.steps else None,
            "steps": o.steps,
            "detail": {k: v for k, v in o.result.items() if k not in ("rows", "seconds")},
        }
        if o.ok and row["status"] == "ok" and row["seconds"]:
            row["ratio"] = round(o.result["seconds"] / row["seconds"], 2)
        self.save()

    def check(self, row: dict[str, Any], stage: str, engine_out: Path, pandas_out: Path) -> None:
        row["checks"] = compare_stage(stage, engine_out, pandas_out)
        for c in row["checks"]:
            self.log(f"    check {c['table']}: {'equal' if c['passed'] else c['mismatches']}")
        self.save()


def _world(b: _Bench) -> None:
    s = b.s
    key = world_key(s.accounts, s.signals, s.seed, s.period, s.months)
    record = None if s.rebuild else existing_world(s.world, key)
    reused = record is not None
    if record is None:
        o = b.task("world", "world build", {"folder": str(s.world), "key": key})
        if not o.ok:
            b.row("world build", o, memory_target=False)
            raise SystemExit(f"the world could not be built: {o.error}")
        record = write_record(s.world, key, o.as_dict())
    build = record["build"]
    b.results["world"] = {"folder": str(s.world), "reused": reused, **record}
    o = Outcome(
        "world build",
        "reused" if reused else "ok",
        build["wall_s"],
        build["peak_rss_gb"],
        result=dict(build["result"]),
    )
    b.row(
        "world build",
        o,
        memory_target=False,
        note="reused: figures from the build that made it" if reused else None,
    )


def _paired(
    b: _Bench,
    stage: str,
    label: str,
    params: dict[str, Any],
    *,
    target_s: float | None = None,
    pandas_params: dict[str, Any] | None = None,
    note: str | None = None,
) -> dict[str, Any]:
    """An engine stage, then (unless skipped) its pandas twin and the equality check."""
    engine_out, pandas_out = b.dir / "engine" / label, b.dir / "pandas" / label
    work = b.dir / "work" / label
    o = b.task(stage, label, {**params, "out": engine_out, "workdir": work}, stage=stage)
    row = b.row(label, o, target_s=target_s, note=note)
    if b.s.pandas:
        po = b.task(
            f"pandas_{stage}",
            f"pandas {label}",
            {**params, **(pandas_params or {}), "out": pandas_out},
            pandas=True,
            stage=stage,
        )
        b.pandas(row, po)
        if o.ok and po.ok:
            b.check(row, stage, engine_out, pandas_out)
    return row


def _combined(b: _Bench, label: str, rows: list[dict[str, Any]], target_s: float | None) -> None:
    if not rows or any(r["status"] != "ok" for r in rows):
        return
    seconds = round(sum(r["seconds"] for r in rows), 3)
    row = {
        "label": label,
        "status": "ok",
        "rows": max(r["rows"] or 0 for r in rows),
        "seconds": seconds,
        "wall_s": round(sum(r["wall_s"] for r in rows), 3),
        "peak_rss_gb": max(r["peak_rss_gb"] for r in rows),
        "target_s": target_s,
        "memory_target": True,
        "detail": {"parts": [r["label"] for r in rows], **_cpu(rows)},
        "pandas": None,
        "ratio": None,
        "checks": [],
        "note": "sum of the stages above, each in its own process",
    }
    pandas = [r["pandas"] for r in rows if r.get("pandas")]
    if pandas and len(pandas) == len(rows) and all(p["status"] == "ok" for p in pandas):
        total = round(sum(p["seconds"] for p in pandas), 3)
        row["pandas"] = {
            "status": "ok",
            "seconds": total,
            "wall_s": None,
            "peak_rss_gb": max(p["peak_rss_gb"] for p in pandas),
            "detail": _cpu(pandas),
        }
        row["ratio"] = round(total / seconds, 2)
    b.results["stages"].append(row)
    b.save()


def _cpu(parts: list[dict[str, Any]]) -> dict[str, float]:
    """The parts' CPU seconds added up, when every part has them."""
    cpu = [(p.get("detail") or {}).get("cpu_s") for p in parts]
    return {"cpu_s": round(sum(cpu), 3)} if all(c is not None for c in cpu) else {}


def _activity(b: _Bench, signals: Path, suffix: str, target_s: float | None) -> None:
    accounts = b.s.world / "sources" / "accounts"
    for resolve, name in ((False, "signal aggregation"), (True, "signal aggregation + resolve")):
        _paired(
            b,
            "activity",
            f"{name}{suffix}",
            {"signals": str(signals), "accounts": str(accounts), "resolve": resolve},
            target_s=target_s,
            note=None if resolve else "signals with an account_id only (domain-only skipped)",
        )


def run(s: Settings, log: Callable[[str], None] = print) -> Path:
    with exclusive(s.scratch):
        return _run(s, log)


def _run(s: Settings, log: Callable[[str], None]) -> Path:
    b = _Bench(s, log)
    b.save()
    _world(b)
    wh = b.dir / "warehouse" / s.period
    core: list[dict[str, Any]] = []
    if "ingest" in s.stages:
        o = b.task(
            "ingest",
            "ingest",
            {"warehouse": wh, "workdir": b.dir / "work" / "ingest"},
            stage="ingest",
        )
        core.append(
            b.row(
                "ingest",
                o,
                note="partners, locations, accounts, install base, "
                "subscriptions, transactions, agreements, opportunities",
            )
        )
    if "segment" in s.stages:
        core.append(_paired(b, "segment", "segment", {"warehouse": wh}))
    if "summary" in s.stages:
        accounts = b.dir / "engine" / "segment" / "accounts"
        core.append(_paired(b, "summary", "summary", {"warehouse": wh, "accounts": accounts}))
    if len(core) == 3:
        _combined(b, "ingest + segment + summary", core, 60.0)
        _combined(b, "segment + summary", core[1:], None)
    signals = s.world / "sources" / "signals"
    if "activity" in s.stages:
        _activity(b, signals, "", 15.0)
    n = s.subset_signals
    if "subset" in s.stages and s.pandas and 0 < n < s.signals:
        if not subset_ready(s.world, n):
            o = b.task(
                "subset",
                "signal subset",
                {"source": signals, "out": subset_folder(s.world, n), "rows": n},
            )
            if not o.ok:
                raise SystemExit(f"the signal subset could not be cut: {o.error}")
        _activity(b, subset_folder(s.world, n), f" ({n:,} subset)", None)
    if "ingest_signals" in s.stages:
        o = b.task(
            "ingest_signals",
            "ingest signals",
            {"out": b.dir / "warehouse-signals", "workdir": b.dir / "work" / "signals"},
            stage="ingest_signals",
        )
        b.row(
            "ingest signals",
            o,
            note="the signals source alone; partners, locations and "
            "accounts were loaded first in the same process for the references",
        )
    if "pipeline" in s.stages:
        o = b.task(
            "pipeline",
            "pipeline.run end to end",
            {"workdir": b.dir / "work" / "pipeline"},
            stage="pipeline",
        )
        b.row(
            "pipeline.run end to end",
            o,
            note="ingest of all nine sources, signals, segment, summary and publish, one process",
        )
    b.results["finished"] = _now()
    b.results["machine"]["load_avg_at_end"] = [round(x, 2) for x in os.getloadavg()]
    return b.save()
