"""The crawl loop: sites taken in turn under a global concurrency limit, each site polite.

A site has at most one request in flight, and the next one starts no sooner than the robots.txt
crawl-delay (or the configured minimum, whichever is longer) after the previous one ended. Sites
wait in a heap by the time they may be asked again, so thousands of sites share a few workers; a
new site is opened only when no open one may be asked yet, so the sites in memory (and their
idle connections) are as few as the crawl's pace allows.

Bodies are parsed off the event loop (``_pool``) when the crawl is large enough for a worker
process to pay off; the concurrency limit counts requests, so a slot serves another site while
a body is parsed, and the site itself waits for its parse before its next request.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import time
from collections import deque

from fitintent.config import CrawlSettings
from fitintent.crawl._address import GuardedResolver
from fitintent.crawl._dedup import duplicate_of
from fitintent.crawl._extract import normalize_url
from fitintent.crawl._fetch import Fetched, Fetcher
from fitintent.crawl._parse import Found, Parsed, ParseJob, site_of
from fitintent.crawl._pool import PageParser, auto_workers
from fitintent.crawl._robots import Robots
from fitintent.crawl._sites import CrawlStats, Seed, Site
from fitintent.crawl._state import CrawlState, Queued
from fitintent.signals._resolve import registrable_domain

_ROBOTS_FRESH_S = 86_400.0


class Crawler:
    def __init__(
        self,
        settings: CrawlSettings,
        state: CrawlState,
        resolver: GuardedResolver,
        *,
        scheme: str = "https",
        parse_workers: int | None = None,
    ) -> None:
        """``parse_workers``: processes that parse bodies (0: inline; None: by crawl size)."""
        self.s = settings
        self.state = state
        self.resolver = resolver
        self.scheme = scheme
        self.parse_workers = parse_workers
        self.stats = CrawlStats()
        self._heap: list[tuple[float, int, Site]] = []
        self._unopened: deque[Site] = deque()
        self._parsing: set[asyncio.Task[None]] = set()  # referenced, so none is collected early
        self._failed: BaseException | None = None
        self._order = itertools.count()
        self._inflight = 0
        self._wake = asyncio.Event()

    async def run(self, seeds: list[Seed], *, recrawl: bool = False) -> CrawlStats:
        """Crawl every seed's site; with ``recrawl``, pages older than ``recrawl_after_days``
        are asked again with their validators."""
        started = time.monotonic()
        if recrawl:
            self.state.requeue_stale(time.time() - self.s.recrawl_after_days * 86_400)
        sites = []
        for seed in seeds:
            key = registrable_domain(seed.domain) or seed.domain.lower()
            sites.append((key, f"{self.scheme}://{seed.domain.lower()}/", seed.account_id))
        self.state.add_sites(sites)
        self._unopened.extend(Site(key, url) for key, url, _ in sites)
        self.stats.sites = len(self._unopened)
        workers = self.parse_workers
        if workers is None:
            workers = auto_workers(len(sites))
        self.stats.parse_workers = workers
        async with Fetcher(self.s, self.resolver) as fetcher, PageParser(workers) as parser:
            self._fetcher, self._parser = fetcher, parser
            tasks = [asyncio.create_task(self._worker()) for _ in range(self.s.concurrency)]
            self.state.group_commits(asyncio.get_running_loop().call_soon)
            try:
                await asyncio.gather(*tasks)
                if self._failed is not None:  # the last parse failed after the workers ended
                    raise self._failed
            finally:
                self.state.group_commits(None)
        self.stats.seconds = time.monotonic() - started
        return self.stats

    async def _worker(self) -> None:
        """Takes sites in turn; ``concurrency`` of these bound the requests in flight."""
        while (site := await self._next_site()) is not None:
            more: bool | None = False
            try:
                more = await self._step(site)
            finally:
                if more is not None:  # None: a parse task has the site now
                    self._release(site, more)

    def _release(self, site: Site, more: bool) -> None:
        """The site's step is over: it waits its delay for the next one, or it is finished."""
        self._inflight -= 1
        if more:
            heapq.heappush(self._heap, (time.monotonic() + site.delay, next(self._order), site))
        self._wake.set()

    def _more(self, site: Site) -> bool:
        return bool(site.queue) and site.fetched < self.s.max_pages_per_domain

    async def _next_site(self) -> Site | None:
        """A site that may be asked now: an open one that is due, else a new one."""
        while True:
            if self._failed is not None:
                raise self._failed
            if self._heap and self._heap[0][0] <= time.monotonic():
                self._inflight += 1
                return heapq.heappop(self._heap)[2]
            if self._unopened:
                self._inflight += 1
                return self._unopened.popleft()
            if self._heap:
                due = self._heap[0][0] - time.monotonic()
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), due)
                continue
            if self._inflight == 0:
                return None
            self._wake.clear()
            await self._wake.wait()

    async def _step(self, site: Site) -> bool | None:
        """One request for the site; False when the site is finished, None when its body is
        being parsed (the request is over, so its slot serves another site meanwhile)."""
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
            f = await self._fetch(site, q)
            if f is None:
                return self._more(site)
            if not self._parser.pooled or len(self._parsing) >= self.s.concurrency:
                # inline, or the worker is behind: this slot waits for the parse, so no more
                # bodies pile up than there are slots twice over (memory stays bounded)
                await self._store(site, q, f)
                return self._more(site)
            task = asyncio.create_task(self._store_then_release(site, q, f))
            self._parsing.add(task)
            task.add_done_callback(self._parsing.discard)
            return None
        return False

    async def _store_then_release(self, site: Site, q: Queued, f: Fetched) -> None:
        more = False
        try:
            await self._store(site, q, f)
            more = self._more(site)
        except Exception as e:
            self._failed = e  # the workers stop and the crawl raises it, as if inline
        finally:
            self._release(site, more)

    async def _open_site(self, site: Site) -> None:
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

    async def _fetch_robots(self, site: Site) -> Robots:
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

    def _in_site(self, site: Site, url: str) -> bool:
        return site_of(url) == site.key

    def _push(self, site: Site, q: Queued) -> None:
        heapq.heappush(site.queue, (q.priority, next(self._order), q))

    def _found(self, site: Site, items: list[Queued], *, in_site: bool = False) -> list[Queued]:
        """New in-site URLs within the caps; they join the site's queue. ``in_site``: the
        parser kept only the site's URLs already."""
        new: list[Queued] = []
        for q in items:
            if q.url in site.seen or not (in_site or self._in_site(site, q.url)):
                continue
            if len(site.seen) >= self._known_cap():
                break
            site.seen.add(q.url)
            new.append(q)
            self._push(site, q)
        return new

    async def _fetch(self, site: Site, q: Queued) -> Fetched | None:
        """The request and its outcome; the response when its body is to be parsed."""
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
            return f
        return None

    def _fail(self, site: Site, q: Queued, f: Fetched, why: str) -> None:
        self.stats.outcomes[why] += 1
        self.state.finish(
            site.key, q, state="failed", status=f.status, error=why, attempts=f.attempts
        )

    def _redirect(self, site: Site, q: Queued, f: Fetched) -> None:
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

    async def _store(self, site: Site, q: Queued, f: Fetched) -> None:
        job = ParseJob(
            site.key,
            q.url,
            q.hint,
            q.depth,
            q.depth < self.s.max_depth,
            f.content_type,
            f.charset,
            f.body,
            self.s.extractor != "fast",
        )
        parsed = await self._parser.parse(job)
        self.stats.parse_seconds += parsed.seconds
        self.stats.parsed_in_workers += parsed.in_worker
        if parsed.error is not None:
            self._fail(site, q, f, parsed.error)
        elif parsed.listing:
            self._listing(site, q, f, parsed)
        else:
            self._page(site, q, f, parsed)

    def _queued(self, found: list[Found]) -> list[Queued]:
        return [Queued(u, d, p, h, 0, title, when) for u, d, p, h, title, when in found]

    def _listing(self, site: Site, q: Queued, f: Fetched, parsed: Parsed) -> None:
        self.stats.listings += 1
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
            found=self._found(site, self._queued(parsed.found), in_site=True),
        )

    def _page(self, site: Site, q: Queued, f: Fetched, parsed: Parsed) -> None:
        h = parsed.simhash
        dup = duplicate_of(h, site.kept, self.s.near_duplicate_bits)
        if dup is None and h is not None:
            site.kept.append((q.url, h))
        else:
            self.stats.duplicates += dup is not None
        self.stats.pages += 1
        self.stats.outcomes["page"] += 1
        record = {
            "body_z": parsed.body_z,
            "content_type": f.content_type,
            "title": parsed.title or q.listed_title,
            "text": parsed.text,
            "published": parsed.published or q.listed_published,
            "kind": parsed.kind,
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
            found=self._found(site, self._queued(parsed.found), in_site=True),
        )
