"""The months of the demo history as day numbers (days since 1970-01-01), for vectorised dates."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fitintent.period import Period

SECONDS_PER_DAY = 86_400


@dataclass(frozen=True)
class Calendar:
    """``months`` months ending with ``period``; month 0 is the first month of history."""

    period: Period
    months: int
    month_start: np.ndarray  # day number of the first day of month m, for m in 0..months

    @classmethod
    def build(cls, period: str, months: int) -> Calendar:
        if months < 4:
            raise ValueError("a demo world needs at least 4 months of history")
        p = Period.parse(period)
        first = np.datetime64(str(p.shift(-(months - 1))), "M")
        starts = (first + np.arange(months + 1)).astype("datetime64[D]").astype(np.int64)
        return cls(p, months, starts)

    @property
    def first_day(self) -> int:
        return int(self.month_start[0])

    @property
    def last_day(self) -> int:
        """The last day of the period (the last month of history)."""
        return int(self.month_start[-1]) - 1

    def month_of(self, days: np.ndarray) -> np.ndarray:
        """Month index of each day (may be negative or >= months outside the history)."""
        d = np.asarray(days).astype("datetime64[D]")
        months = d.astype("datetime64[M]").astype(np.int64)
        return months - self._first_month()

    def start_of(self, month: np.ndarray) -> np.ndarray:
        """Day number of the first day of month index ``month`` (any integer)."""
        first = np.datetime64(self._first_month(), "M")
        return (first + np.asarray(month, dtype=np.int64)).astype("datetime64[D]").astype(np.int64)

    def _first_month(self) -> int:
        """Months since 1970-01 of the first month of history."""
        return (self.period.year - 1970) * 12 + self.period.month - 1 - (self.months - 1)

    def day_in_month(self, month: np.ndarray, u: np.ndarray) -> np.ndarray:
        """A day of month ``month`` picked by the uniform numbers ``u`` in [0, 1)."""
        start = self.start_of(month)
        length = self.start_of(np.asarray(month) + 1) - start
        return start + np.floor(u * length).astype(np.int64)

    def calendar_month(self) -> np.ndarray:
        """Calendar month (1..12) of each history month."""
        months = np.datetime64(str(self.period), "M") - np.arange(self.months)[::-1]
        return months.astype(np.int64) % 12 + 1


def day(text: str) -> int:
    return int(np.datetime64(text, "D").astype(np.int64))
