"""Crawled pages become rows of the ``signals`` source, written where the ingest reads them.

A page gives one row per topic it is tagged with (at most three; one untagged row when none),
plus one row per buying-signal event it announces. The text is the title and an excerpt, kept
as data: whoever shows or exports it escapes it.

A row names the host the page came from, not an account: whose page it is is the pipeline's call
(:func:`fitintent.signals.resolve_accounts`, by domain and registrable domain), the same for
crawled pages as for every other signal that only knows a domain.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import pyarrow as pa
import pyarrow.parquet as pq

from fitintent.crawl._state import CrawlState, StoredPage
from fitintent.signals._events import detect_events
from fitintent.signals._topics import TopicTagger

SIGNAL_SCHEMA = pa.schema(
    [
        ("signal_id", pa.string()),
        ("account_id", pa.string()),
        ("domain", pa.string()),
        ("signal_time", pa.timestamp("us", tz="UTC")),
        ("signal_type", pa.string()),
        ("topic", pa.string()),
        ("source", pa.string()),
        ("url", pa.string()),
        ("text", pa.string()),
        ("strength", pa.float64()),
    ]
)
_KIND_TYPE = {"product_page": "web_page"}
_KIND_WEIGHT = {
    "job_posting": 1.0,
    "press_release": 0.9,
    "blog_post": 0.8,
    "forum_post": 0.8,
    "product_page": 0.5,
    "web_page": 0.4,
}
_BATCH = 2_000


def signal_id(url: str, signal_type: str, topic: str | None) -> str:
    digest = hashlib.blake2b(f"{url}\x1f{signal_type}\x1f{topic}".encode(), digest_size=12)
    return "C" + digest.hexdigest()


def _when(page: StoredPage) -> datetime:
    if page.published:
        try:
            t = datetime.fromisoformat(page.published)
            return t if t.tzinfo else t.replace(tzinfo=UTC)
        except ValueError:
            pass
    return datetime.fromtimestamp(page.fetched_at, tz=UTC)


def page_signals(
    page: StoredPage, topics: list[tuple[str, float]], text_chars: int
) -> list[dict[str, object]]:
    """The signal rows of one page, given its topics (id, strength) strongest first."""
    kind = page.kind or "web_page"
    base = {
        "account_id": None,
        "domain": urlsplit(page.url).hostname or page.site,
        "signal_time": _when(page),
        "source": "crawler",
        "url": page.url,
        "text": _excerpt(page, text_chars),
    }
    stype = _KIND_TYPE.get(kind, kind)
    weight = _KIND_WEIGHT.get(kind, 0.4)
    rows: list[dict[str, object]] = []
    for topic, strength in topics or [(None, 0.2)]:  # type: ignore[list-item]
        rows.append(
            base
            | {
                "signal_id": signal_id(page.url, stype, topic),
                "signal_type": stype,
                "topic": topic,
                "strength": round(min(1.0, strength * weight + 0.05 * (topic is not None)), 3),
            }
        )
    top = topics[0][0] if topics else None
    for event in detect_events(f"{page.title}. {page.text[:2000]}"):
        if event.kind == stype or event.kind == "job_posting":
            continue  # the page row already says it
        event_topic = top if event.kind in ("tech_adoption", "tech_retirement") else None
        rows.append(
            base
            | {
                "signal_id": signal_id(page.url, event.kind, event_topic),
                "signal_type": event.kind,
                "topic": event_topic,
                "strength": event.strength,
            }
        )
    return rows


def _excerpt(page: StoredPage, chars: int) -> str:
    title = page.title or ""
    body = page.text or ""
    if body.startswith(title):
        body = body[len(title) :].lstrip(" .:-")
    text = f"{title}: {body}" if title and body else title or body
    return text[:chars]


def crawl_signals(state: CrawlState, tagger: TopicTagger, text_chars: int) -> Iterator[pa.Table]:
    batch: list[StoredPage] = []
    for page in state.pages():
        batch.append(page)
        if len(batch) >= _BATCH:
            yield _table(batch, tagger, text_chars)
            batch = []
    if batch:
        yield _table(batch, tagger, text_chars)


def _table(pages: list[StoredPage], tagger: TopicTagger, text_chars: int) -> pa.Table:
    tags = tagger.tag_many([f"{p.title}. {p.text[:3000]}" for p in pages])
    rows = []
    for page, found in zip(pages, tags, strict=True):
        rows += page_signals(page, [(t.topic, t.strength) for t in found], text_chars)
    return pa.Table.from_pylist(rows, schema=SIGNAL_SCHEMA)


def write_signals(state: CrawlState, tagger: TopicTagger, out: Path, text_chars: int) -> int:
    """Write the crawl's signals to ``out`` (Parquet, replaced atomically); return the rows."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    rows = 0
    seen: set[str] = set()
    with pq.ParquetWriter(tmp, SIGNAL_SCHEMA, compression="zstd") as writer:
        for table in crawl_signals(state, tagger, text_chars):
            ids = table.column("signal_id").to_pylist()
            keep = [i for i, s in enumerate(ids) if s not in seen]
            seen.update(ids)
            table = table.take(keep)
            writer.write_table(table)
            rows += table.num_rows
    tmp.replace(out)
    return rows
