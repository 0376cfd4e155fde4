"""Publish: the per-partner summary and immutable, atomically published snapshots."""

from fitintent.publish._snapshot import (
    MANIFEST,
    Snapshot,
    SnapshotWriter,
    list_snapshots,
    open_snapshot,
    sweep,
)
from fitintent.publish._summary import summarize

__all__ = [
    "MANIFEST",
    "Snapshot",
    "SnapshotWriter",
    "list_snapshots",
    "open_snapshot",
    "summarize",
    "sweep",
]
