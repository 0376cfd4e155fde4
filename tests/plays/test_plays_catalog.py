"""The plays follow the configuration: another product catalog and lifecycle, no code change."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pyarrow as pa
import pytest
from plays_cases import LONG_AGO, NOW
from plays_world import World, compute, keyed, month
from pydantic import ValidationError

from fitintent.config import Config, Product
from fitintent.engine import Engine
from fitintent.plays import LIFECYCLE_SCHEMA, PlaySettings, play_settings


def test_other_catalog_end_to_end(duckdb_engine: Engine) -> None:
    cfg = Config(
        products=[
            Product(id="Suite", name="Office suite", family="productivity"),
            Product(id="Cloud", name="Cloud", family="compute", compute=True),
            Product(id="Books", name="Accounting", family="erp"),
        ]
    )
    settings = PlaySettings(
        sku_ladders={"Suite": ["Basic", "Pro"]},
        division_products={"Everything": ["Suite", "Cloud", "Books"]},
        workload_min_support=1,
    )
    lifecycle = pa.Table.from_pylist(
        [
            {
                "product": "Legacy OS",
                "version": "1",
                "end_of_support": date(2020, 1, 1),
                "sales_play": "compute",
                "replacement": "Cloud",
                "family": "LegacyOS",
            }
        ],
        schema=LIFECYCLE_SCHEMA,
    )
    w = World()
    for a in ("a", "b", "c"):
        w.account(a).billed(a, "Cloud", "Compute", [month(0)])
    w.billed("a", "Books", "Std", [month(0)]).billed("b", "Books", "Std", [month(0)])
    w.billed("a", "Suite", "Basic", [month(0)])
    w.install_base.append(("c", "Legacy OS", "1", 9, LONG_AGO, NOW))
    w.score("c", "Cloud", 90.0, 90.0)
    out = compute(duckdb_engine, w, cfg=cfg, settings=settings, lifecycle=lifecycle)

    rows = keyed(out["account_product_plays"], "account_id", "product")
    assert {p for _, p in rows} == {"Suite", "Cloud", "Books"}
    assert rows[("a", "Suite")]["upsell_sku"] == "Pro"
    assert rows[("c", "Books")]["whitespace_kind"] == "customer"
    flags = keyed(out["account_flags"], "account_id")
    assert {"SuiteUpsellCustomer", "CloudUpsellCustomer", "BooksUpsellCustomer"} <= set(flags["a"])
    assert flags["c"]["EOSLegacyOS5PlusWithPropensity"] and flags["c"]["EOSCompute"]
    assert "EOSWindowsServer" not in flags["c"]
    nxt = {(r["account_id"], r["workload"]) for r in out["next_workload"].to_pylist()}
    assert ("c", "Books") in nxt and ("b", "Suite") in nxt


def test_settings_from_a_configuration_section() -> None:
    assert play_settings(Config()) == PlaySettings()
    section = SimpleNamespace(plays={"eos_min_licences": 3, "competitors": {"HasZoom": ["Zoom"]}})
    got = play_settings(section)
    assert got.eos_min_licences == 3 and list(got.competitors) == ["HasZoom"]
    with pytest.raises(ValidationError):
        PlaySettings(size_band_edges=[25, 10])
    with pytest.raises(ValidationError):
        PlaySettings(competitors={"Has Zoom": ["Zoom"]})
