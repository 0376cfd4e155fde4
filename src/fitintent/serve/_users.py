"""Users, grants, sessions, API tokens, failed logins and the audit log, in one SQLite file.

>>> store = UserStore(Path("users.sqlite"))                          # doctest: +SKIP
>>> store.add_user("ana", "passphrase", partner_id="P0001", role="executive")  # doctest: +SKIP

Passwords are argon2 hashes; session ids and API tokens are random 256-bit values of which only a
SHA-256 digest is stored (they are not guessable, so a slow hash adds nothing), so a copy of the
file opens no session.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from fitintent.config import Role
from fitintent.errors import FitintentError

ROLES: dict[str, str] = {
    "admin": "Vendor admin",
    "executive": "Executive report viewer",
    "viewer": "Report viewer",
}
_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
  id INTEGER PRIMARY KEY, username TEXT UNIQUE NOT NULL, partner_id TEXT, role TEXT NOT NULL,
  locations TEXT, password_hash TEXT NOT NULL, created_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS sessions (
  id_hash TEXT PRIMARY KEY, user_id INTEGER NOT NULL, csrf TEXT NOT NULL,
  created_at REAL NOT NULL, expires_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS tokens (
  id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, name TEXT NOT NULL,
  token_hash TEXT UNIQUE NOT NULL, created_at REAL NOT NULL, expires_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS login_failures (key TEXT NOT NULL, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS login_failures_key ON login_failures (key, at);
CREATE TABLE IF NOT EXISTS audit (
  id INTEGER PRIMARY KEY, at REAL NOT NULL, username TEXT, action TEXT NOT NULL,
  detail TEXT, client TEXT);
CREATE TABLE IF NOT EXISTS exports (
  id TEXT PRIMARY KEY, user_id INTEGER NOT NULL, scope TEXT NOT NULL, dataset TEXT NOT NULL,
  fmt TEXT NOT NULL, period TEXT NOT NULL, status TEXT NOT NULL, progress REAL NOT NULL,
  rows INTEGER NOT NULL, file TEXT, name TEXT, error TEXT, created_at REAL NOT NULL,
  finished_at REAL);
"""
_hasher = PasswordHasher()
# verifying against this keeps an unknown user name as slow as a wrong password
_DUMMY = _hasher.hash(secrets.token_hex(16))


class UserError(FitintentError):
    """A user-management request that cannot be carried out (unknown user, bad role...)."""


@dataclass(frozen=True)
class User:
    id: int
    username: str
    partner_id: str | None  # None: the vendor (admins only)
    role: Role
    locations: tuple[str, ...] | None  # None: the whole organisation

    @property
    def scope_label(self) -> str:
        if self.partner_id is None:
            return "all partners"
        if self.locations is None:
            return f"{self.partner_id}, whole organisation"
        return f"{self.partner_id}, locations {', '.join(self.locations)}"


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class UserStore:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._db().executescript(_SCHEMA)

    def _db(self) -> sqlite3.Connection:
        # one connection per thread: sqlite3 connections are not shared across threads
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=10, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.row_factory = sqlite3.Row
            self._local.db = db
        return db

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        db = self._db()
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def query(self, sql: str, params: Sequence[object] = ()) -> list[sqlite3.Row]:
        return list(self._db().execute(sql, params))

    # -- users -------------------------------------------------------------------------------
    def add_user(
        self,
        username: str,
        password: str,
        *,
        partner_id: str | None,
        role: Role,
        locations: Sequence[str] | None = None,
    ) -> User:
        _check_grant(partner_id, role, locations)
        if not username or len(username) > 64 or not username.isprintable():
            raise UserError("a user name is 1 to 64 printable characters")
        if len(password) < 8:
            raise UserError("a password has at least 8 characters")
        with self.tx() as db:
            if db.execute("SELECT 1 FROM users WHERE username = ?", (username,)).fetchone():
                raise UserError(f"user {username!r} exists already")
            db.execute(
                "INSERT INTO users (username, partner_id, role, locations, password_hash,"
                " created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (username, partner_id, role, _locs(locations), _hasher.hash(password), time.time()),
            )
        return self.get(username)

    def get(self, username: str) -> User:
        rows = self.query("SELECT * FROM users WHERE username = ?", (username,))
        if not rows:
            raise UserError(f"no user {username!r}")
        return _user(rows[0])

    def users(self) -> list[User]:
        return [_user(r) for r in self.query("SELECT * FROM users ORDER BY username")]

    def remove_user(self, username: str) -> None:
        user = self.get(username)
        with self.tx() as db:
            for table in ("sessions", "tokens"):
                db.execute(f"DELETE FROM {table} WHERE user_id = ?", (user.id,))
            db.execute("DELETE FROM users WHERE id = ?", (user.id,))

    def grant(
        self,
        username: str,
        role: Role,
        *,
        partner_id: str | None,
        locations: Sequence[str] | None = None,
    ) -> User:
        """Replace the user's grant; open sessions end so the new scope applies at once."""
        _check_grant(partner_id, role, locations)
        user = self.get(username)
        with self.tx() as db:
            db.execute(
                "UPDATE users SET role = ?, partner_id = ?, locations = ? WHERE id = ?",
                (role, partner_id, _locs(locations), user.id),
            )
            db.execute("DELETE FROM sessions WHERE user_id = ?", (user.id,))
        return self.get(username)

    def set_password(self, username: str, password: str) -> None:
        if len(password) < 8:
            raise UserError("a password has at least 8 characters")
        user = self.get(username)
        with self.tx() as db:
            db.execute(
                "UPDATE users SET password_hash = ? WHERE id = ?", (_hasher.hash(password), user.id)
            )
            db.execute("DELETE FROM sessions WHERE user_id = ?", (user.id,))

    def authenticate(self, username: str, password: str) -> User | None:
        rows = self.query("SELECT * FROM users WHERE username = ?", (username,))
        stored = rows[0]["password_hash"] if rows else _DUMMY
        try:
            _hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return None
        return _user(rows[0]) if rows else None

    # -- sessions ----------------------------------------------------------------------------
    def open_session(self, user: User, minutes: int) -> tuple[str, str]:
        """A new session: ``(session id for the cookie, CSRF token for the forms)``."""
        sid, csrf, now = secrets.token_urlsafe(32), secrets.token_urlsafe(32), time.time()
        with self.tx() as db:
            db.execute("DELETE FROM sessions WHERE expires_at < ?", (now,))
            db.execute(
                "INSERT INTO sessions VALUES (?, ?, ?, ?, ?)",
                (digest(sid), user.id, csrf, now, now + minutes * 60),
            )
        return sid, csrf

    def session(self, sid: str) -> tuple[User, str] | None:
        rows = self.query(
            "SELECT u.*, s.csrf FROM sessions s JOIN users u ON u.id = s.user_id"
            " WHERE s.id_hash = ? AND s.expires_at > ?",
            (digest(sid), time.time()),
        )
        return (_user(rows[0]), rows[0]["csrf"]) if rows else None

    def close_session(self, sid: str) -> None:
        with self.tx() as db:
            db.execute("DELETE FROM sessions WHERE id_hash = ?", (digest(sid),))

    # -- API tokens --------------------------------------------------------------------------
    def create_token(self, username: str, name: str, days: int) -> str:
        user, token, now = self.get(username), "fit_" + secrets.token_urlsafe(32), time.time()
        with self.tx() as db:
            db.execute(
                "INSERT INTO tokens (user_id, name, token_hash, created_at, expires_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (user.id, name, digest(token), now, now + days * 86400),
            )
        return token

    def token_user(self, token: str) -> User | None:
        rows = self.query(
            "SELECT u.* FROM tokens t JOIN users u ON u.id = t.user_id"
            " WHERE t.token_hash = ? AND t.expires_at > ?",
            (digest(token), time.time()),
        )
        return _user(rows[0]) if rows else None

    def tokens(self, username: str) -> list[sqlite3.Row]:
        user = self.get(username)
        return self.query(
            "SELECT id, name, created_at, expires_at FROM tokens WHERE user_id = ? ORDER BY id",
            (user.id,),
        )

    def revoke_token(self, username: str, token_id: int) -> bool:
        user = self.get(username)
        with self.tx() as db:
            cur = db.execute("DELETE FROM tokens WHERE id = ? AND user_id = ?", (token_id, user.id))
        return cur.rowcount > 0

    # -- failed logins and audit -------------------------------------------------------------
    def failures(self, keys: Sequence[str], window_s: float) -> int:
        """The most failed logins recorded for any of ``keys`` within the window."""
        since = time.time() - window_s
        counts = [
            self.query(
                "SELECT count(*) AS n FROM login_failures WHERE key = ? AND at > ?", (k, since)
            )[0]["n"]
            for k in keys
        ]
        return max(counts, default=0)

    def record_failure(self, keys: Sequence[str], window_s: float) -> None:
        now = time.time()
        with self.tx() as db:
            db.execute("DELETE FROM login_failures WHERE at < ?", (now - window_s,))
            db.executemany("INSERT INTO login_failures VALUES (?, ?)", [(k, now) for k in keys])

    def clear_failures(self, key: str) -> None:
        with self.tx() as db:
            db.execute("DELETE FROM login_failures WHERE key = ?", (key,))

    def audit(self, username: str | None, action: str, detail: str = "", client: str = "") -> None:
        with self.tx() as db:
            db.execute(
                "INSERT INTO audit (at, username, action, detail, client) VALUES (?, ?, ?, ?, ?)",
                (time.time(), username, action, detail[:500], client[:100]),
            )

    def audit_log(self, limit: int = 200) -> list[sqlite3.Row]:
        return self.query("SELECT * FROM audit ORDER BY id DESC LIMIT ?", (limit,))


def _check_grant(partner_id: str | None, role: str, locations: Sequence[str] | None) -> None:
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}")
    if role == "admin" and (partner_id is not None or locations):
        raise UserError("a vendor admin sees every partner: give no partner or locations")
    if role != "admin" and not partner_id:
        raise UserError("a report viewer or executive belongs to a partner (--partner)")
    if locations is not None and not [loc for loc in locations if loc]:
        raise UserError("give at least one location, or none for the whole organisation")


def _locs(locations: Sequence[str] | None) -> str | None:
    return None if locations is None else json.dumps(sorted({str(x) for x in locations}))


def _user(row: sqlite3.Row) -> User:
    locs = row["locations"]
    return User(
        id=row["id"],
        username=row["username"],
        partner_id=row["partner_id"],
        role=row["role"],
        locations=None if locs is None else tuple(json.loads(locs)),
    )
