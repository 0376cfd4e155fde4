"""Evaluate: backtests against the opportunities that followed each snapshot, the report, and the
gate that keeps a worse model from being published.

>>> bt = backtest(tables, cfg, period, models_dir, truth=world / "truth")  # doctest: +SKIP
>>> bt.summary()["act_now_over_educate_win_rate"]   # doctest: +SKIP
"""

from fitintent.evaluate._acceptance import ACCEPTANCE, acceptance, evaluate_world
from fitintent.evaluate._backtest import Backtest, backtest, default_periods, summarize
from fitintent.evaluate._gate import GateDecision, gate
from fitintent.evaluate._metrics import auc, auc_table, calibration_table, cluster_table, lift
from fitintent.evaluate._snapshots import evaluable, evaluate_snapshots
from fitintent.evaluate._truth import read_truth, truth_path

__all__ = [
    "ACCEPTANCE",
    "Backtest",
    "GateDecision",
    "acceptance",
    "auc",
    "auc_table",
    "backtest",
    "calibration_table",
    "cluster_table",
    "default_periods",
    "evaluable",
    "evaluate_snapshots",
    "evaluate_world",
    "gate",
    "lift",
    "read_truth",
    "summarize",
    "truth_path",
]
