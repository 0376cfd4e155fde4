"""Another vendor's catalog and firmographic columns, given only as configuration, scores end to
end: the demo world's sales renamed to three products (one without signal topics) and a string
column of its own."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from scoring_world import ScoredWorld, fast

from fitintent.config import Config, ExtraColumn, Product
from fitintent.engine import F, active
from fitintent.features import FeatureSource
from fitintent.models import score_period

RENAME = {"M365": "Suite", "Azure": "Cloud", "Surface": "Phones"}


def test_another_catalog_scores(on_world: ScoredWorld, tmp_path: Path) -> None:
    cfg = fast(
        Config(
            products=[
                Product(id="Suite", name="Office suite", family="office", topics=["email"]),
                Product(
                    id="Cloud",
                    name="Cloud servers",
                    family="compute",
                    compute=True,
                    topics=["cloud_migration", "data_centre"],
                ),
                Product(id="Phones", name="Desk phones", family="devices"),
            ],
            extra_firmographics=[
                ExtraColumn(name="it_budget", type="double", min=0),
                ExtraColumn(name="tier", type="string"),
            ],
        )
    )
    t = dict(on_world.tables)
    product: object = F.lit(None).cast("string")
    for old, new in RENAME.items():
        product = F.when(F.col("product") == F.lit(old), F.lit(new)).otherwise(product)
    for name in ("subscriptions", "transactions", "opportunities"):
        cols = [product.alias("product") if c == "product" else F.col(c) for c in t[name].columns]
        t[name] = t[name].select(*cols).where(F.col("product").isNotNull())
    tier = F.when(F.col("employees") >= F.lit(100), F.lit("gold")).otherwise(F.lit("silver"))
    t["accounts"] = t["accounts"].select("*", tier.alias("tier"))

    source = FeatureSource.prepare(t, cfg)
    period = on_world.period
    scores, cards = score_period(
        t, source.segmented(period), cfg, period, tmp_path / "models", source=source
    )
    rows = active().to_arrow(scores).to_pylist()
    assert len(rows) == 2_000 * 3
    assert {r["product"] for r in rows} == {"Suite", "Cloud", "Phones"}
    for p in ("Suite", "Cloud", "Phones"):
        fit = np.array([r["fit"] for r in rows if r["product"] == p], dtype=float)
        assert not np.isnan(fit).any() and fit.max() == 100.0, p
    phones = [r for r in rows if r["product"] == "Phones"]
    assert all(r["surge"] is None for r in phones)  # no topics, no surge
    assert {c["product"] for c in cards} == {"Suite", "Cloud", "Phones"}
    fit_cards = [c for c in cards if c["kind"] == "fit"]
    assert all("x_tier" in c["features"] for c in fit_cards)
