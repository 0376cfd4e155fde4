"""Connectors: social posts, technical-forum posts and third-party intent or firmographic feeds
(JSONL or CSV) mapped onto the ``signals`` contract, resolved to accounts on the way.

Columns are found by their usual names (``created_at`` or ``date`` for the time, ``website`` or
``domain``, ``company``...). A row that resolves to no account, or to several, is written to the
unresolved file with the reason instead of being guessed.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import pyarrow as pa
import pyarrow.parquet as pq

from fitintent.crawl._extract import clean_text, parse_date
from fitintent.crawl._output import SIGNAL_SCHEMA
from fitintent.errors import InputError
from fitintent.signals._resolve import AccountIndex, registrable_domain
from fitintent.signals._topics import TopicTagger

FeedKind = Literal["social", "forum", "intent", "firmographic"]
_TYPE = {"social": "social_post", "forum": "forum_post", "intent": "intent_topic"}
_EVENTS = {
    "funding": "funding",
    "investment": "funding",
    "raise": "funding",
    "merger": "merger",
    "acquisition": "merger",
    "acquired": "merger",
    "headcount": "size_change",
    "size_change": "size_change",
    "employees": "size_change",
    "office": "size_change",
    "tech_adoption": "tech_adoption",
    "adoption": "tech_adoption",
    "tech_retirement": "tech_retirement",
    "retirement": "tech_retirement",
}
_NAMES = {
    "time": ("signal_time", "time", "timestamp", "created_at", "posted_at", "published", "date"),
    "text": ("text", "body", "content", "message", "title", "summary"),
    "url": ("url", "link", "permalink"),
    "domain": ("domain", "website", "company_domain", "company_website", "web"),
    "company": ("company", "company_name", "organization", "organisation", "account_name"),
    "city": ("city", "town"),
    "country": ("country", "country_code"),
    "topic": ("topic", "intent_topic", "category"),
    "strength": ("strength", "score", "intent_score", "confidence"),
    "event": ("event", "event_type", "change", "signal_type"),
}


@dataclass
class ImportReport:
    rows_in: int
    written: int
    unresolved: int
    output: Path
    unresolved_output: Path


def _records(path: Path) -> Iterator[tuple[int, dict[str, object]]]:
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            if path.suffix.lower() == ".jsonl":
                for n, line in enumerate(fh, start=1):
                    if line.strip():
                        obj = json.loads(line)
                        if isinstance(obj, dict):
                            yield n, {str(k).strip().lower(): v for k, v in obj.items()}
            elif path.suffix.lower() in (".csv", ".tsv"):
                delim = "\t" if path.suffix.lower() == ".tsv" else ","
                for n, row in enumerate(csv.DictReader(fh, delimiter=delim), start=2):
                    yield n, {str(k).strip().lower(): v for k, v in row.items() if k}
            else:
                raise InputError(str(path), "a feed is a .jsonl, .csv or .tsv file")
    except UnicodeDecodeError:
        raise InputError(str(path), "is not UTF-8 text") from None
    except json.JSONDecodeError as e:
        raise InputError(str(path), f"not valid JSON: {e.msg}", row=e.lineno) from None


def _get(rec: Mapping[str, object], field: str) -> str | None:
    for name in _NAMES[field]:
        v = rec.get(name)
        if v not in (None, ""):
            return str(v).strip()
    return None


def _strength(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        v = float(text)
    except ValueError:
        return None
    return max(0.0, min(1.0, v / 100 if v > 1 else v))


def import_feed(
    path: Path,
    kind: FeedKind,
    index: AccountIndex,
    out: Path,
    unresolved_out: Path,
    tagger: TopicTagger,
    *,
    source: str | None = None,
) -> ImportReport:
    """Map one feed file onto signal rows in ``out`` (Parquet); the rows no account takes go to
    ``unresolved_out`` (JSONL, with the reason)."""
    rows: list[dict[str, object]] = []
    unresolved: list[dict[str, object]] = []
    rows_in = 0
    for number, rec in _records(path):
        rows_in += 1
        text = clean_text(_get(rec, "text") or "")
        when = parse_date(_get(rec, "time")) or None
        domain = _get(rec, "domain")
        match = index.resolve(
            domain=domain,
            name=_get(rec, "company"),
            city=_get(rec, "city"),
            country=_get(rec, "country"),
        )
        if match.account_id is None or when is None:
            reason = match.reason if match.account_id is None else "no readable time"
            unresolved.append({"file": str(path), "row": number, "reason": reason, "record": rec})
            continue
        stype = _TYPE.get(kind, "web_page")
        if kind == "firmographic":
            stype = _EVENTS.get((_get(rec, "event") or "").lower(), "size_change")
        elif (event := _get(rec, "event")) is not None and event in _EVENTS.values():
            stype = event
        topic = _get(rec, "topic")
        strength = _strength(_get(rec, "strength"))
        if topic is None and text and stype not in ("funding", "merger", "size_change"):
            tags = tagger.tag(text)
            topic = tags[0].topic if tags else None
            strength = strength if strength is not None else (tags[0].strength if tags else 0.2)
        key = f"{kind}\x1f{path.name}\x1f{number}\x1f{text[:200]}"
        rows.append(
            {
                "signal_id": "F" + hashlib.blake2b(key.encode(), digest_size=12).hexdigest(),
                "account_id": match.account_id,
                "domain": registrable_domain(domain) if domain else None,
                "signal_time": when.astimezone(UTC) if when else datetime.now(UTC),
                "signal_type": stype,
                "topic": topic,
                "source": source or f"{kind}-connector",
                "url": _get(rec, "url"),
                "text": text[:1000] or None,
                "strength": strength if strength is not None else 0.5,
            }
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows, schema=SIGNAL_SCHEMA), out)
    unresolved_out.parent.mkdir(parents=True, exist_ok=True)
    with unresolved_out.open("w", encoding="utf-8") as fh:
        for u in unresolved:
            fh.write(json.dumps(u, default=str) + "\n")
    return ImportReport(rows_in, len(rows), len(unresolved), out, unresolved_out)
