"""The tiny world written to disk, with a helper to add rows or files to it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from fitintent.config import Config, load_config
from tinyworld import CLEAN

Writer = Callable[..., Config]


@pytest.fixture
def world(tmp_path: Path) -> Writer:
    """``world(**changes)`` writes the clean world with changes and returns its config.

    A change is ``source="extra rows\\n"`` (appended), ``source=None`` (file left out) or
    ``files={"name.ext": bytes}`` (written as given)."""

    def write(files: dict[str, bytes] | None = None, **changes: str | None) -> Config:
        src = tmp_path / "sources"
        src.mkdir(exist_ok=True)
        for name, text in CLEAN.items():
            if name in changes and changes[name] is None:
                continue
            (src / f"{name}.csv").write_text(text + (changes.get(name) or ""), encoding="utf-8")
        for name, data in (files or {}).items():
            (src / name).write_bytes(data)
        return load_config(
            None,
            paths={"workdir": str(tmp_path), "sources": str(src)},
            extra_firmographics=[{"name": "revenue", "type": "double", "min": 0}],
        )

    return write
