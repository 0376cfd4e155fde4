"""Ground-truth tables (kept apart from the sources): true propensities, hidden factors, cycles."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from fitintent.demo._accounts import Firmographics
from fitintent.demo._arrow import categorical, dates, take
from fitintent.demo._calendar import Calendar
from fitintent.demo._catalog import PRODUCT_IDS
from fitintent.demo._drivers import HAZARD_BASE
from fitintent.demo._market import Cycles, Market
from fitintent.demo._opportunities import Deals, opportunity_ids


def propensity_table(market: Market, ids: pa.Array, cal: Calendar, *, full: bool) -> pa.Table:
    """(account_id, product, month, true_propensity): every month, or only the period."""
    truth = market.truth if full else market.truth[:, :, -1:]
    n, n_products, months = truth.shape
    first = cal.months - months
    return pa.table(
        {
            "account_id": take(ids, np.repeat(np.arange(n), n_products * months)),
            "product": categorical(
                np.tile(np.repeat(np.arange(n_products), months), n), PRODUCT_IDS
            ),
            "month": dates(np.tile(cal.month_start[first : cal.months], n * n_products)),
            "true_propensity": pa.array(truth.ravel().astype(np.float64)),
        }
    )


def factors_table(market: Market, firm: Firmographics, ids: pa.Array) -> pa.Table:
    """Per account x product: the hidden factors and the two halves of the hazard logit."""
    n, n_products = market.hidden.shape
    acc = np.repeat(np.arange(n), n_products)
    return pa.table(
        {
            "account_id": take(ids, acc),
            "product": categorical(np.tile(np.arange(n_products), n), PRODUCT_IDS),
            "latent_budget": pa.array(firm.budget[acc]),
            "digital_maturity": pa.array(firm.maturity[acc]),
            "champion": pa.array(market.champion.ravel()),
            "observed_logit": pa.array((market.fit + HAZARD_BASE).ravel()),
            "hidden_logit": pa.array(market.hidden.ravel()),
        }
    )


def cycles_table(
    cycles: Cycles, deals: Deals, ids: pa.Array, cal: Calendar, first_opportunity: int
) -> pa.Table:
    """Every buying cycle, with the opportunity it became (if it did within the history)."""
    opp = np.full(len(cycles.account), -1, dtype=np.int64)
    opp[deals.cycle] = np.arange(len(deals.cycle))
    none = opp < 0
    return pa.table(
        {
            "account_id": take(ids, cycles.account),
            "product": categorical(cycles.product, PRODUCT_IDS),
            "start_month": dates(cal.start_of(cycles.start)),
            "opportunity_month": dates(cal.start_of(cycles.created)),
            "converts": pa.array(cycles.converts.astype(bool)),
            "loud": pa.array(cycles.loud.astype(bool)),
            "won": pa.array(cycles.won.astype(bool)),
            "opportunity_id": opportunity_ids(first_opportunity, len(deals.cycle)).take(
                pa.array(np.maximum(opp, 0), mask=none)
            ),
        }
    )
