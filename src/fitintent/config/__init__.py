"""Configuration: one TOML file validated into a typed object that is passed in, never global.

Example (every section is optional; the defaults are the SPEC's)::

    [paths]
    workdir = "work"
    sources = "work/sources"

    [engine]
    kind = "duckdb"            # or "spark" with master = "local[2]" or remote = "sc://host:15002"

    [fiscal]
    start_month = 7            # fiscal year July to June

    [[products]]
    id = "M365"
    name = "Productivity suite"
    family = "productivity"

    [[extra_firmographics]]
    name = "revenue"
    type = "double"
    min = 0
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from pathlib import Path

from pydantic import Field, ValidationError, model_validator

from fitintent.config._core import (
    Band,
    ColumnType,
    EngineSettings,
    ExtraColumn,
    Fiscal,
    Matrix,
    Paths,
    Product,
    Segments,
    Signals,
    SmbType,
    Sources,
    _default_products,
    _Model,
)
from fitintent.config._crawl import CrawlSettings
from fitintent.config._models import FitSettings, GateSettings, IntentSettings, Scale
from fitintent.config._serve import Role, ServeSettings
from fitintent.errors import ConfigError

__all__ = [
    "Band",
    "ColumnType",
    "Config",
    "CrawlSettings",
    "EngineSettings",
    "ExtraColumn",
    "Fiscal",
    "FitSettings",
    "GateSettings",
    "IntentSettings",
    "Matrix",
    "Paths",
    "Product",
    "Role",
    "Scale",
    "Segments",
    "ServeSettings",
    "Signals",
    "SmbType",
    "Sources",
    "load_config",
]


class Config(_Model):
    paths: Paths = Field(default_factory=Paths)
    engine: EngineSettings = Field(default_factory=EngineSettings)
    fiscal: Fiscal = Field(default_factory=Fiscal)
    segments: Segments = Field(default_factory=Segments)
    matrix: Matrix = Field(default_factory=Matrix)
    products: list[Product] = Field(default_factory=_default_products, min_length=1)
    extra_firmographics: list[ExtraColumn] = Field(default_factory=list)
    sources: Sources = Field(default_factory=Sources)
    signals: Signals = Field(default_factory=Signals)
    fit: FitSettings = Field(default_factory=FitSettings)
    intent: IntentSettings = Field(default_factory=IntentSettings)
    gate: GateSettings = Field(default_factory=GateSettings)
    crawl: CrawlSettings = Field(default_factory=CrawlSettings)
    serve: ServeSettings = Field(default_factory=ServeSettings)

    @model_validator(mode="after")
    def _unique(self) -> Config:
        ids = [p.id for p in self.products]
        if len(set(ids)) != len(ids):
            raise ValueError("product ids must be unique")
        names = [c.name for c in self.extra_firmographics]
        if len(set(names)) != len(names):
            raise ValueError("extra firmographic column names must be unique")
        return self

    @property
    def product_ids(self) -> list[str]:
        return [p.id for p in self.products]

    @property
    def compute_products(self) -> list[str]:
        return [p.id for p in self.products if p.compute]

    def with_engine(self, kind: str) -> Config:
        return self.model_copy(update={"engine": self.engine.model_copy(update={"kind": kind})})

    def digest(self) -> str:
        """A stable hash of the settings that shape results (not of where files live)."""
        data = self.model_dump(mode="json", exclude={"paths": True, "engine": True, "serve": True})
        blob = json.dumps(data, sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:16]


def load_config(path: Path | str | None = None, **overrides: object) -> Config:
    """Read and validate a TOML file; relative paths resolve against the file's folder."""
    raw: dict[str, object] = {}
    base = Path.cwd()
    if path is not None:
        p = Path(path)
        try:
            raw = tomllib.loads(p.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"{p}: configuration file not found") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
            raise ConfigError(f"{p}: not valid TOML: {e}") from None
        base = p.resolve().parent
    raw.update(overrides)
    try:
        cfg = Config.model_validate(raw)
    except ValidationError as e:
        where = str(path) if path is not None else "configuration"
        lines = [
            f"  {'.'.join(str(x) for x in err['loc']) or '(top)'}: {err['msg']}"
            for err in e.errors()
        ]
        raise ConfigError(f"{where}: invalid settings\n" + "\n".join(lines)) from None
    return _resolve_paths(cfg, base)


def _resolve_paths(cfg: Config, base: Path) -> Config:
    def absolute(p: Path | None) -> Path | None:
        return None if p is None else (p if p.is_absolute() else (base / p).resolve())

    paths = Paths(workdir=absolute(cfg.paths.workdir) or base, sources=absolute(cfg.paths.sources))
    engine = cfg.engine.model_copy(update={"duckdb_file": absolute(cfg.engine.duckdb_file)})
    gate = cfg.gate.model_copy(update={"truth": absolute(cfg.gate.truth)})
    return cfg.model_copy(update={"paths": paths, "engine": engine, "gate": gate})
