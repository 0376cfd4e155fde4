"""Signal collection: a polite, safe crawler of the accounts' web sites.

>>> from fitintent.crawl import Seed, crawl
>>> report = crawl([Seed("fabrikam.example", "A0000001")], cfg)  # doctest: +SKIP
>>> report.output  # doctest: +SKIP
PosixPath('work/sources/signals/crawler.parquet')

Robots rules and crawl-delays are obeyed, only public addresses are reached (loopback and
private networks open through ``[crawl] allow_networks`` only), the frontier persists so a killed
crawl resumes, and pages become rows of the ``signals`` source.
"""

from fitintent.crawl._address import (
    AddressPolicy,
    GuardedResolver,
    RefusedAddress,
    StaticHosts,
    why_not_public,
)
from fitintent.crawl._connectors import import_feed
from fitintent.crawl._crawler import Crawler, CrawlStats, Seed
from fitintent.crawl._demo import DemoCrawl, crawl_demo, crawl_in_scores, labelled_scores
from fitintent.crawl._extract import Page, extract_html, normalize_url
from fitintent.crawl._output import SIGNAL_SCHEMA, page_signals, signal_id
from fitintent.crawl._run import CrawlReport, crawl, crawl_async, default_tagger
from fitintent.crawl._state import CrawlState

__all__ = [
    "SIGNAL_SCHEMA",
    "AddressPolicy",
    "CrawlReport",
    "CrawlState",
    "CrawlStats",
    "Crawler",
    "DemoCrawl",
    "GuardedResolver",
    "Page",
    "RefusedAddress",
    "Seed",
    "StaticHosts",
    "crawl",
    "crawl_async",
    "crawl_demo",
    "crawl_in_scores",
    "default_tagger",
    "extract_html",
    "import_feed",
    "labelled_scores",
    "normalize_url",
    "page_signals",
    "signal_id",
    "why_not_public",
]
