"""Reads behind the account detail, the play lists and model health (called by
:class:`fitintent.serve.DataAccess` only, with the viewer already resolved)."""

from __future__ import annotations

import json
import math
from typing import Any

import duckdb

from fitintent.publish import Snapshot
from fitintent.serve._cache import SnapshotData, quote
from fitintent.serve._query import Page, scope
from fitintent.serve._viewer import Viewer

_SCOPE_COLUMNS = ("partner_id", "location_id")
# per play list: table, extra condition, order (the listing's columns are joined for context)
PLAY_LISTS: dict[str, tuple[str, str, str]] = {
    "eos": ("eos", "TRUE", "t.with_propensity DESC, t.licence_count DESC NULLS LAST, t.account_id"),
    "upsell": (
        "account_product_plays",
        "t.upsell AND t.product = ?",
        "t.upsell_propensity DESC NULLS LAST, t.account_id",
    ),
    "whitespace": (
        "account_product_plays",
        "t.whitespace AND t.product = ?",
        "l.cluster_rank, l.intent DESC NULLS LAST, l.fit DESC NULLS LAST, t.account_id",
    ),
    "renewals": ("renewals", "TRUE", "t.end_date, t.agreement_id"),
    "next_workload": ("next_workload", "TRUE", "t.account_id, t.rank"),
}
PLAY_LABELS = {
    "targets": "Target list",
    "eos": "End of support",
    "upsell": "Upsell",
    "whitespace": "Whitespace",
    "renewals": "Renewals",
    "next_workload": "Next workload",
}


def _rows(d: SnapshotData, viewer: Viewer, table: str, account_id: str) -> list[dict[str, Any]]:
    if not d.has(table):
        return []
    where, params = scope(viewer)
    cols = viewer.visible(c for c in d.columns(table) if c not in _SCOPE_COLUMNS)
    cur = d.cursor().execute(
        f"SELECT {', '.join(quote(c) for c in cols)} FROM {quote(table)}"
        f" WHERE account_id = ? AND {where}",
        [account_id, *params],
    )
    return [viewer.strip(dict(zip(cols, r, strict=True))) for r in cur.fetchall()]


def account(
    d: SnapshotData, viewer: Viewer, account_id: str, products: list[str]
) -> dict[str, Any] | None:
    where, params = scope(viewer)
    cols = viewer.visible(d.columns("accounts"))
    row = (
        d.cursor()
        .execute(
            f"SELECT {', '.join(quote(c) for c in cols)} FROM accounts"
            f" WHERE account_id = ? AND {where}",
            [account_id, *params],
        )
        .fetchone()
    )
    if row is None:
        return None
    order = {p: i for i, p in enumerate(products)}
    scores = sorted(
        _rows(d, viewer, "scores", account_id), key=lambda r: order.get(r["product"], 99)
    )
    for s in scores:
        s["evidence"] = _evidence(s.get("intent_evidence"))
        s["fit_reasons_list"] = _split(s.get("fit_reasons"))
        s["intent_reasons_list"] = _split(s.get("intent_reasons"))
    flags = _rows(d, viewer, "account_flags", account_id)
    topics = sorted(
        _rows(d, viewer, "topic_activity", account_id),
        key=lambda r: -(r.get("recent_count") or 0),
    )
    return {
        "period": d.period,
        "account": viewer.strip(dict(zip(cols, row, strict=True))),
        "scores": scores,
        "holdings": _rows(d, viewer, "account_product_plays", account_id),
        "flags": {k: v for k, v in (flags[0] if flags else {}).items() if k != "account_id" and v},
        "eos": _rows(d, viewer, "eos", account_id),
        "agreements": _rows(d, viewer, "renewals", account_id)
        or _rows(d, viewer, "agreements", account_id),
        "next_workload": _rows(d, viewer, "next_workload", account_id),
        "topics": topics[:10],
        "has_scores": d.has("scores"),
    }


def history(
    snapshots: list[Snapshot], viewer: Viewer, account_id: str, current: str, keep: int = 12
) -> list[dict[str, Any]]:
    """Fit, intent and cluster per product in each published snapshot up to ``current`` where the
    account was in the viewer's scope then (partners of record change)."""
    out: list[dict[str, Any]] = []
    chosen = [s for s in snapshots if s.period <= current][-keep:]
    con = duckdb.connect(config={"threads": 1})
    try:
        for snap in chosen:
            scores, accounts = snap.table("scores"), snap.table("accounts")
            if not scores.is_dir() or not accounts.is_dir():
                continue
            where, params = scope(viewer, "a")
            seen = con.execute(
                "SELECT count(*) FROM read_parquet(?) a WHERE a.account_id = ? AND " + where,
                [str(accounts / "**" / "*.parquet"), account_id, *params],
            ).fetchone()
            if not seen or not seen[0]:
                continue
            for product, fit, intent, cluster in con.execute(
                "SELECT product, fit, intent, cluster FROM read_parquet(?)"
                " WHERE account_id = ? ORDER BY product",
                [str(scores / "**" / "*.parquet"), account_id],
            ).fetchall():
                out.append(
                    {
                        "period": snap.period,
                        "product": product,
                        "fit": fit,
                        "intent": intent,
                        "cluster": cluster,
                    }
                )
    finally:
        con.close()
    return out


def plays(
    d: SnapshotData,
    viewer: Viewer,
    kind: str,
    product: str | None,
    page: int,
    size: int,
    capacity: int,
) -> Page:
    if kind not in PLAY_LISTS:
        return Page([], [], 0, page, size, ["unknown play"])
    table, extra, order = PLAY_LISTS[kind]
    if not d.has(table):
        return Page([], [], 0, page, size, [f"no {table} in this snapshot"])
    where, params = scope(viewer, "t")
    if "?" in extra:
        params.append(product)
    own = viewer.visible(c for c in d.columns(table) if c not in _SCOPE_COLUMNS)
    picked = [f"t.{quote(c)}" for c in own]
    names = list(own)
    joins = " JOIN accounts a ON a.account_id = t.account_id"
    picked.insert(1, "a.account_name")
    names.insert(1, "account_name")
    if d.has("listing") and "product" in own:
        joins += " LEFT JOIN listing l ON l.account_id = t.account_id AND l.product = t.product"
        for c in ("cluster", "fit", "intent"):
            if c in d.columns("listing"):
                picked.append(f"l.{c}")
                names.append(c)
    elif "l." in order:
        order = "t.account_id"
    cond = f"{where} AND {extra}"
    cur = d.cursor()
    total = cur.execute(f"SELECT count(*) FROM {quote(table)} t WHERE {cond}", params).fetchone()
    rows = cur.execute(
        f"SELECT {', '.join(picked)} FROM {quote(table)} t{joins} WHERE {cond}"
        f" ORDER BY {order} LIMIT ? OFFSET ?",
        [*params, size, (page - 1) * size],
    ).fetchall()
    return Page(
        names,
        [viewer.strip(dict(zip(names, r, strict=True))) for r in rows],
        int(total[0]) if total else 0,
        page,
        size,
    )


def health(d: SnapshotData, snapshots: list[Snapshot]) -> dict[str, Any]:
    m = d.snapshot.manifest
    tables: dict[str, list[dict[str, Any]]] = {}
    for name in (
        "reconciliation",
        "evaluation",
        "evaluation_clusters",
        "evaluation_auc",
        "evaluation_calibration",
        "signal_resolution",
    ):
        if d.has(name):
            cur = d.cursor().execute(f"SELECT * FROM {quote(name)} LIMIT 500")
            cols = [c[0] for c in cur.description or []]
            tables[name] = [_clean(dict(zip(cols, r, strict=True))) for r in cur.fetchall()]
    quarantine: list[dict[str, Any]] = []
    if d.has("quarantine"):
        quarantine = [
            {"source": s, "rows": n}
            for s, n in d.cursor()
            .execute("SELECT source, count(*) FROM quarantine GROUP BY source ORDER BY source")
            .fetchall()
        ]
    over = [{"period": s.period, **_scalars(s.manifest.get("evaluation") or {})} for s in snapshots]
    return {
        "period": d.period,
        "manifest": {
            k: m.get(k)
            for k in ("engine", "published_at", "code_version", "config_hash", "content_hash")
        },
        "timings": m.get("timings_s") or {},
        "sources": m.get("sources") or {},
        "models": m.get("models") or [],
        "evaluation": m.get("evaluation") or {},
        "tables": tables,
        "quarantine": quarantine,
        "over_snapshots": over,
        "over_columns": list(dict.fromkeys(k for row in over for k in row)),
    }


def _scalars(summary: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in summary.items() if isinstance(v, str | int | float | bool | None)}


def _clean(row: dict[str, Any]) -> dict[str, Any]:
    return {
        k: None if isinstance(v, float) and (math.isnan(v) or math.isinf(v)) else v
        for k, v in row.items()
    }


def _split(text: Any) -> list[str]:
    return [t.strip() for t in str(text).split(";") if t.strip()] if text else []


def _evidence(value: Any) -> list[dict[str, Any]]:
    if not value:
        return []
    try:
        items = json.loads(value) if isinstance(value, str) else value
    except ValueError:
        return []
    return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []
