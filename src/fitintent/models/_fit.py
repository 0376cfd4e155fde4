"""Fit: a positive-unlabelled lookalike of each product's best customers.

**Positives** are the product's owners at the training month that the configuration calls best:
owned for at least ``fit.best_min_tenure_months`` and spending at least the
``fit.best_spend_quantile`` quantile of the owners' 12-month spend; and the accounts that opened
an opportunity for the product in the last ``fit.opportunity_months`` months (won, lost or still
open: the freshest examples of who buys it, which a spend threshold would miss; 0 turns this
off). **Everyone else is unlabelled**, not negative: many of them would be good customers who
simply have not bought yet.

**Method: Elkan-Noto with cross-fitting.** A LightGBM classifier ``g(x) = P(labelled | x)`` is
trained on positives against the unlabelled. Under the usual PU assumption (best customers are
labelled at random among all accounts that *are* like them), ``P(y = 1 | x) = g(x) / c`` where
``c = P(labelled | y = 1)`` is estimated as the mean of ``g`` over held-out positives; so ``g``
already ranks accounts as the true lookalike probability does, and ``g / c`` is a calibrated
probability when ``fit.scale`` asks for one. We chose it over PU bagging because it needs one
model per fold instead of dozens of bags, gives that calibrated probability for free, and its
ranking is the same as bagging's in expectation. The data are split into ``fit.folds`` folds by
a hash of the account id; the model of fold k is trained on the other folds (early stopping on
fold k) and scores only fold k's accounts. Without this, a tree model would learn each unlabelled
lookalike as a negative and push exactly the accounts we want to find to the bottom.

Features: firmographics (with the user's extra columns), size and segment, install base, licence
programs and the holdings of *other* products; never the product's own holding, its signals or
its opportunities (and for a compute product, not the compute-spend columns derived from it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import pyarrow as pa

from fitintent.config import Config
from fitintent.features import Catalog, Feature
from fitintent.models._design import Columnar, Design
from fitintent.models._lgb import (
    auc,
    best_rounds,
    both_classes,
    dataset,
    fold_of,
    params,
    subset,
    train,
    unit_hash,
)
from fitintent.models._native import Predict, native
from fitintent.models._paths import PathTable

COMPUTE_DERIVED = ("compute_spend_12m", "compute_potential_3y", "top_unmanaged_compute")
ROLES = ("firmographic", "segment", "install_base", "agreement", "holding")


def fit_features(catalog: Catalog, product: str, cfg: Config) -> list[Feature]:
    compute = product in cfg.compute_products
    out = []
    for f in catalog.features:
        if f.intent or f.role not in ROLES:
            continue
        if f.role == "holding" and (f.product is None or f.product == product):
            continue
        if compute and f.name in COMPUTE_DERIVED:
            continue
        out.append(f)
    return out


def best_customers(data: Columnar, product: str, cfg: Config) -> np.ndarray:
    """The positives: owners with enough tenure and spend, and the accounts that opened an
    opportunity for the product in the last ``fit.opportunity_months`` months (see the module
    docstring)."""
    owns = np.nan_to_num(_col(data, f"owns_{product}")) > 0
    tenure = np.nan_to_num(_col(data, f"tenure_{product}"), nan=-1.0)
    spend = np.nan_to_num(_col(data, f"spend12_{product}"))
    since = np.nan_to_num(_col(data, f"opp_{product}_days_since"), nan=np.inf)
    recent = since <= cfg.fit.opportunity_months * 30.4375
    if not owns.any():
        return recent
    floor = float(np.quantile(spend[owns], cfg.fit.best_spend_quantile))
    return (owns & (tenure >= cfg.fit.best_min_tenure_months) & (spend >= floor)) | recent


def _col(data: Columnar, name: str) -> np.ndarray:
    if name not in data.schema.names:
        return np.zeros(data.num_rows)
    return np.asarray(data.column(name).cast(pa.float64()).to_numpy(zero_copy_only=False))


@dataclass
class FitModel:
    product: str
    design: Design
    boosters: list[lgb.Booster]
    label_frequency: float  # c of Elkan-Noto: mean g over held-out positives
    metrics: dict[str, Any]
    _paths: list[PathTable] = field(default_factory=list, repr=False, compare=False)
    _native: list[Predict | None] = field(default_factory=list, repr=False, compare=False)

    def raw(self, x: np.ndarray, ids: list[str], fold: np.ndarray | None = None) -> np.ndarray:
        """g(x), each account scored by the fold model that did not train on it (``fold``: the
        accounts' :func:`fold_of`, when the caller has it)."""
        fold = fold_of(ids, len(self.boosters)) if fold is None else fold
        out = np.zeros(len(ids))
        fast = self._native or [None] * len(self.boosters)
        for k, (b, predict) in enumerate(zip(self.boosters, fast, strict=True)):
            rows = fold == k
            if rows.any():
                out[rows] = b.predict(x[rows]) if predict is None else predict(x[rows])
        return out

    def compiled(self, folder: Path, *, build: bool) -> None:
        """Predict from the boosters' compiled code in ``folder`` (:mod:`._native`), compiled
        first where it is missing and ``build``; a booster without code keeps LightGBM's."""
        self._native = [native(b, folder, build=build) for b in self.boosters]

    def probability(self, g: np.ndarray) -> np.ndarray:
        return np.clip(g / max(self.label_frequency, 1e-9), 0.0, 1.0)

    def contributions(
        self, x: np.ndarray, ids: list[str], fold: np.ndarray | None = None
    ) -> np.ndarray:
        """Per-row feature contributions to g's log-odds along each row's decision paths in the
        fold model that scored it (:mod:`fitintent.models._paths`); the last column is the
        bias. ``fold``: the accounts' :func:`fold_of`, when the caller has it."""
        if len(self._paths) != len(self.boosters):
            self._paths = [PathTable.of(b) for b in self.boosters]
        fold = fold_of(ids, len(self.boosters)) if fold is None else fold
        out = np.zeros((len(ids), x.shape[1] + 1))
        for k, b in enumerate(self.boosters):
            rows = fold == k
            if rows.any():
                out[rows] = self._paths[k].contributions(b, x[rows])
        return out

    def texts(self) -> list[str]:
        return [b.model_to_string() for b in self.boosters]


def train_fit(data: pa.Table, product: str, cfg: Config, catalog: Catalog) -> FitModel | None:
    """Train the fit model of ``product`` on one month's feature rows; None when there are fewer
    than ``fit.min_positives`` best customers."""
    s = cfg.fit
    positive = best_customers(data, product, cfg)
    if positive.sum() < s.min_positives:
        return None
    ids = [str(i) for i in data.column("account_id").to_pylist()]
    design = Design.learn(data, fit_features(catalog, product, cfg))
    x = design.matrix(data)
    y = positive.astype(np.float64)
    weight = np.ones(len(y))
    n_unl = int((~positive).sum())
    room = max(s.max_training_rows - int(positive.sum()), 1)
    if n_unl > room:  # sample the unlabelled; weights keep the class balance
        frac = room / n_unl
        keep = positive | (unit_hash(ids, f"fit-{product}") < frac)
        weight = np.where(positive, 1.0, 1.0 / frac)[keep]
        x, y, ids = x[keep], y[keep], [i for i, k in zip(ids, keep, strict=True) if k]
    p = params(
        num_leaves=s.num_leaves,
        learning_rate=s.learning_rate,
        min_child_samples=s.min_child_samples,
        seed=s.seed,
        rows=len(y),
    )
    fold = fold_of(ids, s.folds)
    oof = np.zeros(len(y))
    boosters: list[lgb.Booster] = []
    full = dataset(x, y, design.categorical, p, weight)
    for k in range(s.folds):
        tr, va = fold != k, fold == k
        valid = subset(full, va) if both_classes(y[va]) else None
        b = train(subset(full, tr), p, s.max_trees, valid=valid)
        b = lgb.Booster(model_str=b.model_to_string(num_iteration=best_rounds(b)))
        boosters.append(b)
        if va.any():
            oof[va] = b.predict(x[va])
    c = float(oof[y > 0].mean())
    metrics = {
        "positives": int(positive.sum()),
        "unlabelled": n_unl,
        "label_frequency": c,
        "pu_auc": auc(oof, y),
        "trees": [int(b.num_trees()) for b in boosters],
    }
    return FitModel(product, design, boosters, c, metrics)
