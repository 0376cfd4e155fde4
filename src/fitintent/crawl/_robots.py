"""robots.txt rules per site (Protego), with the crawl-delay and the sitemaps it names.

As RFC 9309 says: a missing file (4xx) allows everything; a server error or an unreachable file
disallows everything, since the site may be telling crawlers to stay away.
"""

from __future__ import annotations

from dataclasses import dataclass

from protego import Protego

_ALLOW_ALL = ""
_DISALLOW_ALL = "User-agent: *\nDisallow: /\n"
_MAX_ROBOTS_BYTES = 500_000  # RFC 9309 asks parsers to read at least 500 KiB


@dataclass
class Robots:
    text: str
    agent: str
    status: str  # "ok", "missing" or "unavailable"

    def __post_init__(self) -> None:
        self._rules = Protego.parse(self.text)

    @classmethod
    def from_response(cls, status: int, body: bytes, error: str | None, agent: str) -> Robots:
        if error is None and 200 <= status < 300:
            text = body[:_MAX_ROBOTS_BYTES].decode("utf-8", errors="replace")
            return cls(text, agent, "ok")
        if error is None and 400 <= status < 500:
            return cls(_ALLOW_ALL, agent, "missing")
        if error in ("too_large", "content_type", "binary"):
            return cls(_ALLOW_ALL, agent, "missing")
        return cls(_DISALLOW_ALL, agent, "unavailable")

    def allowed(self, url: str) -> bool:
        return bool(self._rules.can_fetch(url, self.agent))

    def delay(self) -> float | None:
        d = self._rules.crawl_delay(self.agent)
        return float(d) if d is not None else None

    def sitemaps(self) -> list[str]:
        return list(self._rules.sitemaps)
