"""Crawler benchmark: thousands of fixture domains on loopback, politeness measured server-side.

``.venv/bin/python -m bench.crawl [--domains 2000] [--pages 8] [--delay 0.5]`` writes
bench/results/crawl-latest.md and crawl-latest.json. The sites are served by a separate process
(the other core), so the figures are the crawler's own.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import resource
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from fitintent.config import CrawlSettings
from fitintent.crawl import Seed, crawl_async
from fitintent.demo._site_server import Page, ServerThread, SiteServer

RESULTS = Path(__file__).parent / "results"
_WORDS = (
    "Our team moved the finance system to the cloud this quarter and retired two servers. "
    "Staff now share documents in one place, and the sales pipeline lives in a proper CRM. "
    "Next year we plan new laptops for the field engineers and multi-factor sign-in for all. "
)


def _site(host: str, pages: int, delay: float) -> dict[str, Page]:
    posts = [f"/blog/2026/09/post-{i}.html" for i in range(pages)]
    links = "".join(f"<li><a href='{p}'>Post {i}</a></li>" for i, p in enumerate(posts))
    out: dict[str, Page] = {
        "/robots.txt": (
            "text/plain",
            f"User-agent: *\nCrawl-delay: {delay}\nDisallow: /private/\n".encode(),
        ),
        "/": (
            "text/html",
            f"<html><head><title>{host}</title></head><body><nav>menu</nav>"
            f"<ul>{links}</ul></body></html>".encode(),
        ),
    }
    for i, p in enumerate(posts):
        body = (
            f"<html><head><title>Post {i} at {host}</title>"
            "<meta property='article:published_time' content='2026-09-14T08:00:00Z'></head>"
            f"<body><nav>{links}</nav><article><h1>Post {i}</h1><p>{_WORDS * 6}</p>"
            f"<p>Written by the {host} team, number {i}.</p></article></body></html>"
        )
        out[p] = ("text/html", body.encode())
    return out


def _serve(
    domains: int, pages: int, delay: float, port_q: mp.Queue, stop: mp.Event, hits_path: str
) -> None:
    cache: dict[str, dict[str, Page]] = {}

    def get(host: str, path: str) -> Page | None:
        if host not in cache:
            cache[host] = _site(host, pages, delay)
        return cache[host].get(path)

    server = SiteServer(get)
    with ServerThread(server) as t:
        port_q.put(t.port)
        stop.wait()
    by_host: dict[str, list[float]] = defaultdict(list)
    for h in server.hits:
        by_host[h.host].append(h.at)
    Path(hits_path).write_text(json.dumps({"requests": len(server.hits), "by_host": by_host}))


def run(domains: int, pages: int, delay: float, concurrency: int) -> dict[str, object]:
    ctx = mp.get_context("spawn")
    port_q: mp.Queue = ctx.Queue()
    stop = ctx.Event()
    with tempfile.TemporaryDirectory() as tmp:
        hits_path = str(Path(tmp) / "hits.json")
        proc = ctx.Process(target=_serve, args=(domains, pages, delay, port_q, stop, hits_path))
        proc.start()
        port = port_q.get(timeout=60)
        settings = CrawlSettings(
            allow_networks=["127.0.0.1/32"],
            hosts={"*.test": f"127.0.0.1:{port}"},
            min_delay_s=delay,
            concurrency=concurrency,
            retries=0,
            read_timeout_s=10,
            total_timeout_s=30,
            max_pages_per_domain=pages + 4,
        )
        seeds = [Seed(f"site{i:05d}.test", f"A{i:07d}") for i in range(domains)]
        rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        stats = asyncio.run(crawl_async(seeds, settings, Path(tmp) / "state.sqlite", scheme="http"))
        rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        stop.set()
        proc.join(60)
        hits = json.loads(Path(hits_path).read_text())
    gaps = [
        b - a
        for times in hits["by_host"].values()
        for a, b in zip(sorted(times), sorted(times)[1:], strict=False)
    ]
    return {
        "domains": domains,
        "pages_per_domain": pages,
        "crawl_delay_s": delay,
        "concurrency": concurrency,
        "requests": stats.requests,
        "server_requests": hits["requests"],
        "pages_parsed": stats.pages,
        "seconds": round(stats.seconds, 2),
        "pages_per_s": round(stats.pages_per_second, 1),
        "parse_only_pages_per_s": round(stats.pages / stats.parse_seconds, 1)
        if stats.parse_seconds
        else None,
        "min_interval_s": round(min(gaps), 4) if gaps else None,
        "intervals_below_delay": sum(g < delay for g in gaps),
        "peak_rss_mb": round(rss1 / 1024, 1),
        "rss_growth_mb": round((rss1 - rss0) / 1024, 1),
        "target_pages_per_s": 300,
        "met": stats.pages_per_second >= 300 and all(g >= delay for g in gaps),
    }


def _markdown(r: dict[str, object]) -> str:
    lines = [
        "# Crawler benchmark",
        "",
        f"{r['domains']:,} fixture domains on loopback, {r['pages_per_domain']} posts each, "
        f"robots crawl-delay {r['crawl_delay_s']} s, {r['concurrency']} connections.",
        "",
        "| figure | value |",
        "|---|---|",
    ]
    lines += [f"| {k} | {v} |" for k, v in r.items()]
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(prog="python -m bench.crawl")
    ap.add_argument("--domains", type=int, default=2000)
    ap.add_argument("--pages", type=int, default=8)
    ap.add_argument("--delay", type=float, default=0.5)
    ap.add_argument("--concurrency", type=int, default=128)
    a = ap.parse_args()
    started = time.time()
    result = run(a.domains, a.pages, a.delay, a.concurrency)
    result["wall_s"] = round(time.time() - started, 1)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "crawl-latest.json").write_text(json.dumps(result, indent=2) + "\n")
    (RESULTS / "crawl-latest.md").write_text(_markdown(result))
    print(_markdown(result))


if __name__ == "__main__":
    main()
