"""Reasons in plain words: the features that raised a score most, with their values.

Each feature's contribution to a row's log-odds (:mod:`fitintent.models._paths`) ranks the
factors; :mod:`fitintent.models._words` picks the strongest and words them from the feature
catalog (``"450 employees"``, ``"runs Windows Server
2012 R2 past end of support"``, ``"topic cloud migration surging (surge 78)"``). A feature whose
value cannot be worded (unknown, or a count of zero) is passed over for the next one. Evidence
is the strongest recent signals on the product's topics, as a JSON list.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any

from fitintent.config import Config
from fitintent.features import EVIDENCE_FIELDS, Feature, slug
from fitintent.segment import SMB_TYPE_LABELS

Row = Mapping[str, Any]
_SINGULAR = {
    "signals": "signal",
    "employees": "employee",
    "opportunities": "opportunity",
    "licences": "licence",
    "days": "day",
    "months": "month",
    "agreements": "agreement",
    "products": "product",
    "deals": "deal",
    "seats": "seat",
    "postings": "posting",
    "posts": "post",
    "releases": "release",
    "questions": "question",
    "items": "item",
    "events": "event",
    "adoptions": "adoption",
    "retirements": "retirement",
    "pages": "page",
    "changes": "change",
}
_ONE = re.compile(r"\b1 ((?:[a-z-]+ )*?)([a-z]+s)\b")


def _singular(text: str) -> str:
    """``"1 recent signals"`` -> ``"1 recent signal"``."""

    def fix(m: re.Match[str]) -> str:
        return f"1 {m.group(1)}{_SINGULAR.get(m.group(2), m.group(2))}"

    return _ONE.sub(fix, text, count=1)


def _number(v: Any) -> float | None:
    if v is None or isinstance(v, str):
        return None
    f = float(v)
    return None if math.isnan(f) else f


def _top_topic(f: Feature, row: Row, cfg: Config) -> str:
    """The product topic with the most recent signals (its topic list when none)."""
    product = next((p for p in cfg.products if p.id == f.product), None)
    if product is None or not product.topics:
        return f.subject
    counts = [(int(row.get(f"topic_{slug(t)}_recent") or 0), t) for t in product.topics]
    best = max(counts, key=lambda c: c[0])
    if best[0] > 0 or len(product.topics) == 1:
        return best[1].replace("_", " ")
    return f"{product.name} topics"


def _eos(f: Feature, row: Row) -> str:
    listed = [x.strip() for x in str(row.get("eos_products") or "").split(",") if x.strip()]
    mine = [x for x in listed if x.startswith(f"{f.subject} ")]
    return ", ".join(mine) if mine else f.subject


def phrase(f: Feature, row: Row, cfg: Config) -> str | None:
    """The words for feature ``f`` at this row's value, or None when there are none."""
    raw = row.get(f.name)
    if f.kind == "categorical":
        return None if raw is None else f.phrase.format(v=SMB_TYPE_LABELS.get(str(raw), raw))
    v = _number(raw)
    if v is None:
        return None
    if f.kind == "flag":
        if v > 0:
            return f.phrase.format(v=v, eos=_eos(f, row)) if "{eos}" in f.phrase else f.phrase
        return f.off or None
    if v == 0 and not f.name.endswith(("_days_since", "_surge")):
        return None
    if f.name.endswith("_surge"):
        topic = _top_topic(f, row, cfg)
        if v < cfg.intent.surge_threshold:
            return None
        subject = topic if topic.endswith(" topics") else f"topic {topic}"
        return f"{subject} surging (surge {v:.0f})"
    topic = _top_topic(f, row, cfg) if "{topic}" in f.phrase else ""
    text = f.phrase.format(v=v, topic=topic)
    return _singular(text) if v == 1 else text


def plain_phrase(f: Feature, v: float) -> str | None:
    """:func:`phrase` of a numeric feature worded by its value alone (no topic or product in
    the words): the same text, without building a row for it."""
    if v != v or v == 0:
        return None
    text = f.phrase.format(v=v, topic="")
    return _singular(text) if v == 1 else text


def evidence(row: Row, count: int) -> str | None:
    """``[{"date", "type", "source", "text", "url"}, ...]`` as JSON, strongest first."""
    items = []
    for i in range(1, count + 1):
        if row.get(f"ev{i}_type") is None:
            continue
        item = {f: row.get(f"ev{i}_{f}") for f in EVIDENCE_FIELDS}
        item["date"] = item.pop("time")
        item["type"] = str(item["type"]).replace("_", " ")
        items.append(item)
    return json.dumps(items, ensure_ascii=False) if items else None
