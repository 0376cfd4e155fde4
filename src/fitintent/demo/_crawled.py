"""After the demo's crawl, the crawled accounts' web signals come from the crawl alone.

The world's ``signals.csv`` holds every account's documents (the stand-in for what earlier crawls
and feeds brought). For the accounts whose sites were crawled, the rows that became pages are
dropped from it, so what the crawler fetched, extracted and tagged is the only evidence of those
pages; the file moves next to the crawl's output in ``sources/signals/`` and the world's
configuration reads the whole folder.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from fitintent.demo._sites import _SECTION

_SIGNALS_LINE = re.compile(r'^signals = "signals\.csv"$', re.MULTILINE)


def use_crawl(world: Path) -> int:
    """Hand the crawled sites' documents over to the crawl; returns the rows dropped."""
    sources = world / "sources"
    crawled = pa.array(sorted(p.name for p in (world / "sites").iterdir() if p.is_dir()))
    accounts = _text(sources / "accounts.csv")
    ids = accounts["account_id"].filter(pc.fill_null(pc.is_in(accounts["domain"], crawled), False))
    table = _text(sources / "signals.csv")
    page = pc.is_in(table["signal_type"], pa.array(list(_SECTION)))
    on_site = pc.or_(pc.is_in(table["domain"], crawled), pc.is_in(table["account_id"], ids))
    drop = pc.fill_null(pc.and_(page, on_site), False)
    kept = table.filter(pc.invert(drop))
    (sources / "signals").mkdir(exist_ok=True)
    pacsv.write_csv(kept, sources / "signals" / "feeds.csv")
    (sources / "signals.csv").unlink()
    toml = world / "fitintent.toml"
    text, n = _SIGNALS_LINE.subn('signals = "signals/*"', toml.read_text(encoding="utf-8"))
    if n != 1:
        raise ValueError(f"{toml}: no signals file to replace")
    toml.write_text(text, encoding="utf-8")
    return table.num_rows - kept.num_rows


def _text(path: Path) -> pa.Table:
    """A CSV read as text, so that it is written back exactly as the generator wrote it."""
    with path.open(encoding="utf-8") as fh:
        header = fh.readline().rstrip("\r\n").split(",")
    options = pacsv.ConvertOptions(
        column_types={c: pa.string() for c in header}, strings_can_be_null=True
    )
    return pacsv.read_csv(path, convert_options=options)
