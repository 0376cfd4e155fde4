"""Batch functions that score and explain through ``map_batches`` (Arrow record batches in and
out, on DuckDB and on Spark alike). They carry the models as text and build the boosters on
first use, so a Spark worker unpickles plain strings, not native objects."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from fitintent.config import Config
from fitintent.features import Feature
from fitintent.models._fit import FitModel
from fitintent.models._intent import IntentModel
from fitintent.models._reasons import evidence, reasons
from fitintent.models._registry import fit_files, intent_files, load_fit, load_intent

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
        ("intent_evidence", pa.string()),
    ]
)


@dataclass
class _Packed:
    """Models as card fragments and text, rebuilt lazily where the batch function runs."""

    fit: dict[str, tuple[dict[str, Any], dict[str, str]]]
    intent: dict[str, tuple[dict[str, Any], dict[str, str]]]
    _fit: dict[str, FitModel] = field(default_factory=dict, repr=False)
    _intent: dict[str, IntentModel] = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, fit: dict[str, FitModel], intent: dict[str, IntentModel]) -> _Packed:
        f = {p: _fit_card(m) for p, m in fit.items()}
        i = {p: _intent_card(m) for p, m in intent.items()}
        return cls(f, i)

    def fit_model(self, p: str) -> FitModel | None:
        if p not in self._fit and p in self.fit:
            self._fit[p] = load_fit(*self.fit[p])
        return self._fit.get(p)

    def intent_model(self, p: str) -> IntentModel | None:
        if p not in self._intent and p in self.intent:
            self._intent[p] = load_intent(*self.intent[p])
        return self._intent.get(p)

    def __getstate__(self) -> dict[str, Any]:
        return {"fit": self.fit, "intent": self.intent}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.fit, self.intent, self._fit, self._intent = state["fit"], state["intent"], {}, {}


def _fit_card(m: FitModel) -> tuple[dict[str, Any], dict[str, str]]:
    extra, texts = fit_files(m)
    return {"product": m.product, **extra}, texts


def _intent_card(m: IntentModel) -> tuple[dict[str, Any], dict[str, str]]:
    extra, texts = intent_files(m)
    return {"product": m.product, **extra}, texts


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
            for p in self.products:
                fit, intent = self.models.fit_model(p), self.models.intent_model(p)
                g = prob = np.full(n, np.nan)
                if fit is not None:
                    g = fit.raw(fit.design.matrix(batch), ids)
                    prob = fit.probability(g)
                raw = iprob = prop = np.full(n, np.nan)
                if intent is not None:
                    x = intent.design.matrix(batch)
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


class LazyRows:
    """Rows of a record batch that convert a column to Python only when a row asks for it (the
    reasons read a handful of the batch's hundreds of columns)."""

    def __init__(self, batch: pa.RecordBatch) -> None:
        self._batch = batch
        self._names = set(batch.schema.names)
        self._columns: dict[str, list[Any]] = {}

    def column(self, name: str) -> list[Any] | None:
        if name not in self._names:
            return None
        if name not in self._columns:
            self._columns[name] = self._batch.column(name).to_pylist()
        return self._columns[name]

    def __getitem__(self, i: int) -> _Row:
        return _Row(self, i)


class _Row(Mapping[str, Any]):
    def __init__(self, rows: LazyRows, i: int) -> None:
        self._rows, self._i = rows, i

    def __getitem__(self, name: str) -> Any:
        col = self._rows.column(name)
        if col is None:
            raise KeyError(name)
        return col[self._i]

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows._batch.schema.names)

    def __len__(self) -> int:
        return len(self._rows._batch.schema.names)


@dataclass
class Explainer:
    """(account, product) rows with the account's features and evidence columns in; reasons and
    evidence out (:data:`EXPLAIN_SCHEMA`)."""

    models: _Packed
    catalog: dict[str, Feature]
    cfg: Config

    def __call__(self, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        count = self.cfg.fit.reasons
        for batch in batches:
            if batch.num_rows == 0:
                continue
            products = batch.column("product").to_pylist()
            rows = LazyRows(batch)
            fit_words: list[str | None] = [None] * batch.num_rows
            intent_words: list[str | None] = [None] * batch.num_rows
            for p in sorted(set(products)):
                idx = [i for i, q in enumerate(products) if q == p]
                sub = batch.take(pa.array(idx))
                sub_rows = [rows[i] for i in idx]
                ids = [str(r.get("account_id")) for r in sub_rows]
                fit, intent = self.models.fit_model(p), self.models.intent_model(p)
                if fit is not None:
                    c = fit.contributions(fit.design.matrix(sub), ids)
                    for i, w in zip(
                        idx,
                        reasons(c, fit.design.names, sub_rows, self.catalog, self.cfg, count),
                        strict=True,
                    ):
                        fit_words[i] = w
                if intent is not None:
                    c = intent.contributions(intent.design.matrix(sub))
                    for i, w in zip(
                        idx,
                        reasons(c, intent.design.names, sub_rows, self.catalog, self.cfg, count),
                        strict=True,
                    ):
                        intent_words[i] = w
            ev = [evidence(rows[i], self.cfg.intent.evidence_count) for i in range(len(products))]
            yield pa.RecordBatch.from_arrays(
                [
                    batch.column("account_id").cast(pa.string()),
                    batch.column("product").cast(pa.string()),
                    pa.array(fit_words, pa.string()),
                    pa.array(intent_words, pa.string()),
                    pa.array(ev, pa.string()),
                ],
                schema=EXPLAIN_SCHEMA,
            )
