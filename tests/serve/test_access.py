"""Scoping and field rules: each viewer gets exactly its own accounts, and report viewers never
receive revenue or personal-data fields (absent, not blank) in pages, JSON or files."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from fitintent.serve import AccountQuery, DataAccess, UserStore, Viewer, restricted, users_db
from serve_world import World

USERS = ["admin", "exec-a", "viewer-a", "exec-b", "viewer-b", "viewer-loc"]
MONEY = ("revenue", "it_budget", "whitespace_revenue", "expiring_revenue", "spend_12m")


def _viewer(world: World, username: str) -> Viewer:
    return Viewer.of(UserStore(users_db(world.cfg)).get(username), world.cfg.serve)


def _expected(world: World, username: str) -> set[str]:
    role, partner, locations = world.users[username]
    return world.accounts(partner, locations) if role != "admin" else world.accounts()


def _all_ids(client: TestClient, product: str | None = None) -> set[str]:
    ids: set[str] = set()
    page = 1
    while True:
        params: dict[str, str | int] = {"page": page, "page_size": 500}
        if product:
            params["product"] = product
        body = client.get("/api/v1/accounts", params=params).json()
        ids |= {r["account_id"] for r in body["rows"]}
        if page >= body["pages"]:
            return ids
        page += 1


@pytest.mark.parametrize("username", USERS)
def test_each_viewer_sees_exactly_its_own_accounts(
    world: World, client_for: Callable[[str], TestClient], username: str
) -> None:
    expected = _expected(world, username)
    assert expected, "the world gives every user some accounts"
    assert _all_ids(client_for(username)) == expected
    data = DataAccess(world.cfg)
    try:
        page = data.accounts(_viewer(world, username), None, AccountQuery(page_size=500))
        assert page.total == len(expected)
        assert {r["account_id"] for r in page.rows} <= expected
    finally:
        data.close()


def test_location_user_sees_a_strict_subset_of_its_partner(world: World) -> None:
    loc = _expected(world, "viewer-loc")
    org = _expected(world, "viewer-a")
    assert loc < org and loc


@pytest.mark.parametrize("username", ["viewer-a", "viewer-b", "viewer-loc"])
def test_report_viewers_never_receive_revenue_or_personal_fields(
    client_for: Callable[[str], TestClient], username: str
) -> None:
    c = client_for(username)
    rows = c.get("/api/v1/accounts", params={"page_size": 50}).json()
    aid = rows["rows"][0]["account_id"]
    bodies = {
        "summary": c.get("/api/v1/summary").json(),
        "list": rows,
        "detail": c.get(f"/api/v1/accounts/{aid}").json(),
    }
    for name, body in bodies.items():
        keys = _keys(body)
        assert not [k for k in keys if restricted(k)], (
            name,
            sorted(k for k in keys if restricted(k)),
        )
    assert "expiring_revenue" not in c.get("/").text
    detail = c.get(f"/accounts/{aid}").text
    for field in (*MONEY, "postal_code"):
        assert f'data-field="{field}"' not in detail
    for item in [e for s in bodies["detail"]["scores"] for e in s["evidence"]]:
        assert "text" not in item and "url" not in item


@pytest.mark.parametrize("username", ["exec-a", "admin"])
def test_executives_receive_revenue_fields(
    client_for: Callable[[str], TestClient], username: str
) -> None:
    c = client_for(username)
    assert "expiring_revenue" in c.get("/api/v1/summary").json()["tiles"]
    row = c.get("/api/v1/accounts", params={"page_size": 1}).json()
    assert "whitespace_revenue" in row["columns"]
    detail = c.get(f"/api/v1/accounts/{row['rows'][0]['account_id']}").json()
    assert "revenue" in detail["account"] and "postal_code" in detail["account"]


def test_summary_tiles_add_up_to_the_viewers_scope(
    world: World, client_for: Callable[[str], TestClient]
) -> None:
    a = client_for("exec-a").get("/api/v1/summary").json()
    admin = client_for("admin").get("/api/v1/summary").json()
    loc = client_for("viewer-loc").get("/api/v1/summary").json()
    assert a["tiles"]["smc_customers"] == len(_expected(world, "exec-a"))
    assert admin["tiles"]["smc_customers"] == len(world.accounts())
    assert loc["tiles"]["smc_customers"] == len(_expected(world, "viewer-loc"))
    for product, counts in a["clusters"].items():
        assert sum(counts.values()) == len(_expected(world, "exec-a")), product


def test_matrix_counts_match_the_filtered_list(client_for: Callable[[str], TestClient]) -> None:
    c = client_for("viewer-b")
    m = c.get("/api/v1/matrix").json()
    total = 0
    for row in m["rows"]:
        for cell in row["cells"]:
            listed = c.get(
                "/api/v1/accounts",
                params={
                    "product": m["product"],
                    "fit_band": row["fit_band"],
                    "intent_band": cell["intent_band"],
                },
            ).json()
            assert listed["total"] == cell["accounts"]
            assert all(r["cell"] == cell["cell"] for r in listed["rows"])
            total += cell["accounts"]
    assert total == c.get("/api/v1/accounts", params={"product": m["product"]}).json()["total"]


def test_filters_sorting_paging_and_search(client_for: Callable[[str], TestClient]) -> None:
    c = client_for("exec-a")
    first = c.get("/api/v1/accounts", params={"sort": "fit", "desc": True, "page_size": 10}).json()
    fits = [r["fit"] for r in first["rows"]]
    assert fits == sorted(fits, reverse=True)
    second = c.get(
        "/api/v1/accounts", params={"sort": "fit", "desc": True, "page_size": 10, "page": 2}
    ).json()
    assert not {r["account_id"] for r in first["rows"]} & {r["account_id"] for r in second["rows"]}
    name = first["rows"][0]["account_name"]
    found = c.get("/api/v1/accounts", params={"q": name[:6].upper()}).json()
    assert any(r["account_name"] == name for r in found["rows"])
    act = c.get("/api/v1/accounts", params={"cluster": "Act Now", "page_size": 500}).json()
    assert act["rows"] and all(r["cluster"] == "Act Now" for r in act["rows"])
    flagged = c.get("/api/v1/accounts", params={"flag": "HasEA", "page_size": 500}).json()
    assert 0 < flagged["total"] < first["total"]


def test_downloads_are_for_executives_only(client_for: Callable[[str], TestClient]) -> None:
    assert client_for("viewer-a").get("/api/v1/datasets").json() == []
    names = {d["name"] for d in client_for("exec-a").get("/api/v1/datasets").json()}
    assert {"productivity", "agreements", "propensity", "workbook", "eos"} <= names


def test_model_health_is_for_admins(client_for: Callable[[str], TestClient]) -> None:
    assert client_for("exec-a").get("/health").status_code == 403
    page = client_for("admin").get("/health")
    assert page.status_code == 200 and "Run and model health" in page.text


def _keys(value: object) -> set[str]:
    if isinstance(value, dict):
        out = set(value)
        for v in value.values():
            out |= _keys(v)
        return out
    if isinstance(value, list):
        return {"columns:" + str(x) for x in value if isinstance(x, str)} | {
            k for v in value for k in _keys(v)
        }
    return set()
