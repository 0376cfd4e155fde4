"""Fixtures: the served world (built once per session), signed-in clients, a live server."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pytest
from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).parent))

from fitintent.config import load_config
from fitintent.demo import generate_world
from fitintent.period import Period
from fitintent.pipeline import run
from fitintent.serve import UserStore, create_app, users_db
from serve_world import PASSWORD, World, hostile_names, login


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    root = tmp_path_factory.mktemp("served")
    generate_world(root, accounts=800, seed=11, months=14)
    hostile = hostile_names(root / "sources")
    cfg = load_config(root / "fitintent.toml")
    # small models: the serve tests need real scores, not good ones
    cfg = cfg.model_copy(
        update={
            "serve": cfg.serve.model_copy(update={"login_attempts": 5, "page_size": 25}),
            "fit": cfg.fit.model_copy(update={"folds": 2, "max_trees": 40}),
            "intent": cfg.intent.model_copy(update={"max_trees": 40, "training_months": 6}),
        }
    )
    # an earlier month first, so that 2026-10 judges it on the outcomes that followed (health)
    run(cfg, Period.parse("2026-07"))
    snap = run(cfg, Period.parse("2026-10")).snapshot
    counts = duckdb.execute(
        "SELECT partner_id, count(*) n FROM read_parquet(?) GROUP BY 1 ORDER BY n DESC, 1",
        [str(snap.path / "accounts" / "*.parquet")],
    ).fetchall()
    a, b = counts[0][0], counts[1][0]
    location = duckdb.execute(
        "SELECT location_id FROM read_parquet(?) WHERE partner_id = ? AND location_id IS NOT NULL"
        " GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1",
        [str(snap.path / "accounts" / "*.parquet"), a],
    ).fetchone()[0]
    w = World(cfg, snap.path, [a, b], location, hostile=hostile)
    store = UserStore(users_db(cfg))
    plan: dict[str, tuple[str, str | None, list[str] | None]] = {
        "admin": ("admin", None, None),
        "exec-a": ("executive", a, None),
        "viewer-a": ("viewer", a, None),
        "exec-b": ("executive", b, None),
        "viewer-b": ("viewer", b, None),
        "viewer-loc": ("viewer", a, [location]),
    }
    for name, (role, partner, locs) in plan.items():
        store.add_user(name, PASSWORD, partner_id=partner, role=role, locations=locs)  # type: ignore[arg-type]
    w.users = plan
    return w


@pytest.fixture(scope="session")
def app(world: World) -> Iterator[object]:
    application = create_app(world.cfg)
    yield application
    application.state.services.close()


@pytest.fixture(scope="session")
def client_for(app: object) -> Callable[[str], TestClient]:
    """A signed-in client per user (one session each, reused across tests)."""
    clients: dict[str, TestClient] = {}

    def get(username: str) -> TestClient:
        if username not in clients:
            clients[username] = login(TestClient(app), username)  # type: ignore[arg-type]
        return clients[username]

    return get


@pytest.fixture(scope="session")
def live_url(app: object) -> Iterator[str]:
    """The same application on a real socket, for the browser."""
    import uvicorn

    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")  # type: ignore[arg-type]
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
