"""Snapshots: one immutable folder per period, published atomically.

Layout under ``<workdir>/snapshots``::

    2026-10 -> .store/2026-10-<run>      a symlink, swapped in one rename
    .store/2026-10-<run>/manifest.json   written last
    .store/2026-10-<run>/<table>/part-*.parquet

A run writes into ``.store/<period>-<run>.partial``, writes the manifest last, renames the folder
to its final name and then replaces the period's symlink with ``os.replace`` (atomic on POSIX).
Killed at any point, the run leaves the previous snapshot as it was; the next run sweeps the
leftovers.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fitintent.errors import PublishError

MANIFEST = "manifest.json"
_STORE = ".store"
_PARTIAL = ".partial"


@dataclass(frozen=True)
class Snapshot:
    period: str
    path: Path
    manifest: dict[str, Any]

    def table(self, name: str) -> Path:
        return self.path / name


class SnapshotWriter:
    """Collects a snapshot's tables in a private folder; :meth:`publish` makes it visible."""

    def __init__(self, root: Path, period: str) -> None:
        self.root, self.period = Path(root), period
        self.run_id = uuid.uuid4().hex[:12]
        store = self.root / _STORE
        store.mkdir(parents=True, exist_ok=True)
        sweep(self.root)
        self.final = store / f"{period}-{self.run_id}"
        self.path = store / f"{period}-{self.run_id}{_PARTIAL}"
        self.path.mkdir()

    def table_path(self, name: str) -> Path:
        return self.path / name

    def publish(self, manifest: dict[str, Any]) -> Snapshot:
        tables = {p.name: _table_digest(p) for p in sorted(self.path.iterdir()) if p.is_dir()}
        content = hashlib.sha256(json.dumps(tables, sort_keys=True).encode()).hexdigest()
        manifest = {
            **manifest,
            "period": self.period,
            "run_id": self.run_id,
            "tables": tables,
            "content_hash": content,
        }
        _write_durably(self.path / MANIFEST, json.dumps(manifest, indent=2, sort_keys=True))
        os.replace(self.path, self.final)
        _fsync_dir(self.final.parent)
        link = self.root / self.period
        if link.exists() and not link.is_symlink():
            raise PublishError(f"{link} is a real folder, not a published snapshot link")
        tmp = self.root / f".{self.period}.{self.run_id}.link"
        os.symlink(os.path.join(_STORE, self.final.name), tmp)
        previous = link.resolve() if link.is_symlink() else None
        os.replace(tmp, link)
        _fsync_dir(self.root)
        if previous is not None and previous != self.final.resolve():
            shutil.rmtree(previous, ignore_errors=True)
        return Snapshot(self.period, link, manifest)

    def abandon(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


def sweep(root: Path) -> None:
    """Remove what killed runs left: partial folders, stray links and unreferenced stores."""
    store = Path(root) / _STORE
    if not store.is_dir():
        return
    live = {p.resolve() for p in Path(root).iterdir() if p.is_symlink() and p.exists()}
    for p in Path(root).iterdir():
        if p.name.endswith(".link"):
            p.unlink(missing_ok=True)
    for p in store.iterdir():
        if p.resolve() not in live:
            shutil.rmtree(p, ignore_errors=True)


def list_snapshots(root: Path) -> list[Snapshot]:
    """Published snapshots, oldest first (a period whose manifest is unreadable is skipped)."""
    out: list[Snapshot] = []
    root = Path(root)
    if not root.is_dir():
        return out
    for link in sorted(root.iterdir()):
        if link.is_symlink() and (link / MANIFEST).is_file():
            try:
                manifest = json.loads((link / MANIFEST).read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError):
                continue
            out.append(Snapshot(link.name, link, manifest))
    return out


def open_snapshot(root: Path, period: str | None = None) -> Snapshot:
    snaps = list_snapshots(root)
    if not snaps:
        raise PublishError(f"no snapshot is published under {root}; run `fitintent run` first")
    if period is None:
        return snaps[-1]
    for s in snaps:
        if s.period == period:
            return s
    raise PublishError(f"no snapshot for {period}; published: {', '.join(s.period for s in snaps)}")


def _files(folder: Path) -> Iterator[Path]:
    return iter(sorted(f for f in folder.rglob("*.parquet") if f.is_file()))


def _table_digest(folder: Path) -> dict[str, Any]:
    import pyarrow.parquet as pq

    h = hashlib.sha256()
    rows = 0
    for f in _files(folder):
        rows += pq.ParquetFile(f).metadata.num_rows
        with f.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    return {"rows": rows, "sha256": h.hexdigest()}


def _write_durably(path: Path, text: str) -> None:
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
