"""One HTTP request at a time, within limits: timeouts, a body cap, content types, retries.

Redirects are not followed here: the crawler sees each hop, so every hop passes the address
check, the robots rules and the redirect limit.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

import aiohttp
from yarl import URL

from fitintent.config import CrawlSettings
from fitintent.crawl._address import AddressPolicy, GuardedResolver, RefusedAddress

_RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
_CHUNK = 64 * 1024
# a site's one connection is kept between its requests: at a crawl-delay of seconds, a
# connect and a close per request cost both ends more CPU than the request itself
_KEEPALIVE_S = 15.0


@dataclass
class Fetched:
    """What one request gave. ``error`` names why there is no usable body."""

    url: str
    status: int = 0
    content_type: str = ""
    charset: str | None = None
    body: bytes = b""
    etag: str | None = None
    last_modified: str | None = None
    location: str | None = None
    error: str | None = None
    attempts: int = 0
    started: float = 0.0
    seconds: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error is None and 200 <= self.status < 300

    @property
    def redirect(self) -> bool:
        return self.status in (301, 302, 303, 307, 308) and self.location is not None


class Fetcher:
    """An aiohttp session with a guarded resolver, one connection per host (kept alive between
    the site's requests) and global limits."""

    def __init__(self, settings: CrawlSettings, resolver: GuardedResolver) -> None:
        self.settings = settings
        self.policy: AddressPolicy = resolver.policy
        self.resolver = resolver
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Fetcher:
        s = self.settings
        connector = aiohttp.TCPConnector(
            limit=s.concurrency,
            limit_per_host=1,
            resolver=self.resolver,
            use_dns_cache=False,  # every request resolves, so a changed answer is checked
            ttl_dns_cache=None,
            keepalive_timeout=_KEEPALIVE_S,
            enable_cleanup_closed=False,
        )
        timeout = aiohttp.ClientTimeout(
            total=s.total_timeout_s, sock_connect=s.connect_timeout_s, sock_read=s.read_timeout_s
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            timeout=timeout,
            headers={"User-Agent": s.user_agent, "Accept-Encoding": "gzip, deflate"},
            trust_env=False,  # no proxy from the environment: the policy sees real addresses
            auto_decompress=True,
            cookie_jar=aiohttp.DummyCookieJar(),
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._session is not None:
            await self._session.close()

    async def get(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> Fetched:
        """GET with retries on connection errors, timeouts and 429/5xx (with backoff)."""
        s = self.settings
        result = Fetched(url=url)
        for attempt in range(s.retries + 1):
            if attempt:
                await asyncio.sleep(s.backoff_s * (2 ** (attempt - 1)))
            result = await self._once(url, etag, last_modified)
            result.attempts = attempt + 1
            transient = result.error in ("timeout", "connection") or result.status in _RETRY_STATUS
            if not transient or result.error == "refused":
                break
        return result

    async def _once(self, url: str, etag: str | None, last_modified: str | None) -> Fetched:
        assert self._session is not None, "use the fetcher inside 'async with'"
        out = Fetched(url=url, started=time.monotonic())
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        try:
            target = URL(url, encoded=False)
            self.policy.check_url(url, target)
            async with (
                self.resolver.answering(
                    target.raw_host or "", target.port or 0, self.settings.connect_timeout_s
                ),
                self._session.get(target, headers=headers, allow_redirects=False) as resp,
            ):
                out.status = resp.status
                out.content_type = resp.content_type or ""
                out.charset = resp.charset
                out.etag = resp.headers.get("ETag")
                out.last_modified = resp.headers.get("Last-Modified")
                out.location = resp.headers.get("Location")
                if 200 <= resp.status < 300:
                    await self._read_body(resp, out)
        except RefusedAddress as e:
            out.error, out.location = "refused", None
            out.headers["reason"] = e.reason
        except TimeoutError:
            out.error = "timeout"
        except (aiohttp.ClientError, OSError, ValueError) as e:
            out.error = "connection"
            out.headers["reason"] = type(e).__name__
        out.seconds = time.monotonic() - out.started
        return out

    async def _read_body(self, resp: aiohttp.ClientResponse, out: Fetched) -> None:
        allowed = self.settings.content_types
        if out.content_type and not any(out.content_type.startswith(t) for t in allowed):
            out.error = "content_type"  # binary files are never downloaded
            return
        limit = self.settings.max_body_bytes
        declared = resp.content_length
        if declared is not None and declared > limit:
            out.error = "too_large"
            return
        chunks: list[bytes] = []
        size = 0
        async for chunk in resp.content.iter_chunked(_CHUNK):
            size += len(chunk)
            if size > limit:
                out.error = "too_large"  # stop reading: memory stays bounded by the cap
                return
            chunks.append(chunk)
        body = b"".join(chunks)
        if b"\x00" in body[:4096]:
            out.error = "binary"  # a binary file sent as text
            return
        out.body = body
