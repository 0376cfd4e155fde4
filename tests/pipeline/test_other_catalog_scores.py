"""Another vendor's catalog and firmographic columns, given only as a TOML file, run through the
whole pipeline and score: a demo world whose sales are renamed to three products of another line
(one without signal topics), with a text column and a number column of the vendor's own."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from fitintent.config import load_config
from fitintent.demo import generate_world
from fitintent.period import Period
from fitintent.pipeline import run

RENAME = {"M365": "Suite", "Azure": "Cloud", "Surface": "Phones"}
CONFIG = """
[paths]
workdir = "."
sources = "world/sources"

[[products]]
id = "Suite"
name = "Office suite"
family = "office"
topics = ["email", "collaboration"]

[[products]]
id = "Cloud"
name = "Cloud servers"
family = "compute"
compute = true
topics = ["cloud_migration", "data_centre"]

[[products]]
id = "Phones"
name = "Desk phones"
family = "devices"

[[extra_firmographics]]
name = "revenue"
type = "double"
min = 0

[[extra_firmographics]]
name = "tier"
type = "string"

[[extra_firmographics]]
name = "branches"
type = "long"
min = 0

[fit]
folds = 2
max_trees = 40

[intent]
training_months = 4
validation_months = 1
max_trees = 40
"""


def _rename(folder: Path) -> None:
    for name in ("subscriptions", "transactions", "opportunities"):
        path = folder / f"{name}.parquet"
        t = pq.read_table(path)
        old = t.column("product")
        new = pa.array([RENAME.get(p) for p in old.to_pylist()], pa.string())
        t = t.set_column(t.schema.get_field_index("product"), "product", new)
        pq.write_table(t.filter(pc.is_valid(t.column("product"))), path)
    accounts = pq.read_table(folder / "accounts.parquet")
    employees = accounts.column("employees").to_pylist()
    tier = pa.array(["gold" if (e or 0) >= 100 else "silver" for e in employees], pa.string())
    branches = pa.array([1 + (e or 0) // 250 for e in employees], pa.int64())
    pq.write_table(
        accounts.append_column("tier", tier).append_column("branches", branches),
        folder / "accounts.parquet",
    )


def test_another_catalog_scores_end_to_end(tmp_path: Path) -> None:
    generate_world(tmp_path / "world", accounts=1_500, seed=11, fmt="parquet")
    _rename(tmp_path / "world" / "sources")
    (tmp_path / "fitintent.toml").write_text(CONFIG, encoding="utf-8")
    cfg = load_config(tmp_path / "fitintent.toml")

    snap = run(cfg, Period.parse("2026-10")).snapshot

    accounts = pq.read_table(snap.path / "accounts", columns=["account_id", "tier", "branches"])
    assert accounts.num_rows == 1_500 and accounts.column("tier").null_count == 0
    scores = pq.read_table(snap.path / "scores").to_pylist()
    assert len(scores) == 1_500 * 3
    assert {r["product"] for r in scores} == {"Suite", "Cloud", "Phones"}
    for product in ("Suite", "Cloud", "Phones"):
        mine = [r for r in scores if r["product"] == product]
        fits = [r["fit"] for r in mine if r["fit"] is not None]
        assert len(fits) == 1_500, product  # every account scored for every product
        assert min(fits) < 25 and max(fits) > 75  # a real spread, not a constant
        assert {r["cluster"] for r in mine} == {"Act Now", "Evaluate", "Nurture", "Educate"}
        assert all(r["fit_model"] for r in mine)
    models = {m["name"] for m in snap.manifest["models"]}
    assert {"fit-Suite", "fit-Cloud", "fit-Phones"} <= models
    plays = pq.read_table(snap.path / "account_product_plays")
    assert plays.num_rows == 1_500 * 3
    assert set(plays.column("product").to_pylist()) == {"Suite", "Cloud", "Phones"}
    flags = pq.read_table(snap.path / "account_flags").schema.names
    assert "SuiteUpsellCustomer" in flags and "CloudUpsellCustomer" in flags
