"""The served test world: one small demo world run through the real pipeline.

Two accounts carry hostile names (a script tag and a spreadsheet formula) so that escaping and
neutralisation are tested on data that came in through the sources. Users: a vendor admin, an
executive and a report viewer of each of two partners, and a report viewer of one location.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
from fastapi.testclient import TestClient

from fitintent.config import Config

PASSWORD = "correct horse battery"
SCRIPT_NAME = '<script>alert("pwned")</script> Holdings'
FORMULA_NAME = '=HYPERLINK("http://evil.example","click")'


@dataclass
class World:
    cfg: Config
    snapshot: Path
    partners: list[str]
    location: str
    users: dict[str, tuple[str, str | None, list[str] | None]] = field(default_factory=dict)
    hostile: dict[str, str] = field(default_factory=dict)  # account id -> name

    def accounts(self, partner: str | None = None, locations: list[str] | None = None) -> set[str]:
        """Account ids straight from the snapshot's Parquet (the truth the server must match)."""
        sql = "SELECT account_id FROM read_parquet(?) WHERE TRUE"
        params: list[object] = [str(self.snapshot / "accounts" / "*.parquet")]
        if partner is not None:
            sql += " AND partner_id = ?"
            params.append(partner)
        if locations is not None:
            sql += f" AND location_id IN ({', '.join('?' for _ in locations)})"
            params += locations
        return {r[0] for r in duckdb.execute(sql, params).fetchall()}


def hostile_names(sources: Path) -> dict[str, str]:
    path = sources / "accounts.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    by_partner: dict[str, list[dict[str, str]]] = {}
    for r in rows:
        by_partner.setdefault(r["partner_id"], []).append(r)
    biggest = sorted(by_partner, key=lambda p: (-len(by_partner[p]), p))[0]
    chosen = by_partner[biggest][:2]
    chosen[0]["account_name"], chosen[1]["account_name"] = SCRIPT_NAME, FORMULA_NAME
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return {r["account_id"]: r["account_name"] for r in chosen}


def login(client: TestClient, username: str, password: str = PASSWORD) -> TestClient:
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    r = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text[:300]
    return client


def csrf_of(client: TestClient) -> str:
    page = client.get("/downloads")
    m = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert m is not None
    return m.group(1)
