"""Sitemaps and RSS/Atom feeds: where a site lists its pages and its newest posts."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from fitintent.crawl._extract import clean_text, normalize_url, parse_date

_LOC = re.compile(rb"<loc>\s*([^<\s]+)\s*</loc>", re.IGNORECASE)
_SITEMAP_INDEX = re.compile(rb"<sitemapindex", re.IGNORECASE)
_MAX_ENTRIES = 5_000


@dataclass
class Listed:
    """A URL found in a sitemap or feed, with what the listing says about it."""

    url: str
    title: str = ""
    published: datetime | None = None
    is_sitemap: bool = False  # a sitemap index points at further sitemaps


def parse_sitemap(body: bytes, base: str) -> list[Listed]:
    """``<loc>`` entries of a sitemap or sitemap index, read with a pattern (no XML entity
    expansion, so a hostile sitemap cannot blow up)."""
    nested = bool(_SITEMAP_INDEX.search(body[:4096]))
    out: list[Listed] = []
    for m in _LOC.finditer(body):
        url = normalize_url(
            m.group(1).decode("utf-8", errors="replace").replace("&amp;", "&"), base
        )
        if url is not None:
            out.append(Listed(url, is_sitemap=nested))
        if len(out) >= _MAX_ENTRIES:
            break
    return out


def is_feed(content_type: str, body: bytes) -> bool:
    if "rss" in content_type or "atom" in content_type:
        return True
    head = body[:512].lstrip().lower()
    return head.startswith(b"<?xml") and (b"<rss" in head or b"<feed" in head)


def parse_feed(body: bytes, base: str) -> list[Listed]:
    import feedparser

    parsed = feedparser.parse(body, sanitize_html=True, resolve_relative_uris=False)
    out: list[Listed] = []
    for entry in parsed.entries[:_MAX_ENTRIES]:
        url = normalize_url(str(entry.get("link") or ""), base)
        if url is None:
            continue
        when = entry.get("published_parsed") or entry.get("updated_parsed")
        published = (
            datetime.fromtimestamp(calendar.timegm(when), tz=UTC)
            if when
            else parse_date(str(entry.get("published") or ""))
        )
        out.append(Listed(url, clean_text(str(entry.get("title") or ""))[:500], published))
    return out
