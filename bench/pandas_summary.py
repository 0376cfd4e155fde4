"""The pandas baseline's partner summary: per partner and per (partner, location), expiring
agreements in the period's fiscal year and revenue in whole cents, as ``fitintent.publish``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bench.child import clock, since, step
from bench.pandas_common import round_half_up, ts, write
from fitintent.config import Config, load_config
from fitintent.period import Period
from fitintent.segment import smb_types


def _account_measures(acc: pd.DataFrame, keys: list[str], cfg: Config) -> pd.DataFrame:
    m = acc[keys].copy()
    m["smc_customers"] = 1
    for t in smb_types(cfg):
        m[t] = (acc["smb_type_summary"] == t).astype("int64")
    m["top_unmanaged_user_base"] = acc["top_unmanaged_user"].fillna(False).astype("int64")
    m["top_unmanaged_compute_base"] = acc["top_unmanaged_compute"].fillna(False).astype("int64")
    return m.groupby(keys).sum()


def _agreement_measures(rows: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    return rows.groupby(keys).agg(
        expiring_agreements=("cents", "size"),
        _revenue=("cents", "sum"),
        _open=("open_cents", "sum"),
    )


def _finish(
    base: pd.DataFrame,
    keys: list[str],
    accounts: pd.DataFrame,
    agreements: pd.DataFrame,
    label: str,
    cfg: Config,
) -> pd.DataFrame:
    out = base.merge(accounts, left_on=keys, right_index=True, how="left")
    out = out.merge(agreements, left_on=keys, right_index=True, how="left")
    out["fiscal_year"] = label
    counts = [
        "smc_customers",
        *smb_types(cfg),
        "top_unmanaged_user_base",
        "top_unmanaged_compute_base",
    ]
    for c in [*counts, "expiring_agreements"]:
        out[c] = out[c].fillna(0).astype("int64")
    out["expiring_revenue"] = out["_revenue"].fillna(0.0) / 100.0
    out["open_expiring_revenue"] = out["_open"].fillna(0.0) / 100.0
    head = [c for c in base.columns] + ["fiscal_year"]
    measures = [
        "smc_customers",
        "expiring_agreements",
        "expiring_revenue",
        "open_expiring_revenue",
        *counts[1:],
    ]
    return out[head + measures].sort_values(keys)


def summary_task(p: dict[str, Any]) -> dict[str, Any]:
    cfg, period = load_config(p["config"]), Period.parse(p["period"])
    wh, out = Path(p["warehouse"]), Path(p["out"])
    fy = period.fiscal_year(cfg.fiscal.start_month)
    start = clock()
    acc = pd.read_parquet(
        p["accounts"],
        columns=[
            "account_id",
            "partner_id",
            "location_id",
            "smb_type_summary",
            "top_unmanaged_user",
            "top_unmanaged_compute",
        ],
    )
    agr = pd.read_parquet(
        wh / "agreements", columns=["account_id", "license_program", "end_date", "expiring_revenue"]
    )
    locations = pd.read_parquet(
        wh / "locations", columns=["partner_id", "location_id", "location_name"]
    )
    partners = pd.read_parquet(wh / "partners", columns=["partner_id", "partner_name"])
    step("read")
    end = pd.to_datetime(agr["end_date"])
    agr = agr[(end >= ts(fy.start)) & (end <= ts(fy.end))]
    rows = agr.merge(acc[["account_id", "partner_id", "location_id"]], on="account_id")
    rows["cents"] = round_half_up(rows["expiring_revenue"].to_numpy() * 100.0)
    is_open = rows["license_program"].isin(cfg.sources.open_programs).to_numpy()
    rows["open_cents"] = np.where(is_open, rows["cents"], 0.0)
    by_partner = _finish(
        partners,
        ["partner_id"],
        _account_measures(acc, ["partner_id"], cfg),
        _agreement_measures(rows, ["partner_id"]),
        fy.label,
        cfg,
    )
    write(by_partner, out / "summary_partner")
    step("summary_partner")
    keys = ["partner_id", "location_id"]
    located = acc[acc["location_id"].notna()]
    base = locations.merge(partners, on="partner_id", how="left")[
        ["partner_id", "partner_name", "location_id", "location_name"]
    ]
    by_location = _finish(
        base,
        keys,
        _account_measures(located, keys, cfg),
        _agreement_measures(rows[rows["location_id"].notna()], keys),
        fy.label,
        cfg,
    )
    write(by_location, out / "summary_location")
    spent = since(start)
    return {
        "rows": len(acc),
        **spent,
        "partners": len(by_partner),
        "locations": len(by_location),
    }
