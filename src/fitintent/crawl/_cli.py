"""``fitintent crawl``: crawl the accounts' web domains and write the crawler's signals."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from fitintent.signals._resolve import AccountIndex


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

    @app.command("import-feed")
    def import_feed_cmd(
        files: Annotated[list[Path], typer.Argument(help="Feed files (.jsonl, .csv or .tsv).")],
        kind: Annotated[
            str, typer.Option(help="social, forum, intent or firmographic.")
        ] = "social",
        config: Annotated[
            Path | None, typer.Option("--config", "-c", help="TOML configuration file.")
        ] = None,
        source: Annotated[
            str | None, typer.Option(help="The signals' source name (default: <kind>-connector).")
        ] = None,
    ) -> None:
        """Import social, forum, intent or firmographic feeds as signals: each file becomes
        signals/<kind>-<name>.parquet in the sources folder, resolved to accounts by domain or by
        company name and place; rows no account takes go to <workdir>/feeds/ with the reason."""
        from fitintent.cli import _config, _plain_errors
        from fitintent.cli import out as console
        from fitintent.crawl._connectors import import_feed
        from fitintent.crawl._run import default_tagger
        from fitintent.errors import InputError

        kinds = ("social", "forum", "intent", "firmographic")
        with _plain_errors():
            if kind not in kinds:
                raise InputError(kind, f"--kind is one of {', '.join(kinds)}")
            cfg = _config(config)
            index = _account_index(cfg.paths.source_dir, cfg.sources.files.get("accounts"))
            tagger = default_tagger(embeddings=cfg.crawl.embeddings)
            for f in files:
                stem = f"{kind}-{f.stem}"
                rep = import_feed(
                    f,
                    kind,  # type: ignore[arg-type]
                    index,
                    cfg.paths.source_dir / "signals" / f"{stem}.parquet",
                    cfg.paths.workdir / "feeds" / f"{stem}.unresolved.jsonl",
                    tagger,
                    source=source,
                )
                console.print(
                    f"{f}: {rep.rows_in:,} rows, {rep.written:,} signals -> {rep.output}; "
                    f"{rep.unresolved:,} unresolved -> {rep.unresolved_output}",
                    markup=False,
                    highlight=False,
                    soft_wrap=True,
                )


def _account_index(source_dir: Path, explicit: str | None) -> AccountIndex:
    """The accounts source as an index by registrable domain and by name and place."""
    from fitintent.demo._sites import _read
    from fitintent.errors import InputError
    from fitintent.ingest._read import find_files
    from fitintent.signals._resolve import AccountIndex, AccountRef

    files = find_files("accounts", source_dir, explicit)
    if not files:
        raise InputError(str(source_dir), "no accounts source to resolve the feeds against")
    cols = ["account_id", "account_name", "domain", "city", "country"]
    return AccountIndex(
        AccountRef(r["account_id"], r["account_name"] or "", r["domain"], r["city"], r["country"])
        for r in _read(files, cols).to_pylist()
    )
