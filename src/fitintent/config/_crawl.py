"""The crawler's settings: politeness, limits, safety and where its state and output live.

Example::

    [crawl]
    concurrency = 32             # connections open at once, over all domains
    min_delay_s = 1.0            # between two requests to one domain, unless robots.txt asks more
    max_pages_per_domain = 40
    allow_networks = []          # loopback and private networks stay closed unless listed here
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator

from fitintent.config._core import _Model


class CrawlSettings(_Model):
    user_agent: str = "fitintent-crawler/0.1 (+https://fitintent.example/crawler)"
    robots_agent: str = "fitintent-crawler"  # the token matched against robots.txt groups
    concurrency: int = Field(default=32, ge=1, le=1024)
    min_delay_s: float = Field(default=1.0, ge=0)
    # a robots.txt crawl-delay above this makes the crawler take only the first pages it can
    # reach within ``max_domain_seconds`` instead of waiting hours on one site
    max_delay_s: float = Field(default=30.0, ge=0)
    max_domain_seconds: float = Field(default=600.0, gt=0)
    max_pages_per_domain: int = Field(default=40, ge=1)
    max_depth: int = Field(default=3, ge=0)
    connect_timeout_s: float = Field(default=5.0, gt=0)
    read_timeout_s: float = Field(default=10.0, gt=0)  # between two chunks of a body
    total_timeout_s: float = Field(default=20.0, gt=0)  # one request, body included
    retries: int = Field(default=1, ge=0, le=10)
    backoff_s: float = Field(default=0.5, ge=0)
    max_body_bytes: int = Field(default=2_000_000, ge=1024)
    max_redirects: int = Field(default=5, ge=0, le=20)
    content_types: list[str] = Field(
        default_factory=lambda: [
            "text/html",
            "application/xhtml+xml",
            "application/rss+xml",
            "application/atom+xml",
            "application/xml",
            "text/xml",
            "text/plain",
        ]
    )
    # Networks the crawler may connect to although they are not public (tests, the demo).
    allow_networks: list[str] = Field(default_factory=list)
    # Names answered by the crawler's own resolver before DNS: "host" or "*.suffix" ->
    # "ip" or "ip:port" (the demo's virtual hosts on loopback).
    hosts: dict[str, str] = Field(default_factory=dict)
    extractor: Literal["fast", "trafilatura"] = "fast"
    embeddings: bool = True  # sentence embeddings in tagging, when the [embed] extra is there
    text_chars: int = Field(default=1_000, ge=50)  # excerpt kept in a signal row
    recrawl_after_days: float = Field(default=7.0, ge=0)
    near_duplicate_bits: int = Field(default=3, ge=0, le=16)
    # processes that parse fetched bodies beside the event loop (0: parse inline; unset: one
    # when the crawl is large enough to gain from it)
    parse_workers: int | None = Field(default=None, ge=0, le=64)
    state_dir: Path | None = None  # default: <workdir>/crawl
    output: str = "signals/crawler.parquet"  # relative to the sources folder

    @field_validator("allow_networks")
    @classmethod
    def _networks(cls, v: list[str]) -> list[str]:
        for net in v:
            try:
                ipaddress.ip_network(net, strict=False)
            except ValueError:
                raise ValueError(
                    f"{net!r} is not a network (use 127.0.0.1/32 or ::1/128)"
                ) from None
        return v
