"""LightGBM training shared by the fit and intent models: parameters, early stopping, AUC."""

from __future__ import annotations

import os
import zlib
from collections.abc import Sequence
from typing import Any, Literal

import lightgbm as lgb
import numpy as np
from sklearn.metrics import roc_auc_score


def params(
    *, num_leaves: int, learning_rate: float, min_child_samples: int, seed: int, rows: int
) -> dict[str, Any]:
    """Small, regularised trees; deterministic so that a re-run (or the other engine) trains the
    same model from the same rows. Below ~200k rows one thread is faster than several (the
    per-tree synchronisation costs more than it saves)."""
    return {
        "objective": "binary",
        "learning_rate": learning_rate,
        "num_leaves": num_leaves,
        "max_depth": 6,
        "min_child_samples": min_child_samples,
        "feature_fraction": 0.8,
        "bagging_fraction": 0.8,
        "bagging_freq": 1,
        "lambda_l2": 1.0,
        "seed": seed,
        "deterministic": True,
        "force_col_wise": True,
        "max_bin": 63,  # coarser histograms: faster to build, no loss at these tree sizes
        "num_threads": 1 if rows < 200_000 else min(8, os.cpu_count() or 1),
        "verbosity": -1,
    }


def dataset(
    x: np.ndarray,
    y: np.ndarray,
    categorical: Sequence[int],
    p: dict[str, Any],
    weight: np.ndarray | None = None,
) -> lgb.Dataset:
    """The binned training data, built once: folds and held-out months are subsets of it, so the
    features are binned once per model rather than once per fold."""
    cats: list[int] | Literal["auto"] = list(categorical) or "auto"
    data = lgb.Dataset(
        x, label=y, weight=weight, categorical_feature=cats, params=p, free_raw_data=False
    )
    return data.construct()


def subset(data: lgb.Dataset, rows: np.ndarray) -> lgb.Dataset:
    """The rows of a constructed dataset where the boolean ``rows`` is true (same bins)."""
    return data.subset(np.nonzero(rows)[0].tolist())


def train(
    data: lgb.Dataset,
    p: dict[str, Any],
    rounds: int,
    *,
    valid: lgb.Dataset | None = None,
    patience: int = 20,
) -> lgb.Booster:
    """Train ``rounds`` trees, or fewer when ``valid`` (with both classes) stops improving."""
    if valid is None:
        return lgb.train(p, data, num_boost_round=rounds)
    return lgb.train(
        p,
        data,
        num_boost_round=rounds,
        valid_sets=[valid],
        callbacks=[lgb.early_stopping(patience, verbose=False)],
    )


def both_classes(y: np.ndarray) -> bool:
    return bool(len(np.unique(y)) > 1)


def best_rounds(booster: lgb.Booster) -> int:
    best = booster.best_iteration
    return int(best) if best and best > 0 else int(booster.num_trees())


def auc(score: np.ndarray, label: np.ndarray) -> float | None:
    """ROC AUC, or None when only one class is present."""
    label = np.asarray(label).astype(bool)
    if label.all() or not label.any():
        return None
    return float(roc_auc_score(label, score))


def fold_of(ids: Sequence[str], folds: int) -> np.ndarray:
    """A stable fold per account id (CRC-32), the same on every engine and run."""
    return np.fromiter((zlib.crc32(str(i).encode()) % folds for i in ids), np.int64, len(ids))


def unit_hash(ids: Sequence[str], salt: str) -> np.ndarray:
    """A stable number in [0, 1) per id, for sampling."""
    return np.fromiter(
        (zlib.crc32(f"{salt}:{i}".encode()) / 2**32 for i in ids), np.float64, len(ids)
    )
