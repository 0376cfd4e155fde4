"""Hostile requests: other partners' ids in every route, tampered filters and export parameters,
report viewers asking for revenue, missing or forged CSRF tokens, script payloads, path tricks,
forged credentials and password guessing. Every response is checked for leaks (account ids
outside the caller's scope), for a CSP header on HTML, and for no server error."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from fitintent.serve import UserStore, restricted, users_db
from serve_world import FORMULA_NAME, PASSWORD, SCRIPT_NAME, World, csrf_of, login

ACCOUNT_ID = re.compile(r"\bA\d{7}\b")
SCRIPT_RAW = '<script>alert("pwned")</script>'
INJECTIONS = [
    "' OR '1'='1",
    '" OR 1=1 --',
    "x'); DROP TABLE accounts; --",
    "<script>alert(1)</script>",
    "%27%20OR%201=1",
    "../../etc/passwd",
    "\x00",
    "a" * 119,
]


class Recorder:
    """Sends hostile requests and checks what every answer must satisfy."""

    def __init__(self) -> None:
        self.sent = 0

    def check(self, r: httpx.Response, allowed: set[str] | None) -> httpx.Response:
        self.sent += 1
        assert r.status_code < 500, (r.request.url, r.text[:300])
        if r.headers.get("content-type", "").startswith("text/html"):
            assert "default-src 'none'" in r.headers.get("content-security-policy", "")
            assert SCRIPT_RAW not in r.text and "<script>alert(1)" not in r.text
        if allowed is not None:
            # an id the caller sent may come back in links to the same page; nothing else may
            asked = set(ACCOUNT_ID.findall(str(r.request.url) + r.request.content.decode()))
            leaked = set(ACCOUNT_ID.findall(r.text)) - allowed - asked
            assert not leaked, (r.request.url, sorted(leaked)[:5])
        return r


@pytest.fixture(scope="module")
def rec() -> Recorder:
    return Recorder()


def _scope(world: World, username: str) -> set[str]:
    role, partner, locations = world.users[username]
    return world.accounts() if role == "admin" else world.accounts(partner, locations)


SCOPED = ["exec-a", "viewer-a", "exec-b", "viewer-b", "viewer-loc"]


@pytest.mark.parametrize("username", SCOPED)
def test_other_partners_account_ids_in_every_route(
    world: World, client_for: Callable[[str], TestClient], rec: Recorder, username: str
) -> None:
    mine = _scope(world, username)
    foreign = sorted(world.accounts() - mine)[:: max(1, len(world.accounts() - mine) // 8)][:8]
    c = client_for(username)
    for aid in foreign:
        for path in (
            f"/accounts/{aid}",
            f"/api/v1/accounts/{aid}",
            f"/accounts/{aid}?period=2026-10",
        ):
            r = rec.check(c.get(path), mine)
            assert r.status_code == 404
        r = rec.check(c.get("/api/v1/accounts", params={"q": aid}), mine)
        assert r.json()["total"] == 0


@pytest.mark.parametrize("username", ["viewer-a", "viewer-loc"])
def test_tampered_filters_stay_in_scope(
    world: World, client_for: Callable[[str], TestClient], rec: Recorder, username: str
) -> None:
    mine = _scope(world, username)
    other = world.partners[1]
    foreign_account = next(iter(sorted(world.accounts(other))))
    tampered: list[dict[str, Any]] = [
        {"partner_id": other},
        {"location_id": f"{other}-L01"},
        {"location_id": foreign_account},
        {"q": foreign_account},
        {"page": 0},
        {"page": -1},
        {"page_size": 10**9},
        {"sort": "partner_id"},
        {"sort": "account_id; DROP TABLE accounts"},
        {"desc": "maybe"},
        {"whitespace": "<b>"},
    ]
    tampered += [{"flag": x} for x in INJECTIONS] + [{"q": x} for x in INJECTIONS]
    tampered += [{"product": x} for x in INJECTIONS[:4]] + [{"cluster": x} for x in INJECTIONS[:4]]
    for params in tampered:
        for path in ("/api/v1/accounts", "/accounts"):
            r = rec.check(client_for(username).get(path, params=params), mine)
            assert r.status_code in (200, 400)
            if r.status_code == 200 and path.startswith("/api"):
                assert {row["account_id"] for row in r.json()["rows"]} <= mine


def test_report_viewers_asking_for_revenue_get_none(
    client_for: Callable[[str], TestClient], rec: Recorder, world: World
) -> None:
    c = client_for("viewer-a")
    mine = _scope(world, "viewer-a")
    for field in ("whitespace_revenue", "revenue", "expiring_revenue", "spend_12m", "it_budget"):
        r = rec.check(c.get("/api/v1/accounts", params={"sort": field, "desc": True}), mine)
        assert not [k for k in r.json()["columns"] if restricted(k)]
        rec.check(c.get("/accounts", params={"sort": field}), mine)
    for dataset in ("workbook", "agreements", "productivity", "../../secret"):
        r = rec.check(
            c.post(
                "/api/v1/exports",
                json={"dataset": dataset, "format": "xlsx"},
                headers={"x-csrf-token": csrf_of(c)},
            ),
            mine,
        )
        assert r.status_code in (403, 404)
    assert rec.check(c.get("/api/v1/exports"), mine).json() == []
    r = rec.check(c.get("/api/v1/summary"), mine)
    assert not [k for k in r.json()["tiles"] if restricted(k)]
    r = rec.check(c.get("/plays", params={"kind": "renewals"}), mine)
    assert "Expiring revenue" not in r.text
    r = rec.check(c.get("/plays", params={"kind": "whitespace"}), mine)
    assert "Whitespace revenue" not in r.text


def test_state_changes_need_a_valid_csrf_token(
    app: object, world: World, client_for: Callable[[str], TestClient], rec: Recorder
) -> None:
    exec_a = login(TestClient(app), "exec-a")  # type: ignore[arg-type]
    mine = _scope(world, "exec-a")
    good = csrf_of(exec_a)
    jobs_before = len(exec_a.get("/api/v1/exports").json())
    forged = [{}, {"csrf_token": ""}, {"csrf_token": "forged"}, {"csrf_token": good[:-2] + "xx"}]
    for form in forged:
        r = rec.check(
            exec_a.post("/downloads", data={"dataset": "eos", "fmt": "csv", **form}), mine
        )
        assert r.status_code == 403
        r = rec.check(exec_a.post("/logout", data=form, follow_redirects=False), mine)
        assert r.status_code == 403
    cross = {"origin": "http://evil.example"}
    r = rec.check(
        exec_a.post(
            "/downloads", data={"dataset": "eos", "fmt": "csv", "csrf_token": good}, headers=cross
        ),
        mine,
    )
    assert r.status_code == 403
    r = rec.check(
        exec_a.post(
            "/downloads",
            data={"dataset": "eos", "fmt": "csv", "csrf_token": good},
            headers={"sec-fetch-site": "cross-site"},
        ),
        mine,
    )
    assert r.status_code == 403
    for headers in ({}, {"x-csrf-token": "forged"}, {"x-csrf-token": good, **cross}):
        r = rec.check(
            exec_a.post("/api/v1/exports", json={"dataset": "eos"}, headers=headers), mine
        )
        assert r.status_code == 403
    assert len(rec.check(exec_a.get("/api/v1/exports"), mine).json()) == jobs_before
    assert rec.check(exec_a.get("/"), mine).status_code == 200  # still signed in
    admin = login(TestClient(app), "admin")  # type: ignore[arg-type]
    for form in ({}, {"csrf_token": "forged"}):
        r = rec.check(
            admin.post("/admin/users/remove", data={"username": "viewer-b", **form}), None
        )
        assert r.status_code == 403
    assert UserStore(users_db(world.cfg)).get("viewer-b").role == "viewer"
    fresh = TestClient(app)  # type: ignore[arg-type]
    for token in ("", "forged"):
        r = rec.check(
            fresh.post(
                "/login",
                data={"username": "exec-a", "password": PASSWORD, "csrf_token": token},
                follow_redirects=False,
            ),
            set(),
        )
        assert r.status_code == 403


def test_script_payloads_are_rendered_inert(
    world: World, client_for: Callable[[str], TestClient], rec: Recorder
) -> None:
    script_id = next(a for a, n in world.hostile.items() if n == SCRIPT_NAME)
    owner = next(u for u in ("exec-a", "exec-b") if script_id in _scope(world, u))
    c = client_for(owner)
    mine = _scope(world, owner)
    page = rec.check(c.get(f"/accounts/{script_id}"), mine)
    assert "&lt;script&gt;alert(" in page.text
    listed = rec.check(c.get("/accounts", params={"q": "pwned"}), mine)
    assert "&lt;script&gt;" in listed.text
    for path in (
        "/accounts/<script>alert(1)</script>",
        "/?period=<script>alert(1)</script>",
        "/matrix?product=<script>alert(1)</script>",
        "/plays?kind=<script>alert(1)</script>",
        "/accounts?q=<script>alert(1)</script>",
        "/api/v1/accounts?q=<script>alert(1)</script>",
    ):
        rec.check(c.get(path), mine)
    formula_id = next(a for a, n in world.hostile.items() if n == FORMULA_NAME)
    api = rec.check(c.get(f"/api/v1/accounts/{formula_id}"), mine)
    assert api.status_code in (200, 404)


def test_path_tricks_in_downloads_and_static(
    app: object, client_for: Callable[[str], TestClient], rec: Recorder, world: World
) -> None:
    c = client_for("exec-b")
    mine = _scope(world, "exec-b")
    tricks = [
        "/downloads/..%2f..%2fsecret.key/file",
        "/downloads/../../secret.key/file",
        "/downloads/%2e%2e%2fusers.sqlite/file",
        "/downloads/....//....//etc/passwd/file",
        "/api/v1/exports/..%2F..%2Fusers.sqlite/file",
        "/api/v1/exports/%2e%2e/file",
        "/static/../serve/secret.key",
        "/static/%2e%2e/_app.py",
        "/static/..%2f_users.py",
        "/static/vendor/../../_security.py",
    ]
    for path in tricks:
        r = rec.check(c.get(path), mine)
        assert r.status_code in (400, 404), path
        assert "BEGIN" not in r.text and "import " not in r.text
    # another user's job id is as unknown as a made-up one
    other = client_for("exec-a")
    job = other.post(
        "/api/v1/exports", json={"dataset": "eos"}, headers={"x-csrf-token": csrf_of(other)}
    )
    assert job.status_code == 202
    job_id = job.json()["id"]
    for path in (
        f"/downloads/{job_id}/file",
        f"/api/v1/exports/{job_id}",
        f"/api/v1/exports/{job_id}/file",
    ):
        assert rec.check(c.get(path), mine).status_code == 404
    assert re.fullmatch(r"[A-Za-z0-9._-]+", job.json()["name"])


def test_unauthenticated_and_forged_credentials(app: object, rec: Recorder) -> None:
    anon = TestClient(app, follow_redirects=False)  # type: ignore[arg-type]
    pages = [
        "/",
        "/matrix",
        "/accounts",
        "/accounts/A0000001",
        "/plays",
        "/health",
        "/downloads",
        "/admin/users",
    ]
    apis = [
        "/api/v1/summary",
        "/api/v1/accounts",
        "/api/v1/accounts/A0000001",
        "/api/v1/matrix",
        "/api/v1/datasets",
        "/api/v1/exports",
    ]
    for path in pages:
        assert rec.check(anon.get(path), set()).status_code == 303
    for path in apis:
        assert rec.check(anon.get(path), set()).status_code == 401
    forged_cookie = {"fitintent_session": "abc.def.ghi"}
    forged_bearer = {"authorization": "Bearer fit_forged"}
    for path in pages[:4] + apis[:4]:
        r = rec.check(
            TestClient(app, follow_redirects=False, cookies=forged_cookie).get(path), set()
        )  # type: ignore[arg-type]
        assert r.status_code in (303, 401)
        r = rec.check(anon.get(path, headers=forged_bearer), set())
        assert r.status_code in (303, 401)


def test_password_guessing_is_rate_limited(app: object, world: World, rec: Recorder) -> None:
    store = UserStore(users_db(world.cfg))
    store.add_user("target", PASSWORD, partner_id=world.partners[0], role="viewer")
    guesser = TestClient(app, client=("10.9.9.9", 4000))  # type: ignore[arg-type]
    statuses = []
    for i in range(8):
        page = guesser.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token is not None
        password = PASSWORD if i == 7 else f"guess-{i}"
        r = rec.check(
            guesser.post(
                "/login",
                data={"username": "target", "password": password, "csrf_token": token.group(1)},
                follow_redirects=False,
            ),
            set(),
        )
        statuses.append(r.status_code)
    assert statuses[:5] == [401] * 5 and statuses[5:] == [429] * 3
    actions = [r["action"] for r in store.audit_log(50) if r["username"] == "target"]
    assert "login blocked" in actions and actions.count("login failed") == 5


def test_at_least_200_hostile_requests_were_sent(rec: Recorder) -> None:
    assert rec.sent >= 200, rec.sent
