"""Signals: resolving crawled and imported signals to accounts, and topic activity."""

from fitintent.signals._activity import resolve_accounts, topic_activity

__all__ = ["resolve_accounts", "topic_activity"]
