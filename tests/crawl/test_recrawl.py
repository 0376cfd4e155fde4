"""A re-crawl asks with the page's validators and keeps the stored page on 304."""

from __future__ import annotations

import asyncio
from pathlib import Path

from crawl.kit import PAGES, settings, site_pages, store
from fitintent.crawl import Seed, crawl_async
from fitintent.demo._site_server import SiteServer


def test_recrawl_is_conditional(serve, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    server = SiteServer(store({"re.test": site_pages("re.test", 0.0)}))
    port = serve(server).port
    path = tmp_path / "s.sqlite"
    s = settings(port, recrawl_after_days=0)
    first = asyncio.run(crawl_async([Seed("re.test")], s, path, scheme="http"))
    assert first.pages == PAGES + 1
    fresh = len(server.hits)
    again = asyncio.run(crawl_async([Seed("re.test")], s, path, scheme="http", recrawl=True))
    hits = server.hits[fresh:]
    pages = [h for h in hits if h.path not in ("/robots.txt", "/sitemap.xml")]
    assert len(pages) == PAGES + 1
    assert all(h.conditional and h.status == 304 for h in pages)
    assert again.not_modified == PAGES + 1
    assert again.pages == 0  # nothing parsed again
