"""The target list: cluster order, intent first, capacity spill-over, and the CSV made safe."""

from __future__ import annotations

import csv
from pathlib import Path

import pyarrow as pa
import pytest

from fitintent.config import Config
from fitintent.engine import DataFrame, Engine
from fitintent.score import neutralise, place, targets, write_targets_csv

# account, partner, name, fit, intent (M365)
ACCOUNTS: list[tuple[str, str, str, float, float]] = [
    ("t1", "P1", "Tiny", 10.0, 100.0),  # ET10: Educate
    ("n1", "P1", "Nurture one", 40.0, 99.0),  # N9
    ("n2", "P1", "Nurture two", 45.0, 99.0),  # N9, same intent, better fit
    ("e2", "P1", '=HYPERLINK("http://x")', 70.0, 40.0),  # E7
    ("e1", "P1", "Eval one", 60.0, 99.0),  # E5
    ("a3", "P1", "-Dash Ltd", 76.0, 10.0),  # A4
    ("a2", "P1", "@Home", 80.0, 60.0),  # A2
    ("a1", "P1", "Acme", 90.0, 95.0),  # A1
    ("x", "P2", "Other partner", 99.0, 99.0),
]
ORDER = ["a1", "a2", "a3", "e1", "e2", "n2", "n1", "t1"]


def _inputs(eng: Engine) -> tuple[DataFrame, DataFrame]:
    accounts = pa.table(
        {
            "account_id": [a[0] for a in ACCOUNTS],
            "partner_id": [a[1] for a in ACCOUNTS],
            "account_name": [a[2] for a in ACCOUNTS],
            "country": ["FR"] * len(ACCOUNTS),
        }
    )
    scores = pa.table(
        {
            "account_id": [a[0] for a in ACCOUNTS] * 2,
            "product": ["M365"] * len(ACCOUNTS) + ["Azure"] * len(ACCOUNTS),
            "fit": [a[3] for a in ACCOUNTS] + [50.0] * len(ACCOUNTS),
            "intent": [a[4] for a in ACCOUNTS] + [50.0] * len(ACCOUNTS),
            "fit_reasons": [["450 employees", "=1+1"]] * (2 * len(ACCOUNTS)),
        }
    )
    placed = place(eng.from_arrow(scores, "scores"), Config())
    return placed, eng.from_arrow(accounts, "accounts")


def _ids(eng: Engine, df: DataFrame) -> list[str]:
    return [r["account_id"] for r in eng.to_arrow(df).to_pylist()]


@pytest.mark.parametrize("capacity", [0, 2, 5, 7, 100])
def test_order_and_spill_over(duck: Engine, capacity: int) -> None:
    placed, accounts = _inputs(duck)
    out = targets(placed, accounts, "P1", "M365", capacity, Config())
    assert _ids(duck, out) == ORDER[:capacity]


def test_columns_and_ranks(engine: Engine) -> None:
    placed, accounts = _inputs(engine)
    rows = engine.to_arrow(targets(placed, accounts, "P1", "M365", 4)).to_pylist()
    assert [r["rank"] for r in rows] == [1, 2, 3, 4]
    assert [r["cluster"] for r in rows] == ["Act Now", "Act Now", "Act Now", "Evaluate"]
    first = rows[0]
    assert list(first)[:4] == ["rank", "partner_id", "account_id", "account_name"]
    assert (first["partner_id"], first["product"], first["cell"]) == ("P1", "M365", "A1")
    assert first["fit_reasons"] == ["450 employees", "=1+1"]


def test_capacity_is_never_negative(duck: Engine) -> None:
    placed, accounts = _inputs(duck)
    with pytest.raises(ValueError, match="capacity"):
        targets(placed, accounts, "P1", "M365", -1)


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_csv_neutralises_formulas(duck: Engine, tmp_path: Path) -> None:
    placed, accounts = _inputs(duck)
    plays = duck.from_arrow(
        pa.table(
            {
                "account_id": ["a1"],
                "product": ["M365"],
                "whitespace": [True],
                "whitespace_revenue": [-0.5],  # a number stays a number, even negative
            }
        ),
        "plays",
    )
    top = targets(placed, accounts, "P1", "M365", 8, Config(), account_product_plays=plays)
    rows = _read(write_targets_csv(top, tmp_path / "out" / "targets.csv"))
    names = {r["account_id"]: r["account_name"] for r in rows}
    assert names["e2"] == '\'=HYPERLINK("http://x")'
    assert names["a3"] == "'-Dash Ltd" and names["a2"] == "'@Home" and names["a1"] == "Acme"
    a1 = next(r for r in rows if r["account_id"] == "a1")
    assert a1["fit_reasons"] == "450 employees; =1+1"  # a list cell starts with text: fine
    assert (a1["whitespace"], a1["whitespace_revenue"], a1["rank"]) == ("true", "-0.5", "1")
    assert a1["fit"] == "90.0" and a1["intent"] == "95.0"
    assert next(r for r in rows if r["account_id"] == "a2")["whitespace_revenue"] == ""


def test_every_formula_start(tmp_path: Path) -> None:
    texts = ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "\uff1d1", "plain", "", "1-2", " =x"]
    table = pa.table({"text": texts, "number": [-1.5] * len(texts), "count": [-3] * len(texts)})
    rows = _read(write_targets_csv(table, tmp_path / "t.csv"))
    got = [r["text"] for r in rows]
    assert got == [
        "'=1+1",
        "'+1",
        "'-1",
        "'@SUM(A1)",
        "'\tx",
        "'\rx",
        "'\uff1d1",
        "plain",
        "",
        "1-2",
        " =x",
    ]
    assert {r["number"] for r in rows} == {"-1.5"} and {r["count"] for r in rows} == {"-3"}
    assert neutralise("-") == "'-" and neutralise("Acme") == "Acme"


def test_header_cells_are_neutralised_too(tmp_path: Path) -> None:
    path = write_targets_csv(pa.table({"=bad": ["x"]}), tmp_path / "h.csv")
    assert path.read_text(encoding="utf-8").splitlines()[0] == "'=bad"
