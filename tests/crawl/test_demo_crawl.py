"""The demo's crawl end to end: sites written from the world, crawled on loopback, the signals
loaded by the normal ingest through the ``signals`` contract and resolved to accounts by the
pipeline's own resolution (the crawl names hosts, never accounts)."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

from fitintent.config import load_config
from fitintent.crawl import crawl_demo
from fitintent.demo import generate_world
from fitintent.engine import F
from fitintent.period import Period
from fitintent.pipeline import run_ingest
from fitintent.signals import resolve_accounts


def test_demo_sites_are_crawled_and_ingested(tmp_path: Path, duckdb_engine) -> None:  # type: ignore[no-untyped-def]
    info = generate_world(tmp_path, accounts=400, seed=3, period="2026-10")
    cfg = load_config(info.config)
    demo = crawl_demo(tmp_path, cfg, sites=12, delay=0.05)
    lines = demo.lines()
    assert demo.sites == 12 and demo.report.signals > 0
    crawled = pq.read_table(demo.report.output)
    assert crawled["account_id"].null_count == crawled.num_rows  # the pipeline decides whose
    hosts = set(crawled["domain"].to_pylist())
    assert any(h.startswith("blog.") for h in hosts), hosts  # a blog on its own host
    assert demo.page_precision > 0.7 and demo.page_recall > 0.7
    assert any("labelled set" in line for line in lines)
    assert (tmp_path / "sites").is_dir() and (tmp_path / "truth" / "site_labels.parquet").is_file()
    files = dict(cfg.sources.files) | {"signals": "signals/crawler.parquet"}
    cfg = cfg.model_copy(update={"sources": cfg.sources.model_copy(update={"files": files})})
    data = run_ingest(cfg, duckdb_engine, Period.parse("2026-10"))
    (signals,) = [c for c in data.counts if c.source == "signals"]
    assert signals.rows_in == demo.report.signals
    assert signals.quarantined == 0 and signals.loaded == signals.rows_in
    resolved = duckdb_engine.to_arrow(
        resolve_accounts(data.tables["signals"], data.tables["accounts"])
        .groupBy("domain", "resolved_by")
        .agg(F.count(F.lit(1)).alias("n"), F.min("account_id").alias("account_id"))
    ).to_pylist()
    owner = {d: a for d, a in demo.domains.items()}
    for r in resolved:
        site = r["domain"].removeprefix("blog.")
        assert r["account_id"] == owner[site], r
        assert r["resolved_by"] == ("domain" if site == r["domain"] else "registrable domain")
