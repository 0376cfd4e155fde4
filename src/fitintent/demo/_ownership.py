"""What each account owns when the history starts, and the SKU/seat choices of a holding."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fitintent.demo._accounts import Firmographics
from fitintent.demo._calendar import Calendar, day
from fitintent.demo._catalog import PRODUCTS
from fitintent.demo._drivers import OWN_BASE, W_GROUP, W_OWN, Drivers

NEVER = 1 << 30  # a month index beyond any history
CHURN_PER_MONTH = 0.003
_EARLIEST_START = day("2015-01-01")


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


@dataclass
class Ownership:
    """Initial holdings, (A, P) arrays; ``start_month``/``end_month`` are history month indices
    (negative: before the history), NEVER when absent."""

    start_month: np.ndarray
    end_month: np.ndarray
    start_day: np.ndarray
    end_day: np.ndarray  # churn day, or NEVER
    sku: np.ndarray
    seats: np.ndarray
    growth: np.ndarray  # monthly seat (or spend) growth
    spend: np.ndarray  # monthly consumption spend at the start of the history (consumption)

    @property
    def owned0(self) -> np.ndarray:
        return self.start_month < NEVER


def choose_sku(rng: np.random.Generator, product: np.ndarray, employees: np.ndarray) -> np.ndarray:
    """A SKU index (within the product's SKUs) for each (product, account size)."""
    out = np.zeros(len(product), dtype=np.int64)
    u = rng.random(len(product))
    for pi, prod in enumerate(PRODUCTS):
        rows = product == pi
        for large in (False, True):
            sel = rows & ((employees >= 300) == large)
            w = np.array([s.weight_large if large else s.weight_small for s in prod.skus])
            cdf = np.cumsum(w / w.sum())
            out[sel] = np.minimum(np.searchsorted(cdf, u[sel], side="right"), len(w) - 1)
    return out


def choose_seats(
    rng: np.random.Generator, product: np.ndarray, employees: np.ndarray
) -> np.ndarray:
    lo = np.array([p.seat_share[0] for p in PRODUCTS])[product]
    hi = np.array([p.seat_share[1] for p in PRODUCTS])[product]
    least = np.array([p.min_seats for p in PRODUCTS])[product]
    seats = np.round(employees * rng.uniform(lo, hi))
    return np.maximum(seats, least).astype(np.int64)


def consumption_spend(
    rng: np.random.Generator, firm: Firmographics, rows: np.ndarray
) -> np.ndarray:
    """Monthly compute spend (USD) of an account when it uses cloud compute."""
    return (
        25.0
        * firm.employees[rows] ** 0.8
        * (0.5 + firm.tech[rows])
        * rng.lognormal(0.0, 0.7, len(rows))
    )


def draw_ownership(
    rng: np.random.Generator, firm: Firmographics, drivers: Drivers, cal: Calendar
) -> Ownership:
    n, n_products = drivers.fit.shape
    present = drivers.present(0)
    founded_day = (
        (firm.founded - 1970).astype("datetime64[Y]").astype("datetime64[D]").astype(np.int64)
    )
    existed = founded_day < cal.first_day - 1  # firms founded later hold nothing at the start
    owned = np.zeros((n, n_products), dtype=bool)
    for pi in range(n_products):  # in catalog order: a product's odds see earlier holdings
        logit = (
            OWN_BASE[pi]
            + drivers.fit[:, pi]
            + present @ W_GROUP[pi]
            + owned.astype(np.float64) @ W_OWN[pi]
            + 0.5 * firm.budget
            + 0.4 * firm.maturity
            + rng.normal(0.0, 0.5, n)
        )
        owned[:, pi] = (rng.random(n) < sigmoid(logit)) & existed
    a, p = np.nonzero(owned)
    k = len(a)
    lo = np.maximum(founded_day[a], _EARLIEST_START)
    hi = np.maximum(lo + 1, cal.first_day - 1)
    start_day = lo + np.floor(rng.random(k) * (hi - lo)).astype(np.int64)
    churn_month = rng.geometric(CHURN_PER_MONTH, k) - 1
    churned = churn_month < cal.months
    end_day = np.where(
        churned, cal.day_in_month(np.minimum(churn_month, cal.months - 1), rng.random(k)), NEVER
    )
    sku = choose_sku(rng, p, firm.employees[a])
    seats = choose_seats(rng, p, firm.employees[a])
    growth = rng.normal(0.002, 0.004, k)
    is_e3 = (p == 0) & (np.array([s.name for s in PRODUCTS[0].skus])[np.minimum(sku, 4)] == "E3")
    growers = is_e3 & (rng.random(k) < 0.3)  # E3 customers adding seats: later upsell
    growth = np.where(growers, rng.uniform(0.02, 0.04, k), growth)
    compute = np.array([prod.kind == "consumption" for prod in PRODUCTS])[p]
    growth = np.where(compute, rng.normal(0.015, 0.02, k), growth)
    spend = np.where(compute, consumption_spend(rng, firm, a), 0.0)

    def grid(values: np.ndarray, fill: float | int, dtype: type) -> np.ndarray:
        out: np.ndarray = np.full((n, n_products), fill, dtype=dtype)
        out[a, p] = values
        return out

    return Ownership(
        start_month=grid(cal.month_of(start_day), NEVER, np.int64),
        end_month=grid(
            np.where(churned, cal.month_of(np.minimum(end_day, cal.last_day)), NEVER),
            NEVER,
            np.int64,
        ),
        start_day=grid(start_day, NEVER, np.int64),
        end_day=grid(end_day, NEVER, np.int64),
        sku=grid(sku, 0, np.int64),
        seats=grid(seats, 0, np.int64),
        growth=grid(growth, 0.0, np.float64),
        spend=grid(spend, 0.0, np.float64),
    )
