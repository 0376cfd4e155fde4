"""Users, sessions and tokens in SQLite, and the ``fitintent users`` commands."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fitintent.cli import app as cli
from fitintent.serve import UserError, UserStore


@pytest.fixture
def store(tmp_path: Path) -> UserStore:
    return UserStore(tmp_path / "users.sqlite")


def test_passwords_are_argon2_hashes(store: UserStore, tmp_path: Path) -> None:
    store.add_user("ana", "a good passphrase", partner_id="P1", role="executive")
    with sqlite3.connect(tmp_path / "users.sqlite") as db:
        stored = db.execute("SELECT password_hash FROM users").fetchone()[0]
    assert stored.startswith("$argon2") and "a good passphrase" not in stored
    assert store.authenticate("ana", "a good passphrase") is not None
    assert store.authenticate("ana", "wrong passphrase") is None
    assert store.authenticate("nobody", "a good passphrase") is None


def test_sessions_expire_and_close(store: UserStore) -> None:
    user = store.add_user("ana", "a good passphrase", partner_id="P1", role="viewer")
    sid, csrf = store.open_session(user, 60)
    found = store.session(sid)
    assert found is not None and found[0].username == "ana" and found[1] == csrf
    store.query("UPDATE sessions SET expires_at = 0")
    assert store.session(sid) is None
    sid, _ = store.open_session(user, 60)
    store.close_session(sid)
    assert store.session(sid) is None


def test_a_new_grant_ends_open_sessions(store: UserStore) -> None:
    user = store.add_user("ana", "a good passphrase", partner_id="P1", role="viewer")
    sid, _ = store.open_session(user, 60)
    changed = store.grant("ana", "executive", partner_id="P1", locations=["P1-L2", "P1-L1"])
    assert changed.locations == ("P1-L1", "P1-L2") and changed.role == "executive"
    assert store.session(sid) is None


def test_tokens_are_stored_as_digests_and_can_be_revoked(store: UserStore, tmp_path: Path) -> None:
    store.add_user("ana", "a good passphrase", partner_id="P1", role="viewer")
    token = store.create_token("ana", "reports", 30)
    with sqlite3.connect(tmp_path / "users.sqlite") as db:
        assert token not in str(db.execute("SELECT * FROM tokens").fetchall())
    user = store.token_user(token)
    assert user is not None and user.username == "ana"
    assert store.token_user(token + "x") is None
    (row,) = store.tokens("ana")
    assert store.revoke_token("ana", row["id"])
    assert store.token_user(token) is None


@pytest.mark.parametrize(
    ("partner", "role", "locations"),
    [(None, "viewer", None), ("P1", "admin", None), ("P1", "boss", None), ("P1", "viewer", [])],
)
def test_invalid_grants_are_refused(
    store: UserStore, partner: str | None, role: str, locations: list[str] | None
) -> None:
    with pytest.raises(UserError):
        store.add_user("x", "a good passphrase", partner_id=partner, role=role, locations=locations)  # type: ignore[arg-type]


def test_users_commands(tmp_path: Path) -> None:
    run = CliRunner()
    where = ["--workdir", str(tmp_path)]

    def ok(*args: str) -> str:
        result = run.invoke(cli, list(args) + where)
        assert result.exit_code == 0, result.output
        return result.output

    assert "Password:" in ok(
        "users", "add", "ana", "--role", "executive", "--partner", "P1", "--generate"
    )
    ok(
        "users",
        "add",
        "bo",
        "--role",
        "viewer",
        "--partner",
        "P1",
        "--locations",
        "P1-L1",
        "--password",
        "another passphrase",
    )
    listing = ok("users", "list")
    assert "ana" in listing and "P1-L1" in listing
    assert "P1, locations P1-L2" in ok(
        "users", "grant", "bo", "--role", "viewer", "--partner", "P1", "--locations", "P1-L2"
    )
    token = ok("users", "token", "ana").strip().splitlines()[-1]
    store = UserStore(tmp_path / "serve" / "users.sqlite")
    assert store.token_user(token) is not None
    ok("users", "remove", "bo")
    assert [u.username for u in store.users()] == ["ana"]
    bad = run.invoke(cli, ["users", "add", "cy", "--role", "viewer", "--password", "x", *where])
    assert bad.exit_code != 0 and "error" in bad.output
    actions = [r["action"] for r in store.audit_log()]
    assert {"user added", "grant", "token created", "user removed"} <= set(actions)
