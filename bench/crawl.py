"""Crawler benchmark: thousands of fixture domains on loopback, politeness measured server-side.

``.venv/bin/python -m bench.crawl [--domains 2000] [--pages 8] [--delay 0.5] [--no-baseline]``
writes bench/results/crawl-latest.md and crawl-latest.json. The sites are served by a separate
process, so the figures are the crawler's own. The machine may be shared, so the run records the
load average and measures a baseline in the same run: the same crawl with parsing inline in the
event loop (one process, as a small crawl runs), and the parse-only rate; the ratios compare
like with like.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import multiprocessing as mp
import os
import resource
import tempfile
import time
from collections import defaultdict
from multiprocessing.synchronize import Event
from pathlib import Path

from fitintent.config import CrawlSettings
from fitintent.crawl import Seed, crawl_async

# The fixture server is imported in its own process only: a parse worker re-imports this module
# when it starts, and the demo package would make that start take seconds.
Page = tuple[str, bytes]  # (content type, body), as the site server serves them

RESULTS = Path(__file__).parent / "results"
TARGET = 300.0
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
    domains: int, pages: int, delay: float, port_q: mp.Queue, stop: Event, hits_path: str
) -> None:
    from fitintent.demo._site_server import ServerThread, SiteServer

    cache: dict[str, dict[str, Page]] = {}

    def get(host: str, path: str) -> Page | None:
        if host not in cache:
            cache[host] = _site(host, pages, delay)
        return cache[host].get(path)

    server = SiteServer(get)
    with ServerThread(server) as t:
        port_q.put(t.port)
        stop.wait()
    by_host: dict[str, list[tuple[float, int]]] = defaultdict(list)
    for h in server.hits:
        by_host[h.host].append((h.at, h.connection))
    use = resource.getrusage(resource.RUSAGE_SELF)
    Path(hits_path).write_text(
        json.dumps(
            {
                "requests": len(server.hits),
                "by_host": by_host,
                "cpu_s": use.ru_utime + use.ru_stime,
            }
        )
    )


def _politeness(by_host: dict[str, list[list[float]]], delay: float) -> dict[str, object]:
    """Intervals between a host's requests, and its connections: one at a time, reused."""
    gaps: list[float] = []
    connections = 0
    overlapping = 0  # hosts whose requests came on two connections open at the same time
    for hits in by_host.values():
        hits = sorted(hits)
        gaps += [b[0] - a[0] for a, b in itertools.pairwise(hits)]
        runs = [c for c, _ in itertools.groupby(int(c) for _, c in hits)]
        connections += len(set(runs))
        overlapping += len(runs) != len(set(runs))
    return {
        "min_interval_s": round(min(gaps), 4) if gaps else None,
        "intervals_below_delay": sum(g < delay for g in gaps),
        "connections": connections,
        "hosts_with_overlapping_connections": overlapping,
    }


def run(
    domains: int, pages: int, delay: float, concurrency: int, parse_workers: int | None = None
) -> dict[str, object]:
    """One crawl of ``domains`` fixture sites; ``parse_workers`` as in ``crawl_async``."""
    ctx = mp.get_context("spawn")
    port_q: mp.Queue = ctx.Queue()
    stop = ctx.Event()
    load = os.getloadavg()
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
        me0, kids0 = (
            resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
        )
        try:
            stats = asyncio.run(
                crawl_async(
                    seeds,
                    settings,
                    Path(tmp) / "state.sqlite",
                    scheme="http",
                    parse_workers=parse_workers,
                )
            )
            # the parse workers have exited and been reaped; the server has not
            me1, kids1 = (
                resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
            )
        finally:
            stop.set()
            proc.join(60)
        hits = json.loads(Path(hits_path).read_text())
    polite = _politeness(hits["by_host"], delay)
    met = stats.pages_per_second >= TARGET and polite["intervals_below_delay"] == 0
    return {
        "parse_workers": stats.parse_workers,
        "load_average_before": [round(x, 2) for x in load],
        "requests": stats.requests,
        "server_requests": hits["requests"],
        "pages_parsed": stats.pages,
        "seconds": round(stats.seconds, 2),
        "pages_per_s": round(stats.pages_per_second, 1),
        "parse_only_pages_per_s": round(stats.pages / stats.parse_seconds, 1)
        if stats.parse_seconds
        else None,
        **polite,
        "crawler_cpu_s": round(_cpu(me1) - _cpu(me0), 1),
        "parse_workers_cpu_s": round(_cpu(kids1) - _cpu(kids0), 1),
        "server_cpu_s": round(hits["cpu_s"], 1),
        "crawler_peak_rss_mb": round(me1.ru_maxrss / 1024, 1),
        "parse_worker_peak_rss_mb": round(kids1.ru_maxrss / 1024, 1)
        if stats.parse_workers
        else None,
        "met": met and polite["hosts_with_overlapping_connections"] == 0,
    }


def _cpu(use: resource.struct_rusage) -> float:
    return use.ru_utime + use.ru_stime


def _markdown(r: dict[str, object]) -> str:
    main = r["crawl"]
    assert isinstance(main, dict)
    lines = [
        "# Crawler benchmark",
        "",
        f"{r['domains']:,} fixture domains on loopback, {r['pages_per_domain']} posts each, "
        f"robots crawl-delay {r['crawl_delay_s']} s, {r['concurrency']} connections, "
        f"{r['cores']} cores; load average (1, 5, 15 min) {r['load_average_before']} before the "
        f"run and {r['load_average_after']} after. Target: {TARGET:.0f} pages/s with every "
        "interval at or above the delay and one connection per domain.",
        "",
    ]
    base = r.get("baseline")
    runs = {"crawl": main} | ({"baseline (inline parsing)": base} if isinstance(base, dict) else {})
    keys = list(main)
    lines += ["| figure | " + " | ".join(runs) + " |", "|---|" + "---|" * len(runs)]
    lines += [f"| {k} | " + " | ".join(str(v.get(k)) for v in runs.values()) + " |" for k in keys]
    lines += ["", "| ratio | value |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in r.items() if k.endswith("_ratio")]
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(prog="python -m bench.crawl")
    ap.add_argument("--domains", type=int, default=2000)
    ap.add_argument("--pages", type=int, default=8)
    ap.add_argument("--delay", type=float, default=0.5)
    ap.add_argument("--concurrency", type=int, default=128)
    ap.add_argument("--no-baseline", action="store_true", help="skip the inline-parsing crawl")
    a = ap.parse_args()
    started = time.time()
    result: dict[str, object] = {
        "domains": a.domains,
        "pages_per_domain": a.pages,
        "crawl_delay_s": a.delay,
        "concurrency": a.concurrency,
        "cores": len(os.sched_getaffinity(0)),
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
    }
    crawl = run(a.domains, a.pages, a.delay, a.concurrency)
    result["crawl"] = crawl
    if not a.no_baseline:
        base = run(a.domains, a.pages, a.delay, a.concurrency, parse_workers=0)
        result["baseline"] = base
        result["vs_inline_parsing_ratio"] = round(
            _f(crawl, "pages_per_s") / _f(base, "pages_per_s"), 2
        )
    if crawl["parse_only_pages_per_s"]:
        result["vs_parse_only_ratio"] = round(
            _f(crawl, "pages_per_s") / _f(crawl, "parse_only_pages_per_s"), 2
        )
    result["vs_target_ratio"] = round(_f(crawl, "pages_per_s") / TARGET, 2)
    result["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    result["met"] = crawl["met"]
    result["wall_s"] = round(time.time() - started, 1)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "crawl-latest.json").write_text(json.dumps(result, indent=2) + "\n")
    (RESULTS / "crawl-latest.md").write_text(_markdown(result))
    print(_markdown(result))


def _f(r: dict[str, object], key: str) -> float:
    v = r[key]
    assert isinstance(v, (int, float))
    return float(v)


if __name__ == "__main__":
    main()
