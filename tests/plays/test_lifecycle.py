"""The shipped lifecycle catalog: real end-of-support dates, valid rows, a clear error otherwise."""

from __future__ import annotations

import tomllib
from datetime import date
from importlib import resources
from pathlib import Path

import pytest

from fitintent.config import Config
from fitintent.errors import InputError
from fitintent.plays import SALES_PLAYS, family, load_lifecycle

# the vendor's published extended-support end dates
KNOWN = {
    ("Windows", "7"): date(2020, 1, 14),
    ("Windows", "8.1"): date(2023, 1, 10),
    ("Office", "2010"): date(2020, 10, 13),
    ("Office", "2013"): date(2023, 4, 11),
    ("SQL Server", "2008"): date(2019, 7, 9),
    ("SQL Server", "2008 R2"): date(2019, 7, 9),
    ("SQL Server", "2012"): date(2022, 7, 12),
    ("SQL Server", "2014"): date(2024, 7, 9),
    ("Windows Server", "2008"): date(2020, 1, 14),
    ("Windows Server", "2008 R2"): date(2020, 1, 14),
    ("Windows Server", "2012"): date(2023, 10, 10),
    ("Windows Server", "2012 R2"): date(2023, 10, 10),
    ("Exchange Server", "2013"): date(2023, 4, 11),
}
HEADER = "product,version,end_of_support,sales_play,replacement\n"


def test_shipped_dates_are_the_published_ones() -> None:
    table = load_lifecycle()
    found = {(r["product"], r["version"]): r["end_of_support"] for r in table.to_pylist()}
    for key, day in KNOWN.items():
        assert found[key] == day, key


def test_every_row_names_a_play_and_a_catalog_product() -> None:
    table = load_lifecycle().to_pylist()
    products = set(Config().product_ids)
    for r in table:
        assert r["sales_play"] in SALES_PLAYS
        assert r["replacement"] in products
        assert r["family"] == family(r["product"])
    servers = {r["sales_play"] for r in table if r["product"] in ("SQL Server", "Windows Server")}
    clients = {r["sales_play"] for r in table if r["product"] in ("Windows", "Office")}
    assert servers == {"compute"} and clients == {"productivity"}
    assert family("SQL Server") == "SQLServer"


def test_catalog_is_package_data() -> None:
    shipped = resources.files("fitintent") / "catalog" / "lifecycle.csv"
    assert shipped.is_file()
    pyproject = tomllib.loads(Path(__file__).parents[2].joinpath("pyproject.toml").read_text())
    assert "catalog/*.csv" in pyproject["tool"]["setuptools"]["package-data"]["fitintent"]


@pytest.mark.parametrize(
    ("row", "column"),
    [
        ("Windows,7,2020-13-01,productivity,M365\n", "end_of_support"),
        ("Windows,7,2020-01-14,desktop,M365\n", "sales_play"),
        ("Windows,7,2020-01-14,productivity,\n", "replacement"),
        (
            "Windows,7,2020-01-14,productivity,M365\nwindows, 7 ,2020-01-14,productivity,M365\n",
            "version",
        ),
    ],
)
def test_a_bad_row_is_named(tmp_path: Path, row: str, column: str) -> None:
    path = tmp_path / "lifecycle.csv"
    path.write_text(HEADER + row, encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_lifecycle(path)
    assert f"column '{column}'" in str(err.value) and "row" in str(err.value)


def test_own_file_and_missing_column(tmp_path: Path) -> None:
    path = tmp_path / "own.csv"
    path.write_text(HEADER + "Mainframe OS,9,2001-01-01,compute,Azure\n", encoding="utf-8")
    assert load_lifecycle(path).column("family").to_pylist() == ["MainframeOS"]
    path.write_text("product,version\nWindows,7\n", encoding="utf-8")
    with pytest.raises(InputError, match="missing columns"):
        load_lifecycle(path)
