"""The benchmark world: built once with ``stream_world`` and reused while its size and seed match.

``<world>/bench-world.json`` records what was built (accounts, signals, seed, period, months) and
how long it took; a world whose record matches the request is reused as it is. A signal subset
(the first ``n`` signals, whole row groups in file order) is cut once into
``<world>/subsets/signals-<n>/`` so that both implementations read the same rows.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

RECORD = "bench-world.json"


def world_key(accounts: int, signals: int, seed: int, period: str, months: int) -> dict[str, Any]:
    return {
        "accounts": accounts,
        "signals": signals,
        "seed": seed,
        "period": period,
        "months": months,
    }


def existing_world(folder: Path, key: dict[str, Any]) -> dict[str, Any] | None:
    """The build record of the world in ``folder`` if it was built with ``key``, else None."""
    record = folder / RECORD
    if not record.is_file():
        return None
    built = json.loads(record.read_text())
    return built if built.get("key") == key else None


def build_task(params: dict[str, Any]) -> dict[str, Any]:
    """Child task: (re)build the world in ``params["folder"]`` and record it."""
    from bench.child import step
    from fitintent.demo import stream_world

    folder = Path(params["folder"])
    if folder.exists():
        shutil.rmtree(folder)
    key = params["key"]
    step("stream_world")
    info = stream_world(
        folder,
        accounts=key["accounts"],
        signals=key["signals"],
        seed=key["seed"],
        period=key["period"],
        months=key["months"],
    )
    size = sum(f.stat().st_size for f in (folder / "sources").rglob("*.parquet"))
    return {
        "rows": sum(info.counts.values()),
        "seconds": round(info.seconds, 3),
        "counts": info.counts,
        "config": str(info.config),
        "sources_bytes": size,
    }


def subset_task(params: dict[str, Any]) -> dict[str, Any]:
    """Child task: copy the first ``params["rows"]`` signals into ``params["out"]``."""
    source, out, wanted = Path(params["source"]), Path(params["out"]), int(params["rows"])
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    taken = 0
    for i, part in enumerate(sorted(source.glob("*.parquet"))):
        if taken >= wanted:
            break
        pf = pq.ParquetFile(part)
        with pq.ParquetWriter(
            out / f"part-{i:05d}.parquet", pf.schema_arrow, compression="zstd"
        ) as w:
            for g in range(pf.metadata.num_row_groups):
                if taken >= wanted:
                    break
                table = pf.read_row_group(g)
                table = table.slice(0, min(table.num_rows, wanted - taken))
                w.write_table(table)
                taken += table.num_rows
    return {"rows": taken, "seconds": 0.0}


def subset_folder(world: Path, rows: int) -> Path:
    return world / "subsets" / f"signals-{rows}"


def subset_ready(world: Path, rows: int) -> bool:
    folder = subset_folder(world, rows)
    files = sorted(folder.glob("*.parquet"))
    return bool(files) and sum(pq.ParquetFile(f).metadata.num_rows for f in files) == rows


def write_record(folder: Path, key: dict[str, Any], build: dict[str, Any]) -> dict[str, Any]:
    """Mark the world in ``folder`` as built with ``key``; ``build`` is the build task's outcome."""
    record = {"key": key, "build": build}
    (folder / RECORD).write_text(json.dumps(record, indent=2, default=str))
    return record
