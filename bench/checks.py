"""Do the engine and the pandas baseline compute the same thing? Full outer joins on each table's
key, counted mismatches per column, plus row counts and column totals of both sides.

Money and counts must match to the cent; sums of doubles whose order differs between the two
(signal strengths) and values derived from logarithms (compute potential) get a small tolerance.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

# table -> (key columns, {column: absolute tolerance or None for exact})
SPECS: dict[str, tuple[list[str], dict[str, float | None]]] = {
    "accounts": (
        ["account_id"],
        {
            "compute_spend_12m": 0.005,
            "compute_potential_3y": 0.011,
            "top_unmanaged_user": None,
            "top_unmanaged_compute": None,
            "smb_type": None,
            "smb_type_summary": None,
            "segment": None,
            "sub_segment": None,
        },
    ),
    "summary_partner": (
        ["partner_id"],
        {
            "partner_name": None,
            "fiscal_year": None,
            "smc_customers": None,
            "expiring_agreements": None,
            "expiring_revenue": 0.005,
            "open_expiring_revenue": 0.005,
            "top_unmanaged_user": None,
            "top_unmanaged_compute": None,
            "medium": None,
            "small": None,
            "top_unmanaged_user_base": None,
            "top_unmanaged_compute_base": None,
        },
    ),
    "topic_activity": (
        ["account_id", "topic"],
        {
            "recent_count": None,
            "recent_strength": 1e-6,
            "baseline_count": None,
            "baseline_rate": 1e-9,
            "ratio": 1e-9,
        },
    ),
}
SPECS["summary_location"] = (
    ["partner_id", "location_id"],
    {"location_name": None, **SPECS["summary_partner"][1]},
)
TOTALS = {
    "accounts": ["compute_spend_12m", "compute_potential_3y"],
    "summary_partner": ["smc_customers", "expiring_agreements", "expiring_revenue"],
    "summary_location": ["smc_customers", "expiring_agreements", "expiring_revenue"],
    "topic_activity": ["recent_count", "baseline_count", "recent_strength"],
}


def _scan(folder: Path) -> str:
    return "read_parquet('" + str(folder / "*.parquet").replace("'", "''") + "')"


def compare(table: str, engine: Path, pandas: Path) -> dict[str, Any]:
    """Compare one table written by both implementations (folders of Parquet)."""
    keys, columns = SPECS[table]
    con = duckdb.connect()
    con.execute("SET memory_limit='4GB'; SET threads=2; SET enable_progress_bar=false")
    e, p = _scan(engine), _scan(pandas)
    on = " AND ".join(f"e.{k} IS NOT DISTINCT FROM p.{k}" for k in keys)
    tests = []
    for c, tol in columns.items():
        if tol is None:
            bad = f"e.{c} IS DISTINCT FROM p.{c}"
        else:
            bad = f"(e.{c} IS NULL) <> (p.{c} IS NULL) OR abs(e.{c} - p.{c}) > {tol}"
        tests.append(f'count(*) FILTER (WHERE {bad}) AS "{c}"')
    missing = " OR ".join(f"e.{k} IS NULL" for k in keys)
    extra = " OR ".join(f"p.{k} IS NULL" for k in keys)
    sql = (
        f"SELECT count(*) FILTER (WHERE {missing}) AS only_pandas, "
        f"count(*) FILTER (WHERE {extra}) AS only_engine, {', '.join(tests)} "
        f"FROM {e} e FULL OUTER JOIN {p} p ON {on}"
    )
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    row = dict(zip(names, cursor.fetchone(), strict=True))
    mismatches = {k: int(v) for k, v in row.items() if v}
    totals = {}
    for side, scan in (("engine", e), ("pandas", p)):
        exprs = ", ".join(f"sum({c})::DOUBLE" for c in TOTALS[table])
        values = con.execute(f"SELECT count(*), {exprs} FROM {scan}").fetchone()
        totals[side] = {
            "rows": int(values[0]),
            **{
                c: round(float(v or 0.0), 4) for c, v in zip(TOTALS[table], values[1:], strict=True)
            },
        }
    con.close()
    return {"table": table, "passed": not mismatches, "mismatches": mismatches, "totals": totals}


def compare_stage(stage: str, engine_out: Path, pandas_out: Path) -> list[dict[str, Any]]:
    """The comparisons that belong to a benchmark stage."""
    tables = {
        "segment": ["accounts"],
        "summary": ["summary_partner", "summary_location"],
        "activity": ["topic_activity"],
    }[stage]
    return [compare(t, engine_out / t, pandas_out / t) for t in tables]
