"""Backtest: score past snapshots as they would have been scored then, and compare with what
followed.

For each period (oldest first) the models are those the registry would have held then (fit
trained at that quarter's start, intent on the months whose horizon ended by the period), the
scores are placed in the matrix (:func:`fitintent.score.place`), and every account-product is
joined with the opportunities created in the ``intent.horizon_days`` after the period. Nothing
dated after a period reaches its features or its models; outcomes come from today's tables.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from fitintent.config import Config
from fitintent.engine import DataFrame, F, active
from fitintent.evaluate._metrics import auc_table, calibration_table, cluster_table, lift
from fitintent.evaluate._truth import read_truth
from fitintent.features import FeatureSource
from fitintent.models import (
    Card,
    last_labelled,
    retrain_period,
    score_period,
)
from fitintent.period import Period
from fitintent.score import place

Progress = Callable[[str], None]


@dataclass
class Backtest:
    """Tables of a backtest; :meth:`markdown` renders them as a report."""

    periods: list[str]
    clusters: pd.DataFrame  # per period and "all": cluster_table columns
    auc: pd.DataFrame  # per period and "all" x product and "all"
    calibration: pd.DataFrame
    lift: dict[str, float | None]  # Act Now over Educate win rate, per period and "all"
    cards: list[Card] = field(default_factory=list)
    truth: bool = False
    rows: pd.DataFrame | None = None

    def summary(self) -> dict[str, Any]:
        total = self.auc[(self.auc["period"] == "all") & (self.auc["product"] == "all")].iloc[0]
        out: dict[str, Any] = {
            "periods": self.periods,
            "act_now_over_educate_win_rate": self.lift.get("all"),
            "fit_auc": total["fit_auc"],
            "intent_auc": total["intent_auc"],
            "propensity_auc": total["propensity_auc"],
        }
        if self.truth:
            per = self.auc[(self.auc["period"] == "all") & (self.auc["product"] != "all")]
            out |= {
                "oracle_auc": total["oracle_auc"],
                "share_of_oracle": total["share_of_oracle"],
                "mean_product_propensity_auc": float(per["propensity_auc"].mean()),
                "mean_product_oracle_auc": float(per["oracle_auc"].mean()),
            }
        return out

    def markdown(self) -> str:
        from fitintent.evaluate._report import render

        return render(self)

    def write(self, folder: Path | str) -> Path:
        """CSV tables and ``report.md`` in ``folder``."""
        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        self.clusters.to_csv(out / "clusters.csv", index=False)
        self.auc.to_csv(out / "auc.csv", index=False)
        self.calibration.to_csv(out / "calibration.csv", index=False)
        (out / "report.md").write_text(self.markdown(), encoding="utf-8")
        return out


def default_periods(period: Period, cfg: Config) -> list[Period]:
    """The ``gate.backtest_periods`` newest months whose whole horizon ends by ``period``."""
    last = last_labelled(period, cfg)
    return [last.shift(-k) for k in reversed(range(cfg.gate.backtest_periods))]


def months_needed(periods: Sequence[Period], cfg: Config) -> list[Period]:
    """The months whose features every account needs: each snapshot's, and its fit model's
    training and validation months (intent training builds only its sample's rows)."""
    out: set[Period] = set()
    for p in periods:
        q = retrain_period(p, cfg.fit.retrain_months)
        out |= {p, q, last_labelled(q, cfg)}
    return sorted(out)


def outcome_rows(
    scores: DataFrame, outcomes: DataFrame, cfg: Config, period: Period
) -> pd.DataFrame:
    """Scores (placed on the matrix first when they are not) joined with the outcomes that
    followed ``period``, on the driver: one row per account x product."""
    placed = scores if "cluster" in scores.columns else place(scores, cfg)
    o = outcomes.select(
        F.col("account_id").alias("_o_account"),
        F.col("product").alias("_o_product"),
        "opportunities",
        "won",
        "lost",
        "amount",
        "won_amount",
    )
    joined = placed.join(
        o,
        on=(F.col("account_id") == F.col("_o_account")) & (F.col("product") == F.col("_o_product")),
        how="left",
    )
    zero = [F.coalesce(F.col(c), F.lit(0)).alias(c) for c in ("opportunities", "won", "lost")] + [
        F.coalesce(F.col(c), F.lit(0.0)).alias(c) for c in ("amount", "won_amount")
    ]
    table = active().to_arrow(
        joined.select("account_id", "product", "fit", "intent", "propensity", "cluster", *zero)
    )
    return table.to_pandas().assign(period=str(period))


def backtest(
    tables: Mapping[str, DataFrame],
    cfg: Config,
    period: Period,
    registry_dir: Path | str,
    *,
    periods: Sequence[Period] | None = None,
    truth: Path | str | None = None,
    source: FeatureSource | None = None,
    progress: Progress | None = None,
) -> Backtest:
    """Backtest the snapshots before ``period`` (default: :func:`default_periods`), training
    models into ``registry_dir`` (keep it apart from the production registry). ``truth`` is the
    demo world's truth folder or file (optional)."""
    chosen = sorted(periods) if periods is not None else default_periods(period, cfg)
    bad = [p for p in chosen if p.end + timedelta(days=cfg.intent.horizon_days) > period.end]
    if bad:
        raise ValueError(f"periods {[str(p) for p in bad]} have outcomes after {period}")
    source = source or FeatureSource.prepare(tables, cfg)
    source.warm(months_needed(chosen, cfg))
    frames, cards = [], []
    for p in chosen:
        if progress:
            progress(f"backtest {p}")
        scores, used = score_period(
            tables, source.segmented(p), cfg, p, registry_dir, source=source, reasons=False
        )
        cards.extend(used)
        frames.append(outcome_rows(scores, source.outcomes([p]), cfg, p))
    rows = pd.concat(frames, ignore_index=True)
    known = read_truth(truth, chosen)
    if known is not None:
        rows = rows.merge(known, on=["account_id", "product", "period"], how="left")
    return summarize(rows, [str(p) for p in chosen], cfg, cards, known is not None)


def summarize(
    rows: pd.DataFrame, periods: list[str], cfg: Config, cards: list[Card], truth: bool
) -> Backtest:
    order = cfg.matrix.cluster_order
    top, bottom = order[0], order[-1]
    clusters, aucs, lifts = [], [], {}
    for name, sub in [*[(p, rows[rows["period"] == p]) for p in periods], ("all", rows)]:
        table = cluster_table(sub, order).assign(period=name)
        clusters.append(table)
        aucs.append(auc_table(sub, truth).assign(period=name))
        lifts[name] = lift(table, top, bottom)
    calibration = calibration_table(rows, cfg.gate.calibration_bins, truth)
    return Backtest(
        periods,
        pd.concat(clusters, ignore_index=True),
        pd.concat(aucs, ignore_index=True),
        calibration,
        lifts,
        cards,
        truth,
        rows,
    )
