"""Segmentation: compute spend, the compute-potential model, SMB types and SMCTypeSummary.

>>> spend = compute_spend(transactions, cfg, period)                   # doctest: +SKIP
>>> model = fit_potential(accounts, spend, cfg, period=period)         # doctest: +SKIP
>>> segmented = segment(accounts, spend, model, cfg)                   # doctest: +SKIP
>>> segment_card(model, cfg)["precedence"]                             # doctest: +SKIP
['top_unmanaged_user', 'top_unmanaged_compute', 'medium', 'small']
"""

from fitintent.segment._potential import PotentialModel, fit_potential
from fitintent.segment._spend import compute_spend, spend_windows
from fitintent.segment._types import (
    SEGMENT_COLUMNS,
    SEGMENT_LABEL,
    SMB_TYPE_LABELS,
    SUB_SEGMENT_LABELS,
    segment,
    segment_card,
    smb_types,
)

__all__ = [
    "SEGMENT_COLUMNS",
    "SEGMENT_LABEL",
    "SMB_TYPE_LABELS",
    "SUB_SEGMENT_LABELS",
    "PotentialModel",
    "compute_spend",
    "fit_potential",
    "segment",
    "segment_card",
    "smb_types",
    "spend_windows",
]
