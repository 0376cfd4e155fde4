"""Every trap a site can set ends in bounded time and memory, and crawled text stays data."""

from __future__ import annotations

import asyncio
import resource
import sqlite3
import time
from pathlib import Path

from crawl.kit import article, settings, store
from fitintent.crawl import CrawlState, Seed, crawl_async
from fitintent.demo._site_server import SiteServer
from fitintent.demo._site_text import TRAP_PAGES

HUGE = 60_000_000


def _trap_site() -> dict[str, tuple[str, bytes]]:
    links = [*TRAP_PAGES, "/private/x.html"]
    pages = {
        "/robots.txt": ("text/plain", b"User-agent: *\nDisallow: /private/\n"),
        "/": ("text/html", article("Traps", "home", links)),
    }
    for path, content in TRAP_PAGES.items():
        if content is not None:
            pages[path] = ("text/html", content.encode())
    return pages


def test_traps_end_in_bounded_time_and_memory(serve, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    server = SiteServer(store({"traps.test": _trap_site()}), slow_s=30.0, huge_bytes=HUGE)
    port = serve(server).port
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.monotonic()
    stats = asyncio.run(
        crawl_async([Seed("traps.test")], settings(port), tmp_path / "s.sqlite", scheme="http")
    )
    seconds = time.monotonic() - t0
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024
    assert seconds < 10, seconds  # the slow page alone would take 30 s
    assert grown_mb < 40, grown_mb  # the huge page is 60 MB; the body cap is 200 kB
    o = stats.outcomes
    assert o["timeout"] == 1  # /trap/slow
    assert o["too_large"] == 1  # /trap/huge
    assert o["content_type"] == 2  # binary.bin, report.pdf: never downloaded
    assert o["binary"] == 1  # binary bytes sent as text/html
    assert o["redirect_limit"] == 1  # the endless chain stops at max_redirects
    assert o["disallowed"] == 1
    chain = [h for h in server.hits if h.path.startswith("/trap/chain-")]
    assert len(chain) == 4  # chain-0 plus three redirects followed
    loops = [h for h in server.hits if h.path.startswith("/trap/loop-")]
    assert len(loops) == 2  # loop-a -> loop-b -> loop-a (known): each asked once
    assert all(not h.path.startswith("/private/") for h in server.hits)


def test_malformed_and_payload_pages_stay_text(serve, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    asked: list[str] = []

    async def lookup(host: str, port: int) -> list[tuple[str, int]]:
        asked.append(host)
        raise OSError("no such host")

    server = SiteServer(store({"traps.test": _trap_site()}), slow_s=1.0, huge_bytes=1_000_000)
    port = serve(server).port
    path = tmp_path / "s.sqlite"
    asyncio.run(
        crawl_async(
            [Seed("traps.test")],
            settings(port, read_timeout_s=0.2),
            path,
            scheme="http",
            lookup=lookup,
        )
    )
    assert asked == []  # the payload's URLs (evil.invalid) were never resolved nor fetched
    db = sqlite3.connect(path)
    rows = dict(db.execute("SELECT url, text FROM pages").fetchall())
    titles = dict(db.execute("SELECT url, title FROM pages").fetchall())
    db.close()
    payload = "http://traps.test/payload.html"
    assert titles[payload] == '=HYPERLINK("http://evil.invalid/x","Click")'
    assert "=cmd|' /C calc'!A0" in rows[payload]
    assert "<script>alert('x')</script>" in rows[payload]  # an escaped tag is text, kept as text
    assert "document.cookie" not in rows[payload]  # a real script is dropped, never run
    assert "Unclosed paragraphs" in rows["http://traps.test/malformed.html"]
    state = CrawlState(path)
    assert state.body(payload) is not None  # the raw page is kept, compressed
    state.close()
