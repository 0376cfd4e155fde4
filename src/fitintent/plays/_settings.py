"""Settings of the plays: thresholds, windows and lookups, with the SPEC's defaults.

They are a validated object like the rest of the configuration. Until ``Config`` carries a
``plays`` section the defaults apply; ``plays(..., settings=PlaySettings(...))`` overrides them::

    PlaySettings(eos_min_licences=10, propensity_clusters=["Act Now"])
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator


def _default_ladders() -> dict[str, list[str]]:
    # lowest to highest SKU of a product; holding a SKU below the top leaves room to step up
    return {
        "M365": ["Business Basic", "Business Standard", "Business Premium", "E3", "E5"],
        "O365": ["E1", "E3"],
        "D365BC": ["Essentials", "Premium"],
        "D365CE": ["Sales Professional", "Sales Enterprise"],
        "PowerApps": ["Per App", "Per User"],
    }


def _default_divisions() -> dict[str, list[str]]:
    # licence-agreement product divisions -> catalog products whose buying continues them
    return {
        "Modern Work": ["M365", "O365"],
        "Productivity": ["M365", "O365"],
        "Business Applications": ["D365BC", "D365FO", "D365CE", "PowerApps"],
        "Azure": ["Azure"],
        "Compute": ["Azure"],
        "Devices": ["Surface"],
    }


def _default_competitors() -> dict[str, list[str]]:
    return {
        "HasGoogle": ["Google Workspace", "G Suite", "Google Cloud", "Google Cloud Platform"],
        "HasAWS": ["AWS", "Amazon Web Services"],
    }


class PlaySettings(BaseModel):
    """Every threshold the plays use. Months count whole calendar months ending with the period;
    ``as_of`` is the last day of the period."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # holdings and whitespace
    owner_window_months: int = Field(default=12, ge=1)  # billed within: owns the product
    size_band_edges: list[int] = Field(default_factory=lambda: [10, 25, 100, 300, 1000])
    prior_strength: float = Field(default=20.0, ge=0)  # pseudo-count of every shrinkage

    # upsell / expansion
    upsell_horizon_months: int = Field(default=6, ge=1)  # trend windows and learned outcome
    min_spend_growth: float = Field(default=0.15, ge=0)  # +15 % spend: buying more
    min_seat_growth: float = Field(default=0.05, ge=0)  # +5 % seats with a higher SKU: step up
    sku_ladders: dict[str, list[str]] = Field(default_factory=_default_ladders)

    # next logical workload
    workload_top: int = Field(default=3, ge=1)
    workload_min_support: int = Field(default=5, ge=1)  # accounts holding both items
    workload_skus: bool = True  # compute SKUs billed count as workloads of their own

    # renewals
    renewal_months: int = Field(default=12, ge=1)  # agreements ending within these months
    renewal_grace_months: int = Field(default=3, ge=0)  # continued within this after the end
    renewal_account_weight: float = Field(default=2.0, ge=0)  # pseudo-count of the bucket rate
    division_products: dict[str, list[str]] = Field(default_factory=_default_divisions)

    # technographics, agreements, end of service
    seen_within_days: int = Field(default=90, ge=0)  # last seen this recently: currently runs
    competitors: dict[str, list[str]] = Field(default_factory=_default_competitors)
    ea_programs: list[str] = Field(default_factory=lambda: ["EA"])
    eos_min_licences: int = Field(default=5, ge=1)
    eos_soon_months: int = Field(default=12, ge=0)  # approaching end of support
    propensity_clusters: list[str] = Field(default_factory=lambda: ["Act Now", "Evaluate"])

    @model_validator(mode="after")
    def _valid(self) -> PlaySettings:
        edges = self.size_band_edges
        if edges != sorted(set(edges)) or any(e <= 0 for e in edges):
            raise ValueError("size_band_edges must be increasing positive head counts")
        for name in self.competitors:
            if not name.isidentifier():
                raise ValueError(f"competitor flag '{name}' must be an identifier")
        return self


def play_settings(cfg: object) -> PlaySettings:
    """The settings carried by a configuration's ``plays`` section (this model, another pydantic
    model with the same fields, or a mapping), else the defaults."""
    found = getattr(cfg, "plays", None)
    if found is None:
        return PlaySettings()
    if isinstance(found, PlaySettings):
        return found
    dump = getattr(found, "model_dump", None)
    return PlaySettings.model_validate(dump() if callable(dump) else found)
