"""Movement: how each score moved since the previous snapshot, and who entered or left Act Now.

>>> moved = movement(placed, previous, cfg)    # doctest: +SKIP

Adds to every row of ``placed_scores`` (keyed by ``account_id``, ``product``):

* ``previous_fit``, ``previous_intent`` (double), ``previous_cell``, ``previous_cluster``: the
  row of the previous snapshot (null when the pair was not scored then);
* ``fit_change``, ``intent_change``: current minus previous, to two decimals (null without a
  previous row);
* ``entered_act_now``: in the first cluster of ``cluster_order`` (Act Now) now and not before,
  a pair new since the previous snapshot included; ``left_act_now``: in it before, not now.

Without a previous snapshot (the first run) the previous columns are null and both flags false:
nothing entered or left when there is nothing to compare with. Pairs of the previous snapshot
that are no longer scored are not reported (there is no current row to carry them).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fitintent.config import Config
from fitintent.engine import DataFrame, Engine, F
from fitintent.publish import Snapshot, list_snapshots
from fitintent.score._matrix import place

MOVEMENT_COLUMNS = (
    "previous_fit",
    "previous_intent",
    "previous_cell",
    "previous_cluster",
    "fit_change",
    "intent_change",
    "entered_act_now",
    "left_act_now",
)


def _two_decimals(col: Any) -> Any:
    # round(x, 2) differs between engines on halves; rounding x * 100 to an integer agrees
    return (F.round(col * F.lit(100.0), 0) / F.lit(100.0)).cast("double")


def movement(
    placed_scores: DataFrame, previous_scores: DataFrame | None, cfg: Config | None = None
) -> DataFrame:
    """``placed_scores`` with the movement columns (see the module docstring). A previous table
    without ``cluster`` is placed on the matrix of ``cfg`` first."""
    config = cfg or Config()
    act_now = config.matrix.cluster_order[0]
    columns = list(placed_scores.columns)
    if previous_scores is None:
        return placed_scores.select(
            *columns,
            F.lit(None).cast("double").alias("previous_fit"),
            F.lit(None).cast("double").alias("previous_intent"),
            F.lit(None).cast("string").alias("previous_cell"),
            F.lit(None).cast("string").alias("previous_cluster"),
            F.lit(None).cast("double").alias("fit_change"),
            F.lit(None).cast("double").alias("intent_change"),
            F.lit(False).alias("entered_act_now"),
            F.lit(False).alias("left_act_now"),
        )
    before = previous_scores
    if "cluster" not in before.columns or "cell" not in before.columns:
        before = place(before.select("account_id", "product", "fit", "intent"), config)
    right = before.select(
        F.col("account_id").alias("_pv_account_id"),
        F.col("product").alias("_pv_product"),
        F.col("fit").cast("double").alias("previous_fit"),
        F.col("intent").cast("double").alias("previous_intent"),
        F.col("cell").alias("previous_cell"),
        F.col("cluster").alias("previous_cluster"),
    )
    joined = placed_scores.join(
        right,
        on=(F.col("account_id") == F.col("_pv_account_id"))
        & (F.col("product") == F.col("_pv_product")),
        how="left",
    )

    def in_act_now(column: str) -> Any:
        return F.coalesce(F.col(column) == F.lit(act_now), F.lit(False))

    return joined.select(
        *columns,
        "previous_fit",
        "previous_intent",
        "previous_cell",
        "previous_cluster",
        _two_decimals(F.col("fit").cast("double") - F.col("previous_fit")).alias("fit_change"),
        _two_decimals(F.col("intent").cast("double") - F.col("previous_intent")).alias(
            "intent_change"
        ),
        (in_act_now("cluster") & ~in_act_now("previous_cluster")).alias("entered_act_now"),
        (in_act_now("previous_cluster") & ~in_act_now("cluster")).alias("left_act_now"),
    )


def previous_snapshot(root: Path, period: str) -> Snapshot | None:
    """The latest published snapshot of a period before ``period`` (None on the first run)."""
    earlier = [s for s in list_snapshots(root) if s.period < period]
    return earlier[-1] if earlier else None


def previous_scores(
    eng: Engine, root: Path, period: str, table: str = "scores"
) -> DataFrame | None:
    """The ``table`` of the previous snapshot as a DataFrame, or None when there is no earlier
    snapshot or it has no such table."""
    snap = previous_snapshot(root, period)
    if snap is None or not snap.table(table).is_dir():
        return None
    return eng.read_table(snap.table(table))
