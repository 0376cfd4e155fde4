"""The sections of the configuration that shape the models: fit, intent and the gate."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from fitintent.config._core import _Model


def _months(v: list[int]) -> list[int]:
    if not v or any(not 1 <= m <= 12 for m in v):
        raise ValueError("retrain_months must list months 1 to 12")
    return sorted(set(v))


Months = Annotated[list[int], AfterValidator(_months)]  # months of the year, 1 to 12


class Scale(_Model):
    """How a model output becomes 0-100: its percentile within the product among scored accounts
    (default: the bands then split the population evenly over time) or a calibrated probability
    x 100."""

    kind: Literal["percentile", "probability"] = "percentile"


class FitSettings(_Model):
    """The lookalike (positive-unlabelled) fit model per product."""

    best_min_tenure_months: int = Field(default=6, ge=0)  # owned at least this long
    best_spend_quantile: float = Field(default=0.5, ge=0, le=1)  # and spend at least this quantile
    retrain_months: Months = Field(default_factory=lambda: [1, 4, 7, 10])  # quarter starts
    scale: Scale = Field(default_factory=Scale)
    opportunity_months: int = Field(default=12, ge=0)  # a recent opportunity makes a positive too
    holding_months: int = Field(default=12, ge=1)  # billing in this window counts as owning
    folds: int = Field(default=4, ge=2)  # cross-fitting: no account is scored by a model it trained
    min_positives: int = Field(default=10, ge=1)  # fewer best customers: no model, fit is null
    max_training_rows: int = Field(default=250_000, ge=1_000)  # unlabelled rows are sampled
    # rows at or above this fit are explained from model contributions; the rest get plain reasons
    explain_min_fit: float = Field(default=0.0, ge=0, le=100)
    reasons: int = Field(default=3, ge=1)  # factors named per score
    # LightGBM: small trees keep exact contributions cheap; early stopping picks the tree count
    num_leaves: int = Field(default=15, ge=2)
    learning_rate: float = Field(default=0.1, gt=0, le=1)
    max_trees: int = Field(default=300, ge=1)
    min_child_samples: int = Field(default=20, ge=1)
    seed: int = 7


class IntentSettings(_Model):
    """Topic surge and the learned intent model per product."""

    horizon_days: int = Field(default=90, ge=1)  # predicts an opportunity within this horizon
    min_volume: int = Field(default=3, ge=0)  # fewer recent signals than this is not a surge
    surge_threshold: float = Field(default=60.0, ge=0, le=100)  # 50 normal, 60+ surging
    training_months: int = Field(default=12, ge=1)  # history used to train, strictly before
    scale: Scale = Field(default_factory=Scale)
    # the scores are refreshed every month from that month's signals; the model behind them is
    # retrained each quarter, as the fit model is (list every month to retrain monthly)
    retrain_months: Months = Field(default_factory=lambda: [1, 4, 7, 10])
    validation_months: int = Field(default=2, ge=1)  # newest labelled months held out
    surge_prior_days: float = Field(default=90.0, ge=0)  # weight of the peers' baseline, in days
    surge_steepness: float = Field(default=1.5, gt=0)  # surge = 100 r^s / (1 + r^s)
    strong_signal: float = Field(default=0.5, ge=0, le=1)  # a signal this strong counts as strong
    evidence_days: int = Field(default=90, ge=1)  # evidence signals come from this window
    evidence_count: int = Field(default=3, ge=1)
    negative_rate: float = Field(default=0.25, gt=0, le=1)  # share of no-opportunity rows kept
    max_training_rows: int = Field(default=500_000, ge=1_000)  # negatives sampled below this
    num_leaves: int = Field(default=7, ge=2)
    learning_rate: float = Field(default=0.1, gt=0, le=1)
    max_trees: int = Field(default=300, ge=1)
    min_child_samples: int = Field(default=50, ge=1)
    seed: int = 7

    @model_validator(mode="after")
    def _enough_history(self) -> IntentSettings:
        if self.validation_months >= self.training_months:
            raise ValueError("validation_months must be fewer than training_months")
        return self


class GateSettings(_Model):
    """A candidate model that validates worse than the one in use by more than ``tolerance``
    (AUC points against the opportunities that followed) is not published."""

    tolerance: float = Field(default=0.02, ge=0, le=1)
    min_positives: int = Field(default=30, ge=0)  # fewer outcomes cannot tell two models apart
    backtest_periods: int = Field(default=6, ge=1)
    calibration_bins: int = Field(default=10, ge=2)
    # with no earlier snapshot to evaluate yet, re-score past months as they were (the backtest)
    backtest: bool = False
    truth: Path | None = None  # a demo world's hidden truth: read by evaluation alone
