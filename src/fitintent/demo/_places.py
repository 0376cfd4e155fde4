"""Flat lookup arrays over the countries and cities of ``_geo``, and vectorised postal codes."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fitintent.demo._arrow import join, padded, take
from fitintent.demo._geo import COUNTRIES

COUNTRY_CODES = [c.code for c in COUNTRIES]
COUNTRY_WEIGHTS = np.array([c.weight for c in COUNTRIES]) / sum(c.weight for c in COUNTRIES)
COUNTRY_NAMES = [c.name for c in COUNTRIES]
COUNTRY_AREAS = [c.area for c in COUNTRIES]

CITY_COUNTRY = np.array([i for i, c in enumerate(COUNTRIES) for _ in c.cities], dtype=np.int64)
CITY_NAMES = [city.name for c in COUNTRIES for city in c.cities]
CITY_STATES = [city.state for c in COUNTRIES for city in c.cities]
CITY_TERRITORIES = [f"{c.code}-{city.region}" for c in COUNTRIES for city in c.cities]
CITY_STEMS = [city.postal_stem for c in COUNTRIES for city in c.cities]
CITY_OFFSET = np.cumsum([0] + [len(c.cities) for c in COUNTRIES])[:-1]
CITY_COUNT = np.array([len(c.cities) for c in COUNTRIES], dtype=np.int64)

_LETTERS = pa.array(list("ABDEFGHJLNPQRSTUWXYZ"))


def pick_city(rng: np.random.Generator, country: np.ndarray) -> np.ndarray:
    """A city of each account's country; the first cities of a country are the larger ones."""
    n = CITY_COUNT[country]
    # a skew towards the first (larger) cities: u**1.6 puts more mass near 0
    u = rng.random(len(country)) ** 1.6
    return CITY_OFFSET[country] + np.minimum((u * n).astype(np.int64), n - 1)


def _digits(rng: np.random.Generator, n: int, width: int) -> pa.Array:
    return padded(rng.integers(0, 10**width, n), width)


def _letters(rng: np.random.Generator, n: int) -> pa.Array:
    return take(_LETTERS, rng.integers(0, len(_LETTERS), n))


def _shape(rng: np.random.Generator, shape: str, stem: pa.Array) -> pa.Array:
    n = len(stem)
    if shape in ("d1", "d2", "d3"):
        return join([stem, _digits(rng, n, int(shape[1]))])
    if shape == "gb":
        return join(
            [stem, _digits(rng, n, 1), " ", _digits(rng, n, 1), _letters(rng, n), _letters(rng, n)]
        )
    if shape == "ca":
        return join([stem, " ", _digits(rng, n, 1), _letters(rng, n), _digits(rng, n, 1)])
    if shape == "nl":
        return join([stem, _digits(rng, n, 2), " ", _letters(rng, n), _letters(rng, n)])
    if shape == "br":
        return join([stem, "-", _digits(rng, n, 3)])
    if shape == "jp":
        return join([stem, "-", _digits(rng, n, 4)])
    if shape == "se":
        return join([stem, _digits(rng, n, 1), " ", _digits(rng, n, 2)])
    raise ValueError(f"unknown postal shape {shape}")


def postal_codes(rng: np.random.Generator, city: np.ndarray) -> pa.Array:
    """A plausible postal code in each city (country-specific shape)."""
    country = CITY_COUNTRY[city]
    shapes = np.array([COUNTRIES[i].postal for i in range(len(COUNTRIES))])[country]
    order = np.argsort(shapes, kind="stable")
    pieces = []
    for shape in np.unique(shapes):
        rows = order[shapes[order] == shape]
        pieces.append(_shape(rng, str(shape), take(CITY_STEMS, city[rows])))
    stacked = pa.concat_arrays(pieces) if pieces else pa.array([], pa.string())
    inverse = np.empty_like(order)
    inverse[order] = np.arange(len(order))
    return pc.take(stacked, pa.array(inverse))
