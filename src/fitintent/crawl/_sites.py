"""What a crawl is given (seeds), what it reports (stats) and what it holds per open site."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from fitintent.crawl._robots import Robots
from fitintent.crawl._state import Queued


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
    parse_seconds: float = 0.0  # spent parsing, in the worker processes or inline
    parse_workers: int = 0  # processes that parsed (0: inline, in the event loop)
    parsed_in_workers: int = 0  # bodies parsed there (the others: inline)
    outcomes: Counter[str] = field(default_factory=Counter)

    @property
    def pages_per_second(self) -> float:
        return self.pages / self.seconds if self.seconds else 0.0


@dataclass
class Site:
    """A site being crawled: its rules, its queue and what it has kept (only while open)."""

    key: str
    seed_url: str
    robots: Robots | None = None
    delay: float = 0.0
    started: float = 0.0
    fetched: int = 0
    queue: list[tuple[int, int, Queued]] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)
    kept: list[tuple[str, int]] = field(default_factory=list)
