"""The malformed-input corpus: each bad row is quarantined with the right reason, good rows load,
counts reconcile, on both engines."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from fitintent.config import Config
from fitintent.engine import Engine
from fitintent.ingest import ingest
from tinyworld import CLEAN

# (source, appended row, expected reason); one distinct defect per line
DEFECTS: list[tuple[str, str, str]] = [
    (
        "accounts",
        "X01,100000011,Neg,neg.example,-5,Retail,FR,false,P1,P1-L1,1",
        "employees: -5 is below the minimum 0",
    ),
    (
        "accounts",
        "X02,100000012,Txt,txt.example,lots,Retail,FR,false,P1,P1-L1,1",
        "employees: 'lots' is not a whole number",
    ),
    (
        "accounts",
        "X03,100000013,,noname.example,10,Retail,FR,false,P1,P1-L1,1",
        "account_name: required value is missing",
    ),
    (
        "accounts",
        "X04,100000014,Usa,usa.example,10,Retail,usa,false,P1,P1-L1,1",
        "country: 'usa' has the wrong form",
    ),
    (
        "accounts",
        "X05,100000015,Orphan,orphan.example,10,Retail,FR,false,P404,,1",
        "partner_id: P404 not found in partners",
    ),
    (
        "accounts",
        "X06,100000016,Wrongloc,wrongloc.example,10,Retail,FR,false,P1,P2-L1,1",
        "location_id, partner_id: P2-L1, P1 not found in locations",
    ),
    (
        "accounts",
        "A1,100000017,Acme again,acme2.example,10,Retail,FR,false,P1,P1-L1,1",
        "duplicate key (account_id): already loaded from row 2",
    ),
    (
        "accounts",
        "X08,100000018,Maybe,maybe.example,10,Retail,FR,maybe,P1,P1-L1,1",
        "is_non_profit: 'maybe' is not true or false",
    ),
    (
        "accounts",
        "X09,12345,Shortduns,shortduns.example,10,Retail,FR,false,P1,P1-L1,1",
        "duns: '12345' has the wrong form",
    ),
    (
        "accounts",
        "X10,100000020,Rich,rich.example,10,Retail,FR,false,P1,P1-L1,-7",
        "revenue: -7 is below the minimum 0",
    ),
    ("accounts", "X11,100000021,Short,short.example", "row has 4 fields, the header has 11"),
    (
        "agreements",
        "AGX1,A1,EA,2026-02-30,100,Productivity",
        "end_date: '2026-02-30' is not a date (YYYY-MM-DD)",
    ),
    (
        "agreements",
        "AGX2,A1,EA,03/31/2027,100,Productivity",
        "end_date: '03/31/2027' is not a date (YYYY-MM-DD)",
    ),
    (
        "agreements",
        "AGX3,A1,EA,2027-03-31,-100,Productivity",
        "expiring_revenue: -100 is below the minimum 0",
    ),
    (
        "agreements",
        "AGX4,A1,Retail,2027-03-31,100,Productivity",
        "license_program: 'Retail' is not one of EA, Open, Open Value, CSP, MPSA",
    ),
    ("transactions", "A1,2026-10-01,Teams,Std,1,10", "product: 'Teams' is not one of M365, O365"),
    ("transactions", "A1,2026-10-15,M365,E5,1,10", "month is not the first day of a month"),
    ("transactions", "X01,2026-10-01,M365,E3,1,10", "account_id: X01 not found in accounts"),
    ("transactions", "A2,2026-10-01,M365,E3,1,1e400", "revenue: '1e400' is not a number"),
    (
        "subscriptions",
        "A2,M365,E3,10,2026-07-01,2026-06-30,active",
        "end_date is before start_date",
    ),
    (
        "subscriptions",
        "A3,M365,E3,10,2026-07-01,,paused",
        "status: 'paused' is not one of active, cancelled, expired, suspended",
    ),
    (
        "signals",
        "SX1,A1,,2026-10-03 09:00:00,news,crm,crawler,,Big,1.5",
        "strength: 1.5 is above the maximum 1",
    ),
    (
        "signals",
        "SX2,,,2026-10-03 09:00:00,news,crm,crawler,,Nobody,0.5",
        "neither account_id nor domain is given",
    ),
    (
        "signals",
        "SX3,A1,,yesterday,news,crm,crawler,,When,0.5",
        "signal_time: 'yesterday' is not a timestamp",
    ),
    (
        "opportunities",
        "OX1,A1,M365,2026-05-01,,won,100",
        "a won or lost opportunity needs closed_date",
    ),
    (
        "opportunities",
        "OX2,A1,M365,2026-05-01,2026-06-01,maybe,100",
        "outcome: 'maybe' is not one of won, lost, open",
    ),
    ("locations", "P2-L9,P2,,US", "location_name: required value is missing"),
]


def _appended(defects: list[tuple[str, str, str]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for source, row, _ in defects:
        out[source] = out.get(source, "") + row + "\n"
    return out


def test_every_defect_is_quarantined_with_its_reason(
    world: Callable[..., Config], engine: Engine, tmp_path: Path
) -> None:
    assert len({reason for _, _, reason in DEFECTS}) >= 15
    cfg = world(**_appended(DEFECTS))
    result = ingest(cfg, engine, tmp_path / f"raw-{engine.kind}")
    quarantine = engine.to_arrow(result.quarantine).to_pylist()

    clean_rows = {name: text.count("\n") - 1 for name, text in CLEAN.items()}
    seen: dict[str, int] = {}
    for source, row, reason in DEFECTS:
        seen[source] = seen.get(source, 0) + 1
        row_number = 1 + clean_rows[source] + seen[source]  # header is row 1
        hits = [q for q in quarantine if q["source"] == source and q["_row"] == row_number]
        assert len(hits) == 1, (source, row)
        assert reason in hits[0]["reasons"], (hits[0]["reasons"], reason)
        assert hits[0]["_file"].endswith(f"{source}.csv")

    assert len(quarantine) == len(DEFECTS)
    counts = {c.source: c for c in result.counts}
    for name, clean in clean_rows.items():
        c = counts[name]
        assert c.balanced and c.rows_in == c.loaded + c.quarantined
        assert c.loaded == clean, name  # every good row loads
        assert c.quarantined == seen.get(name, 0), name
    assert counts["accounts"].ignored_columns == []  # revenue is a declared extra column


def test_typed_values_load(world: Callable[..., Config], engine: Engine, tmp_path: Path) -> None:
    result = ingest(world(), engine, tmp_path / f"raw-{engine.kind}")
    accounts = {r["account_id"]: r for r in engine.to_arrow(result.tables["accounts"]).to_pylist()}
    assert accounts["A1"]["employees"] == 320 and accounts["A1"]["revenue"] == 52_000_000.0
    assert [accounts[a]["is_non_profit"] for a in ("A1", "A2", "A3", "A4")] == [
        False,
        False,
        True,
        False,
    ]
    assert accounts["A3"]["revenue"] is None and accounts["A4"]["location_id"] is None
    signals = engine.to_arrow(result.tables["signals"]).to_pylist()
    times = sorted(s["signal_time"].replace(tzinfo=None).isoformat() for s in signals)
    assert times == ["2026-10-03T09:00:00", "2026-10-05T10:00:00"]
    assert engine.to_arrow(result.quarantine).num_rows == 0


def test_a_row_of_a_quarantined_parent_is_quarantined_too(
    world: Callable[..., Config], engine: Engine, tmp_path: Path
) -> None:
    cfg = world(partners="P3,\n", locations="P3-L1,P3,Gamma,DE\n")
    result = ingest(cfg, engine, tmp_path / f"raw-{engine.kind}")
    reasons = {(q["source"], q["reasons"]) for q in engine.to_arrow(result.quarantine).to_pylist()}
    assert ("partners", "partner_name: required value is missing") in reasons
    assert ("locations", "partner_id: P3 not found in partners") in reasons


@pytest.mark.parametrize("fmt", ["tsv", "jsonl", "parquet"])
def test_other_formats_give_the_same_rows(
    world: Callable[..., Config], duck: Engine, tmp_path: Path, fmt: str
) -> None:
    import csv
    import io
    import json

    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = list(csv.DictReader(io.StringIO(CLEAN["accounts"] + "X1,,Bad,,-1,,FR,,P1,,\n")))
    cfg = world(accounts=None)
    target = cfg.paths.source_dir / f"accounts.{fmt}"
    if fmt == "tsv":
        target.write_text(
            "\n".join("\t".join(r) for r in [list(rows[0]), *[list(r.values()) for r in rows]])
            + "\n",
            encoding="utf-8",
        )
    elif fmt == "jsonl":
        target.write_text(
            "".join(json.dumps({k: v or None for k, v in r.items()}) + "\n" for r in rows),
            encoding="utf-8",
        )
    else:
        table = pa.Table.from_pylist([{k: v or None for k, v in r.items()} for r in rows])
        table = table.set_column(
            table.schema.get_field_index("employees"),
            "employees",
            table["employees"].cast(pa.int64()),
        )
        pq.write_table(table, target)
    result = ingest(cfg, duck, tmp_path / "raw")
    counts = {c.source: c for c in result.counts}["accounts"]
    assert (counts.rows_in, counts.loaded, counts.quarantined) == (5, 4, 1)
    bad = duck.to_arrow(result.quarantine).to_pylist()
    assert bad[0]["_row"] == (6 if fmt == "tsv" else 5)
    assert "employees: -1 is below the minimum 0" in bad[0]["reasons"]


def test_typed_parquet_loads_like_text(
    world: Callable[..., Config], engine: Engine, tmp_path: Path
) -> None:
    """Typed Parquet columns skip parsing but meet the same rules, with the same results."""
    from datetime import datetime

    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    csv_cfg = world(
        accounts="X1,100000009,Neg,neg.example,-1,Retail,FR,false,P1,P1-L1,5\n",
        signals="SX,A1,,2026-10-04 08:00:00,news,crm,feed,,Strong,1.5\n",
    )
    from_text = ingest(csv_cfg, engine, tmp_path / "text")

    src = csv_cfg.paths.source_dir
    accounts = pacsv.read_csv(src / "accounts.csv").to_pylist()
    (src / "accounts.csv").unlink()
    table = pa.Table.from_pylist(
        [
            {**a, "duns": str(a["duns"]), "is_non_profit": str(a["is_non_profit"]).lower()}
            for a in accounts
        ]
    )
    table = table.set_column(
        table.schema.get_field_index("revenue"),
        "revenue",
        pa.array([a["revenue"] if a["account_id"] != "A4" else float("nan") for a in accounts]),
    )
    pq.write_table(table, src / "accounts.parquet")
    signals = pa.Table.from_pylist(
        [
            {
                "signal_id": "S1",
                "account_id": "A1",
                "domain": None,
                "signal_time": datetime(2026, 10, 3, 9),
                "signal_type": "job_posting",
                "topic": "cloud_migration",
                "strength": 0.8,
            },
            {
                "signal_id": "SX",
                "account_id": "A1",
                "domain": None,
                "signal_time": datetime(2026, 10, 4, 8),
                "signal_type": "news",
                "topic": "crm",
                "strength": 1.5,
            },
        ],
        schema=pa.schema(
            [
                ("signal_id", pa.string()),
                ("account_id", pa.string()),
                ("domain", pa.string()),
                ("signal_time", pa.timestamp("ms")),
                ("signal_type", pa.string()),
                ("topic", pa.string()),
                ("strength", pa.float32()),
            ]
        ),
    )
    (src / "signals.csv").unlink()
    pq.write_table(signals, src / "signals.parquet")
    from_parquet = ingest(csv_cfg, engine, tmp_path / "parquet")

    reasons = sorted(r["reasons"] for r in engine.to_arrow(from_parquet.quarantine).to_pylist())
    assert reasons[0] == "employees: -1 is below the minimum 0"
    assert reasons[1].startswith("revenue: '") and reasons[1].endswith("' is not a number")
    assert reasons[2] == "strength: 1.5 is above the maximum 1"
    assert len(reasons) == 3
    loaded = engine.to_arrow(from_parquet.tables["accounts"]).sort_by("account_id").to_pylist()
    expected = engine.to_arrow(from_text.tables["accounts"]).sort_by("account_id").to_pylist()
    assert [a["account_id"] for a in loaded] == ["A1", "A2", "A3"]
    assert loaded == [a for a in expected if a["account_id"] != "A4"]
    text_signal = engine.to_arrow(from_text.tables["signals"]).to_pylist()
    typed_signal = engine.to_arrow(from_parquet.tables["signals"]).to_pylist()
    assert [s["signal_time"] for s in typed_signal] == [
        s["signal_time"] for s in text_signal if s["signal_id"] == "S1"
    ]
