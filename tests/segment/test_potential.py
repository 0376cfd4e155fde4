"""The compute-potential model: recovers a known log-linear law; falls back when data is thin."""

from __future__ import annotations

import json
import math
from datetime import date
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from fitintent.config import Config
from fitintent.engine import Engine, F
from fitintent.period import Period
from fitintent.segment import PotentialModel, fit_potential

A0, B0 = 2.0, 0.9  # the true law: ln(spend) = A0 + B0 ln(employees + 1) + D[industry]
# Offsets sum to 0 with equal group sizes, so the weighted mean intercept is A0 itself.
D = {"Retail": 0.4, "Health": -0.4, "Finance": 0.2, "Energy": -0.2}
# Each industry has its own size range: a pooled (not within-industry) slope would be biased.
SIZES = {"Retail": (1, 50), "Health": (20, 400), "Finance": (100, 2000), "Energy": (5, 5000)}
PER_GROUP = 400


def _synthetic(eng: Engine, noise: float, seed: int = 7) -> tuple[Any, Any]:
    rng = np.random.default_rng(seed)
    ids: list[str] = []
    employees: list[int] = []
    industries: list[str | None] = []
    spend: list[float] = []
    for industry, (lo, hi) in SIZES.items():
        emp = rng.integers(lo, hi + 1, PER_GROUP)
        log_spend = A0 + B0 * np.log(emp + 1.0) + D[industry] + rng.normal(0, noise, PER_GROUP)
        ids += [f"{industry}-{i}" for i in range(PER_GROUP)]
        employees += emp.tolist()
        industries += [industry] * PER_GROUP
        spend += np.exp(log_spend).tolist()
    # Prospects (no spend) and a zero-spend row must not enter the fit.
    ids += ["P-1", "P-2", "Z-1"]
    employees += [10_000, 3, 50]
    industries += ["Retail", None, "Energy"]
    accounts = pa.table(
        {"account_id": ids, "employees": pa.array(employees, pa.int64()), "industry": industries}
    )
    spend_table = pa.table(
        {
            "account_id": [*ids[: len(spend)], "Z-1"],
            "compute_spend_12m": [*spend, 0.0],
            "compute_spend_prev_12m": [0.0] * (len(spend) + 1),
        }
    )
    return eng.from_arrow(accounts, "accounts"), eng.from_arrow(spend_table, "spend")


def test_recovers_an_exact_law(engine: Engine) -> None:
    accounts, spend = _synthetic(engine, noise=0.0)
    model = fit_potential(accounts, spend, Config(), shrinkage=10.0)
    assert model.method == "log_linear_ols" and not model.is_fallback
    assert model.training_rows == 4 * PER_GROUP and model.industries == 4
    assert model.slope == pytest.approx(B0, abs=1e-9)
    assert model.intercept == pytest.approx(A0, abs=1e-9)
    shrink = PER_GROUP / (PER_GROUP + 10.0)
    for industry, d in D.items():
        assert model.industry_offsets[industry] == pytest.approx(d * shrink, abs=1e-9)
    # Only the shrinkage leaves residuals: d * 10 / 410 in each group.
    rmse = math.sqrt(sum(d * d for d in D.values()) / 4) * 10.0 / (PER_GROUP + 10.0)
    assert model.rmse_log == pytest.approx(rmse, rel=1e-6)
    assert model.r2 is not None and 0.999 < model.r2 < 1.0


def test_recovers_a_noisy_law(engine: Engine) -> None:
    accounts, spend = _synthetic(engine, noise=0.5, seed=11)
    model = fit_potential(accounts, spend, Config())
    assert model.slope == pytest.approx(B0, abs=0.03)
    assert model.intercept == pytest.approx(A0, abs=0.15)
    for industry, d in D.items():
        assert model.industry_offsets[industry] == pytest.approx(d, abs=0.1)
    assert model.rmse_log == pytest.approx(0.5, abs=0.03)
    assert model.r2 is not None and 0.6 < model.r2 < 0.95


def test_prediction_expression_matches_the_formula(engine: Engine) -> None:
    model = PotentialModel(
        method="log_linear_ols", intercept=1.5, slope=0.8, industry_offsets={"Retail": 0.3}
    )
    df = engine.from_arrow(
        pa.table(
            {
                "employees": pa.array([0, 99, 99, 99], pa.int64()),
                "industry": [None, "Retail", "Unseen", None],
            }
        )
    )
    out = (
        engine.to_arrow(
            df.select(model.annual_spend(F.col("employees"), F.col("industry")).alias("a"))
        )
        .column("a")
        .to_pylist()
    )
    expected = [
        math.exp(1.5),  # ln(0 + 1) = 0, no industry
        math.exp(1.5 + 0.8 * math.log(100) + 0.3),
        math.exp(1.5 + 0.8 * math.log(100)),  # an industry the model has not seen: offset 0
        math.exp(1.5 + 0.8 * math.log(100)),
    ]
    assert out == pytest.approx(expected, rel=1e-12)


def test_falls_back_with_few_customers(engine: Engine) -> None:
    accounts = engine.from_arrow(
        pa.table(
            {
                "account_id": ["a", "b", "c"],
                "employees": pa.array([9, 99, 500], pa.int64()),
                "industry": ["Retail", "Retail", None],
            }
        )
    )
    spend = engine.from_arrow(
        pa.table(
            {
                "account_id": ["a", "b"],
                "compute_spend_12m": [500.0, 2500.0],
                "compute_spend_prev_12m": [0.0, 0.0],
            }
        )
    )
    model = fit_potential(accounts, spend, Config(), period=Period(2026, 6), min_customers=3)
    assert model.is_fallback and model.method == "fallback_rate"
    assert model.fallback_reason == "2 compute customers, fewer than the minimum of 3"
    # Pooled rate: (500 + 2500) / ((9 + 1) + (99 + 1)) = 3000 / 110 per employee and year.
    assert model.slope == 1.0
    assert math.exp(model.intercept) == pytest.approx(3000 / 110, rel=1e-12)
    assert model.industry_offsets == {}
    card = model.card()
    assert card["fallback"] is True and "fewer than the minimum of 3" in card["description"]
    assert card["window_start"] == "2025-07-01" and card["window_end"] == "2026-06-30"


def test_falls_back_to_the_default_rate_without_customers(duck: Engine) -> None:
    accounts = duck.from_arrow(
        pa.table(
            {"account_id": ["a"], "employees": pa.array([10], pa.int64()), "industry": ["Retail"]}
        )
    )
    spend = duck.from_arrow(
        pa.table(
            {
                "account_id": pa.array([], pa.string()),
                "compute_spend_12m": pa.array([], pa.float64()),
                "compute_spend_prev_12m": pa.array([], pa.float64()),
            }
        )
    )
    model = fit_potential(accounts, spend, Config(), fallback_spend_per_employee=40.0)
    assert model.is_fallback and model.training_rows == 0
    assert model.fallback_reason == "0 compute customers, fewer than the minimum of 30"
    assert math.exp(model.intercept) == pytest.approx(40.0)
    assert model.r2 is None and model.rmse_log is None


def test_falls_back_when_sizes_do_not_vary(duck: Engine) -> None:
    n = 40
    accounts = duck.from_arrow(
        pa.table(
            {
                "account_id": [f"a{i}" for i in range(n)],
                "employees": pa.array([50] * n, pa.int64()),
                "industry": ["Retail"] * n,
            }
        )
    )
    spend = duck.from_arrow(
        pa.table(
            {
                "account_id": [f"a{i}" for i in range(n)],
                "compute_spend_12m": [100.0 + i for i in range(n)],
                "compute_spend_prev_12m": [0.0] * n,
            }
        )
    )
    model = fit_potential(accounts, spend, Config())
    assert model.is_fallback
    assert model.fallback_reason is not None
    assert model.fallback_reason.endswith("sizes do not vary within their industries")


def test_card_is_json_and_round_trips(duck: Engine) -> None:
    accounts, spend = _synthetic(duck, noise=0.2)
    model = fit_potential(accounts, spend, Config(), period=Period(2026, 6))
    card = json.loads(json.dumps(model.card()))
    assert card["method"] == "log_linear_ols" and card["fallback"] is False
    assert card["training_rows"] == 4 * PER_GROUP and card["window_months"] == 12
    assert set(card["industry_offsets"]) == set(D)
    again = PotentialModel.from_card(card)
    assert again == model
    assert again.window_start == date(2025, 7, 1)
