"""Signals: a background of online documents for every account, and bursts on a product's topics
while a (loud) buying cycle researches, in the 1-3 months before its opportunity.

Volumes come from rates per (account, month, component) cell. ``generate_world`` draws a Poisson
count per cell; ``stream_world`` hands each account an exact number of signals and spreads them
over the account's cells in proportion to the rates, so the total is exact and the shape is kept.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fitintent.demo._accounts import Firmographics
from fitintent.demo._arrow import categorical, join, padded, take, timestamps
from fitintent.demo._calendar import SECONDS_PER_DAY, Calendar
from fitintent.demo._catalog import PRODUCTS
from fitintent.demo._industries import INDUSTRIES
from fitintent.demo._market import Cycles
from fitintent.demo._texts import (
    BACKGROUND_TYPE_WEIGHTS,
    CYCLE_TYPE_WEIGHTS,
    GENERATED_TYPES,
    NAMED_TITLES,
    PATHS,
    SOURCES,
    TITLES,
    TOPICS,
    TYPE_HAS_TOPIC,
    TYPE_SOURCE,
    VOCAB_COUNT,
    VOCAB_START,
    type_cdf,
)

BACKGROUND_RATE = 0.35  # documents per account per month, times the account's activity
CYCLE_RATE = 1.5  # extra documents per research month of a loud cycle, times sqrt(activity)
DOMAIN_ONLY_SHARE = 0.12  # signals that arrive with a domain but no account id
BATCH_ROWS = 1_000_000
ID_WIDTH = 12
_NO_TOPIC = len(TOPICS)
_LUT = 1024
_INDUSTRY_TOPICS: dict[str, dict[str, float]] = {
    "Professional Services": {"collaboration": 1.5, "crm": 1.5, "accounting": 1.3},
    "Retail": {"devices": 1.5, "accounting": 1.5, "crm": 1.3},
    "Manufacturing": {"erp": 2.0, "data_centre": 1.5, "devices": 1.2},
    "Healthcare": {"security": 2.0, "devices": 1.5},
    "Financial Services": {"security": 2.0, "crm": 1.5, "analytics": 1.5},
    "Construction": {"devices": 1.5, "accounting": 1.5},
    "Hospitality": {"remote_work": 0.5, "devices": 1.3},
    "Education": {"remote_work": 1.5, "collaboration": 2.0, "devices": 1.5},
    "Technology": {
        "cloud_migration": 2.0,
        "virtualisation": 1.5,
        "low_code": 1.5,
        "analytics": 1.5,
    },
    "Real Estate": {"crm": 1.5},
    "Transportation and Logistics": {"erp": 1.5, "devices": 1.3},
    "Nonprofit and Public Sector": {"collaboration": 1.5, "email": 1.5},
    "Media and Entertainment": {"collaboration": 1.5, "analytics": 1.3},
}
_BG_TYPES = type_cdf(BACKGROUND_TYPE_WEIGHTS)
_CYCLE_TYPES = type_cdf(CYCLE_TYPE_WEIGHTS)
_NAMED = np.array([bool(t) for t in NAMED_TITLES])


def _topic_lut() -> np.ndarray:
    """(industries, _LUT) table: a uniform number u picks topic lut[industry, int(u * _LUT)]."""
    out = np.zeros((len(INDUSTRIES), _LUT), dtype=np.int8)
    grid = (np.arange(_LUT) + 0.5) / _LUT
    for i, ind in enumerate(INDUSTRIES):
        w = np.array([_INDUSTRY_TOPICS.get(ind.name, {}).get(t, 1.0) for t in TOPICS])
        out[i] = np.searchsorted(np.cumsum(w / w.sum()), grid)
    return out


_TOPIC_LUT = _topic_lut()
_PRODUCT_TOPICS = np.array([[TOPICS.index(t) for t in (p.topics * 5)[:5]] for p in PRODUCTS])
_PRODUCT_TOPIC_COUNT = np.array([len(p.topics) for p in PRODUCTS])


@dataclass
class Cells:
    account: np.ndarray
    month: np.ndarray
    component: np.ndarray  # 0: background; 1 + product: a buying cycle of that product
    rate: np.ndarray


def signal_cells(firm: Firmographics, cycles: Cycles, cal: Calendar) -> Cells:
    n, months = len(firm), cal.months
    acc = np.repeat(np.arange(n), months)
    mon = np.tile(np.arange(months), n)
    bg_rate = BACKGROUND_RATE * firm.activity[acc] * (1.0 + 0.01 * mon)
    parts: list[tuple[np.ndarray, ...]] = [(acc, mon, np.zeros(len(acc), dtype=np.int64), bg_rate)]
    loud = np.flatnonzero(cycles.loud)
    lead = cycles.created[loud] - cycles.start[loud]
    for k in range(4):  # research months, louder towards the opportunity
        sel = loud[lead > k]
        weight = 0.6 + 0.8 * (k + 1) / np.maximum(lead[lead > k], 1)
        parts.append(_cycle_cells(firm, cycles, sel, cycles.start[sel] + k, weight, months))
    parts.append(
        _cycle_cells(firm, cycles, loud, cycles.created[loud], np.full(len(loud), 0.5), months)
    )
    cols = [np.concatenate(c) for c in zip(*parts, strict=True)]
    order = np.argsort(cols[0], kind="stable")
    return Cells(*(c[order] for c in cols))


def _cycle_cells(
    firm: Firmographics,
    cycles: Cycles,
    rows: np.ndarray,
    month: np.ndarray,
    weight: np.ndarray,
    months: int,
) -> tuple[np.ndarray, ...]:
    ok = month < months
    rows, month, weight = rows[ok], month[ok], weight[ok]
    a = cycles.account[rows]
    rate = CYCLE_RATE * np.sqrt(firm.activity[a]) * weight
    return a, month, 1 + cycles.product[rows], rate


def poisson_signals(rng: np.random.Generator, cells: Cells) -> np.ndarray:
    """Cell of each signal, with a Poisson count per cell."""
    return np.repeat(np.arange(len(cells.rate)), rng.poisson(cells.rate))


def exact_signals(rng: np.random.Generator, cells: Cells, per_account: np.ndarray) -> np.ndarray:
    """Cell of each signal, ``per_account[a]`` signals for account ``a`` spread over its cells in
    proportion to their rates (cells must be sorted by account)."""
    n = len(per_account)
    first = np.searchsorted(cells.account, np.arange(n), side="left")
    last = np.searchsorted(cells.account, np.arange(n), side="right") - 1
    csum = np.cumsum(cells.rate)
    before = csum[first] - cells.rate[first]
    total = csum[last] - before
    norm = (csum - before[cells.account]) / total[cells.account]
    norm[last] = 1.0
    key = cells.account + norm
    owner = np.repeat(np.arange(n), per_account)
    hit = np.searchsorted(key, owner + rng.random(len(owner)), side="right")
    return np.clip(hit, first[owner], last[owner])


@dataclass
class SignalDraws:
    account: np.ndarray
    kind: np.ndarray  # index into GENERATED_TYPES
    topic: np.ndarray  # index into TOPICS; _NO_TOPIC when none
    variant: np.ndarray  # index into the title/path vocabulary
    seconds: np.ndarray  # signal time, seconds since 1970
    strength: np.ndarray
    domain_only: np.ndarray


def draw_signals(
    rng: np.random.Generator,
    firm: Firmographics,
    cells: Cells,
    cell: np.ndarray,
    cal: Calendar,
    *,
    by_time: bool,
) -> SignalDraws:
    k = len(cell)
    account = cells.account[cell]
    month = cells.month[cell]
    comp = cells.component[cell]
    cyc = comp > 0
    kind = np.where(
        cyc,
        np.searchsorted(_CYCLE_TYPES, rng.random(k), side="right"),
        np.searchsorted(_BG_TYPES, rng.random(k), side="right"),
    )
    kind = np.minimum(kind, len(GENERATED_TYPES) - 1)
    u = rng.random(k)
    product = np.maximum(comp - 1, 0)
    cyc_topic = _PRODUCT_TOPICS[product, (u * _PRODUCT_TOPIC_COUNT[product]).astype(np.int64)]
    bg_topic = _TOPIC_LUT[firm.industry[account], (u * _LUT).astype(np.int64)]
    topic = np.where(TYPE_HAS_TOPIC[kind], np.where(cyc, cyc_topic, bg_topic), _NO_TOPIC)
    variant = VOCAB_START[kind, topic] + (rng.random(k) * VOCAB_COUNT[kind, topic]).astype(np.int64)
    day = cal.day_in_month(month, rng.random(k))
    seconds = day * SECONDS_PER_DAY + rng.integers(0, SECONDS_PER_DAY, k)
    strength = np.where(cyc, rng.beta(5.0, 2.5, k), rng.beta(2.0, 5.0, k))
    draws = SignalDraws(
        account,
        kind,
        topic,
        variant,
        seconds,
        np.round(strength, 3),
        rng.random(k) < DOMAIN_ONLY_SHARE,
    )
    if by_time:
        order = np.argsort(seconds, kind="stable")
        draws = SignalDraws(*(getattr(draws, f)[order] for f in SignalDraws.__dataclass_fields__))
    return draws


def signal_batches(
    draws: SignalDraws,
    first_id: int,
    account_ids: pa.Array,
    domains: pa.Array,
    names: pa.Array | None,
    *,
    dictionary: bool,
) -> Iterator[pa.Table]:
    """The signals as tables of up to BATCH_ROWS rows; ``names`` (account names) makes press and
    news titles start with the company's name."""
    for lo in range(0, len(draws.account), BATCH_ROWS):
        hi = min(lo + BATCH_ROWS, len(draws.account))
        yield _batch(draws, lo, hi, first_id + lo, account_ids, domains, names, dictionary)


def _batch(
    d: SignalDraws,
    lo: int,
    hi: int,
    first_id: int,
    account_ids: pa.Array,
    domains: pa.Array,
    names: pa.Array | None,
    dictionary: bool,
) -> pa.Table:
    acct = d.account[lo:hi]
    only = d.domain_only[lo:hi]
    kind, topic, variant = d.kind[lo:hi], d.topic[lo:hi], d.variant[lo:hi]
    number = padded(np.arange(first_id, first_id + hi - lo), ID_WIDTH)
    domain = take(domains, acct)
    url = join(["https://", domain, "/", take(PATHS, variant), "-", number])
    if names is None:
        text = categorical(variant, TITLES, dictionary=dictionary)
    else:
        named = join([take(names, acct), " ", take(NAMED_TITLES, variant)])
        text = pc.if_else(pa.array(_NAMED[variant]), named, take(TITLES, variant))
    return pa.table(
        {
            "signal_id": join(["S", number]),
            "account_id": account_ids.take(pa.array(acct, mask=only)),
            "domain": domains.take(pa.array(acct, mask=~only)),
            "signal_time": timestamps(d.seconds[lo:hi]),
            "signal_type": categorical(kind, GENERATED_TYPES, dictionary=dictionary),
            "topic": categorical(
                np.minimum(topic, _NO_TOPIC - 1),
                TOPICS,
                null=topic == _NO_TOPIC,
                dictionary=dictionary,
            ),
            "source": categorical(TYPE_SOURCE[kind], SOURCES, dictionary=dictionary),
            "url": url,
            "text": text,
            "strength": pa.array(d.strength[lo:hi]),
        }
    )
