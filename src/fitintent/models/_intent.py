"""Intent: a learned model of which recent behaviour precedes an opportunity for the product.

Rows are account x month over ``intent.training_months`` past months; the features are those of
the month (surge, recent and prior volume, strength and recency of the product's topics, counts
by signal type, the product's opportunity history, expiring agreements, whether the account
already owns the product), the label whether an opportunity for the product was created in the
``intent.horizon_days`` after the month. Every training month ends at least the horizon before
the scoring period's end, so all labels were known when the model is trained (a strict time
split).

The newest ``intent.validation_months`` months are held out: a first model trained on the older
months stops early on them and gives the validation AUC (used by the gate) and an isotonic
calibration (for ``intent.scale = probability``); the published model is then retrained on all
months with the number of trees found.

Alongside, the same procedure trains the **propensity** model: the intent features plus the
logit of the product's fit score, a probability of an opportunity within the horizon that ranks
accounts across fit and intent together (it orders target lists and is what evaluation compares
with the hidden truth). A learned combination, not a fixed formula: how much a strong lookalike
with no signals weighs against a surging weak one differs by product.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import pyarrow as pa
from sklearn.isotonic import IsotonicRegression

from fitintent.config import Config
from fitintent.features import Catalog, Feature
from fitintent.models._design import Design
from fitintent.models._lgb import auc, best_rounds, both_classes, dataset, params, subset, train
from fitintent.models._native import Predict, native
from fitintent.models._paths import PathTable

_EPS = 1e-6


def intent_features(catalog: Catalog, product: str) -> list[Feature]:
    out = [f for f in catalog.features if f.intent and f.product in (None, product)]
    owns = [f for f in catalog.features if f.name == f"owns_{product}"]
    return out + owns


def logit(p: np.ndarray) -> np.ndarray:
    q = np.clip(p, _EPS, 1 - _EPS)
    return np.log(q / (1 - q))


@dataclass
class IntentModel:
    product: str
    design: Design
    booster: lgb.Booster
    calibration: tuple[list[float], list[float]]  # isotonic x and y thresholds
    propensity_booster: lgb.Booster | None  # intent features + logit(fit raw)
    metrics: dict[str, Any] = field(default_factory=dict)
    # held-out rows of the training panel and the first model's predictions on them (not saved)
    held_mask: np.ndarray | None = None
    held_out: np.ndarray | None = None
    _paths: PathTable | None = field(default=None, repr=False, compare=False)
    _native: Predict | None = field(default=None, repr=False, compare=False)
    _native_propensity: Predict | None = field(default=None, repr=False, compare=False)

    def raw(self, x: np.ndarray) -> np.ndarray:
        out = self.booster.predict(x) if self._native is None else self._native(x)
        return np.asarray(out, dtype=np.float64)

    def compiled(self, folder: Path, *, build: bool) -> None:
        """Predict from the boosters' compiled code in ``folder`` (:mod:`._native`), compiled
        first where it is missing and ``build``; a booster without code keeps LightGBM's."""
        self._native = native(self.booster, folder, build=build)
        if self.propensity_booster is not None:
            self._native_propensity = native(self.propensity_booster, folder, build=build)

    def probability(self, raw: np.ndarray) -> np.ndarray:
        xs, ys = self.calibration
        if len(xs) < 2:
            return raw
        return np.interp(raw, xs, ys)

    def propensity(self, x: np.ndarray, fit_raw: np.ndarray | None) -> np.ndarray:
        if self.propensity_booster is None or fit_raw is None:
            return self.raw(x)
        z = np.column_stack([x, logit(fit_raw)])
        fast = self._native_propensity
        out = self.propensity_booster.predict(z) if fast is None else fast(z)
        return np.asarray(out, dtype=np.float64)

    def contributions(self, x: np.ndarray) -> np.ndarray:
        """Per-row contributions to the intent log-odds along the decision paths
        (:mod:`fitintent.models._paths`); the last column is the bias."""
        if self._paths is None:
            self._paths = PathTable.of(self.booster)
        return self._paths.contributions(self.booster, x)


def _two_step(
    x: np.ndarray,
    label: np.ndarray,
    weight: np.ndarray,
    valid: np.ndarray,
    categorical: list[int],
    p: dict[str, Any],
    max_trees: int,
) -> tuple[lgb.Booster, np.ndarray, int]:
    """Early stopping on the held-out months, then a retrain on all months; returns the final
    model, the first model's held-out predictions and the number of trees."""
    full = dataset(x, label, categorical, p, weight)
    held_set = subset(full, valid) if both_classes(label[valid]) else None
    first = train(subset(full, ~valid), p, max_trees, valid=held_set)
    rounds = best_rounds(first)
    held = np.asarray(first.predict(x[valid], num_iteration=rounds), dtype=np.float64)
    final = train(full, p, max(1, round(rounds * 1.1)))
    return final, held, rounds


def train_intent(
    panel: pa.Table,
    label: np.ndarray,
    weight: np.ndarray,
    product: str,
    cfg: Config,
    catalog: Catalog,
    fit_raw: np.ndarray | None,
) -> IntentModel | None:
    """Train on ``panel`` rows (with a ``period`` column) and their 0/1 ``label``; ``fit_raw`` is
    the fit model's output on the same rows (None: no propensity model). None when the history
    holds fewer than two opportunities for the product."""
    s = cfg.intent
    if label.sum() < 2:
        return None
    design = Design.learn(panel, intent_features(catalog, product))
    x = design.matrix(panel)
    period = np.asarray(panel.column("period").to_pylist())
    months = sorted(set(period.tolist()))
    valid = np.isin(period, months[-s.validation_months :])
    p = params(
        num_leaves=s.num_leaves,
        learning_rate=s.learning_rate,
        min_child_samples=s.min_child_samples,
        seed=s.seed,
        rows=len(label),
    )
    final, held, rounds = _two_step(x, label, weight, valid, design.categorical, p, s.max_trees)
    y_valid = label[valid]
    metrics: dict[str, Any] = {
        "rows": len(label),
        "positives": int(label.sum()),
        "valid_months": months[-s.validation_months :],
        "valid_positives": int(y_valid.sum()),
        "valid_auc": auc(held, y_valid),
        "trees": rounds,
    }
    calibration: tuple[list[float], list[float]] = ([], [])
    if 0 < y_valid.sum() < len(y_valid):
        iso = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0)
        iso.fit(held, y_valid, sample_weight=weight[valid])
        calibration = ([float(v) for v in iso.X_thresholds_], [float(v) for v in iso.y_thresholds_])
    combined = None
    if fit_raw is not None:
        z = np.column_stack([x, logit(fit_raw)])
        combined, held_p, rounds_p = _two_step(
            z, label, weight, valid, design.categorical, p, s.max_trees
        )
        metrics |= {"propensity_valid_auc": auc(held_p, y_valid), "propensity_trees": rounds_p}
    return IntentModel(product, design, final, calibration, combined, metrics, valid, held)
