"""Running a crawl: seeds in, the ``signals`` source out, and the demo's crawl on loopback."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path

from fitintent.config import Config, CrawlSettings
from fitintent.crawl._address import AddressPolicy, GuardedResolver, Lookup, StaticHosts
from fitintent.crawl._crawler import Crawler, CrawlStats, Seed
from fitintent.crawl._output import write_signals
from fitintent.crawl._state import CrawlState
from fitintent.signals._embed import load_embedder
from fitintent.signals._topics import Taxonomy, TopicTagger


@dataclass
class CrawlReport:
    stats: CrawlStats
    signals: int
    output: Path
    state: Path
    url_states: dict[str, int] = field(default_factory=dict)


def state_dir(cfg: Config) -> Path:
    d = cfg.crawl.state_dir
    if d is None:
        return cfg.paths.workdir / "crawl"
    return d if d.is_absolute() else cfg.paths.workdir / d


def default_tagger(*, embeddings: bool = True) -> TopicTagger:
    """Keyword rules, plus sentence embeddings when the ``[embed]`` extra is installed."""
    return TopicTagger(Taxonomy.load(), load_embedder() if embeddings else None)


def make_resolver(settings: CrawlSettings, lookup: Lookup | None = None) -> GuardedResolver:
    return GuardedResolver(
        AddressPolicy(settings.allow_networks), StaticHosts(settings.hosts), lookup
    )


async def crawl_async(
    seeds: list[Seed],
    settings: CrawlSettings,
    state_path: Path,
    *,
    recrawl: bool = False,
    scheme: str = "https",
    lookup: Lookup | None = None,
    parse_workers: int | None = None,
) -> CrawlStats:
    """Crawl the seeds' sites into the state at ``state_path``. ``parse_workers``: processes
    that parse bodies (0: inline in the event loop; None: chosen by the crawl's size)."""
    state = CrawlState(state_path)
    try:
        crawler = Crawler(
            settings,
            state,
            make_resolver(settings, lookup),
            scheme=scheme,
            parse_workers=parse_workers,
        )
        return await crawler.run(seeds, recrawl=recrawl)
    finally:
        state.close()


def crawl(
    seeds: list[Seed],
    cfg: Config,
    *,
    out: Path | None = None,
    recrawl: bool = False,
    scheme: str = "https",
    lookup: Lookup | None = None,
    tagger: TopicTagger | None = None,
) -> CrawlReport:
    """Crawl the seeds' sites and write their signals to ``out`` (default: the sources folder's
    ``[crawl] output``), where the normal ingest loads them through the ``signals`` contract."""
    path = state_dir(cfg) / "state.sqlite"
    stats = asyncio.run(
        crawl_async(
            seeds,
            cfg.crawl,
            path,
            recrawl=recrawl,
            scheme=scheme,
            lookup=lookup,
            parse_workers=cfg.crawl.parse_workers,
        )
    )
    target = out or cfg.paths.source_dir / cfg.crawl.output
    state = CrawlState(path)
    try:
        tagger = tagger or default_tagger(embeddings=cfg.crawl.embeddings)
        rows = write_signals(state, tagger, target, cfg.crawl.text_chars)
        states = state.url_states()
    finally:
        state.close()
    return CrawlReport(stats, rows, target, path, states)
