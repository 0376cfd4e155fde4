"""Row-wise Python work through the Arrow batch adapter: on DuckDB a large input is spread over
worker processes and comes back in input order, the same rows as one process gives; on Spark it
runs through mapInArrow with the same result."""

from __future__ import annotations

import json

import pyarrow as pa
import pytest

from fitintent.engine import Engine, _batches, map_batches
from fitintent.models import EVIDENCE_SCHEMA, EvidenceWriter

ROWS = 5_000


def _input() -> pa.Table:
    n = ROWS
    return pa.table(
        {
            "account_id": [f"A{i:05d}" for i in range(n)],
            "product": ["M365" if i % 3 else "Azure" for i in range(n)],
            "ev1_time": ["2026-10-01"] * n,
            "ev1_type": ["job_posting" if i % 7 else None for i in range(n)],
            "ev1_source": ["crawler"] * n,
            "ev1_text": [f'Hiring "cloud" engineer #{i} <b>' for i in range(n)],
            "ev1_url": [f"https://a{i}.example/careers" for i in range(n)],
        }
    )


def test_worker_processes_give_the_rows_of_one_in_order(duck: Engine, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    pooled: list[int] = []
    real = _batches._pooled

    def counted(fn, batches, workers, schema, out):  # type: ignore[no-untyped-def]
        pooled.append(workers)
        return real(fn, batches, workers, schema, out)

    monkeypatch.setattr(_batches, "_pooled", counted)
    df = duck.from_arrow(_input(), "evidence-rows")
    earlier = set(duck.scratch.glob("batches-*"))
    one = duck.to_arrow(map_batches(df, EvidenceWriter(1), EVIDENCE_SCHEMA, 500, workers=1))
    assert pooled == []
    two = duck.to_arrow(map_batches(df, EvidenceWriter(1), EVIDENCE_SCHEMA, 500, workers=2))
    assert pooled == [2]  # ten batches: spread over two processes, a part each
    mine = set(duck.scratch.glob("batches-*")) - earlier
    assert sorted(len(list(d.glob("part-*.parquet"))) for d in mine) == [1, 10]
    assert not any((d / "_in").exists() for d in mine)  # the handed batches are gone
    assert one.num_rows == ROWS and two.to_pylist() == one.to_pylist()  # same rows, same order
    rows = one.to_pylist()
    assert [r["account_id"] for r in rows[:3]] == ["A00000", "A00001", "A00002"]
    assert rows[0]["intent_evidence"] is None  # no evidence type: no evidence
    (item,) = json.loads(rows[1]["intent_evidence"])
    assert item["text"] == 'Hiring "cloud" engineer #1 <b>' and item["type"] == "job posting"


@pytest.mark.spark
def test_spark_maps_the_same_rows(duck: Engine, spark_engine: Engine, use_engine) -> None:  # type: ignore[no-untyped-def]
    df = duck.from_arrow(_input(), "evidence-rows")
    want = duck.to_arrow(map_batches(df, EvidenceWriter(1), EVIDENCE_SCHEMA, 500, workers=2))
    with use_engine(spark_engine):
        sdf = spark_engine.from_arrow(_input(), "evidence-rows")
        got = spark_engine.to_arrow(map_batches(sdf, EvidenceWriter(1), EVIDENCE_SCHEMA))
    key = ["account_id", "product"]
    assert (
        got.sort_by([(k, "ascending") for k in key]).to_pylist()
        == want.sort_by([(k, "ascending") for k in key]).to_pylist()
    )


SCRIPT = """
import sys
import warnings
from pathlib import Path

from fitintent.config import EngineSettings
from fitintent.engine import map_batches, open_engine
from fitintent.models import EVIDENCE_SCHEMA, EvidenceWriter
import pyarrow as pa

warnings.simplefilter("always")
work = Path(sys.argv[1])
with open_engine(EngineSettings(kind="duckdb", threads=2), work) as eng:
    n = 5000
    table = pa.table({"account_id": [f"A{i}" for i in range(n)], "product": ["M365"] * n})
    out = eng.to_arrow(map_batches(eng.from_arrow(table, "rows"), EvidenceWriter(1),
                                   EVIDENCE_SCHEMA, 500, workers=2))
    print("rows", out.num_rows, out.column("account_id")[4999])
"""


def test_a_script_without_a_main_guard_still_runs_its_batches(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Every started process runs an unguarded script again, so the workers die as they start:
    the batches then go through the function in the calling process, with a warning."""
    import subprocess
    import sys

    script = tmp_path / "unguarded.py"
    script.write_text(SCRIPT)
    done = subprocess.run(
        [sys.executable, str(script), str(tmp_path / "work")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "rows 5000 A4999" in done.stdout
    assert "worker processes could not start" in done.stderr
