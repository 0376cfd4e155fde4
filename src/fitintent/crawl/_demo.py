"""The demo's crawl: write a site per sampled account, serve them on loopback, crawl them.

The crawler resolves the demo's names (``*.example``, ``*.test``) to the local server itself and
opens loopback only through its allow-list; everything else is as in a real crawl.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq

from fitintent.config import Config
from fitintent.crawl._crawler import Seed
from fitintent.crawl._run import CrawlReport, crawl, default_tagger
from fitintent.signals._topics import TopicTagger

DEMO_SITES = 400
_LABELLED = (
    Path(__file__).resolve().parents[3] / "tests" / "signals" / "data" / "labelled_texts.jsonl"
)


@dataclass
class DemoCrawl:
    report: CrawlReport
    sites: int
    domains: dict[str, str]  # the crawled sites' domains -> their accounts (for checking only)
    page_precision: float  # tagging on the demo pages, against the topics they were written from
    page_recall: float
    labelled: tuple[float, float, int] | None  # (precision, recall, texts) on the labelled set

    def lines(self) -> list[str]:
        s = self.report.stats
        out = [
            f"crawl: {self.sites} sites, {s.requests:,} requests, {s.pages:,} pages parsed "
            f"({s.pages_per_second:.0f} pages/s over {s.seconds:.1f} s), "
            f"{self.report.signals:,} signals -> {self.report.output}",
            f"crawl: traps and refusals {dict(sorted(s.outcomes.items()))}",
            f"crawl: topic tagging on crawled demo pages precision {self.page_precision:.3f} "
            f"recall {self.page_recall:.3f}",
        ]
        if self.labelled is not None:
            p, r, n = self.labelled
            out.append(
                f"crawl: topic tagging on the labelled set ({n} texts) "
                f"precision {p:.3f} recall {r:.3f}"
            )
        return out


def labelled_scores(tagger: TopicTagger, path: Path = _LABELLED) -> tuple[float, float, int] | None:
    """Micro precision and recall of (text, topic) pairs on a labelled JSONL set."""
    if not path.is_file():
        return None
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    found = tagger.tag_many([r["text"] for r in rows])
    pairs = [({t.topic for t in f}, set(r["topics"])) for f, r in zip(found, rows, strict=True)]
    return (*_precision_recall(pairs), len(rows))


def _precision_recall(pairs: list[tuple[set[str], set[str]]]) -> tuple[float, float]:
    tp = sum(len(got & want) for got, want in pairs)
    fp = sum(len(got - want) for got, want in pairs)
    fn = sum(len(want - got) for got, want in pairs)
    return (tp / (tp + fp) if tp + fp else 1.0, tp / (tp + fn) if tp + fn else 1.0)


def crawl_demo(
    world: Path,
    cfg: Config,
    *,
    sites: int = DEMO_SITES,
    delay: float = 0.2,
    out: Path | None = None,
) -> DemoCrawl:
    """Write ``sites`` demo sites under ``world/sites``, serve them on 127.0.0.1, crawl them and
    write the signals (default: ``world/sources/signals/crawler.parquet``)."""
    from fitintent.demo._site_server import ServerThread, SiteServer, folder_store
    from fitintent.demo._sites import write_sites

    sources = world / "sources"
    info = write_sites(
        sources, world / "sites", world / "truth" / "site_labels.parquet", sample=sites, delay=delay
    )
    with ServerThread(SiteServer(folder_store(info.root), slow_s=5.0)) as server:
        settings = cfg.crawl.model_copy(
            update={
                "allow_networks": ["127.0.0.1/32"],
                "hosts": {
                    "*.example": f"127.0.0.1:{server.port}",
                    "*.test": f"127.0.0.1:{server.port}",
                },
                "min_delay_s": delay,
                "concurrency": 64,
                "read_timeout_s": 1.0,
                "total_timeout_s": 3.0,
                "retries": 0,
                "max_body_bytes": 1_000_000,
                "max_pages_per_domain": 40,
                "state_dir": world / "crawl",
            }
        )
        tagger = default_tagger(embeddings=False)
        report = crawl(
            [Seed(d) for d in info.domains],  # domains only: the pipeline finds the accounts
            cfg.model_copy(update={"crawl": settings}),
            out=out or sources / "signals" / "crawler.parquet",
            scheme="http",
            tagger=tagger,
        )
    signals = pq.read_table(report.output, columns=["domain", "url", "topic", "signal_type"])
    precision, recall = _page_scores(signals, info.labels)
    return DemoCrawl(
        report,
        len(info.domains),
        dict(info.domains),
        precision,
        recall,
        labelled_scores(tagger),
    )


def _page_scores(signals: object, labels_path: Path) -> tuple[float, float]:
    import pyarrow as pa

    assert isinstance(signals, pa.Table)
    labels = {r["url"]: r["topic"] for r in pq.read_table(labels_path).to_pylist() if r["topic"]}
    got: dict[str, set[str]] = {}
    for r in signals.to_pylist():
        if r["url"] in labels:
            got.setdefault(r["url"], set())
            if r["topic"]:
                got[r["url"]].add(r["topic"])
    pairs = [(got.get(u, set()), {t}) for u, t in labels.items() if u in got]
    return _precision_recall(pairs)


def crawl_in_scores(snapshot: Path) -> str:
    """How far the crawl reached the published scores: the account x product scores whose intent
    evidence cites a crawled page, and the accounts they belong to."""
    scores = pq.read_table(snapshot / "scores", columns=["account_id", "intent_evidence"])
    rows = 0
    accounts: set[str] = set()
    for account, text in zip(
        scores["account_id"].to_pylist(), scores["intent_evidence"].to_pylist(), strict=True
    ):
        if (
            text
            and '"crawler"' in text
            and any(e.get("source") == "crawler" for e in json.loads(text))
        ):
            rows += 1
            accounts.add(account)
    return (
        f"crawl: intent evidence cites crawled pages in {rows:,} account x product scores "
        f"of {len(accounts):,} accounts ({snapshot.name})"
    )
