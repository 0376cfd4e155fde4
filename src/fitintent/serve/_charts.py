"""Vega-Lite specs for the dashboard's charts; the pages pass them to the browser as JSON in a
data attribute and ``/static/app.js`` renders them (no inline script)."""

from __future__ import annotations

from typing import Any

Spec = dict[str, Any]
_SMB = (
    ("top_unmanaged_user", "Top unmanaged (user)"),
    ("top_unmanaged_compute", "Top unmanaged (compute)"),
    ("medium", "Medium"),
    ("small", "Small"),
)
# Act Now, Evaluate, Nurture, Educate as on the matrix, then neutral tones for more clusters
_PALETTE = ["#1a7f37", "#2f6fb3", "#b58105", "#8a8f98", "#6e40c9", "#bc4c00", "#57606a"]
_BASE: Spec = {
    "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
    "width": "container",
    "height": 220,
    "config": {"view": {"stroke": None}, "axis": {"labelLimit": 180}},
}


def smb_types(tiles: dict[str, Any]) -> Spec | None:
    values = [{"type": label, "customers": tiles[k]} for k, label in _SMB if tiles.get(k)]
    if not values:
        return None
    return {
        **_BASE,
        "data": {"values": values},
        "mark": {"type": "bar", "tooltip": True},
        "encoding": {
            "y": {"field": "type", "type": "nominal", "sort": None, "title": None},
            "x": {"field": "customers", "type": "quantitative", "title": "Customers"},
        },
    }


def clusters(counts: dict[str, dict[str, int]], order: list[str]) -> Spec | None:
    values = [
        {"product": p, "cluster": c, "accounts": n}
        for p, by in counts.items()
        for c, n in by.items()
    ]
    if not values:
        return None
    return {
        **_BASE,
        "data": {"values": values},
        "mark": {"type": "bar", "tooltip": True},
        "encoding": {
            "y": {"field": "product", "type": "nominal", "sort": None, "title": None},
            "x": {
                "field": "accounts",
                "type": "quantitative",
                "stack": "normalize",
                "title": "Share of accounts",
            },
            "color": {
                "field": "cluster",
                "type": "nominal",
                "sort": order,
                "scale": {"domain": order, "range": _PALETTE[: len(order)]},
            },
            "order": {"field": "rank", "type": "quantitative"},
        },
        "transform": [
            {"calculate": f"indexof({order!r}, datum.cluster)".replace("'", '"'), "as": "rank"}
        ],
    }


def history(rows: list[dict[str, Any]]) -> Spec | None:
    periods = {r["period"] for r in rows}
    if len(periods) < 2:
        return None
    values = [r for r in rows if r.get("intent") is not None]
    return {
        **_BASE,
        "height": 180,
        "data": {"values": values},
        "mark": {"type": "line", "point": True, "tooltip": True},
        "encoding": {
            "x": {"field": "period", "type": "ordinal", "title": None},
            "y": {
                "field": "intent",
                "type": "quantitative",
                "title": "Intent",
                "scale": {"domain": [0, 100]},
            },
            "color": {"field": "product", "type": "nominal"},
        },
    }


def win_rates(health: dict[str, Any]) -> Spec | None:
    rows = health.get("tables", {}).get("evaluation_clusters") or []
    values = [
        {"period": str(r.get("period", "all")), "cluster": r["cluster"], "win_rate": r["win_rate"]}
        for r in rows
        if r.get("cluster") is not None and r.get("win_rate") is not None
    ]
    if not values:
        return None
    return {
        **_BASE,
        "data": {"values": values},
        "mark": {"type": "bar", "tooltip": True},
        "encoding": {
            "x": {"field": "cluster", "type": "nominal", "title": None, "sort": None},
            "y": {
                "field": "win_rate",
                "type": "quantitative",
                "title": "Win rate",
                "axis": {"format": "%"},
            },
            "xOffset": {"field": "period", "type": "nominal"},
            "color": {"field": "period", "type": "nominal"},
        },
    }
