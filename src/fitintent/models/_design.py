"""The design matrix of a model: which feature columns, in which order, and how categories are
coded, learned once at training and stored in the model card so that scoring codes alike.

Numbers and flags pass through as floats (null -> NaN, which LightGBM treats as missing);
categories become the index of the value among the ``MAX_LEVELS`` most frequent values seen in
training (others and nulls -> NaN) and are declared categorical to LightGBM.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeAlias

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fitintent.features import Feature

MAX_LEVELS = 40
Columnar: TypeAlias = Any  # a pyarrow Table or RecordBatch


@dataclass
class Design:
    names: list[str]
    levels: dict[str, list[str]] = field(default_factory=dict)  # categorical column -> values

    @classmethod
    def learn(cls, data: Columnar, features: Sequence[Feature]) -> Design:
        names = [f.name for f in features if f.name in data.schema.names]
        levels: dict[str, list[str]] = {}
        for f in features:
            if f.kind == "categorical" and f.name in names:
                values = [v for v in data.column(f.name).to_pylist() if v is not None]
                ranked = sorted(Counter(values).items(), key=lambda kv: (-kv[1], kv[0]))
                levels[f.name] = [str(v) for v, _ in ranked[:MAX_LEVELS]]
        return cls(names, levels)

    @property
    def categorical(self) -> list[int]:
        return [i for i, n in enumerate(self.names) if n in self.levels]

    def matrix(self, data: Columnar, seen: dict[str, np.ndarray] | None = None) -> np.ndarray:
        """(rows, features) float64; a column the data lacks is all missing. ``seen`` keeps the
        numeric columns converted so far, for the next model over the same data."""
        out = np.full((data.num_rows, len(self.names)), np.nan, dtype=np.float64)
        have = set(data.schema.names)
        seen = {} if seen is None else seen
        for j, name in enumerate(self.names):
            if name not in have:
                continue
            if name in self.levels:
                col = data.column(name)
                codes = pc.index_in(col.cast(pa.string()), value_set=pa.array(self.levels[name]))
                out[:, j] = _floats(codes)
            else:
                if name not in seen:
                    seen[name] = _floats(data.column(name))
                out[:, j] = seen[name]
        return out

    def to_card(self) -> dict[str, Any]:
        return {"features": list(self.names), "categories": dict(self.levels)}

    @classmethod
    def from_card(cls, card: Mapping[str, Any]) -> Design:
        return cls(list(card["features"]), {k: list(v) for k, v in card["categories"].items()})


def _floats(col: Any) -> np.ndarray:
    if isinstance(col, pa.ChunkedArray):
        col = col.combine_chunks()
    if pa.types.is_boolean(col.type):
        col = col.cast(pa.int8())
    return np.asarray(col.cast(pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64)
