"""The one place that knows which engine runs the PySpark DataFrame API.

Stages never import pyspark or sqlframe; they use ``F`` and ``Window`` from here, which forward to
the engine that is active in the current context::

    with open_engine(cfg.engine, cfg.paths.workdir) as eng:
        df = eng.read_table(path).where(F.col("employees") >= 300)
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import shutil
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pyarrow as pa

from fitintent.config import EngineSettings
from fitintent.errors import ConfigError

DataFrame = Any  # a PySpark-API DataFrame of the active engine (sqlframe or pyspark)

_active: contextvars.ContextVar[Engine | None] = contextvars.ContextVar("engine", default=None)


@dataclass
class Engine:
    """A running engine: its session, its functions module and a scratch folder for this run."""

    kind: str
    session: Any
    functions: ModuleType
    window: Any
    scratch: Path
    _restore: Any = None  # the engine-level session this one displaced, if any
    _shared: bool = False  # a Spark session that was already running is left running
    threads: int = 1  # cores the engine may use (row-wise Python work runs on as many)

    # -- tables at rest are folders of Parquet files -------------------------------------------
    def read_table(self, path: Path | str) -> DataFrame:
        """A table folder, or a glob of table folders of one schema (``quarantine/*``)."""
        p = Path(path)
        if self.kind == "duckdb":
            glob = any(ch in p.name for ch in "*?[")
            target = str(p / "*.parquet") if p.is_dir() or glob else str(p)
            return self.session.read.parquet(target)
        return self.session.read.parquet(str(p))

    def write_table(self, df: DataFrame, path: Path | str) -> Path:
        """Write ``df`` as a folder of Parquet files, replacing what was there."""
        p = Path(path)
        if p.exists():
            shutil.rmtree(p)
        if self.kind == "duckdb":
            p.mkdir(parents=True)
            sql = df.sql(dialect="duckdb", pretty=False, optimize=False)
            target = str(p / "part-00000.parquet").replace("'", "''")
            self.session._conn.execute(
                f"COPY ({sql}) TO '{target}' (FORMAT PARQUET, COMPRESSION ZSTD, "
                "ROW_GROUP_SIZE 122880)"
            )
        else:
            df.write.mode("overwrite").option("compression", "zstd").parquet(str(p))
        return p

    def materialize(self, df: DataFrame, name: str) -> DataFrame:
        """Cut a long lineage: write to scratch Parquet and read it back."""
        return self.read_table(
            self.write_table(df, self.scratch / f"{name}-{uuid.uuid4().hex[:8]}")
        )

    # -- small results cross to Python as Arrow -----------------------------------------------
    def to_arrow(self, df: DataFrame) -> pa.Table:
        if self.kind == "duckdb":
            result = self.session._conn.sql(df.sql(dialect="duckdb", pretty=False, optimize=False))
            return result.to_arrow_table() if hasattr(result, "to_arrow_table") else result.arrow()
        return df.toArrow()

    def from_arrow(self, table: pa.Table, name: str = "input") -> DataFrame:
        """A DataFrame over a small Arrow table (fixtures, model coefficients, lookups)."""
        p = self.scratch / f"{name}-{uuid.uuid4().hex[:8]}"
        p.mkdir(parents=True)
        import pyarrow.parquet as pq

        pq.write_table(table, p / "part-00000.parquet")
        return self.read_table(p)

    def stop(self) -> None:
        if not self._shared:
            with contextlib.suppress(Exception):
                self.session.stop()
        if self.kind == "duckdb" and self._restore is not None:
            from sqlframe.base.session import _BaseSession

            _BaseSession._instance = self._restore
        shutil.rmtree(self.scratch, ignore_errors=True)


def active() -> Engine:
    eng = _active.get()
    if eng is None:
        raise RuntimeError("no engine is open: use `with open_engine(...)`")
    return eng


class _Forward:
    """Forwards attribute access to the active engine's functions module or Window class."""

    def __init__(self, attr: str) -> None:
        self._attr = attr

    def __getattr__(self, name: str) -> Any:
        return getattr(getattr(active(), self._attr), name)


F: Any = _Forward("functions")
Window: Any = _Forward("window")


@contextlib.contextmanager
def open_engine(settings: EngineSettings, workdir: Path) -> Iterator[Engine]:
    """Start the configured engine, make it active for this context, and stop it afterwards."""
    scratch = Path(workdir) / "scratch" / uuid.uuid4().hex[:12]
    scratch.mkdir(parents=True, exist_ok=True)
    eng = (
        _duckdb(settings, Path(workdir), scratch)
        if settings.kind == "duckdb"
        else _spark(settings, scratch)
    )
    token = _active.set(eng)
    try:
        yield eng
    finally:
        _active.reset(token)
        eng.stop()


def _duckdb(settings: EngineSettings, workdir: Path, scratch: Path) -> Engine:
    import duckdb
    from sqlframe.base.session import _BaseSession
    from sqlframe.duckdb import DuckDBSession
    from sqlframe.duckdb import functions as duck_functions
    from sqlframe.duckdb.window import Window as DuckWindow

    db = settings.duckdb_file or workdir / "fitintent.duckdb"
    db.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(db))
    con.execute(f"SET memory_limit='{settings.memory_limit}'")
    con.execute(f"SET threads={settings.threads}")
    tmp = str(scratch / "duckdb-tmp").replace("'", "''")
    con.execute(f"SET temp_directory='{tmp}'")
    con.execute("SET TimeZone='UTC'")
    # SQLFrame keeps one session per process; an engine opened inside another (a test, a nested
    # run) gets a session of its own and gives the outer one back when it stops.
    previous = _BaseSession._instance
    _BaseSession._instance = None
    session = DuckDBSession(conn=con)
    eng = Engine("duckdb", session, duck_functions, DuckWindow, scratch, threads=settings.threads)
    eng._restore = previous
    return eng


def _spark(settings: EngineSettings, scratch: Path) -> Engine:
    try:
        from pyspark.sql import SparkSession
        from pyspark.sql import Window as SparkWindow
        from pyspark.sql import functions as spark_functions
    except ImportError:
        raise ConfigError("engine 'spark' needs pyspark: pip install 'fitintent[spark]'") from None
    # Python workers of mapInArrow must run the interpreter that has pyarrow and fitintent.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    running = SparkSession.getActiveSession()
    if running is not None and not settings.remote:
        return Engine("spark", running, spark_functions, SparkWindow, scratch, _shared=True)
    builder = SparkSession.builder.appName("fitintent")
    if settings.remote:
        builder = builder.remote(settings.remote)
    else:
        builder = (
            builder.master(settings.master)
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.shuffle.partitions", "4")
            .config("spark.driver.memory", settings.memory_limit.lower().replace("gb", "g"))
            .config("spark.local.dir", str(scratch / "spark-local"))
            .config("spark.sql.warehouse.dir", str(scratch / "spark-warehouse"))
        )
    builder = builder.config("spark.sql.session.timeZone", "UTC")
    for k, v in settings.spark_conf.items():
        builder = builder.config(k, v)
    session = builder.getOrCreate()
    if not settings.remote:
        session.sparkContext.setLogLevel("ERROR")
    return Engine("spark", session, spark_functions, SparkWindow, scratch)
