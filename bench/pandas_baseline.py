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

Segmentation lives here, the summary in :mod:`bench.pandas_summary` and topic activity in
:mod:`bench.pandas_activity`; ``TASKS`` names all three. Each task reads the same Parquet inputs
as the engine's stage and writes its outputs to Parquet, sorted as the engine sorts them.
``round(x)`` of a non-negative amount is ``floor(x + 0.5)``, the engines' half-away-from-zero
rounding.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bench.child import clock, since, step
from bench.pandas_activity import activity_task
from bench.pandas_common import round_half_up, ts, write
from bench.pandas_summary import summary_task
from fitintent.config import Config, load_config
from fitintent.period import Period
from fitintent.segment import SEGMENT_LABEL, SUB_SEGMENT_LABELS, spend_windows

SHRINKAGE, MIN_CUSTOMERS, GROWTH_CAP, FALLBACK_RATE = 10.0, 30, 2.0, 50.0


def compute_spend(tx: pd.DataFrame, cfg: Config, period: Period) -> pd.DataFrame:
    current, previous = spend_windows(cfg, period)
    rows = tx[tx["product"].isin(cfg.compute_products)]
    month = pd.to_datetime(rows["month"])
    rows = rows[(month >= ts(previous[0])) & (month <= ts(current[1]))]
    month = pd.to_datetime(rows["month"])
    cents = round_half_up(rows["revenue"].to_numpy() * 100.0)
    in_current = ((month >= ts(current[0])) & (month <= ts(current[1]))).to_numpy()
    in_previous = ((month >= ts(previous[0])) & (month <= ts(previous[1]))).to_numpy()
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
    out["compute_potential_3y"] = round_half_up(potential * 100.0) / 100.0
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
    start = clock()
    accounts = pd.read_parquet(wh / "accounts")
    tx = pd.read_parquet(wh / "transactions", columns=["account_id", "month", "product", "revenue"])
    step("read")
    spend = compute_spend(tx, cfg, period)
    del tx
    step("spend")
    model = fit_potential(accounts, spend, cfg)
    step("fit_potential")
    out = segment(accounts, spend, model, cfg).sort_values("account_id")
    write(out, Path(p["out"]) / "accounts")
    spent = since(start)
    model.pop("offsets")
    return {"rows": len(out), **spent, "model": model}


TASKS = {
    "pandas_segment": segment_task,
    "pandas_summary": summary_task,
    "pandas_activity": activity_task,
}
