"""The TOML configuration: defaults, clear errors for bad values, relative paths."""

from __future__ import annotations

from pathlib import Path

import pytest

from fitintent.config import Config, load_config
from fitintent.errors import ConfigError


def _load(tmp_path: Path, text: str) -> Config:
    path = tmp_path / "fitintent.toml"
    path.write_text(text, encoding="utf-8")
    return load_config(path)


def test_defaults_are_the_specs() -> None:
    cfg = Config()
    assert cfg.engine.kind == "duckdb" and cfg.fiscal.start_month == 7
    assert cfg.segments.top_user_min_employees == 300
    assert cfg.segments.medium_min_employees == 25
    assert cfg.segments.compute_potential_min == 10_000
    assert [(b.name, b.min) for b in cfg.matrix.bands] == [
        ("High", 75),
        ("Medium", 55),
        ("Low", 30),
        ("Very low", 0),
    ]
    assert cfg.matrix.cells["High"]["Low"] == "A3" and cfg.matrix.cells["Low"]["High"] == "N9"
    assert cfg.matrix.clusters["ET10"] == "Educate" and cfg.matrix.clusters["E6"] == "Evaluate"
    assert cfg.product_ids == [
        "M365",
        "O365",
        "Surface",
        "D365BC",
        "D365FO",
        "D365CE",
        "PowerApps",
        "Azure",
    ]
    assert cfg.compute_products == ["Azure"]


def test_relative_paths_resolve_against_the_file(tmp_path: Path) -> None:
    cfg = _load(tmp_path, '[paths]\nworkdir = "w"\nsources = "in"\n')
    assert cfg.paths.workdir == tmp_path / "w" and cfg.paths.source_dir == tmp_path / "in"
    assert cfg.paths.snapshots == tmp_path / "w" / "snapshots"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[fiscal]\nstart_month = 13\n", "fiscal.start_month: Input should be less than or equal"),
        ('[engine]\nkind = "oracle"\n', "engine.kind: Input should be 'duckdb' or 'spark'"),
        (
            '[engine]\nkind = "spark"\nremote = "http://x"\n',
            "a Spark Connect URL starts with sc://",
        ),
        ("[segments]\nmedium_min_employees = 400\n", "medium_min_employees must be below"),
        ('[segments]\nprecedence = ["medium", "small"]\n', "precedence must name each SMB type"),
        ("[[matrix.bands]]\nname = 'High'\nmin = 50\n", "the last must start at 0"),
        ("[matrix.clusters]\nA1 = 'Act Now'\n", "have no cluster in [matrix.clusters]"),
        ('[[products]]\nid = "1bad"\nname = "x"\nfamily = "y"\n', "products.0.id: String should"),
        ('[sources]\nopen_programs = ["Retail"]\n', "open_programs ['Retail'] are not among"),
        ("[segments]\ntop_user_min_employees = 'many'\n", "top_user_min_employees: Input should"),
        ("[segments\n", "not valid TOML"),
        ("[surprise]\nx = 1\n", "surprise: Extra inputs are not permitted"),
    ],
)
def test_bad_values_get_a_clear_error(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        _load(tmp_path, text)
    assert message in str(info.value)
    assert str(tmp_path / "fitintent.toml") in str(info.value)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"nope\.toml: configuration file not found"):
        load_config(tmp_path / "nope.toml")


def test_the_digest_follows_settings_not_paths(tmp_path: Path) -> None:
    a = _load(tmp_path, '[paths]\nworkdir = "a"\n')
    b = _load(tmp_path, '[paths]\nworkdir = "b"\n')
    c = _load(tmp_path, "[fiscal]\nstart_month = 1\n")
    assert a.digest() == b.digest() != c.digest()
