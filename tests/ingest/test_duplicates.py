"""Duplicate keys: the first good holder of a key loads, every later one is quarantined naming it;
rows with other defects do not hold a key; optional key columns match when both are blank."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fitintent.config import Config
from fitintent.engine import Engine
from fitintent.ingest import ingest

ACCOUNTS = (
    "A1,100000031,Acme again,acme3.example,10,Retail,FR,false,P1,P1-L1,1\n"  # row 6
    "A1,100000032,Acme thrice,acme4.example,10,Retail,FR,false,P1,P1-L1,1\n"  # row 7
    "X20,100000033,Neg,neg.example,-5,Retail,FR,false,P1,P1-L1,1\n"  # row 8
    "X20,100000034,Fixed,fixed.example,5,Retail,FR,false,P1,P1-L1,1\n"  # row 9
    " A2 ,100000035,Bolt again,bolt2.example,5,Retail,FR,false,P1,P1-L2,1\n"  # row 10
)
INSTALL_BASE = (
    "A2,Linux,,3,2020-01-01,2026-10-01\n"  # row 3
    "A2,Linux,,4,2020-01-01,2026-10-01\n"  # row 4
    "A9,Linux,1,1,2020-01-01,2026-10-01\n"  # row 5
    "A9,Linux,1,1,2020-01-01,2026-10-01\n"  # row 6
)
MORE_TRANSACTIONS = (
    "account_id,month,product,sku,quantity,revenue\n"
    "A1,2026-09-01,M365,E3,1,1\n"  # row 2 of a second file
    "A2,2026-09-01,M365,E3,1,1\n"
)
IB_KEY = "duplicate key (account_id, technology, version): already loaded from row"
EXPECTED = {
    ("accounts", "accounts.csv", 6): "duplicate key (account_id): already loaded from row 2",
    ("accounts", "accounts.csv", 7): "duplicate key (account_id): already loaded from row 2",
    ("accounts", "accounts.csv", 8): "employees: -5 is below the minimum 0",
    ("accounts", "accounts.csv", 10): "duplicate key (account_id): already loaded from row 3",
    ("install_base", "install_base.csv", 4): f"{IB_KEY} 3",
    ("install_base", "install_base.csv", 5): "account_id: A9 not found in accounts",
    ("install_base", "install_base.csv", 6): (f"{IB_KEY} 5; account_id: A9 not found in accounts"),
    # the first holder is in another file: the reason names it
    ("transactions", "more.csv", 2): (
        "duplicate key (account_id, month, product, sku): already loaded from row 2 of "
        "{sources}/transactions.csv"
    ),
}


def test_duplicates_name_the_first_good_row(
    world: Callable[..., Config], engine: Engine, tmp_path: Path
) -> None:
    cfg = world(accounts=ACCOUNTS, install_base=INSTALL_BASE)
    more = cfg.paths.source_dir / "transactions"
    more.mkdir()
    (more / "more.csv").write_text(MORE_TRANSACTIONS, encoding="utf-8")

    out = tmp_path / f"raw-{engine.kind}"
    result = ingest(cfg, engine, out)

    quarantine = {
        (q["source"], Path(q["_file"]).name, q["_row"]): q["reasons"]
        for q in engine.to_arrow(result.quarantine).to_pylist()
    }
    sources = str(cfg.paths.source_dir)
    assert quarantine == {k: v.format(sources=sources) for k, v in EXPECTED.items()}
    counts = {c.source: (c.rows_in, c.loaded, c.quarantined) for c in result.counts}
    assert counts["accounts"] == (9, 5, 4)
    assert counts["install_base"] == (5, 2, 3)
    assert counts["transactions"] == (4, 3, 1)
    accounts = engine.to_arrow(result.tables["accounts"]).to_pylist()
    names = {a["account_id"]: a["account_name"] for a in accounts}
    assert names["A1"] == "Acme" and names["A2"] == "Bolt" and names["X20"] == "Fixed"
    installed = engine.to_arrow(result.tables["install_base"]).to_pylist()
    assert sorted((r["account_id"], r["licence_count"]) for r in installed) == [
        ("A1", 12),
        ("A2", 3),
    ]
    # the rows of repeated keys are ranked only where a key repeats
    assert (out / "_staged" / "accounts" / "duplicates").is_dir()
    assert (out / "_staged" / "partners" / "repeated_keys").is_dir()
    assert not (out / "_staged" / "partners" / "duplicates").exists()
