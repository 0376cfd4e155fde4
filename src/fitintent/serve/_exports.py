"""Downloads: datasets written to CSV, TSV or XLSX by background jobs with progress, kept for
``export_retention_days`` and then removed.

A job belongs to the user who asked for it *and* to the scope and rights the user had then: after
a new grant, earlier files are no longer served. Files are stored under a random job id; the name
a browser sees is built from the partner, dataset and period, reduced to ``[A-Za-z0-9._-]``.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import re
import secrets
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from fitintent.config import Config
from fitintent.score import neutralise
from fitintent.serve._cache import SnapshotData
from fitintent.serve._data import DataAccess, Forbidden, NotFound
from fitintent.serve._datasets import FORMATS, Dataset, Part, catalog, parts
from fitintent.serve._users import UserStore
from fitintent.serve._viewer import Viewer
from fitintent.serve._xlsx import Workbook

REASON_HEADERS = ("FitReasons", "IntentReasons")
JOB_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
Progress = Callable[[int, int], None]  # rows written, rows in total


def safe_filename(name: str) -> str:
    """A download name with no path, quote or control character in it."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "download"
    return name[:120]


def _rows(d: SnapshotData, part: Part, viewer: Viewer) -> Iterator[tuple[Any, ...]]:
    sql, params = part.sql()
    reasons = [i for i, h in enumerate(part.headers) if h in REASON_HEADERS]
    cur = d.stream()
    try:
        for batch in cur.sql(sql, params=params).to_arrow_reader(20_000):
            columns = [c.to_pylist() for c in batch.columns]
            if not viewer.sees_restricted:
                for i in reasons:
                    columns[i] = [viewer.reasons(v) for v in columns[i]]
            yield from zip(*columns, strict=True)
    finally:
        cur.close()


def _total(d: SnapshotData, part: Part) -> int:
    sql, params = part.count_sql()
    row = d.cursor().execute(sql, params).fetchone()
    return int(row[0]) if row else 0


def _text(v: Any) -> str:
    t = v.__class__
    if t is str:
        return neutralise(v)
    if v is None:
        return ""
    if t is bool:
        return "true" if v else "false"
    if t is float:
        return "" if math.isnan(v) or math.isinf(v) else repr(v)
    if isinstance(v, dt.date):
        return v.isoformat()
    return neutralise(str(v)) if not isinstance(v, int | float) else str(v)


def write_dataset(
    data: DataAccess,
    viewer: Viewer,
    period: str | None,
    dataset: str,
    fmt: str,
    path: Path,
    progress: Progress | None = None,
) -> int:
    """Write ``dataset`` for ``viewer`` to ``path``; returns the number of data rows."""
    d = data.data(period)
    sheets = parts(data.cfg, d, viewer, dataset)
    total = sum(_total(d, p) for p in sheets)
    done = 0

    def tick(n: int) -> None:
        if progress is not None:
            progress(n, total)

    if fmt in ("csv", "tsv"):
        part = sheets[0]
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, delimiter="\t" if fmt == "tsv" else ",", lineterminator="\r\n")
            writer.writerow([neutralise(h) for h in part.headers])
            for row in _rows(d, part, viewer):
                writer.writerow([_text(v) for v in row])
                done += 1
                if done % 20_000 == 0:
                    tick(done)
        tick(done)
        return done
    with Workbook(path) as wb:
        if dataset == "workbook":
            _summary_sheet(wb, data, viewer, period)
        for part in sheets:
            sheet = wb.sheet(part.sheet, part.headers)
            batch: list[tuple[Any, ...]] = []
            for row in _rows(d, part, viewer):
                batch.append(row)
                if len(batch) >= 20_000:
                    done += sheet.rows(batch)
                    batch = []
                    tick(done)
            done += sheet.rows(batch)
            tick(done)
    return done


def _summary_sheet(wb: Workbook, data: DataAccess, viewer: Viewer, period: str | None) -> None:
    s = data.summary(viewer, period)
    sheet = wb.sheet("Summary", ["Item", "Value"])
    rows: list[list[Any]] = [["Snapshot", s["period"]], ["Fiscal year", s["fiscal_year"]]]
    rows += [[k.replace("_", " ").capitalize(), v] for k, v in s["tiles"].items()]
    for product, counts in s["clusters"].items():
        rows += [[f"{product} {cluster}", counts.get(cluster, 0)] for cluster in s["cluster_order"]]
    sheet.rows(rows)


class Exports:
    def __init__(self, cfg: Config, store: UserStore, data: DataAccess, folder: Path) -> None:
        self.cfg, self.store, self.data, self.folder = cfg, store, data, folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self._pool = ThreadPoolExecutor(cfg.serve.export_workers, thread_name_prefix="export")
        # jobs a stopped server left unfinished will not finish
        self.store.query(
            "UPDATE exports SET status = 'failed', error = 'server stopped'"
            " WHERE status IN ('queued', 'running')"
        )
        self.sweep()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def datasets(self, viewer: Viewer, period: str | None) -> list[Dataset]:
        return catalog(self.cfg, self.data.data(period)) if viewer.downloads else []

    def start(self, viewer: Viewer, period: str | None, dataset: str, fmt: str) -> dict[str, Any]:
        if not viewer.downloads:
            raise Forbidden("downloads are not open to your role")
        d = self.data.data(period)
        chosen = next((x for x in catalog(self.cfg, d) if x.name == dataset), None)
        if chosen is None or fmt not in FORMATS or fmt not in chosen.formats:
            raise NotFound("no such dataset or format")
        self.sweep()
        job = secrets.token_urlsafe(18)
        partner = viewer.partner_id or "all-partners"
        name = safe_filename(f"fitintent-{partner}-{dataset}-{d.period}.{fmt}")
        with self.store.tx() as db:
            db.execute(
                "INSERT INTO exports (id, user_id, scope, dataset, fmt, period, status, progress,"
                " rows, name, created_at) VALUES (?, ?, ?, ?, ?, ?, 'queued', 0, 0, ?, ?)",
                (job, viewer.user_id, viewer.scope_key, dataset, fmt, d.period, name, time.time()),
            )
        self._pool.submit(self._run, job, viewer, d.period, dataset, fmt)
        return self.job(viewer, job)

    def _run(self, job: str, viewer: Viewer, period: str, dataset: str, fmt: str) -> None:
        path = self.folder / f"{job}.{fmt}"

        def progress(done: int, total: int) -> None:
            share = 1.0 if total == 0 else min(done / total, 1.0)
            self.store.query(
                "UPDATE exports SET status = 'running', progress = ?, rows = ? WHERE id = ?",
                (share, done, job),
            )

        try:
            rows = write_dataset(self.data, viewer, period, dataset, fmt, path, progress)
        except Exception as e:  # the job reports it; the server goes on
            path.unlink(missing_ok=True)
            self.store.query(
                "UPDATE exports SET status = 'failed', error = ?, finished_at = ? WHERE id = ?",
                (type(e).__name__, time.time(), job),
            )
            return
        self.store.query(
            "UPDATE exports SET status = 'done', progress = 1, rows = ?, file = ?,"
            " finished_at = ? WHERE id = ?",
            (rows, path.name, time.time(), job),
        )

    def job(self, viewer: Viewer, job: str) -> dict[str, Any]:
        if not JOB_ID.match(job):
            raise NotFound("no such download")
        rows = self.store.query(
            "SELECT id, dataset, fmt, period, status, progress, rows, name, created_at,"
            " finished_at FROM exports WHERE id = ? AND user_id = ? AND scope = ?",
            (job, viewer.user_id, viewer.scope_key),
        )
        if not rows:
            raise NotFound("no such download")
        return dict(rows[0])

    def jobs(self, viewer: Viewer) -> list[dict[str, Any]]:
        rows = self.store.query(
            "SELECT id, dataset, fmt, period, status, progress, rows, name, created_at,"
            " finished_at FROM exports WHERE user_id = ? AND scope = ?"
            " ORDER BY created_at DESC LIMIT 50",
            (viewer.user_id, viewer.scope_key),
        )
        return [dict(r) for r in rows]

    def file(self, viewer: Viewer, job: str) -> tuple[Path, str, str]:
        """``(path, download name, media type)`` of a finished job of this viewer."""
        if not viewer.downloads:
            raise Forbidden("downloads are not open to your role")
        info = self.job(viewer, job)
        path = self.folder / f"{info['id']}.{info['fmt']}"
        if info["status"] != "done" or not path.is_file():
            raise NotFound("the download is not ready")
        media = FORMATS.get(info["fmt"]) or (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        return path, str(info["name"]), media

    def sweep(self) -> None:
        """Remove downloads older than the retention period, and files no job knows."""
        cutoff = time.time() - self.cfg.serve.export_retention_days * 86400
        old = self.store.query("SELECT id, fmt FROM exports WHERE created_at < ?", (cutoff,))
        for r in old:
            (self.folder / f"{r['id']}.{r['fmt']}").unlink(missing_ok=True)
        self.store.query("DELETE FROM exports WHERE created_at < ?", (cutoff,))
        known = {f"{r['id']}.{r['fmt']}" for r in self.store.query("SELECT id, fmt FROM exports")}
        for f in self.folder.iterdir():
            if f.is_file() and f.name not in known and f.stat().st_mtime < time.time() - 3600:
                f.unlink(missing_ok=True)
