"""Features of a hand-written world, checked value by value, on both engines; nothing dated after
the period reaches them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import date, datetime
from typing import Any

import pyarrow as pa
import pytest

from fitintent.config import Config, ExtraColumn
from fitintent.engine import Engine, F
from fitintent.engine import _session as engine_session
from fitintent.features import FeatureSource, build_features, segment_as_of
from fitintent.period import Period

P = Period(2026, 6)


def ts(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=None)


def d(text: str) -> date:
    return date.fromisoformat(text)


def world() -> dict[str, pa.Table]:
    accounts = pa.table(
        {
            "account_id": ["A1", "A2", "A3"],
            "domain": ["a1.example", "a2.example", "a3.example"],
            "employees": pa.array([450, 40, 8], pa.int64()),
            "industry": ["Manufacturing", "Retail", "Retail"],
            "vertical": ["Discrete", "Grocery", "Grocery"],
            "country": ["FR", "US", "US"],
            "is_non_profit": [False, False, True],
            "partner_id": ["P1", "P1", "P2"],
            "revenue": [52_000_000.0, 3_100_000.0, None],
        }
    )
    install_base = pa.table(
        {
            "account_id": ["A1", "A1", "A2", "A2"],
            "technology": ["Windows Server", "AWS", "Windows", "Office"],
            "version": ["2012 R2", "EC2", "7", "2013"],
            "licence_count": pa.array([5, 1, 30, 40], pa.int64()),
            "first_seen": [d("2019-01-01"), d("2026-08-01"), d("2015-01-01"), d("2016-01-01")],
            "last_seen": [d("2026-10-01"), d("2026-10-01"), d("2026-03-15"), d("2026-09-01")],
        }
    )
    subscriptions = pa.table(
        {
            "account_id": ["A1", "A2", "A3"],
            "product": ["M365", "O365", "D365BC"],
            "sku": ["E3", "E1", "Essentials"],
            "seats": pa.array([300, 10, 5], pa.int64()),
            "start_date": [d("2024-07-01"), d("2025-01-01"), d("2026-08-01")],
            "end_date": [d("2027-06-30"), d("2026-03-31"), None],
            "status": ["active", "cancelled", "active"],
        }
    )
    transactions = pa.table(
        {
            "account_id": ["A1", "A1", "A1", "A1", "A2"],
            "month": [
                d("2025-06-01"),
                d("2025-07-01"),
                d("2026-06-01"),
                d("2026-07-01"),
                d("2024-01-01"),
            ],
            "product": ["Azure", "Azure", "Azure", "Azure", "Surface"],
            "sku": ["Plan"] * 4 + ["Pro"],
            "quantity": [1.0] * 5,
            "revenue": [100.0, 200.0, 300.0, 1000.0, 1200.0],
        }
    )
    agreements = pa.table(
        {
            "agreement_id": ["G1", "G2", "G3"],
            "account_id": ["A1", "A2", "A3"],
            "license_program": ["EA", "Open", "CSP"],
            "end_date": [d("2026-08-15"), d("2027-12-31"), d("2026-05-31")],
            "expiring_revenue": [5000.0, 800.0, 100.0],
            "product_division": ["Modern Work", "Azure", "Modern Work"],
        }
    )
    sig_rows: list[tuple[Any, ...]] = [
        ("S1", "A1", None, "2026-06-05 09:00:00", "job_posting", "cloud_migration", 0.8),
        ("S2", "A1", None, "2026-06-10 09:00:00", "job_posting", "cloud_migration", 0.8),
        ("S3", "A1", None, "2026-06-15 09:00:00", "tech_adoption", "cloud_migration", 0.8),
        ("S4", "A1", None, "2026-06-20 09:00:00", "news", "cloud_migration", 0.8),
        ("S5", "A1", None, "2026-05-10 09:00:00", "blog_post", "cloud_migration", 0.2),
        ("S6", "A1", None, "2026-01-15 09:00:00", "blog_post", "cloud_migration", 0.2),
        ("S7", "A1", None, "2026-02-15 09:00:00", "blog_post", "cloud_migration", 0.2),
        ("S8", "A1", None, "2026-07-02 09:00:00", "job_posting", "cloud_migration", 0.9),
        ("S9", None, "a1.example", "2026-06-25 09:00:00", "forum_post", "security", 0.6),
        ("S10", "A3", None, "2026-06-20 09:00:00", "social_post", "crm", None),
    ]
    signals = pa.table(
        {
            "signal_id": [r[0] for r in sig_rows],
            "account_id": [r[1] for r in sig_rows],
            "domain": [r[2] for r in sig_rows],
            "signal_time": pa.array([ts(r[3]) for r in sig_rows], pa.timestamp("us", tz="UTC")),
            "signal_type": [r[4] for r in sig_rows],
            "topic": [r[5] for r in sig_rows],
            "source": ["crawler"] * len(sig_rows),
            "url": [f"https://x.example/{r[0]}" for r in sig_rows],
            "text": [f"text {r[0]}" for r in sig_rows],
            "strength": pa.array([r[6] for r in sig_rows], pa.float64()),
        }
    )
    opportunities = pa.table(
        {
            "opportunity_id": ["O1", "O2", "O3", "O4"],
            "account_id": ["A1", "A1", "A2", "A3"],
            "product": ["Azure", "M365", "M365", "Surface"],
            "created_date": [d("2026-03-01"), d("2026-06-10"), d("2026-07-05"), d("2025-01-01")],
            "closed_date": [d("2026-05-01"), d("2026-07-15"), None, d("2025-02-01")],
            "outcome": ["won", "won", "open", "lost"],
            "amount": [1000.0, 2000.0, None, 50.0],
        }
    )
    return {
        "accounts": accounts,
        "install_base": install_base,
        "subscriptions": subscriptions,
        "transactions": transactions,
        "agreements": agreements,
        "signals": signals,
        "opportunities": opportunities,
    }


def truncated(tables: dict[str, pa.Table]) -> dict[str, pa.Table]:
    """The world as it was known at the end of P: later rows gone, later closes still open."""
    end, nxt = P.end, datetime(2026, 7, 1)
    t = dict(tables)
    t["install_base"] = t["install_base"].filter(
        pa.array([x <= end for x in t["install_base"].column("first_seen").to_pylist()])
    )
    t["subscriptions"] = t["subscriptions"].filter(
        pa.array([x <= end for x in t["subscriptions"].column("start_date").to_pylist()])
    )
    t["transactions"] = t["transactions"].filter(
        pa.array([x <= P.start for x in t["transactions"].column("month").to_pylist()])
    )
    sig = t["signals"]
    t["signals"] = sig.filter(
        pa.array([x.replace(tzinfo=None) < nxt for x in sig.column("signal_time").to_pylist()])
    )
    opp = t["opportunities"].to_pylist()
    kept = []
    for o in opp:
        if o["created_date"] > end:
            continue
        if o["closed_date"] is not None and o["closed_date"] > end:
            o = {**o, "closed_date": None, "outcome": "open"}
        kept.append(o)
    t["opportunities"] = pa.Table.from_pylist(kept, schema=t["opportunities"].schema)
    return t


def config() -> Config:
    return Config(extra_firmographics=[ExtraColumn(name="revenue", type="double", min=0)])


def frames(eng: Engine, tables: dict[str, pa.Table]) -> dict[str, Any]:
    return {k: eng.from_arrow(v, k) for k, v in tables.items()}


def rows(eng: Engine, df: Any) -> dict[str, dict[str, Any]]:
    return {r["account_id"]: r for r in eng.to_arrow(df).to_pylist()}


@pytest.fixture(scope="module")
def hand(duckdb_engine: Engine) -> Iterator[tuple[FeatureSource, dict[str, dict[str, Any]]]]:
    """The hand world's source, built once for three months, and its rows at P."""
    token = engine_session._active.set(duckdb_engine)
    try:
        source = FeatureSource.prepare(frames(duckdb_engine, world()), config())
        source.warm([P.shift(-2), P.shift(-1), P])
        yield source, rows(duckdb_engine, source.at(P))
    finally:
        engine_session._active.reset(token)


def test_features_of_a_hand_world(hand: tuple[FeatureSource, dict[str, Any]]) -> None:
    got = hand[1]
    assert sorted(got) == ["A1", "A2", "A3"]
    a1, a2, a3 = got["A1"], got["A2"], got["A3"]
    assert {r["period"] for r in got.values()} == {"2026-06"}
    # firmographics, extras and size
    assert a1["employees"] == 450 and a1["x_revenue"] == 52_000_000.0
    assert a1["smb_type"] == "top_unmanaged_user" and a3["smb_type"] == "small"
    assert a3["is_non_profit"] == 1 and a3["x_revenue"] is None
    # install base as of the period: AWS first seen later, Windows 7 retired before it
    assert (a1["tech_windows_server"], a1["tech_windows_server_licences"]) == (1, 5)
    assert a1["tech_aws"] == 0 and a2["tech_windows"] == 0
    assert a1["eos_windows_server_2012_r2"] == 1 and a1["eos_products"] == "Windows Server 2012 R2"
    assert (a2["eos_office_2013"], a2["eos_count"], a2["eos_licences"]) == (1, 1, 40)
    assert a2["eos_windows_7"] == 0  # retired before the period
    assert a3["eos_count"] == 0 and a3["eos_products"] == ""
    # holdings: a live subscription, billing in the window (July is later), tenure in months
    assert (a1["owns_M365"], a1["tenure_M365"], a1["seats_M365"]) == (1, 23.0, 300)
    assert (a1["owns_Azure"], a1["spend12_Azure"], a1["tenure_Azure"]) == (1, 500.0, 12.0)
    assert a2["owns_O365"] == 0 and a2["owns_Surface"] == 0 and a2["tenure_O365"] is None
    assert a3["owns_D365BC"] == 0 and a1["products_owned"] == 2
    # agreements: held when ending after the period; expiring within the horizon
    assert (a1["agr_ea"], a1["agr_expiring"], a1["agr_expiring_revenue"]) == (1, 1, 5000.0)
    assert a1["agr_expiring_modern_work"] == 1
    assert (a2["has_open"], a2["agr_expiring"]) == (1, 0)
    assert a3["agr_count"] == 0
    # opportunity history: closed after the period means open then; later ones unseen
    assert (a1["opp_Azure_won_12m"], a1["opp_Azure_days_since"]) == (1, 121.0)
    assert (a1["opp_M365_open"], a1["opp_M365_won_12m"]) == (1, 0)
    assert a2["opp_M365_open"] == 0 and a2["opp_M365_days_since"] is None
    assert (a3["opp_Surface_lost_12m"], a3["opp_Surface_days_since"]) == (0, 545.0)
    # signals through the taxonomy: cloud migration and security point at Azure
    assert (a1["sig_Azure_recent"], a1["sig_Azure_prior"], a1["sig_Azure_baseline"]) == (5, 1, 3)
    assert (a1["sig_Azure_job_posting"], a1["sig_Azure_tech_adoption"]) == (2, 1)
    assert a1["sig_Azure_strong"] == 5 and a1["sig_Azure_days_since"] == 5.0
    assert a1["sig_M365_recent"] == 1 and a1["sig_type_forum_post"] == 1
    assert a1["topic_cloud_migration_recent"] == 4
    assert a3["sig_D365CE_recent"] == 1 and a3["sig_D365CE_strength"] == 0.5
    # surge: 5 recent against 0.5 expected (own baseline and peers'): r = 4 -> 88.89
    assert a1["sig_Azure_surge"] == pytest.approx(88.89, abs=0.01)
    assert a1["sig_M365_surge"] == 50.0  # below the minimum volume: never above normal
    assert a2["sig_M365_surge"] == 50.0  # nothing expected, nothing seen: normal


def test_no_row_dated_after_the_period_changes_the_features(
    duck: Engine, hand: tuple[FeatureSource, dict[str, Any]]
) -> None:
    cfg = config()
    then = frames(duck, truncated(world()))
    got = rows(duck, build_features(then, segment_as_of(then, cfg, P), cfg, P))
    full = hand[1]
    # the vocabulary is the warehouse's: AWS, seen only later, has a column (of zeros) in full
    extra = set(full["A1"]) - set(got["A1"])
    assert extra == {"tech_aws", "tech_aws_licences"}
    assert all(full[a][c] == 0 for a in full for c in extra)
    assert {a: {c: r[c] for c in got[a]} for a, r in full.items()} == got


def test_outcomes_are_the_opportunities_after_the_period(
    duck: Engine, hand: tuple[FeatureSource, dict[str, Any]]
) -> None:
    got = duck.to_arrow(hand[0].outcomes([P])).to_pylist()
    assert [(r["account_id"], r["product"], r["opportunities"], r["won"]) for r in got] == [
        ("A2", "M365", 1, 0)
    ]


def test_many_months_in_one_query(duck: Engine, hand: tuple[FeatureSource, dict[str, Any]]) -> None:
    months = [P.shift(-2), P.shift(-1), P]
    dated = duck.to_arrow(hand[0].dated(months).where(F.col("account_id") == F.lit("A1")))
    by_month = {r["period"]: r for r in dated.to_pylist()}
    assert sorted(by_month) == ["2026-04", "2026-05", "2026-06"]
    # the Azure win of 2026-05-01 is unknown in April
    assert by_month["2026-04"]["opp_Azure_won_12m"] == 0
    assert by_month["2026-05"]["opp_Azure_won_12m"] == 1
    assert by_month["2026-04"]["sig_Azure_recent"] == 0


def test_a_sample_of_account_months_has_the_features_of_the_whole(
    duck: Engine, hand: tuple[FeatureSource, dict[str, Any]]
) -> None:
    """Training builds only its sample's account-months; their features (peers' baselines
    included, which come from every account) are those of the full table."""
    months = [P.shift(-2), P.shift(-1), P]
    pairs = duck.from_arrow(
        pa.table({"account_id": ["A1", "A2", "A1"], "period": ["2026-04", "2026-06", "2026-06"]}),
        "pairs",
    )
    sample = duck.to_arrow(hand[0].sampled(months, pairs)).to_pylist()
    whole = {
        (r["account_id"], r["period"]): r for r in duck.to_arrow(hand[0].dated(months)).to_pylist()
    }
    assert sorted((r["account_id"], r["period"]) for r in sample) == [
        ("A1", "2026-04"),
        ("A1", "2026-06"),
        ("A2", "2026-06"),
    ]
    for r in sample:
        assert r == whole[(r["account_id"], r["period"])]
    assert any(r["sig_Azure_surge"] not in (None, 50.0) for r in sample)  # a surge to compare


@pytest.mark.spark
def test_spark_builds_the_same_features(
    spark_engine: Engine,
    use_engine: Callable[[Engine], AbstractContextManager[Engine]],
    hand: tuple[FeatureSource, dict[str, Any]],
) -> None:
    with use_engine(spark_engine):
        source = FeatureSource.prepare(frames(spark_engine, world()), config())
        got = rows(spark_engine, source.at(P))
    assert got.keys() == hand[1].keys()
    for a, row in hand[1].items():
        for c, v in row.items():
            w = got[a][c]
            assert w == pytest.approx(v, abs=1e-9) if isinstance(v, float) else w == v, (a, c, v, w)


def test_signals_within_a_window_keep_its_bounds_exactly(engine: Engine) -> None:
    """The literal pre-filter (pushed down to the file scan) keeps the window's first instant
    and drops its end, as the join with the months does; on both engines."""
    from datetime import UTC, timedelta

    from fitintent.features._months import months_table, signals_within

    cfg = Config()
    bounds = months_table([P], cfg).to_pylist()[0]
    lo, hi = bounds["m_evidence_ts"], bounds["m_next_ts"]
    second = timedelta(seconds=1)
    times = {"before": lo - second, "first": lo, "last": hi - second, "end": hi}
    signals = engine.from_arrow(
        pa.table(
            {
                "signal_id": list(times),
                "signal_time": pa.array(
                    [t.astimezone(UTC) for t in times.values()], pa.timestamp("us", tz="UTC")
                ),
            }
        ),
        "window-signals",
    )
    kept = engine.to_arrow(signals_within(signals, [P], cfg, "m_evidence_ts"))
    assert sorted(kept.column("signal_id").to_pylist()) == ["first", "last"]
