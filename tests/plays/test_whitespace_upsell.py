"""Whitespace, its revenue estimate and upsell, against figures worked out by hand."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pytest
from plays_cases import whitespace_world
from plays_world import compute, keyed

from fitintent.config import Config
from fitintent.engine import Engine
from fitintent.plays import ACCOUNT_PRODUCT_COLUMNS, PlaySettings

EXACT = PlaySettings(prior_strength=0.0)


@pytest.fixture(scope="module")
def out(duckdb_engine: Engine) -> dict[str, pa.Table]:
    return compute(duckdb_engine, whitespace_world(), settings=EXACT)


@pytest.fixture(scope="module")
def rows(out: dict[str, pa.Table]) -> dict[tuple[str, str], dict[str, Any]]:
    return keyed(out["account_product_plays"], "account_id", "product")


def test_every_account_gets_every_product(out: dict[str, pa.Table]) -> None:
    table = out["account_product_plays"]
    assert table.column_names == list(ACCOUNT_PRODUCT_COLUMNS)
    assert table.num_rows == len(whitespace_world().accounts) * len(Config().product_ids)
    for name in ("owned", "whitespace", "upsell", "spend_12m"):
        assert table.column(name).null_count == 0


def test_whitespace_kinds(rows: dict[tuple[str, str], dict[str, Any]]) -> None:
    assert rows[("cust", "M365")]["owned"] and not rows[("cust", "M365")]["whitespace"]
    assert rows[("cust", "M365")]["whitespace_kind"] is None
    assert rows[("cust", "D365BC")]["whitespace_kind"] == "customer"
    assert rows[("p_retail", "M365")]["whitespace_kind"] == "prospect"
    lapsed = rows[("lapsed", "M365")]  # a lapsed customer is a prospect again
    assert lapsed["whitespace"] and lapsed["whitespace_kind"] == "prospect"
    assert rows[("azure_new", "M365")]["whitespace_kind"] == "customer"


def test_revenue_from_what_similar_owners_spend(
    rows: dict[tuple[str, str], dict[str, Any]],
) -> None:
    assert rows[("p_retail", "D365BC")]["whitespace_rate"] == 200.0  # the group's median
    assert rows[("p_retail", "D365BC")]["whitespace_revenue"] == 10_000.0
    assert rows[("p_mining", "D365BC")]["whitespace_revenue"] == 1_500.0  # 150 x 10
    assert rows[("p_none", "D365BC")]["whitespace_revenue"] == 6_000.0  # 150 x 40
    assert rows[("own100", "D365BC")]["whitespace_revenue"] is None  # owned
    assert rows[("own100", "D365BC")]["spend_12m"] == 5_000.0
    assert rows[("p_retail", "D365FO")]["whitespace_revenue"] is None  # nobody owns it


def test_rates_shrink_to_the_product(duckdb_engine: Engine) -> None:
    out = compute(duckdb_engine, whitespace_world())  # prior_strength 20
    ws = keyed(out["account_product_plays"], "account_id", "product")
    expected = (3 * 200.0 + 20 * 150.0) / 23 * 50
    assert ws[("p_retail", "D365BC")]["whitespace_revenue"] == pytest.approx(expected, abs=0.01)
    rates = [r for r in out["whitespace_rates"].to_pylist() if r["product"] == "D365BC"]
    group = next(r for r in rates if r["industry"] == "Retail")
    assert (group["owners"], group["median_spend_per_employee"]) == (3, 200.0)
    assert (group["product_owners"], group["product_median"]) == (4, 150.0)


def test_upsell_flags(rows: dict[tuple[str, str], dict[str, Any]], out: dict[str, Any]) -> None:
    grow = rows[("e3_grow", "M365")]  # seats +12 %, E5 above: step up
    assert grow["upsell"] and (grow["sku"], grow["upsell_sku"]) == ("E3", "E5")
    assert grow["seat_growth"] == 1.12 and grow["spend_growth"] == 1.06
    top = rows[("e5_grow", "M365")]  # same growth at the top SKU, spend +6 %: no
    assert not top["upsell"] and top["upsell_sku"] is None
    assert not rows[("e3_flat", "M365")]["upsell"]
    assert rows[("azure_up", "Azure")]["upsell"]
    assert not rows[("azure_flat", "Azure")]["upsell"]
    assert not rows[("azure_new", "Azure")]["upsell"]  # nothing before to grow from
    assert rows[("azure_new", "Azure")]["growth_bucket"] == "new"
    assert not rows[("p_retail", "Azure")]["upsell"]
    assert rows[("p_retail", "Azure")]["upsell_propensity"] is None
    flags = keyed(out["account_flags"], "account_id")
    assert flags["e3_grow"]["M365UpsellCustomer"] and not flags["e3_grow"]["AzureUpsellCustomer"]
    assert flags["azure_up"]["AzureUpsellCustomer"] and not flags["e5_grow"]["M365UpsellCustomer"]


def test_upsell_propensity_is_the_learned_expansion_rate(
    rows: dict[tuple[str, str], dict[str, Any]], out: dict[str, pa.Table]
) -> None:
    # at the anchor month, Azure "flat" owners h1..h5: two of five expanded since
    assert rows[("h1", "Azure")]["upsell_propensity"] == 40.0
    # h2 is "expanding" today, a bucket never seen: the Azure rate, 3 of 7 owners
    assert rows[("h2", "Azure")]["upsell_propensity"] == 42.9
    # "new" Azure owners at the anchor: azure_up expanded, azure_flat did not
    assert rows[("azure_new", "Azure")]["upsell_propensity"] == 50.0
    # no Surface owner at the anchor: the overall rate, 3 of 10
    assert rows[("surface_new", "Surface")]["upsell_propensity"] == 30.0
    assert rows[("e3_grow", "M365")]["upsell_propensity"] == 0.0
    rates = keyed(out["upsell_rates"], "product", "growth_bucket", "headroom")
    assert rates[("Azure", "flat", False)]["owners"] == 5
    assert rates[("Azure", "flat", False)]["expanded"] == 2
    assert rates[(None, None, None)]["owners"] == 10
