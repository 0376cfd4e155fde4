"""Signals: resolving crawled and imported signals to accounts, and topic activity."""

from fitintent.signals._accounts import RESOLUTION_COLUMNS, resolution_counts, resolve_accounts
from fitintent.signals._activity import topic_activity

__all__ = ["RESOLUTION_COLUMNS", "resolution_counts", "resolve_accounts", "topic_activity"]
