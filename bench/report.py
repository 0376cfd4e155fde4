"""Benchmark results: machine facts, one row per stage, targets; written as JSON and markdown."""

from __future__ import annotations

import json
import os
import platform
from importlib import metadata
from pathlib import Path
from typing import Any

import psutil

MEMORY_TARGET_GB = 8.0
RATIO_TARGET = 10.0


def machine() -> dict[str, Any]:
    def version(name: str) -> str | None:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return None

    return {
        "cores": os.cpu_count(),
        "ram_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "versions": {
            n: version(n) for n in ("fitintent", "duckdb", "sqlframe", "pandas", "pyarrow", "numpy")
        },
        "load_avg_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def judge(row: dict[str, Any]) -> dict[str, Any]:
    """Fill ``met`` (and why not) from the row's time, memory and ratio targets."""
    misses = []
    if row.get("status") not in ("ok", "reused"):
        misses.append(row.get("status", "failed"))
    target_s = row.get("target_s")
    if target_s is not None and (row.get("seconds") is None or row["seconds"] > target_s):
        misses.append("time")
    if row.get("memory_target") and (row.get("peak_rss_gb") or 0) >= MEMORY_TARGET_GB:
        misses.append("memory")
    if row.get("ratio") is not None and row["ratio"] < RATIO_TARGET:
        misses.append("ratio")
    checks = row.get("checks") or []
    if any(not c["passed"] for c in checks):
        misses.append("pandas/engine results differ")
    row["met"] = not misses
    row["missed"] = misses
    return row


def _target_text(row: dict[str, Any]) -> str:
    parts = []
    if row.get("target_s") is not None:
        parts.append(f"≤ {row['target_s']:g} s")
    if row.get("memory_target"):
        parts.append(f"< {MEMORY_TARGET_GB:g} GB")
    if row.get("ratio") is not None or row.get("pandas"):
        parts.append(f"≥ {RATIO_TARGET:g}x pandas")
    return ", ".join(parts) or "(reported)"


def _num(x: Any, fmt: str) -> str:
    return "" if x is None else format(x, fmt)


def _pandas_cell(row: dict[str, Any]) -> str:
    pd_run = row.get("pandas")
    if not pd_run:
        return ""
    if pd_run["status"] == "ok":
        return f"{pd_run['seconds']:.1f}"
    reached = pd_run.get("reached") or "start"
    return f"did not finish ({pd_run['status']} after {pd_run['wall_s']:.0f} s, reached: {reached})"


def markdown(results: dict[str, Any]) -> str:
    m = results["machine"]
    v = m["versions"]
    args = results["args"]
    lines = [
        f"# fitintent benchmark: {args['accounts']:,} accounts, {args['signals']:,} signals",
        "",
        f"Run {results['started']} ({results.get('finished') or 'in progress'}), engine "
        f"{args['engine']} (memory_limit {args['memory_limit']}, {args['threads']} threads), "
        f"period {args['period']}, seed {args['seed']}.",
        "",
        f"Machine: {m['cores']} cores, {m['ram_gb']} GB RAM, {m['platform']}; "
        f"Python {m['python']}, "
        f"duckdb {v['duckdb']}, sqlframe {v['sqlframe']}, pandas {v['pandas']}, "
        f"pyarrow {v['pyarrow']}, numpy {v['numpy']}. Load average at start: "
        f"{', '.join(str(x) for x in m['load_avg_at_start'])} (the machine is shared).",
        "",
        "Seconds are the stage's own work inside its process (reading inputs, computing, writing "
        "Parquet outputs; interpreter start and imports excluded); peak RSS is the whole process's "
        "(DuckDB's native memory included). CPU s is the CPU time of every thread of the stage's "
        "process over the same span: on a shared machine it grows much less with the load than "
        "the seconds do. Ratio = pandas seconds / engine seconds.",
        "",
        "| stage | rows | seconds | CPU s | peak RSS GB | target | met | pandas s | pandas CPU s "
        "| ratio | load |",
        "|---|---:|---:|---:|---:|---|---|---:|---:|---:|---:|",
    ]
    for row in results["stages"]:
        met = "yes" if row.get("met") else "no (" + ", ".join(row.get("missed", [])) + ")"
        ratio = f"{row['ratio']:.1f}x" if row.get("ratio") is not None else ""
        detail = row.get("detail") or {}
        pandas_cpu = ((row.get("pandas") or {}).get("detail") or {}).get("cpu_s")
        lines.append(
            f"| {row['label']} | {_num(row.get('rows'), ',')} | {_num(row.get('seconds'), '.1f')} "
            f"| {_num(detail.get('cpu_s'), '.1f')} | {_num(row.get('peak_rss_gb'), '.2f')} "
            f"| {_target_text(row)} | {met} | {_pandas_cell(row)} | {_num(pandas_cpu, '.1f')} "
            f"| {ratio} | {_num(detail.get('load_1m_at_start'), '.1f')} |"
        )
    checks = [(r["label"], c) for r in results["stages"] for c in r.get("checks") or []]
    if checks:
        lines += [
            "",
            "## pandas = engine",
            "",
            "| stage | table | rows | equal |",
            "|---|---|---:|---|",
        ]
        for label, c in checks:
            equal = "yes" if c["passed"] else "no: " + json.dumps(c["mismatches"])
            lines.append(
                f"| {label} | {c['table']} | {c['totals']['engine']['rows']:,} | {equal} |"
            )
    notes = [r for r in results["stages"] if r.get("note") or _details(r)]
    if notes:
        lines += ["", "## Notes", ""]
        lines += [
            f"- **{r['label']}**: " + "; ".join(filter(None, [r.get("note"), _details(r)]))
            for r in notes
        ]
    lines += ["", "Load is the 1-minute load average when the stage started (2 cores)."]
    return "\n".join(lines) + "\n"


def _details(row: dict[str, Any]) -> str:
    """Where a stage's time went, when it says so (ingest per source, pipeline per stage)."""
    detail = row.get("detail") or {}
    parts = []
    if detail.get("per_source_s"):
        parts.append(
            "seconds per source: "
            + ", ".join(f"{k} {v:.1f}" for k, v in detail["per_source_s"].items())
        )
    if detail.get("timings_s"):
        parts.append(
            "pipeline stages (s): "
            + ", ".join(f"{k} {v:.1f}" for k, v in detail["timings_s"].items())
        )
    if detail.get("per_source_cpu_s"):
        parts.append(
            "CPU seconds per source: "
            + ", ".join(f"{k} {v:.1f}" for k, v in detail["per_source_cpu_s"].items())
        )
    if detail.get("total_s") is not None:
        parts.append(f"whole ingest {detail['total_s']:.1f} s")
    if detail.get("total_cpu_s") is not None:
        parts.append(f"whole ingest CPU {detail['total_cpu_s']:.1f} s")
    return "; ".join(parts)


def write(results: dict[str, Any], folder: Path, stamp: str) -> Path:
    """``bench-<stamp>.json``, ``latest.json`` and ``latest.md`` in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for row in results["stages"]:
        judge(row)
    text = json.dumps(results, indent=2, default=str)
    path = folder / f"bench-{stamp}.json"
    path.write_text(text)
    (folder / "latest.json").write_text(text)
    (folder / "latest.md").write_text(markdown(results))
    return path


def main(argv: list[str]) -> int:
    """``python -m bench.report <bench-*.json> [results folder]``: rewrite ``latest.json`` and
    ``latest.md`` from a saved run."""
    path = Path(argv[0])
    results = json.loads(path.read_text())
    stamp = path.stem.removeprefix("bench-")
    write(results, Path(argv[1]) if len(argv) > 1 else path.parent, stamp)
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv[1:]))
