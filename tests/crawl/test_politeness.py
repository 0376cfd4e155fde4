"""Robots rules and crawl-delay, measured from the server's side."""

from __future__ import annotations

import asyncio
import itertools
from collections import defaultdict
from pathlib import Path

from crawl.kit import PAGES, settings, site_pages, store
from fitintent.crawl import Seed, crawl_async
from fitintent.demo._site_server import SiteServer

DELAYS = {"alpha.test": 0.25, "beta.test": 0.15, "gamma.test": 0.3}


def test_crawl_delay_and_disallow_are_obeyed(serve, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    server = SiteServer(store({h: site_pages(h, d) for h, d in DELAYS.items()}))
    port = serve(server).port
    stats = asyncio.run(
        crawl_async(
            [Seed(h) for h in DELAYS],
            settings(port, min_delay_s=0.1),
            tmp_path / "s.sqlite",
            scheme="http",
        )
    )
    by_host: dict[str, list[float]] = defaultdict(list)
    for hit in server.hits:
        by_host[hit.host].append(hit.at)
        assert not hit.path.startswith("/private/"), hit
    for host, delay in DELAYS.items():
        times = sorted(by_host[host])
        gaps = [b - a for a, b in itertools.pairwise(times)]
        assert len(times) >= PAGES + 2  # robots, home, posts (+ the sitemap guess)
        assert min(gaps) >= delay, (host, min(gaps), delay)
    assert stats.pages == len(DELAYS) * (PAGES + 1)
    assert stats.outcomes["disallowed"] == len(DELAYS)


def test_configured_minimum_applies_when_robots_asks_less(serve, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    server = SiteServer(store({"delta.test": site_pages("delta.test", 0.0, pages=4)}))
    port = serve(server).port
    asyncio.run(
        crawl_async(
            [Seed("delta.test")],
            settings(port, min_delay_s=0.2),
            tmp_path / "s.sqlite",
            scheme="http",
        )
    )
    times = sorted(h.at for h in server.hits)
    assert len(times) >= 5
    assert min(b - a for a, b in itertools.pairwise(times)) >= 0.2


def test_robots_server_error_keeps_the_crawler_out(serve, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pages = site_pages("down.test", 0.0)
    del pages["/robots.txt"]  # a 404 allows everything; make robots.txt a 5xx instead

    asked: list[str] = []

    def get(host: str, path: str):  # type: ignore[no-untyped-def]
        asked.append(path)
        if path == "/robots.txt":
            raise RuntimeError("server error")  # aiohttp answers 500
        return pages.get(path)

    server = SiteServer(get)
    port = serve(server).port
    stats = asyncio.run(
        crawl_async([Seed("down.test")], settings(port), tmp_path / "s.sqlite", scheme="http")
    )
    assert stats.pages == 0
    assert asked == ["/robots.txt"]  # a 5xx robots.txt: no page is asked for
