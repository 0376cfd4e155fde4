"""Running the server, and the demo's users.

>>> users = demo_users(cfg)            # doctest: +SKIP
>>> print(format_users(users))         # doctest: +SKIP
>>> run(cfg)                           # doctest: +SKIP  (serves until interrupted)
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

import duckdb

from fitintent.config import Config, Role
from fitintent.publish import Snapshot, open_snapshot
from fitintent.serve._users import ROLES, UserError, UserStore


def users_db(cfg: Config) -> Path:
    return cfg.serve.state(cfg.paths.workdir) / "users.sqlite"


def run(cfg: Config, host: str | None = None, port: int | None = None) -> None:
    """Serve the dashboard and the API until interrupted (Ctrl-C). The current snapshot's cache
    is built before the first request is accepted."""
    import uvicorn

    from fitintent.serve._app import create_app

    app = create_app(cfg)
    try:
        app.state.services.data.data()
    except Exception as e:  # no snapshot yet: the pages say so
        print(f"note: {e}")
    uvicorn.run(
        app,
        host=host or cfg.serve.host,
        port=port or cfg.serve.port,
        log_level="warning",
        access_log=False,
        server_header=False,
        proxy_headers=False,
    )


@dataclass(frozen=True)
class DemoUser:
    username: str
    password: str
    role: Role
    scope: str

    def __str__(self) -> str:
        return f"{self.username:<22} {self.password:<16} {ROLES[self.role]}, {self.scope}"


def demo_users(cfg: Config, snapshot: Snapshot | None = None) -> list[DemoUser]:
    """Create (or reset, with new passwords) the demo's users for ``snapshot`` (default: the
    latest): a vendor admin, an executive and a report viewer of each of the two partners with
    the most accounts, and a report viewer of one location of the first."""
    snap = snapshot or open_snapshot(cfg.paths.snapshots)
    con = duckdb.connect()
    try:
        glob = str(snap.table("accounts") / "**" / "*.parquet")
        partners = con.execute(
            "SELECT partner_id FROM read_parquet(?) WHERE partner_id IS NOT NULL"
            " GROUP BY partner_id ORDER BY count(*) DESC, partner_id LIMIT 2",
            [glob],
        ).fetchall()
        first = partners[0][0] if partners else None
        location = con.execute(
            "SELECT location_id FROM read_parquet(?) WHERE partner_id = ?"
            " AND location_id IS NOT NULL GROUP BY location_id"
            " ORDER BY count(*) DESC, location_id LIMIT 1",
            [glob, first],
        ).fetchone()
    finally:
        con.close()
    plan: list[tuple[str, Role, str | None, list[str] | None]] = [("admin", "admin", None, None)]
    for (pid,) in partners:
        slug = str(pid).lower()
        plan += [(f"exec-{slug}", "executive", pid, None), (f"viewer-{slug}", "viewer", pid, None)]
    if location is not None and first is not None:
        plan.append((f"viewer-{str(location[0]).lower()}", "viewer", first, [location[0]]))
    store = UserStore(users_db(cfg))
    out = []
    for username, role, partner, locations in plan:
        password = secrets.token_urlsafe(9)
        try:
            store.add_user(username, password, partner_id=partner, role=role, locations=locations)
        except UserError:
            store.grant(username, role, partner_id=partner, locations=locations)
            store.set_password(username, password)
        out.append(DemoUser(username, password, role, store.get(username).scope_label))
    return out


def format_users(users: list[DemoUser]) -> str:
    head = f"{'user':<22} {'password':<16} role, scope"
    return "\n".join([head, *(str(u) for u in users)])
