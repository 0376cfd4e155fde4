"""Score: bands, matrix cell, cluster and the order to work accounts in; movement since the previous
snapshot; the partner's target list and its safe CSV."""

from fitintent.score._matrix import band, place, work_order
from fitintent.score._movement import (
    MOVEMENT_COLUMNS,
    movement,
    previous_scores,
    previous_snapshot,
)
from fitintent.score._targets import FORMULA_STARTS, neutralise, targets, write_targets_csv

__all__ = [
    "FORMULA_STARTS",
    "MOVEMENT_COLUMNS",
    "band",
    "movement",
    "neutralise",
    "place",
    "previous_scores",
    "previous_snapshot",
    "targets",
    "work_order",
    "write_targets_csv",
]
