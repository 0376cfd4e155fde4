"""Helpers shared by the pandas baseline's tasks."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd


def round_half_up(x: Any) -> Any:
    """Half away from zero for non-negative values (what DuckDB's and Spark's round do)."""
    return np.floor(x + 0.5)


def ts(d: date) -> pd.Timestamp:
    return pd.Timestamp(d)


def write(df: pd.DataFrame, folder: Path) -> Path:
    """``df`` as ``folder/part-00000.parquet`` (ZSTD), like the engine's table folders."""
    folder.mkdir(parents=True, exist_ok=True)
    df.to_parquet(folder / "part-00000.parquet", index=False, compression="zstd")
    return folder
