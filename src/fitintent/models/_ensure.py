"""Load the models of a period from the registry, training (and gating) the missing ones."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import numpy as np

from fitintent.config import Config
from fitintent.engine import DataFrame, active
from fitintent.features import FeatureSource
from fitintent.models._fit import train_fit
from fitintent.models._intent import IntentModel, train_intent
from fitintent.models._lgb import auc
from fitintent.models._registry import (
    Card,
    Registry,
    fit_files,
    intent_files,
    load_fit,
    load_intent,
    model_name,
)
from fitintent.models._train import (
    Models,
    base_card,
    consider,
    fit_validation,
    labelled_panel,
    last_labelled,
    outcome_labels,
    retrain_period,
    training_months,
)
from fitintent.period import Period


def _plan(
    registry: Registry, kind: str, products: list[str], due: Period
) -> tuple[dict[str, Card], list[str], list[Card]]:
    """Per product, the card of the model that scores a period whose model is due at ``due``:
    the one trained for ``due`` if it was published, else (it was refused) the model that was
    in use when it was refused; products with nothing trained for ``due`` are to train."""
    use: dict[str, Card] = {}
    todo: list[str] = []
    seen: list[Card] = []
    for p in products:
        name = model_name(kind, p)
        current = registry.current(name)
        tried = registry.find(name, str(due))
        if current is not None and current["trained_for"] == str(due):
            use[p] = current
        elif tried is None:
            todo.append(p)
        elif tried.get("status") == "published":
            use[p] = tried
        else:
            seen.append(tried)
            kept = (tried.get("gate") or {}).get("current_version")
            if kept:
                use[p] = registry.card(name, kept)
            elif current is not None:
                use[p] = current
    return use, todo, seen


def due_months(registry: Registry, cfg: Config, period: Period) -> list[Period]:
    """Every month whose features scoring ``period`` needs for every account, the fit model's
    training and validation months included (built in one query up front). Intent training
    builds only its sample's account-months (:func:`labelled_panel`)."""
    months = {period}
    q = retrain_period(period, cfg.fit.retrain_months)
    if _plan(registry, "fit", cfg.product_ids, q)[1]:
        months |= {q, last_labelled(q, cfg)}
    return sorted(months)


def ensure_fit(
    source: FeatureSource,
    cfg: Config,
    period: Period,
    registry: Registry,
    segmented: DataFrame | None,
    models: Models,
) -> None:
    q = retrain_period(period, cfg.fit.retrain_months)
    use, todo, seen = _plan(registry, "fit", cfg.product_ids, q)
    models.cards.extend(seen)
    for p, card in use.items():
        models.fit[p] = load_fit(card, registry.texts(card))
        models.fit_version[p] = card["version"]
        models.cards.append(card)
    if not todo:
        return
    eng = active()
    seg = segmented if q == period and segmented is not None else source.segmented(q)
    data = source.collect([q], seg)
    check = last_labelled(q, cfg)
    vdata = source.collect([check], source.segmented(check))
    vout = eng.to_arrow(source.outcomes([check]).select("account_id", "product"))
    catalog = source.catalog()
    for p in todo:
        model = train_fit(data, p, cfg, catalog)
        current = registry.current(model_name("fit", p))
        in_use = load_fit(current, registry.texts(current)) if current else None
        if model is None:  # too few best customers: keep what there is
            if in_use is not None and current is not None:
                models.fit[p], models.fit_version[p] = in_use, current["version"]
                models.cards.append(current)
            continue
        label = outcome_labels(vdata, vout, p)
        extra, texts = fit_files(model)
        card = {
            **base_card("fit", p, q, cfg),
            "training_window": {"as_of": str(q), "from": str(q), "to": str(q)},
            "metrics": model.metrics,
            **extra,
        }
        candidate = fit_validation(model, vdata, label) | {"month": str(check)}
        held = None if in_use is None else fit_validation(in_use, vdata, label)
        card, published = consider(registry, card, texts, candidate, current, held, cfg)
        models.cards.append(card)
        chosen, chosen_card = (model, card) if published or current is None else (in_use, current)
        if chosen is not None:
            models.fit[p], models.fit_version[p] = chosen, chosen_card["version"]


def ensure_intent(
    source: FeatureSource,
    cfg: Config,
    period: Period,
    registry: Registry,
    segmented: DataFrame | None,
    models: Models,
) -> None:
    r = retrain_period(period, cfg.intent.retrain_months)
    use, todo, seen = _plan(registry, "intent", cfg.product_ids, r)
    models.cards.extend(seen)
    for p, card in use.items():
        models.intent[p] = load_intent(card, registry.texts(card))
        models.intent_version[p] = card["version"]
        models.cards.append(card)
    if not todo:
        return
    months = training_months(r, cfg)
    seg = segmented if r == period and segmented is not None else source.segmented(r)
    panel = labelled_panel(source, months, seg, cfg)
    ids = [str(i) for i in panel.column("account_id").to_pylist()]
    weight = np.asarray(panel.column("weight").to_numpy(zero_copy_only=False), dtype=np.float64)
    periods = np.asarray(panel.column("period").to_pylist())
    catalog = source.catalog()
    for p in todo:
        label = np.asarray(panel.column(f"y_{p}").to_numpy(zero_copy_only=False), dtype=np.float64)
        fit = models.fit.get(p)
        fit_raw = None if fit is None else fit.raw(fit.design.matrix(panel), ids)
        model = train_intent(panel, label, weight, p, cfg, catalog, fit_raw)
        current = registry.current(model_name("intent", p))
        in_use = load_intent(current, registry.texts(current)) if current else None
        if model is None:
            if in_use is not None and current is not None:
                models.intent[p], models.intent_version[p] = in_use, current["version"]
                models.cards.append(current)
            continue
        candidate, held = _intent_validation(model, in_use, current, panel, label, periods)
        extra, texts = intent_files(model)
        card = {
            **base_card("intent", p, r, cfg),
            "training_window": {
                "from": str(months[0]),
                "to": str(months[-1]),
                "labels_until": str(months[-1].end + timedelta(days=cfg.intent.horizon_days)),
            },
            "metrics": model.metrics,
            **extra,
        }
        card, published = consider(registry, card, texts, candidate, current, held, cfg)
        models.cards.append(card)
        chosen, chosen_card = (model, card) if published or current is None else (in_use, current)
        if chosen is not None:
            models.intent[p], models.intent_version[p] = chosen, chosen_card["version"]


def _intent_validation(
    model: IntentModel,
    in_use: IntentModel | None,
    current: Card | None,
    panel: Any,
    label: np.ndarray,
    periods: np.ndarray,
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """AUC of the candidate's held-out model and of the model in use on the held-out months the
    model in use never trained on (its training window ended before them)."""
    assert model.held_mask is not None and model.held_out is not None
    rows = model.held_mask.copy()
    if current is not None:
        rows &= periods > str(current["training_window"]["to"])
    sub = rows[model.held_mask]
    months = sorted(set(periods[rows].tolist()))
    candidate = {
        "auc": auc(model.held_out[sub], label[rows]),
        "rows": int(rows.sum()),
        "positives": int(label[rows].sum()),
        "months": months,
    }
    if in_use is None:
        return candidate, None
    x = in_use.design.matrix(panel.filter(rows))
    held = {"auc": auc(in_use.raw(x), label[rows]), "rows": int(rows.sum()), "months": months}
    return candidate, held
