"""The crawl's frontier and fetch state in SQLite: a killed crawl resumes where it stopped.

Each fetched URL is written at once with its page and the links it found, never in part. A
running crawl commits the records of one turn of its event loop together (a commit per record
cost as much as the record itself), so after a kill only the requests in flight and the records
of that last turn, a few milliseconds' work, are repeated; pages already stored are not fetched
again. Pages are kept compressed with their fetch metadata.
"""

from __future__ import annotations

import sqlite3
import time
import zlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sites(
    site TEXT PRIMARY KEY, account_id TEXT, seed TEXT NOT NULL,
    robots TEXT, robots_status TEXT, robots_at REAL, delay REAL,
    started_at REAL, pages INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS urls(
    url TEXT PRIMARY KEY, site TEXT NOT NULL, depth INTEGER NOT NULL, priority INTEGER NOT NULL,
    hint TEXT NOT NULL, state TEXT NOT NULL, redirects INTEGER NOT NULL DEFAULT 0,
    listed_title TEXT, listed_published TEXT,
    fetched_at REAL, status INTEGER, etag TEXT, last_modified TEXT, error TEXT, attempts INTEGER);
CREATE INDEX IF NOT EXISTS urls_queue ON urls(site, state, priority);
CREATE TABLE IF NOT EXISTS pages(
    url TEXT PRIMARY KEY, site TEXT NOT NULL, fetched_at REAL NOT NULL, status INTEGER,
    content_type TEXT, body BLOB, title TEXT, text TEXT, published TEXT, kind TEXT,
    simhash INTEGER, duplicate_of TEXT);
CREATE INDEX IF NOT EXISTS pages_site ON pages(site);
"""


@dataclass
class Queued:
    url: str
    depth: int
    priority: int
    hint: str  # "page", "sitemap" or "feed"
    redirects: int = 0
    listed_title: str | None = None
    listed_published: str | None = None
    etag: str | None = None
    last_modified: str | None = None


@dataclass
class StoredPage:
    url: str
    site: str
    account_id: str | None
    fetched_at: float
    title: str
    text: str
    published: str | None
    kind: str


def _signed(h: int) -> int:
    return h - (1 << 64) if h >= 1 << 63 else h


class CrawlState:
    """One SQLite file per crawl folder (WAL: a kill loses at most the open transaction).

    Each record is committed on its own, unless ``group_commits`` is on."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(_SCHEMA)
        self._pending = 0
        self._most = 1
        self._call_soon: Callable[[Callable[[], None]], object] | None = None

    def close(self) -> None:
        self.flush()
        self.db.close()

    def group_commits(
        self, call_soon: Callable[[Callable[[], None]], object] | None, most: int = 256
    ) -> None:
        """Commit the records written in one turn of an event loop together (``loop.call_soon``
        runs the commit once the turn is over), ``most`` at a time; None: one by one again."""
        self.flush()
        self._call_soon, self._most = call_soon, max(1, most)

    def flush(self) -> None:
        """Commit the records written so far."""
        if self.db.in_transaction:
            self.db.execute("COMMIT")
        self._pending = 0

    def add_site(self, site: str, seed: str, account_id: str | None) -> None:
        self.add_sites([(site, seed, account_id)])

    def add_sites(self, sites: list[tuple[str, str, str | None]]) -> None:
        """``(site, seed URL, account)`` rows; a known site keeps its state."""
        with self._record():
            self.db.executemany(
                "INSERT INTO sites(site, account_id, seed) VALUES (?, ?, ?) "
                "ON CONFLICT(site) DO UPDATE SET "
                "account_id = coalesce(excluded.account_id, account_id)",
                [(site, account_id, seed) for site, seed, account_id in sites],
            )

    def site_row(self, site: str) -> tuple[Any, ...] | None:
        cur = self.db.execute(
            "SELECT robots, robots_status, robots_at, pages, started_at FROM sites WHERE site = ?",
            (site,),
        )
        row = cur.fetchone()
        return tuple(row) if row is not None else None

    def save_robots(self, site: str, text: str, status: str, delay: float) -> None:
        self.db.execute(
            "UPDATE sites SET robots = ?, robots_status = ?, robots_at = ?, delay = ?, "
            "started_at = coalesce(started_at, ?) WHERE site = ?",
            (text, status, time.time(), delay, time.time(), site),
        )

    def enqueue(self, site: str, items: list[Queued]) -> int:
        """Add URLs not seen before; return how many were new."""
        before = self.db.total_changes
        self.db.executemany(
            "INSERT OR IGNORE INTO urls(url, site, depth, priority, hint, state, redirects, "
            "listed_title, listed_published) VALUES (?, ?, ?, ?, ?, 'queued', ?, ?, ?)",
            [
                (
                    q.url,
                    site,
                    q.depth,
                    q.priority,
                    q.hint,
                    q.redirects,
                    q.listed_title,
                    q.listed_published,
                )
                for q in items
            ],
        )
        return self.db.total_changes - before

    def queued(self, site: str, limit: int) -> list[Queued]:
        rows = self.db.execute(
            "SELECT url, depth, priority, hint, redirects, listed_title, listed_published, etag, "
            "last_modified FROM urls WHERE site = ? AND state = 'queued' "
            "ORDER BY priority, rowid LIMIT ?",
            (site, limit),
        ).fetchall()
        return [Queued(*r) for r in rows]

    def known(self, site: str) -> set[str]:
        """Every URL of the site already in the frontier, whatever its state."""
        return {u for (u,) in self.db.execute("SELECT url FROM urls WHERE site = ?", (site,))}

    def requeue_stale(self, older_than: float) -> int:
        """Done URLs fetched before ``older_than`` go back in the queue, keeping their validators
        (ETag, Last-Modified) so the re-crawl asks "has it changed?"."""
        cur = self.db.execute(
            "UPDATE urls SET state = 'queued' WHERE state = 'done' AND fetched_at < ?",
            (older_than,),
        )
        self.db.execute("UPDATE sites SET pages = 0, started_at = NULL, robots_at = NULL")
        return cur.rowcount

    def simhashes(self, site: str) -> list[tuple[str, int]]:
        rows = self.db.execute(
            "SELECT url, simhash FROM pages WHERE site = ? AND simhash IS NOT NULL "
            "AND duplicate_of IS NULL",
            (site,),
        ).fetchall()
        return [(u, h & ((1 << 64) - 1)) for u, h in rows]

    def finish(
        self,
        site: str,
        q: Queued,
        *,
        state: str,
        status: int,
        error: str | None,
        attempts: int,
        etag: str | None = None,
        last_modified: str | None = None,
        counts: bool = True,
        page: Mapping[str, object] | None = None,
        found: list[Queued] | None = None,
    ) -> None:
        """Record one fetch, its page (``body_z``: the body zlib-compressed) and the links it
        found, all or nothing."""
        now = time.time()
        with self._record():
            self.db.execute(
                "UPDATE urls SET state = ?, status = ?, error = ?, attempts = ?, fetched_at = ?, "
                "etag = coalesce(?, etag), last_modified = coalesce(?, last_modified) "
                "WHERE url = ?",
                (state, status, error, attempts, now, etag, last_modified, q.url),
            )
            if counts:
                self.db.execute("UPDATE sites SET pages = pages + 1 WHERE site = ?", (site,))
            if page is not None:
                body = page["body_z"]
                assert isinstance(body, bytes)
                simhash = page.get("simhash")
                self.db.execute(
                    "INSERT OR REPLACE INTO pages(url, site, fetched_at, status, content_type, "
                    "body, title, text, published, kind, simhash, duplicate_of) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        q.url,
                        site,
                        now,
                        status,
                        page["content_type"],
                        body,
                        page["title"],
                        page["text"],
                        page["published"],
                        page["kind"],
                        _signed(simhash) if isinstance(simhash, int) else None,
                        page.get("duplicate_of"),
                    ),
                )
            if found:
                self.enqueue(site, found)

    def touch(self, q: Queued) -> None:
        """A 304: the stored page is still current."""
        now = time.time()
        with self._record():
            self.db.execute(
                "UPDATE urls SET state = 'done', status = 304, error = NULL, fetched_at = ? "
                "WHERE url = ?",
                (now, q.url),
            )
            self.db.execute("UPDATE pages SET fetched_at = ? WHERE url = ?", (now, q.url))

    def body(self, url: str) -> bytes | None:
        row = self.db.execute("SELECT body FROM pages WHERE url = ?", (url,)).fetchone()
        return zlib.decompress(row[0]) if row and row[0] is not None else None

    def pages(self) -> Iterator[StoredPage]:
        """Stored pages that are not near-duplicates of another, with their account."""
        cur = self.db.execute(
            "SELECT p.url, p.site, s.account_id, p.fetched_at, p.title, p.text, p.published, "
            "p.kind FROM pages p JOIN sites s ON s.site = p.site "
            "WHERE p.duplicate_of IS NULL ORDER BY p.site, p.url"
        )
        for row in cur:
            yield StoredPage(*row)

    def url_states(self) -> dict[str, int]:
        rows = self.db.execute("SELECT state, count(*) FROM urls GROUP BY state").fetchall()
        return {str(s): int(n) for s, n in rows}

    def errors(self) -> dict[str, int]:
        rows = self.db.execute(
            "SELECT coalesce(error, 'http ' || status), count(*) FROM urls "
            "WHERE state = 'failed' OR state = 'skipped' GROUP BY 1"
        ).fetchall()
        return {str(e): int(n) for e, n in rows}

    def _record(self) -> _Record:
        return _Record(self)


class _Record:
    """One record inside the open group; a record that fails rolls the whole group back, so no
    record is ever stored in part (those pages are fetched again, as after a kill)."""

    def __init__(self, state: CrawlState) -> None:
        self.state = state

    def __enter__(self) -> None:
        st = self.state
        if not st.db.in_transaction:
            st.db.execute("BEGIN")
            if st._call_soon is not None:
                st._call_soon(st.flush)

    def __exit__(self, exc_type: object, *rest: object) -> None:
        st = self.state
        if exc_type is not None:
            if st.db.in_transaction:  # some errors end the transaction by themselves
                st.db.execute("ROLLBACK")
            st._pending = 0
            return
        st._pending += 1
        if st._call_soon is None or st._pending >= st._most:
            st.flush()
