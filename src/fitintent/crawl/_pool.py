"""Parsing off the event loop: fetched bodies go to a worker process in small batches.

One process runs the event loop (sockets, politeness, the frontier), another parses; the
bodies that arrive in one turn of the loop travel together, so a round trip between the two
costs little per page. Without a worker (a small crawl, a single core) the same functions run
inline, as they do while the worker starts; if the worker dies, the crawl carries on inline.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing as mp
import os
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from fitintent.crawl._parse import Parsed, ParseJob, parse, parse_batch, warm_up

_BATCH = 32
# below this many sites, starting a worker process costs more than the parsing it would take
_POOL_FROM_SITES = 64


def auto_workers(sites: int) -> int:
    """Parse workers for a crawl of ``sites`` sites: one core keeps the event loop, the others
    (up to three) parse; none for a small crawl or a single core."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if sites < _POOL_FROM_SITES or (cores or 1) < 2:
        return 0
    return min(3, (cores or 1) - 1)


class PageParser:
    """``await parser.parse(job)``: parsed in a worker process when there is one."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None
        self._up: asyncio.Future[list[Parsed]] | None = None
        self._pending: list[tuple[ParseJob, asyncio.Future[Parsed]]] = []
        self._flush_soon = False

    async def __aenter__(self) -> PageParser:
        if self.workers > 0:
            # spawn: the crawl's process has threads (a resolver, a test server) that a fork
            # would copy in an unknown state
            self._pool = ProcessPoolExecutor(
                self.workers, mp_context=mp.get_context("spawn"), initializer=warm_up
            )
            # a worker takes a second or so to start; pages parse inline until it answers
            self._up = asyncio.wrap_future(self._pool.submit(parse_batch, []))
        return self

    async def __aexit__(self, *exc: object) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            await asyncio.get_running_loop().run_in_executor(None, pool.shutdown)

    @property
    def pooled(self) -> bool:
        """Pages go to a worker process (one is up and answering)."""
        if self._pool is None or self._up is None or not self._up.done():
            return False
        if self._up.cancelled() or self._up.exception() is not None:
            self._broken()
            return False
        return True

    async def started(self) -> bool:
        """Wait until the worker answers (or is known not to); whether pages go to it."""
        if self._up is not None:
            await asyncio.wait([self._up])
        return self.pooled

    async def parse(self, job: ParseJob) -> Parsed:
        if not self.pooled:
            return parse(job)
        waiter: asyncio.Future[Parsed] = asyncio.get_running_loop().create_future()
        self._pending.append((job, waiter))
        if len(self._pending) >= _BATCH:
            self._flush()
        elif not self._flush_soon:
            self._flush_soon = True
            asyncio.get_running_loop().call_soon(self._flush)
        return await waiter

    def _flush(self) -> None:
        self._flush_soon = False
        batch, self._pending = self._pending, []
        if not batch:
            return
        if self._pool is None:
            self._inline(batch)
            return
        try:
            done = self._pool.submit(parse_batch, [job for job, _ in batch])
        except (BrokenProcessPool, RuntimeError):
            self._broken()
            self._inline(batch)
            return
        loop = asyncio.get_running_loop()

        def back(f: Future[list[Parsed]]) -> None:
            # from the pool's thread: hand the results to the loop
            with contextlib.suppress(RuntimeError):  # the loop closed: nobody waits any more
                loop.call_soon_threadsafe(self._deliver, batch, f)

        done.add_done_callback(back)

    def _deliver(
        self, batch: list[tuple[ParseJob, asyncio.Future[Parsed]]], done: Future[list[Parsed]]
    ) -> None:
        try:
            results = done.result()
        except Exception as e:  # the worker died (killed, out of memory): parse here
            if isinstance(e, BrokenProcessPool):
                self._broken()
            self._inline(batch)
            return
        for (_, waiter), result in zip(batch, results, strict=True):
            if not waiter.done():
                waiter.set_result(result)

    def _inline(self, batch: list[tuple[ParseJob, asyncio.Future[Parsed]]]) -> None:
        for job, waiter in batch:
            if not waiter.done():
                waiter.set_result(parse(job))

    def _broken(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
