"""Benchmark stages on the engine."""

from typing import Any

TASKS: dict[str, Any] = {}
