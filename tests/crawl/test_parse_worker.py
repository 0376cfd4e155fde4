"""Parsing in a worker process: the same pages as inline, politeness and one kept-alive
connection per site held, and a crawl that carries on when the worker dies or a page breaks."""

from __future__ import annotations

import asyncio
import itertools
import multiprocessing as mp
import os
import signal
import sqlite3
from collections import defaultdict
from pathlib import Path

import pytest

from crawl.kit import PAGES, settings, site_pages, store
from fitintent.crawl import Seed, crawl_async
from fitintent.crawl._parse import ParseJob
from fitintent.crawl._pool import PageParser
from fitintent.demo._site_server import Hit, SiteServer

HOSTS = {f"w{i}.test": 0.12 for i in range(4)}
POSTS = 30  # a crawl of some seconds: the worker takes about one to start
_COLUMNS = "url, site, status, content_type, title, text, published, kind, simhash, duplicate_of"


def _crawl(port: int, path: Path, workers: int, posts: int = PAGES) -> None:
    stats = asyncio.run(
        crawl_async(
            [Seed(h) for h in HOSTS],
            settings(port, min_delay_s=0.1),
            path,
            scheme="http",
            parse_workers=workers,
        )
    )
    assert stats.parse_workers == workers
    assert stats.pages == len(HOSTS) * (posts + 1)
    if workers:  # inline while the worker starts, then in the worker
        assert 0 < stats.parsed_in_workers <= stats.pages + stats.listings
    else:
        assert stats.parsed_in_workers == 0


def _rows(path: Path) -> list[tuple[object, ...]]:
    db = sqlite3.connect(path)
    try:
        return db.execute(f"SELECT {_COLUMNS} FROM pages ORDER BY url").fetchall()
    finally:
        db.close()


def _by_host(hits: list[Hit]) -> dict[str, list[Hit]]:
    out: dict[str, list[Hit]] = defaultdict(list)
    for h in sorted(hits, key=lambda h: h.at):
        out[h.host].append(h)
    return out


def test_worker_stores_what_inline_parsing_stores_and_stays_polite(serve, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    server = SiteServer(store({h: site_pages(h, d, POSTS) for h, d in HOSTS.items()}))
    port = serve(server).port
    _crawl(port, tmp_path / "inline.sqlite", 0, POSTS)
    inline_hits = len(server.hits)
    _crawl(port, tmp_path / "worker.sqlite", 1, POSTS)
    assert _rows(tmp_path / "worker.sqlite") == _rows(tmp_path / "inline.sqlite")
    for host, hits in _by_host(server.hits[inline_hits:]).items():
        gaps = [b.at - a.at for a, b in itertools.pairwise(hits)]
        assert min(gaps) >= HOSTS[host], (host, min(gaps))
        assert not any(h.path.startswith("/private/") for h in hits)


def test_one_kept_alive_connection_per_site(serve, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    server = SiteServer(store({h: site_pages(h, d) for h, d in HOSTS.items()}))
    port = serve(server).port
    _crawl(port, tmp_path / "s.sqlite", 0)
    for host, hits in _by_host(server.hits).items():
        runs = [c for c, _ in itertools.groupby(h.connection for h in hits)]
        assert all(runs), host  # every request's connection is known
        assert len(runs) == len(set(runs)), (host, runs)  # never two connections at once
        assert len(set(runs)) < len(hits) / 2, (host, len(set(runs)), len(hits))  # reused


def _job(n: int) -> ParseJob:
    body = f"<html><head><title>Post {n}</title></head><body><article><p>moved to the cloud"
    body += f" in week {n}</p><a href='/blog/p{n + 1}.html'>next</a></article></body></html>"
    return ParseJob(
        "k.test",
        f"http://k.test/blog/p{n}.html",
        "page",
        1,
        True,
        "text/html",
        "utf-8",
        body.encode(),
    )


def test_crawl_parses_on_when_the_worker_dies() -> None:
    async def go() -> list[str]:
        before = {c.pid for c in mp.active_children()}
        async with PageParser(1) as parser:
            assert not parser.pooled  # pages parse inline while the worker starts
            assert await parser.started()
            first = await parser.parse(_job(1))
            workers = [c.pid for c in mp.active_children() if c.pid not in before]
            assert len(workers) == 1
            os.kill(workers[0] or 0, signal.SIGKILL)  # as the out-of-memory killer would
            later = await asyncio.gather(*(parser.parse(_job(n)) for n in range(2, 6)))
            assert not parser.pooled  # it went on inline
            assert first.in_worker and not any(p.in_worker for p in later)
        return [p.title for p in (first, *later)]

    assert asyncio.run(go()) == [f"Post {n}" for n in range(1, 6)]


def test_a_page_that_breaks_the_parser_fails_alone(
    serve, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    import fitintent.crawl._parse as parse_module

    real = parse_module.extract_html

    def fragile(url: str, body: bytes, charset: str | None, **kw: bool):  # type: ignore[no-untyped-def]
        if url.endswith("post-3.html"):
            raise RecursionError("nested too deep")
        return real(url, body, charset, **kw)

    monkeypatch.setattr(parse_module, "extract_html", fragile)
    server = SiteServer(store({"f.test": site_pages("f.test", 0.0)}))
    port = serve(server).port
    stats = asyncio.run(
        crawl_async([Seed("f.test")], settings(port), tmp_path / "s.sqlite", scheme="http")
    )
    assert stats.outcomes["parse_error RecursionError"] == 1
    assert stats.pages == PAGES  # the home page and the other posts


@pytest.mark.parametrize("workers", [0, 1])
def test_the_configuration_sets_the_parse_workers(serve, tmp_path: Path, workers: int) -> None:  # type: ignore[no-untyped-def]
    from fitintent.config import Config, Paths
    from fitintent.crawl import crawl

    server = serve(SiteServer(store({h: site_pages(h, 0.0) for h in HOSTS})))
    cfg = Config(paths=Paths(workdir=tmp_path, sources=tmp_path / "sources"))
    cfg = cfg.model_copy(update={"crawl": settings(server.port, parse_workers=workers)})
    report = crawl([Seed(h) for h in HOSTS], cfg, scheme="http", tagger=None)
    assert report.stats.parse_workers == workers
    assert report.stats.pages == len(HOSTS) * (PAGES + 1) and report.signals > 0
