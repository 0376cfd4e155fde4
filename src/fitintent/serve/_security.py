"""Sessions, CSRF, login rate limiting and the security headers every response carries.

* The session cookie holds a random session id signed with the server's key (itsdangerous,
  timestamped, refused after ``session_minutes``); the server keeps only the id's digest, so a
  signed-out or expired session cannot be replayed. The cookie is HttpOnly, SameSite=Lax, and
  Secure when ``cookie_secure`` is set.
* Every state change (form post, API post) made with the session cookie carries the session's
  CSRF token in a form field or the ``X-CSRF-Token`` header, and a cross-site ``Origin`` is
  refused; the login form uses a signed double-submit token instead. Requests with an API token
  carry no ambient credential and need no CSRF token.
* Failed logins are counted per user name and per client address; past ``login_attempts`` within
  ``login_window_seconds`` both are refused for the rest of the window.
"""

from __future__ import annotations

import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from itsdangerous import BadSignature, TimestampSigner
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fitintent.config import ServeSettings
from fitintent.serve._users import UserStore
from fitintent.serve._viewer import Viewer

SESSION_COOKIE = "fitintent_session"
LOGIN_COOKIE = "fitintent_login"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
    " connect-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none';"
    " base-uri 'none'"
)
_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]


class SecurityHeaders:
    """ASGI middleware: the CSP and friends on every response; nothing but static assets is
    cached."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = str(scope.get("path", "")).startswith("/static/")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in _HEADERS if k not in names]
                if not static and b"cache-control" not in names:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


def load_secret(path: Path) -> bytes:
    """The signing key, created (readable by the owner only) on first use."""
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip().encode()


@dataclass(frozen=True)
class Auth:
    viewer: Viewer
    via: Literal["session", "token"]
    csrf: str | None = None
    sid: str | None = None


class Guard:
    def __init__(self, settings: ServeSettings, store: UserStore, secret: bytes) -> None:
        self.settings, self.store = settings, store
        self._session = TimestampSigner(secret, salt="fitintent.session")
        self._login = TimestampSigner(secret, salt="fitintent.login")

    # -- who is asking -------------------------------------------------------------------------
    def authenticate(self, request: Request) -> Auth | None:
        header = request.headers.get("authorization", "")
        if header.lower().startswith("bearer "):
            user = self.store.token_user(header[7:].strip())
            return None if user is None else Auth(Viewer.of(user, self.settings), "token")
        cookie = request.cookies.get(SESSION_COOKIE)
        if not cookie:
            return None
        try:
            sid = self._session.unsign(cookie, max_age=self.settings.session_minutes * 60)
        except BadSignature:
            return None
        found = self.store.session(sid.decode())
        if found is None:
            return None
        user, csrf = found
        return Auth(Viewer.of(user, self.settings), "session", csrf, sid.decode())

    def session_cookie(self, sid: str) -> str:
        return self._session.sign(sid).decode()

    # -- CSRF ----------------------------------------------------------------------------------
    def csrf_ok(self, request: Request, auth: Auth, token: str | None) -> bool:
        if auth.via == "token":
            return True
        if not same_origin(request):
            return False
        given = token or request.headers.get(CSRF_HEADER) or ""
        return bool(auth.csrf) and hmac.compare_digest(given.encode(), str(auth.csrf).encode())

    def login_token(self) -> tuple[str, str]:
        """``(form token, cookie value)`` for the login form's double submit."""
        token = secrets.token_urlsafe(24)
        return token, self._login.sign(token).decode()

    def login_token_ok(self, request: Request, token: str) -> bool:
        cookie = request.cookies.get(LOGIN_COOKIE, "")
        try:
            expected = self._login.unsign(cookie, max_age=3600).decode()
        except BadSignature:
            return False
        return same_origin(request) and hmac.compare_digest(token.encode(), expected.encode())

    # -- login rate limiting ------------------------------------------------------------------
    def _keys(self, request: Request, username: str) -> list[str]:
        client = request.client.host if request.client else "unknown"
        return [f"user:{username.lower()[:64]}", f"ip:{client}"]

    def blocked(self, request: Request, username: str) -> bool:
        keys = self._keys(request, username)
        seen = self.store.failures(keys, self.settings.login_window_seconds)
        return seen >= self.settings.login_attempts

    def failed(self, request: Request, username: str) -> None:
        self.store.record_failure(self._keys(request, username), self.settings.login_window_seconds)

    def succeeded(self, request: Request, username: str) -> None:
        self.store.clear_failures(self._keys(request, username)[0])


def same_origin(request: Request) -> bool:
    """The request comes from the server's own pages (or from a client that is no browser)."""
    origin = request.headers.get("origin")
    if origin is None:
        site = request.headers.get("sec-fetch-site", "same-origin")
        return site in ("same-origin", "none")
    host = request.headers.get("host", "")
    return origin in (f"http://{host}", f"https://{host}")
