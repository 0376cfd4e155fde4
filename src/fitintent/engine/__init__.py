"""The engine seam: the PySpark DataFrame API on SQLFrame/DuckDB (default) or Apache Spark."""

from fitintent.engine._batches import BatchFn, map_batches
from fitintent.engine._session import DataFrame, Engine, F, Window, active, open_engine

__all__ = ["BatchFn", "DataFrame", "Engine", "F", "Window", "active", "map_batches", "open_engine"]
