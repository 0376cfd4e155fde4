"""The gate: a candidate that validates worse than the model in use is not published."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
from scoring_world import ScoredWorld

from fitintent.config import Config, GateSettings
from fitintent.evaluate import auc, gate
from fitintent.models import (
    Registry,
    consider,
    intent_files,
    labelled_panel,
    load_intent,
    model_name,
    train_intent,
    training_months,
)

# the engine's DuckDB batch adapter still calls a DuckDB method deprecated in DuckDB 2


def test_gate_rules() -> None:
    cfg = Config(gate=GateSettings(tolerance=0.02, min_positives=30))
    assert gate({"auc": 0.6, "positives": 100}, None, cfg).publish
    worse = gate({"auc": 0.70, "positives": 100}, {"auc": 0.75}, cfg)
    assert not worse.publish and "refused" in worse.reason and "kept" in worse.reason
    assert gate({"auc": 0.74, "positives": 100}, {"auc": 0.75}, cfg).publish  # within tolerance
    assert gate({"auc": 0.80, "positives": 100}, {"auc": 0.75}, cfg).publish
    few = gate({"auc": 0.50, "positives": 12}, {"auc": 0.75}, cfg)
    assert few.publish and "not validated" in few.reason
    assert gate({"auc": None, "positives": 0}, {"auc": 0.75}, cfg).publish


def test_a_candidate_trained_on_shuffled_labels_is_refused(
    on_world: ScoredWorld, tmp_path: Path
) -> None:
    world, cfg, product = on_world, on_world.cfg, "M365"
    registry = Registry(shutil.copytree(world.registry, tmp_path / "models"))
    name = model_name("intent", product)
    current = registry.current(name)
    assert current is not None
    in_use = load_intent(current, registry.texts(current))

    months = training_months(world.period, cfg)
    panel = labelled_panel(world.source, months, world.source.segmented(world.period), cfg)
    label = np.asarray(panel.column(f"y_{product}").to_numpy(), dtype=float)
    weight = np.asarray(panel.column("weight").to_numpy(), dtype=float)
    shuffled = np.random.default_rng(0).permutation(label)
    bad = train_intent(panel, shuffled, weight, product, cfg, world.source.catalog(), None)
    assert bad is not None

    x = bad.design.matrix(panel)
    candidate = {"auc": auc(bad.raw(x), label), "positives": int(label.sum())}
    held = {"auc": auc(in_use.raw(in_use.design.matrix(panel)), label)}
    extra, texts = intent_files(bad)
    card = {
        "name": name,
        "kind": "intent",
        "product": product,
        "trained_for": str(world.period),
        "training_window": {"from": str(months[0]), "to": str(months[-1])},
        "metrics": bad.metrics,
        **extra,
    }
    saved, published = consider(registry, card, texts, candidate, current, held, cfg)

    assert not published
    assert saved["status"] == "refused" and "refused" in saved["gate"]["reason"]
    assert saved["gate"]["current_version"] == current["version"]
    kept = registry.current(name)
    assert kept is not None and kept["version"] == current["version"]  # the old model stays
    assert registry.card(name, saved["version"])["status"] == "refused"  # and the refusal is kept
