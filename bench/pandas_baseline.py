"""Pandas baseline."""

from typing import Any

TASKS: dict[str, Any] = {}
