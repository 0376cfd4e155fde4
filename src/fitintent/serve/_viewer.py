"""Who is looking: the viewer every data read needs, and the fields a report viewer never gets.

SPEC section 7: an *executive report viewer* sees everything of its scope; a *report viewer*
sees everything except revenue figures and personal data, and those fields are absent (not
blank) from pages, JSON and files. The field list lives here and only here.

* revenue: every money figure, by name (``revenue``, ``it_budget``, ``expiring_revenue``...) and
  by pattern (a column whose name holds ``revenue``, ``spend``, ``budget``, ``amount``,
  ``potential``, ``price`` or ``billed``), so a table or extra firmographic added later is
  covered without a change here;
* personal data: postal codes (a small firm's address is often its owner's home), anything that
  names a person (``contact``, ``email``, ``phone``, ``first_name``, ``last_name``), and the text
  and link of crawled evidence (social and forum posts are written by people); a report viewer
  still sees each evidence item's date, type and source.

Reasons are text: a reason that states a money figure ("spends 12,000 a year on cloud compute",
"revenue 9942900") is dropped from a report viewer's ``fit_reasons`` and ``intent_reasons``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from fitintent.config import Role, ServeSettings
from fitintent.serve._users import User

REVENUE_FIELDS = frozenset(
    {
        "revenue",
        "it_budget",
        "compute_spend_12m",
        "compute_potential_3y",
        "expiring_revenue",
        "open_expiring_revenue",
        "whitespace_revenue",
        "whitespace_rate",
        "spend_12m",
        "amount",
        "pipeline",
        "won_amount",
    }
)
PERSONAL_FIELDS = frozenset({"postal_code", "intent_evidence_text"})
_PATTERN = re.compile(
    r"revenue|spend|budget|amount|potential|price|billed|pipeline"
    r"|contact|e_?mail|phone|first_?name|last_?name|postal|zip",
    re.IGNORECASE,
)
REASON_FIELDS = ("fit_reasons", "intent_reasons")
# keys of an evidence item a report viewer receives (text and url may name a person)
EVIDENCE_PUBLIC_KEYS = ("date", "type", "source", "topic", "strength")


@dataclass(frozen=True)
class Viewer:
    """A signed-in user as the data layer sees it: partner, locations, role, rights."""

    username: str
    user_id: int
    role: Role
    partner_id: str | None  # None: every partner (vendor admin)
    locations: tuple[str, ...] | None  # None: the whole organisation
    downloads: bool
    extra_restricted: frozenset[str] = frozenset()

    @classmethod
    def of(cls, user: User, settings: ServeSettings) -> Viewer:
        return cls(
            username=user.username,
            user_id=user.id,
            role=user.role,
            partner_id=None if user.role == "admin" else user.partner_id,
            locations=None if user.role == "admin" else user.locations,
            downloads=user.role in settings.download_roles,
            extra_restricted=frozenset(f.lower() for f in settings.restricted_fields),
        )

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def sees_restricted(self) -> bool:
        return self.role in ("admin", "executive")

    @property
    def scope_key(self) -> str:
        """Equal for viewers who see the same rows and fields (cache and export ownership)."""
        return json.dumps([self.partner_id, self.locations, self.sees_restricted])

    def allowed(self, column: str) -> bool:
        """May this viewer receive a field of this name (a table column or a download header)?"""
        return self.sees_restricted or not restricted(column, self.extra_restricted)

    def visible(self, columns: Iterable[str]) -> list[str]:
        return [c for c in columns if self.allowed(c)]

    def strip(self, row: dict[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in row.items() if self.allowed(k)}
        if not self.sees_restricted:
            if "intent_evidence" in out:
                out["intent_evidence"] = public_evidence(out["intent_evidence"])
            for key in REASON_FIELDS:
                if key in out:
                    out[key] = self.reasons(out[key])
        return out

    def reasons(self, text: Any) -> Any:
        """Reasons (joined by ``"; "``) without the ones this viewer may not read."""
        if self.sees_restricted or not isinstance(text, str):
            return text
        kept = [r for r in text.split("; ") if not _PATTERN.search(_snake(r))]
        return "; ".join(kept) if kept else None


def restricted(column: str, extra: frozenset[str] = frozenset()) -> bool:
    name = _snake(column)
    if name in REVENUE_FIELDS or name in PERSONAL_FIELDS or name in extra:
        return True
    return column.lower() in extra or bool(_PATTERN.search(name))


def public_evidence(value: Any) -> str | None:
    """Evidence JSON with only the keys a report viewer may receive."""
    if value is None:
        return None
    try:
        items = json.loads(value) if isinstance(value, str) else value
    except ValueError:
        return None
    if not isinstance(items, Sequence):
        return None
    kept = [
        {k: v for k, v in item.items() if k in EVIDENCE_PUBLIC_KEYS}
        for item in items
        if isinstance(item, dict)
    ]
    return json.dumps(kept, ensure_ascii=False)


def _snake(name: str) -> str:
    # download headers are CamelCase (ExpiringRevenue): the rule reads them as expiring_revenue
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()
