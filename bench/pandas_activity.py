"""The pandas baseline's topic activity: per (account, topic), the recent window against the
baseline window, with the optional resolution of domain-only signals through account domains."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bench.child import clock, since, step
from bench.pandas_common import ts, write
from fitintent.config import load_config
from fitintent.period import Period


def activity_task(p: dict[str, Any]) -> dict[str, Any]:
    cfg, period = load_config(p["config"]), Period.parse(p["period"])
    recent, baseline = cfg.signals.recent_days, cfg.signals.baseline_days
    end = period.end + timedelta(days=1)
    recent_start = end - timedelta(days=recent)
    base_start = recent_start - timedelta(days=baseline)
    start = clock()
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
    keep = s["account_id"].notna() & s["topic"].notna() & (t >= ts(base_start)) & (t < ts(end))
    w = s[keep]
    del s
    in_recent = (w["signal_time"] >= ts(recent_start)).to_numpy()
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
    write(agg.sort_values(["account_id", "topic"]), Path(p["out"]) / "topic_activity")
    spent = since(start)
    return {"rows": rows_in, **spent, "output_rows": len(agg)}
