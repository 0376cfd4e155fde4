"""Models: fit (a positive-unlabelled lookalike) and intent (learned from the signals that came
before opportunities) per product, their registry, and the scoring of a period.

>>> scores, cards = score_period(tables, segmented, cfg, period, models_dir)  # doctest: +SKIP
"""

from fitintent.models._batch import (
    EVIDENCE_SCHEMA,
    EXPLAIN_SCHEMA,
    SCORE_SCHEMA,
    EvidenceWriter,
    Explainer,
    Scorer,
)
from fitintent.models._design import Design
from fitintent.models._fit import FitModel, best_customers, fit_features, train_fit
from fitintent.models._intent import IntentModel, intent_features, train_intent
from fitintent.models._paths import PathTable
from fitintent.models._reasons import evidence, phrase
from fitintent.models._registry import (
    Card,
    Registry,
    fit_files,
    intent_files,
    load_fit,
    load_intent,
    model_name,
)
from fitintent.models._score import (
    SCORE_COLUMNS,
    explain,
    load_models,
    score_features,
    score_period,
)
from fitintent.models._train import (
    Models,
    consider,
    labelled_panel,
    last_labelled,
    retrain_period,
    training_months,
)
from fitintent.models._words import HELD_BACK, Columns, quiet_topics, reasons, words_of

__all__ = [
    "EVIDENCE_SCHEMA",
    "EXPLAIN_SCHEMA",
    "HELD_BACK",
    "SCORE_COLUMNS",
    "SCORE_SCHEMA",
    "Card",
    "Columns",
    "Design",
    "EvidenceWriter",
    "Explainer",
    "FitModel",
    "IntentModel",
    "Models",
    "PathTable",
    "Registry",
    "Scorer",
    "best_customers",
    "consider",
    "evidence",
    "explain",
    "fit_features",
    "fit_files",
    "intent_features",
    "intent_files",
    "labelled_panel",
    "last_labelled",
    "load_fit",
    "load_intent",
    "load_models",
    "model_name",
    "phrase",
    "quiet_topics",
    "reasons",
    "retrain_period",
    "score_features",
    "score_period",
    "train_fit",
    "train_intent",
    "training_months",
    "words_of",
]
