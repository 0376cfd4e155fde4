"""Movement against the previous snapshot: first run, changes, entering and leaving Act Now."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa

from fitintent.config import Config
from fitintent.engine import DataFrame, Engine
from fitintent.publish import SnapshotWriter
from fitintent.score import MOVEMENT_COLUMNS, movement, place, previous_scores, previous_snapshot

SCHEMA = pa.schema(
    [
        ("account_id", pa.string()),
        ("product", pa.string()),
        ("fit", pa.float64()),
        ("intent", pa.float64()),
    ]
)
NOW = [
    ("a", "M365", 60.0, 80.0),  # Act Now before, Evaluate now: left
    ("b", "M365", 80.0, 80.0),  # Evaluate before, Act Now now: entered
    ("c", "M365", 90.0, 90.0),  # not scored before, Act Now now: entered
    ("d", "M365", 80.004, 76.0),  # Act Now both times
    ("d", "Azure", 10.0, 10.0),  # Educate both times
]
BEFORE = [
    ("a", "M365", 80.0, 80.0),
    ("b", "M365", 60.0, 60.0),
    ("d", "M365", 80.0, 75.5),
    ("d", "Azure", 12.5, 20.0),
    ("e", "M365", 90.0, 90.0),  # no longer scored: not reported
]


def _scores(eng: Engine, rows: list[tuple[Any, ...]]) -> DataFrame:
    table = pa.Table.from_pylist(
        [dict(zip(SCHEMA.names, r, strict=True)) for r in rows], schema=SCHEMA
    )
    return eng.from_arrow(table, "scores")


def _by_key(eng: Engine, df: DataFrame) -> dict[tuple[str, str], dict[str, Any]]:
    return {(r["account_id"], r["product"]): r for r in eng.to_arrow(df).to_pylist()}


def test_first_snapshot_has_nothing_to_compare(engine: Engine) -> None:
    placed = place(_scores(engine, NOW), Config())
    out = movement(placed, None, Config())
    assert out.columns == [*placed.columns, *MOVEMENT_COLUMNS]
    rows = _by_key(engine, out)
    assert len(rows) == len(NOW)
    for r in rows.values():
        assert r["previous_cluster"] is None and r["fit_change"] is None
        assert r["entered_act_now"] is False and r["left_act_now"] is False


def test_changes_and_act_now_moves(engine: Engine) -> None:
    cfg = Config()
    placed = place(_scores(engine, NOW), cfg)
    previous = place(_scores(engine, BEFORE), cfg)
    rows = _by_key(engine, movement(placed, previous, cfg))
    assert set(rows) == {(r[0], r[1]) for r in NOW}
    a, b, c = rows[("a", "M365")], rows[("b", "M365")], rows[("c", "M365")]
    assert a["left_act_now"] and not a["entered_act_now"]
    assert (a["previous_cluster"], a["cluster"], a["fit_change"]) == ("Act Now", "Evaluate", -20.0)
    assert b["entered_act_now"] and b["previous_cell"] == "E6" and b["intent_change"] == 20.0
    assert c["entered_act_now"] and c["previous_fit"] is None and c["fit_change"] is None
    d = rows[("d", "M365")]
    assert not d["entered_act_now"] and not d["left_act_now"]
    assert (d["fit_change"], d["intent_change"]) == (0.0, 0.5)
    azure = rows[("d", "Azure")]
    assert (azure["fit_change"], azure["intent_change"]) == (-2.5, -10.0)
    assert azure["previous_cluster"] == "Educate"


def test_previous_scores_are_placed_when_not_yet(duck: Engine) -> None:
    cfg = Config()
    rows = _by_key(duck, movement(place(_scores(duck, NOW), cfg), _scores(duck, BEFORE), cfg))
    assert rows[("a", "M365")]["previous_cell"] == "A1"
    assert rows[("a", "M365")]["left_act_now"]


def _publish(root: Path, period: str, eng: Engine, tables: dict[str, DataFrame]) -> None:
    writer = SnapshotWriter(root, period)
    for name, df in tables.items():
        eng.write_table(df, writer.table_path(name))
    writer.publish({})


def test_previous_snapshot_scores(duck: Engine, tmp_path: Path) -> None:
    root = tmp_path / "snapshots"
    assert previous_scores(duck, root, "2026-10") is None  # nothing published yet
    _publish(root, "2026-08", duck, {"scores": _scores(duck, BEFORE[:1])})
    _publish(root, "2026-09", duck, {"scores": _scores(duck, BEFORE)})
    _publish(root, "2026-10", duck, {"other": _scores(duck, NOW)})
    snap = previous_snapshot(root, "2026-10")
    assert snap is not None and snap.period == "2026-09"
    found = previous_scores(duck, root, "2026-10")
    assert found is not None and duck.to_arrow(found).num_rows == len(BEFORE)
    assert previous_scores(duck, root, "2026-08") is None  # the first period
    assert previous_scores(duck, root, "2026-11", table="scores") is None  # 2026-10 has none
