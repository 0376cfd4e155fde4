"""Next logical workload and renewal likelihood, against figures worked out by hand."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pytest
from plays_cases import renewal_cases, workload_cases
from plays_world import World, compute, keyed

from fitintent.engine import Engine
from fitintent.plays import PlaySettings

EXACT = PlaySettings(prior_strength=0.0)


@pytest.fixture(scope="module")
def out(duckdb_engine: Engine) -> dict[str, pa.Table]:
    w = World()
    workload_cases(w)
    renewal_cases(w)
    return compute(duckdb_engine, w, settings=EXACT)


def _offers(table: pa.Table) -> dict[str, list[tuple[Any, ...]]]:
    offers: dict[str, list[tuple[Any, ...]]] = {}
    for r in sorted(table.to_pylist(), key=lambda r: (r["account_id"], r["rank"])):
        offers.setdefault(r["account_id"], []).append(
            (r["rank"], r["workload"], r["product"], r["score"], r["because"])
        )
    return offers


def test_next_workloads_from_co_occurrence(out: dict[str, pa.Table]) -> None:
    offers = _offers(out["next_workload"])
    # 12 Azure holders: 11 hold M365, 6 PowerApps, 6 the Reserved VM SKU, 2 D365CE (too few)
    assert offers["target"] == [
        (1, "M365", "M365", 91.7, "Azure"),
        (2, "Azure:Reserved VM", "Azure", 50.0, "Azure"),
        (3, "PowerApps", "PowerApps", 50.0, "Azure"),
    ]
    assert offers["both"][0] == (1, "Azure:Reserved VM", "Azure", 50.0, "Azure")
    assert "m365_only" not in offers  # not a compute customer
    assert "c0" not in offers  # holds everything worth offering
    assert all(len(v) <= 3 for v in offers.values())


def test_workload_settings(duckdb_engine: Engine) -> None:
    w = World()
    workload_cases(w)
    settings = PlaySettings(workload_top=1, workload_min_support=2, workload_skus=False)
    offers = _offers(compute(duckdb_engine, w, settings=settings)["next_workload"])
    assert offers["target"] == [(1, "M365", "M365", 91.7, "Azure")]
    assert offers["c6"] == [(1, "PowerApps", "PowerApps", 50.0, "Azure")]
    # 2 of the 6 PowerApps holders hold D365CE: enough support now, and the strongest reason
    assert offers["c3"] == [(1, "D365CE", "D365CE", 33.3, "PowerApps")]


def test_expiring_window(out: dict[str, pa.Table]) -> None:
    rows = keyed(out["renewals"], "agreement_id")
    assert set(rows) == {"X1", "X2", "X5", "X6", "X7"}
    assert rows["X1"]["months_to_end"] == 0 and rows["X2"]["months_to_end"] == 11
    assert rows["X1"]["expiring_revenue"] == 100.0 and rows["X1"]["account_id"] == "x_start"


def test_renewal_rates_from_history(out: dict[str, pa.Table]) -> None:
    rates = keyed(out["renewal_rates"], "license_program", "engaged")
    # EA engaged at the end: r_tx renewed, r_lost did not
    assert (rates[("EA", True)]["agreements"], rates[("EA", True)]["renewed"]) == (2, 1)
    # not engaged: by subscription (r_sub), a later agreement (r_later), any product for an
    # unlisted division (r_other); billing another division does not count (r_wrongdiv)
    assert (rates[("EA", False)]["agreements"], rates[("EA", False)]["renewed"]) == (4, 3)
    assert (rates[(None, None)]["agreements"], rates[(None, None)]["renewed"]) == (7, 4)


def test_renew_likelihood(out: dict[str, pa.Table]) -> None:
    rows = keyed(out["renewals"], "agreement_id")
    assert rows["X1"]["engaged"] and rows["X1"]["renew_likelihood"] == 50.0
    assert not rows["X2"]["engaged"] and rows["X2"]["renew_likelihood"] == 75.0
    # r_tx renewed its last agreement: (1 + 2 x 0.75) / (1 + 2)
    x5 = rows["X5"]
    assert (x5["account_agreements"], x5["account_renewed"]) == (1, 1)
    assert x5["bucket_rate"] == 75.0 and x5["renew_likelihood"] == 83.3
    assert rows["X6"]["renew_likelihood"] == 0.0  # Open: the one that ended did not renew
    assert rows["X7"]["renew_likelihood"] == 57.1  # CSP never seen: 4 of 7 overall
    assert rows["X7"]["bucket_agreements"] == 0
