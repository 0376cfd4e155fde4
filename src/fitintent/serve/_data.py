"""The one data-access layer: every read of a snapshot takes a :class:`Viewer` and goes through
here, scoped to the viewer's partner and locations, with the fields the viewer may receive.

>>> data = DataAccess(cfg)                                    # doctest: +SKIP
>>> data.accounts(viewer, None, AccountQuery(product="M365")).total   # doctest: +SKIP
1642
"""

from __future__ import annotations

import copy
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from fitintent.config import Config
from fitintent.errors import FitintentError
from fitintent.publish import Snapshot, list_snapshots
from fitintent.serve import _detail, _listing
from fitintent.serve._cache import ACCOUNT_FIELDS, SnapshotData, open_cache, prune, quote
from fitintent.serve._query import AccountQuery, Page, scope
from fitintent.serve._viewer import Viewer

SUMMARY_KEYS = ("partner_id", "partner_name", "location_id", "location_name", "fiscal_year")
# what the account list page shows
LIST_COLUMNS = (
    "partner_id",
    "account_id",
    "account_name",
    "location_id",
    "country",
    "industry",
    "smb_type_summary",
    "cluster",
    "cell",
    "fit",
    "intent",
    "fit_change",
    "intent_change",
    "whitespace",
    "whitespace_revenue",
    "upsell",
)
# what the API's account list returns unless asked for other fields (``fields=*``: all of them)
API_COLUMNS = (
    "product",
    *LIST_COLUMNS[:9],  # through cell
    "fit_band",
    "intent_band",
    *LIST_COLUMNS[9:],
)
# filters whose choices the list offers, from the viewer's own rows
OPTION_FILTERS = (
    "cluster",
    "cell",
    "fit_band",
    "intent_band",
    "country",
    "area",
    "industry",
    "vertical",
    "segment",
    "smb_type_summary",
    "location_id",
)


class NotFound(FitintentError):
    """Nothing of that id in the viewer's scope (the same answer whether it exists elsewhere)."""


class Forbidden(FitintentError):
    """The viewer's role does not open this."""


class DataAccess:
    def __init__(self, cfg: Config, cache_dir: Path | None = None) -> None:
        self.cfg = cfg
        self.root = cfg.paths.snapshots
        self.cache_dir = cache_dir or cfg.serve.state(cfg.paths.workdir) / "cache"
        self._open: dict[str, SnapshotData] = {}
        self._lock = threading.Lock()
        self._listed: tuple[float, list[Snapshot]] = (0.0, [])
        self._options: dict[tuple[str, str], dict[str, list[str]]] = {}
        # a published snapshot never changes, so an answer stays right for as long as it is kept
        self._answers: OrderedDict[tuple[object, ...], Any] = OrderedDict()
        self._answers_lock = threading.Lock()
        # 0: every read goes to the snapshot (how the benchmark measures the query path)
        self.answers_kept = 4096

    def _remember(self, key: tuple[object, ...], compute: Callable[[], Any]) -> Any:
        with self._answers_lock:
            if key in self._answers:
                self._answers.move_to_end(key)
                return _copy(self._answers[key])
        value = compute()
        with self._answers_lock:
            self._answers[key] = _copy(value)
            while len(self._answers) > self.answers_kept:
                self._answers.popitem(last=False)
        return value

    # -- snapshots -----------------------------------------------------------------------------
    def snapshots(self) -> list[Snapshot]:
        """Published snapshots, oldest first (re-read at most every two seconds)."""
        at, snaps = self._listed
        if time.monotonic() - at > 2.0:
            snaps = list_snapshots(self.root)
            self._listed = (time.monotonic(), snaps)
        return snaps

    def data(self, period: str | None = None) -> SnapshotData:
        snaps = self.snapshots()
        if not snaps:
            raise NotFound("no snapshot is published yet")
        chosen = (
            snaps[-1] if period is None else next((s for s in snaps if s.period == period), None)
        )
        if chosen is None:
            raise NotFound("no such snapshot")
        key = f"{chosen.period}-{chosen.manifest.get('run_id', 'run')}"
        hit = self._open.get(key)
        if hit is not None:
            return hit
        with self._lock:
            if key not in self._open:
                self._open[key] = open_cache(
                    chosen,
                    self.cache_dir,
                    self.cfg.matrix.cluster_order,
                    self.cfg.engine.threads,
                    self.cfg.engine.memory_limit,
                )
                live = {f"{s.period}-{s.manifest.get('run_id', 'run')}" for s in snaps}
                for stale in [k for k in self._open if k not in live]:
                    self._open.pop(stale).close()
                prune(self.cache_dir, live)
            return self._open[key]

    def close(self) -> None:
        with self._lock:
            for d in self._open.values():
                d.close()
            self._open.clear()

    def products(self, period: str | None = None) -> list[str]:
        """Products with scores, in catalog order."""
        have = set(self.data(period).products)
        return [p for p in self.cfg.product_ids if p in have] + sorted(
            have - set(self.cfg.product_ids)
        )

    # -- summary and matrix ------------------------------------------------------------------
    def summary(self, viewer: Viewer, period: str | None = None) -> dict[str, Any]:
        d = self.data(period)
        key = ("summary", str(d.path), viewer.scope_key, tuple(sorted(viewer.extra_restricted)))
        result: dict[str, Any] = self._remember(key, lambda: self._summary(viewer, d, period))
        return result

    def _summary(self, viewer: Viewer, d: SnapshotData, period: str | None) -> dict[str, Any]:
        table = "summary_partner" if viewer.locations is None else "summary_location"
        tiles: dict[str, Any] = {}
        if d.has(table):
            numeric = [c for c in d.columns(table) if c not in SUMMARY_KEYS]
            where, params = scope(viewer)
            sums = ", ".join(f"sum({quote(c)})" for c in numeric)
            row = d.cursor().execute(f"SELECT {sums} FROM {table} WHERE {where}", params).fetchone()
            tiles = dict(zip(numeric, row or (), strict=True))
        clusters: dict[str, dict[str, int]] = {}
        if d.has("cell_counts"):
            where, params = scope(viewer)
            for product, cluster, n in (
                d.cursor()
                .execute(
                    "SELECT product, cluster, sum(accounts) FROM cell_counts"
                    f" WHERE {where} GROUP BY product, cluster",
                    params,
                )
                .fetchall()
            ):
                clusters.setdefault(product, {})[cluster] = int(n)
        fiscal = d.snapshot.manifest.get("fiscal_year", {})
        return {
            "period": d.period,
            "fiscal_year": fiscal.get("label"),
            "tiles": viewer.strip(tiles),
            "clusters": {p: clusters[p] for p in self.products(period) if p in clusters},
            "cluster_order": list(self.cfg.matrix.cluster_order),
        }

    def matrix(self, viewer: Viewer, period: str | None, product: str) -> dict[str, Any]:
        d = self.data(period)
        bands = [b.name for b in self.cfg.matrix.bands]
        counts: dict[tuple[str, str], int] = {}
        if d.has("cell_counts") and {"fit_band", "intent_band"} <= set(d.columns("cell_counts")):
            where, params = scope(viewer)
            for fit, intent, n in (
                d.cursor()
                .execute(
                    "SELECT fit_band, intent_band, sum(accounts) FROM cell_counts"
                    f" WHERE {where} AND product = ? GROUP BY fit_band, intent_band",
                    [*params, product],
                )
                .fetchall()
            ):
                counts[(fit, intent)] = int(n)
        cells = self.cfg.matrix.cells
        rows = [
            {
                "fit_band": fit,
                "cluster": self.cfg.matrix.clusters.get(cells[fit][bands[0]], ""),
                "cells": [
                    {
                        "intent_band": intent,
                        "cell": cells[fit][intent],
                        "accounts": counts.get((fit, intent), 0),
                    }
                    for intent in bands
                ],
            }
            for fit in bands
        ]
        return {"period": d.period, "product": product, "intent_bands": bands, "rows": rows}

    # -- the account list ----------------------------------------------------------------------
    def accounts(
        self,
        viewer: Viewer,
        period: str | None,
        query: AccountQuery,
        columns: Sequence[str] | None = None,
    ) -> Page:
        """A page of the viewer's accounts (``columns``: a subset to return, in that order)."""
        d, q = self.data(period), query.cleaned()
        key = (
            "accounts",
            str(d.path),
            viewer.scope_key,
            tuple(sorted(viewer.extra_restricted)),
            q.model_dump_json(),
            None if columns is None else tuple(columns),
        )
        page: Page = self._remember(key, lambda: self._accounts(viewer, d, q, period, columns))
        return page

    def _accounts(
        self,
        viewer: Viewer,
        d: SnapshotData,
        q: AccountQuery,
        period: str | None,
        columns: Sequence[str] | None,
    ) -> Page:
        size = min(q.page_size or self.cfg.serve.page_size, self.cfg.serve.max_page_size)
        products = self.products(period)
        product = q.product or (products[0] if products else None)
        return _listing.page(d, viewer, q, product, size, columns)

    def filter_options(self, viewer: Viewer, period: str | None = None) -> dict[str, list[str]]:
        """The values each filter can take among the viewer's own accounts."""
        d = self.data(period)
        key = (str(d.path), viewer.scope_key)
        if key in self._options:
            return self._options[key]
        table = "listing" if d.has("listing") else "accounts"
        where, params = scope(viewer)
        out: dict[str, list[str]] = {}
        for name in OPTION_FILTERS:
            if name in d.columns(table) and viewer.allowed(name):
                values = (
                    d.cursor()
                    .execute(
                        f"SELECT DISTINCT {quote(name)} FROM {table}"
                        f" WHERE {where} AND {quote(name)} IS NOT NULL ORDER BY 1 LIMIT 500",
                        params,
                    )
                    .fetchall()
                )
                out[name] = [str(v[0]) for v in values]
        out["flag"] = viewer.visible(
            c for c in d.columns("account_flags") if c not in ("account_id", *ACCOUNT_FIELDS[:2])
        )
        if len(self._options) > 1000:
            self._options.clear()
        self._options[key] = out
        return out

    # -- one account, plays, model health -----------------------------------------------------
    def account(self, viewer: Viewer, period: str | None, account_id: str) -> dict[str, Any]:
        d = self.data(period)
        detail = _detail.account(d, viewer, account_id, self.products(period))
        if detail is None:
            raise NotFound("no such account")
        detail["history"] = _detail.history(self.snapshots(), viewer, account_id, d.period)
        return detail

    def plays(
        self, viewer: Viewer, period: str | None, kind: str, product: str | None, page: int
    ) -> Page:
        d = self.data(period)
        products = self.products(period)
        chosen = product if product in products else (products[0] if products else None)
        size = self.cfg.serve.page_size
        return _detail.plays(d, viewer, kind, chosen, page, size, self.cfg.serve.target_capacity)

    def targets(
        self, viewer: Viewer, period: str | None, product: str | None, capacity: int
    ) -> Page:
        capacity = max(1, min(capacity, self.cfg.serve.max_page_size))
        query = AccountQuery(product=product, page_size=capacity)
        page = self.accounts(viewer, period, query)
        order = {c: i for i, c in enumerate(self.cfg.matrix.cluster_order)}
        page.rows = [r for r in page.rows if r.get("cluster") in order]
        return page

    def health(self, viewer: Viewer, period: str | None = None) -> dict[str, Any]:
        if not viewer.is_admin:
            raise Forbidden("model health is for vendor admins")
        return _detail.health(self.data(period), self.snapshots())


def _copy(value: Any) -> Any:
    """A copy of a kept answer that the caller may change (a page's rows hold only scalars)."""
    return value.copy() if isinstance(value, Page) else copy.deepcopy(value)
