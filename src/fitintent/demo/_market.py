"""The hidden causal model: monthly buying cycles per account x product.

Each month an account x product that is not in a cycle (and not cooling down after one) starts a
buying cycle with a hazard ``sigmoid(intercept + observed drivers + hidden factors + timing)``.
Observed drivers are firmographics, install base, holdings and agreement renewals; hidden ones are
the account's spare budget and digital maturity, a product champion, and an AR(1) timing noise.
A cycle researches for 0-3 months (loud cycles leave online signals), then turns into an
opportunity with probability ``KAPPA``; the deal is won with a probability driven by fit, budget
and champion. A won deal on a product the account lacks becomes a holding from the next month,
which moves every later month's drivers.

The true propensity of a month is the probability, given all hidden state at the end of that
month (hazard and whether a cycle is under way, but not the coin flips still to come), that an
opportunity for the product is created in the following three months.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fitintent.demo._accounts import Firmographics
from fitintent.demo._calendar import Calendar
from fitintent.demo._catalog import PRODUCTS, TIMING_RHO, TIMING_SD
from fitintent.demo._drivers import HAZARD_BASE, Drivers
from fitintent.demo._ownership import NEVER, Ownership, sigmoid

KAPPA = 0.6  # share of buying cycles that become an opportunity
LEAD_PROBS = np.array([0.45, 0.3, 0.17, 0.08])  # months of research before the opportunity: 0..3
LOUD_SHARE = 0.8  # cycles that show in online signals
WIN_BASE = -1.3
HORIZON = 3  # months after the month that the true propensity looks at
_SEASON = {1: -0.1, 5: 0.15, 6: 0.3, 7: -0.1, 8: -0.2, 12: 0.15}
_LEAD_CDF = np.cumsum(LEAD_PROBS)
_SALES_DAYS = np.array([p.sales_days for p in PRODUCTS])


@dataclass
class Cycles:
    account: np.ndarray
    product: np.ndarray
    start: np.ndarray  # month the research began
    created: np.ndarray  # month the opportunity is (or would be) created
    converts: np.ndarray
    loud: np.ndarray
    created_day: np.ndarray
    close_day: np.ndarray
    closed: np.ndarray  # closed on or before the last day of the period
    won: np.ndarray
    expansion: np.ndarray  # won on a product already owned at close


@dataclass
class Market:
    truth: np.ndarray  # (A, P, months) float32
    cycles: Cycles
    fit: np.ndarray  # (A, P) observed logit at the period, without intercept
    hidden: np.ndarray  # (A, P)
    champion: np.ndarray  # (A, P)


def _season(cal: Calendar) -> np.ndarray:
    first = int(cal.calendar_month()[0])
    months = (first - 1 + np.arange(cal.months + HORIZON)) % 12 + 1
    return np.array([_SEASON.get(int(m), 0.0) for m in months])


def _oracle(
    logit: np.ndarray,
    timing: np.ndarray,
    season: np.ndarray,
    m: int,
    cool: np.ndarray,
    active: np.ndarray,
) -> np.ndarray:
    """P(an opportunity is created in months m+1..m+HORIZON | hidden state at the end of m)."""
    none_yet = np.ones_like(logit)
    p_idle = np.zeros_like(logit)
    for j in range(1, HORIZON + 1):
        # the timing noise reverts towards 0; its unknown part still lifts the mean hazard
        spread = 0.5 * TIMING_SD**2 * (1.0 - TIMING_RHO ** (2 * j))
        shift = (TIMING_RHO**j - 1.0) * timing + spread + season[m + j] - season[m]
        step = (m + j >= cool) * sigmoid(logit + shift)
        p_idle += none_yet * step * _LEAD_CDF[HORIZON - j]
        none_yet *= 1.0 - step
    return np.where(active, KAPPA, KAPPA * p_idle)


class _Simulation:
    def __init__(
        self,
        rng: np.random.Generator,
        firm: Firmographics,
        drivers: Drivers,
        own: Ownership,
        cal: Calendar,
    ) -> None:
        self.rng, self.firm, self.drivers, self.cal = rng, firm, drivers, cal
        self.own_start = own.start_month.copy()
        self.own_end = own.end_month.copy()
        shape = drivers.fit.shape
        self.cool = np.zeros(shape, dtype=np.int64)
        self.created = np.full(shape, -1, dtype=np.int64)  # creation month of the last cycle
        self.records: list[dict[str, np.ndarray]] = []

    def start(self, a: np.ndarray, p: np.ndarray, m: int, observed: np.ndarray) -> None:
        rng, cal, k = self.rng, self.cal, len(a)
        lead = np.minimum(np.searchsorted(_LEAD_CDF, rng.random(k), side="right"), 3)
        converts = rng.random(k) < KAPPA
        loud = rng.random(k) < LOUD_SHARE
        created = m + lead
        created_day = cal.day_in_month(created, rng.random(k))
        fit = np.clip(observed[a, p], -3.0, 3.0)
        win = sigmoid(
            WIN_BASE
            + 0.1 * fit
            + 0.25 * self.firm.budget[a]
            + 0.35 * self.drivers.champion[a, p]
            + rng.normal(0.0, 0.8, k)
        )
        median = _SALES_DAYS[p] * np.exp(0.15 * self.firm.size[a])
        days = np.clip(np.round(rng.lognormal(np.log(median), 0.6)), 3, 540).astype(np.int64)
        close_day = created_day + days
        closed = converts & (close_day <= cal.last_day)
        won = closed & (rng.random(k) < win)
        close_month = cal.month_of(close_day)
        owned_at_close = (self.own_start[a, p] <= close_month) & (close_month < self.own_end[a, p])
        new = won & ~owned_at_close
        self.own_start[a[new], p[new]] = close_month[new] + 1
        self.own_end[a[new], p[new]] = NEVER
        rest = np.where(won, close_month + 2, close_month + 3)
        self.cool[a, p] = np.where(converts, rest, created + 2)
        self.created[a, p] = created
        self.records.append(
            {
                "account": a,
                "product": p,
                "start": np.full(k, m),
                "created": created,
                "converts": converts,
                "loud": loud,
                "created_day": created_day,
                "close_day": close_day,
                "closed": closed,
                "won": won,
                "expansion": won & owned_at_close,
            }
        )

    def cycles(self) -> Cycles:
        keys = Cycles.__dataclass_fields__
        if not self.records:
            return Cycles(**{k: np.zeros(0, dtype=np.int64) for k in keys})
        return Cycles(**{k: np.concatenate([r[k] for r in self.records]) for k in keys})


def simulate(
    rng: np.random.Generator, firm: Firmographics, drivers: Drivers, own: Ownership, cal: Calendar
) -> Market:
    sim = _Simulation(rng, firm, drivers, own, cal)
    shape = drivers.fit.shape
    season = _season(cal)
    timing = rng.normal(0.0, TIMING_SD, shape)
    innovation = np.sqrt(1.0 - TIMING_RHO**2) * TIMING_SD
    truth = np.empty((*shape, cal.months), dtype=np.float32)
    observed = drivers.fit
    for m in range(cal.months):
        owned = (sim.own_start <= m) & (m < sim.own_end)
        observed = drivers.observed(m, owned)
        logit = HAZARD_BASE + observed + drivers.hidden + season[m] + timing
        eligible = (sim.created <= m) & (m >= sim.cool)
        a, p = np.nonzero(eligible & (rng.random(shape) < sigmoid(logit)))
        sim.start(a, p, m, observed)
        truth[:, :, m] = _oracle(logit, timing, season, m, sim.cool, sim.created > m)
        timing = TIMING_RHO * timing + innovation * rng.standard_normal(shape)
    return Market(
        truth=truth,
        cycles=sim.cycles(),
        fit=observed,
        hidden=drivers.hidden,
        champion=drivers.champion,
    )
