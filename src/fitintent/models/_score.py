"""Scoring a period: models from the registry (trained when due), scores through the Arrow batch
adapter, 0-100 scales, and reasons for the accounts worth working.

>>> scores, cards = score_period(tables, segmented, cfg, period, models_dir)  # doctest: +SKIP

``scores`` has one row per account x product: ``account_id``, ``product``, ``fit`` and
``intent`` (double, 0-100), ``surge`` (double, 0-100, 50 = normal), ``propensity`` (double, the
stacked probability of an opportunity within the horizon), ``fit_model`` and ``intent_model``
(versions), ``fit_reasons``, ``intent_reasons``, ``intent_evidence`` (strings, null where the
row was not explained).

**Scales** (``fit.scale`` / ``intent.scale``): ``percentile`` (default) is the percent rank of
the model output among all accounts scored for the product in the period, x 100 (ties share the
lowest rank); with the default bands that puts a quarter of the accounts in High fit, month after
month. ``probability`` is a calibrated probability x 100: for fit the Elkan-Noto estimate of
P(looks like a best customer), for intent the isotonic-calibrated P(opportunity in the horizon).

**Reasons for every row.** Every account x product gets ``fit_reasons`` and ``intent_reasons``;
``intent_evidence`` wherever the account has signals on the product's topics in the last
``intent.evidence_days``. How, and what it costs:

* Contributions are exact path attributions (:mod:`fitintent.models._paths`): each row's
  log-odds split over the features its decision paths split on, from the leaf it reaches in
  each tree. That costs about what scoring costs, where LightGBM's Shapley values
  (``pred_contrib``) cost ~15x more: too much to explain every row of a large population.
* The factors are worded once per distinct feature value in a batch (:mod:`._words`), not per
  row; a row whose factors all lowered its score says what held it back; a row with nothing to
  word, intent without recent signals, says so plainly ("no signals on email in the last 30
  days").
* ``fit.explain_min_fit`` (default 0: every row) is the row budget of large runs: set to 55, only
  the High and Medium fit rows (Act Now and Evaluate with the default bands) are explained from
  contributions; the others get plain statements of their values, computed without the models
  (``"fit under 55: factors not computed"``, the product's recent signals and surge, or
  "no signals on ... in the last 30 days"), and the evidence is looked up for the explained rows
  only: ranking every account's recent signals for every product is most of the cost.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from fitintent.config import Config
from fitintent.engine import DataFrame, F, Window, active, map_batches
from fitintent.features import FeatureSource, all_topics, slug
from fitintent.models._batch import (
    EVIDENCE_SCHEMA,
    EXPLAIN_SCHEMA,
    SCORE_SCHEMA,
    EvidenceWriter,
    Explainer,
    Scorer,
    _Packed,
)
from fitintent.models._ensure import due_months, ensure_fit, ensure_intent
from fitintent.models._registry import Card, Registry
from fitintent.models._train import Models
from fitintent.period import Period

SCORE_COLUMNS = (
    "account_id",
    "product",
    "fit",
    "intent",
    "surge",
    "propensity",
    "fit_model",
    "intent_model",
    "fit_reasons",
    "intent_reasons",
    "intent_evidence",
)


class _Laps:
    """Seconds since the previous lap, by name, into ``into`` (when given)."""

    def __init__(self, into: dict[str, float] | None) -> None:
        self.into, self.last = into, time.perf_counter()

    def __call__(self, name: str) -> None:
        now = time.perf_counter()
        if self.into is not None:
            self.into[name] = round(self.into.get(name, 0.0) + now - self.last, 3)
        self.last = now


def load_models(
    source: FeatureSource,
    cfg: Config,
    period: Period,
    registry_dir: Path | str,
    segmented: DataFrame | None = None,
    lap: Callable[[str], None] = lambda _: None,
) -> Models:
    """The fit and intent models of ``period``, trained and gated first where due."""
    registry = Registry(registry_dir)
    months = due_months(registry, cfg, period)
    source.warm(months, read_once=months == [period])  # only the period's own scoring reads it
    lap("features of every account")
    models = Models()
    ensure_fit(source, cfg, period, registry, segmented, models)
    lap("fit models")
    ensure_intent(source, cfg, period, registry, segmented, models)
    lap("intent models")
    return models


def _scaled(raw: str, probability: str, kind: str) -> Any:
    if kind == "probability":
        return F.round(F.col(probability) * F.lit(10000.0), 0) / F.lit(100.0)
    rank = F.percent_rank().over(Window.partitionBy("product").orderBy(F.col(raw).asc()))
    return F.when(F.col(raw).isNull(), F.lit(None)).otherwise(
        F.round(rank * F.lit(10000.0), 0) / F.lit(100.0)
    )


def _version(versions: Mapping[str, str]) -> Any:
    out: Any = F.lit(None).cast("string")
    for p, v in versions.items():
        out = F.when(F.col("product") == F.lit(p), F.lit(v)).otherwise(out)
    return out


def score_features(features: DataFrame, models: Models, cfg: Config) -> DataFrame:
    """Scores (without reasons) of a feature table: one row per account x product."""
    packed = _Packed.of(models.fit, models.intent, _compiled(features, models, cfg))
    raw = map_batches(features, Scorer(cfg.product_ids, packed), SCORE_SCHEMA)
    raw = active().materialize(raw, "raw-scores")
    return raw.select(
        "account_id",
        "product",
        _scaled("fit_raw", "fit_probability", cfg.fit.scale.kind).alias("fit"),
        _scaled("intent_raw", "intent_probability", cfg.intent.scale.kind).alias("intent"),
        "surge",
        "propensity",
        _version(models.fit_version).alias("fit_model"),
        _version(models.intent_version).alias("intent_model"),
    )


def _compiled(features: DataFrame, models: Models, cfg: Config) -> Path | None:
    """The folder of the models' compiled code (:mod:`._native`), compiled where it is missing,
    when the population is large enough to repay it (``engine.compile_min_accounts``); None
    otherwise: LightGBM predicts."""
    floor = cfg.engine.compile_min_accounts
    if floor > 0 and features.count() < floor:
        return None
    folder = cfg.paths.workdir / "compiled"
    for fit in models.fit.values():
        fit.compiled(folder, build=True)
    for intent in models.intent.values():
        intent.compiled(folder, build=True)
    return folder


def explain(
    scores: DataFrame,
    features: DataFrame,
    source: FeatureSource,
    models: Models,
    cfg: Config,
    period: Period,
    lap: Callable[[str], None] = lambda _: None,
) -> DataFrame:
    """Reasons (``fit_reasons``, ``intent_reasons``) for every account x product of ``scores``
    and the evidence (``intent_evidence``) of those with recent signals on the product's
    topics: ``account_id``, ``product`` and those three columns."""
    needed = {n for m in models.fit.values() for n in m.design.names}
    needed |= {n for m in models.intent.values() for n in m.design.names}
    needed |= {"eos_products", *[f"topic_{slug(t)}_recent" for t in all_topics(cfg)]}
    needed |= {f"sig_{p}_{k}" for p in cfg.product_ids for k in ("recent", "surge")}
    needed.add("sig_all_recent")
    cols = [c for c in features.columns if c in needed]
    rows = features.select("account_id", *cols)
    if cfg.fit.explain_min_fit > 0:  # which rows are explained depends on the fit score
        fits = scores.groupBy(F.col("account_id").alias("_s_account")).agg(
            *[
                F.max(F.when(F.col("product") == F.lit(p), F.col("fit"))).alias(f"_fit_{p}")
                for p in cfg.product_ids
            ]
        )
        rows = rows.join(fits, on=F.col("account_id") == F.col("_s_account")).select(
            "account_id", *cols, *[f"_fit_{p}" for p in cfg.product_ids]
        )
    packed = _Packed.of(models.fit, models.intent)
    fn = Explainer(cfg.product_ids, packed, source.catalog().by_name(), cfg)
    why = map_batches(rows, fn, EXPLAIN_SCHEMA, batch_rows=16_384)
    lap("explain: reasons")
    worked = None
    if cfg.fit.explain_min_fit > 0:
        floor = F.lit(float(cfg.fit.explain_min_fit))
        worked = scores.where(F.col("fit") >= floor).select("account_id", "product")
    ev = map_batches(
        source.evidence(period, worked), EvidenceWriter(cfg.intent.evidence_count), EVIDENCE_SCHEMA
    ).select(
        F.col("account_id").alias("_e_account"),
        F.col("product").alias("_e_product"),
        "intent_evidence",
    )
    lap("explain: evidence")
    on = (F.col("account_id") == F.col("_e_account")) & (F.col("product") == F.col("_e_product"))
    return why.join(ev, on=on, how="left").select(
        "account_id", "product", "fit_reasons", "intent_reasons", "intent_evidence"
    )


def score_period(
    tables: Mapping[str, DataFrame],
    segmented_accounts: DataFrame,
    cfg: Config,
    period: Period,
    registry_dir: Path | str,
    *,
    source: FeatureSource | None = None,
    reasons: bool = True,
    timings: dict[str, float] | None = None,
) -> tuple[DataFrame, list[Card]]:
    """Fit and intent for every account x product of ``period`` (columns :data:`SCORE_COLUMNS`)
    and the cards of the models used or refused. Trains when a model is due (a retrain month,
    or none yet) and otherwise loads from ``registry_dir``. Pass a prepared ``source`` to share
    feature tables between periods (backtests); ``reasons=False`` leaves the reason columns null
    (a backtest measures scores, it does not show them)."""
    eng = active()
    lap = _Laps(timings)
    source = source or FeatureSource.prepare(tables, cfg)
    models = load_models(source, cfg, period, registry_dir, segmented_accounts, lap)
    features = eng.materialize(source.at(period, segmented_accounts), "score-features")
    lap("features")
    scores = eng.materialize(score_features(features, models, cfg), "scores")
    lap("scoring")
    if not reasons:
        blank = [F.lit(None).cast("string").alias(c) for c in SCORE_COLUMNS[-3:]]
        return scores.select(*SCORE_COLUMNS[:-3], *blank), models.cards
    why = explain(scores, features, source, models, cfg, period, lap).select(
        F.col("account_id").alias("_w_account"),
        F.col("product").alias("_w_product"),
        "fit_reasons",
        "intent_reasons",
        "intent_evidence",
    )
    out = scores.join(
        why,
        on=(F.col("account_id") == F.col("_w_account")) & (F.col("product") == F.col("_w_product")),
        how="left",
    ).select(*SCORE_COLUMNS)
    return out, models.cards
