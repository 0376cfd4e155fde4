"""A crawl commits the records of one turn of its event loop together, never a record in part."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from fitintent.crawl import CrawlState
from fitintent.crawl._state import Queued


def _done(path: Path) -> int:
    db = sqlite3.connect(path)  # another reader: sees committed records only
    try:
        return int(db.execute("SELECT count(*) FROM urls WHERE state = 'done'").fetchone()[0])
    finally:
        db.close()


def _state(tmp_path: Path, n: int) -> tuple[CrawlState, list[Queued]]:
    state = CrawlState(tmp_path / "s.sqlite")
    state.add_site("a.test", "http://a.test/", None)
    items = [Queued(f"http://a.test/p{i}", 1, 1, "page") for i in range(n)]
    state.enqueue("a.test", items)
    return state, items


def _finish(state: CrawlState, q: Queued) -> None:
    page = {
        "body_z": b"x",
        "content_type": "text/html",
        "title": "t",
        "text": "x",
        "published": None,
        "kind": "web_page",
        "simhash": None,
        "duplicate_of": None,
    }
    state.finish("a.test", q, state="done", status=200, error=None, attempts=1, page=page)


def test_records_of_one_turn_commit_together(tmp_path: Path) -> None:
    state, items = _state(tmp_path, 5)

    async def go() -> list[int]:
        state.group_commits(asyncio.get_running_loop().call_soon)
        seen = []
        for q in items[:3]:
            _finish(state, q)
            seen.append(_done(state.path))  # same turn: nothing committed yet
        await asyncio.sleep(0)  # the turn ends
        seen.append(_done(state.path))
        state.group_commits(None)
        _finish(state, items[3])  # one by one again
        seen.append(_done(state.path))
        return seen

    assert asyncio.run(go()) == [0, 0, 0, 3, 4]
    state.close()


def test_a_failing_record_leaves_nothing_in_part(tmp_path: Path) -> None:
    state, items = _state(tmp_path, 2)

    async def go() -> None:
        state.group_commits(asyncio.get_running_loop().call_soon)
        _finish(state, items[0])
        with pytest.raises(KeyError):
            state.finish(
                "a.test",
                items[1],
                state="done",
                status=200,
                error=None,
                attempts=1,
                page={"content_type": "text/html"},
            )
        await asyncio.sleep(0)

    asyncio.run(go())
    state.close()
    assert _done(tmp_path / "s.sqlite") == 0  # the group is rolled back: fetched again later
