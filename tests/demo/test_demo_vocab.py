"""Names, domains and text vocabularies: unique where they must be, CSV-safe everywhere."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from fitintent.contracts._sources import DOMAIN
from fitintent.demo import generate_world
from fitintent.demo._accounts import NAME_SPACE, NamePlan
from fitintent.demo._lexicon import NAME_PREFIXES, NAME_SUFFIXES, PARTNER_BRANDS, PARTNER_KINDS
from fitintent.demo._texts import NAMED_TITLES, PATHS, TITLES
from fitintent.errors import ConfigError


def test_name_parts_concatenate_uniquely() -> None:
    joined = [a.lower() + b for a in NAME_PREFIXES for b in NAME_SUFFIXES]
    assert len(set(joined)) == len(joined)


def test_domains_are_unique_past_the_name_space() -> None:
    plan = NamePlan.build(np.random.default_rng(5))
    index = np.arange(NAME_SPACE - 50_000, NAME_SPACE + 50_000)
    _, domains = plan.names(index, np.zeros(len(index), dtype=np.int64), np.zeros(len(index)))
    values = domains.to_pylist()
    assert len(set(values)) == len(values)
    assert all(re.fullmatch(DOMAIN, d) for d in values[::997])
    duns = plan.duns(index).to_pylist()
    assert len(set(duns)) == len(duns) and all(len(d) == 9 for d in duns)


def test_vocabularies_are_csv_safe() -> None:
    for text in [*TITLES, *NAMED_TITLES, *PATHS, *PARTNER_BRANDS, *PARTNER_KINDS]:
        assert not re.search(r"[,\"\n\r]", text), text
    for path in PATHS:
        assert re.fullmatch(r"[a-z]+/[a-z0-9-]+", path), path


def test_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="fmt"):
        generate_world(tmp_path / "a", accounts=10, fmt="xlsx")  # type: ignore[arg-type]
    with pytest.raises(ConfigError):
        generate_world(tmp_path / "b", accounts=10, period="2026-13")
    with pytest.raises(ValueError, match="account"):
        generate_world(tmp_path / "c", accounts=0)


def test_tiny_world_still_valid(tmp_path: Path) -> None:
    from demo_rules import world_errors

    info = generate_world(tmp_path / "tiny", accounts=30, seed=1, months=6, period="2025-03")
    errors, frames = world_errors(info.root)
    assert errors == []
    assert frames["transactions"]["month"].min() == "2024-10-01"
