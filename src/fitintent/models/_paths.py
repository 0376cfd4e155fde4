"""Per-row feature contributions of a LightGBM model along each row's decision paths.

Every tree sends a row down one path from the root to a leaf. Each split on that path moves the
node's value (``internal_value``, the output the node would give as a leaf) to the child's; the
move is credited to the split's feature. Summed over the path, the moves telescope to the leaf's
value less the root's, so over all trees a row's contributions plus the sum of the root values
(the *bias*) equal the model's raw log-odds exactly, as LightGBM's ``pred_contrib`` does.

This is the path attribution of Saabas (the ``treeinterpreter`` method) rather than the Shapley
values of ``pred_contrib``: both are exact decompositions of the same score, and they name the
same strongest factors on all but near ties. The difference is the price. TreeSHAP visits every
leaf of every tree for every row (measured ~2.4k rows/s on a 120-tree model here); the path
attribution needs only each row's leaf per tree (``pred_leaf``, as fast as scoring) and a
precomputed table of what each leaf's path credits to which feature, so every account and
product can be explained, not only the top of the list.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import lightgbm as lgb
import numpy as np
import scipy.sparse as sp


@dataclass
class PathTable:
    """What each (tree, leaf) path credits to which feature: ``credit`` has one row per tree
    and leaf (``tree * leaves + leaf``) and one column per feature (and a last, empty one for
    the bias), sparse: a path names only the few features it splits on."""

    credit: sp.csr_matrix
    leaves: int
    bias: float
    n_features: int
    _ones: np.ndarray = field(default_factory=lambda: np.ones(0), repr=False)

    @classmethod
    def of(cls, booster: lgb.Booster) -> PathTable:
        n = int(booster.num_feature())
        trees = booster.dump_model()["tree_info"]
        per_tree: list[dict[int, dict[int, float]]] = []
        bias = 0.0
        for tree in trees:
            root = tree["tree_structure"]
            paths: dict[int, dict[int, float]] = {}
            if "split_feature" not in root:  # a tree of one leaf credits nobody
                bias += float(root.get("leaf_value", 0.0))
                paths[int(root.get("leaf_index", 0))] = {}
            else:
                bias += float(root["internal_value"])
                _walk(root, {}, paths)
            per_tree.append(paths)
        leaves = max([max(p) + 1 for p in per_tree] + [1])
        rows: list[int] = []
        cols: list[int] = []
        vals: list[float] = []
        for t, paths in enumerate(per_tree):
            for leaf, credit in paths.items():
                for f, v in sorted(credit.items()):
                    rows.append(t * leaves + leaf)
                    cols.append(f)
                    vals.append(v)
        shape = (len(per_tree) * leaves, n + 1)
        return cls(sp.csr_matrix((vals, (rows, cols)), shape=shape), leaves, bias, n)

    def contributions(self, booster: lgb.Booster, x: np.ndarray) -> np.ndarray:
        """(rows, features + 1): each feature's share of the raw score, the bias last (the
        layout of ``pred_contrib``). One sparse product: a row's leaf in every tree, times
        what each leaf's path credits."""
        rows = x.shape[0]
        trees = self.credit.shape[0] // self.leaves
        if rows == 0 or trees == 0:
            out = np.zeros((rows, self.n_features + 1), dtype=np.float64)
            out[:, -1] = self.bias
            return out
        leaves = np.asarray(booster.predict(x, pred_leaf=True), dtype=np.int64)
        at = (leaves.reshape(rows, trees) + np.arange(trees)[None, :] * self.leaves).ravel()
        if self._ones.size < at.size:  # the matrix's values, all 1: allocated once
            self._ones = np.ones(at.size)
        reached = sp.csr_matrix(
            (self._ones[: at.size], at, np.arange(0, at.size + 1, trees)),
            shape=(rows, self.credit.shape[0]),
        )
        out = np.asarray((reached @ self.credit).toarray(), dtype=np.float64)
        out[:, -1] = self.bias
        return out


def _walk(
    node: dict[str, Any], credit: dict[int, float], paths: dict[int, dict[int, float]]
) -> None:
    if "split_feature" not in node:
        paths[int(node["leaf_index"])] = credit
        return
    feature, value = int(node["split_feature"]), float(node["internal_value"])
    for side in ("left_child", "right_child"):
        child = node[side]
        leaf = "split_feature" not in child
        after = float(child["leaf_value"] if leaf else child["internal_value"])
        mine = dict(credit)
        mine[feature] = mine.get(feature, 0.0) + after - value
        _walk(child, mine, paths)
