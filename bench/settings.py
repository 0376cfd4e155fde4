"""What a benchmark run is asked to do, and the lock that keeps one run per scratch folder."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    accounts: int = 1_000_000
    signals: int = 100_000_000
    seed: int = 7
    period: str = "2026-10"
    months: int = 28
    world: Path = Path("bench/world")
    rebuild: bool = False
    engine: str = "duckdb"
    memory_limit: str = "6GB"
    threads: int = 2
    pandas: bool = True
    subset_signals: int = 10_000_000
    pandas_timeout: float = 900.0
    pandas_rss_gb: float = 12.0
    stage_rss_gb: float = 16.0
    stages: tuple[str, ...] = ()
    profile: tuple[str, ...] = ()
    scratch: Path = Path("bench/scratch")
    results: Path = Path("bench/results")


@contextmanager
def exclusive(scratch: Path) -> Iterator[None]:
    """One run per scratch folder: two runs would overwrite each other's stage outputs."""
    scratch.mkdir(parents=True, exist_ok=True)
    with (scratch / "bench.lock").open("a+") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            f.seek(0)
            raise SystemExit(
                f"another benchmark is running in {scratch} ({f.read().strip()}); "
                "wait for it or pass --scratch with another folder"
            ) from None
        f.seek(0)
        f.truncate()
        f.write(f"pid {os.getpid()}, started {datetime.now(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}")
        f.flush()
        yield
