"""A plain logistic model on the sources only, to show the hidden propensity is learnable.

Rows are account x product x month; features are what any propensity pipeline would derive:
size, industry, holdings, install base, product-topic signal counts of the last two months and a
recent opportunity. One model per product, fitted by Newton's method; scores are log-odds, so
they pool across products.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from fitintent.demo._catalog import PRODUCTS

PRODUCT_IDS = [p.id for p in PRODUCTS]
EOS_CLIENT = {("Windows", "7"), ("Office", "2010"), ("Office", "2013")}
EOS_SERVER = {
    ("SQL Server", "2008"),
    ("SQL Server", "2008 R2"),
    ("SQL Server", "2012"),
    ("Windows Server", "2008"),
    ("Windows Server", "2008 R2"),
    ("Windows Server", "2012"),
    ("Windows Server", "2012 R2"),
}


def month_index(values: pd.Series) -> np.ndarray:
    d = pd.to_datetime(values)
    return (d.dt.year * 12 + d.dt.month).to_numpy()


class Grid:
    """Dense (account, product, month) arrays over the history."""

    def __init__(self, frames: dict[str, pd.DataFrame]) -> None:
        self.accounts = frames["accounts"]["account_id"].to_numpy()
        self.row = pd.Series(np.arange(len(self.accounts)), index=self.accounts)
        months = month_index(frames["transactions"]["month"])
        self.first, self.months = int(months.min()), int(months.max() - months.min() + 1)
        self.shape = (len(self.accounts), len(PRODUCT_IDS), self.months)

    def account(self, ids: pd.Series) -> np.ndarray:
        return self.row.loc[ids.to_numpy()].to_numpy()

    def product(self, ids: pd.Series) -> np.ndarray:
        return ids.map({p: i for i, p in enumerate(PRODUCT_IDS)}).to_numpy()

    def month(self, values: pd.Series) -> np.ndarray:
        return month_index(values) - self.first


def _signal_counts(grid: Grid, frames: dict[str, pd.DataFrame]) -> np.ndarray:
    accounts = frames["accounts"]
    signals = frames["signals"].dropna(subset=["topic"])
    ids = signals["account_id"].fillna(
        signals["domain"].map(accounts.set_index("domain")["account_id"])
    )
    a, m = grid.account(ids), grid.month(signals["signal_time"].str.slice(0, 10))
    counts = np.zeros(grid.shape)
    for pi, prod in enumerate(PRODUCTS):
        on_topic = signals["topic"].isin(prod.topics).to_numpy()
        np.add.at(counts[:, pi, :], (a[on_topic], m[on_topic]), 1.0)
    return counts


def _presence(grid: Grid, install: pd.DataFrame, techs: set[tuple[str, str]]) -> np.ndarray:
    rows = install[
        [(t, v) in techs for t, v in zip(install["technology"], install["version"], strict=True)]
    ]
    out = np.zeros((grid.shape[0], grid.months), dtype=bool)
    a = grid.account(rows["account_id"])
    lo = np.maximum(grid.month(rows["first_seen"]), 0)
    hi = np.minimum(grid.month(rows["last_seen"]), grid.months - 1)
    for m in range(grid.months):
        live = (lo <= m) & (m <= hi)
        out[a[live], m] = True
    return out


def features(frames: dict[str, pd.DataFrame]) -> tuple[Grid, list[np.ndarray]]:
    """(grid, per product an array (accounts, months, features)); one model per product."""
    grid = Grid(frames)
    n, n_products, months = grid.shape
    accounts = frames["accounts"]
    size = np.log1p(accounts["employees"].to_numpy(dtype=float))
    industry = pd.get_dummies(accounts["industry"]).to_numpy(dtype=float)
    tx = frames["transactions"]
    owned = np.zeros(grid.shape, dtype=np.float32)
    owned[grid.account(tx["account_id"]), grid.product(tx["product"]), grid.month(tx["month"])] = 1
    opps = frames["opportunities"]
    recent = np.zeros(grid.shape, dtype=np.float32)
    oa, op, om = (
        grid.account(opps["account_id"]),
        grid.product(opps["product"]),
        grid.month(opps["created_date"]),
    )
    for lag in range(0, 6):
        ok = om + lag < months
        recent[oa[ok], op[ok], om[ok] + lag] = 1
    sig = np.log1p(_signal_counts(grid, frames)).astype(np.float32)
    sig1 = np.concatenate([np.zeros((n, n_products, 1), np.float32), sig[:, :, :-1]], axis=2)
    install = frames["install_base"]
    eos_c = _presence(grid, install, EOS_CLIENT)
    eos_s = _presence(grid, install, EOS_SERVER)
    shared = [
        np.broadcast_to(size[:, None], (n, months)),
        eos_c,
        eos_s,
        *[owned[:, q, :] for q in range(n_products)],
        *[np.broadcast_to(industry[:, k : k + 1], (n, months)) for k in range(industry.shape[1])],
    ]
    out = []
    for pi in range(n_products):
        cols = [*shared, sig[:, pi, :], sig1[:, pi, :], recent[:, pi, :]]
        out.append(np.stack(cols, axis=-1).astype(np.float64))
    return grid, out


def fit_logistic(x: np.ndarray, y: np.ndarray, ridge: float = 1.0, steps: int = 12) -> np.ndarray:
    mean, sd = x.mean(axis=0), x.std(axis=0) + 1e-9
    z = np.column_stack([np.ones(len(x)), (x - mean) / sd])
    w = np.zeros(z.shape[1])
    w[0] = np.log(y.mean() / (1 - y.mean()))
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-(z @ w)))
        grad = z.T @ (p - y) + ridge * w
        hess = (z * (p * (1 - p))[:, None]).T @ z + ridge * np.eye(len(w))
        w -= np.linalg.solve(hess, grad)
    return np.concatenate([[w[0] - (w[1:] * mean / sd).sum()], w[1:] / sd])


def score(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    return x @ w[1:] + w[0]
