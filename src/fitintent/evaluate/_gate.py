"""The publishing gate: a candidate model that validates worse than the model in use is kept out.

Both models are validated on the same rows (the newest fully observed month, against the
opportunities that followed it); the measure is the AUC. The candidate is refused when its AUC is
below the current model's by more than ``gate.tolerance``. With no model in use, or too little to
compare on (fewer than ``gate.min_positives`` outcomes in the validation rows: the AUC of a
handful of positives swings by more than any tolerance), the candidate is published and the
decision says why.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fitintent.config import Config


@dataclass(frozen=True)
class GateDecision:
    publish: bool
    reason: str
    candidate_auc: float | None
    current_auc: float | None
    tolerance: float

    def as_dict(self, current_version: str | None = None) -> dict[str, Any]:
        return {
            "publish": self.publish,
            "reason": self.reason,
            "candidate_auc": self.candidate_auc,
            "current_auc": self.current_auc,
            "tolerance": self.tolerance,
            "current_version": current_version,
        }


def gate(
    candidate_metrics: Mapping[str, Any],
    current_metrics: Mapping[str, Any] | None,
    cfg: Config,
) -> GateDecision:
    """Decide whether a candidate replaces the model in use (metrics carry ``auc``)."""
    tol = cfg.gate.tolerance
    cand = candidate_metrics.get("auc")
    if current_metrics is None:
        return GateDecision(True, "no model in use: published", cand, None, tol)
    cur = current_metrics.get("auc")
    if cand is None or cur is None:
        return GateDecision(
            True, "no outcomes to compare on: published (not validated)", cand, cur, tol
        )
    positives = candidate_metrics.get("positives")
    if positives is not None and positives < cfg.gate.min_positives:
        return GateDecision(
            True,
            f"only {positives} outcomes to compare on (fewer than {cfg.gate.min_positives}): "
            "published (not validated)",
            cand,
            cur,
            tol,
        )
    if cand < cur - tol:
        return GateDecision(
            False,
            f"refused: validation AUC {cand:.3f} is below the model in use ({cur:.3f}) by more "
            f"than {tol:.3f}; the model in use is kept",
            cand,
            cur,
            tol,
        )
    return GateDecision(
        True, f"published: validation AUC {cand:.3f} against {cur:.3f} in use", cand, cur, tol
    )
