"""``python -m bench``: build the benchmark world once, time every stage in its own process, run
the pandas baseline beside it and write ``bench/results/`` (JSON and markdown)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bench.harness import run
from bench.settings import Settings

HERE = Path(__file__).resolve().parent
STAGES = ("ingest", "segment", "summary", "activity", "subset", "ingest_signals", "pipeline")
# the pipeline end to end is the monthly benchmark's (``python -m bench.monthly``): at a million
# accounts it trains every model, so it runs here only when asked for
DEFAULT_STAGES = STAGES[:-1]


def parse(argv: list[str] | None = None) -> Settings:
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    ap.add_argument("--accounts", type=int, default=1_000_000)
    ap.add_argument("--signals", type=int, default=100_000_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--period", default="2026-10")
    ap.add_argument("--months", type=int, default=28)
    ap.add_argument(
        "--world",
        type=Path,
        default=HERE / "world",
        help="where the world is built (reused when its size and seed match)",
    )
    ap.add_argument("--rebuild", action="store_true", help="build the world even if it exists")
    ap.add_argument("--engine", default="duckdb", choices=["duckdb", "spark"])
    ap.add_argument("--memory-limit", default="6GB", help="the engine's memory limit")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--skip-pandas", action="store_true", help="no pandas baseline")
    ap.add_argument(
        "--subset-signals",
        type=int,
        default=10_000_000,
        help="also compare on the first N signals (when there are more)",
    )
    ap.add_argument("--pandas-timeout", type=float, default=900.0, help="seconds per pandas task")
    ap.add_argument(
        "--pandas-rss-gb",
        type=float,
        default=12.0,
        help="a pandas task above this resident memory is killed",
    )
    ap.add_argument(
        "--stage-rss-gb",
        type=float,
        default=16.0,
        help="an engine stage above this resident memory is killed",
    )
    ap.add_argument(
        "--stages",
        default=",".join(DEFAULT_STAGES),
        help=f"comma-separated subset of {','.join(STAGES)} (default: all but pipeline)",
    )
    ap.add_argument(
        "--profile",
        default="",
        help="comma-separated stages to run under cProfile (.prof next to results)",
    )
    ap.add_argument("--scratch", type=Path, default=HERE / "scratch")
    ap.add_argument("--results", type=Path, default=HERE / "results")
    a = ap.parse_args(argv)
    stages = tuple(s for s in a.stages.split(",") if s)
    unknown = sorted(set(stages) - set(STAGES))
    if unknown:
        ap.error(f"unknown stages {unknown}; choose from {', '.join(STAGES)}")
    return Settings(
        accounts=a.accounts,
        signals=a.signals,
        seed=a.seed,
        period=a.period,
        months=a.months,
        world=a.world.resolve(),
        rebuild=a.rebuild,
        engine=a.engine,
        memory_limit=a.memory_limit,
        threads=a.threads,
        pandas=not a.skip_pandas,
        subset_signals=a.subset_signals,
        pandas_timeout=a.pandas_timeout,
        pandas_rss_gb=a.pandas_rss_gb,
        stage_rss_gb=a.stage_rss_gb,
        stages=stages,
        profile=tuple(s for s in a.profile.split(",") if s),
        scratch=a.scratch.resolve(),
        results=a.results.resolve(),
    )


def main(argv: list[str] | None = None) -> int:
    settings = parse(argv)
    path = run(settings, log=lambda msg: print(msg, flush=True))
    print(f"results: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
