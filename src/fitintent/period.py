"""Periods (a calendar month, ``YYYY-MM``) and fiscal years.

>>> p = Period.parse("2026-10")
>>> p.start, p.end
(datetime.date(2026, 10, 1), datetime.date(2026, 10, 31))
>>> p.fiscal_year(7)   # July-June years are named by the year they end in
FiscalYear(label='FY2027', start=datetime.date(2026, 7, 1), end=datetime.date(2027, 6, 30))
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from fitintent.errors import ConfigError


@dataclass(frozen=True)
class FiscalYear:
    label: str
    start: date
    end: date


@dataclass(frozen=True, order=True)
class Period:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Period:
        m = re.fullmatch(r"(\d{4})-(\d{2})", text.strip())
        if not m or not 1 <= int(m.group(2)) <= 12:
            raise ConfigError(f"period '{text}' is not a month in the form YYYY-MM")
        return cls(int(m.group(1)), int(m.group(2)))

    @classmethod
    def of(cls, d: date) -> Period:
        return cls(d.year, d.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def start(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def end(self) -> date:
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    def shift(self, months: int) -> Period:
        index = self.year * 12 + (self.month - 1) + months
        return Period(index // 12, index % 12 + 1)

    def fiscal_year(self, start_month: int) -> FiscalYear:
        """The fiscal year holding this month. A year not starting in January is named by the
        calendar year it ends in (July 2026 to June 2027 is FY2027)."""
        first_year = self.year if self.month >= start_month else self.year - 1
        start = date(first_year, start_month, 1)
        last = Period(first_year, start_month).shift(11)
        label_year = last.year
        return FiscalYear(f"FY{label_year}", start, last.end)
