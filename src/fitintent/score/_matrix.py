"""Bands, the fit x intent matrix cell and the cluster, from configuration (SPEC section 3).

>>> place(scores, cfg)   # doctest: +SKIP
account_id, product, fit, intent, ... fit_band, intent_band, cell, cluster, cluster_order

A score falls in the first band (highest first) whose minimum it reaches; with the defaults
75 is High, 74.9 Medium, 55 Medium, 30 Low, 29.9 Very low. Within a cell accounts are worked by
intent, then fit (:func:`work_order`).
"""

from __future__ import annotations

from typing import Any

from fitintent.config import Config
from fitintent.engine import DataFrame, F


def band(score: Any, cfg: Config) -> Any:
    """The band name of a 0-100 score column."""
    bands = cfg.matrix.bands
    out = F.when(score >= F.lit(float(bands[0].min)), F.lit(bands[0].name))
    for b in bands[1:]:
        out = out.when(score >= F.lit(float(b.min)), F.lit(b.name))
    return out


def _lookup(pairs: list[tuple[Any, str]]) -> Any:
    out = F.when(pairs[0][0], F.lit(pairs[0][1]))
    for cond, value in pairs[1:]:
        out = out.when(cond, F.lit(value))
    return out


def place(scores: DataFrame, cfg: Config) -> DataFrame:
    """Add ``fit_band``, ``intent_band``, ``cell``, ``cluster`` and ``cluster_order`` (1 = work
    first) to rows that carry ``fit`` and ``intent``."""
    m = cfg.matrix
    banded = scores.select(
        "*",
        band(F.col("fit"), cfg).alias("fit_band"),
        band(F.col("intent"), cfg).alias("intent_band"),
    )
    cell = _lookup(
        [
            ((F.col("fit_band") == F.lit(fb)) & (F.col("intent_band") == F.lit(ib)), code)
            for fb, row in m.cells.items()
            for ib, code in row.items()
        ]
    )
    with_cell = banded.select("*", cell.alias("cell"))
    cluster = _lookup([(F.col("cell") == F.lit(c), name) for c, name in m.clusters.items()])
    order = _lookup(
        [(F.col("cluster") == F.lit(name), str(i + 1)) for i, name in enumerate(m.cluster_order)]
    )
    with_cluster = with_cell.select("*", cluster.alias("cluster"))
    return with_cluster.select("*", order.cast("long").alias("cluster_order"))


def work_order(placed: DataFrame) -> DataFrame:
    """Rows in the order to work them: cluster, then cell, then intent and fit, highest first."""
    return placed.orderBy(
        F.col("cluster_order").asc(),
        F.col("cell").asc(),
        F.col("intent").desc(),
        F.col("fit").desc(),
        F.col("account_id").asc(),
    )
