"""The demo's crawl end to end: sites written from the world, crawled on loopback, and the
signals loaded by the normal ingest through the ``signals`` contract."""

from __future__ import annotations

from pathlib import Path

from fitintent.config import load_config
from fitintent.crawl import crawl_demo
from fitintent.demo import generate_world
from fitintent.period import Period
from fitintent.pipeline import run_ingest


def test_demo_sites_are_crawled_and_ingested(tmp_path: Path, duckdb_engine) -> None:  # type: ignore[no-untyped-def]
    info = generate_world(tmp_path, accounts=400, seed=3, period="2026-10")
    cfg = load_config(info.config)
    demo = crawl_demo(tmp_path, cfg, sites=12, delay=0.05)
    lines = demo.lines()
    assert demo.sites == 12 and demo.report.signals > 0
    assert demo.resolved_share == 1.0
    assert demo.page_precision > 0.7 and demo.page_recall > 0.7
    assert any("labelled set" in line for line in lines)
    assert (tmp_path / "sites").is_dir() and (tmp_path / "truth" / "site_labels.parquet").is_file()
    files = dict(cfg.sources.files) | {"signals": "signals/crawler.parquet"}
    cfg = cfg.model_copy(update={"sources": cfg.sources.model_copy(update={"files": files})})
    data = run_ingest(cfg, duckdb_engine, Period.parse("2026-10"))
    (signals,) = [c for c in data.counts if c.source == "signals"]
    assert signals.rows_in == demo.report.signals
    assert signals.quarantined == 0 and signals.loaded == signals.rows_in
