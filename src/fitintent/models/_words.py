"""Reasons for many rows at once: the strongest factors of each row's contributions, worded.

A row's reasons are its ``count`` strongest *positive* contributions that can be worded (see
:func:`fitintent.models.phrase`), strongest first, joined by ``"; "``. A row with none (a low
score, where every factor that could be worded pulled it down) names what held it back:
``"held back by: 8 employees; does not run Windows Server"``, from its most negative
contributions. Only a row where nothing can be worded either way gets a plain statement of its
values (``"no signals on email, collaboration in the last 30 days"``), so that every row has a
reason and none is invented.

Wording is the costly part, so it is done once per distinct (feature, value, context) in a batch
and spread to the rows by index, never row by row.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from fitintent.config import Config
from fitintent.features import Feature, slug
from fitintent.models._design import Columnar
from fitintent.models._reasons import phrase, plain_phrase

HELD_BACK = "held back by: "
_SAID_MAX = 50_000  # phrases of a feature remembered across batches before it starts again
_UNSAID = object()
_EXTRA = 4  # candidates looked at beyond ``count``, for factors that cannot be worded


class Columns:
    """The columns of a batch as numpy arrays, converted once and shared by every model."""

    def __init__(
        self, data: Columnar, said: dict[str, dict[Any, str | None]] | None = None
    ) -> None:
        self.data = data
        self.rows = int(data.num_rows)
        self._names = set(data.schema.names)
        self._numbers: dict[str, np.ndarray] = {}
        self._topics: dict[str, np.ndarray] = {}
        # phrases already worded, per feature by value and context: pass one dict to the
        # Columns of every batch and a value is worded once, not once per batch (a feature of
        # ever new values, such as spend, starts its memory again now and then)
        self.said = {} if said is None else said
        for memory in self.said.values():
            if len(memory) > _SAID_MAX:
                memory.clear()

    def phrases(
        self, name: str, keys: list[Any], make: Callable[[Any], str | None]
    ) -> list[str | None]:
        """The phrase of feature ``name`` under each of ``keys`` (a value, or a value and its
        context), worded by ``make(key)`` once."""
        memory = self.said.setdefault(name, {})
        out: list[str | None] = []
        for key in keys:
            text = memory.get(key, _UNSAID)
            if text is _UNSAID:
                text = memory[key] = make(key)
            out.append(text)  # type: ignore[arg-type]
        return out

    def has(self, name: str) -> bool:
        return name in self._names

    @property
    def converted(self) -> dict[str, np.ndarray]:
        """The numeric columns converted so far, by name (shared with the design matrices)."""
        return self._numbers

    def number(self, name: str) -> np.ndarray:
        """Float64, NaN where null or absent."""
        if name not in self._numbers:
            if name not in self._names:
                self._numbers[name] = np.full(self.rows, np.nan)
            else:
                col = self.data.column(name)
                if isinstance(col, pa.ChunkedArray):
                    col = col.combine_chunks()
                if pa.types.is_boolean(col.type):
                    col = col.cast(pa.int8())
                arr = col.cast(pa.float64()).to_numpy(zero_copy_only=False)
                self._numbers[name] = np.asarray(arr, dtype=np.float64)
        return self._numbers[name]

    def topic_choice(self, product: Any) -> np.ndarray:
        """Per row, the index of the product topic with the most recent signals (the first on a
        tie), -1 where none has any: what ``phrase`` names as ``{topic}``."""
        key = str(product.id)
        if key not in self._topics:
            if not product.topics:
                self._topics[key] = np.full(self.rows, -1, dtype=np.int64)
            else:
                counts = np.column_stack(
                    [np.nan_to_num(self.number(f"topic_{slug(t)}_recent")) for t in product.topics]
                )
                best = np.argmax(counts, axis=1)
                empty = counts.max(axis=1) <= 0
                self._topics[key] = np.where(empty, -1, best).astype(np.int64)
        return self._topics[key]


def words_of(f: Feature, cols: Columns, rows: np.ndarray, cfg: Config) -> np.ndarray:
    """The phrase of feature ``f`` for each of ``rows`` (object array, None where it cannot be
    worded), computed once per distinct value and context."""
    out = np.full(len(rows), None, dtype=object)
    if len(rows) == 0 or not cols.has(f.name):
        return out
    if f.kind == "categorical":
        col = cols.data.column(f.name)
        taken = pc.take(col, pa.array(rows)).cast(pa.string())
        coded = pc.dictionary_encode(taken)
        if isinstance(coded, pa.ChunkedArray):
            coded = coded.combine_chunks()
        texts = [phrase(f, {f.name: v}, cfg) for v in coded.dictionary.to_pylist()]
        idx = coded.indices.to_numpy(zero_copy_only=False)
        valid = ~np.isnan(np.asarray(idx, dtype=np.float64))
        table = np.array([*texts, None], dtype=object)
        out[:] = table[np.where(valid, np.nan_to_num(idx), len(texts)).astype(np.int64)]
        return out
    values = cols.number(f.name)[rows]
    if _plain(f):  # worded from its value alone: straight from the distinct values
        inverse, unique_values = _distinct(values)
        keys = [None if v != v else v for v in unique_values.tolist()]  # NaN equals nothing
        texts = cols.phrases(f.name, keys, partial(_plain_of, f))
        out[:] = np.array(texts, dtype=object)[inverse]
        return out
    product = next((p for p in cfg.products if p.id == f.product), None)
    topic = cols.topic_choice(product)[rows] if product is not None else np.full(len(rows), -1)
    eos = np.zeros(len(rows), dtype=np.float64)
    eos_texts: list[Any] = [None]
    if "{eos}" in f.phrase and cols.has("eos_products"):
        coded = pc.dictionary_encode(
            pc.take(cols.data.column("eos_products"), pa.array(rows)).cast(pa.string())
        )
        if isinstance(coded, pa.ChunkedArray):
            coded = coded.combine_chunks()
        eos_texts = [*coded.dictionary.to_pylist(), None]
        idx = np.asarray(coded.indices.to_numpy(zero_copy_only=False), dtype=np.float64)
        eos = np.where(np.isnan(idx), len(eos_texts) - 1, idx)
    if "{topic}" not in f.phrase and not f.name.endswith("_surge"):
        topic = np.full(len(rows), -1)  # the phrase does not name a topic: not a context
    # one code per distinct (value, topic, end-of-service text): small integers combined
    codes, unique_values = _distinct(values)
    spans = (int(topic.max()) + 2, len(eos_texts))
    inverse, combined = _distinct(
        (codes * spans[0] + topic.astype(np.int64) + 1) * spans[1] + eos.astype(np.int64)
    )
    topics = product.topics if product is not None else []

    def worded(key: tuple[float | None, str | None, str | None]) -> str | None:
        v, topic_name, eos_text = key
        row: dict[str, Any] = {f.name: v, "eos_products": eos_text}
        if topic_name is not None:
            row[f"topic_{slug(topic_name)}_recent"] = 1
        return phrase(f, row, cfg)

    keys = [
        (None if v != v else v, topics[t - 1] if t > 0 else None, eos_texts[e])
        for v, t, e in zip(
            unique_values[combined // (spans[0] * spans[1])].tolist(),
            ((combined // spans[1]) % spans[0]).tolist(),
            (combined % spans[1]).tolist(),
            strict=True,
        )
    ]
    texts = cols.phrases(f.name, keys, worded)
    out[:] = np.array(texts, dtype=object)[inverse]
    return out


def _distinct(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's code and the distinct values (NaN once) in order of first sight: hashed,
    not sorted."""
    codes, unique = pd.factorize(values, use_na_sentinel=False)
    return np.asarray(codes, dtype=np.int64), np.asarray(unique)


def _plain_of(f: Feature, v: float | None) -> str | None:
    return None if v is None else plain_phrase(f, v)


def _plain(f: Feature) -> bool:
    """A number worded by its value alone (no topic, end-of-service product or threshold)."""
    return (
        f.kind == "numeric"
        and "{topic}" not in f.phrase
        and "{eos}" not in f.phrase
        and not f.name.endswith(("_surge", "_days_since"))
    )


def _strongest(
    contrib: np.ndarray,
    names: Sequence[str],
    cols: Columns,
    rows: np.ndarray,
    catalog: Mapping[str, Feature],
    cfg: Config,
    count: int,
) -> list[str | None]:
    """The ``count`` largest positive entries of each row of ``contrib`` (rows ``rows`` of the
    batch) that can be worded, ties broken by feature order."""
    n, width = contrib.shape
    k = min(width, count + _EXTRA)
    if n == 0 or k == 0:
        return [None] * n
    if k < width:
        cand = np.sort(np.argpartition(-contrib, k - 1, axis=1)[:, :k], axis=1)
    else:
        cand = np.tile(np.arange(width), (n, 1))
    value = np.take_along_axis(contrib, cand, axis=1)
    order = np.argsort(-value, axis=1, kind="stable")
    cand, value = np.take_along_axis(cand, order, 1), np.take_along_axis(value, order, 1)
    texts = np.full((n, k), None, dtype=object)
    # the first ``count`` candidates of every row are worded; the further ones only for the
    # rows these leave short (a factor that cannot be worded, or one meaning said twice)
    first = min(count, k)
    live = value > 0
    _word(texts, cand, live[:, :first], names, cols, rows, catalog, cfg)
    _drop_repeats(texts, 0, first)
    short = (texts[:, :first] != None).sum(axis=1) < count  # noqa: E711 (elementwise)
    if k > first and short.any():
        more = live.copy()
        more[:, :first] = False
        more[~short] = False
        _word(texts, cand, more, names, cols, rows, catalog, cfg)
        _drop_repeats(texts, first, k, only=short)
    return ["; ".join([t for t in row if t][:count]) or None for row in texts.tolist()]


def _word(
    texts: np.ndarray,
    cand: np.ndarray,
    mask: np.ndarray,
    names: Sequence[str],
    cols: Columns,
    rows: np.ndarray,
    catalog: Mapping[str, Feature],
    cfg: Config,
) -> None:
    """Fill ``texts`` where ``mask`` (over the leading columns of ``cand``) holds: the words of
    each candidate feature, one call per feature."""
    r, s = np.nonzero(mask)
    feature = cand[r, s]
    for j in np.unique(feature).tolist():
        f = catalog.get(names[j])
        if f is None:
            continue
        hit = feature == j
        texts[r[hit], s[hit]] = words_of(f, cols, rows[r[hit]], cfg)


def _drop_repeats(texts: np.ndarray, lo: int, hi: int, only: np.ndarray | None = None) -> None:
    """A phrase said twice (two columns, one meaning) counts once: columns ``lo`` to ``hi`` lose
    the texts an earlier column of the row already has (in the rows ``only``, all by default)."""
    for a in range(max(lo, 1), hi):
        for b in range(a):
            same = (texts[:, a] == texts[:, b]) & texts[:, a].astype(bool)
            if only is not None:
                same &= only
            texts[same, a] = None


def reasons(
    contrib: np.ndarray,
    names: Sequence[str],
    data: Columnar | Columns,
    catalog: Mapping[str, Feature],
    cfg: Config,
    count: int,
    *,
    rows: np.ndarray | None = None,
) -> list[str | None]:
    """Per row of ``contrib`` (rows ``rows`` of ``data``, all by default): the ``count``
    strongest positive factors in words, else ``"held back by: "`` and the strongest negative
    ones, else None."""
    cols = data if isinstance(data, Columns) else Columns(data)
    idx = np.arange(contrib.shape[0]) if rows is None else np.asarray(rows)
    c = np.asarray(contrib[:, : len(names)], dtype=np.float64)
    out = _strongest(c, names, cols, idx, catalog, cfg, count)
    missing = np.array([t is None for t in out], dtype=bool)
    if missing.any():
        back = _strongest(-c[missing], names, cols, idx[missing], catalog, cfg, count)
        for i, t in zip(np.nonzero(missing)[0].tolist(), back, strict=True):
            out[i] = None if t is None else HELD_BACK + t
    return out


def quiet_topics(product: Any, cols: Columns, rows: np.ndarray, cfg: Config) -> list[str | None]:
    """``"no signals on <topics> in the last N days"`` for rows without a recent signal on the
    product's topics (None elsewhere): a plain fact from the feature values."""
    if not product.topics:
        recent = cols.number("sig_all_recent")[rows]
        text = f"no online signals in the last {cfg.signals.recent_days} days"
    else:
        recent = cols.number(f"sig_{product.id}_recent")[rows]
        topics = ", ".join(t.replace("_", " ") for t in product.topics)
        text = f"no signals on {topics} in the last {cfg.signals.recent_days} days"
    quiet = np.nan_to_num(recent) <= 0
    return [text if q else None for q in quiet.tolist()]
