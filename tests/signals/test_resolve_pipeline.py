"""The pipeline's resolution of signals to accounts, on both engines: a given account is kept;
a domain finds its account exactly (case and ``www.`` aside) or through its registrable domain;
a domain two accounts share, an unknown domain and a missing one resolve to none, each with its
reason; and the counts per source add up."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from fitintent.config import Config
from fitintent.engine import Engine
from fitintent.period import Period
from fitintent.pipeline import UNRESOLVED_COLUMNS, _signals, resolution_card
from fitintent.publish import SnapshotWriter
from fitintent.signals import (
    domain_lookup,
    resolution_counts,
    resolve_accounts,
    resolve_by,
    unresolved_signals,
)

ACCOUNTS = pa.table(
    {
        "account_id": ["A1", "A2", "A3", "A4", "A5"],
        "domain": [
            "fabrikam.co.uk",
            "Contoso.com",
            "www.northwind.example",
            "twin.test",
            "twin.test",
        ],
    }
)
# signal_id, account_id, domain, source -> expected account, resolved_by, reason
CASES = [
    ("S1", "A2", "fabrikam.co.uk", "rss", "A2", "given", None),
    ("S2", None, "fabrikam.co.uk", "crawler", "A1", "domain", None),
    ("S3", None, "blog.fabrikam.co.uk", "crawler", "A1", "registrable domain", None),
    ("S4", None, "CONTOSO.com", "news", "A2", "domain", None),
    ("S5", None, "careers.contoso.com", "crawler", "A2", "registrable domain", None),
    ("S6", None, "northwind.example", "news", "A3", "domain", None),
    ("S7", None, "twin.test", "news", None, None, "2 accounts share the domain twin.test"),
    (
        "S8",
        None,
        "elsewhere.example",
        "crawler",
        None,
        None,
        "no account has the domain elsewhere.example",
    ),
    ("S9", None, None, "social", None, None, "no account id and no domain"),
    ("S10", None, "fabrikam.co.uk", "crawler", "A1", "domain", None),
]


def test_signals_resolve_by_domain_and_registrable_domain(engine: Engine) -> None:
    signals = pa.table(
        {
            "signal_id": [c[0] for c in CASES],
            "account_id": pa.array([c[1] for c in CASES], pa.string()),
            "domain": pa.array([c[2] for c in CASES], pa.string()),
            "source": [c[3] for c in CASES],
            "topic": ["crm"] * len(CASES),
        }
    )
    out = engine.to_arrow(
        resolve_accounts(engine.from_arrow(signals, "s"), engine.from_arrow(ACCOUNTS, "a"))
    )
    got = {r["signal_id"]: r for r in out.to_pylist()}
    assert len(got) == len(CASES) == out.num_rows  # no signal lost or repeated
    for sid, _, _, _, account, how, reason in CASES:
        r = got[sid]
        assert (r["account_id"], r["resolved_by"], r["unresolved_reason"]) == (account, how, reason)
        assert r["topic"] == "crm"

    counts = engine.to_arrow(resolution_counts(engine.from_arrow(out, "r"))).to_pylist()
    card = resolution_card(counts)
    assert card["rows"] == len(CASES) and card["resolved"] == 7
    assert card["by_source"]["crawler"] == {"rows": 5, "resolved": 4, "resolved_share": 0.8}
    assert card["unresolved_reasons"] == {
        "2 accounts share the domain": 1,
        "no account has the domain": 1,
        "no account id and no domain": 1,
    }


def _signal_rows(cases: list[tuple]) -> pa.Table:
    return pa.table(
        {
            "signal_id": [c[0] for c in cases],
            "account_id": pa.array([c[1] for c in cases], pa.string()),
            "domain": pa.array([c[2] for c in cases], pa.string()),
            "signal_time": pa.array(
                [datetime(2026, 7, 20, 8, 30)] * len(cases), pa.timestamp("us")
            ),
            "signal_type": ["news"] * len(cases),
            "topic": ["crm"] * len(cases),
            "source": [c[3] for c in cases],
            "url": [f"https://{c[2] or 'x.example'}/{c[0]}" for c in cases],
            "text": ["a page"] * len(cases),
            "strength": [0.5] * len(cases),
        }
    )


def test_the_run_lists_the_unresolved_signals_from_one_lookup(
    engine: Engine, tmp_path: Path
) -> None:
    """The run builds the domain lookup once: resolving by it is resolving afresh, and the
    snapshot's ``signals_unresolved`` holds exactly the signals no account took, with their
    reasons; with every signal resolved, the table is there and empty."""
    signals = engine.from_arrow(_signal_rows(CASES), "s")
    accounts = engine.from_arrow(ACCOUNTS, "a")
    lookup = domain_lookup(signals, accounts)
    by = engine.to_arrow(resolve_by(signals, lookup)).sort_by("signal_id").to_pylist()
    fresh = engine.to_arrow(resolve_accounts(signals, accounts)).sort_by("signal_id").to_pylist()
    assert by == fresh

    left = engine.to_arrow(unresolved_signals(signals, lookup)).to_pylist()
    want = {c[0]: c[6] for c in CASES if c[4] is None}
    assert {r["signal_id"]: r["unresolved_reason"] for r in left} == want

    period = Period.parse("2026-07")
    for name, cases, expected in (
        ("some", CASES, sorted(want)),
        ("none", [c for c in CASES if c[4] is not None], []),
    ):
        writer = SnapshotWriter(tmp_path / name, str(period))
        t = {"signals": engine.from_arrow(_signal_rows(cases), "s"), "accounts": accounts}
        _, card = _signals(Config(), engine, period, t, writer)
        table = pq.read_table(writer.table_path("signals_unresolved"))
        assert table.column_names == list(UNRESOLVED_COLUMNS)
        assert sorted(table.column("signal_id").to_pylist()) == expected
        assert card["rows"] - card["resolved"] == len(expected)
        writer.abandon()
