"""The issue's acceptance on demo worlds: for each seed, generate a world, load it, backtest it
against its hidden truth and check the three figures.

    python -m fitintent.evaluate --accounts 20000 --seeds 7,8,9 --out work/acceptance

* Act Now win rate at least 5x Educate's (win rate: share of account-products with a won
  opportunity in the horizon after the snapshot, pooled over the backtest snapshots);
* the propensity's AUC against outcomes at least 0.9 of the oracle AUC (pooled over account x
  product x snapshot, the truth's own pooling);
* the oracle AUC at most 0.92.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from fitintent.config import load_config
from fitintent.engine import open_engine
from fitintent.evaluate._backtest import Backtest, backtest
from fitintent.evaluate._truth import truth_path
from fitintent.period import Period

ACCEPTANCE = {"lift": 5.0, "share_of_oracle": 0.9, "oracle_auc_max": 0.92}
Progress = Callable[[str], None]


def evaluate_world(
    world: Path | str, workdir: Path | str, period: str, progress: Progress | None = None
) -> Backtest:
    """Ingest a demo world (its ``fitintent.toml``) into ``workdir`` and backtest it."""
    from fitintent.ingest import ingest

    world, workdir = Path(world), Path(workdir)
    cfg = load_config(world / "fitintent.toml")
    cfg = cfg.model_copy(update={"paths": cfg.paths.model_copy(update={"workdir": workdir})})
    workdir.mkdir(parents=True, exist_ok=True)
    with open_engine(cfg.engine, workdir) as eng:
        data = ingest(cfg, eng, workdir / "warehouse")
        return backtest(
            data.tables,
            cfg,
            Period.parse(period),
            workdir / "backtest-models",
            truth=truth_path(world),
            progress=progress,
        )


def acceptance(
    out: Path | str,
    *,
    seeds: Sequence[int] = (7, 8, 9),
    accounts: int = 20_000,
    progress: Progress | None = None,
) -> pd.DataFrame:
    """One row of figures per seed (and whether each check is met); reports in ``out/seed-N``."""
    from fitintent.demo import generate_world

    rows: list[dict[str, Any]] = []
    for seed in seeds:
        started = time.perf_counter()
        folder = Path(out) / f"seed-{seed}"
        info = generate_world(folder / "world", accounts=accounts, seed=seed, fmt="parquet")
        bt = evaluate_world(info.root, folder / "work", info.period, progress)
        bt.write(folder)
        s = bt.summary()
        rows.append(
            {
                "seed": seed,
                "accounts": accounts,
                "lift": s["act_now_over_educate_win_rate"],
                "propensity_auc": s["propensity_auc"],
                "oracle_auc": s["oracle_auc"],
                "share_of_oracle": s["share_of_oracle"],
                "fit_auc": s["fit_auc"],
                "intent_auc": s["intent_auc"],
                "mean_product_share": s["mean_product_propensity_auc"]
                / s["mean_product_oracle_auc"],
                "lift_met": (s["act_now_over_educate_win_rate"] or 0) >= ACCEPTANCE["lift"],
                "auc_met": (s["share_of_oracle"] or 0) >= ACCEPTANCE["share_of_oracle"],
                "oracle_met": s["oracle_auc"] <= ACCEPTANCE["oracle_auc_max"],
                "seconds": round(time.perf_counter() - started, 1),
            }
        )
    table = pd.DataFrame(rows)
    table.to_csv(Path(out) / "acceptance.csv", index=False)
    return table
