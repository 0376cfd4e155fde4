"""The crawl loop: sites taken in turn under a global concurrency limit, each site polite.

A site has at most one request in flight, and the next one starts no sooner than the robots.txt
crawl-delay (or the configured minimum, whichever is longer) after the previous one ended. Sites
wait in a heap by the time they may be asked again, so thousands of sites share a few workers.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import time
from collections import Counter
from dataclasses import dataclass, field

from fitintent.config import CrawlSettings
from fitintent.crawl._address import GuardedResolver
from fitintent.crawl._dedup import duplicate_of, simhash
from fitintent.crawl._extract import clean_text, extract_html, link_priority, normalize_url
from fitintent.crawl._feeds import is_feed, parse_feed, parse_sitemap
from fitintent.crawl._fetch import Fetched, Fetcher
from fitintent.crawl._robots import Robots
from fitintent.crawl._state import CrawlState, Queued
from fitintent.signals._resolve import registrable_domain

_ROBOTS_FRESH_S = 86_400.0


@dataclass(frozen=True)
class Seed:
    """A site to crawl: the account's web domain, and the account when known."""

    domain: str
    account_id: str | None = None


@dataclass
class CrawlStats:
    sites: int = 0
    requests: int = 0
    pages: int = 0  # HTML pages parsed
    listings: int = 0  # sitemaps and feeds parsed
    not_modified: int = 0
    duplicates: int = 0
    refused: int = 0
    seconds: float = 0.0
    parse_seconds: float = 0.0
    outcomes: Counter[str] = field(default_factory=Counter)

    @property
    def pages_per_second(self) -> float:
        return self.pages / self.seconds if self.seconds else 0.0


@dataclass
class _Site:
    key: str
    seed_url: str
    robots: Robots | None = None
    delay: float = 0.0
    started: float = 0.0
    fetched: int = 0
    queue: list[tuple[int, int, Queued]] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)
    kept: list[tuple[str, int]] = field(default_factory=list)


class Crawler:
    def __init__(
        self,
        settings: CrawlSettings,
        state: CrawlState,
        resolver: GuardedResolver,
        *,
        scheme: str = "https",
    ) -> None:
        self.s = settings
        self.state = state
        self.resolver = resolver
        self.scheme = scheme
        self.stats = CrawlStats()
        self._heap: list[tuple[float, int, _Site]] = []
        self._order = itertools.count()
        self._inflight = 0
        self._wake = asyncio.Event()

    async def run(self, seeds: list[Seed], *, recrawl: bool = False) -> CrawlStats:
        """Crawl every seed's site; with ``recrawl``, pages older than ``recrawl_after_days``
        are asked again with their validators."""
        started = time.monotonic()
        if recrawl:
            self.state.requeue_stale(time.time() - self.s.recrawl_after_days * 86_400)
        for seed in seeds:
            key = registrable_domain(seed.domain) or seed.domain.lower()
            url = f"{self.scheme}://{seed.domain.lower()}/"
            self.state.add_site(key, url, seed.account_id)
            heapq.heappush(self._heap, (0.0, next(self._order), _Site(key, url)))
        self.stats.sites = len(self._heap)
        async with Fetcher(self.s, self.resolver) as fetcher:
            self._fetcher = fetcher
            workers = [asyncio.create_task(self._worker()) for _ in range(self.s.concurrency)]
            await asyncio.gather(*workers)
        self.stats.seconds = time.monotonic() - started
        return self.stats

    async def _worker(self) -> None:
        while (site := await self._next_site()) is not None:
            try:
                more = await self._step(site)
            finally:
                self._inflight -= 1
            if more:
                heapq.heappush(self._heap, (time.monotonic() + site.delay, next(self._order), site))
            self._wake.set()

    async def _next_site(self) -> _Site | None:
        while True:
            if self._heap:
                due = self._heap[0][0] - time.monotonic()
                if due <= 0:
                    self._inflight += 1
                    return heapq.heappop(self._heap)[2]
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), due)
                continue
            if self._inflight == 0:
                return None
            self._wake.clear()
            await self._wake.wait()

    async def _step(self, site: _Site) -> bool:
        """One request for the site; False when the site is finished."""
        if site.robots is None:
            await self._open_site(site)
            return True
        if time.monotonic() - site.started > self.s.max_domain_seconds:
            return False
        while site.queue and site.fetched < self.s.max_pages_per_domain:
            _, _, q = heapq.heappop(site.queue)
            if not site.robots.allowed(q.url):
                self.state.finish(
                    site.key,
                    q,
                    state="skipped",
                    status=0,
                    error="disallowed",
                    attempts=0,
                    counts=False,
                )
                self.stats.outcomes["disallowed"] += 1
                continue
            await self._fetch(site, q)
            return bool(site.queue) and site.fetched < self.s.max_pages_per_domain
        return False

    async def _open_site(self, site: _Site) -> None:
        """robots.txt (stored, so a resumed crawl does not ask again), then the queue."""
        row = self.state.site_row(site.key)
        assert row is not None
        text, status, at, pages, _ = row
        if text is not None and status and at and time.time() - float(at) < _ROBOTS_FRESH_S:
            site.robots = Robots(str(text), self.s.robots_agent, str(status))
        else:
            site.robots = await self._fetch_robots(site)
            delay = max(self.s.min_delay_s, site.robots.delay() or 0.0)
            self.state.save_robots(site.key, site.robots.text, site.robots.status, delay)
        site.delay = max(self.s.min_delay_s, site.robots.delay() or 0.0)
        site.started = time.monotonic()
        site.fetched = int(pages or 0)
        sitemaps = site.robots.sitemaps() or [site.seed_url + "sitemap.xml"]
        first = [Queued(site.seed_url, 0, 0, "page")]
        first += [Queued(u, 0, -1, "sitemap") for u in sitemaps if self._in_site(site, u)]
        self.state.enqueue(site.key, first)
        for q in self.state.queued(site.key, self._known_cap()):
            self._push(site, q)
        site.seen = self.state.known(site.key)
        site.kept = self.state.simhashes(site.key)

    async def _fetch_robots(self, site: _Site) -> Robots:
        url: str | None = site.seed_url + "robots.txt"
        for _ in range(self.s.max_redirects + 1):
            assert url is not None
            f = await self._fetcher.get(url)
            self.stats.requests += 1
            if not f.redirect:
                return Robots.from_response(f.status, f.body, f.error, self.s.robots_agent)
            url = normalize_url(f.location or "", url)
            if url is None:
                break
            await asyncio.sleep(site.delay or self.s.min_delay_s)
        return Robots.from_response(404, b"", None, self.s.robots_agent)

    def _known_cap(self) -> int:
        return self.s.max_pages_per_domain * 5

    def _in_site(self, site: _Site, url: str) -> bool:
        return registrable_domain(url) == site.key

    def _push(self, site: _Site, q: Queued) -> None:
        heapq.heappush(site.queue, (q.priority, next(self._order), q))

    def _found(self, site: _Site, items: list[Queued]) -> list[Queued]:
        """New in-site URLs within the caps; they join the site's queue."""
        new: list[Queued] = []
        for q in items:
            if q.url in site.seen or not self._in_site(site, q.url):
                continue
            if len(site.seen) >= self._known_cap():
                break
            site.seen.add(q.url)
            new.append(q)
            self._push(site, q)
        return new

    async def _fetch(self, site: _Site, q: Queued) -> None:
        f = await self._fetcher.get(q.url, etag=q.etag, last_modified=q.last_modified)
        self.stats.requests += 1
        site.fetched += 1
        if f.error == "refused":
            self.stats.refused += 1
            self._fail(site, q, f, "refused")
        elif f.status == 304:
            self.stats.not_modified += 1
            self.stats.outcomes["not_modified"] += 1
            self.state.touch(q)
        elif f.redirect:
            self._redirect(site, q, f)
        elif not f.ok:
            self._fail(site, q, f, f.error or f"http {f.status}")
        else:
            self._store(site, q, f)

    def _fail(self, site: _Site, q: Queued, f: Fetched, why: str) -> None:
        self.stats.outcomes[why] += 1
        self.state.finish(
            site.key, q, state="failed", status=f.status, error=why, attempts=f.attempts
        )

    def _redirect(self, site: _Site, q: Queued, f: Fetched) -> None:
        target = normalize_url(f.location or "", q.url)
        why = None
        if target is None:
            why = "bad_redirect"
        elif q.redirects + 1 > self.s.max_redirects:
            why = "redirect_limit"
        elif not self._in_site(site, target):
            why = "offsite_redirect"
            try:
                self.resolver.policy.check_url(target)
            except Exception:  # a literal private address: counted as refused, never connected
                why = "refused"
                self.stats.refused += 1
        if why is not None or target is None:
            self._fail(site, q, f, why or "bad_redirect")
            return
        hop = Queued(target, q.depth, q.priority, q.hint, q.redirects + 1)
        found = self._found(site, [hop])
        if not found:
            self.stats.outcomes["redirect_to_known"] += 1
        self.stats.outcomes["redirect"] += 1
        self.state.finish(
            site.key,
            q,
            state="redirected",
            status=f.status,
            error=None,
            attempts=f.attempts,
            found=found,
        )

    def _store(self, site: _Site, q: Queued, f: Fetched) -> None:
        t0 = time.perf_counter()
        if q.hint == "sitemap" or (q.hint != "feed" and b"<urlset" in f.body[:2048]):
            listed = parse_sitemap(f.body, q.url)
            found = [
                Queued(
                    x.url,
                    1,
                    -1 if x.is_sitemap else link_priority(x.url, 1),
                    "sitemap" if x.is_sitemap else "page",
                )
                for x in listed
            ]
            self._listing(site, q, f, found, t0)
            return
        if q.hint == "feed" or is_feed(f.content_type, f.body):
            found = [
                Queued(
                    x.url,
                    1,
                    link_priority(x.url, 0),
                    "page",
                    0,
                    x.title or None,
                    x.published.isoformat() if x.published else None,
                )
                for x in parse_feed(f.body, q.url)
            ]
            self._listing(site, q, f, found, t0)
            return
        self._page(site, q, f, t0)

    def _listing(self, site: _Site, q: Queued, f: Fetched, found: list[Queued], t0: float) -> None:
        self.stats.listings += 1
        self.stats.parse_seconds += time.perf_counter() - t0
        self.stats.outcomes["listing"] += 1
        self.state.finish(
            site.key,
            q,
            state="done",
            status=f.status,
            error=None,
            attempts=f.attempts,
            etag=f.etag,
            last_modified=f.last_modified,
            found=self._found(site, found),
        )

    def _page(self, site: _Site, q: Queued, f: Fetched, t0: float) -> None:
        if f.content_type.startswith("text/plain"):
            title, text, kind, published, links, feeds = (
                "",
                clean_text(f.body.decode(f.charset or "utf-8", errors="replace")),
                "web_page",
                None,
                [],
                [],
            )
        else:
            page = extract_html(q.url, f.body, f.charset, trafilatura=self.s.extractor != "fast")
            title, text, kind = page.title, page.text, page.kind
            published, links, feeds = page.published, page.links, page.feeds
        h = simhash(text)
        dup = duplicate_of(h, site.kept, self.s.near_duplicate_bits)
        if dup is None and h is not None:
            site.kept.append((q.url, h))
        else:
            self.stats.duplicates += dup is not None
        when = published.isoformat() if published else q.listed_published
        found = []
        if q.depth < self.s.max_depth:
            found = [Queued(u, q.depth + 1, link_priority(u, q.depth + 1), "page") for u in links]
        found += [Queued(u, q.depth, 0, "feed") for u in feeds]
        self.stats.pages += 1
        self.stats.parse_seconds += time.perf_counter() - t0
        self.stats.outcomes["page"] += 1
        record = {
            "body": f.body,
            "content_type": f.content_type,
            "title": title or q.listed_title,
            "text": text,
            "published": when,
            "kind": kind,
            "simhash": h,
            "duplicate_of": dup,
        }
        self.state.finish(
            site.key,
            q,
            state="done",
            status=f.status,
            error=None,
            attempts=f.attempts,
            etag=f.etag,
            last_modified=f.last_modified,
            page=record,
            found=self._found(site, found),
        )
