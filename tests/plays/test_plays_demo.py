"""The plays on a small demo world: every account x product gets its whitespace values, every
account its flags, and the tables hold together."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from plays_world import activated

from fitintent.config import load_config
from fitintent.demo import SOURCES, generate_world
from fitintent.engine import Engine
from fitintent.period import Period
from fitintent.plays import (
    ACCOUNT_PRODUCT_COLUMNS,
    PLAY_TABLE_KEYS,
    flag_names,
    load_lifecycle,
    play_settings,
    plays_card,
)
from fitintent.plays import plays as run_plays
from fitintent.score import place
from fitintent.segment import compute_spend, fit_potential, segment

ACCOUNTS = 2_000


@pytest.fixture(scope="module")
def demo(duckdb_engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("plays") / "world"
    info = generate_world(root, accounts=ACCOUNTS, seed=11, fmt="parquet")
    cfg = load_config(info.config)
    period = Period.parse(info.period)
    eng = duckdb_engine
    with activated(eng):
        # the demo's Parquet sources carry the contracts' types, so they are read as they are
        # (ingest has its own tests, and would double this test's time)
        t = {s: eng.read_table(info.sources / f"{s}.parquet") for s in SOURCES}
        spend = eng.materialize(compute_spend(t["transactions"], cfg, period), "spend")
        model = fit_potential(t["accounts"], spend, cfg, period=period)
        accounts = eng.materialize(segment(t["accounts"], spend, model, cfg), "accounts")
        ids = eng.to_arrow(accounts.select("account_id")).column(0).to_pylist()
        rng = np.random.default_rng(3)
        n = len(ids) * len(cfg.product_ids)
        scores = pa.table(
            {
                "account_id": np.repeat(ids, len(cfg.product_ids)),
                "product": cfg.product_ids * len(ids),
                "fit": rng.uniform(0, 100, n),
                "intent": rng.uniform(0, 100, n),
            }
        )
        placed = place(eng.from_arrow(scores, "scores"), cfg)
        out = run_plays(t, accounts, placed, cfg, period)
        tables = {name: eng.to_arrow(df) for name, df in out.items()}
    return {"cfg": cfg, "period": period, "ids": ids, "out": tables}


def test_every_account_and_product_has_whitespace_values(demo: dict[str, Any]) -> None:
    cfg, table = demo["cfg"], demo["out"]["account_product_plays"]
    assert table.column_names == list(ACCOUNT_PRODUCT_COLUMNS)
    assert table.num_rows == ACCOUNTS * len(cfg.product_ids)
    pairs = set(zip(table["account_id"].to_pylist(), table["product"].to_pylist(), strict=True))
    assert len(pairs) == table.num_rows
    for name in ("owned", "whitespace", "upsell", "spend_12m"):
        assert table[name].null_count == 0, name
    ws = table.filter(table["whitespace"])
    assert ws["whitespace_kind"].null_count == 0
    assert set(ws["whitespace_kind"].to_pylist()) == {"customer", "prospect"}
    assert ws["whitespace_revenue"].null_count == 0  # every product has owners to learn from
    assert pc.min(ws["whitespace_revenue"]).as_py() >= 0
    owned = table.filter(pc.invert(table["whitespace"]))
    assert owned["whitespace_revenue"].null_count == owned.num_rows
    assert not any(table.filter(table["whitespace"])["upsell"].to_pylist())


def test_every_account_has_its_flags(demo: dict[str, Any]) -> None:
    flags = demo["out"]["account_flags"]
    lifecycle = load_lifecycle()
    assert flags.column_names == [
        "account_id",
        *flag_names(demo["cfg"], lifecycle, play_settings(demo["cfg"])),
    ]
    assert sorted(flags["account_id"].to_pylist()) == sorted(demo["ids"])
    for name in flags.column_names:
        assert flags[name].null_count == 0, name
    for name in (
        "HasGoogle",
        "HasAWS",
        "HasOpen",
        "EOSWindowsServer",
        "EOSSQLServer",
        "EOSWindowsServer5PlusWithPropensity",
        "M365UpsellCustomer",
        "AzureUpsellCustomer",
    ):
        assert 0 < sum(flags[name].to_pylist()) < ACCOUNTS, name


def test_eos_rows_and_flags_agree(demo: dict[str, Any]) -> None:
    eos, flags = demo["out"]["eos"], demo["out"]["account_flags"]
    assert all(
        a or b
        for a, b in zip(eos["eos"].to_pylist(), eos["approaching_eos"].to_pylist(), strict=True)
    )
    running = {
        r["account_id"] for r in eos.to_pylist() if r["eos"] and r["family"] == "WindowsServer"
    }
    flagged = {r["account_id"] for r in flags.to_pylist() if r["EOSWindowsServer"]}
    assert running == flagged


def test_renewals_and_next_workloads(demo: dict[str, Any]) -> None:
    out, period = demo["out"], demo["period"]
    renewals = out["renewals"]
    assert renewals.num_rows > 0
    assert renewals["renew_likelihood"].null_count == 0
    assert pc.min(renewals["end_date"]).as_py() >= period.start
    assert pc.max(renewals["months_to_end"]).as_py() <= 11
    nxt = out["next_workload"]
    assert nxt.num_rows > 0 and pc.max(nxt["rank"]).as_py() <= 3
    ap = out["account_product_plays"].to_pylist()
    compute = {r["account_id"] for r in ap if r["product"] == "Azure" and r["owned"]}
    assert set(nxt["account_id"].to_pylist()) <= compute
    held = {(r["account_id"], r["product"]) for r in ap if r["owned"]}
    assert not any((r["account_id"], r["workload"]) in held for r in nxt.to_pylist())


def test_tables_are_unique_on_their_keys(demo: dict[str, Any]) -> None:
    for name, keys in PLAY_TABLE_KEYS.items():
        table = demo["out"][name]
        assert set(keys) <= set(table.column_names), name
        seen = set(zip(*(table[k].to_pylist() for k in keys), strict=True))
        assert len(seen) == table.num_rows, name


def test_card_is_json(demo: dict[str, Any], tmp_path: Path) -> None:
    import json

    card = plays_card(demo["cfg"], demo["period"])
    text = json.dumps(card)
    assert "median annual spend per employee" in text
    assert card["as_of"] == str(demo["period"].end)
