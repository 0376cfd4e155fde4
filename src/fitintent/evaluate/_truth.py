"""The demo world's hidden truth, read only here (and by tests): a user's world has none.

``<world>/truth/propensity.parquet`` holds ``account_id, product, month, true_propensity``, the
probability, given everything the generator knew at the end of ``month``, that an opportunity
for the product is created in the three months after it.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from fitintent.period import Period


def truth_path(world: Path | str) -> Path:
    return Path(world) / "truth" / "propensity.parquet"


def read_truth(path: Path | str | None, periods: list[Period]) -> pd.DataFrame | None:
    """``account_id, product, period, true_propensity`` of ``periods``; None without a truth."""
    if path is None:
        return None
    p = Path(path)
    if p.is_dir():
        p = p / "propensity.parquet"
    if not p.exists():
        return None
    starts = [x.start for x in periods]
    table = pq.read_table(p, filters=[("month", "in", starts)])
    df = table.to_pandas()
    df["period"] = pd.to_datetime(df["month"]).dt.strftime("%Y-%m")
    df["product"] = df["product"].astype(str)
    return df[["account_id", "product", "period", "true_propensity"]]
