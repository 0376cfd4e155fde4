"""Commands: ``fitintent serve`` and ``fitintent users add|list|remove|grant|password|token|
tokens|revoke``. They read ``[serve]`` of the configuration (users live in
``<workdir>/serve/users.sqlite`` by default)."""

from __future__ import annotations

import getpass
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from fitintent.config import Config, Role, load_config
from fitintent.errors import ConfigError, FitintentError

if TYPE_CHECKING:
    from fitintent.serve._users import UserStore

app = typer.Typer()
users = typer.Typer(
    help="Manage dashboard users, their grants and API tokens.", no_args_is_help=True
)
app.add_typer(users, name="users")
out = Console()
err = Console(stderr=True)

ConfigOpt = Annotated[Path | None, typer.Option("--config", "-c", help="TOML configuration file.")]
WorkdirOpt = Annotated[Path | None, typer.Option(help="Work folder (default: the config's).")]
Partner = Annotated[str | None, typer.Option(help="Partner id (not for admins).")]
Locations = Annotated[
    str | None,
    typer.Option(help="Comma-separated location ids (default: the whole organisation)."),
]
RoleOpt = Annotated[str, typer.Option(help="admin, executive or viewer.")]


def _config(config: Path | None, workdir: Path | None) -> Config:
    if config is None and workdir is not None and (workdir / "fitintent.toml").is_file():
        config = workdir / "fitintent.toml"
    if config is None and Path("fitintent.toml").is_file():
        config = Path("fitintent.toml")
    if config is not None:
        return load_config(config)
    return load_config(None, paths={"workdir": str(workdir or ".")})


def _store(config: Path | None, workdir: Path | None) -> UserStore:
    from fitintent.serve._server import users_db
    from fitintent.serve._users import UserStore

    return UserStore(users_db(_config(config, workdir)))


def _role(text: str) -> Role:
    if text not in ("admin", "executive", "viewer"):
        raise ConfigError("--role must be admin, executive or viewer")
    return text  # type: ignore[return-value]


def _locations(text: str | None) -> list[str] | None:
    return None if text is None else [x.strip() for x in text.split(",") if x.strip()]


def _fail(e: FitintentError) -> typer.Exit:
    err.print(f"[bold red]error:[/] {e}", highlight=False)
    return typer.Exit(e.exit_code)


@app.command()
def serve(
    config: ConfigOpt = None,
    workdir: WorkdirOpt = None,
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port.")] = None,
) -> None:
    """Serve the partner dashboard and the REST API from the published snapshots."""
    from fitintent.serve._server import run

    try:
        cfg = _config(config, workdir)
    except FitintentError as e:
        raise _fail(e) from None
    where = f"http://{host or cfg.serve.host}:{port or cfg.serve.port}/"
    err.print(f"Serving {cfg.paths.snapshots} on {where} (Ctrl-C stops)")
    run(cfg, host, port)


@users.command("add")
def add(
    username: str,
    role: RoleOpt = "viewer",
    partner: Partner = None,
    locations: Locations = None,
    password: Annotated[
        str | None, typer.Option(help="Password (default: asked, or generated with --generate).")
    ] = None,
    generate: Annotated[bool, typer.Option(help="Generate and print a password.")] = False,
    config: ConfigOpt = None,
    workdir: WorkdirOpt = None,
) -> None:
    """Add a user with a role for a partner's whole organisation or chosen locations."""
    try:
        if password is None:
            password = secrets.token_urlsafe(12) if generate else getpass.getpass("Password: ")
        store = _store(config, workdir)
        user = store.add_user(
            username,
            password,
            partner_id=partner,
            role=_role(role),
            locations=_locations(locations),
        )
        store.audit(None, "user added", f"{user.username} {user.role} {user.scope_label}", "cli")
    except FitintentError as e:
        raise _fail(e) from None
    out.print(f"Added {user.username}: {user.role}, {user.scope_label}")
    if generate:
        out.print(f"Password: {password}")


@users.command("list")
def list_users(config: ConfigOpt = None, workdir: WorkdirOpt = None) -> None:
    """List users, roles and scopes."""
    from fitintent.serve._users import ROLES

    t = Table(title="Users")
    for col in ("user", "role", "scope"):
        t.add_column(col)
    for u in _store(config, workdir).users():
        t.add_row(u.username, ROLES[u.role], u.scope_label)
    out.print(t)


@users.command("remove")
def remove(username: str, config: ConfigOpt = None, workdir: WorkdirOpt = None) -> None:
    """Remove a user, their sessions and tokens."""
    try:
        store = _store(config, workdir)
        store.remove_user(username)
        store.audit(None, "user removed", username, "cli")
    except FitintentError as e:
        raise _fail(e) from None
    out.print(f"Removed {username}")


@users.command("grant")
def grant(
    username: str,
    role: RoleOpt,
    partner: Partner = None,
    locations: Locations = None,
    config: ConfigOpt = None,
    workdir: WorkdirOpt = None,
) -> None:
    """Replace a user's grant (role and scope); the user's open sessions end."""
    try:
        store = _store(config, workdir)
        user = store.grant(
            username, _role(role), partner_id=partner, locations=_locations(locations)
        )
        store.audit(None, "grant", f"{user.username} {user.role} {user.scope_label}", "cli")
    except FitintentError as e:
        raise _fail(e) from None
    out.print(f"{user.username}: {user.role}, {user.scope_label}")


@users.command("password")
def password(username: str, config: ConfigOpt = None, workdir: WorkdirOpt = None) -> None:
    """Set a user's password (asked twice); the user's open sessions end."""
    first, second = getpass.getpass("New password: "), getpass.getpass("Again: ")
    if first != second:
        raise _fail(FitintentError("the passwords differ"))
    try:
        _store(config, workdir).set_password(username, first)
    except FitintentError as e:
        raise _fail(e) from None
    out.print(f"Password of {username} changed")


@users.command("token")
def token(
    username: str,
    name: Annotated[str, typer.Option(help="What the token is for.")] = "api",
    days: Annotated[
        int | None, typer.Option(help="Valid for (default: [serve] token_days).")
    ] = None,
    config: ConfigOpt = None,
    workdir: WorkdirOpt = None,
) -> None:
    """Create an API token (shown once; only its digest is stored)."""
    try:
        cfg = _config(config, workdir)
        store = _store(config, workdir)
        value = store.create_token(username, name, days or cfg.serve.token_days)
        store.audit(None, "token created", f"{username} {name}", "cli")
    except FitintentError as e:
        raise _fail(e) from None
    out.print(value)


@users.command("tokens")
def tokens(username: str, config: ConfigOpt = None, workdir: WorkdirOpt = None) -> None:
    """List a user's API tokens."""
    t = Table(title=f"Tokens of {username}")
    for col in ("id", "name", "created", "expires"):
        t.add_column(col)
    try:
        rows = _store(config, workdir).tokens(username)
    except FitintentError as e:
        raise _fail(e) from None
    for r in rows:
        t.add_row(str(r["id"]), r["name"], _when(r["created_at"]), _when(r["expires_at"]))
    out.print(t)


@users.command("revoke")
def revoke(
    username: str, token_id: int, config: ConfigOpt = None, workdir: WorkdirOpt = None
) -> None:
    """Revoke one of a user's API tokens (its id from ``users tokens``)."""
    try:
        done = _store(config, workdir).revoke_token(username, token_id)
    except FitintentError as e:
        raise _fail(e) from None
    if not done:
        raise _fail(FitintentError(f"{username} has no token {token_id}"))
    out.print(f"Revoked token {token_id} of {username}")


def _when(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%d %H:%M")


def register(parent: typer.Typer) -> None:
    """Add ``serve`` and ``users`` to the ``fitintent`` command."""
    parent.add_typer(app)
