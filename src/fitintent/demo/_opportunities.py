"""Opportunities: the buying cycles that reached sales, with SKU, quantity and amount."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from fitintent.demo._accounts import Firmographics
from fitintent.demo._arrow import categorical, dates, money, padded, take
from fitintent.demo._calendar import Calendar
from fitintent.demo._catalog import PRODUCT_IDS, PRODUCTS
from fitintent.demo._market import Cycles
from fitintent.demo._ownership import Ownership, choose_seats, choose_sku, consumption_spend

OUTCOMES = ("won", "lost", "open")
EXPANSION_SHARE = 0.3  # an expansion deal adds this share of the current seats
MISSING_AMOUNT = 0.01  # share of opportunities entered without an amount
_KIND = np.array([p.kind for p in PRODUCTS])
_SERVICES = np.array([1.5 if p.id == "D365FO" else 1.0 for p in PRODUCTS])
_PRICES = [np.array([s.price for s in p.skus]) for p in PRODUCTS]


def sku_price(product: np.ndarray, sku: np.ndarray) -> np.ndarray:
    out = np.zeros(len(product))
    for pi, prices in enumerate(_PRICES):
        rows = product == pi
        out[rows] = prices[sku[rows]]
    return out


@dataclass
class Deals:
    """One row per opportunity (a converting cycle created within the history)."""

    cycle: np.ndarray  # row in Cycles
    account: np.ndarray
    product: np.ndarray
    created_day: np.ndarray
    close_day: np.ndarray
    outcome: np.ndarray  # index into OUTCOMES
    expansion: np.ndarray
    sku: np.ndarray
    quantity: np.ndarray  # seats, devices, or monthly spend (consumption)
    amount: np.ndarray
    amount_missing: np.ndarray


def draw_deals(
    rng: np.random.Generator, firm: Firmographics, cycles: Cycles, own: Ownership, cal: Calendar
) -> Deals:
    rows = np.flatnonzero(cycles.converts & (cycles.created < cal.months))
    rows = rows[np.lexsort((cycles.account[rows], cycles.created_day[rows]))]
    a, p = cycles.account[rows], cycles.product[rows]
    k = len(rows)
    emp = firm.employees[a]
    created = cycles.created[rows]
    owned_then = (own.start_month[a, p] <= created) & (created < own.end_month[a, p])
    expansion = cycles.expansion[rows] | (~cycles.won[rows] & owned_then)
    sku = choose_sku(rng, p, emp)
    seats = choose_seats(rng, p, emp)
    seats = np.where(expansion, np.maximum(1, np.round(seats * EXPANSION_SHARE)), seats)
    spend = consumption_spend(rng, firm, a) * np.where(expansion, 0.5, 1.0)
    kind = _KIND[p]
    quantity = np.where(kind == "consumption", np.round(spend, 2), seats.astype(np.float64))
    months = np.where(kind == "device", 1.0, 12.0)
    unit = np.where(kind == "consumption", 1.0, sku_price(p, sku))
    amount = quantity * unit * months * _SERVICES[p] * rng.lognormal(0.0, 0.25, k)
    outcome = np.where(cycles.won[rows], 0, np.where(cycles.closed[rows], 1, 2))
    return Deals(
        cycle=rows,
        account=a,
        product=p,
        created_day=cycles.created_day[rows],
        close_day=cycles.close_day[rows],
        outcome=outcome,
        expansion=expansion,
        sku=sku,
        quantity=quantity,
        amount=np.round(amount, 2),
        amount_missing=rng.random(k) < MISSING_AMOUNT,
    )


def opportunity_ids(first_id: int, n: int) -> pa.Array:
    return padded(np.arange(first_id, first_id + n), 8, "OP")


def opportunities_table(deals: Deals, account_ids: pa.Array, first_id: int) -> pa.Table:
    open_ = deals.outcome == 2
    return pa.table(
        {
            "opportunity_id": opportunity_ids(first_id, len(deals.cycle)),
            "account_id": take(account_ids, deals.account),
            "product": categorical(deals.product, PRODUCT_IDS),
            "created_date": dates(deals.created_day),
            "closed_date": dates(np.where(open_, 0, deals.close_day), null=open_),
            "outcome": categorical(deals.outcome, OUTCOMES),
            "amount": money(deals.amount, null=deals.amount_missing),
        }
    )
