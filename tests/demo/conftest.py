"""A small demo world, generated once per session and read back as text."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# the helpers next to this file are plain modules (the tests folders are not packages)
sys.path.insert(0, str(Path(__file__).parent))

from demo_rules import SMALL_ACCOUNTS, SmallWorld, world_errors

from fitintent.demo import generate_world


@pytest.fixture(scope="session")
def small_world(tmp_path_factory: pytest.TempPathFactory) -> SmallWorld:
    info = generate_world(
        tmp_path_factory.mktemp("demo") / "world", accounts=SMALL_ACCOUNTS, seed=7
    )
    errors, frames = world_errors(info.root)
    return SmallWorld(info, errors, frames)
