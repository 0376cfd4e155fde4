"""The section of the configuration that shapes the dashboard and the REST API: ``[serve]``.

Example::

    [serve]
    host = "127.0.0.1"
    port = 8000
    session_minutes = 480
    download_roles = ["executive", "admin"]   # who may download (the original: executives only)
    export_retention_days = 14
    restricted_fields = ["it_budget"]           # more fields report viewers never receive
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from fitintent.config._core import _Model

Role = Literal["admin", "executive", "viewer"]
_DOWNLOAD_ROLES: tuple[Role, ...] = ("executive", "admin")


class ServeSettings(_Model):
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    # users, sessions, audit log, exports and the per-snapshot cache; default <workdir>/serve
    state_dir: Path | None = None
    # the key that signs cookies; created (mode 0600) when missing; default <state_dir>/secret.key
    secret_key_file: Path | None = None
    session_minutes: int = Field(default=480, ge=1)
    # browsers send Secure cookies over HTTPS only: turn on behind TLS
    cookie_secure: bool = False
    download_roles: list[Role] = Field(default_factory=lambda: list(_DOWNLOAD_ROLES))
    export_retention_days: int = Field(default=14, ge=1)
    export_workers: int = Field(default=1, ge=1)
    # failed logins allowed per user name and per client address within the window
    login_attempts: int = Field(default=5, ge=1)
    login_window_seconds: int = Field(default=300, ge=1)
    token_days: int = Field(default=90, ge=1)
    page_size: int = Field(default=50, ge=1, le=500)
    max_page_size: int = Field(default=500, ge=1, le=5000)
    target_capacity: int = Field(default=100, ge=1)
    # fields report viewers never receive, on top of the built-in revenue and personal-data list
    restricted_fields: list[str] = Field(default_factory=list)

    def state(self, workdir: Path) -> Path:
        """Where the server keeps its state; a relative setting is under the work folder."""
        return workdir / (self.state_dir if self.state_dir is not None else "serve")

    def secret_key(self, workdir: Path) -> Path:
        if self.secret_key_file is None:
            return self.state(workdir) / "secret.key"
        return workdir / self.secret_key_file
