"""End of service and the per-account flags, on hand-built accounts at every edge."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pyarrow as pa
import pytest
from plays_cases import LONG_AGO, NOW, eos_world
from plays_world import AS_OF, World, compute, keyed

from fitintent.config import Config
from fitintent.engine import Engine
from fitintent.plays import LIFECYCLE_SCHEMA, PlaySettings, flag_names, load_lifecycle


def _lifecycle(rows: list[tuple[str, str, date]]) -> pa.Table:
    return pa.Table.from_pylist(
        [
            {
                "product": p,
                "version": v,
                "end_of_support": d,
                "sales_play": "compute",
                "replacement": "Azure",
                "family": p.replace(" ", ""),
            }
            for p, v, d in rows
        ],
        schema=LIFECYCLE_SCHEMA,
    )


# the shipped catalog plus a product whose support ends on the last day of the period
LIFECYCLE = pa.concat_tables(
    [
        load_lifecycle(),
        _lifecycle(
            [
                ("Edge Server", "1", AS_OF),
                ("Edge Server", "2", AS_OF + timedelta(days=1)),
            ]
        ),
    ]
)


def _world() -> World:
    w = eos_world().account("edge")
    w.install_base += [
        ("edge", "Edge Server", "1", 7, LONG_AGO, NOW),
        ("edge", "Edge Server", "2", 9, LONG_AGO, NOW),
    ]
    w.score("edge", "Azure", 80.0, 80.0)
    return w


@pytest.fixture(scope="module")
def out(duckdb_engine: Engine) -> dict[str, pa.Table]:
    return compute(duckdb_engine, _world(), lifecycle=LIFECYCLE)


@pytest.fixture(scope="module")
def flags(out: dict[str, pa.Table]) -> dict[str, dict[str, Any]]:
    return keyed(out["account_flags"], "account_id")


def test_five_licences_with_propensity(flags: dict[str, dict[str, Any]]) -> None:
    play = "EOSWindowsServer5PlusWithPropensity"
    assert flags["ws5"][play] and flags["ws5"]["EOSWindowsServerLicences"] == 5
    assert not flags["ws4"][play] and flags["ws4"]["EOSWindowsServer"]
    assert flags["ws4"]["EOSWindowsServerLicences"] == 4
    assert flags["split"][play]  # 3 + 2 licences over two EOS versions, Azure in Evaluate
    assert flags["split"]["EOSWindowsServerLicences"] == 5
    assert flags["nurture"]["EOSWindowsServer"] and not flags["nurture"][play]
    assert flags["nodate"][play]  # matched whatever the case and spacing; no dates: current


def test_only_currently_seen_rows_count(flags: dict[str, dict[str, Any]]) -> None:
    assert not flags["old"]["EOSWindowsServer"] and flags["old"]["EOSWindowsServerLicences"] == 0
    assert flags["g_now"]["HasGoogle"]
    assert not flags["g_gone"]["HasGoogle"]  # last seen 91 days before the end of the period
    assert not flags["g_future"]["HasGoogle"]  # first seen after it
    assert flags["aws"]["HasAWS"] and not flags["aws"]["HasGoogle"]


def test_licence_flags_only_for_active_agreements(flags: dict[str, dict[str, Any]]) -> None:
    assert flags["ea_today"]["HasEA"]  # ends on the last day of the period: still active
    assert not flags["ea_yesterday"]["HasEA"]
    assert flags["ov"]["HasOpen"] and not flags["ov"]["HasEA"]  # Open Value is an Open program
    assert not flags["csp"]["HasOpen"] and not flags["csp"]["HasEA"]


def test_sales_plays_and_missing_propensity(flags: dict[str, dict[str, Any]]) -> None:
    office = flags["office"]
    assert office["EOSOffice"] and office["EOSOfficeLicences"] == 20
    assert office["EOSProductivity"] and office["EOSProductivityLicences"] == 20
    assert not office["EOSOffice5PlusWithPropensity"]  # no M365 score: no propensity
    assert not office["EOSCompute"]
    assert flags["split"]["EOSCompute"] and flags["split"]["EOSComputeLicences"] == 5
    assert not flags["sql2017"]["EOSSQLServer"]  # still supported at the period


def test_every_account_has_every_flag(out: dict[str, pa.Table]) -> None:
    table = out["account_flags"]
    assert table.num_rows == 18
    assert table.column_names == ["account_id", *flag_names(Config(), LIFECYCLE, PlaySettings())]
    for name in table.column_names[1:]:
        assert table.column(name).null_count == 0, name
    none = keyed(table, "account_id")["none"]
    assert not any(v for k, v in none.items() if k != "account_id")


def test_eos_rows_carry_the_replacement_cluster(out: dict[str, pa.Table]) -> None:
    rows = keyed(out["eos"], "account_id", "version")
    ws5 = rows[("ws5", "2008")]
    assert ws5["eos"] and ws5["replacement"] == "Azure" and ws5["sales_play"] == "compute"
    assert ws5["replacement_cluster"] == "Act Now" and ws5["with_propensity"]
    assert ws5["end_of_support"] == date(2020, 1, 14)
    soon = rows[("sql2017", "2017")]  # ends 2027-10-12, within 12 months of the period
    assert soon["approaching_eos"] and not soon["eos"]
    assert ("sql2017", "2019") not in rows  # ends 2030: neither
    assert ("old", "2008") not in rows
    assert rows[("office", "2013")]["replacement_cluster"] is None


def test_end_of_support_day_itself_is_past_support(out: dict[str, pa.Table]) -> None:
    eos = keyed(out["eos"], "account_id", "version")
    assert eos[("edge", "1")]["eos"] and not eos[("edge", "1")]["approaching_eos"]
    assert not eos[("edge", "2")]["eos"] and eos[("edge", "2")]["approaching_eos"]
    flags = keyed(out["account_flags"], "account_id")["edge"]
    assert flags["EOSEdgeServerLicences"] == 7
    assert flags["EOSEdgeServer5PlusWithPropensity"]


def test_thresholds_are_settings(duckdb_engine: Engine) -> None:
    settings = PlaySettings(eos_min_licences=3, propensity_clusters=["Act Now"])
    out = compute(duckdb_engine, _world(), settings=settings, lifecycle=LIFECYCLE)
    flags = keyed(out["account_flags"], "account_id")
    play = "EOSWindowsServer3PlusWithPropensity"
    assert flags["ws4"][play]  # 4 licences now enough
    assert not flags["split"][play]  # Evaluate no longer counts
