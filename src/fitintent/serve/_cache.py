"""A published snapshot as the server reads it: one read-only DuckDB file per snapshot.

The snapshot's Parquet tables are copied once into ``<state>/cache/<period>-<run>-v<N>.duckdb``
(built under a temporary name, then renamed, so two processes never read half a file), with:

* ``partner_id`` and ``location_id`` of the partner of record on every account-keyed table, so
  one scope predicate fits every table;
* rows sorted by partner and location, so DuckDB's zone maps skip other partners' row groups;
* ``listing``: scores joined with the account fields the list shows and filters on, in the
  order the vendor advises (cluster, then intent, then fit);
* ``cell_counts``: accounts per partner, location, product and matrix cell (tiles and matrix).

A cache is derived data: deleting it only costs a rebuild. Caches of snapshots that are no longer
published are removed when another one is opened.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from fitintent.publish import Snapshot

CACHE_VERSION = 3
# tables keyed by account that get the partner of record's scope columns
ACCOUNT_KEYED = (
    "scores",
    "account_product_plays",
    "account_flags",
    "eos",
    "renewals",
    "agreements",
    "next_workload",
    "topic_activity",
)
# every other table a snapshot may hold, copied as it is
PLAIN = (
    "summary_partner",
    "summary_location",
    "reconciliation",
    "quarantine",
    "evaluation",
    "evaluation_clusters",
    "evaluation_auc",
    "evaluation_calibration",
)
SCORE_FIELDS = (
    "product",
    "fit",
    "intent",
    "propensity",
    "surge",
    "fit_band",
    "intent_band",
    "cell",
    "cluster",
    "previous_cluster",
    "fit_change",
    "intent_change",
    "entered_act_now",
    "left_act_now",
)
ACCOUNT_FIELDS = (
    "partner_id",
    "location_id",
    "account_name",
    "domain",
    "city",
    "country",
    "area",
    "industry",
    "vertical",
    "segment",
    "sub_segment",
    "smb_type_summary",
    "employees",
)
PLAY_FIELDS = (
    "owned",
    "whitespace",
    "whitespace_kind",
    "whitespace_revenue",
    "upsell",
    "upsell_propensity",
)


@dataclass
class SnapshotData:
    """One snapshot's cache: which tables and columns it has, and a cursor per thread."""

    snapshot: Snapshot
    path: Path
    tables: dict[str, list[str]]
    products: list[str]
    _con: duckdb.DuckDBPyConnection
    _local: threading.local = field(default_factory=threading.local)

    @property
    def period(self) -> str:
        return self.snapshot.period

    def has(self, table: str) -> bool:
        return table in self.tables

    def columns(self, table: str) -> list[str]:
        return self.tables.get(table, [])

    def cursor(self) -> duckdb.DuckDBPyConnection:
        cur: duckdb.DuckDBPyConnection | None = getattr(self._local, "cur", None)
        if cur is None:
            cur = self._con.cursor()
            self._local.cur = cur
        return cur

    def stream(self) -> duckdb.DuckDBPyConnection:
        """A cursor of its own, for a long read that other queries must not interrupt."""
        return self._con.cursor()

    def close(self) -> None:
        self._con.close()


def open_cache(
    snapshot: Snapshot, cache_dir: Path, cluster_order: Sequence[str], threads: int = 2
) -> SnapshotData:
    """Open (building it first if needed) the cache of ``snapshot``."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    run_id = str(snapshot.manifest.get("run_id", "run"))
    path = cache_dir / f"{snapshot.period}-{run_id}-v{CACHE_VERSION}.duckdb"
    if not path.is_file():
        tmp = cache_dir / f".{path.name}.{uuid.uuid4().hex[:8]}.tmp"
        try:
            _build(snapshot, tmp, cluster_order, threads)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
    con = duckdb.connect(
        str(path), read_only=True, config={"threads": threads, "memory_limit": "1GB"}
    )
    rows = con.execute(
        "SELECT table_name, column_name FROM information_schema.columns"
        " ORDER BY table_name, ordinal_position"
    ).fetchall()
    tables: dict[str, list[str]] = {}
    for table, column in rows:
        tables.setdefault(table, []).append(column)
    products: list[str] = []
    if "cell_counts" in tables:
        products = [
            r[0] for r in con.execute("SELECT DISTINCT product FROM cell_counts").fetchall()
        ]
    return SnapshotData(snapshot, path, tables, products, con)


def prune(cache_dir: Path, keep: set[str]) -> None:
    """Remove cache files whose snapshot is not in ``keep`` (``<period>-<run>`` names)."""
    if not cache_dir.is_dir():
        return
    for f in cache_dir.glob("*.duckdb"):
        stem = f.name.rsplit("-v", 1)[0]
        if stem not in keep:
            f.unlink(missing_ok=True)


def _parquet(snapshot: Snapshot, table: str) -> str | None:
    folder = snapshot.table(table)
    if not folder.is_dir() or not any(folder.rglob("*.parquet")):
        return None
    return str(folder / "**" / "*.parquet")


def _build(snapshot: Snapshot, path: Path, cluster_order: Sequence[str], threads: int) -> None:
    con = duckdb.connect(str(path), config={"threads": threads, "memory_limit": "2GB"})
    try:
        glob = _parquet(snapshot, "accounts")
        if glob is None:
            raise FileNotFoundError(f"snapshot {snapshot.period} has no accounts table")
        con.execute(
            "CREATE TABLE accounts AS SELECT * FROM read_parquet(?)"
            " ORDER BY partner_id, location_id, account_id",
            [glob],
        )
        for table in ACCOUNT_KEYED:
            glob = _parquet(snapshot, table)
            if glob is None:
                continue
            con.execute("CREATE TEMP TABLE _src AS SELECT * FROM read_parquet(?)", [glob])
            own = [c for c in _cols(con, "_src") if c not in ("partner_id", "location_id")]
            picked = ", ".join(f"t.{quote(c)}" for c in own)
            con.execute(
                f"CREATE TABLE {quote(table)} AS SELECT {picked}, a.partner_id, a.location_id"
                " FROM _src t JOIN accounts a ON a.account_id = t.account_id"
                " ORDER BY a.partner_id, a.location_id, t.account_id"
            )
            con.execute("DROP TABLE _src")
        for table in PLAIN:
            glob = _parquet(snapshot, table)
            if glob is not None:
                con.execute(f"CREATE TABLE {quote(table)} AS SELECT * FROM read_parquet(?)", [glob])
        if "scores" in _tables(con):
            _listing(con, cluster_order)
        con.execute("CHECKPOINT")
    finally:
        con.close()


def _listing(con: duckdb.DuckDBPyConnection, cluster_order: Sequence[str]) -> None:
    scores, accounts = set(_cols(con, "scores")), set(_cols(con, "accounts"))
    plays = set(_cols(con, "account_product_plays"))
    picked = ["s.account_id"]
    picked += [f"s.{quote(c)}" for c in SCORE_FIELDS if c in scores]
    picked += [f"a.{quote(c)}" for c in ACCOUNT_FIELDS if c in accounts]
    join = ""
    if plays:
        picked += [f"p.{quote(c)}" for c in PLAY_FIELDS if c in plays]
        join = (
            " LEFT JOIN account_product_plays p"
            " ON p.account_id = s.account_id AND p.product = s.product"
        )
    rank = "CASE " + " ".join("WHEN s.cluster = ? THEN ?" for _ in cluster_order)
    rank += f" ELSE {len(cluster_order) + 1} END AS cluster_rank"
    params: list[object] = []
    for i, name in enumerate(cluster_order):
        params += [name, i + 1]
    con.execute(
        f"CREATE TABLE listing AS SELECT {', '.join(picked)}, {rank}"
        f" FROM scores s JOIN accounts a ON a.account_id = s.account_id{join}"
        " ORDER BY a.partner_id, s.product, cluster_rank, s.intent DESC NULLS LAST,"
        " s.fit DESC NULLS LAST, s.account_id",
        params,
    )
    bands = [c for c in ("fit_band", "intent_band", "cell", "cluster") if c in scores]
    keys = ", ".join(["partner_id", "location_id", "product", *bands])
    con.execute(
        f"CREATE TABLE cell_counts AS SELECT {keys}, count(*) AS accounts"
        f" FROM listing GROUP BY {keys} ORDER BY partner_id, location_id"
    )


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {
        r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()
    }


def _cols(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    return [r[0] for r in con.execute(f"DESCRIBE {quote(table)}").fetchall()]


def quote(identifier: str) -> str:
    """A quoted identifier; names come from the snapshot's own schema, never from a request."""
    return '"' + identifier.replace('"', '""') + '"'
