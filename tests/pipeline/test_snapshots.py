"""Snapshots are published whole or not at all; bad files stop the run and publish nothing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from fitintent.config import Config, load_config
from fitintent.errors import InputError
from fitintent.period import Period
from fitintent.pipeline import run
from fitintent.publish import SnapshotWriter, list_snapshots, open_snapshot
from tinyworld import CLEAN

PERIOD = Period.parse("2026-10")
TABLES = {
    "accounts",
    "scores",
    "account_product_plays",
    "account_flags",
    "summary_partner",
    "summary_location",
    "quarantine",
    "reconciliation",
    "topic_activity",
}


def _world(root: Path, **changes: str | None) -> Config:
    src = root / "sources"
    src.mkdir(parents=True, exist_ok=True)
    for name, text in CLEAN.items():
        path = src / f"{name}.csv"
        if name in changes and changes[name] is None:
            path.unlink(missing_ok=True)
            continue
        path.write_text(text + (changes.get(name) or ""), encoding="utf-8")
    toml = root / "fitintent.toml"
    toml.write_text(
        '[paths]\nworkdir = "."\nsources = "sources"\n\n'
        '[[extra_firmographics]]\nname = "revenue"\ntype = "double"\nmin = 0\n'
        # small models: these tests are about publishing, not about the models' quality
        "[fit]\nfolds = 2\nmax_trees = 20\n"
        "[intent]\ntraining_months = 3\nvalidation_months = 1\nmax_trees = 20\n",
        encoding="utf-8",
    )
    return load_config(toml)


def _contents(snapshot_path: Path) -> dict[str, list[dict[str, object]]]:
    return {t: pq.read_table(snapshot_path / t).to_pylist() for t in sorted(TABLES)}


def test_a_run_publishes_every_table_and_a_manifest(tmp_path: Path) -> None:
    cfg = _world(tmp_path, accounts="X9,,Bad,,-1,,FR,,P1,,\n")
    result = run(cfg, PERIOD)
    snap = open_snapshot(cfg.paths.snapshots)
    assert snap.period == "2026-10" and snap.path == cfg.paths.snapshots / "2026-10"
    assert {p.name for p in snap.path.iterdir() if p.is_dir()} >= TABLES
    m = json.loads((snap.path / "manifest.json").read_text())
    assert m["engine"] == "duckdb" and m["config_hash"] == cfg.digest()
    assert m["fiscal_year"] == {"label": "FY2027", "start": "2026-07-01", "end": "2027-06-30"}
    assert m["sources"]["accounts"] == {
        "files": [str(cfg.paths.source_dir / "accounts.csv")],
        "rows_in": 5,
        "loaded": 4,
        "quarantined": 1,
        "carried": 0,
        "ignored_columns": [],
    }
    assert set(m["timings_s"]) >= {"ingest", "signals", "segment", "summary"}
    card = m["segmentation"]["potential_model"]
    assert card["training_rows"] == 1 and card["fallback"] is True  # one compute customer
    assert card["window_end"] == "2026-10-31"
    accounts = pq.read_table(snap.path / "accounts").to_pylist()
    assert [a["account_id"] for a in accounts] == ["A1", "A2", "A3", "A4"]
    assert {"smb_type", "smb_type_summary", "segment", "sub_segment"} <= set(accounts[0])
    quarantine = pq.read_table(snap.path / "quarantine").to_pylist()
    assert [(q["source"], q["_row"]) for q in quarantine] == [("accounts", 6)]
    assert result.timings["ingest"] > 0
    assert m["evaluation"]["method"] == "none"  # no earlier snapshot to judge yet


def test_rerunning_a_period_gives_the_same_content(tmp_path: Path) -> None:
    cfg = _world(tmp_path)
    first = run(cfg, PERIOD).snapshot
    first_content = _contents(first.path)
    second = run(cfg, PERIOD).snapshot
    # the second run carried the signals file over instead of checking it again
    assert second.manifest["sources"]["signals"]["carried"] == 2
    assert second.manifest["content_hash"] == first.manifest["content_hash"]
    assert _contents(second.path) == first_content
    assert second.manifest["run_id"] != first.manifest["run_id"]
    store = cfg.paths.snapshots / ".store"
    assert len(list(store.iterdir())) == 1  # the replaced snapshot's files are gone


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"accounts": None}, "no file for the required source 'accounts'"),
        (
            {
                "files": {
                    "accounts.csv": b"account_id,account_name,country,partner_id\nA1,x,FR,P1\n"
                }
            },
            "column 'employees': required column is missing",
        ),
        (
            {
                "files": {
                    "accounts.csv": CLEAN["accounts"].replace("Acme", "Acm\xe9").encode("latin-1")
                }
            },
            "is not UTF-8 text",
        ),
        ({"files": {"agreements.csv": b""}}, "the file is empty or has no header row"),
        (
            {"files": {"partners.csv": b"partner_id,partner_name,Partner_ID\nP1,a,P1\n"}},
            "column 'partner_id': column name appears twice",
        ),
        (
            {"files": {"transactions.parquet": b"PAR1 this is not parquet"}},
            "is not a readable Parquet file",
        ),
        (
            {
                "files": {
                    "signals.jsonl": b'{"signal_id": "S1", "signal_time": "2026-10-01", '
                    b'"signal_type": "news", "domain": "caf\xe9.example"}\n'
                }
            },
            "is not UTF-8 text",
        ),
    ],
    ids=[
        "missing-source",
        "missing-column",
        "latin-1",
        "empty",
        "twice",
        "bad-parquet",
        "jsonl-encoding",
    ],
)
def test_a_bad_file_stops_the_run_and_keeps_the_last_snapshot(
    tmp_path: Path, change: dict[str, object], expected: str
) -> None:
    cfg = _world(tmp_path)
    good = run(cfg, PERIOD).snapshot
    before = _contents(good.path)
    files = change.get("files")
    if files:
        _world(tmp_path)
        for name, data in files.items():  # type: ignore[attr-defined]
            (cfg.paths.source_dir / name).write_bytes(data)
    else:
        _world(tmp_path, **change)  # type: ignore[arg-type]
    with pytest.raises(InputError) as info:
        run(cfg, PERIOD)
    assert expected in str(info.value)
    assert str(cfg.paths.source_dir) in str(info.value)  # the error names the file
    after = open_snapshot(cfg.paths.snapshots, "2026-10")
    assert after.manifest["content_hash"] == good.manifest["content_hash"]
    assert _contents(after.path) == before


def test_the_cli_prints_a_plain_error_and_exits_non_zero(tmp_path: Path) -> None:
    cfg = _world(tmp_path)
    (cfg.paths.source_dir / "accounts.csv").write_text("account_id,account_name\nA1,x\n")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "fitintent",
            "run",
            "--config",
            str(tmp_path / "fitintent.toml"),
            "--period",
            "2026-10",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == InputError.exit_code
    assert "Traceback" not in proc.stderr
    assert "accounts.csv" in proc.stderr and "employees" in proc.stderr
    assert list_snapshots(cfg.paths.snapshots) == []


_KILL_SCRIPT = """
import sys, time
from pathlib import Path
from fitintent.config import load_config
from fitintent.period import Period
from fitintent import pipeline

cfg = load_config(sys.argv[1])
stage = sys.argv[2]
if stage == "publish-rename":
    import os
    real = os.replace
    def slow(src, dst):
        if str(src).endswith(".partial"):
            print("READY", flush=True); time.sleep(60)
        return real(src, dst)
    os.replace = slow
else:
    real_stage = pipeline._Clock.stage
    def stage_then_wait(self, name):
        if name == stage:
            print("READY", flush=True); time.sleep(60)
        return real_stage(self, name)
    pipeline._Clock.stage = stage_then_wait
pipeline.run(cfg, Period.parse("2026-10"))
"""


@pytest.mark.parametrize("stage", ["ingest", "segment", "publish", "publish-rename"])
def test_a_run_killed_at_any_point_leaves_the_last_snapshot_intact(
    tmp_path: Path, stage: str
) -> None:
    cfg = _world(tmp_path)
    good = run(cfg, PERIOD).snapshot
    before = _contents(good.path)
    _world(tmp_path, accounts="A9,100000009,Zed,zed.example,77,Retail,FR,false,P1,P1-L1,5\n")
    proc = subprocess.Popen(
        [sys.executable, "-c", _KILL_SCRIPT, str(tmp_path / "fitintent.toml"), stage],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    deadline = time.time() + 240
    line = ""
    while time.time() < deadline and "READY" not in line:
        line = proc.stdout.readline()
        if not line and proc.poll() is not None:
            break
    assert "READY" in line, "the run never reached the stage"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    proc.stdout.close()
    # the published snapshot is still whole and readable
    after = open_snapshot(cfg.paths.snapshots, "2026-10")
    assert after.manifest["content_hash"] == good.manifest["content_hash"]
    assert _contents(after.path) == before
    # and the next run completes, sweeping what the killed one left
    fresh = run(cfg, PERIOD).snapshot
    assert len(pq.read_table(fresh.path / "accounts")) == 5
    leftovers = [p.name for p in (cfg.paths.snapshots / ".store").iterdir()]
    assert leftovers == [fresh.path.resolve().name]


def test_a_writer_that_is_abandoned_publishes_nothing(tmp_path: Path) -> None:
    w = SnapshotWriter(tmp_path / "snapshots", "2026-09")
    (w.table_path("accounts")).mkdir()
    w.abandon()
    assert list_snapshots(tmp_path / "snapshots") == []
