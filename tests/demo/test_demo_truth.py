"""The hidden causal model against what the sources show: the true propensity ranks the
opportunities that follow well but not perfectly, and signals rise before opportunities."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
from demo_model import features, fit_logistic, score
from demo_rules import SmallWorld

from fitintent.demo._catalog import PRODUCTS

HORIZON = 3  # months after a month in which an opportunity counts (about 90 days)


def rank_auc(score: np.ndarray, label: np.ndarray) -> float:
    """Area under the ROC curve by the rank-sum formula (ties share their average rank)."""
    _, inverse, counts = np.unique(score, return_inverse=True, return_counts=True)
    average_rank = np.cumsum(counts) - (counts - 1) / 2.0
    ranks = average_rank[inverse]
    pos = label.astype(bool)
    n_pos, n_neg = int(pos.sum()), int((~pos).sum())
    return float((ranks[pos].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def test_rank_auc() -> None:
    assert rank_auc(np.array([0.1, 0.4, 0.35, 0.8]), np.array([0, 0, 1, 1])) == 0.75
    assert rank_auc(np.array([1.0, 1.0]), np.array([0, 1])) == 0.5


def _month_index(dates: pd.Series) -> np.ndarray:
    d = pd.to_datetime(dates)
    return (d.dt.year * 12 + d.dt.month).to_numpy()


def _labelled_truth(world: SmallWorld, outcome: str | None = None) -> pd.DataFrame:
    truth = pq.read_table(world.info.truth / "propensity.parquet").to_pandas()
    truth["m"] = _month_index(truth["month"])
    opps = world.frames["opportunities"]
    if outcome is not None:
        opps = opps[opps["outcome"] == outcome]
    created = _month_index(opps["created_date"])
    hits = pd.concat(
        [
            pd.DataFrame(
                {
                    "account_id": opps["account_id"].to_numpy(),
                    "product": opps["product"].to_numpy(),
                    "m": created - k,
                }
            )
            for k in range(1, HORIZON + 1)
        ]
    ).drop_duplicates()
    out = truth.merge(hits, on=["account_id", "product", "m"], how="left", indicator=True)
    out["label"] = out["_merge"] == "both"
    return out[out["m"] <= truth["m"].max() - HORIZON]  # the whole window is in the history


def test_oracle_auc_is_high_but_bounded(small_world: SmallWorld) -> None:
    rows = _labelled_truth(small_world)
    auc = rank_auc(rows["true_propensity"].to_numpy(), rows["label"].to_numpy())
    assert 0.75 <= auc <= 0.92, auc
    # the true propensity is a calibrated probability of that label
    assert abs(rows["true_propensity"].mean() - rows["label"].mean()) < 0.25 * rows["label"].mean()


def test_oracle_also_ranks_won_opportunities(small_world: SmallWorld) -> None:
    rows = _labelled_truth(small_world, outcome="won")
    auc = rank_auc(rows["true_propensity"].to_numpy(), rows["label"].to_numpy())
    assert 0.7 <= auc <= 0.92, auc


def test_signals_rise_before_opportunities(small_world: SmallWorld) -> None:
    frames = small_world.frames
    accounts = frames["accounts"][["account_id", "domain"]]
    signals = frames["signals"][["account_id", "domain", "topic", "signal_time"]].dropna(
        subset=["topic"]
    )
    by_domain = signals["account_id"].isna()
    signals.loc[by_domain, "account_id"] = signals.loc[by_domain, "domain"].map(
        accounts.set_index("domain")["account_id"]
    )
    signals = signals.assign(t=pd.to_datetime(signals["signal_time"]))
    topics = pd.DataFrame(
        [(p.id, t) for p in PRODUCTS for t in p.topics], columns=["product", "topic"]
    )
    opps = frames["opportunities"][["opportunity_id", "account_id", "product", "created_date"]]
    opps = opps.assign(created=pd.to_datetime(opps["created_date"])).merge(topics, on="product")
    joined = opps.merge(signals[["account_id", "topic", "t"]], on=["account_id", "topic"])
    start, end = signals["t"].min(), signals["t"].max()
    days = (end - start).days
    before = joined[
        (joined["t"] < joined["created"])
        & (joined["t"] >= joined["created"] - pd.Timedelta(days=60))
    ]
    before = before.groupby(["opportunity_id", "topic"]).size()
    total = joined.groupby(["opportunity_id", "topic"]).size()
    pairs = opps.set_index(["opportunity_id", "topic"]).index
    mean_before = before.reindex(pairs, fill_value=0).mean()
    baseline = (total.reindex(pairs, fill_value=0) * 60.0 / days).mean()
    assert mean_before >= 2.0 * baseline, (mean_before, baseline)


def test_learnable_from_the_sources_but_not_perfectly(small_world: SmallWorld) -> None:
    frames = small_world.frames
    grid, per_product = features(frames)
    opps = frames["opportunities"]
    label = np.zeros(grid.shape, dtype=bool)
    a, p, m = (
        grid.account(opps["account_id"]),
        grid.product(opps["product"]),
        grid.month(opps["created_date"]),
    )
    for k in range(1, HORIZON + 1):
        ok = m - k >= 0
        label[a[ok], p[ok], m[ok] - k] = True
    truth = (
        pq.read_table(small_world.info.truth / "propensity.parquet")
        .column("true_propensity")
        .to_numpy()
        .reshape(grid.shape)
    )
    train, test = slice(1, 15), slice(15, grid.months - HORIZON)  # fit on the past only
    scores = []
    for pi, x in enumerate(per_product):
        w = fit_logistic(x[:, train].reshape(-1, x.shape[-1]), label[:, pi, train].ravel())
        scores.append(score(x[:, test], w))
    y = label[:, :, test].ravel()
    model = rank_auc(np.stack(scores, axis=1).ravel(), y)
    oracle = rank_auc(truth[:, :, test].ravel().astype(np.float64), y)
    assert 0.85 * oracle <= model < oracle, (model, oracle)
