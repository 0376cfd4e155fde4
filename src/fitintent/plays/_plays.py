"""The plays stage: one call that derives every play table for a period.

>>> out = plays(tables, segmented_accounts, placed_scores, cfg, period)   # doctest: +SKIP
>>> sorted(out)                                                           # doctest: +SKIP
['account_flags', 'account_product_plays', 'eos', 'next_workload', 'renewal_rates',
 'renewals', 'upsell_rates', 'whitespace_rates', 'workload_rules']

Inputs: ``tables`` the ingested sources (``subscriptions``, ``transactions``, ``install_base``,
``agreements``), ``segmented_accounts`` one row per account with ``account_id``, ``employees``,
``industry``; ``placed_scores`` the scores after :func:`fitintent.score.place` (``account_id``,
``product``, ``fit``, ``intent``, ``cluster``; scores not yet placed are placed on the matrix of
``cfg``). The learned rates are returned as tables too, so
that a snapshot records how every estimate was made; :func:`plays_card` describes the methods.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa

from fitintent.config import Config
from fitintent.engine import DataFrame, active
from fitintent.period import Period
from fitintent.plays._account_product import account_product_plays
from fitintent.plays._eos import eos_table, installed
from fitintent.plays._flags import account_flags, flag_names
from fitintent.plays._holdings import holdings
from fitintent.plays._lifecycle import load_lifecycle
from fitintent.plays._renewals import RENEWAL_METHOD, renewals
from fitintent.plays._settings import PlaySettings, play_settings
from fitintent.plays._upsell import UPSELL_METHOD, UPSELL_RULE, learn_upsell_rates
from fitintent.plays._whitespace import WHITESPACE_METHOD, learn_whitespace_rates
from fitintent.plays._workload import WORKLOAD_METHOD, learn_rules, next_workload, workloads
from fitintent.score import place

# every play table and the columns that key (and sort) it
PLAY_TABLE_KEYS: dict[str, tuple[str, ...]] = {
    "account_product_plays": ("account_id", "product"),
    "account_flags": ("account_id",),
    "eos": ("account_id", "technology", "version"),
    "renewals": ("agreement_id",),
    "next_workload": ("account_id", "rank"),
    "whitespace_rates": ("product", "industry", "size_band"),
    "upsell_rates": ("product", "growth_bucket", "headroom"),
    "renewal_rates": ("license_program", "engaged"),
    "workload_rules": ("from_item", "to_item"),
}
PLAY_TABLES = tuple(PLAY_TABLE_KEYS)


def plays(
    tables: Mapping[str, DataFrame],
    segmented_accounts: DataFrame,
    placed_scores: DataFrame,
    cfg: Config,
    period: Period,
    *,
    settings: PlaySettings | None = None,
    lifecycle: pa.Table | Path | str | None = None,
) -> dict[str, DataFrame]:
    """Every play table for ``period`` (see ``PLAY_TABLES``; columns in each module's docstring).

    Learning steps (whitespace, upsell, renewal rates and workload rules) run here and bring
    only their small aggregates to the driver; shared intermediates are materialised once.
    """
    s = settings or play_settings(cfg)
    lc = lifecycle if isinstance(lifecycle, pa.Table) else load_lifecycle(lifecycle)
    eng = active()
    if "cluster" not in placed_scores.columns:
        placed_scores = place(placed_scores, cfg)
    subscriptions, transactions = tables["subscriptions"], tables["transactions"]
    accounts = segmented_accounts.select("account_id", "employees", "industry")
    held = eng.materialize(holdings(subscriptions, transactions, cfg, period, s), "holdings")
    ws_rates = learn_whitespace_rates(accounts, held, cfg, s)
    up_rates = learn_upsell_rates(held, cfg, s)
    per_product = eng.materialize(
        account_product_plays(accounts, held, ws_rates, up_rates, cfg, s), "account-product"
    )
    rows = eng.materialize(
        installed(tables["install_base"], lc, placed_scores, period, s), "installed"
    )
    flags = account_flags(accounts, rows, tables["agreements"], per_product, lc, cfg, period, s)
    items = eng.materialize(workloads(held, transactions, cfg, period, s), "workloads")
    rules = learn_rules(items, s)
    expiring, renewal_rates = renewals(
        tables["agreements"], transactions, subscriptions, cfg, period, s
    )
    return {
        "account_product_plays": per_product,
        "account_flags": flags,
        "eos": eos_table(rows),
        "renewals": expiring,
        "next_workload": next_workload(items, rules, cfg, s),
        "whitespace_rates": eng.from_arrow(ws_rates, "whitespace-rates"),
        "upsell_rates": eng.from_arrow(up_rates, "upsell-rates"),
        "renewal_rates": eng.from_arrow(renewal_rates, "renewal-rates"),
        "workload_rules": eng.from_arrow(rules, "workload-rules"),
    }


def plays_card(
    cfg: Config,
    period: Period,
    settings: PlaySettings | None = None,
    lifecycle: pa.Table | Path | str | None = None,
) -> dict[str, Any]:
    """A JSON-able record of how the plays were made: methods, settings, flag columns."""
    s = settings or play_settings(cfg)
    lc = lifecycle if isinstance(lifecycle, pa.Table) else load_lifecycle(lifecycle)
    return {
        "as_of": str(period.end),
        "settings": s.model_dump(mode="json"),
        "whitespace": {
            "rule": "not owned: no billing in the owner window and no active subscription",
            "revenue_method": WHITESPACE_METHOD,
        },
        "upsell": {"rule": UPSELL_RULE, "propensity_method": UPSELL_METHOD},
        "next_workload": {"method": WORKLOAD_METHOD},
        "renewals": {"method": RENEWAL_METHOD},
        "eos": {
            "rule": "currently seen install base, end_of_support <= last day of the period",
            "lifecycle_rows": lc.num_rows,
        },
        "flag_columns": flag_names(cfg, lc, s),
    }
