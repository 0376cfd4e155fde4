"""docs/sources.md is generated from the contracts; it fails here when it is stale."""

from __future__ import annotations

from pathlib import Path

from fitintent.config import Config
from fitintent.contracts import contracts, render

DOCS = Path(__file__).resolve().parents[2] / "docs" / "sources.md"


def test_sources_reference_is_current() -> None:
    assert DOCS.read_text(encoding="utf-8") == render(), "run `make docs` and commit the result"


def test_every_source_column_and_rule_is_documented() -> None:
    text = render()
    for c in contracts(Config()):
        assert f"## {c.name}\n" in text
        for col in c.columns:
            assert f"| `{col.name}` | {col.type} |" in text
        for ref in c.references:
            assert ref.describe() in text
        for chk in c.checks:
            assert chk.message in text
        assert ",".join(c.column_names) in text  # the example's header
