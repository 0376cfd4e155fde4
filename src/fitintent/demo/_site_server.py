"""A web server for many virtual hosts on loopback: the demo's company sites and crawl fixtures.

Pages come from a store (a folder per host, or a function); paths under ``/trap/`` misbehave the
way real sites do: slow, huge, redirect loops, binary files. Every request is logged with its
arrival time, so politeness can be measured from the server's side.
"""

from __future__ import annotations

import asyncio
import hashlib
import mimetypes
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import formatdate
from pathlib import Path

from aiohttp import web

Page = tuple[str, bytes]  # (content type, body)
Store = Callable[[str, str], Page | None]  # (host, path) -> page


@dataclass(frozen=True)
class Hit:
    host: str
    path: str
    at: float  # time.monotonic() on arrival
    status: int
    conditional: bool
    connection: int = 0  # the client's port: requests on one kept-alive connection share it


def folder_store(root: Path) -> Store:
    """``root/<host>/<path>``; a path ending in / serves its index.html."""

    def get(host: str, path: str) -> Page | None:
        rel = path.lstrip("/")
        if rel == "" or rel.endswith("/"):
            rel += "index.html"
        target = (root / host / rel).resolve()
        if root.resolve() not in target.parents or not target.is_file():
            return None
        kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if target.suffix == ".xml" and target.name.startswith("feed"):
            kind = "application/rss+xml"
        return kind, target.read_bytes()

    return get


_STAMP = formatdate(1_780_000_000, usegmt=True)  # a fixed Last-Modified: answers are repeatable


class SiteServer:
    def __init__(self, store: Store, *, slow_s: float = 30.0, huge_bytes: int = 50_000_000):
        self.store = store
        self.slow_s = slow_s
        self.huge_bytes = huge_bytes
        self.hits: list[Hit] = []
        self.app = web.Application()
        self.app.router.add_route("GET", "/{tail:.*}", self._handle)

    def _log(self, request: web.Request, status: int, at: float) -> None:
        conditional = "If-None-Match" in request.headers or "If-Modified-Since" in request.headers
        peer = request.transport.get_extra_info("peername") if request.transport else None
        port = int(peer[1]) if isinstance(peer, tuple) and len(peer) > 1 else 0
        self.hits.append(
            Hit(request.host.split(":")[0].lower(), request.path_qs, at, status, conditional, port)
        )

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        t = time.monotonic()
        host = request.host.split(":")[0].lower()
        if request.path.startswith("/trap/"):
            return await self._trap(request, request.path[len("/trap/") :], t)
        page = self.store(host, request.path)
        if page is None:
            self._log(request, 404, t)
            return web.Response(status=404, text="not found")
        kind, body = page
        etag = '"' + hashlib.blake2b(body, digest_size=8).hexdigest() + '"'
        if request.headers.get("If-None-Match") == etag or (
            request.headers.get("If-Modified-Since") == _STAMP
            and "If-None-Match" not in request.headers
        ):
            self._log(request, 304, t)
            return web.Response(status=304, headers={"ETag": etag})
        self._log(request, 200, t)
        return web.Response(
            body=body,
            content_type=kind,
            charset="utf-8" if kind.startswith("text/") or "xml" in kind else None,
            headers={"ETag": etag, "Last-Modified": _STAMP},
        )

    async def _trap(self, request: web.Request, name: str, t: float) -> web.StreamResponse:
        if name.startswith("loop-"):  # loop-a <-> loop-b
            self._log(request, 302, t)
            nxt = "/trap/loop-b" if name == "loop-a" else "/trap/loop-a"
            raise web.HTTPFound(nxt)
        if name.startswith("chain-"):  # an endless chain of new URLs
            n = int(name[len("chain-") :] or 0) if name[6:].isdigit() else 0
            self._log(request, 302, t)
            raise web.HTTPFound(f"/trap/chain-{n + 1}")
        if name.startswith("redirect"):  # /trap/redirect?to=URL
            self._log(request, 302, t)
            raise web.HTTPFound(request.query.get("to", "/"))
        if name == "binary.bin" or name.endswith(".pdf") or name.endswith(".xlsx"):
            self._log(request, 200, t)
            return web.Response(
                body=bytes(range(256)) * 64, content_type="application/octet-stream"
            )
        if name == "fake.html":  # binary sent as text/html
            self._log(request, 200, t)
            return web.Response(body=b"\x00\x01PK\x03\x04" * 500, content_type="text/html")
        if name.startswith("slow"):
            return await self._stream(request, 64, self.slow_s, t)
        if name.startswith("huge"):
            return await self._stream(request, self.huge_bytes, 0.0, t)
        self._log(request, 404, t)
        return web.Response(status=404)

    async def _stream(
        self, request: web.Request, size: int, seconds: float, t: float
    ) -> web.StreamResponse:
        """Trickle ``size`` bytes of HTML over ``seconds`` (no length announced)."""
        self._log(request, 200, t)
        resp = web.StreamResponse(headers={"Content-Type": "text/html; charset=utf-8"})
        await resp.prepare(request)
        chunk = b"<p>" + b"x" * 1021
        sent, steps = 0, max(1, size // len(chunk))
        try:
            while sent < size:
                await resp.write(chunk)
                sent += len(chunk)
                if seconds:
                    await asyncio.sleep(seconds / steps)
            await resp.write_eof()
        except (ConnectionError, asyncio.CancelledError):
            pass  # the crawler hung up: that is the point
        return resp


class ServerThread:
    """Runs a SiteServer on 127.0.0.1 in a thread of its own; ``port`` once started."""

    def __init__(self, server: SiteServer, host: str = "127.0.0.1", port: int = 0) -> None:
        self.server, self.host, self.port = server, host, port
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        runner = web.AppRunner(self.server.app, access_log=None, handler_cancellation=True)
        loop.run_until_complete(runner.setup())
        site = web.TCPSite(runner, self.host, self.port, backlog=1024)
        loop.run_until_complete(site.start())
        self.port = runner.addresses[0][1]
        self._ready.set()
        loop.run_forever()
        loop.run_until_complete(runner.cleanup())
        loop.close()

    def __enter__(self) -> ServerThread:
        self._thread.start()
        self._ready.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
