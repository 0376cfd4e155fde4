"""Evaluation measures on hand rows, and a backtest of the small demo world."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from scoring_world import ScoredWorld

from fitintent.engine import active
from fitintent.evaluate import (
    auc_table,
    backtest,
    calibration_table,
    cluster_table,
    evaluable,
    evaluate_snapshots,
    lift,
    truth_path,
)
from fitintent.period import Period
from fitintent.publish import SnapshotWriter
from fitintent.score import place

ORDER = ["Act Now", "Evaluate", "Nurture", "Educate"]


def hand_rows() -> pd.DataFrame:
    rows = [
        # cluster, product, fit, intent, propensity, opportunities, won, lost, amount, won_amount
        ("Act Now", "M365", 90, 80, 0.30, 1, 1, 0, 100.0, 100.0),
        ("Act Now", "M365", 85, 20, 0.20, 2, 0, 1, 50.0, 0.0),
        ("Act Now", "Azure", 80, 60, 0.10, 0, 0, 0, 0.0, 0.0),
        ("Act Now", "Azure", 78, 10, 0.05, 1, 1, 0, 70.0, 70.0),
        ("Educate", "M365", 10, 90, 0.04, 1, 1, 0, 10.0, 10.0),
        ("Educate", "M365", 5, 5, 0.01, 0, 0, 0, 0.0, 0.0),
        ("Educate", "Azure", 3, 50, 0.02, 0, 0, 0, 0.0, 0.0),
        ("Educate", "Azure", 1, 1, 0.01, 0, 0, 0, 0.0, 0.0),
    ]
    cols = ["cluster", "product", "fit", "intent", "propensity", "opportunities", "won", "lost"]
    df = pd.DataFrame(rows, columns=[*cols, "amount", "won_amount"])
    return df.assign(true_propensity=df["propensity"] * 1.1)


def test_cluster_table_and_lift() -> None:
    t = cluster_table(hand_rows(), ORDER)
    assert t["cluster"].tolist() == ["Act Now", "Educate"]
    act = t.set_index("cluster").loc["Act Now"]
    assert act["account_products"] == 4 and act["opportunities"] == 4
    assert act["win_rate"] == 0.5 and act["opportunity_rate"] == 0.75
    assert act["close_rate"] == pytest.approx(2 / 3) and act["pipeline"] == 220.0
    assert lift(t, "Act Now", "Educate") == pytest.approx(0.5 / 0.25)


def test_auc_and_calibration_tables() -> None:
    rows = hand_rows()
    t = auc_table(rows, truth=True).set_index("product")
    assert t.loc["all", "positives"] == 4 and t.loc["all", "account_products"] == 8
    assert t.loc["all", "oracle_auc"] == t.loc["all", "propensity_auc"]  # truth = 1.1 x score
    assert t.loc["all", "share_of_oracle"] == pytest.approx(1.0)
    assert 0.0 <= t.loc["M365", "fit_auc"] <= 1.0
    cal = calibration_table(rows, bins=4, truth=True)
    assert cal["bin"].tolist() == [1, 2, 3, 4] and cal["account_products"].sum() == 8
    assert cal["predicted"].is_monotonic_increasing


def test_backtest_of_the_small_world(on_world: ScoredWorld, tmp_path: Path) -> None:
    world = on_world
    registry = shutil.copytree(world.registry, tmp_path / "models")
    bt = backtest(
        world.tables,
        world.cfg,
        Period(2026, 10),
        registry,
        periods=[world.period],
        truth=truth_path(world.root),
        source=world.source,
    )
    assert bt.periods == ["2026-07"] and bt.truth
    clusters = bt.clusters[bt.clusters["period"] == "all"].set_index("cluster")
    assert clusters["account_products"].sum() == world.scores.num_rows
    assert set(clusters.index) <= set(ORDER)
    s = bt.summary()
    assert 0.5 < s["propensity_auc"] < 1.0 and 0.5 < s["oracle_auc"] <= 0.95
    assert s["act_now_over_educate_win_rate"] is None or s["act_now_over_educate_win_rate"] > 1
    report = bt.markdown()
    for title in ("## Summary", "## Clusters", "## AUC by product", "## Calibration"):
        assert title in report
    out = bt.write(tmp_path / "report")
    assert {p.name for p in out.iterdir()} >= {"report.md", "clusters.csv", "auc.csv"}


def test_backtest_without_a_truth(on_world: ScoredWorld, tmp_path: Path) -> None:
    world = on_world
    registry = shutil.copytree(world.registry, tmp_path / "models")
    bt = backtest(
        world.tables,
        world.cfg,
        Period(2026, 10),
        registry,
        periods=[world.period],
        source=world.source,
    )
    assert not bt.truth and "oracle_auc" not in bt.auc.columns
    assert "Oracle" not in bt.markdown()


def test_periods_must_have_their_outcomes(on_world: ScoredWorld, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="outcomes after"):
        backtest(
            on_world.tables, on_world.cfg, Period(2026, 10), tmp_path, periods=[Period(2026, 9)]
        )


def test_a_run_judges_its_published_snapshots_as_the_backtest_does(
    on_world: ScoredWorld, tmp_path: Path
) -> None:
    """The run's evaluation reads the scores a snapshot published; the backtest re-scores the
    same month with the same models: both must see the same clusters and outcomes."""
    world = on_world
    cfg = world.cfg.model_copy(
        update={"paths": world.cfg.paths.model_copy(update={"workdir": tmp_path})}
    )
    eng = active()
    writer = SnapshotWriter(cfg.paths.snapshots, str(world.period))
    placed = place(eng.from_arrow(world.scores, "july-scores"), cfg)
    eng.write_table(placed, writer.table_path("scores"))
    writer.publish({"sources": {}})
    assert evaluable(cfg, Period(2026, 9)) == []  # July's horizon has not ended by September
    assert evaluable(cfg, Period(2026, 10)) == [world.period]

    out = tmp_path / "building"
    out.mkdir()
    summary = evaluate_snapshots(world.source, cfg, Period(2026, 10), out)

    assert summary["method"] == "published snapshots" and summary["periods"] == ["2026-07"]
    got = pq.read_table(out / "evaluation_clusters").to_pandas()
    registry = shutil.copytree(world.registry, tmp_path / "models")
    bt = backtest(
        world.tables, cfg, Period(2026, 10), registry, periods=[world.period], source=world.source
    )
    key = ["period", "cluster"]
    cols = [*key, "account_products", "opportunities", "won", "lost", "pipeline"]
    want = bt.clusters[cols].sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(got[cols].sort_values(key).reset_index(drop=True), want)
    assert summary["propensity_auc"] == pytest.approx(bt.summary()["propensity_auc"])
    assert (out / "evaluation.md").read_text().startswith("# Backtest")
    assert pq.read_table(out / "evaluation_auc").num_rows == len(bt.auc)
