"""Install base (technographics): what each account runs, from when to when."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from fitintent.demo._accounts import Firmographics
from fitintent.demo._arrow import dates, longs, take
from fitintent.demo._calendar import Calendar, day
from fitintent.demo._catalog import TECH_GROUPS, TECHS

_EARLIEST_SEEN = day("2012-01-01")
_EOS_USE_YEARS = 8  # an end-of-service product is first seen within these years of release


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


@dataclass
class InstallBase:
    account: np.ndarray  # row in the chunk
    tech: np.ndarray  # index into TECHS
    licences: np.ndarray
    first_day: np.ndarray
    last_day: np.ndarray

    def presence(self, accounts: int, cal: Calendar) -> tuple[np.ndarray, np.ndarray]:
        """First and last month (history index) each account runs any technology of each
        feature group; shape (accounts, groups). Absent: first > last."""
        first = np.full((accounts, len(TECH_GROUPS)), np.iinfo(np.int32).max, dtype=np.int64)
        last = np.full((accounts, len(TECH_GROUPS)), np.iinfo(np.int32).min, dtype=np.int64)
        group = np.array([TECH_GROUPS.index(t.group) if t.group else -1 for t in TECHS])
        g = group[self.tech]
        rows = g >= 0
        np.minimum.at(first, (self.account[rows], g[rows]), cal.month_of(self.first_day[rows]))
        np.maximum.at(last, (self.account[rows], g[rows]), cal.month_of(self.last_day[rows]))
        return first, last

    def table(self, account_ids: pa.Array) -> pa.Table:
        return pa.table(
            {
                "account_id": take(account_ids, self.account),
                "technology": take([t.technology for t in TECHS], self.tech),
                "version": take([t.version for t in TECHS], self.tech),
                "licence_count": longs(self.licences),
                "first_seen": dates(self.first_day),
                "last_seen": dates(self.last_day),
            }
        )


def draw_install_base(rng: np.random.Generator, firm: Firmographics, cal: Calendar) -> InstallBase:
    n = len(firm)
    age = firm.age_std(cal)
    founded_day = (
        (np.asarray(firm.founded) - 1970)
        .astype("datetime64[Y]")
        .astype("datetime64[D]")
        .astype(np.int64)
    )
    parts: list[tuple[np.ndarray, ...]] = []
    for ti, t in enumerate(TECHS):
        logit = (
            t.base
            + t.size * firm.size
            + t.maturity * firm.maturity
            + t.age * age
            + t.tech * firm.tech
        )
        has = np.flatnonzero(rng.random(n) < sigmoid(logit))
        k = len(has)
        released = day(f"{t.released}-01-01")
        lo = np.maximum.reduce([np.full(k, released), founded_day[has], np.full(k, _EARLIEST_SEEN)])
        hi = np.full(k, cal.last_day - 20)
        if t.eos:
            hi = np.minimum(hi, day(f"{t.released + _EOS_USE_YEARS}-12-31"))
        hi = np.maximum(hi, lo)
        first = lo + np.floor(rng.random(k) * (hi - lo + 1)).astype(np.int64)
        crawled = cal.last_day - rng.integers(0, 28, k)
        retired = rng.random(k) < t.retire
        gone = first + np.floor(rng.random(k) * (cal.last_day - first + 1)).astype(np.int64)
        last = np.maximum(np.where(retired, gone, crawled), first)
        emp = firm.employees[has]
        if t.per_employee > 0:
            lic = np.round(emp * t.per_employee * rng.uniform(0.5, 1.3, k))
        else:
            lic = 1 + np.round(emp / rng.uniform(15.0, 60.0, k))
        parts.append((has, np.full(k, ti), np.maximum(lic, 1).astype(np.int64), first, last))
    cols = [np.concatenate(c) for c in zip(*parts, strict=True)]
    order = np.lexsort((cols[1], cols[0]))
    return InstallBase(*(c[order] for c in cols))
