"""When to train, what to train on, and whether a new model may replace the one in use.

* **Fit** is retrained at the quarter starts of ``fit.retrain_months``: the model of a period is
  the one trained for the latest retrain month on or before it, on the features as of that month.
  Other months reuse it.
* **Intent** is retrained at ``intent.retrain_months`` (every month by default) on the
  ``intent.training_months`` months whose horizon ended by the retrain month's last day.
* A freshly trained model is a *candidate*: it is saved, validated against the opportunities
  that followed the newest fully observed month alongside the model in use, and published only
  when :func:`fitintent.evaluate.gate` allows; otherwise the run keeps the model in use and the
  candidate's card says why it was refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import numpy as np
import pyarrow as pa

from fitintent.config import Config
from fitintent.engine import DataFrame, F, active
from fitintent.features import FeatureSource
from fitintent.models._fit import FitModel
from fitintent.models._intent import IntentModel
from fitintent.models._lgb import auc
from fitintent.models._registry import Card, Registry, model_name
from fitintent.period import Period


@dataclass
class Models:
    """The models that score a period, by product, and every card touched on the way."""

    fit: dict[str, FitModel] = field(default_factory=dict)
    intent: dict[str, IntentModel] = field(default_factory=dict)
    fit_version: dict[str, str] = field(default_factory=dict)
    intent_version: dict[str, str] = field(default_factory=dict)
    cards: list[Card] = field(default_factory=list)


def retrain_period(period: Period, months: list[int]) -> Period:
    """The latest month on or before ``period`` whose calendar month is in ``months``."""
    p = period
    while p.month not in months:
        p = p.shift(-1)
    return p


def last_labelled(period: Period, cfg: Config) -> Period:
    """The newest month whose whole horizon ends by ``period``'s last day."""
    m = period.shift(-1)
    while m.end + timedelta(days=cfg.intent.horizon_days) > period.end:
        m = m.shift(-1)
    return m


def training_months(period: Period, cfg: Config) -> list[Period]:
    last = last_labelled(period, cfg)
    return [last.shift(-k) for k in reversed(range(cfg.intent.training_months))]


def labelled_panel(
    source: FeatureSource, months: list[Period], segmented: DataFrame, cfg: Config
) -> pa.Table:
    """Feature rows of ``months`` with their ``y_<P>`` labels (an opportunity for P in the
    horizon after the month) and a ``weight``, collected to the driver sorted by account and
    month so that training does not depend on the engine's row order.

    Account-months with an opportunity for any product are all kept; the others (the vast
    majority) are sampled at ``intent.negative_rate``, lower still when the panel would pass
    ``intent.max_training_rows``, by an md5 of account and month (the same rows on every run and
    every engine), and weighted up by the inverse of the rate."""
    eng = active()
    outcomes = eng.to_arrow(source.outcomes(months).select("account_id", "product", "period"))
    n = source.account_count() * len(months)
    frac = min(cfg.intent.negative_rate, cfg.intent.max_training_rows / max(n, 1))
    if frac < 1.0:
        # the sample is drawn from the accounts x months grid first, and only its rows are built
        grid = source.account_months(months)
        hits = (
            source.outcomes(months)
            .select(F.col("account_id").alias("_h_account"), F.col("period").alias("_h_period"))
            .distinct()
        )
        keyed = grid.join(
            hits,
            on=(F.col("account_id") == F.col("_h_account"))
            & (F.col("period") == F.col("_h_period")),
            how="left",
        )
        # md5 is the same on every engine (hash() is not): its hex digits, compared as text
        # with a hex threshold, draw a uniform share of the account-months
        digest = F.md5(F.concat_ws("|", F.col("account_id"), F.col("period").cast("string")))
        threshold = f"{int(frac * 16**8):08x}"
        keep = F.col("_h_account").isNotNull() | (F.substring(digest, 1, 8) < F.lit(threshold))
        pairs = eng.materialize(keyed.where(keep).select("account_id", "period"), "intent-pairs")
        dated = source.sampled(months, pairs)
    else:
        dated = source.dated(months)
    table = source.collect(months, segmented, dated)
    keys = [
        f"{a}|{p}"
        for a, p in zip(
            table.column("account_id").to_pylist(), table.column("period").to_pylist(), strict=True
        )
    ]
    hit_any = np.zeros(len(keys), dtype=bool)
    for product in cfg.product_ids:
        mine = {
            f"{a}|{p}"
            for a, q, p in zip(
                outcomes.column("account_id").to_pylist(),
                outcomes.column("product").to_pylist(),
                outcomes.column("period").to_pylist(),
                strict=True,
            )
            if q == product
        }
        y = np.fromiter((k in mine for k in keys), dtype=bool, count=len(keys))
        hit_any |= y
        table = table.append_column(f"y_{product}", pa.array(y.astype(np.int64)))
    weight = np.where(hit_any, 1.0, 1.0 / frac)
    return table.append_column("weight", pa.array(weight))


def base_card(kind: str, product: str, trained_for: Period, cfg: Config) -> Card:
    s = cfg.fit if kind == "fit" else cfg.intent
    return {
        "name": model_name(kind, product),
        "kind": kind,
        "product": product,
        "trained_for": str(trained_for),
        "parameters": {
            "num_leaves": s.num_leaves,
            "learning_rate": s.learning_rate,
            "max_trees": s.max_trees,
            "min_child_samples": s.min_child_samples,
            "seed": s.seed,
            **({"folds": cfg.fit.folds} if kind == "fit" else {}),
        },
        "scale": s.scale.kind,
    }


def consider(
    registry: Registry,
    candidate: Card,
    texts: dict[str, str],
    validation: dict[str, Any],
    current: Card | None,
    current_validation: dict[str, Any] | None,
    cfg: Config,
) -> tuple[Card, bool]:
    """Save a candidate, gate it against the model in use and publish it or not. Returns the
    candidate's card (with ``status`` and ``gate``) and whether it was published."""
    from fitintent.evaluate import gate  # evaluate depends on models, not the other way round

    decision = gate(validation, current_validation, cfg)
    card = registry.save({**candidate, "validation": validation}, texts)
    card = {
        **card,
        "status": "published" if decision.publish else "refused",
        "gate": decision.as_dict(current["version"] if current else None),
    }
    registry.update(card)
    if decision.publish:
        registry.publish(card)
    return card, decision.publish


def fit_validation(model: FitModel | None, data: pa.Table, label: np.ndarray) -> dict[str, Any]:
    if model is None:
        return {"auc": None, "rows": int(data.num_rows), "positives": int(label.sum())}
    ids = [str(i) for i in data.column("account_id").to_pylist()]
    score = model.raw(model.design.matrix(data), ids)
    return {"auc": auc(score, label), "rows": int(data.num_rows), "positives": int(label.sum())}


def outcome_labels(data: pa.Table, outcomes: pa.Table, product: str) -> np.ndarray:
    """1 where the account of each ``data`` row had an opportunity for ``product``."""
    hit = {
        a
        for a, p in zip(
            outcomes.column("account_id").to_pylist(),
            outcomes.column("product").to_pylist(),
            strict=True,
        )
        if p == product
    }
    return np.array([a in hit for a in data.column("account_id").to_pylist()], dtype=np.float64)
