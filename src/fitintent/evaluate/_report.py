"""The backtest as a readable markdown report."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from fitintent.evaluate._backtest import Backtest


def _fmt(v: Any) -> str:
    if hasattr(v, "item"):
        v = v.item()  # numpy scalars
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return "-"
    if isinstance(v, float):
        return f"{v:,.4f}" if abs(v) < 10 else f"{v:,.0f}"
    return f"{v:,}" if isinstance(v, int) else str(v)


def table(df: pd.DataFrame, columns: Sequence[str]) -> str:
    cols = [c for c in columns if c in df.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for r in df[cols].astype(object).to_dict("records"):
        lines.append("| " + " | ".join(_fmt(r[c]) for c in cols) + " |")
    return "\n".join(lines)


def render(bt: Backtest) -> str:
    s = bt.summary()
    out = [
        "# Backtest",
        "",
        f"Snapshots: {', '.join(bt.periods)}. Each was scored with the models of its time and "
        "compared with the opportunities created in the horizon after it.",
        "",
        "*Win rate* is the share of a cluster's account-products with a won opportunity; "
        "*close rate* is won / (won + lost) of the opportunities that appeared.",
        "",
        "## Summary",
        "",
        f"- Act Now over Educate, win rate: **{_fmt(s['act_now_over_educate_win_rate'])}x**",
        f"- AUC against outcomes: fit {_fmt(s['fit_auc'])}, intent {_fmt(s['intent_auc'])}, "
        f"propensity {_fmt(s['propensity_auc'])}",
    ]
    if bt.truth:
        out += [
            f"- Oracle AUC (the hidden truth as the score): {_fmt(s['oracle_auc'])}; the model "
            f"reaches {_fmt(s['share_of_oracle'])} of it",
            f"- Mean per product: propensity {_fmt(s['mean_product_propensity_auc'])}, oracle "
            f"{_fmt(s['mean_product_oracle_auc'])}",
        ]
    everything = bt.clusters[bt.clusters["period"] == "all"]
    out += [
        "",
        "## Clusters (all snapshots)",
        "",
        table(
            everything,
            [
                "cluster",
                "account_products",
                "opportunities",
                "won",
                "lost",
                "pipeline",
                "won_amount",
                "opportunity_rate",
                "win_rate",
                "close_rate",
            ],
        ),
        "",
        "## Lift of Act Now over Educate by snapshot",
        "",
        "| period | lift |",
        "|---|---|",
        *[f"| {p} | {_fmt(v)} |" for p, v in bt.lift.items()],
        "",
        "## AUC by product (all snapshots)",
        "",
        table(
            bt.auc[bt.auc["period"] == "all"],
            [
                "product",
                "account_products",
                "positives",
                "fit_auc",
                "intent_auc",
                "propensity_auc",
                "oracle_auc",
                "share_of_oracle",
                "truth_rank_corr",
            ],
        ),
        "",
        "## Calibration of the propensity (deciles)",
        "",
        table(bt.calibration, ["bin", "account_products", "predicted", "observed", "truth"]),
        "",
    ]
    unique = {(c["name"], c["version"]): c for c in bt.cards}
    refused = [c for c in unique.values() if c.get("status") == "refused"]
    if refused:
        out += ["## Models refused by the gate", ""]
        out += [f"- {c['name']} {c['version']}: {c['gate']['reason']}" for c in refused]
        out.append("")
    return "\n".join(out)
