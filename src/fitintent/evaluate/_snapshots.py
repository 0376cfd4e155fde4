"""The run's own evaluation: earlier snapshots judged on what followed them.

Every published snapshot with a ``scores`` table whose period ended at least
``intent.horizon_days`` before the end of the period being run is joined with the opportunities
created in the horizon after it (from today's tables), the newest ``gate.backtest_periods`` of
them. Until such snapshots exist (a new installation, or a demo's single run) and with
``gate.backtest`` on, the backtest re-scores those months as they would have been scored then,
with models of their own in ``<workdir>/backtest-models``.

The tables ``evaluation_clusters``, ``evaluation_auc`` and ``evaluation_calibration`` and the
readable ``evaluation.md`` go into the snapshot being built; the summary goes into its manifest.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from fitintent.config import Config
from fitintent.engine import active
from fitintent.evaluate._backtest import Backtest, backtest, outcome_rows, summarize
from fitintent.evaluate._truth import read_truth
from fitintent.features import FeatureSource
from fitintent.period import Period
from fitintent.publish import list_snapshots

TABLES = {
    "evaluation_clusters": "clusters",
    "evaluation_auc": "auc",
    "evaluation_calibration": "calibration",
}


def evaluable(cfg: Config, period: Period, root: Path | None = None) -> list[Period]:
    """Periods of published snapshots with scores whose whole horizon ended by ``period``."""
    horizon = timedelta(days=cfg.intent.horizon_days)
    out = []
    for snap in list_snapshots(root or cfg.paths.snapshots):
        p = Period.parse(snap.period)
        if p < period and p.end + horizon <= period.end and snap.table("scores").is_dir():
            out.append(p)
    return out[-cfg.gate.backtest_periods :]


def evaluate_snapshots(
    source: FeatureSource, cfg: Config, period: Period, out: Path | str
) -> dict[str, Any]:
    """Evaluate (see the module docstring) and write the tables into the folder ``out``;
    returns the summary for the manifest."""
    chosen = evaluable(cfg, period)
    if chosen:
        bt = _published(source, cfg, chosen)
        method = "published snapshots"
    elif cfg.gate.backtest:
        bt = backtest(
            source.tables,
            cfg,
            period,
            cfg.paths.workdir / "backtest-models",
            truth=cfg.gate.truth,
            source=source,
        )
        method = "backtest"
    else:
        return {
            "method": "none",
            "reason": f"no earlier snapshot has {cfg.intent.horizon_days} days of outcomes yet",
        }
    _write(bt, Path(out))
    return {"method": method, **_plain(bt.summary())}


def _published(source: FeatureSource, cfg: Config, periods: list[Period]) -> Backtest:
    eng = active()
    snaps = {s.period: s for s in list_snapshots(cfg.paths.snapshots)}
    frames = [
        outcome_rows(eng.read_table(snaps[str(p)].table("scores")), source.outcomes([p]), cfg, p)
        for p in periods
    ]
    rows = pd.concat(frames, ignore_index=True)
    known = read_truth(cfg.gate.truth, periods)
    if known is not None:
        rows = rows.merge(known, on=["account_id", "product", "period"], how="left")
    return summarize(rows, [str(p) for p in periods], cfg, [], known is not None)


def _write(bt: Backtest, out: Path) -> None:
    eng = active()
    for name, attr in TABLES.items():
        frame: pd.DataFrame = getattr(bt, attr)
        table = pa.Table.from_pandas(frame, preserve_index=False)
        # a measure that no period could compute (no outcomes yet) is a null number, not "null"
        schema = pa.schema(
            [f.with_type(pa.float64()) if pa.types.is_null(f.type) else f for f in table.schema]
        )
        table = table.cast(schema)
        eng.write_table(eng.from_arrow(table, name), out / name)
    (out / "evaluation.md").write_text(bt.markdown(), encoding="utf-8")


def _plain(summary: dict[str, Any]) -> dict[str, Any]:
    """JSON-able: numpy scalars to floats, NaN to None."""
    out: dict[str, Any] = {}
    for k, v in summary.items():
        if hasattr(v, "item"):
            v = v.item()
        out[k] = None if isinstance(v, float) and v != v else v
    return out
