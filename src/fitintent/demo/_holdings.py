"""Holdings over time (spans of a SKU), and the subscriptions and monthly transactions they bill."""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import pyarrow as pa

from fitintent.demo._accounts import Firmographics
from fitintent.demo._arrow import categorical, dates, longs, money, take
from fitintent.demo._calendar import Calendar
from fitintent.demo._catalog import PRODUCT_IDS, PRODUCTS
from fitintent.demo._opportunities import Deals, sku_price
from fitintent.demo._ownership import NEVER, Ownership

OPEN, CHURNED, UPGRADED = 0, 1, 2
STATUSES = ("active", "cancelled", "expired", "suspended")
_KIND = np.array([p.kind for p in PRODUCTS])
_M365 = PRODUCT_IDS.index("M365")
_E3 = [s.name for s in PRODUCTS[_M365].skus].index("E3")
_E5 = [s.name for s in PRODUCTS[_M365].skus].index("E5")
_MODERN_WORK = np.array([p.division == "Modern Work" for p in PRODUCTS])
_KEY_DAYS = 1 << 26  # day numbers stay below this


@dataclass
class Spans:
    account: np.ndarray
    product: np.ndarray
    sku: np.ndarray
    start_day: np.ndarray
    end_day: np.ndarray  # NEVER while it runs
    seats: np.ndarray  # at the first billed month (spend for consumption)
    growth: np.ndarray  # per month
    step_month: np.ndarray  # from this month an expansion multiplies seats or spend
    step: np.ndarray
    reason: np.ndarray  # OPEN, CHURNED or UPGRADED

    def extend(self, other: Spans) -> Spans:
        return Spans(
            *(np.concatenate([getattr(self, f.name), getattr(other, f.name)]) for f in fields(self))
        )

    def billed(self, cal: Calendar) -> tuple[np.ndarray, np.ndarray]:
        """First and last billed month of each span (last < first: nothing in the history)."""
        first = np.maximum(cal.month_of(np.minimum(self.start_day, cal.last_day)) + 1, 0)
        ended = self.end_day < NEVER
        last = np.where(ended, cal.month_of(np.minimum(self.end_day, cal.last_day)), cal.months - 1)
        return first, np.minimum(last, cal.months - 1)

    def level(self, rows: np.ndarray, month: np.ndarray, first: np.ndarray) -> np.ndarray:
        """Seats (or spend) of spans ``rows`` at ``month``, given their first billed month."""
        grown = self.seats[rows] * (1.0 + self.growth[rows]) ** np.maximum(month - first, 0)
        return grown * np.where(month >= self.step_month[rows], self.step[rows], 1.0)


def _new_spans(
    a: np.ndarray,
    p: np.ndarray,
    sku: np.ndarray,
    start: np.ndarray,
    seats: np.ndarray,
    growth: np.ndarray,
) -> Spans:
    k = len(a)
    return Spans(
        a,
        p,
        sku,
        start,
        np.full(k, NEVER),
        seats.astype(np.float64),
        growth,
        np.full(k, NEVER),
        np.ones(k),
        np.full(k, OPEN),
    )


def _initial_spans(own: Ownership) -> Spans:
    a, p = np.nonzero(own.owned0 & (_KIND != "device")[None, :])
    consumption = _KIND[p] == "consumption"
    level = np.where(consumption, own.spend[a, p], own.seats[a, p])
    spans = _new_spans(a, p, own.sku[a, p], own.start_day[a, p], level, own.growth[a, p])
    spans.end_day = own.end_day[a, p]
    spans.reason = np.where(spans.end_day < NEVER, CHURNED, OPEN)
    return spans


def _growth(rng: np.random.Generator, p: np.ndarray) -> np.ndarray:
    consumption = _KIND[p] == "consumption"
    return np.where(consumption, rng.normal(0.015, 0.02, len(p)), rng.normal(0.002, 0.004, len(p)))


def build_spans(rng: np.random.Generator, own: Ownership, deals: Deals, cal: Calendar) -> Spans:
    spans = _initial_spans(own)
    won = (deals.outcome == 0) & (_KIND[deals.product] != "device")
    new = np.flatnonzero(won & ~deals.expansion)
    spans = spans.extend(
        _new_spans(
            deals.account[new],
            deals.product[new],
            deals.sku[new],
            deals.close_day[new],
            deals.quantity[new],
            _growth(rng, deals.product[new]),
        )
    )
    return _expand(rng, spans, deals, np.flatnonzero(won & deals.expansion), cal)


def _expand(
    rng: np.random.Generator, spans: Spans, deals: Deals, rows: np.ndarray, cal: Calendar
) -> Spans:
    """Expansion deals step up the span running at close; some E3 customers upgrade to E5."""
    n_products = len(PRODUCTS)
    key = spans.account * n_products + spans.product
    order = np.lexsort((spans.start_day, key))
    comp = key[order] * _KEY_DAYS + spans.start_day[order]
    q_key = deals.account[rows] * n_products + deals.product[rows]
    close = deals.close_day[rows]
    hit = np.searchsorted(comp, q_key * _KEY_DAYS + close, side="right") - 1
    ok = hit >= 0
    idx = order[np.maximum(hit, 0)]
    ok &= (key[idx] == q_key) & (spans.end_day[idx] > close)
    idx, close, rows = idx[ok], close[ok], rows[ok]
    idx, first = np.unique(idx, return_index=True)  # one expansion per span
    close, rows = close[first], rows[first]
    close_month = cal.month_of(close)
    upgrade = (spans.product[idx] == _M365) & (spans.sku[idx] == _E3) & (rng.random(len(idx)) < 0.5)
    step = ~upgrade & (spans.step_month[idx] == NEVER)
    consumption = _KIND[spans.product[idx]] == "consumption"
    k = len(idx)
    factor = np.where(consumption, rng.uniform(1.3, 2.0, k), rng.uniform(1.15, 1.5, k))
    spans.step_month[idx[step]] = close_month[step] + 1
    spans.step[idx[step]] = factor[step]
    up = idx[upgrade]
    first_billed, _ = spans.billed(cal)
    seats_now = np.round(spans.level(up, close_month[upgrade], first_billed[up]))
    upgraded = _new_spans(
        spans.account[up],
        spans.product[up],
        np.full(len(up), _E5),
        close[upgrade],
        np.maximum(seats_now, 1),
        np.full(len(up), 0.002),
    )
    upgraded.end_day, upgraded.reason = spans.end_day[up], spans.reason[up]  # a churn carries over
    spans.end_day[up] = close[upgrade]
    spans.reason[up] = UPGRADED
    return spans.extend(upgraded)


def _expand_months(first: np.ndarray, last: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = np.maximum(last - first + 1, 0)
    row = np.repeat(np.arange(len(n)), n)
    offset = np.arange(len(row)) - np.repeat(np.cumsum(n) - n, n)
    return row, first[row] + offset


def transactions_table(
    rng: np.random.Generator,
    spans: Spans,
    purchases: dict[str, np.ndarray],
    firm: Firmographics,
    account_ids: pa.Array,
    cal: Calendar,
) -> pa.Table:
    first, last = spans.billed(cal)
    row, month = _expand_months(first, last)
    p, sku = spans.product[row], spans.sku[row]
    level = spans.level(row, month, first[row])
    consumption = _KIND[p] == "consumption"
    revenue_c = level * np.exp(rng.normal(0.0, 0.1, len(row)))
    price = sku_price(p, sku)
    seats = np.maximum(np.round(level), 1)
    discount = np.where(firm.non_profit[spans.account[row]] & _MODERN_WORK[p], 0.75, 1.0)
    discount = discount * np.where(seats >= 300, 0.9, 1.0)
    quantity = np.where(consumption, np.round(revenue_c / price, 1), seats)
    revenue = np.where(consumption, revenue_c, seats * price * discount)
    account = np.concatenate([spans.account[row], purchases["account"]])
    month = np.concatenate([month, purchases["month"]])
    product = np.concatenate([p, purchases["product"]])
    order = np.lexsort((product, month, account))
    return pa.table(
        {
            "account_id": take(account_ids, account[order]),
            "month": dates(cal.start_of(month[order])),
            "product": categorical(product[order], PRODUCT_IDS),
            "sku": _sku_names(product[order], np.concatenate([sku, purchases["sku"]])[order]),
            "quantity": pa.array(np.concatenate([quantity, purchases["quantity"]])[order]),
            "revenue": money(np.concatenate([revenue, purchases["revenue"]])[order]),
        }
    )


def _sku_names(product: np.ndarray, sku: np.ndarray) -> pa.Array:
    names = [s.name for prod in PRODUCTS for s in prod.skus]
    offset = np.cumsum([0] + [len(prod.skus) for prod in PRODUCTS])[:-1]
    return take(names, offset[product] + sku)


def subscriptions_table(
    rng: np.random.Generator, spans: Spans, account_ids: pa.Array, cal: Calendar
) -> pa.Table:
    n_products = len(PRODUCTS)
    key = (spans.account * n_products + spans.product) * 16 + spans.sku
    order = np.lexsort((-spans.start_day, key))
    _, keep = np.unique(key[order], return_index=True)  # the latest span of each SKU
    rows = order[keep]
    s = Spans(*(getattr(spans, f.name)[rows] for f in fields(spans)))
    first, last = s.billed(cal)
    level = s.level(np.arange(len(rows)), np.maximum(last, first), first)
    consumption = _KIND[s.product] == "consumption"
    seats = np.where(consumption, 1 + np.minimum(level // 5000, 19), np.maximum(np.round(level), 1))
    k = len(rows)
    ended = s.end_day < NEVER
    years = np.ceil((cal.last_day + 1 - s.start_day) / 365.0)
    anniversary = s.start_day + np.maximum(years, 1).astype(np.int64) * 365 - 1
    monthly = ~ended & (rng.random(k) < 0.15)
    end = np.where(ended, s.end_day, anniversary)
    status = np.where(
        s.reason == UPGRADED,
        1,
        np.where(
            s.reason == CHURNED,
            np.where(rng.random(k) < 0.6, 1, 2),
            np.where(rng.random(k) < 0.02, 3, 0),
        ),
    )
    return pa.table(
        {
            "account_id": take(account_ids, s.account),
            "product": categorical(s.product, PRODUCT_IDS),
            "sku": _sku_names(s.product, s.sku),
            "seats": longs(seats),
            "start_date": dates(s.start_day),
            "end_date": dates(np.where(monthly, 0, end), null=monthly),
            "status": categorical(status, STATUSES),
        }
    )


def device_purchases(
    rng: np.random.Generator, own: Ownership, deals: Deals, cal: Calendar
) -> dict[str, np.ndarray]:
    """Device buys: a few refresh waves for owners, and each won device deal the month after."""
    a, p = np.nonzero(own.owned0 & (_KIND == "device")[None, :])
    waves = rng.poisson(1.5, len(a))
    r = np.repeat(np.arange(len(a)), waves)
    month = rng.integers(0, cal.months, len(r))
    qty = np.maximum(np.round(own.seats[a[r], p[r]] * rng.uniform(0.15, 0.6, len(r))), 1)
    won = np.flatnonzero((deals.outcome == 0) & (_KIND[deals.product] == "device"))
    won_month = cal.month_of(deals.close_day[won]) + 1
    fits = won_month < cal.months
    won = won[fits]
    account = np.concatenate([a[r], deals.account[won]])
    product = np.concatenate([p[r], deals.product[won]])
    sku = np.concatenate([own.sku[a[r], p[r]], deals.sku[won]])
    month = np.concatenate([month, won_month[fits]])
    qty = np.concatenate([qty, deals.quantity[won]])
    # several buys of one SKU in one month are one transaction
    key = ((account * len(PRODUCTS) + product) * 16 + sku) * 4096 + month
    uniq, first, inv = np.unique(key, return_index=True, return_inverse=True)
    total = np.bincount(inv, weights=qty, minlength=len(uniq))
    price = sku_price(product[first], sku[first]) * rng.uniform(0.85, 1.0, len(uniq))
    return {
        "account": account[first],
        "product": product[first],
        "sku": sku[first],
        "month": month[first],
        "quantity": total,
        "revenue": total * price,
    }
