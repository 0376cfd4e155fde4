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
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from fitintent.errors import ConfigError

ColumnType = Literal["string", "long", "double", "date", "timestamp", "boolean"]
SmbType = Literal["top_unmanaged_user", "top_unmanaged_compute", "medium", "small"]


_PRECEDENCE: tuple[SmbType, ...] = (
    "top_unmanaged_user",
    "top_unmanaged_compute",
    "medium",
    "small",
)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Paths(_Model):
    workdir: Path = Path("work")
    sources: Path | None = None  # default: <workdir>/sources

    @property
    def source_dir(self) -> Path:
        return self.sources if self.sources is not None else self.workdir / "sources"

    @property
    def snapshots(self) -> Path:
        return self.workdir / "snapshots"


class EngineSettings(_Model):
    kind: Literal["duckdb", "spark"] = "duckdb"
    duckdb_file: Path | None = None  # default: <workdir>/fitintent.duckdb
    memory_limit: str = "6GB"
    threads: int = Field(default=2, ge=1)
    master: str = "local[2]"
    remote: str | None = None  # Spark Connect URL, e.g. sc://spark-host:15002
    spark_conf: dict[str, str] = Field(default_factory=dict)

    @field_validator("remote")
    @classmethod
    def _remote_is_url(cls, v: str | None) -> str | None:
        if v is not None and not v.startswith("sc://"):
            raise ValueError("a Spark Connect URL starts with sc://")
        return v


class Fiscal(_Model):
    start_month: int = Field(default=7, ge=1, le=12)


class Segments(_Model):
    """SPEC section 2. `precedence` decides SMCTypeSummary when an account is several types."""

    top_user_min_employees: int = Field(default=300, ge=1)
    medium_min_employees: int = Field(default=25, ge=1)
    compute_potential_min: float = Field(default=10_000.0, ge=0)
    very_small_max_employees: int | None = Field(default=None, ge=1)
    precedence: list[SmbType] = Field(default_factory=lambda: list(_PRECEDENCE))
    potential_years: int = Field(default=3, ge=1)
    potential_window_months: int = Field(default=12, ge=1)

    @model_validator(mode="after")
    def _ordered(self) -> Segments:
        if self.medium_min_employees >= self.top_user_min_employees:
            raise ValueError("medium_min_employees must be below top_user_min_employees")
        if sorted(self.precedence) != sorted(
            ["top_unmanaged_user", "top_unmanaged_compute", "medium", "small"]
        ):
            raise ValueError("precedence must name each SMB type exactly once")
        vs = self.very_small_max_employees
        if vs is not None and vs >= self.medium_min_employees:
            raise ValueError("very_small_max_employees must be below medium_min_employees")
        return self


class Band(_Model):
    name: str
    min: float = Field(ge=0, le=100)


def _default_bands() -> list[Band]:
    return [
        Band(name="High", min=75),
        Band(name="Medium", min=55),
        Band(name="Low", min=30),
        Band(name="Very low", min=0),
    ]


def _default_cells() -> dict[str, dict[str, str]]:
    intents = ["High", "Medium", "Low", "Very low"]
    return {
        "High": dict(zip(intents, ["A1", "A2", "A3", "A4"], strict=True)),
        "Medium": dict(zip(intents, ["E5", "E6", "E7", "E8"], strict=True)),
        "Low": dict.fromkeys(intents, "N9"),
        "Very low": dict.fromkeys(intents, "ET10"),
    }


def _default_clusters() -> dict[str, str]:
    return {
        "A1": "Act Now",
        "A2": "Act Now",
        "A3": "Act Now",
        "A4": "Act Now",
        "E5": "Evaluate",
        "E6": "Evaluate",
        "E7": "Evaluate",
        "E8": "Evaluate",
        "N9": "Nurture",
        "ET10": "Educate",
    }


class Matrix(_Model):
    """Rows are fit bands, columns intent bands; each cell belongs to one cluster."""

    bands: list[Band] = Field(default_factory=_default_bands)
    cells: dict[str, dict[str, str]] = Field(default_factory=_default_cells)
    clusters: dict[str, str] = Field(default_factory=_default_clusters)
    cluster_order: list[str] = Field(
        default_factory=lambda: ["Act Now", "Evaluate", "Nurture", "Educate"]
    )

    @model_validator(mode="after")
    def _consistent(self) -> Matrix:
        names = [b.name for b in self.bands]
        mins = [b.min for b in self.bands]
        if len(set(names)) != len(names):
            raise ValueError("band names must be unique")
        if mins != sorted(mins, reverse=True) or mins[-1] != 0:
            raise ValueError(
                "bands must be listed from highest to lowest and the last must start at 0"
            )
        if set(self.cells) != set(names) or any(set(r) != set(names) for r in self.cells.values()):
            raise ValueError(f"cells must give a cell for every fit band x intent band of {names}")
        used = {c for row in self.cells.values() for c in row.values()}
        missing = sorted(used - set(self.clusters))
        if missing:
            raise ValueError(f"cells {missing} have no cluster in [matrix.clusters]")
        unknown = sorted(set(self.clusters.values()) - set(self.cluster_order))
        if unknown:
            raise ValueError(f"clusters {unknown} are not listed in cluster_order")
        return self


class Product(_Model):
    id: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")
    name: str
    family: str
    compute: bool = False  # spend on this product is cloud-compute spend (compute potential)
    topics: list[str] = Field(default_factory=list)  # signal topics that point at buying it


def _default_products() -> list[Product]:
    return [
        Product(
            id="M365",
            name="Microsoft 365-like productivity suite",
            family="productivity",
            topics=["collaboration", "email", "remote_work", "security"],
        ),
        Product(
            id="O365",
            name="Older productivity SKU",
            family="productivity",
            topics=["email", "collaboration"],
        ),
        Product(
            id="Surface",
            name="Surface-like devices",
            family="devices",
            topics=["devices", "remote_work"],
        ),
        Product(
            id="D365BC",
            name="ERP for small firms (Business Central)",
            family="erp",
            topics=["accounting", "erp"],
        ),
        Product(
            id="D365FO",
            name="ERP for larger firms (Finance & Operations)",
            family="erp",
            topics=["erp", "analytics"],
        ),
        Product(
            id="D365CE",
            name="CRM (Customer Engagement / Sales)",
            family="crm",
            topics=["crm", "analytics"],
        ),
        Product(
            id="PowerApps", name="Low-code apps", family="lowcode", topics=["low_code", "analytics"]
        ),
        Product(
            id="Azure",
            name="Cloud compute",
            family="compute",
            compute=True,
            topics=["cloud_migration", "data_centre", "virtualisation", "security", "analytics"],
        ),
    ]


class ExtraColumn(_Model):
    """A firmographic column the user brings beyond the known ones (revenue, IT budget...)."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    type: ColumnType = "double"
    required: bool = False
    min: float | None = None
    max: float | None = None
    description: str = ""


class Sources(_Model):
    license_programs: list[str] = Field(
        default_factory=lambda: ["EA", "Open", "Open Value", "CSP", "MPSA"]
    )
    open_programs: list[str] = Field(default_factory=lambda: ["Open", "Open Value"])
    files: dict[str, str] = Field(default_factory=dict)  # source -> path relative to sources dir

    @model_validator(mode="after")
    def _open_subset(self) -> Sources:
        extra = sorted(set(self.open_programs) - set(self.license_programs))
        if extra:
            raise ValueError(f"open_programs {extra} are not among license_programs")
        return self


class Signals(_Model):
    """Topic activity: the recent window is compared with the baseline window before it."""

    recent_days: int = Field(default=30, ge=1)
    baseline_days: int = Field(default=180, ge=1)
    default_strength: float = Field(default=0.5, ge=0, le=1)


class Scale(_Model):
    """How a model output becomes 0-100: its percentile within the product among scored accounts
    (default: the bands then split the population evenly over time) or a calibrated probability
    x 100."""

    kind: Literal["percentile", "probability"] = "percentile"


class FitSettings(_Model):
    """The lookalike (positive-unlabelled) fit model per product."""

    best_min_tenure_months: int = Field(default=6, ge=0)  # owned at least this long
    best_spend_quantile: float = Field(default=0.5, ge=0, le=1)  # and spend at least this quantile
    retrain_months: list[int] = Field(default_factory=lambda: [1, 4, 7, 10])  # quarter starts
    scale: Scale = Field(default_factory=Scale)
    opportunity_months: int = Field(default=12, ge=0)  # a recent opportunity makes a positive too
    holding_months: int = Field(default=12, ge=1)  # billing in this window counts as owning
    folds: int = Field(default=4, ge=2)  # cross-fitting: no account is scored by a model it trained
    min_positives: int = Field(default=10, ge=1)  # fewer best customers: no model, fit is null
    max_training_rows: int = Field(default=1_000_000, ge=1_000)  # unlabelled rows are sampled
    explain_min_fit: float = Field(default=55.0, ge=0, le=100)  # explain rows at or above this fit
    reasons: int = Field(default=3, ge=1)  # factors named per score
    # LightGBM: small trees keep exact contributions cheap; early stopping picks the tree count
    num_leaves: int = Field(default=15, ge=2)
    learning_rate: float = Field(default=0.05, gt=0, le=1)
    max_trees: int = Field(default=300, ge=1)
    min_child_samples: int = Field(default=20, ge=1)
    seed: int = 7

    @field_validator("retrain_months")
    @classmethod
    def _months(cls, v: list[int]) -> list[int]:
        if not v or any(not 1 <= m <= 12 for m in v):
            raise ValueError("retrain_months must list months 1 to 12")
        return sorted(set(v))


class IntentSettings(_Model):
    """Topic surge and the learned intent model per product."""

    horizon_days: int = Field(default=90, ge=1)  # predicts an opportunity within this horizon
    min_volume: int = Field(default=3, ge=0)  # fewer recent signals than this is not a surge
    surge_threshold: float = Field(default=60.0, ge=0, le=100)  # 50 normal, 60+ surging
    training_months: int = Field(default=12, ge=1)  # history used to train, strictly before
    scale: Scale = Field(default_factory=Scale)
    retrain_months: list[int] = Field(default_factory=lambda: list(range(1, 13)))  # monthly
    validation_months: int = Field(default=2, ge=1)  # newest labelled months held out
    surge_prior_days: float = Field(default=90.0, ge=0)  # weight of the peers' baseline, in days
    surge_steepness: float = Field(default=1.5, gt=0)  # surge = 100 r^s / (1 + r^s)
    strong_signal: float = Field(default=0.5, ge=0, le=1)  # a signal this strong counts as strong
    evidence_days: int = Field(default=90, ge=1)  # evidence signals come from this window
    evidence_count: int = Field(default=3, ge=1)
    negative_rate: float = Field(default=0.25, gt=0, le=1)  # share of no-opportunity rows kept
    max_training_rows: int = Field(default=2_000_000, ge=1_000)  # negatives sampled below this
    num_leaves: int = Field(default=7, ge=2)
    learning_rate: float = Field(default=0.1, gt=0, le=1)
    max_trees: int = Field(default=300, ge=1)
    min_child_samples: int = Field(default=50, ge=1)
    seed: int = 7

    @field_validator("retrain_months")
    @classmethod
    def _months(cls, v: list[int]) -> list[int]:
        if not v or any(not 1 <= m <= 12 for m in v):
            raise ValueError("retrain_months must list months 1 to 12")
        return sorted(set(v))

    @model_validator(mode="after")
    def _enough_history(self) -> IntentSettings:
        if self.validation_months >= self.training_months:
            raise ValueError("validation_months must be fewer than training_months")
        return self


class GateSettings(_Model):
    """A candidate model that validates worse than the one in use by more than ``tolerance``
    (AUC points against the opportunities that followed) is not published."""

    tolerance: float = Field(default=0.02, ge=0, le=1)
    min_positives: int = Field(default=30, ge=0)  # fewer outcomes cannot tell two models apart
    backtest_periods: int = Field(default=6, ge=1)
    calibration_bins: int = Field(default=10, ge=2)


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
        data = self.model_dump(mode="json", exclude={"paths": True, "engine": True})
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
    return cfg.model_copy(update={"paths": paths, "engine": engine})
