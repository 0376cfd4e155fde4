"""Signals grow by delivery: a file checked by an earlier run is carried over, not checked again;
only new files go through the contract, their keys held against the rows carried; carried rows
meet this run's references; a changed file makes the source load afresh. Counts reconcile over
every file, carried or new, and the loaded rows are those a fresh ingest would load."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from fitintent.config import Config
from fitintent.engine import Engine
from fitintent.ingest import ingest
from ingest.conftest import Writer
from tinyworld import CLEAN

HEADER = CLEAN["signals"].splitlines()[0]
LATER = (
    f"{HEADER}\n"
    "S3,A2,,2026-10-08 09:00:00,blog_post,crm,rss,,Bolt on CRM,0.6\n"
    "S1,A3,,2026-10-09 09:00:00,news,crm,feed,,Repeats S1,0.5\n"  # key already loaded
    "S4,A3,,2026-10-09,forum_post,erp,forum,,Crux asks,lots\n"  # strength is not a number
)


def _signals(cfg: Config, engine: Engine, out: Path) -> tuple[object, dict[str, str]]:
    data = ingest(cfg, engine, out)
    (count,) = [c for c in data.counts if c.source == "signals"]
    assert count.balanced
    rows = engine.to_arrow(data.tables["signals"]).to_pylist()
    bad = engine.to_arrow(data.quarantine.where("source = 'signals'")).to_pylist()
    return count, {r["signal_id"]: r["account_id"] for r in rows} | {
        f"quarantined {Path(b['_file']).name}:{b['_row']}": b["reasons"] for b in bad
    }


def _staged_rows(out: Path) -> int:
    import pyarrow.parquet as pq

    rows = out / "_staged" / "signals" / "rows"
    return sum(pq.ParquetFile(f).metadata.num_rows for f in rows.glob("*.parquet"))


def test_new_files_are_checked_and_earlier_ones_carried(
    world: Writer, engine: Engine, tmp_path: Path
) -> None:
    cfg = world()
    first, got = _signals(cfg, engine, tmp_path / "wh" / "run1")
    assert (first.rows_in, first.loaded, first.quarantined, first.carried) == (2, 2, 0, 0)
    assert got == {"S1": "A1", "S2": None}

    (cfg.paths.source_dir / "signals_2026-10b.csv").write_text(LATER, encoding="utf-8")
    cfg = cfg.model_copy(
        update={
            "sources": cfg.sources.model_copy(
                update={"files": {**cfg.sources.files, "signals": "signals*.csv"}}
            )
        }
    )
    second, got = _signals(cfg, engine, tmp_path / "wh" / "run2")
    assert (second.rows_in, second.loaded, second.quarantined, second.carried) == (5, 3, 2, 2)
    assert _staged_rows(tmp_path / "wh" / "run2") == 3  # only the new file was staged
    assert {k: v for k, v in got.items() if not k.startswith("quarantined")} == {
        "S1": "A1",
        "S2": None,
        "S3": "A2",
    }
    assert "already loaded from" in got["quarantined signals_2026-10b.csv:3"]
    assert str(cfg.paths.source_dir / "signals.csv") in got["quarantined signals_2026-10b.csv:3"]
    assert "strength" in got["quarantined signals_2026-10b.csv:4"]

    # the same files again: everything carried, nothing staged, the same rows
    third, again = _signals(cfg, engine, tmp_path / "wh" / "run3")
    assert (third.rows_in, third.loaded, third.quarantined, third.carried) == (5, 3, 2, 5)
    assert again == got and _staged_rows(tmp_path / "wh" / "run3") == 0

    # a fresh ingest of the same files, in another work folder, loads the same rows
    fresh = cfg.model_copy(
        update={"paths": cfg.paths.model_copy(update={"workdir": tmp_path / "fresh"})}
    )
    count, rows = _signals(fresh, engine, tmp_path / "fresh" / "warehouse" / "run")
    assert (count.rows_in, count.loaded, count.quarantined, count.carried) == (5, 3, 2, 0)
    assert rows == got


def test_carried_rows_meet_this_runs_references(
    world: Writer, duck: Engine, tmp_path: Path
) -> None:
    engine = duck
    cfg = world()
    _signals(cfg, engine, tmp_path / "wh" / "run1")
    accounts = cfg.paths.source_dir / "accounts.csv"
    accounts.write_text(
        "\n".join(line for line in accounts.read_text().splitlines() if not line.startswith("A1,"))
        + "\n"
    )
    count, got = _signals(cfg, engine, tmp_path / "wh" / "run2")
    # S1 named A1, which the accounts no longer hold: quarantined now, as a fresh ingest would
    assert (count.rows_in, count.loaded, count.quarantined, count.carried) == (2, 1, 1, 2)
    assert got["quarantined signals.csv:2"] == "account_id: A1 not found in accounts"
    assert "S1" not in got and "S2" in got


def test_a_changed_file_loads_afresh(world: Writer, duck: Engine, tmp_path: Path) -> None:
    engine = duck
    cfg = world()
    _signals(cfg, engine, tmp_path / "wh" / "run1")
    path = cfg.paths.source_dir / "signals.csv"
    path.write_text(CLEAN["signals"] + LATER.split("\n", 1)[1], encoding="utf-8")
    os.utime(path, ns=(1, 1))
    count, got = _signals(cfg, engine, tmp_path / "wh" / "run2")
    assert (count.rows_in, count.carried) == (5, 0) and count.balanced
    assert got["quarantined signals.csv:5"].endswith("already loaded from row 2")
    # the earlier generation stays readable for one more run, then goes
    carried = next((tmp_path / "wh" / "_carried").iterdir()) / "signals"
    assert len([d for d in carried.iterdir() if d.is_dir()]) == 2
    _signals(cfg, engine, tmp_path / "wh" / "run3")
    assert len([d for d in carried.iterdir() if d.is_dir()]) == 1
    shutil.rmtree(tmp_path / "wh")
