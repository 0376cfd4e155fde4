from __future__ import annotations

from collections.abc import Iterator

import pytest

from fitintent.demo._site_server import ServerThread, SiteServer


@pytest.fixture
def serve() -> Iterator[object]:
    started: list[ServerThread] = []

    def start(server: SiteServer, host: str = "127.0.0.1") -> ServerThread:
        t = ServerThread(server, host=host).__enter__()
        started.append(t)
        return t

    yield start
    for t in started:
        t.__exit__(None, None, None)
