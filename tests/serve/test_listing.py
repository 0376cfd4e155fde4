"""The account list read from the snapshot's row file (a partner's span masked by the filters, or
the page's row numbers picked by DuckDB) gives exactly the pages of the plain DuckDB query; a row
file out of step with its table fails instead of showing another partner's account; the API's
``fields`` go through the same field rules."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.ipc as ipc
import pytest
from fastapi.testclient import TestClient

from fitintent.serve import AccountQuery, DataAccess, UserStore, Viewer, restricted, users_db
from fitintent.serve._app import jsonable
from fitintent.serve._cache import CACHE_VERSION, SnapshotData, prune
from fitintent.serve._data import API_COLUMNS
from fitintent.serve._listing import RowsOutOfStep, _from_span, _read, page
from fitintent.serve._rows import RowStore, write_rows
from serve_world import World

VIEWERS = ["exec-a", "viewer-a", "viewer-loc", "exec-b", "admin"]


@pytest.fixture(scope="module")
def data(world: World) -> Iterator[DataAccess]:
    d = DataAccess(world.cfg)
    yield d
    d.close()


def _viewer(world: World, username: str) -> Viewer:
    return Viewer.of(UserStore(users_db(world.cfg)).get(username), world.cfg.serve)


def _plain(d: SnapshotData) -> SnapshotData:
    """The same cache without its row file: every page comes from one DuckDB query."""
    return dataclasses.replace(d, rows=None)


def _json(p: Any) -> Any:
    return jsonable(p.json())  # NaN as null, so that equal pages compare equal


def _filters(world: World, data: DataAccess) -> list[dict[str, Any]]:
    options = data.filter_options(_viewer(world, "admin"))
    return [
        {},
        *({"cluster": c} for c in world.cfg.matrix.cluster_order),
        {"fit_band": options["fit_band"][0], "intent_band": options["intent_band"][-1]},
        {"whitespace": True},
        {"upsell": False, "entered_act_now": False},
        {"country": options["country"][0]},
        {"industry": options["industry"][-1], "cluster": world.cfg.matrix.cluster_order[0]},
        {"location_id": world.location},
        {"cell": "no such cell"},
    ]


def test_span_pages_equal_the_plain_query(world: World, data: DataAccess) -> None:
    d = data.data()
    assert d.rows is not None
    spans = 0
    for username in VIEWERS:
        viewer = _viewer(world, username)
        for product in data.products()[:3]:
            for filters in _filters(world, data):
                for number, size in ((1, 9), (2, 9), (1, 500), (400, 9)):
                    q = AccountQuery(page=number, page_size=size, **filters)
                    got = page(d, viewer, q, product, size, None)
                    want = page(_plain(d), viewer, q, product, size, None)
                    assert _json(got) == _json(want), (username, product, filters, number)
                    used = _from_span(d, viewer, q, product, d.columns("listing"))
                    # every partner's request with plain filters is answered from its span
                    assert (used is not None) == (username != "admin"), (username, filters)
                    spans += used is not None
    assert spans > 400


@pytest.mark.parametrize(
    "extra",
    [
        {"sort": "fit", "desc": True},
        {"sort": "account_name"},
        {"sort": "whitespace_revenue", "desc": True},
        {"sort": "employees", "cluster": "Evaluate"},
        {"q": "a"},
        {"q": "E"},
        {"q": "example", "cluster": "Act Now", "sort": "intent"},
        {"q": "no account is called this"},
        {"flag": "HasEA"},
        {"flag": "no_such_flag"},
    ],
)
def test_sorted_searched_and_flagged_pages_equal_the_plain_query(
    world: World, data: DataAccess, extra: dict[str, Any]
) -> None:
    d = data.data()
    for username in VIEWERS:
        viewer = _viewer(world, username)
        product = data.products()[0]
        for number in (1, 3):
            q = AccountQuery(page=number, page_size=11, **extra)
            got = page(d, viewer, q, product, 11, None)
            assert _json(got) == _json(page(_plain(d), viewer, q, product, 11, None))
            assert not [c for c in got.columns if c in ("rid", "cluster_rank")]


def test_sorting_rows_follows_duckdb_order_by(tmp_path: Path) -> None:
    nan, inf = float("nan"), float("inf")
    table = pa.table(
        {
            "account_id": [f"A{i % 5}{i}" for i in range(12)],
            "revenue": [1.0, nan, None, -2.0, inf, 3.0, None, nan, 1.0, -inf, 0.0, 1.0],
            "employees": pa.array([3, 1, None, 3, 2, 7, 1, None, 3, 0, 9, 3], pa.int64()),
            "name": ["b", "B", None, "é", "e", "a", "", "b", "ab", "Z", None, "b"],
            "upsell": [True, False, None, True, False, False, True, None, True, False, True, True],
        }
    )
    path = tmp_path / "rows.arrow"
    write_rows(table.to_batches(max_chunksize=5), path)
    store = RowStore(path)
    con = duckdb.connect()
    try:
        with pa.memory_map(str(path)) as source:
            con.register("written", ipc.open_file(source).read_all())
        every = np.arange(len(table))
        for column in ("revenue", "employees", "name", "upsell"):
            for descending in (False, True):
                got = store.ordered(every, column, descending)
                assert got is not None
                want = con.execute(
                    f"SELECT rid FROM written ORDER BY {column}"
                    f" {'DESC' if descending else 'ASC'} NULLS LAST, account_id"
                ).fetchall()
                assert got.tolist() == [r[0] for r in want], (column, descending)
        # a filtered list keeps the order the whole list has
        some = np.array([9, 2, 4, 11, 0])
        whole = store.ordered(every, "employees", True)
        part = store.ordered(some, "employees", True)
        assert whole is not None and part is not None
        assert part.tolist() == [r for r in whole.tolist() if r in some]
    finally:
        con.close()
        store.close()


def test_row_file_holds_the_listing_in_rid_order(data: DataAccess) -> None:
    d = data.data()
    assert d.rows is not None
    with pa.memory_map(str(d.rows.path)) as source:
        table = ipc.open_file(source).read_all()
        assert table.column("rid").to_pylist() == list(range(table.num_rows))
        listed = d.cursor().execute("SELECT account_id, product FROM listing ORDER BY rid")
        assert listed.fetchall() == list(
            zip(
                table.column("account_id").to_pylist(),
                table.column("product").to_pylist(),
                strict=True,
            )
        )


def test_a_row_outside_the_viewers_scope_fails_loudly(world: World, data: DataAccess) -> None:
    d = data.data()
    assert d.rows is not None
    a, b = _viewer(world, "exec-a"), _viewer(world, "exec-b")
    product = data.products()[0]
    theirs = _from_span(d, a, AccountQuery(), product, d.columns("listing"))
    assert theirs is not None and len(theirs) > 0
    rid = int(theirs[0])
    assert _read(d, a, [rid], None, ["account_id"])
    with pytest.raises(RowsOutOfStep):
        _read(d, b, [rid], None, ["account_id"])
    loc = _viewer(world, "viewer-loc")
    assert loc.locations == (world.location,)
    rids = [int(r) for r in theirs]
    located = d.rows.rows(rids, ["location_id"])
    outside = [
        r for r, row in zip(rids, located, strict=True) if row["location_id"] != world.location
    ]
    assert outside
    with pytest.raises(RowsOutOfStep):
        _read(d, loc, outside[:1], None, ["account_id"])
    with pytest.raises(RowsOutOfStep):
        _read(d, a, [rid], ["another account"], ["account_id"])


def test_search_follows_duckdb_contains_lower(tmp_path: Path) -> None:
    # capital dotted I, final sigma, sharp s, a titlecase digraph, the Kelvin sign
    names = ["İSTANBUL Ltd", "ΣΟΦΙΑΣ", "Straße 5", "ǅemal", "\u212a-Tech", "café", None, "AC", "x"]
    domains = [
        None,
        None,
        "strasse.example",
        "dz.example",
        None,
        "cafe.example",
        None,
        "ac.example",
    ]
    table = pa.table(
        {
            "account_id": [f"A{i}" for i in range(9)],
            "account_name": names,
            "domain": [*domains, "ÀÉ.example"],
        }
    )
    path = tmp_path / "rows.arrow"
    write_rows(table.to_batches(max_chunksize=4), path)
    store = RowStore(path)
    con = duckdb.connect()
    try:
        with pa.memory_map(str(path)) as source:
            con.register("written", ipc.open_file(source).read_all())
        for asked in (
            "i̇stanbul",
            "İ",
            "σοφιας",
            "ς",
            "straße",
            "ss",
            "ǆ",
            "k-",
            "K",
            "É",
            "é",
            ".",
            "zz",
        ):
            needle = asked.lower()
            got = store.matching((0, len(table)), {}, None, needle)
            want = con.execute(
                "SELECT rid FROM written WHERE contains(lower(account_name), ?)"
                " OR contains(lower(domain), ?) ORDER BY rid",
                [needle, needle],
            ).fetchall()
            assert got is not None and got.tolist() == [r[0] for r in want], asked
    finally:
        con.close()
        store.close()


def test_api_fields_follow_the_field_rules(client_for: Callable[[str], TestClient]) -> None:
    exec_a, viewer_a = client_for("exec-a"), client_for("viewer-a")
    default = exec_a.get("/api/v1/accounts", params={"page_size": 3}).json()
    assert default["columns"] == [c for c in API_COLUMNS if c != "partner_id"]
    every = exec_a.get("/api/v1/accounts", params={"page_size": 3, "fields": "*"}).json()
    assert {"whitespace_revenue", "domain", "upsell_propensity"} <= set(every["columns"])
    assert set(default["columns"]) < set(every["columns"])
    assert every["rows"][0]["account_id"] == default["rows"][0]["account_id"]
    asked: dict[str, str | int] = {
        "fields": "account_id,whitespace_revenue,nonsense,rid,partner_id",
        "page_size": 3,
    }
    mine = exec_a.get("/api/v1/accounts", params=asked).json()
    assert mine["columns"] == ["account_id", "whitespace_revenue"]
    assert list(mine["rows"][0]) == ["account_id", "whitespace_revenue"]
    theirs = viewer_a.get("/api/v1/accounts", params=asked).json()
    assert theirs["columns"] == ["account_id"] and list(theirs["rows"][0]) == ["account_id"]
    for fields in ("*", None):
        body = viewer_a.get("/api/v1/accounts", params={"fields": fields or ""}).json()
        assert body["rows"] and not [c for c in body["columns"] if restricted(c)]
        assert not [k for r in body["rows"] for k in r if restricted(k)]


def test_prune_keeps_only_live_caches_of_this_layout(tmp_path: Path) -> None:
    names = {
        f"2026-10-run1-v{CACHE_VERSION}.duckdb": True,
        f"2026-10-run1-v{CACHE_VERSION}.rows.arrow": True,
        f"2026-10-run1-v{CACHE_VERSION - 1}.duckdb": False,
        f"2026-09-run0-v{CACHE_VERSION}.duckdb": False,
        f"2026-09-run0-v{CACHE_VERSION}.rows.arrow": False,
    }
    for name in names:
        (tmp_path / name).write_bytes(b"")
    prune(tmp_path, {"2026-10-run1"})
    assert {p.name for p in tmp_path.iterdir()} == {n for n, kept in names.items() if kept}


def test_spans_are_the_partners_rows_in_list_order(world: World, data: DataAccess) -> None:
    d = data.data()
    assert d.rows is not None
    viewer = _viewer(world, "exec-b")
    for product in data.products():
        span = d.rows.span(viewer.partner_id, product)
        assert span is not None
        rids = d.cursor().execute(
            "SELECT rid FROM listing WHERE partner_id = ? AND product = ?"
            " ORDER BY cluster_rank, intent DESC NULLS LAST, fit DESC NULLS LAST, account_id",
            [viewer.partner_id, product],
        )
        assert [r[0] for r in rids.fetchall()] == list(range(*span))
        everything = d.rows.matching(span, {}, None)
        assert everything is not None and np.array_equal(everything, np.arange(*span))
