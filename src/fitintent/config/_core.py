"""The sections of the configuration that shape the data: paths, engine, fiscal year, segments,
matrix, products, sources and signals."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

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

    @property
    def models(self) -> Path:
        """The model registry: every trained model with its card."""
        return self.workdir / "models"


class EngineSettings(_Model):
    kind: Literal["duckdb", "spark"] = "duckdb"
    duckdb_file: Path | None = None  # default: <workdir>/fitintent.duckdb
    memory_limit: str = "6GB"
    threads: int = Field(default=2, ge=1)
    # a period with at least this many accounts is scored by its models compiled to native code
    # (kept under <workdir>/compiled and reused); below it, compiling costs more than it saves
    compile_min_accounts: int = Field(default=250_000, ge=0)
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
