"""Batch functions that score and explain through ``map_batches`` (Arrow record batches in and
out, on DuckDB and on Spark alike). They carry the models as text and build the boosters on
first use, so a Spark worker unpickles plain strings, not native objects."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fitintent.config import Config
from fitintent.features import Feature
from fitintent.models._fit import FitModel
from fitintent.models._intent import IntentModel
from fitintent.models._lgb import fold_of
from fitintent.models._registry import fit_files, intent_files, load_fit, load_intent
from fitintent.models._words import Columns, quiet_topics, reasons, words_of

SCORE_SCHEMA = pa.schema(
    [
        ("account_id", pa.string()),
        ("product", pa.string()),
        ("fit_raw", pa.float64()),
        ("fit_probability", pa.float64()),
        ("intent_raw", pa.float64()),
        ("intent_probability", pa.float64()),
        ("propensity", pa.float64()),
        ("surge", pa.float64()),
    ]
)
EXPLAIN_SCHEMA = pa.schema(
    [
        ("account_id", pa.string()),
        ("product", pa.string()),
        ("fit_reasons", pa.string()),
        ("intent_reasons", pa.string()),
    ]
)
EVIDENCE_SCHEMA = pa.schema(
    [("account_id", pa.string()), ("product", pa.string()), ("intent_evidence", pa.string())]
)


class _Packed:
    """The models a batch function needs. In this process they are the live models; pickled
    (to a Spark worker) they travel as card fragments and text and are rebuilt on first use."""

    def __init__(
        self,
        fit: dict[str, FitModel],
        intent: dict[str, IntentModel],
        native: Path | None = None,
    ) -> None:
        self._fit, self._intent = dict(fit), dict(intent)
        self.fit: dict[str, tuple[dict[str, Any], dict[str, str]]] = {}
        self.intent: dict[str, tuple[dict[str, Any], dict[str, str]]] = {}
        self.native = native  # the folder of compiled models, when they predict (``_native``)

    @classmethod
    def of(
        cls, fit: dict[str, FitModel], intent: dict[str, IntentModel], native: Path | None = None
    ) -> _Packed:
        return cls(fit, intent, native)

    def fit_model(self, p: str) -> FitModel | None:
        if p not in self._fit and p in self.fit:
            self._fit[p] = load_fit(*self.fit[p])
            if self.native is not None:
                self._fit[p].compiled(self.native, build=False)
        return self._fit.get(p)

    def intent_model(self, p: str) -> IntentModel | None:
        if p not in self._intent and p in self.intent:
            self._intent[p] = load_intent(*self.intent[p])
            if self.native is not None:
                self._intent[p].compiled(self.native, build=False)
        return self._intent.get(p)

    def __getstate__(self) -> dict[str, Any]:
        fit = self.fit or {p: _fit_card(m) for p, m in self._fit.items()}
        intent = self.intent or {p: _intent_card(m) for p, m in self._intent.items()}
        return {"fit": fit, "intent": intent, "native": self.native}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.fit, self.intent, self._fit, self._intent = state["fit"], state["intent"], {}, {}
        self.native = state.get("native")


def _fit_card(m: FitModel) -> tuple[dict[str, Any], dict[str, str]]:
    extra, texts = fit_files(m)
    return {"product": m.product, **extra}, texts


def _intent_card(m: IntentModel) -> tuple[dict[str, Any], dict[str, str]]:
    extra, texts = intent_files(m)
    return {"product": m.product, **extra}, texts


def _fold(folds: dict[int, np.ndarray], ids: list[str], k: int) -> np.ndarray:
    """Each account's fold of ``k`` (:func:`fold_of`), computed once per batch for every
    model."""
    if k not in folds:
        folds[k] = fold_of(ids, k)
    return folds[k]


def _column(batch: pa.RecordBatch, name: str) -> np.ndarray:
    if name not in batch.schema.names:
        return np.full(batch.num_rows, np.nan)
    return np.asarray(batch.column(name).cast(pa.float64()).to_numpy(zero_copy_only=False))


@dataclass
class Scorer:
    """Account feature rows in, one row per account x product out (:data:`SCORE_SCHEMA`)."""

    products: list[str]
    models: _Packed

    def __call__(self, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            if batch.num_rows == 0:
                continue
            ids = [str(i) for i in batch.column("account_id").to_pylist()]
            n = len(ids)
            cols: dict[str, list[np.ndarray]] = {c: [] for c in SCORE_SCHEMA.names[2:]}
            seen: dict[str, np.ndarray] = {}  # columns converted once for every model
            folds: dict[int, np.ndarray] = {}
            for p in self.products:
                fit, intent = self.models.fit_model(p), self.models.intent_model(p)
                g = prob = np.full(n, np.nan)
                if fit is not None:
                    fold = _fold(folds, ids, len(fit.boosters))
                    g = fit.raw(fit.design.matrix(batch, seen), ids, fold)
                    prob = fit.probability(g)
                raw = iprob = prop = np.full(n, np.nan)
                if intent is not None:
                    x = intent.design.matrix(batch, seen)
                    raw = intent.raw(x)
                    iprob = intent.probability(raw)
                    prop = intent.propensity(x, None if fit is None else g)
                for c, v in zip(
                    cols, (g, prob, raw, iprob, prop, _column(batch, f"sig_{p}_surge")), strict=True
                ):
                    cols[c].append(v)
            arrays = [
                pa.array(np.tile(np.asarray(ids, dtype=object), len(self.products)), pa.string()),
                pa.array(np.repeat(np.asarray(self.products, dtype=object), n), pa.string()),
                *[
                    pa.array(np.concatenate(v), pa.float64(), from_pandas=True)
                    for v in cols.values()
                ],
            ]
            yield pa.RecordBatch.from_arrays(arrays, schema=SCORE_SCHEMA)


@dataclass
class Explainer:
    """Account feature rows in (with ``_fit_<product>`` where only part is explained); reasons
    for every account x product out (:data:`EXPLAIN_SCHEMA`). Rows with a fit of at least
    ``fit.explain_min_fit`` get the factors of their model contributions; the others a plain
    statement of their values (see :mod:`fitintent.models._score`)."""

    products: list[str]
    models: _Packed
    catalog: dict[str, Feature]
    cfg: Config
    _said: dict[str, dict[Any, str | None]] = field(default_factory=dict, repr=False)

    def __call__(self, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            if batch.num_rows == 0:
                continue
            cols = Columns(batch, self._said)
            ids = [str(i) for i in batch.column("account_id").to_pylist()]
            fit_words: list[str | None] = []
            intent_words: list[str | None] = []
            folds: dict[int, np.ndarray] = {}  # each account's fold, once per batch
            for p in self.products:
                worked = self._worked(cols, p)
                fit_words += self._fit(p, batch, cols, ids, worked, folds)
                intent_words += self._intent(p, batch, cols, worked)
            n = len(ids)
            yield pa.RecordBatch.from_arrays(
                [
                    pa.array(np.tile(np.asarray(ids, dtype=object), len(self.products))),
                    pa.array(np.repeat(np.asarray(self.products, dtype=object), n), pa.string()),
                    pa.array(fit_words, pa.string()),
                    pa.array(intent_words, pa.string()),
                ],
                schema=EXPLAIN_SCHEMA,
            )

    def _worked(self, cols: Columns, product: str) -> np.ndarray:
        floor = self.cfg.fit.explain_min_fit
        name = f"_fit_{product}"
        if floor <= 0 or not cols.has(name):
            return np.ones(cols.rows, dtype=bool)
        return np.nan_to_num(cols.number(name), nan=-1.0) >= floor

    def _fit(
        self,
        p: str,
        batch: pa.RecordBatch,
        cols: Columns,
        ids: list[str],
        worked: np.ndarray,
        folds: dict[int, np.ndarray],
    ) -> list[str | None]:
        floor = self.cfg.fit.explain_min_fit
        out: list[str | None] = [f"fit under {floor:g}: factors not computed"] * cols.rows
        fit = self.models.fit_model(p)
        rows = np.nonzero(worked)[0]
        if fit is None or len(rows) == 0:
            return [None] * cols.rows if fit is None else out
        fold = _fold(folds, ids, len(fit.boosters))[rows]
        x = fit.design.matrix(batch, cols.converted)[rows]
        c = fit.contributions(x, [ids[i] for i in rows.tolist()], fold)
        words = reasons(c, fit.design.names, cols, self.catalog, self.cfg, self._count, rows=rows)
        for i, w in zip(rows.tolist(), words, strict=True):
            out[i] = w or NOTHING_STANDS_OUT
        return out

    def _intent(
        self, p: str, batch: pa.RecordBatch, cols: Columns, worked: np.ndarray
    ) -> list[str | None]:
        intent = self.models.intent_model(p)
        if intent is None:
            return [None] * cols.rows
        product = next(q for q in self.cfg.products if q.id == p)
        everyone = np.arange(cols.rows)
        out = quiet_topics(product, cols, everyone, self.cfg)
        rows = np.nonzero(worked)[0]
        if len(rows):
            x = intent.design.matrix(batch, cols.converted)[rows]
            c = intent.contributions(x)
            words = reasons(
                c, intent.design.names, cols, self.catalog, self.cfg, self._count, rows=rows
            )
            for i, w in zip(rows.tolist(), words, strict=True):
                out[i] = w or out[i] or NOTHING_STANDS_OUT
        rest = np.nonzero(~worked)[0]
        if len(rest):
            # without topics, a product has no signal columns of its own: all signals speak
            names = [f"sig_{p}_recent", f"sig_{p}_surge"] if product.topics else ["sig_all_recent"]
            found = [self.catalog.get(n) for n in names]
            said = None  # the facts of each row joined by "; ", null where there are none
            for f in found:
                if f is not None:
                    w = pa.array(words_of(f, cols, rest, self.cfg), pa.string())
                    w = pc.if_else(pc.equal(w, ""), pa.scalar(None, pa.string()), w)
                    both = None if said is None else pc.binary_join_element_wise(said, w, "; ")
                    said = w if said is None else pc.coalesce(both, said, w)
            if said is not None:
                texts = np.asarray(out, dtype=object)
                fill = np.asarray(said.to_numpy(zero_copy_only=False), dtype=object)
                empty = np.array([not t for t in texts[rest].tolist()], dtype=bool)
                texts[rest[empty]] = fill[empty]
                out = texts.tolist()
        return out

    @property
    def _count(self) -> int:
        return self.cfg.fit.reasons


NOTHING_STANDS_OUT = "no single factor stands out"


@dataclass
class EvidenceWriter:
    """``ev<i>_<field>`` columns of (account, product) rows in, the evidence as JSON out
    (:data:`EVIDENCE_SCHEMA`): the text :func:`fitintent.models.evidence` writes for a row,
    built a column at a time rather than a row at a time."""

    count: int

    def __call__(self, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            if batch.num_rows == 0:
                continue
            joined = _item(batch, 1)
            for i in range(2, self.count + 1):
                item = _item(batch, i)  # a row's items, the missing ones left out
                both = pc.binary_join_element_wise(joined, item, ", ")
                joined = pc.coalesce(both, joined, item)
            text = pc.binary_join_element_wise("[", joined, "]", "")  # null stays null
            yield pa.RecordBatch.from_arrays(
                [
                    batch.column("account_id").cast(pa.string()),
                    batch.column("product").cast(pa.string()),
                    text,
                ],
                schema=EVIDENCE_SCHEMA,
            )


# the keys in the order ``evidence`` writes them (``date`` last: it replaces ``time``)
_ITEM_KEYS = ("type", "source", "text", "url", "date")


def _item(batch: pa.RecordBatch, i: int) -> pa.Array:
    """Evidence item ``i`` of each row as a JSON object, null where the row has none."""
    names = set(batch.schema.names)

    def field(f: str) -> pa.Array:
        name = f"ev{i}_{'time' if f == 'date' else f}"
        if name not in names:
            return pa.nulls(batch.num_rows, pa.string())
        col = batch.column(name).cast(pa.string())
        return pc.replace_substring(col, "_", " ") if f == "type" else col

    parts: list[Any] = ["{"]
    for k, f in enumerate(_ITEM_KEYS):
        value = json_string(field(f))
        parts += [f'{", " if k else ""}"{f}": ', pc.fill_null(value, "null")]
    parts.append("}")
    obj = pc.binary_join_element_wise(*parts, "")
    has = pc.is_valid(field("type"))
    return pc.if_else(has, obj, pa.scalar(None, pa.string()))


_SHORT = {"\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_RISKY = '[\\\\"\\x00-\\x1f]'  # what a JSON string must escape


def json_string(col: pa.Array) -> pa.Array:
    """Each text as a JSON string literal, as ``json.dumps(..., ensure_ascii=False)`` writes it
    (backslashes, quotes and control characters escaped); null stays null. One scan finds the
    texts that need escaping; only those go through the replacements."""
    risky = pc.fill_null(pc.match_substring_regex(col, _RISKY), False)
    if pc.any(risky).as_py():
        col = pc.replace_with_mask(col, risky, _escaped(pc.filter(col, risky)))
    return pc.binary_join_element_wise('"', col, '"', "")


def _escaped(col: pa.Array) -> pa.Array:
    out = pc.replace_substring(col, "\\", "\\\\")
    out = pc.replace_substring(out, '"', '\\"')
    for raw, escaped in _SHORT.items():
        out = pc.replace_substring(out, raw, escaped)
    if pc.any(pc.match_substring_regex(out, "[\\x00-\\x1f]")).as_py():
        for code in range(0x20):
            if chr(code) not in _SHORT:
                out = pc.replace_substring(out, chr(code), f"\\u{code:04x}")
    return out
