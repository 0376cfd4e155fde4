"""A plain pandas implementation of segmentation, the partner summary and topic activity.

It follows the engine's definitions to the cent so the outputs can be compared row for row:

* segmentation: compute spend (whole cents, annualised), the log-linear compute-potential law
  (pooled within-industry slope, industry offsets shrunk by ``n / (n + 10)``), a prospect's
  potential scaled by its size type's share of compute customers, the SPEC's thresholds from the
  configuration and the configured precedence for SMCTypeSummary;
* summary: per partner and per (partner, location), expiring agreements in the period's fiscal
  year, revenue in whole cents;
* topic activity: per (account, topic), the recent window against the baseline window, with the
  optional resolution of domain-only signals through the accounts' domains.

Each task reads the same Parquet inputs as the engine's stage and writes its outputs to Parquet,
sorted as the engine sorts them. ``round(x)`` of a non-negative amount is ``floor(x + 0.5)``, the
engines' half-away-from-zero rounding.
"""

from __future__ import annotations

import math
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bench.child import step
from fitintent.config import Config, load_config
from fitintent.period import Period
from fitintent.segment import SEGMENT_LABEL, SUB_SEGMENT_LABELS, smb_types, spend_windows

SHRINKAGE, MIN_CUSTOMERS, GROWTH_CAP, FALLBACK_RATE = 10.0, 30, 2.0, 50.0


def _round(x: Any) -> Any:
    """Half away from zero for non-negative values (what DuckDB's and Spark's round do)."""
    return np.floor(x + 0.5)


def _ts(d: date) -> pd.Timestamp:
    return pd.Timestamp(d)


def _write(df: pd.DataFrame, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    df.to_parquet(folder / "part-00000.parquet", index=False, compression="zstd")
    return folder


# -- segmentation -------------------------------------------------------------------------------
def compute_spend(tx: pd.DataFrame, cfg: Config, period: Period) -> pd.DataFrame:
    current, previous = spend_windows(cfg, period)
    rows = tx[tx["product"].isin(cfg.compute_products)]
    month = pd.to_datetime(rows["month"])
    rows = rows[(month >= _ts(previous[0])) & (month <= _ts(current[1]))]
    month = pd.to_datetime(rows["month"])
    cents = _round(rows["revenue"].to_numpy() * 100.0)
    in_current = ((month >= _ts(current[0])) & (month <= _ts(current[1]))).to_numpy()
    in_previous = ((month >= _ts(previous[0])) & (month <= _ts(previous[1]))).to_numpy()
    parts = pd.DataFrame(
        {
            "account_id": rows["account_id"].to_numpy(),
            "compute_spend_12m": np.where(in_current, cents, 0.0),
            "compute_spend_prev_12m": np.where(in_previous, cents, 0.0),
        }
    )
    scale = (12.0 / cfg.segments.potential_window_months) / 100.0
    spend = parts.groupby("account_id", sort=False).sum()
    return spend * scale


def size_type(employees: np.ndarray, cfg: Config) -> np.ndarray:
    s = cfg.segments
    size = np.where(
        employees >= s.top_user_min_employees,
        "top_unmanaged_user",
        np.where(employees >= s.medium_min_employees, "medium", "small"),
    ).astype(object)
    if s.very_small_max_employees is not None:
        small = (employees < s.medium_min_employees) & (employees <= s.very_small_max_employees)
        size[small] = "very_small"
    return size


def adoption(accounts: pd.DataFrame, spend: pd.DataFrame, cfg: Config) -> dict[str, float]:
    """Share of accounts per size type with compute spend in the window."""
    buyers = spend.index[spend["compute_spend_12m"] > 0.0]
    bought = accounts["account_id"].isin(buyers)
    share = bought.groupby(size_type(accounts["employees"].to_numpy(), cfg)).mean()
    return {str(k): float(v) for k, v in share.items()}


def fit_potential(accounts: pd.DataFrame, spend: pd.DataFrame, cfg: Config) -> dict[str, Any]:
    """Intercept, slope and industry offsets of ln(annual spend) on ln(employees + 1), and the
    adoption share per size type."""
    shares = adoption(accounts, spend, cfg)
    customers = spend[spend["compute_spend_12m"] > 0.0]
    rows = accounts[["account_id", "employees", "industry"]].merge(
        customers["compute_spend_12m"], left_on="account_id", right_index=True, how="inner"
    )
    size = rows["employees"].astype("float64") + 1.0
    x, y = np.log(size), np.log(rows["compute_spend_12m"])
    key = rows["industry"].fillna("")
    frame = pd.DataFrame(
        {"key": key, "x": x, "y": y, "spend": rows["compute_spend_12m"], "size": size}
    )
    grouped = frame.groupby("key")
    g = grouped.agg(
        n=("x", "size"),
        mx=("x", "mean"),
        my=("y", "mean"),
        spend=("spend", "sum"),
        size=("size", "sum"),
    )
    frame["dx"] = frame["x"] - frame["key"].map(g["mx"])
    frame["dy"] = frame["y"] - frame["key"].map(g["my"])
    frame["dxx"], frame["dxy"] = frame["dx"] ** 2, frame["dx"] * frame["dy"]
    g[["vx", "cxy"]] = frame.groupby("key")[["dxx", "dxy"]].mean()
    n = int(g["n"].sum())
    sxx, sxy = float((g["n"] * g["vx"]).sum()), float((g["n"] * g["cxy"]).sum())
    if n < MIN_CUSTOMERS or sxx <= 1e-12 * n:
        total = float(g["spend"].sum())
        rate = total / float(g["size"].sum()) if n and total > 0 else FALLBACK_RATE
        return {
            "method": "fallback_rate",
            "intercept": math.log(rate),
            "slope": 1.0,
            "offsets": {},
            "training_rows": n,
            "adoption": shares,
        }
    slope = sxy / sxx
    raw = g["my"] - slope * g["mx"]
    intercept = float((g["n"] * raw).sum()) / n
    offsets = ((raw - intercept) * g["n"] / (g["n"] + SHRINKAGE)).to_dict()
    return {
        "method": "log_linear_ols",
        "intercept": intercept,
        "slope": slope,
        "offsets": offsets,
        "training_rows": n,
        "adoption": shares,
    }


def segment(
    accounts: pd.DataFrame, spend: pd.DataFrame, model: dict[str, Any], cfg: Config
) -> pd.DataFrame:
    s = cfg.segments
    out = accounts.merge(spend, left_on="account_id", right_index=True, how="left")
    s12 = out["compute_spend_12m"].fillna(0.0).to_numpy()
    prev = out["compute_spend_prev_12m"].fillna(0.0).to_numpy()
    emp = out["employees"].to_numpy()
    offset = out["industry"].fillna("").map(model["offsets"]).fillna(0.0).to_numpy()
    log_annual = model["intercept"] + model["slope"] * np.log(emp.astype("float64") + 1.0) + offset
    typical = np.exp(log_annual) * float(s.potential_years)
    size = size_type(emp, cfg)
    share = pd.Series(size).map(model["adoption"]).fillna(1.0).to_numpy()
    prospect = typical * share
    with np.errstate(divide="ignore", invalid="ignore"):
        growth = np.where(prev > 0.0, np.minimum(s12 / prev, GROWTH_CAP), 1.0)
    compounded = growth.copy()
    for y in range(2, s.potential_years + 1):
        compounded = compounded + growth ** float(y)
    potential = np.where(s12 > 0.0, np.maximum(typical, s12 * compounded), prospect)
    out = out.drop(columns=["compute_spend_prev_12m"])
    out["compute_spend_12m"] = s12
    out["compute_potential_3y"] = _round(potential * 100.0) / 100.0
    out["top_unmanaged_user"] = emp >= s.top_user_min_employees
    size = np.where(
        emp >= s.top_user_min_employees,
        "top_unmanaged_user",
        np.where(emp >= s.medium_min_employees, "medium", "small"),
    ).astype(object)
    if s.very_small_max_employees is not None:
        size[(emp < s.medium_min_employees) & (emp <= s.very_small_max_employees)] = "very_small"
    out["top_unmanaged_compute"] = out["compute_potential_3y"] > s.compute_potential_min
    out["smb_type"] = size
    applies = {
        "top_unmanaged_user": out["top_unmanaged_user"].to_numpy(),
        "top_unmanaged_compute": out["top_unmanaged_compute"].to_numpy(),
        "medium": size == "medium",
        "small": np.isin(size, ["small", "very_small"]),
    }
    summary = size.copy()
    decided = np.zeros(len(out), dtype=bool)
    for t in s.precedence:
        take = applies[t] & ~decided
        summary[take] = size[take] if t == "small" else t
        decided |= take
    out["smb_type_summary"] = summary
    out["segment"] = SEGMENT_LABEL
    out["sub_segment"] = out["smb_type_summary"].map(SUB_SEGMENT_LABELS)
    return out


def segment_task(p: dict[str, Any]) -> dict[str, Any]:
    cfg, period = load_config(p["config"]), Period.parse(p["period"])
    wh = Path(p["warehouse"])
    start = time.perf_counter()
    accounts = pd.read_parquet(wh / "accounts")
    tx = pd.read_parquet(wh / "transactions", columns=["account_id", "month", "product", "revenue"])
    step("read")
    spend = compute_spend(tx, cfg, period)
    del tx
    step("spend")
    model = fit_potential(accounts, spend, cfg)
    step("fit_potential")
    out = segment(accounts, spend, model, cfg).sort_values("account_id")
    _write(out, Path(p["out"]) / "accounts")
    seconds = time.perf_counter() - start
    model.pop("offsets")
    return {"rows": len(out), "seconds": round(seconds, 3), "model": model}


# -- summary ------------------------------------------------------------------------------------
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
    start = time.perf_counter()
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
    agr = agr[(end >= _ts(fy.start)) & (end <= _ts(fy.end))]
    rows = agr.merge(acc[["account_id", "partner_id", "location_id"]], on="account_id")
    rows["cents"] = _round(rows["expiring_revenue"].to_numpy() * 100.0)
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
    _write(by_partner, out / "summary_partner")
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
    _write(by_location, out / "summary_location")
    seconds = time.perf_counter() - start
    return {
        "rows": len(acc),
        "seconds": round(seconds, 3),
        "partners": len(by_partner),
        "locations": len(by_location),
    }


# -- topic activity -----------------------------------------------------------------------------
def activity_task(p: dict[str, Any]) -> dict[str, Any]:
    cfg, period = load_config(p["config"]), Period.parse(p["period"])
    recent, baseline = cfg.signals.recent_days, cfg.signals.baseline_days
    end = period.end + timedelta(days=1)
    recent_start = end - timedelta(days=recent)
    base_start = recent_start - timedelta(days=baseline)
    start = time.perf_counter()
    columns = ["account_id", "signal_time", "topic", "strength"]
    s = pd.read_parquet(p["signals"], columns=[*columns, "domain"] if p.get("resolve") else columns)
    rows_in = len(s)
    step("read", rows=rows_in)
    if p.get("resolve"):
        acc = pd.read_parquet(p["accounts"], columns=["account_id", "domain"]).dropna(
            subset=["domain"]
        )
        if not acc["domain"].is_unique:  # a join would repeat signals; keep its semantics
            raise ValueError("account domains are not unique")
        missing = s["account_id"].isna()
        lookup = pd.Series(acc["account_id"].to_numpy(), index=acc["domain"].to_numpy())
        s.loc[missing, "account_id"] = s.loc[missing, "domain"].map(lookup)
        step("resolve")
    t = s["signal_time"]
    keep = s["account_id"].notna() & s["topic"].notna() & (t >= _ts(base_start)) & (t < _ts(end))
    w = s[keep]
    del s
    in_recent = (w["signal_time"] >= _ts(recent_start)).to_numpy()
    strength = w["strength"].fillna(cfg.signals.default_strength).to_numpy()
    parts = pd.DataFrame(
        {
            "account_id": w["account_id"].to_numpy(),
            "topic": w["topic"].astype(str).to_numpy(),
            "recent_count": in_recent.astype("int64"),
            "recent_strength": np.where(in_recent, strength, 0.0),
            "baseline_count": (~in_recent).astype("int64"),
        }
    )
    del w
    step("filter", rows=len(parts))
    agg = parts.groupby(["account_id", "topic"], sort=False).sum().reset_index()
    del parts
    step("groupby")
    agg["baseline_rate"] = agg["baseline_count"] * (recent / baseline)
    agg["ratio"] = (agg["recent_count"] + 1.0) / (agg["baseline_rate"] + 1.0)
    _write(agg.sort_values(["account_id", "topic"]), Path(p["out"]) / "topic_activity")
    seconds = time.perf_counter() - start
    return {"rows": rows_in, "seconds": round(seconds, 3), "output_rows": len(agg)}


TASKS = {
    "pandas_segment": segment_task,
    "pandas_summary": summary_task,
    "pandas_activity": activity_task,
}
