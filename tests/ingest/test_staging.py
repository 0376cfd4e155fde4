"""Staging: text is trimmed with blanks as null whatever the format, dictionary-encoded Parquet
text stays encoded, and rows keep their spreadsheet numbers around rejected ones."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from fitintent.config import Config
from fitintent.contracts import contracts
from fitintent.engine import Engine
from fitintent.ingest import find_files, ingest, stage
from fitintent.ingest._read import _row_numbers


def test_row_numbers_step_over_rejected_rows() -> None:
    numbers, following = _row_numbers(4, 2, {3, 5, 9})
    assert numbers.to_pylist() == [2, 4, 6, 7] and following == 8
    numbers, following = _row_numbers(2, 8, {3, 5, 9})
    assert numbers.to_pylist() == [8, 10] and following == 11
    assert _row_numbers(0, 4, set())[0].to_pylist() == []


def test_dictionary_text_is_staged_encoded_and_checked_like_text(
    world: Callable[..., Config], engine: Engine, tmp_path: Path
) -> None:
    cfg = world(partners=None)
    partners = pa.table(
        {
            "partner_id": pa.array(["P1", " P2 ", "P3", "P4"]).dictionary_encode(),
            "partner_name": pa.array(["Alpha IT", "Beta Systems", "  ", None]).dictionary_encode(),
        }
    )
    pq.write_table(partners, cfg.paths.source_dir / "partners.parquet")
    contract = next(c for c in contracts(cfg) if c.name == "partners")
    files = find_files("partners", cfg.paths.source_dir, None)
    staged = stage(contract, files, tmp_path / f"staged-{engine.kind}")
    schema = pq.read_schema(staged.rows_dir / "part-00000.parquet")
    assert pa.types.is_dictionary(schema.field("partner_id").type)
    assert pq.read_table(staged.rows_dir).column("partner_name").to_pylist() == [
        "Alpha IT",
        "Beta Systems",
        None,
        None,
    ]

    result = ingest(cfg, engine, tmp_path / f"raw-{engine.kind}")
    loaded = engine.to_arrow(result.tables["partners"]).sort_by("partner_id").to_pylist()
    assert loaded == [
        {"partner_id": "P1", "partner_name": "Alpha IT"},
        {"partner_id": "P2", "partner_name": "Beta Systems"},
    ]
    bad = sorted(
        (q["_row"], q["reasons"])
        for q in engine.to_arrow(result.quarantine).to_pylist()
        if q["source"] == "partners"
    )
    assert bad == [
        (3, "partner_name: required value is missing"),
        (4, "partner_name: required value is missing"),
    ]
