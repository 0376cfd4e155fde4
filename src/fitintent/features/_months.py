"""The months table: one row per as-of period with every window bound the features need.

Features of many months are built in one query: every source, in one event shape, is joined with
this small table on its date bounds (``created_date <= m_end`` ...) and grouped by account and
``m_period``, so the query plan is made once however many months are asked for.

Columns: ``m_period`` (``YYYY-MM``), dates ``m_start``, ``m_end`` (last day), ``m_year_start``
(first day of the month 11 months back), ``m_hold_start`` (first day of the holding window),
``m_year_ago`` (``m_end`` - 365 days), ``m_soon`` (``m_end`` + horizon), and UTC timestamps
``m_next_ts`` (the day after ``m_end``), ``m_recent_ts``, ``m_prior_ts``, ``m_base_ts``,
``m_evidence_ts`` (starts of the signal windows).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

import pyarrow as pa

from fitintent.config import Config
from fitintent.engine import DataFrame, F, active
from fitintent.period import Period


def _ts(d: date) -> datetime:
    return datetime(d.year, d.month, d.day, tzinfo=UTC)


def months_table(periods: Iterable[Period], cfg: Config) -> pa.Table:
    rows = []
    recent, base = cfg.signals.recent_days, cfg.signals.baseline_days
    for p in sorted(set(periods)):
        nxt = p.end + timedelta(days=1)
        recent_start = nxt - timedelta(days=recent)
        rows.append(
            {
                "m_period": str(p),
                "m_start": p.start,
                "m_end": p.end,
                "m_year_start": p.shift(-11).start,
                "m_hold_start": p.shift(-(cfg.fit.holding_months - 1)).start,
                "m_year_ago": p.end - timedelta(days=365),
                "m_soon": p.end + timedelta(days=cfg.intent.horizon_days),
                "m_next_ts": _ts(nxt),
                "m_recent_ts": _ts(recent_start),
                "m_prior_ts": _ts(recent_start - timedelta(days=recent)),
                "m_base_ts": _ts(recent_start - timedelta(days=base)),
                "m_evidence_ts": _ts(nxt - timedelta(days=cfg.intent.evidence_days)),
            }
        )
    ts = pa.timestamp("us", tz="UTC")
    schema = pa.schema(
        [("m_period", pa.string())]
        + [(c, pa.date32()) for c in ("m_start", "m_end", "m_year_start", "m_hold_start")]
        + [(c, pa.date32()) for c in ("m_year_ago", "m_soon")]
        + [(c, ts) for c in ("m_next_ts", "m_recent_ts", "m_prior_ts", "m_base_ts")]
        + [("m_evidence_ts", ts)]
    )
    return pa.Table.from_pylist(rows, schema=schema)


def months_frame(periods: Iterable[Period], cfg: Config) -> DataFrame:
    return active().from_arrow(months_table(periods, cfg), "months")


def signals_within(
    signals: DataFrame, periods: Iterable[Period], cfg: Config, start: str
) -> DataFrame:
    """The signals inside the windows of ``periods``, from their ``start`` column (such as
    ``m_base_ts``) to the month's end: a filter on two literal bounds, which the engine pushes
    down into the file scan, so that the join with the months that follows reads only those
    rows and not every signal ever collected."""
    table = months_table(periods, cfg)
    lo, hi = min(table.column(start).to_pylist()), max(table.column("m_next_ts").to_pylist())
    t = F.col("signal_time")

    def ts(d: datetime) -> object:  # the sessions run in UTC
        return F.lit(d.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")).cast("timestamp")

    return signals.where((t >= ts(lo)) & (t < ts(hi)))
