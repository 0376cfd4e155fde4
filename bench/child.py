"""The child side of a task: ``python -m bench.child <task> <params.json> <result.json>``.

A task is a function ``params -> result`` (JSON-able dicts). It records the steps it reaches with
:func:`step`, so a task killed on time or memory still tells how far it got. With
``params["profile"]`` set, the task runs under cProfile and the statistics land next to the result.
"""

from __future__ import annotations

import cProfile
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

Task = Callable[[dict[str, Any]], dict[str, Any]]

_steps_file: Path | None = None
_started = time.perf_counter()


def clock() -> tuple[float, float]:
    """Wall and process CPU time now; see :func:`since`."""
    return time.perf_counter(), time.process_time()


def since(start: tuple[float, float]) -> dict[str, float]:
    """``seconds`` (wall) and ``cpu_s`` (CPU of every thread of this process, DuckDB's included)
    since ``start``. On a shared machine the wall time grows with the load; the CPU time much
    less, so the two together tell work from waiting."""
    return {
        "seconds": round(time.perf_counter() - start[0], 3),
        "cpu_s": round(time.process_time() - start[1], 3),
    }


def step(name: str, **extra: Any) -> None:
    """Record that the task reached ``name`` (seconds since the child started)."""
    if _steps_file is None:
        return
    line = {"step": name, "t": round(time.perf_counter() - _started, 3), **extra}
    with _steps_file.open("a") as f:
        f.write(json.dumps(line, default=str) + "\n")


def tasks() -> dict[str, Task]:
    from bench import pandas_baseline, stages, world

    return {
        "world": world.build_task,
        "subset": world.subset_task,
        **stages.TASKS,
        **pandas_baseline.TASKS,
    }


def main(argv: list[str]) -> int:
    global _steps_file
    # run as ``-m bench.child``, this module is ``__main__``; tasks import ``bench.child.step``,
    # which must be this very module so that the steps file set below is theirs too
    sys.modules.setdefault("bench.child", sys.modules[__name__])
    name, params_path, result_path = argv
    params = json.loads(Path(params_path).read_text())
    _steps_file = Path(params["steps_file"]) if params.get("steps_file") else None
    fn = tasks()[name]
    step("start")
    if params.get("profile"):
        profiler = cProfile.Profile()
        result = profiler.runcall(fn, params)
        profiler.dump_stats(str(Path(result_path).with_suffix(".prof")))
    else:
        result = fn(params)
    step("done")
    Path(result_path).write_text(json.dumps(result, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
