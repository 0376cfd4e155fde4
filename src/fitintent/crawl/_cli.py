"""``fitintent crawl``: crawl the accounts' web domains and write the crawler's signals."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def _seeds(source_dir: Path, explicit: str | None, limit: int | None) -> list[object]:
    import pyarrow as pa

    from fitintent.crawl._crawler import Seed
    from fitintent.demo._sites import _read
    from fitintent.errors import InputError
    from fitintent.ingest._read import find_files

    files = find_files("accounts", source_dir, explicit)
    if not files:
        raise InputError(str(source_dir), "no accounts source to take the domains from")
    table = _read(files, ["account_id", "domain"])
    table = table.filter(pa.compute.is_valid(table["domain"]))
    rows = table.to_pylist()[: limit or None]
    return [Seed(str(r["domain"]).strip().lower(), r["account_id"]) for r in rows]


def register(app: typer.Typer) -> None:
    """Add the ``crawl`` command to the ``fitintent`` application."""

    @app.command("crawl")
    def crawl_cmd(
        config: Annotated[
            Path | None, typer.Option("--config", "-c", help="TOML configuration file.")
        ] = None,
        limit: Annotated[int | None, typer.Option(help="Crawl only the first N accounts.")] = None,
        recrawl: Annotated[
            bool, typer.Option(help="Ask again for pages older than [crawl] recrawl_after_days.")
        ] = False,
        scheme: Annotated[str, typer.Option(help="https (default) or http.")] = "https",
        out: Annotated[Path | None, typer.Option(help="Signals file (Parquet).")] = None,
    ) -> None:
        """Crawl the accounts' web sites (robots.txt obeyed) and write their signals."""
        from fitintent.cli import _config, _plain_errors
        from fitintent.cli import out as console
        from fitintent.crawl._run import crawl

        with _plain_errors():
            cfg = _config(config)
            seeds = _seeds(cfg.paths.source_dir, cfg.sources.files.get("accounts"), limit)
            report = crawl(seeds, cfg, out=out, recrawl=recrawl, scheme=scheme)  # type: ignore[arg-type]
            s = report.stats
            console.print(
                f"Crawled {s.sites:,} sites: {s.requests:,} requests, {s.pages:,} pages, "
                f"{s.not_modified:,} not modified, {s.refused:,} refused, in {s.seconds:.1f} s"
            )
            console.print(f"Wrote {report.signals:,} signals to {report.output}")
