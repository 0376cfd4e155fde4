"""The compute-potential model: what an account would spend a year on cloud compute.

Learned from the existing compute customers (accounts with compute spend in the current window)
as a log-linear law of organisation size with an offset per industry::

    ln(annual compute spend) = intercept + slope * ln(employees + 1) + offset[industry]

* The slope is the pooled *within-industry* least-squares slope,
  ``sum_g n_g cov_g(x, y) / sum_g n_g var_g(x)``, so industries that differ both in size mix and
  in spend level do not bias it.
* Each industry's raw intercept ``c_g = mean_g(y) - slope * mean_g(x)`` is centred on the
  customer-weighted mean (the global ``intercept``) and shrunk toward 0 by its customer count:
  ``offset_g = (c_g - intercept) * n_g / (n_g + shrinkage)``. Industries never seen, or not
  given (key ``""``), get offset 0 unless ``""`` was learned.
* Everything is computed by the engine as per-industry sufficient statistics (count, avg,
  var_pop, covar_pop); only those few numbers per industry reach the driver. R^2 and RMSE on the
  log scale are derived exactly from the same statistics.
* The prediction is the geometric-mean (median) spend of comparable customers, a deliberately
  conservative estimate (no log-normal mean correction).

With fewer than ``min_customers`` compute customers, or when their sizes do not vary, a documented
rule replaces the fit: spend proportional to ``employees + 1`` at the pooled rate
``sum(spend) / sum(employees + 1)`` of the customers there are, or at
``fallback_spend_per_employee`` when there are none. The card says which path was taken and why.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from fitintent.config import Config
from fitintent.engine import DataFrame, F, active
from fitintent.period import Period
from fitintent.segment._spend import spend_windows

METHOD_FIT = "log_linear_ols"
METHOD_FALLBACK = "fallback_rate"
FORMULA = "annual = exp(intercept + slope * ln(employees + 1) + industry_offset[industry])"
EXISTING_RULE = (
    "existing compute customers: max(model annual x years, own run-rate grown at their observed "
    "yearly growth min(spend_12m / spend_prev_12m, growth_cap), compounded over the years); "
    "growth is 1 when there was no spend in the previous window"
)

PROSPECT_RULE = (
    "prospects: model annual x years x the share of accounts of their size type that are compute "
    "customers (an expected spend, not the spend if they bought)"
)


def size_type(cfg: Config) -> Any:
    """The size type of an account from ``employees`` (thresholds from ``cfg.segments``)."""
    s = cfg.segments
    emp = F.col("employees")
    size = F.when(emp >= F.lit(s.top_user_min_employees), F.lit("top_unmanaged_user")).when(
        emp >= F.lit(s.medium_min_employees), F.lit("medium")
    )
    if s.very_small_max_employees is not None:
        size = size.when(emp <= F.lit(s.very_small_max_employees), F.lit("very_small"))
    return size.otherwise(F.lit("small"))


def _adoption(accounts: DataFrame, spend: DataFrame, cfg: Config) -> dict[str, float]:
    """Share of accounts per size type with compute spend in the window (a few numbers)."""
    buyers = spend.where(F.col("compute_spend_12m") > F.lit(0.0)).select(
        F.col("account_id").alias("_buyer")
    )
    rows = (
        accounts.select("account_id", size_type(cfg).alias("_size"))
        .join(buyers, on=F.col("account_id") == F.col("_buyer"), how="left")
        .groupBy("_size")
        .agg(F.count(F.lit(1)).alias("n"), F.count(F.col("_buyer")).alias("buyers"))
    )
    out = {}
    for r in active().to_arrow(rows).to_pylist():
        if r["n"]:
            out[str(r["_size"])] = float(r["buyers"]) / float(r["n"])
    return out


@dataclass(frozen=True)
class PotentialModel:
    """A fitted compute-potential model; ``card()`` is what a snapshot records about it."""

    method: str
    intercept: float
    slope: float
    industry_offsets: Mapping[str, float] = field(default_factory=dict)
    training_rows: int = 0
    industries: int = 0
    r2: float | None = None
    rmse_log: float | None = None
    window_months: int = 12
    window_start: date | None = None
    window_end: date | None = None
    min_customers: int = 30
    shrinkage: float = 10.0
    growth_cap: float = 2.0
    fallback_spend_per_employee: float = 50.0
    fallback_reason: str | None = None
    adoption: Mapping[str, float] = field(default_factory=dict)  # size type -> customer share

    @property
    def is_fallback(self) -> bool:
        return self.method == METHOD_FALLBACK

    def log_annual_spend(self, employees: Any, industry: Any) -> Any:
        """The model's ln(annual compute spend) as a column expression."""
        size = F.log(employees.cast("double") + F.lit(1.0))
        key = F.coalesce(industry, F.lit(""))
        offset: Any = F.lit(0.0)
        items = sorted(self.industry_offsets.items())
        if items:
            offset = F.when(key == F.lit(items[0][0]), F.lit(items[0][1]))
            for name, value in items[1:]:
                offset = offset.when(key == F.lit(name), F.lit(value))
            offset = offset.otherwise(F.lit(0.0))
        return F.lit(self.intercept) + F.lit(self.slope) * size + offset

    def annual_spend(self, employees: Any, industry: Any) -> Any:
        """The model's predicted annual compute spend (USD) as a column expression."""
        return F.exp(self.log_annual_spend(employees, industry))

    def adoption_share(self, size_type: Any) -> Any:
        """The share of accounts of this size type that buy compute, as a column expression
        (1 where nothing was learned, so the potential is then the plain spend law)."""
        items = sorted(self.adoption.items())
        if not items:
            return F.lit(1.0)
        share = F.when(size_type == F.lit(items[0][0]), F.lit(items[0][1]))
        for name, value in items[1:]:
            share = share.when(size_type == F.lit(name), F.lit(value))
        return share.otherwise(F.lit(1.0))

    def card(self) -> dict[str, Any]:
        """A JSON-able description: coefficients, training size and fit, window, method."""
        if self.is_fallback:
            description = (
                "fallback rule: spend proportional to employees + 1 at a pooled rate per employee"
                f" ({self.fallback_reason})"
            )
        else:
            description = (
                "log-linear least squares of ln(annual compute spend) on ln(employees + 1), "
                "within-industry slope, industry offsets shrunk toward 0 by n / (n + shrinkage), "
                "learned from existing compute customers; predicts the median spend"
            )
        return {
            "name": "compute_potential",
            "method": self.method,
            "description": description,
            "formula": FORMULA,
            "existing_customers": EXISTING_RULE,
            "intercept": self.intercept,
            "slope": self.slope,
            "industry_offsets": dict(sorted(self.industry_offsets.items())),
            "training_rows": self.training_rows,
            "industries": self.industries,
            "r2": self.r2,
            "rmse_log": self.rmse_log,
            "window_months": self.window_months,
            "window_start": self.window_start.isoformat() if self.window_start else None,
            "window_end": self.window_end.isoformat() if self.window_end else None,
            "min_customers": self.min_customers,
            "shrinkage": self.shrinkage,
            "growth_cap": self.growth_cap,
            "fallback_spend_per_employee": self.fallback_spend_per_employee,
            "fallback": self.is_fallback,
            "fallback_reason": self.fallback_reason,
            "adoption": dict(sorted(self.adoption.items())),
            "prospects": PROSPECT_RULE,
        }

    @classmethod
    def from_card(cls, card: Mapping[str, Any]) -> PotentialModel:
        """Rebuild a model from its card (e.g. to re-score with a published model)."""

        def day(v: str | None) -> date | None:
            return date.fromisoformat(v) if v else None

        return cls(
            method=card["method"],
            intercept=float(card["intercept"]),
            slope=float(card["slope"]),
            industry_offsets={str(k): float(v) for k, v in card["industry_offsets"].items()},
            training_rows=int(card["training_rows"]),
            industries=int(card["industries"]),
            r2=card["r2"],
            rmse_log=card["rmse_log"],
            window_months=int(card["window_months"]),
            window_start=day(card["window_start"]),
            window_end=day(card["window_end"]),
            min_customers=int(card["min_customers"]),
            shrinkage=float(card["shrinkage"]),
            growth_cap=float(card["growth_cap"]),
            fallback_spend_per_employee=float(card["fallback_spend_per_employee"]),
            fallback_reason=card["fallback_reason"],
            adoption={str(k): float(v) for k, v in card.get("adoption", {}).items()},
        )


@dataclass(frozen=True)
class _Group:
    n: int
    mx: float
    my: float
    vx: float
    vy: float
    cxy: float
    spend: float
    size: float


def _industry_stats(accounts: DataFrame, spend: DataFrame) -> dict[str, _Group]:
    customers = spend.where(F.col("compute_spend_12m") > F.lit(0.0)).select(
        "account_id", "compute_spend_12m"
    )
    rows = accounts.select("account_id", "employees", "industry").join(
        customers, on="account_id", how="inner"
    )
    size = F.col("employees").cast("double") + F.lit(1.0)
    x, y = F.log(size), F.log(F.col("compute_spend_12m"))
    stats = rows.groupBy(F.coalesce(F.col("industry"), F.lit("")).alias("industry_key")).agg(
        F.count(F.lit(1)).alias("n"),
        F.avg(x).cast("double").alias("mx"),
        F.avg(y).cast("double").alias("my"),
        F.var_pop(x).cast("double").alias("vx"),
        F.var_pop(y).cast("double").alias("vy"),
        F.covar_pop(x, y).cast("double").alias("cxy"),
        F.sum(F.col("compute_spend_12m")).cast("double").alias("spend"),
        F.sum(size).cast("double").alias("size"),
    )
    table = active().to_arrow(stats).to_pylist()
    return {
        r["industry_key"]: _Group(
            int(r["n"]), r["mx"], r["my"], r["vx"], r["vy"], r["cxy"], r["spend"], r["size"]
        )
        for r in table
    }


def _fit_quality(
    groups: dict[str, _Group], slope: float, intercepts: dict[str, float]
) -> tuple[float | None, float | None]:
    """R^2 and RMSE (log scale) of ``y = intercepts[g] + slope * x`` from group statistics.

    Within a group the residual splits into its deviation from the group mean (variance
    ``vy - 2 b cxy + b^2 vx``) and the group's mean residual; the cross term is zero.
    """
    n = sum(g.n for g in groups.values())
    if n == 0:
        return None, None
    sse = sum(
        g.n
        * (
            max(g.vy - 2 * slope * g.cxy + slope**2 * g.vx, 0.0)
            + (g.my - slope * g.mx - intercepts[k]) ** 2
        )
        for k, g in groups.items()
    )
    ybar = sum(g.n * g.my for g in groups.values()) / n
    sst = sum(g.n * (g.vy + (g.my - ybar) ** 2) for g in groups.values())
    r2 = 1.0 - sse / sst if sst > 0 else None
    return r2, math.sqrt(sse / n)


def fit_potential(
    accounts: DataFrame,
    spend: DataFrame,
    cfg: Config,
    *,
    period: Period | None = None,
    min_customers: int = 30,
    shrinkage: float = 10.0,
    growth_cap: float = 2.0,
    fallback_spend_per_employee: float = 50.0,
) -> PotentialModel:
    """Learn the annual compute-spend law from existing compute customers.

    ``accounts`` needs ``account_id``, ``employees``, ``industry``; ``spend`` is the output of
    :func:`compute_spend`. ``period`` is only recorded (the window dates in the card).
    """
    groups = _industry_stats(accounts, spend)
    n = sum(g.n for g in groups.values())
    sxx = sum(g.n * g.vx for g in groups.values())
    sxy = sum(g.n * g.cxy for g in groups.values())
    common: dict[str, Any] = {
        "adoption": _adoption(accounts, spend, cfg),
        "training_rows": n,
        "industries": len(groups),
        "window_months": cfg.segments.potential_window_months,
        "min_customers": min_customers,
        "shrinkage": shrinkage,
        "growth_cap": growth_cap,
        "fallback_spend_per_employee": fallback_spend_per_employee,
    }
    if period is not None:
        current, _ = spend_windows(cfg, period)
        common["window_start"], common["window_end"] = current

    reason = None
    if n < min_customers:
        reason = f"{n} compute customers, fewer than the minimum of {min_customers}"
    elif sxx <= 1e-12 * n:
        reason = "the compute customers' sizes do not vary within their industries"
    if reason is not None:
        total_spend = sum(g.spend for g in groups.values())
        total_size = sum(g.size for g in groups.values())
        rate = total_spend / total_size if n and total_spend > 0 else fallback_spend_per_employee
        intercept = math.log(rate)
        r2, rmse = _fit_quality(groups, 1.0, dict.fromkeys(groups, intercept))
        return PotentialModel(
            method=METHOD_FALLBACK,
            intercept=intercept,
            slope=1.0,
            r2=r2,
            rmse_log=rmse,
            fallback_reason=reason,
            **common,
        )

    slope = sxy / sxx
    raw = {k: g.my - slope * g.mx for k, g in groups.items()}
    intercept = sum(g.n * raw[k] for k, g in groups.items()) / n
    offsets = {k: (raw[k] - intercept) * g.n / (g.n + shrinkage) for k, g in groups.items()}
    r2, rmse = _fit_quality(groups, slope, {k: intercept + offsets[k] for k in groups})
    return PotentialModel(
        method=METHOD_FIT,
        intercept=intercept,
        slope=slope,
        industry_offsets=offsets,
        r2=r2,
        rmse_log=rmse,
        **common,
    )
