"""Partners (resellers) and their locations, and how accounts are assigned to them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from fitintent.demo._arrow import join, padded, take
from fitintent.demo._lexicon import PARTNER_BRANDS, PARTNER_KINDS
from fitintent.demo._places import (
    CITY_COUNT,
    CITY_NAMES,
    CITY_OFFSET,
    COUNTRY_CODES,
    COUNTRY_WEIGHTS,
)

ACCOUNTS_PER_PARTNER = 1650
MIN_PARTNERS = 10
HOME_MARKET_SHARE = 0.9  # accounts served by a location in their own country when there is one


def partner_count(accounts: int) -> int:
    return max(MIN_PARTNERS, round(accounts / ACCOUNTS_PER_PARTNER))


@dataclass(frozen=True)
class PartnerNetwork:
    partner_names: list[str]
    partner_weight: np.ndarray
    loc_partner: np.ndarray  # partner index of each location
    loc_country: np.ndarray
    loc_city: np.ndarray  # global city index
    loc_weight: np.ndarray

    @property
    def partners(self) -> int:
        return len(self.partner_names)

    def partner_ids(self) -> pa.Array:
        return padded(np.arange(1, self.partners + 1), 4, "P")

    def location_ids(self) -> pa.Array:
        ordinal = np.zeros(len(self.loc_partner), dtype=np.int64)
        for p in range(self.partners):  # a few hundred partners at most: small loop
            rows = np.flatnonzero(self.loc_partner == p)
            ordinal[rows] = np.arange(1, len(rows) + 1)
        pids = take(self.partner_ids(), self.loc_partner)
        return join([pids, padded(ordinal, 2, "L")], "-")

    def partners_table(self) -> pa.Table:
        return pa.table(
            {
                "partner_id": self.partner_ids(),
                "partner_name": pa.array(self.partner_names, pa.string()),
            }
        )

    def locations_table(self) -> pa.Table:
        names = [
            f"{self.partner_names[p]} {CITY_NAMES[c]}"
            for p, c in zip(self.loc_partner.tolist(), self.loc_city.tolist(), strict=True)
        ]
        return pa.table(
            {
                "location_id": self.location_ids(),
                "partner_id": take(self.partner_ids(), self.loc_partner),
                "location_name": pa.array(names, pa.string()),
                "country": take(COUNTRY_CODES, self.loc_country),
            }
        )

    def assign(self, rng: np.random.Generator, country: np.ndarray) -> np.ndarray:
        """A location of record for each account: usually one in the account's country,
        otherwise any location (partners also serve customers across borders)."""
        weight = self.partner_weight[self.loc_partner] * self.loc_weight
        anywhere = _pick(rng, weight, len(country))
        location = anywhere.copy()
        home = rng.random(len(country)) < HOME_MARKET_SHARE
        for c in np.unique(country):
            local = np.flatnonzero(self.loc_country == c)
            rows = np.flatnonzero((country == c) & home)
            if len(local) and len(rows):
                location[rows] = local[_pick(rng, weight[local], len(rows))]
        return location


def _pick(rng: np.random.Generator, weight: np.ndarray, n: int) -> np.ndarray:
    cdf = np.cumsum(weight / weight.sum())
    return np.minimum(np.searchsorted(cdf, rng.random(n), side="right"), len(weight) - 1)


def build_network(rng: np.random.Generator, accounts: int) -> PartnerNetwork:
    n = partner_count(accounts)
    combos = rng.permutation(len(PARTNER_BRANDS) * len(PARTNER_KINDS))
    names = []
    for i in range(n):
        gen, k = divmod(i, len(combos))
        brand, kind = divmod(int(combos[k]), len(PARTNER_KINDS))
        suffix = f" {gen + 1}" if gen else ""
        names.append(f"{PARTNER_BRANDS[brand]} {PARTNER_KINDS[kind]}{suffix}")
    loc_partner: list[int] = []
    loc_country: list[int] = []
    loc_city: list[int] = []
    loc_weight: list[float] = []
    for p in range(n):
        home = int(rng.choice(len(COUNTRY_WEIGHTS), p=COUNTRY_WEIGHTS))
        used: set[int] = set()
        for j in range(int(rng.integers(2, 7))):
            country = (
                home
                if j == 0 or rng.random() < 0.6
                else int(rng.choice(len(COUNTRY_WEIGHTS), p=COUNTRY_WEIGHTS))
            )
            free = [
                c
                for c in range(
                    int(CITY_OFFSET[country]), int(CITY_OFFSET[country] + CITY_COUNT[country])
                )
                if c not in used
            ]
            if not free:
                continue
            city = int(free[int(rng.integers(0, min(len(free), 4)))])
            used.add(city)
            loc_partner.append(p)
            loc_country.append(country)
            loc_city.append(city)
            loc_weight.append(2.0 if j == 0 else float(rng.uniform(0.5, 1.5)))
    # every market has a local partner: a country no location covers goes to the partner
    # with the fewest locations
    for country in range(len(COUNTRY_WEIGHTS)):
        if country in loc_country:
            continue
        sizes = np.bincount(np.array(loc_partner), minlength=n)
        p = int(np.argmin(sizes))
        if sizes[p] >= 6:
            break
        loc_partner.append(p)
        loc_country.append(country)
        loc_city.append(int(CITY_OFFSET[country]))
        loc_weight.append(1.0)
    order = np.argsort(np.array(loc_partner), kind="stable")
    return PartnerNetwork(
        partner_names=names,
        partner_weight=rng.lognormal(0.0, 0.8, n),
        loc_partner=np.array(loc_partner, dtype=np.int64)[order],
        loc_country=np.array(loc_country, dtype=np.int64)[order],
        loc_city=np.array(loc_city, dtype=np.int64)[order],
        loc_weight=np.array(loc_weight)[order],
    )
