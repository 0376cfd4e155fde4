"""Licence agreements: programs by account size, end dates across fiscal years, expiring revenue."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from fitintent.demo._accounts import Firmographics
from fitintent.demo._arrow import categorical, dates, money, padded, take
from fitintent.demo._calendar import Calendar
from fitintent.demo._catalog import DIVISIONS

PROGRAMS: tuple[str, ...] = ("EA", "Open", "Open Value", "CSP", "MPSA")
_TERM_MONTHS = {"EA": 36, "Open": 24, "Open Value": 36, "CSP": 12, "MPSA": 36}
_VALUE_PER_EMPLOYEE = {
    "EA": (150.0, 400.0),
    "Open": (40.0, 120.0),
    "Open Value": (40.0, 120.0),
    "CSP": (60.0, 250.0),
    "MPSA": (80.0, 200.0),
}
# division mix by program, in DIVISIONS order (Modern Work, Business Applications, Azure, Devices)
_DIVISION_MIX = {
    "EA": (0.6, 0.15, 0.25, 0.0),
    "Open": (0.7, 0.0, 0.3, 0.0),
    "Open Value": (0.7, 0.05, 0.25, 0.0),
    "CSP": (0.55, 0.2, 0.2, 0.05),
    "MPSA": (0.5, 0.1, 0.3, 0.1),
}
FISCAL_EDGE_SHARE = 0.15  # agreements ending exactly on June 30 or July 1
RENEWAL_WINDOW = 3  # months before the end date in which an agreement drives renewal buying


@dataclass
class Agreements:
    account: np.ndarray
    program: np.ndarray  # index into PROGRAMS
    end_day: np.ndarray
    revenue: np.ndarray
    division: np.ndarray  # index into DIVISIONS

    def renewal(self, accounts: int, cal: Calendar) -> np.ndarray:
        """(accounts, divisions, months): an agreement of the division ends within the next
        RENEWAL_WINDOW months."""
        flag = np.zeros((accounts, len(DIVISIONS), cal.months), dtype=bool)
        end_month = cal.month_of(self.end_day)
        for k in range(RENEWAL_WINDOW + 1):
            m = end_month - k
            ok = (m >= 0) & (m < cal.months)
            flag[self.account[ok], self.division[ok], m[ok]] = True
        return flag

    def table(self, account_ids: pa.Array, first_id: int) -> pa.Table:
        n = len(self.account)
        return pa.table(
            {
                "agreement_id": padded(np.arange(first_id, first_id + n), 8, "AG"),
                "account_id": take(account_ids, self.account),
                "license_program": categorical(self.program, PROGRAMS),
                "end_date": dates(self.end_day),
                "expiring_revenue": money(self.revenue),
                "product_division": categorical(self.division, DIVISIONS),
            }
        )


def _program_odds(emp: np.ndarray, customer: np.ndarray) -> dict[str, np.ndarray]:
    big, mid = emp >= 500, (emp >= 100) & (emp <= 2000)
    return {
        "EA": np.where(big, 0.55, np.where(emp >= 250, 0.15, 0.0)),
        "Open": np.where(emp < 250, np.where(customer, 0.2, 0.12), 0.0),
        "Open Value": np.where(emp < 500, np.where(customer, 0.15, 0.08), 0.0),
        "CSP": np.where(customer, 0.55, 0.05),
        "MPSA": np.where(mid & customer, 0.15, 0.0),
    }


def _end_days(rng: np.random.Generator, program: str, k: int, cal: Calendar) -> np.ndarray:
    lo = cal.first_day
    hi = int(cal.start_of(np.array([cal.months + _TERM_MONTHS[program]]))[0])
    end = lo + np.floor(rng.random(k) * (hi - lo)).astype(np.int64)
    edge = rng.random(k) < FISCAL_EDGE_SHARE
    years = end.astype("datetime64[D]").astype("datetime64[Y]")
    # June 30 is day 180 (from 0) of a common year and day 181 of a leap year
    leap = (years.astype(np.int64) + 1970) % 4 == 0
    june30 = years.astype("datetime64[D]").astype(np.int64) + 180 + leap.astype(np.int64)
    july1 = june30 + 1
    snapped = np.where(rng.random(k) < 0.5, june30, july1)
    return np.where(edge, snapped, end)


def draw_agreements(
    rng: np.random.Generator, firm: Firmographics, customer: np.ndarray, cal: Calendar
) -> Agreements:
    odds = _program_odds(firm.employees, customer)
    parts: list[tuple[np.ndarray, ...]] = []
    for pi, program in enumerate(PROGRAMS):
        rows = np.flatnonzero(rng.random(len(firm)) < odds[program])
        k = len(rows)
        lo, hi = _VALUE_PER_EMPLOYEE[program]
        value = np.minimum(firm.employees[rows], 5_000) * rng.uniform(lo, hi, k)
        mix = np.cumsum(_DIVISION_MIX[program])
        division = np.minimum(np.searchsorted(mix, rng.random(k), side="right"), len(mix) - 1)
        parts.append((rows, np.full(k, pi), _end_days(rng, program, k, cal), value, division))
    cols = [np.concatenate(c) for c in zip(*parts, strict=True)]
    order = np.lexsort((cols[2], cols[0]))
    return Agreements(*(c[order] for c in cols))
