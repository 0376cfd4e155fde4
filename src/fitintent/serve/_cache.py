"""A published snapshot as the server reads it: one read-only DuckDB file per snapshot.

The snapshot's Parquet tables are copied once into ``<state>/cache/<period>-<run>-v<N>.duckdb``
(built under a temporary name, then renamed, so two processes never read half a file), with:

* ``partner_id`` and ``location_id`` of the partner of record on every account-keyed table, so
  one scope predicate fits every table;
* rows sorted by partner and location, so DuckDB's zone maps skip other partners' row groups;
* ``listing``: scores joined with the account fields the list shows and filters on, per partner
  and product in the order the vendor advises (cluster, then intent, then fit), each row numbered
  by ``rid``; the same rows also go to ``<name>.rows.arrow`` (see ``_rows``), where a page's
  full rows are read once DuckDB has picked their numbers;
* ``listing_spans``: where each partner's rows of each product start and end in that order;
* ``cell_counts``: accounts per partner, location, product and matrix cell (tiles and matrix).

A cache is derived data: deleting it only costs a rebuild. Caches of snapshots that are no longer
published, and caches of an older layout, are removed when another one is opened.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.ipc as ipc

from fitintent.publish import Snapshot
from fitintent.serve._rows import BATCH_ROWS, RowStore, write_rows

CACHE_VERSION = 5
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
    "signal_resolution",
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
    """One snapshot's cache: which tables and columns it has, a cursor per thread, and the
    listing's row file (None when the snapshot has no scores)."""

    snapshot: Snapshot
    path: Path
    tables: dict[str, list[str]]
    products: list[str]
    _con: duckdb.DuckDBPyConnection
    rows: RowStore | None = None
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
        if self.rows is not None:
            self.rows.close()


def open_cache(
    snapshot: Snapshot,
    cache_dir: Path,
    cluster_order: Sequence[str],
    threads: int = 2,
    build_memory: str = "2GB",
) -> SnapshotData:
    """Open (building it first if needed) the cache of ``snapshot``; ``build_memory`` bounds
    DuckDB while building (the sorts spill to disk past it), reads stay within 1GB."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    run_id = str(snapshot.manifest.get("run_id", "run"))
    path = cache_dir / f"{snapshot.period}-{run_id}-v{CACHE_VERSION}.duckdb"
    rows_path = path.with_suffix(".rows.arrow")
    if not path.is_file():
        tmp = cache_dir / f".{path.name}.{uuid.uuid4().hex[:8]}.tmp"
        tmp_rows = tmp.with_suffix(".rows.tmp")
        try:
            _build(snapshot, tmp, tmp_rows, cluster_order, threads, build_memory)
            # the row file first: the cache file appears last, complete (without its row file,
            # a list is read from DuckDB alone)
            if tmp_rows.is_file():
                os.replace(tmp_rows, rows_path)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
            tmp_rows.unlink(missing_ok=True)
    con = duckdb.connect(
        str(path), read_only=True, config={"threads": threads, "memory_limit": "1GB"}
    )
    described = con.execute(
        "SELECT table_name, column_name FROM information_schema.columns"
        " ORDER BY table_name, ordinal_position"
    ).fetchall()
    tables: dict[str, list[str]] = {}
    for table, column in described:
        tables.setdefault(table, []).append(column)
    products: list[str] = []
    if "cell_counts" in tables:
        products = [
            r[0] for r in con.execute("SELECT DISTINCT product FROM cell_counts").fetchall()
        ]
    store = None
    if "listing_spans" in tables and rows_path.is_file():
        # a span is used only if its rows are one unbroken run, as the build sorted them
        spans = con.execute(
            "SELECT partner_id, product, first_rid, row_count FROM listing_spans"
            " WHERE last_rid - first_rid + 1 = row_count"
        ).fetchall()
        store = RowStore(rows_path, spans)
    return SnapshotData(snapshot, path, tables, products, con, store)


def prune(cache_dir: Path, keep: set[str]) -> None:
    """Remove cache files whose snapshot is not in ``keep`` (``<period>-<run>`` names), and
    files of another cache layout."""
    if not cache_dir.is_dir():
        return
    for f in [*cache_dir.glob("*.duckdb"), *cache_dir.glob("*.rows.arrow")]:
        stem, _, version = (
            f.name.removesuffix(".duckdb").removesuffix(".rows.arrow").rpartition("-v")
        )
        if stem not in keep or version != str(CACHE_VERSION):
            f.unlink(missing_ok=True)


def _parquet(snapshot: Snapshot, table: str) -> str | None:
    folder = snapshot.table(table)
    if not folder.is_dir() or not any(folder.rglob("*.parquet")):
        return None
    return str(folder / "**" / "*.parquet")


def _build(
    snapshot: Snapshot,
    path: Path,
    rows_path: Path,
    cluster_order: Sequence[str],
    threads: int,
    memory: str,
) -> None:
    con = duckdb.connect(str(path), config={"threads": threads, "memory_limit": memory})
    try:
        glob = _parquet(snapshot, "accounts")
        if glob is None:
            raise FileNotFoundError(f"snapshot {snapshot.period} has no accounts table")
        con.execute(
            "CREATE TABLE accounts AS SELECT * FROM read_parquet(?)"
            " ORDER BY partner_id, location_id, account_id",
            [glob],
        )
        # one integer per account in scope order: sorting 8M score rows by it is cheaper than by
        # three strings
        con.execute(
            "CREATE TEMP TABLE _scope AS SELECT account_id, partner_id, location_id,"
            " row_number() OVER (ORDER BY partner_id, location_id, account_id) AS ordinal"
            " FROM accounts"
        )
        for table in ACCOUNT_KEYED:
            glob = _parquet(snapshot, table)
            if glob is None:
                continue
            cur = con.execute("SELECT * FROM read_parquet(?) LIMIT 0", [glob])
            own = [c[0] for c in cur.description or [] if c[0] not in ("partner_id", "location_id")]
            picked = ", ".join(f"t.{quote(c)}" for c in own)
            con.execute(
                f"CREATE TABLE {quote(table)} AS SELECT {picked}, a.partner_id, a.location_id"
                " FROM read_parquet(?) t JOIN _scope a ON a.account_id = t.account_id"
                " ORDER BY a.ordinal",
                [glob],
            )
        con.execute("DROP TABLE _scope")
        for table in PLAIN:
            glob = _parquet(snapshot, table)
            if glob is not None:
                con.execute(f"CREATE TABLE {quote(table)} AS SELECT * FROM read_parquet(?)", [glob])
        if "scores" in _tables(con):
            _listing(con, rows_path, cluster_order)
        con.execute("CHECKPOINT")
    finally:
        con.close()


def _listing(con: duckdb.DuckDBPyConnection, rows_path: Path, cluster_order: Sequence[str]) -> None:
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
    # sorted once, streamed to the row file; the table is then read back from that file, so its
    # rows and the file's agree by construction (and rid says so explicitly)
    ordered = con.sql(
        f"SELECT {', '.join(picked)}, {rank}"
        f" FROM scores s JOIN accounts a ON a.account_id = s.account_id{join}"
        " ORDER BY a.partner_id, s.product, cluster_rank, s.intent DESC NULLS LAST,"
        " s.fit DESC NULLS LAST, s.account_id",
        params=params,
    )
    write_rows(ordered.to_arrow_reader(BATCH_ROWS), rows_path)
    with pa.memory_map(str(rows_path)) as source:
        con.register("_rows_file", ipc.open_file(source).read_all())
        con.execute("CREATE TABLE listing AS SELECT * FROM _rows_file")
        con.unregister("_rows_file")
    con.execute(
        "CREATE TABLE listing_spans AS SELECT partner_id, product, min(rid) AS first_rid,"
        " max(rid) AS last_rid, count(*) AS row_count FROM listing"
        " WHERE partner_id IS NOT NULL AND product IS NOT NULL GROUP BY partner_id, product"
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
