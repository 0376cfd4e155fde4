"""Staged text is clean: trimmed of surrounding spaces, a blank value null. It is done once while
staging, in every format, rather than in each pass of the engine over the rows."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc


def is_text(t: pa.DataType) -> bool:
    return pa.types.is_string(t) or pa.types.is_dictionary(t)


def clean_text(arr: pa.Array, target: pa.DataType) -> pa.Array:
    """Text without surrounding spaces (as both engines' ``trim``), a blank value null; a
    dictionary column is cleaned through its dictionary and stays encoded."""
    if pa.types.is_dictionary(target):
        arr = arr.cast(target)
        values = pc.utf8_trim(arr.dictionary, " ")
        indices = arr.indices
        blank = pc.equal(values, "")
        if pc.any(blank).as_py():
            indices = pc.if_else(pc.take(blank, indices), pa.scalar(None, indices.type), indices)
        return pa.DictionaryArray.from_arrays(indices, values)
    trimmed = pc.utf8_trim(arr, " ")
    return pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, pa.string()), trimmed)
