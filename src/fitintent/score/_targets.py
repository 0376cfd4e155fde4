"""The target list: the N accounts a partner should work for a product, and its safe CSV.

>>> top = targets(placed, accounts, "P0001", "M365", 50, cfg)   # doctest: +SKIP
>>> write_targets_csv(top, Path("targets.csv"))                 # doctest: +SKIP

Order (the vendor's advice): clusters in ``cluster_order`` (Act Now, then Evaluate, then Nurture
and Educate, which therefore only fill capacity that is left), within a cluster by intent, then
fit, highest first; ties by account id, so the list is stable. Columns::

    rank, partner_id, account_id, [account_name, domain, city, state, country, location_id,]
    product, cluster, cell, intent, fit, intent_band, fit_band,
    [fit_reasons, intent_reasons, intent_evidence,]
    [whitespace, whitespace_kind, whitespace_revenue, upsell, upsell_propensity]

Bracketed columns appear when the inputs carry them (``account_product_plays`` gives the last
group).

The CSV is opened by people in spreadsheets, so every text cell that starts with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return (or their full-width forms) is prefixed with ``'`` and
cannot run as a formula; numbers, booleans and dates are written as they are.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

import pyarrow as pa

from fitintent.config import Config
from fitintent.engine import DataFrame, F, Window, active

_ACCOUNT_COLUMNS = ("account_name", "domain", "city", "state", "country", "location_id")
_SCORE_COLUMNS = ("cluster", "cell", "intent", "fit", "intent_band", "fit_band")
_REASON_COLUMNS = ("fit_reasons", "intent_reasons", "intent_evidence")
_PLAY_COLUMNS = (
    "whitespace",
    "whitespace_kind",
    "whitespace_revenue",
    "upsell",
    "upsell_propensity",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def targets(
    placed_scores: DataFrame,
    accounts: DataFrame,
    partner_id: str,
    product: str,
    capacity: int,
    cfg: Config | None = None,
    account_product_plays: DataFrame | None = None,
) -> DataFrame:
    """The ``capacity`` accounts of partner ``partner_id`` to work for ``product``, ranked.

    ``placed_scores`` has the columns of :func:`fitintent.score.place`; ``accounts`` gives each
    account's ``partner_id`` (partner of record)."""
    if capacity < 0:
        raise ValueError("capacity must be 0 or more")
    order = (cfg or Config()).matrix.cluster_order
    extra = [c for c in _ACCOUNT_COLUMNS if c in accounts.columns]
    mine = accounts.where(F.col("partner_id") == F.lit(partner_id)).select(
        F.col("account_id").alias("_t_account_id"), "partner_id", *extra
    )
    reasons = [c for c in _REASON_COLUMNS if c in placed_scores.columns]
    scored = placed_scores.where(F.col("product") == F.lit(product)).select(
        "account_id", "product", *_SCORE_COLUMNS, *reasons
    )
    joined = scored.join(mine, on=F.col("account_id") == F.col("_t_account_id"), how="inner")
    plays: list[str] = []
    if account_product_plays is not None:
        plays = [c for c in _PLAY_COLUMNS if c in account_product_plays.columns]
        right = account_product_plays.where(F.col("product") == F.lit(product)).select(
            F.col("account_id").alias("_tp_account_id"), *plays
        )
        joined = joined.join(right, on=F.col("account_id") == F.col("_tp_account_id"), how="left")
    cluster_rank = F.lit(len(order) + 1)
    for i, name in reversed(list(enumerate(order))):
        cluster_rank = F.when(F.col("cluster") == F.lit(name), F.lit(i + 1)).otherwise(cluster_rank)
    rank = F.row_number().over(
        Window.partitionBy("product").orderBy(
            cluster_rank.asc(),
            F.col("intent").desc(),
            F.col("fit").desc(),
            F.col("account_id").asc(),
        )
    )
    ranked = joined.select("*", rank.alias("rank")).where(F.col("rank") <= F.lit(capacity))
    return ranked.select(
        F.col("rank").cast("long").alias("rank"),
        "partner_id",
        "account_id",
        *extra,
        "product",
        *_SCORE_COLUMNS,
        *reasons,
        *plays,
    ).orderBy("rank")


def neutralise(text: str) -> str:
    """A text cell that a spreadsheet would read as a formula, made literal with ``'``.

    >>> neutralise("=HYPERLINK(\\"x\\")"), neutralise("-2"), neutralise("Acme")
    ('\\'=HYPERLINK("x")', "'-2", 'Acme')
    """
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _cell(value: Any, numeric: bool) -> str:
    if value is None:
        return ""
    if numeric or isinstance(value, bool):
        return ("true" if value else "false") if isinstance(value, bool) else str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return neutralise("; ".join("" if v is None else str(v) for v in value))
    if isinstance(value, dict):
        return neutralise("; ".join(f"{k}: {v}" for k, v in value.items()))
    return neutralise(str(value))


def write_targets_csv(rows: pa.Table | DataFrame, path: Path | str) -> Path:
    """Write a target list (or any small table) as UTF-8 CSV with formula-like text neutralised.

    Numeric and boolean columns keep their values (``-3.5`` in a number column stays a number);
    every other cell is text and goes through :func:`neutralise`."""
    table = rows if isinstance(rows, pa.Table) else active().to_arrow(rows)
    numeric = [
        pa.types.is_integer(f.type) or pa.types.is_floating(f.type) or pa.types.is_decimal(f.type)
        for f in table.schema
    ]
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8", newline="") as fh:
        # CRLF rows (RFC 4180): a field holding a CR or LF is then quoted, not split
        writer = csv.writer(fh, lineterminator="\r\n")
        writer.writerow([neutralise(name) for name in table.column_names])
        for record in table.to_pylist():
            writer.writerow([_cell(v, n) for v, n in zip(record.values(), numeric, strict=True)])
    return out
