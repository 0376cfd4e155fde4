"""`python -m bench` end to end on a tiny world: every stage timed, pandas equal to the engine."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STAGES = {
    "world build",
    "ingest",
    "segment",
    "summary",
    "ingest + segment + summary",
    "segment + summary",
    "signal aggregation",
    "signal aggregation + resolve",
    "signal aggregation (20,000 subset)",
    "signal aggregation + resolve (20,000 subset)",
    "ingest signals",
    "pipeline.run end to end",
}
PAIRED = {"segment", "summary", *(s for s in STAGES if s.startswith("signal aggregation"))}


@pytest.mark.slow
def test_bench_runs_end_to_end(tmp_path: Path) -> None:
    cmd = [
        sys.executable, "-m", "bench", "--accounts", "2000", "--signals", "50000",
        "--subset-signals", "20000", "--world", str(tmp_path / "world"),
        "--scratch", str(tmp_path / "scratch"), "--results", str(tmp_path / "results"),
        "--memory-limit", "1GB",
        "--stages", "ingest,segment,summary,activity,subset,ingest_signals,pipeline",
    ]  # fmt: skip
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr

    results = json.loads((tmp_path / "results" / "latest.json").read_text())
    rows = {r["label"]: r for r in results["stages"]}
    assert set(rows) == STAGES
    for label, row in rows.items():
        assert row["status"] == "ok", (label, row["error"])
        assert row["seconds"] > 0 and row["peak_rss_gb"] > 0, label
        assert row["rows"] > 0, label
    assert rows["signal aggregation"]["rows"] == 50_000
    assert rows["signal aggregation (20,000 subset)"]["rows"] == 20_000
    assert rows["ingest signals"]["rows"] == 50_000
    for label in PAIRED:
        row = rows[label]
        assert row["pandas"]["status"] == "ok", label
        assert row["pandas"]["seconds"] > 0 and row["ratio"] > 0, label
        assert row["checks"] and all(c["passed"] for c in row["checks"]), (label, row["checks"])
    assert results["world"]["key"]["accounts"] == 2000
    assert results["machine"]["cores"] >= 1

    table = (tmp_path / "results" / "latest.md").read_text()
    header = "| stage | rows | seconds | CPU s | peak RSS GB | target | met | pandas s "
    assert header + "| pandas CPU s | ratio | load |" in table
    assert "| pipeline.run end to end |" in table
    assert list((tmp_path / "results").glob("bench-*.json"))


@pytest.mark.slow
def test_monthly_bench_runs_a_first_and_a_monthly_run(tmp_path: Path) -> None:
    """``python -m bench.monthly`` on a tiny world: the first run trains, the monthly run carries
    the earlier months' signals over, reuses the quarter's models and is timed stage by stage."""
    world = [
        sys.executable, "-m", "bench", "--accounts", "1500", "--signals", "40000",
        "--world", str(tmp_path / "world"), "--scratch", str(tmp_path / "scratch"),
        "--results", str(tmp_path / "results"), "--memory-limit", "1GB", "--stages", "segment",
        "--skip-pandas",
    ]  # fmt: skip
    done = subprocess.run(world, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    cmd = [
        sys.executable, "-m", "bench.monthly", "--world", str(tmp_path / "world"),
        "--scratch", str(tmp_path / "monthly"), "--results", str(tmp_path / "results"),
        "--memory-limit", "1GB",
    ]  # fmt: skip
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    rec = json.loads((tmp_path / "results" / "monthly-latest.json").read_text())
    first, monthly = rec["first"], rec["monthly"]
    assert first["status"] == "ok" and monthly["status"] == "ok", (first, monthly)
    assert {m["status"] for m in first["result"]["models"]} == {"published"}
    assert {m["trained_for"] for m in monthly["result"]["models"]} == {"2026-07"}  # reused
    signals = monthly["result"]["sources"]["signals"]
    assert signals["carried"] == first["result"]["sources"]["signals"]["loaded"] > 0
    assert signals["rows_in"] == signals["loaded"] + signals["quarantined"]
    steps = monthly["result"]["models_steps_s"]
    assert {"scoring", "explain: reasons", "explain: evidence"} <= set(steps)
    table = (tmp_path / "results" / "monthly-latest.md").read_text()
    assert "| monthly run | 2026-08 |" in table and "| scoring |" in table


def test_a_kept_monthly_bench_rewinds_the_carried_signals_to_the_first_run(
    tmp_path: Path,
) -> None:
    """``--keep`` reruns the monthly run on the first run's work: the carried entries of later
    months' files go, so the month's file is checked again, and the carried rows are held to the
    references again (as in a month with a new accounts file)."""
    from bench.monthly import _rewind

    index = tmp_path / "warehouse" / "_carried" / "k1" / "signals" / "index.json"
    index.parent.mkdir(parents=True)

    def entry(name: str, *months: str) -> dict[str, object]:
        files = [{"path": f"/s/signals/{m}.parquet", "size": 1, "mtime_ns": 1} for m in months]
        return {"id": name, "files": files, "rows_in": 1, "loaded": 1, "quarantined": 0}

    body = {
        "references_checked": "abc",
        "entries": [entry("e0", "2026-06", "2026-07"), entry("e1", "2026-08")],
    }
    index.write_text(json.dumps(body))
    _rewind(tmp_path, "2026-07")
    after = json.loads(index.read_text())
    assert [e["id"] for e in after["entries"]] == ["e0"]
    assert after["references_checked"] == ""
