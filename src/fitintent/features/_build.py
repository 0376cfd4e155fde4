"""The account feature table of a period, and a source that builds it for many periods.

>>> source = FeatureSource.prepare(tables, cfg)                # doctest: +SKIP
>>> source.warm([p.shift(-k) for k in range(15)])   # one query for 15 months  # doctest: +SKIP
>>> features = source.at(p)                                    # doctest: +SKIP
>>> build_features(tables, segmented, cfg, p)        # the one-off form  # doctest: +SKIP

Dated features (install base, holdings, agreements, opportunities, signals) are built for many
months in one query through the months table; firmographics and segmentation come from the
segmented accounts of the month asked for (recomputed as of that month when not given).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from fitintent.config import Config
from fitintent.engine import DataFrame, F, active
from fitintent.features._common import Catalog, Cut, flat, keep
from fitintent.features._firmographics import firmographic_catalog, firmographic_columns
from fitintent.features._holdings import (
    agreement_aggregates,
    agreement_catalog,
    agreement_columns,
    agreement_events,
    division_vocabulary,
    holding_aggregates,
    holding_catalog,
    holding_columns,
    holding_events,
)
from fitintent.features._installbase import (
    Lifecycle,
    default_lifecycle,
    eos_vocabulary,
    install_base_aggregates,
    install_base_catalog,
    install_base_columns,
    install_base_events,
    technology_vocabulary,
)
from fitintent.features._months import months_frame, signals_within
from fitintent.features._opportunities import (
    opportunity_aggregates,
    opportunity_catalog,
    opportunity_columns,
    opportunity_events,
    opportunity_outcomes,
)
from fitintent.features._signals import (
    account_events,
    peer_aggregates,
    peer_rates,
    signal_aggregates,
    signal_catalog,
    signal_columns,
    signal_events,
    signal_evidence,
    signal_flags,
)
from fitintent.period import Period
from fitintent.segment import compute_spend, fit_potential, segment
from fitintent.signals import resolve_accounts

BATCH_ACCOUNT_MONTHS = 1_500_000  # account-months aggregated in one query


def _joined(parts: list[DataFrame]) -> DataFrame:
    """Aggregations of the same account-months side by side: each joined to the first by the
    keys under names of its own, and the keys dropped once at the end."""
    keys = ("account_id", "m_period", "m_end")
    out, spent = parts[0], []
    for i, right in enumerate(parts[1:], start=1):
        other = right.select(
            *[F.col(k).alias(f"_j{i}_{k}") for k in keys],
            *[c for c in right.columns if c not in keys],
        )
        on = None
        for k in keys:
            part = F.col(k) == F.col(f"_j{i}_{k}")
            on = part if on is None else on & part
        out = out.join(other, on=on)
        spent += [f"_j{i}_{k}" for k in keys]
    return flat(out, tuple(spent))


def segment_as_of(tables: Mapping[str, DataFrame], cfg: Config, period: Period) -> DataFrame:
    """The segmented accounts as the pipeline would have made them at ``period`` (compute spend
    and its potential model only see transactions up to that month)."""
    spend = compute_spend(tables["transactions"], cfg, period)
    model = fit_potential(tables["accounts"], spend, cfg, period=period)
    return segment(tables["accounts"], spend, model, cfg)


@dataclass
class FeatureSource:
    """The warehouse tables with signals resolved to accounts, the data vocabulary (technologies,
    agreement divisions) fixed once, and the feature tables built so far."""

    tables: dict[str, DataFrame]
    cfg: Config
    technologies: list[str]
    divisions: list[str]
    versions: Lifecycle  # the lifecycle entries the install base holds (``eos_*`` columns)
    materialize: bool = True
    _dated: dict[str, DataFrame] = field(default_factory=dict)  # period -> its batch
    _outcomes: dict[str, DataFrame] = field(default_factory=dict)
    _segmented: dict[str, DataFrame] = field(default_factory=dict)
    _accounts: int | None = None  # accounts in the tables, counted once

    @classmethod
    def prepare(
        cls,
        tables: Mapping[str, DataFrame],
        cfg: Config,
        *,
        lifecycle: Lifecycle | None = None,
        materialize: bool = True,
        resolved_signals: DataFrame | None = None,
    ) -> FeatureSource:
        """Resolve signals to accounts and fix the vocabulary; ``lifecycle`` (technology,
        version, end of support) defaults to the shipped catalog. ``resolved_signals`` (the
        output of :func:`fitintent.signals.resolve_accounts`, when a caller has it already)
        saves resolving them again."""
        t = dict(tables)
        resolved = resolved_signals
        if resolved is None:  # a join with a small materialised lookup: read as it is used
            resolved = resolve_accounts(t["signals"], t["accounts"])
        t["signals"] = resolved.where(F.col("account_id").isNotNull())
        tech = technology_vocabulary(t["install_base"])
        versions = eos_vocabulary(t["install_base"], lifecycle or default_lifecycle())
        return cls(t, cfg, tech, division_vocabulary(t["agreements"]), versions, materialize)

    def catalog(self) -> Catalog:
        c = Catalog()
        firmographic_catalog(c, self.cfg)
        install_base_catalog(c, self.technologies, self.versions)
        holding_catalog(c, self.cfg)
        agreement_catalog(c, self.divisions, self.cfg)
        opportunity_catalog(c, self.cfg)
        signal_catalog(c, self.cfg)
        return c

    def _cut(self, tag: str) -> Cut:
        if not self.materialize:
            return keep
        eng = active()

        def cut(df: DataFrame, name: str) -> DataFrame:
            return eng.materialize(df, f"{name}-{tag}")

        return cut

    def _build_dated(
        self, periods: Sequence[Period], pairs: DataFrame | None = None, *, read_once: bool = False
    ) -> DataFrame:
        """Every source in one event shape, joined with the months it counts in, aggregated per
        account and month, family by family, and the derived columns. With ``pairs``
        (``account_id``, ``period``) only those account-months are built: each event joins its
        own account's months, so a training sample costs what its rows cost, not what every
        account's would. With ``read_once`` the last join of the families is left unwritten,
        to the one query that reads it."""
        t, cfg = self.tables, self.cfg
        tag = f"{periods[0]}-{len(periods)}" + ("-pairs" if pairs is not None else "")
        cut = self._cut(tag)
        months = cut(months_frame(periods, cfg), "months")
        signals = signals_within(t["signals"], periods, cfg, "m_base_ts")
        peers = peer_rates(signals, t["accounts"], months, cfg)
        if pairs is not None:
            wanted = pairs.select(
                F.col("account_id").alias("_w_account"), F.col("period").alias("_w_period")
            )
            own = months.join(wanted, on=F.col("m_period") == F.col("_w_period"))
            months = cut(flat(own, ("_w_period",)), "wanted")
        # one aggregation per family of sources, each over its own events and every account's
        # own row (so that a count of nothing is 0, as in one wide aggregation), joined by key:
        # many narrow aggregations hold far less state than one wide one at a million accounts
        installed = install_base_aggregates(self.technologies, self.versions)
        # (events, conditions the aggregates share: computed once per row, aggregates)
        families: list[tuple[list[Any], list[Any], list[Any]]] = [
            ([install_base_events(t["install_base"])], [], installed),
            (holding_events(t["subscriptions"], t["transactions"]), [], holding_aggregates(cfg)),
            ([agreement_events(t["agreements"])], [], agreement_aggregates(self.divisions, cfg)),
            ([opportunity_events(t["opportunities"])], [], opportunity_aggregates(cfg)),
            (
                [signal_events(signals)],
                signal_flags(cfg),  # at a million accounts: 18.0 s without, 14.4 s with
                [*peer_aggregates(), *signal_aggregates(cfg)],
            ),
        ]
        aggregated = []
        for i, (parts, shared, aggs) in enumerate(families):
            rows, when = account_events(t["accounts"], cfg)
            for frame, cond in parts:
                rows, when = rows.union(frame), when | cond  # same columns, same order
            on = when if pairs is None else (F.col("account_id") == F.col("_w_account")) & when
            # the events stream into their aggregation: written out first, they cost more than
            # they save (the holdings family at a million accounts: 13.6 s written, 3.9 s not)
            events = flat(rows.join(months, on=on), ("_w_account",))
            if shared:
                events = events.select(*[F.col(c) for c in events.columns], *shared)
            aggregated.append(
                cut(events.groupBy("account_id", "m_period", "m_end").agg(*aggs), f"agg{i}")
            )
        grouped = _joined(aggregated)
        if peers is not None:
            rates = [c for c in peers.columns if c.startswith("_peer_rate_")]
            grouped = flat(
                grouped.join(
                    peers.select(
                        F.col("m_period").alias("_r_period"),
                        F.col("_peer").alias("_r_peer"),
                        *rates,
                    ),
                    on=(F.col("m_period") == F.col("_r_period"))
                    & (F.col("_peer") == F.col("_r_peer")),
                    how="left",
                ),
                ("_r_period", "_r_peer"),
            )
        cols = [
            F.col("m_period").alias("period"),
            F.col("account_id"),
            *[F.col(c) for c in install_base_columns(self.technologies, self.versions)],
            *holding_columns(cfg),
            *agreement_columns(self.divisions, cfg),
            *opportunity_columns(cfg),
            *signal_columns(cfg),
        ]
        dated = grouped.select(*cols)
        return dated if read_once else cut(dated, "dated")

    def account_count(self) -> int:
        """The accounts in the tables (counted once)."""
        if self._accounts is None:
            counted = self.tables["accounts"].groupBy().agg(F.count(F.lit(1)).alias("n"))
            self._accounts = int(active().to_arrow(counted).column("n")[0].as_py())
        return self._accounts

    def account_months(self, periods: Sequence[Period]) -> DataFrame:
        """Every account with every one of ``periods``: ``account_id``, ``period``."""
        months = months_frame(periods, self.cfg).select(F.col("m_period").alias("period"))
        return flat(self.tables["accounts"].select("account_id").crossJoin(months))

    def sampled(self, periods: Sequence[Period], pairs: DataFrame) -> DataFrame:
        """Dated features of the ``pairs`` (``account_id``, ``period``) only: a training sample,
        built without building every account's months (not kept: each sample is its own)."""
        return self._build_dated(sorted(set(periods)), pairs)

    def warm(self, periods: Iterable[Period], *, read_once: bool = False) -> None:
        """Build the dated features of every month not built yet: as few queries as keep each
        under :data:`BATCH_ACCOUNT_MONTHS` rows (one for a small world, a month at a time for
        a million accounts). With ``read_once`` (a month scored with models already trained)
        the family aggregations are written but not their join, which the one reader does
        (at a million accounts: 13.0 s written and read, 11.2 s joined by the reader)."""
        todo = sorted({p for p in periods if str(p) not in self._dated})
        if not todo:
            return
        size = max(1, BATCH_ACCOUNT_MONTHS // max(self.account_count(), 1))
        for i in range(0, len(todo), size):
            batch = self._build_dated(todo[i : i + size], read_once=read_once)
            self._dated.update({str(p): batch for p in todo[i : i + size]})

    def dated(self, periods: Sequence[Period]) -> DataFrame:
        """Dated features (no firmographics) of ``periods``, one row per account and month."""
        self.warm(periods)
        batches: dict[int, tuple[DataFrame, list[str]]] = {}
        for p in sorted(set(periods)):
            batch = self._dated[str(p)]
            batches.setdefault(id(batch), (batch, []))[1].append(str(p))
        out: DataFrame | None = None
        for batch, names in batches.values():
            part = batch.where(F.col("period").isin(names))
            out = part if out is None else out.unionByName(part)
        return out

    def segmented(self, period: Period) -> DataFrame:
        key = str(period)
        if key not in self._segmented:
            seg = segment_as_of(self.tables, self.cfg, period)
            self._segmented[key] = self._cut(key)(seg, "segmented")
        return self._segmented[key]

    def at(self, period: Period, segmented_accounts: DataFrame | None = None) -> DataFrame:
        """The full feature table at ``period``: one row per segmented account. Without
        ``segmented_accounts`` the segmentation is recomputed as of ``period``."""
        seg = segmented_accounts if segmented_accounts is not None else self.segmented(period)
        return self.panel([period], seg)

    def firmographics(self, segmented_accounts: DataFrame) -> DataFrame:
        return segmented_accounts.select(
            *firmographic_columns(segmented_accounts.columns, self.cfg)
        )

    def collect(
        self,
        periods: Sequence[Period],
        segmented_accounts: DataFrame,
        dated: DataFrame | None = None,
    ) -> pa.Table:
        """The rows of :meth:`panel` collected to the driver (for training: bounded), joined
        there rather than by the engine, sorted by account and period. ``dated`` may replace
        :meth:`dated` (a sample of it)."""
        eng = active()
        rows = eng.to_arrow(dated if dated is not None else self.dated(periods))
        firm = eng.to_arrow(self.firmographics(segmented_accounts))
        joined = firm.join(rows, keys="account_id", join_type="inner")
        order = ["period", *firm.schema.names]
        order += [c for c in rows.schema.names if c not in ("account_id", "period")]
        return joined.select(order).sort_by([("account_id", "ascending"), ("period", "ascending")])

    def panel(self, periods: Sequence[Period], segmented_accounts: DataFrame) -> DataFrame:
        """Full feature rows of several months, one per segmented account and month; the
        firmographic and segment columns all come from ``segmented_accounts``."""
        firm = self.firmographics(segmented_accounts)
        dated = self.dated(periods)
        right = dated.select(
            F.col("account_id").alias("_d_account"),
            *[c for c in dated.columns if c != "account_id"],
        )
        joined = firm.join(right, on=F.col("account_id") == F.col("_d_account"))
        rest = [c for c in dated.columns if c not in ("account_id", "period")]
        return joined.select(
            F.col("period"), *[F.col(c) for c in firm.columns], *[F.col(c) for c in rest]
        )

    def outcomes(self, periods: Sequence[Period]) -> DataFrame:
        """Opportunities created in the horizon after each of ``periods``: account_id, product,
        period, opportunities, won, lost, amount, won_amount."""
        key = ",".join(str(p) for p in sorted(set(periods)))
        if key not in self._outcomes:
            months = months_frame(periods, self.cfg)
            out = opportunity_outcomes(self.tables["opportunities"], self.cfg, months)
            out = out.select(
                "account_id",
                "product",
                F.col("m_period").alias("period"),
                "opportunities",
                "won",
                "lost",
                "amount",
                "won_amount",
            )
            self._outcomes[key] = self._cut("outcomes")(out, "outcomes")
        return self._outcomes[key]

    def evidence(self, period: Period, pairs: DataFrame | None = None) -> DataFrame:
        """Evidence signals at ``period`` of every (account_id, product) with any, or only of
        the ``pairs`` given."""
        months = months_frame([period], self.cfg)
        rows = [(p.id, t) for p in self.cfg.products for t in p.topics]
        topics = active().from_arrow(
            pa.table(
                {"_pp": [r[0] for r in rows], "_pt": [r[1] for r in rows]},
                schema=pa.schema([("_pp", pa.string()), ("_pt", pa.string())]),
            ),
            "product-topics",
        )
        signals = signals_within(self.tables["signals"], [period], self.cfg, "m_evidence_ts")
        return signal_evidence(signals, self.cfg, months, topics, pairs)


def build_features(
    tables: Mapping[str, DataFrame],
    segmented_accounts: DataFrame,
    cfg: Config,
    period: Period,
    *,
    lifecycle: Lifecycle | None = None,
) -> DataFrame:
    """One row per account as of the end of ``period``: firmographics (with the configured extra
    columns, prefixed ``x_``), size and segment, install base, holdings per product, agreements,
    opportunity history and per-product signal features with surge. Only rows dated on or before
    the period's last day are used, so any past month can be built from today's tables."""
    source = FeatureSource.prepare(tables, cfg, lifecycle=lifecycle)
    return source.at(period, segmented_accounts)
