"""From a fetched body to what the crawl keeps: a page, or the URLs a sitemap or feed lists.

Every function here depends only on its job, so it runs in a parse worker process as well as
inline: the event loop keeps fetching while another core parses. The links that come back are
already normalized, in the site, unique and ranked, and the page body is already compressed, so
little crosses between the processes.
"""

from __future__ import annotations

import time
import zlib
from dataclasses import dataclass, field

from fitintent.crawl._dedup import simhash
from fitintent.crawl._extract import clean_text, extract_html, link_priority
from fitintent.crawl._feeds import is_feed, parse_feed, parse_sitemap
from fitintent.signals._resolve import registrable_domain

_LEVEL = 6  # zlib: pages are stored once and read rarely; level 6 is ~5x on HTML at low cost

# (url, depth, priority, hint, listed title, listed publication time)
Found = tuple[str, int, int, str, str | None, str | None]


@dataclass(frozen=True, slots=True)
class ParseJob:
    site: str  # the registrable domain links must stay in
    url: str
    hint: str  # "page", "sitemap" or "feed"
    depth: int
    follow: bool  # below the depth cap: the page's links join the frontier
    content_type: str
    charset: str | None
    body: bytes
    trafilatura: bool = False


@dataclass(slots=True)
class Parsed:
    found: list[Found] = field(default_factory=list)
    listing: bool = False  # a sitemap or feed: URLs only, no page stored
    title: str = ""
    text: str = ""
    kind: str = "web_page"
    published: str | None = None
    simhash: int | None = None
    body_z: bytes = b""  # the body, zlib-compressed for storage
    seconds: float = 0.0  # time spent parsing, wherever it ran
    in_worker: bool = False  # parsed by a worker process (in a batch)
    error: str | None = None


def site_of(url: str) -> str | None:
    """The registrable domain of a normalized URL, cached per host (not per URL)."""
    parts = url.split("/", 3)
    return registrable_domain(parts[2]) if len(parts) > 2 else None


def parse_batch(jobs: list[ParseJob]) -> list[Parsed]:
    """A worker process's task: several jobs, to spread the cost of the round trip."""
    out = [parse(job) for job in jobs]
    for parsed in out:
        parsed.in_worker = True
    return out


def parse(job: ParseJob) -> Parsed:
    t0 = time.perf_counter()
    try:
        out = _parse(job)
    except Exception as e:  # a page that breaks a parser fails alone, not the whole crawl
        out = Parsed(error=f"parse_error {type(e).__name__}")
    out.seconds = time.perf_counter() - t0
    return out


def _parse(job: ParseJob) -> Parsed:
    if job.hint == "sitemap" or (job.hint != "feed" and b"<urlset" in job.body[:2048]):
        listed = parse_sitemap(job.body, job.url)
        found: list[Found] = [
            (
                x.url,
                1,
                -1 if x.is_sitemap else link_priority(x.url, 1),
                "sitemap" if x.is_sitemap else "page",
                None,
                None,
            )
            for x in listed
        ]
        return Parsed(_in_site(job.site, found), listing=True)
    if job.hint == "feed" or is_feed(job.content_type, job.body):
        found = [
            (
                x.url,
                1,
                link_priority(x.url, 0),
                "page",
                x.title or None,
                x.published.isoformat() if x.published else None,
            )
            for x in parse_feed(job.body, job.url)
        ]
        return Parsed(_in_site(job.site, found), listing=True)
    return _page(job)


def _page(job: ParseJob) -> Parsed:
    if job.content_type.startswith("text/plain"):
        text = clean_text(job.body.decode(job.charset or "utf-8", errors="replace"))
        out = Parsed(text=text)
    else:
        page = extract_html(job.url, job.body, job.charset, trafilatura=job.trafilatura)
        found: list[Found] = []
        if job.follow:
            d = job.depth + 1
            found = [(u, d, link_priority(u, d), "page", None, None) for u in page.links]
        found += [(u, job.depth, 0, "feed", None, None) for u in page.feeds]
        out = Parsed(
            _in_site(job.site, found),
            title=page.title,
            text=page.text,
            kind=page.kind,
            published=page.published.isoformat() if page.published else None,
        )
    out.simhash = simhash(out.text)
    out.body_z = zlib.compress(job.body, _LEVEL)
    return out


def _in_site(site: str, found: list[Found]) -> list[Found]:
    """Each URL once (its first mention wins), and only those of the site."""
    seen: set[str] = set()
    out: list[Found] = []
    for f in found:
        if f[0] not in seen:
            seen.add(f[0])
            if site_of(f[0]) == site:
                out.append(f)
    return out


def warm_up() -> None:
    """Load the parsers and the public-suffix list before the first page arrives."""
    registrable_domain("www.example.com")
    extract_html("http://www.example.com/", b"<html><body><a href='/x'>x</a></body></html>", None)
