"""Firmographic and segmentation features: what an account is, from the segmented accounts.

The accounts source is a snapshot (quarterly, no history), so the same firmographics serve every
past month; the spend-based segmentation columns are recomputed as of each month by the caller
(:func:`fitintent.features.segment_as_of`).
"""

from __future__ import annotations

import re
from typing import Any

from fitintent.config import Config
from fitintent.engine import F
from fitintent.features._common import Catalog, Feature, Role, words

CATEGORICAL = ("industry", "vertical", "area", "country", "smb_type", "smb_type_summary")
SEGMENT_FLAGS = ("top_unmanaged_user", "top_unmanaged_compute")
SEGMENT_NUMBERS = ("compute_spend_12m", "compute_potential_3y")
COMPUTE_DERIVED = ("compute_spend_12m", "compute_potential_3y", "top_unmanaged_compute")


def firmographic_columns(columns: list[str], cfg: Config) -> list[Any]:
    """Select expressions over the segmented accounts: ids, numbers as double, flags as 0/1 and
    categories as strings (absent optional columns become nulls)."""
    have = set(columns)

    def col(name: str, kind: str) -> Any:
        if name not in have:
            return F.lit(None).cast("double" if kind != "string" else "string").alias(name)
        c = F.col(name)
        if kind == "flag":
            return (
                F.when(c.isNull(), F.lit(None))
                .when(c, F.lit(1))
                .otherwise(F.lit(0))
                .cast("long")
                .alias(name)
            )
        return c.cast(kind).alias(name)

    out: list[Any] = [F.col("account_id"), col("employees", "double"), col("is_non_profit", "flag")]
    out += [col(c, "string") for c in CATEGORICAL]
    out += [col(c, "flag") for c in SEGMENT_FLAGS]
    out += [col(c, "double") for c in SEGMENT_NUMBERS]
    for extra in cfg.extra_firmographics:
        name = f"x_{extra.name}"
        if extra.name not in have:
            out.append(F.lit(None).cast("double").alias(name))
        elif extra.type in ("long", "double"):
            out.append(F.col(extra.name).cast("double").alias(name))
        elif extra.type == "boolean":
            out.append(
                F.when(F.col(extra.name), F.lit(1)).otherwise(F.lit(0)).cast("long").alias(name)
            )
        elif extra.type in ("date", "timestamp"):
            out.append(F.year(F.col(extra.name)).cast("double").alias(name))
        else:
            out.append(F.col(extra.name).cast("string").alias(name))
    return out


def _label(description: str, name: str) -> str:
    """A short description (``"Annual IT budget (USD)"`` -> ``"annual IT budget"``), else the
    column name in words."""
    short = re.sub(r"\s*\(.*?\)", "", description).strip()
    if not short or len(short.split()) > 4:
        return words(name)
    return short[0].lower() + short[1:] if short[:2] != short[:2].upper() else short


def firmographic_catalog(catalog: Catalog, cfg: Config) -> None:
    catalog.add(
        Feature("employees", "firmographic", "numeric", "{v:,.0f} employees"),
        Feature("is_non_profit", "firmographic", "flag", "non-profit", off="for-profit"),
    )
    labels = {"smb_type": "size type", "smb_type_summary": "SMB type"}
    for c in CATEGORICAL:
        role: Role = "segment" if c.startswith("smb_") else "firmographic"
        catalog.add(Feature(c, role, "categorical", f"{labels.get(c, words(c))} {{v}}"))
    catalog.add(
        Feature("top_unmanaged_user", "segment", "flag", "top unmanaged (user based)"),
        Feature("top_unmanaged_compute", "segment", "flag", "top unmanaged (compute based)"),
        Feature(
            "compute_spend_12m", "segment", "numeric", "spends {v:,.0f} a year on cloud compute"
        ),
        Feature(
            "compute_potential_3y",
            "segment",
            "numeric",
            "cloud compute potential of {v:,.0f} over 3 years",
        ),
    )
    for extra in cfg.extra_firmographics:
        label = _label(extra.description, extra.name)
        name = f"x_{extra.name}"
        if extra.type in ("long", "double"):
            fmt = "{v:,.0f}"
            if "year" in extra.name:
                fmt = "{v:.0f}"
            elif extra.type == "double" and (extra.min is None or extra.min < 0):
                fmt = "{v:,.3g}"  # a rate or a change, not an amount
            catalog.add(Feature(name, "firmographic", "numeric", f"{label} {fmt}"))
        elif extra.type == "boolean":
            catalog.add(Feature(name, "firmographic", "flag", label, off=f"not {label.lower()}"))
        elif extra.type in ("date", "timestamp"):
            catalog.add(Feature(name, "firmographic", "numeric", f"{words(extra.name)} {{v:.0f}}"))
        else:
            catalog.add(Feature(name, "firmographic", "categorical", f"{words(extra.name)} {{v}}"))
