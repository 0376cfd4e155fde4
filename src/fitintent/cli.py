"""The ``fitintent`` command: demo, run, ingest, snapshots, summary, targets."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import pyarrow.parquet as pq
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from fitintent.config import Config, load_config
from fitintent.crawl._cli import register as register_crawl
from fitintent.errors import FitintentError
from fitintent.period import Period
from fitintent.serve._cli import register as register_serve

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Which business customers are most likely to buy which product now, and why.",
)
# wide tables (the summary) stay readable when the output is a file or a pipe
out = Console() if sys.stdout.isatty() else Console(width=200)
err = Console(stderr=True)

ConfigOpt = Annotated[Path | None, typer.Option("--config", "-c", help="TOML configuration file.")]
PeriodOpt = Annotated[str | None, typer.Option(help="Month to run, YYYY-MM (default: last month).")]
EngineOpt = Annotated[str | None, typer.Option(help="duckdb (default) or spark.")]

SUMMARY_COLUMNS = [
    ("smc_customers", "SMC customers"),
    ("expiring_agreements", "Expiring agreements"),
    ("expiring_revenue", "Expiring revenue"),
    ("open_expiring_revenue", "Open expiring revenue"),
    ("top_unmanaged_user", "Top unmanaged (user)"),
    ("top_unmanaged_compute", "Top unmanaged (compute)"),
    ("medium", "Medium"),
    ("small", "Small"),
]


def main() -> None:
    app()


@contextmanager
def _plain_errors() -> Iterator[None]:
    """User mistakes print one clear message and exit non-zero; defects keep their traceback."""
    try:
        yield
    except FitintentError as e:
        err.print(f"[bold red]error:[/] {e}", highlight=False, markup=True, soft_wrap=True)
        raise typer.Exit(e.exit_code) from None


def _config(path: Path | None, engine: str | None = None, workdir: Path | None = None) -> Config:
    if path is None and workdir is not None and (workdir / "fitintent.toml").is_file():
        path = workdir / "fitintent.toml"
    if path is None and Path("fitintent.toml").is_file():
        path = Path("fitintent.toml")
    cfg = load_config(path) if path else load_config(None, paths={"workdir": str(workdir or ".")})
    if engine:
        if engine not in ("duckdb", "spark"):
            raise typer.BadParameter("engine must be duckdb or spark", param_hint="--engine")
        cfg = cfg.with_engine(engine)
    return cfg


def _period(text: str | None) -> Period:
    return Period.parse(text) if text else Period.of(date.today()).shift(-1)


@contextmanager
def _progress() -> Iterator[Callable[[str, str], None]]:
    with Progress(
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[detail]}"),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    ) as bar:
        tasks: dict[str, Any] = {}

        def update(stage: str, detail: str) -> None:
            for name, task in tasks.items():
                if name != stage:
                    bar.update(task, completed=1)
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=1, detail=detail)
            bar.update(tasks[stage], detail=detail)

        yield update
        for task in tasks.values():
            bar.update(task, completed=1, detail="")


@app.command()
def run(config: ConfigOpt = None, period: PeriodOpt = None, engine: EngineOpt = None) -> None:
    """Run the whole pipeline for a period and publish its snapshot."""
    with _plain_errors():
        cfg = _config(config, engine)
        _run(cfg, _period(period))


def _run(cfg: Config, period: Period) -> Path:
    from fitintent.pipeline import run as run_pipeline

    with _progress() as update:
        result = run_pipeline(cfg, period, progress=update)
    m = result.snapshot.manifest
    _print_reconciliation(m["sources"])
    for line in resolution_lines(m.get("signals") or {}):
        out.print(line)
    out.print(f"Published snapshot [bold]{period}[/] ({m['engine']}) at {result.snapshot.path}")
    return result.snapshot.path


@app.command("ingest")
def ingest_cmd(
    config: ConfigOpt = None, period: PeriodOpt = None, engine: EngineOpt = None
) -> None:
    """Check and load the sources only (no snapshot); print rows in, loaded and quarantined."""
    from fitintent.engine import open_engine
    from fitintent.pipeline import run_ingest

    with _plain_errors():
        cfg = _config(config, engine)
        p = _period(period)
        with open_engine(cfg.engine, cfg.paths.workdir) as eng, _progress() as update:
            data = run_ingest(cfg, eng, p, update)
            counts = {
                c.source: {
                    "files": c.files,
                    "rows_in": c.rows_in,
                    "loaded": c.loaded,
                    "quarantined": c.quarantined,
                    "carried": c.carried,
                }
                for c in data.counts
            }
        _print_reconciliation(counts)
        out.print(f"Loaded tables are in {cfg.paths.workdir / 'warehouse' / str(p)}")


def resolution_lines(card: dict[str, Any]) -> list[str]:
    """How the run resolved signals to accounts, overall and per source (the manifest's card)."""
    if not card.get("rows"):
        return []

    def share(c: dict[str, Any]) -> str:
        return f"{c['resolved_share']:.1%} of {c['rows']:,}"

    per = ", ".join(f"{s} {share(c)}" for s, c in card["by_source"].items())
    lines = [f"Signals resolved to accounts: {share(card)} ({per})"]
    for reason, n in card.get("unresolved_reasons", {}).items():
        lines.append(f"  unresolved, {reason}: {n:,}")
    return lines


def _print_reconciliation(sources: dict[str, dict[str, Any]]) -> None:
    t = Table(
        title="Sources: rows in = loaded + quarantined",
        caption="carried over: rows of files an earlier run checked, unchanged since",
    )
    for col in ("source", "rows in", "loaded", "quarantined", "reconciles", "carried over"):
        t.add_column(col, justify="left" if col == "source" else "right")
    for name, c in sources.items():
        ok = c["rows_in"] == c["loaded"] + c["quarantined"]
        t.add_row(
            name,
            f"{c['rows_in']:,}",
            f"{c['loaded']:,}",
            f"{c['quarantined']:,}",
            "yes" if ok else "[red]NO[/]",
            f"{c['carried']:,}" if c.get("carried") else "",
        )
    out.print(t)


@app.command()
def snapshots(
    config: ConfigOpt = None,
    workdir: Annotated[Path | None, typer.Option(help="Work folder.")] = None,
) -> None:
    """List the published snapshots."""
    from fitintent.publish import list_snapshots

    with _plain_errors():
        cfg = _config(config, workdir=workdir)
        snaps = list_snapshots(cfg.paths.snapshots)
        t = Table(title=f"Snapshots in {cfg.paths.snapshots}")
        for col in ("period", "engine", "accounts", "quarantined", "published", "content"):
            t.add_column(col)
        for s in snaps:
            m = s.manifest
            quarantined = sum(c["quarantined"] for c in m["sources"].values())
            t.add_row(
                s.period,
                m["engine"],
                f"{m['tables']['accounts']['rows']:,}",
                f"{quarantined:,}",
                m.get("published_at", ""),
                m["content_hash"][:12],
            )
        out.print(t if snaps else "No snapshot is published yet.")


@app.command()
def summary(
    partner: Annotated[str | None, typer.Option(help="Partner id (default: all).")] = None,
    config: ConfigOpt = None,
    period: Annotated[
        str | None, typer.Option(help="Snapshot period YYYY-MM (default: latest).")
    ] = None,
    workdir: Annotated[Path | None, typer.Option(help="Work folder.")] = None,
    locations: Annotated[bool, typer.Option(help="Show each location.")] = False,
) -> None:
    """Print the summary tiles of a partner (or of every partner) from a published snapshot."""
    with _plain_errors():
        cfg = _config(config, workdir=workdir)
        print_summary(cfg, period, partner, locations)


def print_summary(
    cfg: Config, period: str | None, partner: str | None, locations: bool = False
) -> None:
    from fitintent.publish import open_snapshot

    snap = open_snapshot(cfg.paths.snapshots, period)
    table = "summary_location" if locations else "summary_partner"
    rows = pq.read_table(snap.table(table)).to_pylist()
    if partner is not None:
        rows = [r for r in rows if r["partner_id"] == partner]
        if not rows:
            raise FitintentError(f"partner '{partner}' is not in snapshot {snap.period}")
    fy = snap.manifest["fiscal_year"]["label"]
    t = Table(title=f"Summary {snap.period} (expiring in {fy})")
    t.add_column("partner")
    if locations:
        t.add_column("location")
    for _, label in SUMMARY_COLUMNS:
        t.add_column(label, justify="right")
    for r in rows:
        head = [f"{r['partner_id']} {r.get('partner_name') or ''}".strip()]
        if locations:
            head.append(f"{r['location_id']} {r.get('location_name') or ''}".strip())
        cells = [_fmt(r.get(k), money="revenue" in k) for k, _ in SUMMARY_COLUMNS]
        t.add_row(*head, *cells)
    out.print(t)


def _fmt(v: object, money: bool) -> str:
    if v is None:
        return "-"
    return f"${v:,.2f}" if money else f"{v:,}"


@app.command()
def targets(
    partner: Annotated[str, typer.Option(help="Partner id.")],
    product: Annotated[str, typer.Option(help="Product id from the catalog.")],
    capacity: Annotated[int, typer.Option(min=0, help="How many accounts the partner can work.")],
    out_file: Annotated[
        Path | None, typer.Option("--out", help="CSV file (default: targets-P-X-PERIOD.csv).")
    ] = None,
    config: ConfigOpt = None,
    period: Annotated[
        str | None, typer.Option(help="Snapshot period YYYY-MM (default: latest).")
    ] = None,
    workdir: Annotated[Path | None, typer.Option(help="Work folder.")] = None,
) -> None:
    """The accounts a partner should work for a product: Act Now by intent first, then Evaluate,
    then Nurture and Educate while capacity remains; written as CSV."""
    with _plain_errors():
        cfg = _config(config, workdir=workdir)
        path = write_targets(cfg, period, partner, product, capacity, out_file)
        out.print(f"Wrote {path}")


def write_targets(
    cfg: Config,
    period: str | None,
    partner: str,
    product: str,
    capacity: int,
    out_file: Path | None = None,
) -> Path:
    from fitintent.engine import open_engine
    from fitintent.publish import open_snapshot
    from fitintent.score import targets, write_targets_csv

    snap = open_snapshot(cfg.paths.snapshots, period)
    if not snap.table("scores").is_dir():
        raise FitintentError(f"snapshot {snap.period} has no scores")
    if product not in cfg.product_ids:
        raise FitintentError(f"product '{product}' is not in the catalog: {cfg.product_ids}")
    partners = pq.read_table(snap.table("summary_partner"), columns=["partner_id"])
    if partner not in partners.column("partner_id").to_pylist():
        raise FitintentError(f"partner '{partner}' is not in snapshot {snap.period}")
    path = out_file or Path(f"targets-{partner}-{product}-{snap.period}.csv")
    with open_engine(cfg.engine, cfg.paths.workdir) as eng:
        rows = targets(
            eng.read_table(snap.table("scores")),
            eng.read_table(snap.table("accounts")),
            partner,
            product,
            capacity,
            cfg,
            eng.read_table(snap.table("account_product_plays")),
        )
        table = eng.to_arrow(rows)
    write_targets_csv(table, path)
    t = Table(title=f"{partner}: {product} targets from snapshot {snap.period} ({table.num_rows})")
    for col in ("rank", "account", "cluster", "cell", "intent", "fit"):
        t.add_column(col, justify="left" if col in ("account", "cluster", "cell") else "right")
    for r in table.slice(0, 20).to_pylist():
        name = f"{r['account_id']} {r.get('account_name') or ''}".strip()
        t.add_row(
            str(r["rank"]), name, r["cluster"], r["cell"], _score(r["intent"]), _score(r["fit"])
        )
    out.print(t, markup=False)
    return path


def _score(v: float | None) -> str:
    return "-" if v is None else f"{v:.1f}"


@app.command()
def demo(
    accounts: Annotated[int, typer.Option(help="Number of accounts.")] = 20_000,
    seed: Annotated[int, typer.Option(help="Seed of the world.")] = 7,
    workdir: Annotated[Path, typer.Option(help="Where the world and outputs go.")] = Path(
        "demo-work"
    ),
    period: Annotated[str, typer.Option(help="Last month of history.")] = "2026-10",
    engine: EngineOpt = None,
    crawl_sites: Annotated[
        int, typer.Option(help="Accounts whose web sites are served and crawled (0: none).")
    ] = 400,
    earlier: Annotated[
        bool,
        typer.Option(
            help="Publish the snapshot of three months before first, so that the last one shows "
            "movement and judges the earlier one on what followed."
        ),
    ] = True,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Do not serve.")] = False,
) -> None:
    """Build the demo world, crawl its web sites, run the pipeline, print every partner's
    summary and serve the dashboard."""
    from fitintent.demo import generate_world, use_crawl

    with _plain_errors():
        p = Period.parse(period)
        err.print(f"Building a demo world of {accounts:,} accounts (seed {seed}) in {workdir}")
        generate_world(workdir, accounts=accounts, seed=seed, period=str(p))
        if crawl_sites > 0:
            from fitintent.crawl import crawl_demo

            err.print(f"Serving {crawl_sites:,} accounts' web sites on 127.0.0.1 and crawling them")
            crawled = crawl_demo(workdir, _config(workdir / "fitintent.toml"), sites=crawl_sites)
            use_crawl(workdir)
            for line in crawled.lines():
                out.print(line, markup=False, highlight=False)
        cfg = _config(workdir / "fitintent.toml", engine)
        if earlier:
            _run(cfg, p.shift(-3))
        published = _run(cfg, p)
        if crawl_sites > 0:
            from fitintent.crawl import crawl_in_scores

            out.print(crawl_in_scores(published), markup=False, highlight=False)
        print_summary(cfg, str(p), None)
        out.print(
            f"Sources: {cfg.paths.source_dir}\nGround truth (evaluation only): "
            f"{workdir / 'truth'}\nSnapshots: {cfg.paths.snapshots}"
        )
        if not no_serve:
            from fitintent.serve import demo_users, format_users
            from fitintent.serve import run as serve

            out.print("Demo users (the passwords are new on every run):", markup=False)
            out.print(format_users(demo_users(cfg)), markup=False, highlight=False)
            out.print(f"Dashboard: http://{cfg.serve.host}:{cfg.serve.port}/  (Ctrl-C stops it)")
            serve(cfg)


register_crawl(app)
register_serve(app)

if __name__ == "__main__":  # pragma: no cover
    main()
