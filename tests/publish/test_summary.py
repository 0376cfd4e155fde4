"""The partner summary, against figures computed by hand, and its parity across engines."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import date
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from fitintent.config import Config, Fiscal, Segments
from fitintent.engine import Engine
from fitintent.period import Period
from fitintent.publish._summary import summarize

PARTNERS = [("P1", "Alpha IT"), ("P2", "Beta Systems"), ("P3", "Gamma (no accounts)")]
LOCATIONS = [
    ("L11", "P1", "Alpha Lyon"),
    ("L12", "P1", "Alpha Nice (no accounts)"),
    ("L21", "P2", "Beta Berlin"),
]
# account, partner, location, smb_type_summary, top_unmanaged_user, top_unmanaged_compute
AccountRow = tuple[str, str, str | None, str, bool, bool]
ACCOUNTS: list[AccountRow] = [
    ("A1", "P1", "L11", "top_unmanaged_user", True, True),  # both: summary user
    ("A2", "P1", "L11", "top_unmanaged_compute", False, True),
    ("A3", "P1", None, "medium", False, False),  # no location of record
    ("A4", "P2", "L21", "small", False, False),
    ("A5", "P2", "L21", "medium", False, False),
]
# agreement, account, program, end date, expiring revenue
AGREEMENTS = [
    ("G1", "A1", "EA", date(2026, 6, 30), 1000.00),  # last day of FY2026 (July start)
    ("G2", "A1", "Open", date(2026, 7, 1), 200.50),  # first day of FY2027
    ("G3", "A2", "EA", date(2027, 6, 30), 300.25),  # last day of FY2027
    ("G4", "A3", "CSP", date(2027, 7, 1), 400.00),  # first day of FY2028
    ("G5", "A4", "Open", date(2025, 7, 1), 50.10),  # first day of FY2026
    ("G6", "A4", "EA", date(2025, 6, 30), 70.00),  # last day of FY2025
    ("G7", "A5", "Open Value", date(2026, 12, 31), 25.00),  # FY2027 / calendar 2026
    ("G8", "A3", "CSP", date(2027, 1, 15), 80.00),  # FY2027 / calendar 2027
    ("G9", "A4", "Open", date(2026, 8, 1), 10.004),  # FY2027; counts as 10.00
]

COUNTS = [
    "top_unmanaged_user",
    "top_unmanaged_compute",
    "medium",
    "small",
    "top_unmanaged_user_base",
    "top_unmanaged_compute_base",
]


def _tables(eng: Engine, accounts: list[AccountRow] = ACCOUNTS) -> tuple[Any, Any, Any, Any]:
    acc = pa.table(
        {
            "account_id": [a[0] for a in accounts],
            "partner_id": [a[1] for a in accounts],
            "location_id": pa.array([a[2] for a in accounts], pa.string()),
            "smb_type_summary": [a[3] for a in accounts],
            "top_unmanaged_user": [a[4] for a in accounts],
            "top_unmanaged_compute": [a[5] for a in accounts],
            "employees": pa.array([100] * len(accounts), pa.int64()),
        }
    )
    agr = pa.table(
        {
            "agreement_id": [g[0] for g in AGREEMENTS],
            "account_id": [g[1] for g in AGREEMENTS],
            "license_program": [g[2] for g in AGREEMENTS],
            "end_date": pa.array([g[3] for g in AGREEMENTS], pa.date32()),
            "expiring_revenue": [g[4] for g in AGREEMENTS],
            "product_division": ["Productivity"] * len(AGREEMENTS),
        }
    )
    loc = pa.table(
        {
            "location_id": [x[0] for x in LOCATIONS],
            "partner_id": [x[1] for x in LOCATIONS],
            "location_name": [x[2] for x in LOCATIONS],
            "country": ["FR", "FR", "DE"],
        }
    )
    par = pa.table(
        {"partner_id": [p[0] for p in PARTNERS], "partner_name": [p[1] for p in PARTNERS]}
    )
    return (
        eng.from_arrow(acc, "accounts"),
        eng.from_arrow(agr, "agreements"),
        eng.from_arrow(loc, "locations"),
        eng.from_arrow(par, "partners"),
    )


def _run(
    eng: Engine, cfg: Config, period: Period, accounts: Any = ACCOUNTS
) -> tuple[pa.Table, pa.Table]:
    by_partner, by_location = summarize(*_tables(eng, accounts), cfg, period)
    return eng.to_arrow(by_partner), eng.to_arrow(by_location)


def _measures(row: dict[str, Any]) -> tuple[Any, ...]:
    return (
        row["smc_customers"],
        row["expiring_agreements"],
        row["expiring_revenue"],
        row["open_expiring_revenue"],
        *(row[c] for c in COUNTS),
    )


def test_columns_and_types(engine: Engine) -> None:
    by_partner, by_location = _run(engine, Config(), Period(2026, 7))
    measures = [
        "smc_customers",
        "expiring_agreements",
        "expiring_revenue",
        "open_expiring_revenue",
        *COUNTS,
    ]
    assert by_partner.column_names == ["partner_id", "partner_name", "fiscal_year", *measures]
    assert by_location.column_names == [
        "partner_id",
        "partner_name",
        "location_id",
        "location_name",
        "fiscal_year",
        *measures,
    ]
    for table in (by_partner, by_location):
        types = {f.name: f.type for f in table.schema}
        assert {types[c] for c in measures if "revenue" not in c} == {pa.int64()}
        assert types["expiring_revenue"] == types["open_expiring_revenue"] == pa.float64()


def test_july_fiscal_year_period_july(engine: Engine) -> None:
    # Period 2026-07, fiscal year from July: FY2027 = 2026-07-01 .. 2027-06-30.
    # Expiring: G2 (A1 Open 200.50), G3 (A2 EA 300.25), G8 (A3 CSP 80.00),
    #           G7 (A5 Open Value 25.00), G9 (A4 Open 10.004).
    # Out: G1 (2026-06-30), G4 (2027-07-01), G5, G6 (earlier years).
    by_partner, by_location = _run(engine, Config(), Period(2026, 7))
    partners = {r["partner_id"]: r for r in by_partner.to_pylist()}
    assert {r["fiscal_year"] for r in by_partner.to_pylist()} == {"FY2027"}
    assert partners["P1"]["partner_name"] == "Alpha IT"
    # P1: A1, A2, A3; G2 + G3 + G8 = 200.50 + 300.25 + 80.00 = 580.75; open: G2 = 200.50.
    # Types by summary: user A1, compute A2, medium A3; bases: user A1, compute A1 + A2.
    assert _measures(partners["P1"]) == (3, 3, 580.75, 200.50, 1, 1, 1, 0, 1, 2)
    # P2: A4, A5; G7 + G9 = 25.00 + 10.00 (10.004 to the cent) = 35.00; both Open-type.
    assert _measures(partners["P2"]) == (2, 2, 35.00, 35.00, 0, 0, 1, 1, 0, 0)
    # P3 has no accounts and still appears.
    assert _measures(partners["P3"]) == (0, 0, 0.0, 0.0, 0, 0, 0, 0, 0, 0)

    locations = {r["location_id"]: r for r in by_location.to_pylist()}
    assert [r["location_id"] for r in by_location.to_pylist()] == ["L11", "L12", "L21"]
    # L11: A1, A2 (A3 has no location): G2 + G3 = 500.75; open G2 = 200.50.
    assert _measures(locations["L11"]) == (2, 2, 500.75, 200.50, 1, 1, 0, 0, 1, 2)
    assert locations["L11"]["partner_name"] == "Alpha IT"
    assert locations["L11"]["location_name"] == "Alpha Lyon"
    # L12 has no accounts and still appears.
    assert _measures(locations["L12"]) == (0, 0, 0.0, 0.0, 0, 0, 0, 0, 0, 0)
    assert _measures(locations["L21"]) == _measures(partners["P2"])


def test_july_fiscal_year_period_june(engine: Engine) -> None:
    # Period 2026-06, fiscal year from July: FY2026 = 2025-07-01 .. 2026-06-30.
    # Expiring: G1 (A1 EA 1000.00, its last day), G5 (A4 Open 50.10, its first day).
    # Out: G6 (2025-06-30), G2 (2026-07-01) and the later ones.
    by_partner, by_location = _run(engine, Config(), Period(2026, 6))
    partners = {r["partner_id"]: r for r in by_partner.to_pylist()}
    assert partners["P1"]["fiscal_year"] == "FY2026"
    assert _measures(partners["P1"])[:4] == (3, 1, 1000.00, 0.0)
    assert _measures(partners["P2"])[:4] == (2, 1, 50.10, 50.10)
    locations = {r["location_id"]: r for r in by_location.to_pylist()}
    assert _measures(locations["L11"])[:4] == (2, 1, 1000.00, 0.0)
    assert _measures(locations["L21"])[:4] == (2, 1, 50.10, 50.10)


@pytest.mark.parametrize("month", [6, 7])
def test_january_fiscal_year(engine: Engine, month: int) -> None:
    # Fiscal year from January: June and July 2026 are both in FY2026 = 2026-01-01 .. 2026-12-31.
    # Expiring: G1 (A1 EA 1000.00), G2 (A1 Open 200.50), G7 (A5 Open Value 25.00, Dec 31),
    #           G9 (A4 Open 10.004, 2026-08-01).
    # Out: G8 (2027-01-15), G3, G4 (2027), G5, G6 (2025).
    # P1: G1 + G2 = 1200.50, open G2 = 200.50. P2: G7 + G9 = 25.00 + 10.00 = 35.00, all open.
    cfg = Config(fiscal=Fiscal(start_month=1))
    by_partner, by_location = _run(engine, cfg, Period(2026, month))
    partners = {r["partner_id"]: r for r in by_partner.to_pylist()}
    assert partners["P1"]["fiscal_year"] == "FY2026"
    assert _measures(partners["P1"])[:4] == (3, 2, 1200.50, 200.50)
    assert _measures(partners["P2"])[:4] == (2, 2, 35.00, 35.00)
    assert _measures(partners["P3"])[:4] == (0, 0, 0.0, 0.0)
    locations = {r["location_id"]: r for r in by_location.to_pylist()}
    assert _measures(locations["L11"])[:4] == (2, 2, 1200.50, 200.50)


def test_open_programs_come_from_config(duck: Engine) -> None:
    from fitintent.config import Sources

    cfg = Config(sources=Sources(open_programs=["Open Value"]))
    by_partner, _ = _run(duck, cfg, Period(2026, 7))
    partners = {r["partner_id"]: r for r in by_partner.to_pylist()}
    # Only G7 (Open Value 25.00) is open now; G2 and G9 (Open) no longer are.
    assert partners["P1"]["open_expiring_revenue"] == 0.0
    assert partners["P2"]["open_expiring_revenue"] == 25.00


def test_very_small_column(engine: Engine) -> None:
    accounts = [*ACCOUNTS[:3], ("A4", "P2", "L21", "very_small", False, False), ACCOUNTS[4]]
    cfg = Config(segments=Segments(very_small_max_employees=9))
    by_partner, _ = _run(engine, cfg, Period(2026, 7), accounts)
    assert by_partner.column_names[-4:] == [
        "small",
        "very_small",
        "top_unmanaged_user_base",
        "top_unmanaged_compute_base",
    ]
    partners = {r["partner_id"]: r for r in by_partner.to_pylist()}
    assert (partners["P2"]["medium"], partners["P2"]["small"], partners["P2"]["very_small"]) == (
        1,
        0,
        1,
    )


def _random_world(seed: int = 5, n: int = 400) -> list[AccountRow]:
    rng = np.random.default_rng(seed)
    types = ["top_unmanaged_user", "top_unmanaged_compute", "medium", "small"]
    out = []
    for i in range(n):
        loc = LOCATIONS[int(rng.integers(0, 3))]
        location: str | None = loc[0] if rng.random() < 0.8 else None
        out.append(
            (
                f"A{i}",
                loc[1],
                location,
                types[int(rng.integers(0, 4))],
                bool(rng.random() < 0.3),
                bool(rng.random() < 0.4),
            )
        )
    return out


@pytest.mark.spark
def test_summary_parity(
    duckdb_engine: Engine,
    spark_engine: Engine,
    use_engine: Callable[[Engine], AbstractContextManager[Engine]],
) -> None:
    accounts = _random_world()
    rng = np.random.default_rng(9)
    agreements = [
        (
            f"G{i}",
            f"A{int(rng.integers(0, len(accounts)))}",
            ["EA", "Open", "Open Value", "CSP"][int(rng.integers(0, 4))],
            date(2025, 1, 1) + (date(2028, 1, 1) - date(2025, 1, 1)) * float(rng.random()),
            round(float(rng.lognormal(6, 1.5)), 3),
        )
        for i in range(1500)
    ]
    results = {}
    for eng in (duckdb_engine, spark_engine):
        with use_engine(eng):
            acc, _, loc, par = _tables(eng, accounts)
            agr = eng.from_arrow(
                pa.table(
                    {
                        "agreement_id": [g[0] for g in agreements],
                        "account_id": [g[1] for g in agreements],
                        "license_program": [g[2] for g in agreements],
                        "end_date": pa.array([g[3] for g in agreements], pa.date32()),
                        "expiring_revenue": [g[4] for g in agreements],
                        "product_division": pa.array([None] * len(agreements), pa.string()),
                    }
                ),
                "agreements",
            )
            a, b = summarize(acc, agr, loc, par, Config(), Period(2026, 7))
            results[eng.kind] = (eng.to_arrow(a), eng.to_arrow(b))
    for i in range(2):
        duck, spark = results["duckdb"][i], results["spark"][i]
        assert duck.column_names == spark.column_names
        assert [f.type for f in duck.schema] == [f.type for f in spark.schema]
        rows_d, rows_s = duck.to_pylist(), spark.to_pylist()  # both come sorted by their keys
        assert len(rows_d) == len(rows_s)
        for rd, rs in zip(rows_d, rows_s, strict=True):
            assert rd == pytest.approx(rs, abs=1e-6)
    assert results["duckdb"][0].column("expiring_agreements").to_pylist()[0] > 0
