"""A small demo world loaded once per test session and scored at one period (models trained into
a registry), shared by the model and evaluation tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from fitintent.config import Config, load_config
from fitintent.demo import generate_world
from fitintent.engine import DataFrame, Engine
from fitintent.engine import _session as engine_session
from fitintent.features import FeatureSource
from fitintent.ingest import ingest
from fitintent.models import Card, score_period
from fitintent.period import Period

ACCOUNTS = 2_000
SEED = 11
PERIOD = Period(2026, 7)  # a quarter start: fit and intent are both trained for it


@dataclass
class ScoredWorld:
    root: Path
    warehouse: Path
    cfg: Config
    tables: dict[str, DataFrame]
    source: FeatureSource
    registry: Path
    period: Period
    scores: pa.Table
    cards: list[Card]


_CACHE: dict[str, ScoredWorld] = {}


def fast(cfg: Config) -> Config:
    """Smaller models and a shorter history: the same code paths, a fraction of the time."""
    return cfg.model_copy(
        update={
            "fit": cfg.fit.model_copy(update={"folds": 3, "max_trees": 60, "learning_rate": 0.1}),
            "intent": cfg.intent.model_copy(
                update={"training_months": 5, "validation_months": 1, "max_trees": 60}
            ),
        }
    )


@contextmanager
def active(eng: Engine) -> Iterator[Engine]:
    token = engine_session._active.set(eng)
    try:
        yield eng
    finally:
        engine_session._active.reset(token)


def scored_world(eng: Engine, tmp: Path) -> ScoredWorld:
    key = str(id(eng))
    if key in _CACHE:
        return _CACHE[key]
    info = generate_world(tmp / "world", accounts=ACCOUNTS, seed=SEED, fmt="parquet")
    cfg = fast(load_config(info.config))
    cfg = cfg.model_copy(update={"paths": cfg.paths.model_copy(update={"workdir": tmp / "work"})})
    with active(eng):
        data = ingest(cfg, eng, tmp / "work" / "warehouse")
        # signals are carried by file, not copied into the run's folder: put them beside the
        # other tables for the tests that read every table from there
        eng.write_table(data.tables["signals"], tmp / "work" / "warehouse" / "signals")
        source = FeatureSource.prepare(data.tables, cfg)
        registry = tmp / "work" / "models"
        seg = source.segmented(PERIOD)
        scores, cards = score_period(data.tables, seg, cfg, PERIOD, registry, source=source)
        table = eng.to_arrow(scores).sort_by(
            [("account_id", "ascending"), ("product", "ascending")]
        )
    world = ScoredWorld(
        info.root,
        tmp / "work" / "warehouse",
        cfg,
        data.tables,
        source,
        registry,
        PERIOD,
        table,
        cards,
    )
    _CACHE[key] = world
    return world


def by_key(table: pa.Table) -> dict[tuple[str, str], dict[str, Any]]:
    return {(r["account_id"], r["product"]): r for r in table.to_pylist()}
