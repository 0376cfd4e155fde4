"""Evaluation measures on scored rows joined with what followed (pandas, on the driver).

``rows`` has one row per account x product x snapshot period: ``period``, ``product``,
``cluster``, ``fit``, ``intent``, ``propensity``, ``opportunities``, ``won``, ``lost``,
``amount``, ``won_amount`` (zeros when nothing followed) and, on a world with a hidden truth,
``true_propensity``.

**Win rate** is the share of the cluster's account-products with a won opportunity created in
the horizon after the snapshot (``won_rate``). It measures what working the cluster yields per
account, which is what a cluster is for; the sales close rate ``won / (won + lost)`` of the
opportunities that did appear is reported beside it (``close_rate``), but it mostly measures
selling once a deal exists, not which accounts to call.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

SCORES = ("fit", "intent", "propensity")


def auc(score: Sequence[float] | np.ndarray, label: Sequence[bool] | np.ndarray) -> float | None:
    y = np.asarray(label).astype(bool)
    s = np.asarray(score, dtype=np.float64)
    keep = ~np.isnan(s)
    y, s = y[keep], s[keep]
    if y.all() or not y.any():
        return None
    return float(roc_auc_score(y, s))


def cluster_table(rows: pd.DataFrame, order: Sequence[str]) -> pd.DataFrame:
    """Per cluster: account-products, opportunities, won and lost deals, pipeline and won amount,
    opportunity rate, win rate (share with a won opportunity) and close rate."""
    r = rows.assign(
        has_opportunity=rows["opportunities"] > 0,
        has_won=rows["won"] > 0,
    )
    g = r.groupby("cluster", observed=True).agg(
        account_products=("product", "size"),
        with_opportunity=("has_opportunity", "sum"),
        with_won=("has_won", "sum"),
        opportunities=("opportunities", "sum"),
        won=("won", "sum"),
        lost=("lost", "sum"),
        pipeline=("amount", "sum"),
        won_amount=("won_amount", "sum"),
    )
    g = g.reindex([c for c in order if c in g.index])
    g["opportunity_rate"] = g["with_opportunity"] / g["account_products"]
    g["win_rate"] = g["with_won"] / g["account_products"]
    closed = g["won"] + g["lost"]
    g["close_rate"] = np.where(closed > 0, g["won"] / closed.where(closed > 0, 1), np.nan)
    return g.reset_index()


def lift(table: pd.DataFrame, top: str, bottom: str, column: str = "win_rate") -> float | None:
    t = table.set_index("cluster")
    if top not in t.index or bottom not in t.index:
        return None
    base = float(t.loc[bottom, column])
    return None if base == 0 else float(t.loc[top, column]) / base


def auc_table(rows: pd.DataFrame, truth: bool) -> pd.DataFrame:
    """AUC of fit, intent and propensity (and of the hidden truth, the *oracle*) against "an
    opportunity was created in the horizon", per product and over all account-products."""
    out = []
    label = rows["opportunities"] > 0
    groups: list[tuple[str, pd.Series]] = [("all", pd.Series(True, index=rows.index))]
    groups += [(str(p), rows["product"] == p) for p in sorted(rows["product"].unique())]
    for name, sel in groups:
        sub, y = rows[sel], label[sel]
        rec: dict[str, object] = {
            "product": name,
            "account_products": int(sel.sum()),
            "positives": int(y.sum()),
        }
        scores = {s: auc(sub[s].to_numpy(), y.to_numpy()) for s in SCORES}
        rec |= {f"{s}_auc": v for s, v in scores.items()}
        if truth and "true_propensity" in rows:
            oracle = auc(sub["true_propensity"].to_numpy(), y.to_numpy())
            model = scores["propensity"]
            rec["oracle_auc"] = oracle
            rec["share_of_oracle"] = None if oracle is None or model is None else model / oracle
            rec["truth_rank_corr"] = float(
                sub["propensity"].rank().corr(sub["true_propensity"].rank())
            )
        out.append(rec)
    return pd.DataFrame(out)


def calibration_table(rows: pd.DataFrame, bins: int, truth: bool) -> pd.DataFrame:
    """Propensity deciles (or ``bins`` quantiles): mean predicted probability against the share
    that had an opportunity (and the mean hidden truth, where known). Rows without a
    propensity (no intent model for the product yet) are left out."""
    rows = rows[rows["propensity"].notna()]
    p = rows["propensity"].to_numpy(dtype=np.float64)
    ranks = pd.Series(p).rank(method="first").to_numpy()
    decile = np.minimum((ranks - 1) * bins // max(len(p), 1), bins - 1).astype(int) + 1
    df = rows.assign(bin=decile, observed=(rows["opportunities"] > 0).astype(float))
    agg = {
        "account_products": ("observed", "size"),
        "predicted": ("propensity", "mean"),
        "observed": ("observed", "mean"),
    }
    if truth and "true_propensity" in rows:
        agg["truth"] = ("true_propensity", "mean")
    return df.groupby("bin").agg(**agg).reset_index()
