"""Requests for data, validated: the account list's filters, sorting and paging.

Values are always bound as parameters; a column name reaches SQL only after it matched a column
of the snapshot's own schema (filters, sort keys, play flags), and is then quoted.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from fitintent.serve._viewer import Viewer

# list filters that compare a column with one value, as ?name=value
EQUAL_FILTERS = (
    "product",
    "cell",
    "cluster",
    "fit_band",
    "intent_band",
    "country",
    "area",
    "industry",
    "vertical",
    "segment",
    "sub_segment",
    "smb_type_summary",
    "location_id",
    "whitespace_kind",
)
BOOL_FILTERS = ("whitespace", "upsell", "entered_act_now")
_Text = Field(default=None, max_length=120)


class AccountQuery(BaseModel):
    """The account list's request; the same model serves the pages and the REST API."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    product: str | None = _Text
    cell: str | None = _Text
    cluster: str | None = _Text
    fit_band: str | None = _Text
    intent_band: str | None = _Text
    country: str | None = _Text
    area: str | None = _Text
    industry: str | None = _Text
    vertical: str | None = _Text
    segment: str | None = _Text
    sub_segment: str | None = _Text
    smb_type_summary: str | None = _Text
    location_id: str | None = _Text
    whitespace_kind: str | None = _Text
    whitespace: bool | None = None
    upsell: bool | None = None
    entered_act_now: bool | None = None
    flag: str | None = _Text  # a play flag of account_flags, e.g. HasAWS or EOSWindowsServer
    q: str | None = _Text  # account name or domain contains
    sort: str | None = _Text
    desc: bool = False
    page: int = Field(default=1, ge=1, le=1_000_000)
    page_size: int | None = Field(default=None, ge=1, le=5000)

    def cleaned(self) -> AccountQuery:
        """Empty form fields mean "no filter"."""
        data = {k: (None if v == "" else v) for k, v in self.model_dump().items()}
        return AccountQuery.model_validate(data)

    def params(self) -> dict[str, str]:
        """The query as URL parameters (links to other pages of the same list)."""
        out: dict[str, str] = {}
        for k, v in self.model_dump().items():
            if v is None or (k == "desc" and not v) or (k == "page" and v == 1):
                continue
            out[k] = ("true" if v else "false") if isinstance(v, bool) else str(v)
        return out


@dataclass
class Page:
    """One page of rows: only the columns the viewer may receive."""

    columns: list[str]
    rows: list[dict[str, Any]]
    total: int
    page: int = 1
    page_size: int = 50
    notes: list[str] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))

    def copy(self) -> Page:
        """A copy whose lists and rows can be changed without touching this one (the values
        in a row are plain scalars)."""
        return replace(
            self,
            columns=list(self.columns),
            rows=[dict(r) for r in self.rows],
            notes=list(self.notes),
        )

    def json(self) -> dict[str, Any]:
        return {
            "columns": self.columns,
            "rows": self.rows,
            "total": self.total,
            "page": self.page,
            "page_size": self.page_size,
            "pages": self.pages,
            "notes": self.notes,
        }


def scope(viewer: Viewer, alias: str = "") -> tuple[str, list[object]]:
    """The predicate that keeps a viewer inside its partner and locations; every read uses it."""
    p = f"{alias}." if alias else ""
    if viewer.is_admin:
        return "TRUE", []
    if viewer.partner_id is None:
        return "FALSE", []
    if viewer.locations is None:
        return f"{p}partner_id = ?", [viewer.partner_id]
    if not viewer.locations:
        return "FALSE", []
    marks = ", ".join("?" for _ in viewer.locations)
    return (
        f"{p}partner_id = ? AND {p}location_id IN ({marks})",
        [viewer.partner_id, *viewer.locations],
    )


def in_scope(viewer: Viewer, partner_id: object, location_id: object) -> bool:
    """The rule of :func:`scope`, for a row already read."""
    if viewer.is_admin:
        return True
    if viewer.partner_id is None or partner_id != viewer.partner_id:
        return False
    return viewer.locations is None or location_id in viewer.locations
