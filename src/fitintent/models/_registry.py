"""The model registry: every trained model kept with its card, loadable to re-score.

Layout (``root`` is ``<workdir>/models``)::

    <root>/<name>/<version>/card.json     version, product, kind, training window, features,
                                          categories, parameters, metrics, status, gate decision
    <root>/<name>/<version>/*.txt         LightGBM text models (one per fold for fit)
    <root>/<name>/current.json            the version in use (moved only when a gate publishes)

``name`` is ``fit-<product>`` or ``intent-<product>``; ``version`` is the period the model was
trained for and a digest of its content (``2026-07-1a2b3c4d``), so retraining on the same data
gives the same version. A version folder is written to a temporary name and renamed into place.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import lightgbm as lgb

from fitintent.models._design import Design
from fitintent.models._fit import FitModel
from fitintent.models._intent import IntentModel

Card = dict[str, Any]


def model_name(kind: str, product: str) -> str:
    return f"{kind}-{product}"


class Registry:
    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def _dir(self, name: str, version: str) -> Path:
        return self.root / name / version

    def save(self, card: Card, texts: Mapping[str, str]) -> Card:
        """Write a model; ``card`` gets ``version``, ``name`` and ``files``."""
        digest = hashlib.sha256()
        for fname in sorted(texts):
            digest.update(fname.encode())
            digest.update(texts[fname].encode())
        stable = {k: v for k, v in card.items() if k not in ("trained_at", "status", "gate")}
        digest.update(json.dumps(stable, sort_keys=True, default=str).encode())
        version = f"{card['trained_for']}-{digest.hexdigest()[:8]}"
        card = {**card, "version": version, "files": sorted(texts)}
        card.setdefault("trained_at", datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
        final = self._dir(card["name"], version)
        if final.exists():
            self.update(card)
            return card
        tmp = self.root / card["name"] / f".tmp-{uuid.uuid4().hex[:8]}"
        tmp.mkdir(parents=True)
        for fname, text in texts.items():
            (tmp / fname).write_text(text, encoding="utf-8")
        (tmp / "card.json").write_text(json.dumps(card, indent=2, default=str), encoding="utf-8")
        os.replace(tmp, final)
        return card

    def update(self, card: Card) -> None:
        """Rewrite a saved model's card (status and gate decision change after saving)."""
        path = self._dir(card["name"], card["version"]) / "card.json"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(card, indent=2, default=str), encoding="utf-8")
        os.replace(tmp, path)

    def card(self, name: str, version: str) -> Card:
        text = (self._dir(name, version) / "card.json").read_text(encoding="utf-8")
        return dict(json.loads(text))

    def texts(self, card: Card) -> dict[str, str]:
        folder = self._dir(card["name"], card["version"])
        return {f: (folder / f).read_text(encoding="utf-8") for f in card["files"]}

    def versions(self, name: str) -> list[str]:
        folder = self.root / name
        if not folder.exists():
            return []
        return sorted(p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))

    def find(self, name: str, trained_for: str) -> Card | None:
        """The newest saved model of ``name`` trained for that period."""
        hits = [v for v in self.versions(name) if v.startswith(f"{trained_for}-")]
        cards = [self.card(name, v) for v in hits]
        cards.sort(key=lambda c: str(c.get("trained_at", "")))
        return cards[-1] if cards else None

    def current(self, name: str) -> Card | None:
        path = self.root / name / "current.json"
        if not path.exists():
            return None
        version = json.loads(path.read_text(encoding="utf-8"))["version"]
        return self.card(name, version)

    def publish(self, card: Card) -> None:
        path = self.root / card["name"] / "current.json"
        tmp = path.with_suffix(f".{uuid.uuid4().hex[:6]}.tmp")
        body = {"version": card["version"], "published_at": _now()}
        tmp.write_text(json.dumps(body, indent=2), encoding="utf-8")
        os.replace(tmp, path)

    def remove(self, name: str) -> None:
        shutil.rmtree(self.root / name, ignore_errors=True)


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# -- models <-> card + text files ---------------------------------------------------------------


def fit_files(model: FitModel) -> tuple[dict[str, Any], dict[str, str]]:
    texts = {f"fold_{k}.txt": t for k, t in enumerate(model.texts())}
    return {"label_frequency": model.label_frequency, **model.design.to_card()}, texts


def load_fit(card: Card, texts: Mapping[str, str]) -> FitModel:
    names = sorted(texts, key=lambda f: int(f.removeprefix("fold_").removesuffix(".txt")))
    boosters = [lgb.Booster(model_str=texts[f]) for f in names]
    return FitModel(
        card["product"],
        Design.from_card(card),
        boosters,
        float(card["label_frequency"]),
        dict(card.get("metrics", {})),
    )


def intent_files(model: IntentModel) -> tuple[dict[str, Any], dict[str, str]]:
    extra = {
        "calibration": {"x": model.calibration[0], "y": model.calibration[1]},
        "propensity_features": [*model.design.names, "fit_logit"]
        if model.propensity_booster is not None
        else None,
        **model.design.to_card(),
    }
    texts = {"model.txt": model.booster.model_to_string()}
    if model.propensity_booster is not None:
        texts["propensity.txt"] = model.propensity_booster.model_to_string()
    return extra, texts


def load_intent(card: Card, texts: Mapping[str, str]) -> IntentModel:
    cal = card["calibration"]
    combined = texts.get("propensity.txt")
    return IntentModel(
        card["product"],
        Design.from_card(card),
        lgb.Booster(model_str=texts["model.txt"]),
        (list(cal["x"]), list(cal["y"])),
        None if combined is None else lgb.Booster(model_str=combined),
        dict(card.get("metrics", {})),
    )
