"""Signals: resolving crawled and imported signals to accounts, and topic activity."""

from fitintent.signals._accounts import (
    RESOLUTION_COLUMNS,
    domain_lookup,
    resolution_counts,
    resolve_accounts,
    resolve_by,
    unresolved_signals,
)
from fitintent.signals._activity import topic_activity

__all__ = [
    "RESOLUTION_COLUMNS",
    "domain_lookup",
    "resolution_counts",
    "resolve_accounts",
    "resolve_by",
    "topic_activity",
    "unresolved_signals",
]
