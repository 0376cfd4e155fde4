"""Accounts: heavy-tailed firmographics, hidden account factors, unique names, domains and DUNS."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from fitintent.demo._arrow import booleans, join, longs, money, padded, take
from fitintent.demo._calendar import Calendar
from fitintent.demo._geo import COUNTRIES
from fitintent.demo._industries import INDUSTRIES
from fitintent.demo._lexicon import NAME_KINDS, NAME_PREFIXES, NAME_SUFFIXES, TLDS
from fitintent.demo._partners import PartnerNetwork
from fitintent.demo._places import (
    CITY_NAMES,
    CITY_STATES,
    CITY_TERRITORIES,
    COUNTRY_AREAS,
    COUNTRY_CODES,
    COUNTRY_NAMES,
    COUNTRY_WEIGHTS,
    pick_city,
    postal_codes,
)

MEDIAN_EMPLOYEES = 15.0
SIZE_SIGMA = 2.2
MAX_EMPLOYEES = 25_000
MAX_FOUNDED_YEAR = 2026

_IND_WEIGHT = np.array([i.weight for i in INDUSTRIES]) / sum(i.weight for i in INDUSTRIES)
_IND_SHIFT = np.array([i.size_shift for i in INDUSTRIES])
_IND_TECH = np.array([i.tech for i in INDUSTRIES])
_IND_RPE = np.array([i.revenue_per_employee for i in INDUSTRIES])
_IND_IT = np.array([i.it_share for i in INDUSTRIES])
_IND_NP = np.array([i.non_profit for i in INDUSTRIES])
_VERT_OFFSET = np.cumsum([0] + [len(i.verticals) for i in INDUSTRIES])[:-1]
_VERT_COUNT = np.array([len(i.verticals) for i in INDUSTRIES])
VERTICALS = [v for i in INDUSTRIES for v in i.verticals]
INDUSTRY_NAMES = [i.name for i in INDUSTRIES]

_AB_NAME = [a + b for a in NAME_PREFIXES for b in NAME_SUFFIXES]
_AB_DOMAIN = [n.lower() for n in _AB_NAME]
_LEGAL = [legal for c in COUNTRIES for legal in c.legal]
_LEGAL_OFFSET = np.cumsum([0] + [len(c.legal) for c in COUNTRIES])[:-1]
_LEGAL_COUNT = np.array([len(c.legal) for c in COUNTRIES])
NAME_SPACE = len(_AB_NAME) * len(NAME_KINDS) * len(TLDS)


@dataclass(frozen=True)
class NamePlan:
    """A seeded bijection from account numbers to (name, domain) and to DUNS numbers."""

    perm: np.ndarray
    duns_mult: int
    duns_add: int

    @classmethod
    def build(cls, rng: np.random.Generator) -> NamePlan:
        mult = int(rng.integers(100_000_000, 1_000_000_000)) | 1
        if mult % 5 == 0:
            mult += 2
        return cls(
            rng.permutation(NAME_SPACE).astype(np.int32), mult, int(rng.integers(0, 1_000_000_000))
        )

    def duns(self, index: np.ndarray) -> pa.Array:
        # an affine map modulo 10**9 with a multiplier coprime to 10 is a bijection
        value = (np.asarray(index, dtype=np.int64) * self.duns_mult + self.duns_add) % 10**9
        return padded(value, 9)

    def names(
        self, index: np.ndarray, country: np.ndarray, u: np.ndarray
    ) -> tuple[pa.Array, pa.Array]:
        gen, slot = np.divmod(np.asarray(index, dtype=np.int64), NAME_SPACE)
        code = self.perm[slot].astype(np.int64)
        code, tld = np.divmod(code, len(TLDS))
        ab, kind = np.divmod(code, len(NAME_KINDS))
        gen_text = take([""] + [str(g + 1) for g in range(1, int(gen.max(initial=0)) + 1)], gen)
        legal = _LEGAL_OFFSET[country] + (u * _LEGAL_COUNT[country]).astype(np.int64)
        name = join(
            [take(_AB_NAME, ab), gen_text, " ", take(NAME_KINDS, kind), " ", take(_LEGAL, legal)]
        )
        kinds = [k.lower() for k in NAME_KINDS]
        domain = join(
            [take(_AB_DOMAIN, ab), gen_text, "-", take(kinds, kind), ".", take(TLDS, tld)]
        )
        return name, domain


@dataclass
class Firmographics:
    """One chunk of accounts; ``index`` is the global account number (0-based)."""

    index: np.ndarray
    country: np.ndarray
    location: np.ndarray
    partner: np.ndarray
    city: np.ndarray
    industry: np.ndarray
    vertical: np.ndarray
    employees: np.ndarray
    non_profit: np.ndarray
    founded: np.ndarray
    revenue: np.ndarray
    it_budget: np.ndarray
    growth: np.ndarray
    activity: np.ndarray  # relative volume of online documents (observed through signals)
    budget: np.ndarray  # hidden: spare budget this year
    maturity: np.ndarray  # hidden: digital maturity
    legal_u: np.ndarray

    def __len__(self) -> int:
        return len(self.index)

    @property
    def size(self) -> np.ndarray:
        return (np.log(self.employees) - np.log(20.0)) / 1.5

    @property
    def mid(self) -> np.ndarray:
        return np.exp(-(((np.log(self.employees) - np.log(60.0)) / 1.0) ** 2))

    @property
    def tech(self) -> np.ndarray:
        return _IND_TECH[self.industry]

    @property
    def itb(self) -> np.ndarray:
        return (np.log(np.maximum(self.it_budget, 1.0) / self.employees) - 8.6) / 0.8

    def age_std(self, cal: Calendar) -> np.ndarray:
        age = np.maximum(cal.period.year - self.founded, 1)
        return (np.log(age) - np.log(14.0)) / 0.8


def draw_firmographics(
    rng: np.random.Generator, index: np.ndarray, network: PartnerNetwork, cal: Calendar
) -> Firmographics:
    n = len(index)
    country = rng.choice(len(COUNTRY_WEIGHTS), size=n, p=COUNTRY_WEIGHTS)
    location = network.assign(rng, country)
    industry = rng.choice(len(_IND_WEIGHT), size=n, p=_IND_WEIGHT)
    vertical = _VERT_OFFSET[industry] + (rng.random(n) * _VERT_COUNT[industry]).astype(np.int64)
    log_emp = rng.normal(np.log(MEDIAN_EMPLOYEES) + 0.5 * _IND_SHIFT[industry], SIZE_SIGMA)
    employees = np.clip(np.round(np.exp(log_emp)), 1, MAX_EMPLOYEES).astype(np.int64)
    budget = rng.standard_normal(n)
    maturity = rng.standard_normal(n)
    age = np.exp(rng.normal(np.log(14.0) + 0.12 * (np.log(employees) - 2.7), 0.75))
    founded = np.clip(
        cal.period.year - np.round(age).astype(np.int64),
        1800,
        min(MAX_FOUNDED_YEAR, cal.period.year),
    )
    revenue = employees * _IND_RPE[industry] * rng.lognormal(0.0, 0.45, n)
    it_budget = (
        revenue
        * _IND_IT[industry]
        * np.exp(0.35 * budget + 0.25 * maturity + rng.normal(0.0, 0.35, n))
    )
    growth = np.clip(rng.normal(0.04 + 0.04 * maturity, 0.12), -0.5, 1.5)
    activity = employees**0.3 * np.exp(
        0.3 * maturity + 0.3 * _IND_TECH[industry] + rng.normal(0.0, 0.4, n)
    )
    return Firmographics(
        index=np.asarray(index, dtype=np.int64),
        country=country,
        location=location,
        partner=network.loc_partner[location],
        city=pick_city(rng, country),
        industry=industry,
        vertical=vertical,
        employees=employees,
        non_profit=rng.random(n) < _IND_NP[industry],
        founded=founded,
        revenue=np.round(revenue, -2),
        it_budget=np.round(it_budget, 2),
        growth=np.round(growth, 3),
        activity=activity,
        budget=budget,
        maturity=maturity,
        legal_u=rng.random(n),
    )


def account_ids(index: np.ndarray, total: int) -> pa.Array:
    return padded(np.asarray(index) + 1, max(7, len(str(total))), "A")


def accounts_table(
    rng: np.random.Generator,
    firm: Firmographics,
    names: NamePlan,
    network: PartnerNetwork,
    total: int,
) -> pa.Table:
    name, domain = names.names(firm.index, firm.country, firm.legal_u)
    return pa.table(
        {
            "account_id": account_ids(firm.index, total),
            "duns": names.duns(firm.index),
            "account_name": name,
            "domain": domain,
            "employees": longs(firm.employees),
            "industry": take(INDUSTRY_NAMES, firm.industry),
            "vertical": take(VERTICALS, firm.vertical),
            "area": take(COUNTRY_AREAS, firm.country),
            "subsidiary": take(COUNTRY_NAMES, firm.country),
            "sales_territory": take(CITY_TERRITORIES, firm.city),
            "city": take(CITY_NAMES, firm.city),
            "state": take(CITY_STATES, firm.city),
            "postal_code": postal_codes(rng, firm.city),
            "country": take(COUNTRY_CODES, firm.country),
            "is_non_profit": booleans(firm.non_profit),
            "partner_id": take(network.partner_ids(), firm.partner),
            "location_id": take(network.location_ids(), firm.location),
            "revenue": money(firm.revenue),
            "it_budget": money(firm.it_budget),
            "founded_year": longs(firm.founded),
            "growth": money(firm.growth, decimals=3),
        }
    )
