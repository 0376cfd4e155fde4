"""Column builders on Arrow compute kernels, so no table is ever formatted row by row in Python."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def padded(numbers: np.ndarray, width: int, prefix: str = "") -> pa.Array:
    """``prefix`` + zero-padded decimal numbers, e.g. ``padded([7], 7, "A") -> ["A0000007"]``."""
    text = pc.utf8_lpad(
        pc.cast(pa.array(np.asarray(numbers, dtype=np.int64)), pa.string()),
        width=width,
        padding="0",
    )
    if not prefix:
        return text
    return pc.binary_join_element_wise(prefix, text, "")


def join(parts: Sequence[pa.Array | str], sep: str = "") -> pa.Array:
    return pc.binary_join_element_wise(*parts, sep)


def take(values: pa.Array | Sequence[str], index: np.ndarray) -> pa.Array:
    arr = values if isinstance(values, pa.Array) else pa.array(list(values), pa.string())
    return arr.take(pa.array(np.asarray(index, dtype=np.int64)))


def categorical(
    codes: np.ndarray,
    vocab: Sequence[str],
    *,
    null: np.ndarray | None = None,
    dictionary: bool = False,
) -> pa.Array:
    """Strings from a small vocabulary; dictionary-encoded when asked (large Parquet outputs)."""
    idx = pa.array(np.asarray(codes, dtype=np.int32), mask=null)
    if dictionary:
        return pa.DictionaryArray.from_arrays(idx, pa.array(list(vocab), pa.string()))
    return pa.array(list(vocab), pa.string()).take(idx)


def dates(days: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    values = np.asarray(days, dtype=np.int64).astype("datetime64[D]")
    return pa.array(values, type=pa.date32(), mask=null)


def timestamps(seconds: np.ndarray) -> pa.Array:
    values = np.asarray(seconds, dtype=np.int64).astype("datetime64[s]")
    return pa.array(values, type=pa.timestamp("s"))


def money(values: np.ndarray, null: np.ndarray | None = None, decimals: int = 2) -> pa.Array:
    return pa.array(np.round(np.asarray(values, dtype=np.float64), decimals), mask=null)


def longs(values: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    return pa.array(np.asarray(values, dtype=np.int64), mask=null)


def booleans(values: np.ndarray) -> pa.Array:
    return pa.array(np.asarray(values, dtype=bool))
