"""The streamed world: Parquet parts, an exact signal count, every contract rule."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from demo_rules import world_errors

from fitintent.config import load_config
from fitintent.demo import SOURCES, stream_world
from fitintent.demo import _world as world_module

ACCOUNTS = 20_000
SIGNALS = 2_000_000


def test_stream_world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(world_module, "CHUNK_ACCOUNTS", 8_000)  # three chunks
    info = stream_world(tmp_path / "bench", accounts=ACCOUNTS, signals=SIGNALS, seed=3)
    assert info.layout == "parts"
    assert info.counts["signals"] == SIGNALS
    assert info.counts["accounts"] == ACCOUNTS
    for source in SOURCES:
        parts = sorted((info.sources / source).glob("part-*.parquet"))
        expected = 1 if source in ("partners", "locations") else 3
        assert [p.name for p in parts] == [f"part-{i:05d}.parquet" for i in range(expected)]
        assert sum(pq.ParquetFile(p).metadata.num_rows for p in parts) == info.counts[source]
    meta = pq.ParquetFile(info.sources / "signals" / "part-00001.parquet").metadata
    assert meta.row_group(0).column(0).compression == "ZSTD"

    errors, frames = world_errors(info.root)
    assert errors == []
    per_account = (
        frames["signals"]["account_id"]
        .fillna(
            frames["signals"]["domain"].map(frames["accounts"].set_index("domain")["account_id"])
        )
        .value_counts()
    )
    employees = frames["accounts"].set_index("account_id")["employees"].astype(int)
    together = pd.concat([per_account, employees], axis=1, join="inner")
    assert together.corr(method="spearman").iloc[0, 1] > 0.3  # busier firms, more signals

    cfg = load_config(info.config)
    assert cfg.sources.files["signals"] == "signals/*.parquet"
    truth = pq.read_table(info.truth / "propensity").to_pandas()
    assert len(truth) == ACCOUNTS * 8 and truth["month"].nunique() == 1
    assert str(truth["month"].iloc[0]) == "2026-10-01"
