"""Run one benchmark task in a child process and measure it: wall time, peak RSS, outcome.

Each task runs as ``python -m bench.child <task> <params.json> <result.json>`` in its own process
group, so its peak memory (``ru_maxrss`` from ``wait4``, which counts DuckDB's native memory as it
lives in the same process) belongs to that task alone. A task that runs past its time limit or
above its memory cap is killed and recorded as such, with the steps it had reached.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import signal
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parent.parent
_POLL_S = 0.2


@dataclass
class Outcome:
    """What became of one task."""

    task: str
    status: str  # ok | failed | timeout | memory
    wall_s: float
    peak_rss_gb: float
    result: dict[str, Any] = field(default_factory=dict)
    steps: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None
    log: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _tree_rss(proc: psutil.Process) -> int:
    """Resident bytes of a process and its descendants (0 once it is gone)."""
    total = 0
    try:
        for p in [proc, *proc.children(recursive=True)]:
            with contextlib.suppress(psutil.Error):
                total += p.memory_info().rss
    except psutil.Error:
        return 0
    return total


def _read_steps(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _tail(path: Path, lines: int = 15) -> str:
    if not path.exists():
        return ""
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def run_task(
    task: str,
    params: dict[str, Any],
    *,
    scratch: Path,
    timeout_s: float | None = None,
    rss_cap_gb: float | None = None,
    label: str | None = None,
) -> Outcome:
    """Run ``task`` in a child process; never raises for a failure of the task itself."""
    name = label or task
    folder = scratch / "tasks" / name
    folder.mkdir(parents=True, exist_ok=True)
    params_file, result_file = folder / "params.json", folder / "result.json"
    steps_file, log_file = folder / "steps.jsonl", folder / "log.txt"
    for f in (result_file, steps_file):
        f.unlink(missing_ok=True)
    params_file.write_text(json.dumps({**params, "steps_file": str(steps_file)}, default=str))
    cmd = [sys.executable, "-m", "bench.child", task, str(params_file), str(result_file)]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
    start = time.perf_counter()
    with log_file.open("w") as log:
        proc = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    watched = psutil.Process(proc.pid)
    cap = rss_cap_gb * 1e9 if rss_cap_gb else None
    polled, killed = 0, None
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        polled = max(polled, _tree_rss(watched))
        elapsed = time.perf_counter() - start
        if killed is None and timeout_s is not None and elapsed > timeout_s:
            killed = "timeout"
        elif killed is None and cap is not None and polled > cap:
            killed = "memory"
        if killed:
            os.killpg(proc.pid, signal.SIGKILL)
            pid, status, usage = os.wait4(proc.pid, 0)
            break
        time.sleep(_POLL_S)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    peak = max(usage.ru_maxrss * 1024, polled) / 1e9
    outcome = Outcome(name, "ok", round(wall, 3), round(peak, 3), steps=_read_steps(steps_file))
    outcome.log = str(log_file)
    if killed == "timeout":
        outcome.status, outcome.error = "timeout", f"killed after {timeout_s:.0f} s"
    elif killed == "memory":
        outcome.status = "memory"
        outcome.error = f"killed above {rss_cap_gb} GB RSS"
    elif proc.returncode != 0 or not result_file.exists():
        outcome.status = "failed"
        outcome.error = f"exit code {proc.returncode}: {_tail(log_file)}"
    else:
        outcome.result = json.loads(result_file.read_text())
    return outcome


def watched_child(
    module: str, task: str, params: dict[str, Any], folder: Path, name: str | None = None
) -> dict[str, Any]:
    """``python -m <module> --task <task> <params> <result>`` in a child process: its outcome
    with wall time, peak RSS (the child's and its own children's) and the load at its start.
    The scripts with a task of their own (``bench.models``, ``bench.monthly``) run them so."""
    folder.mkdir(parents=True, exist_ok=True)
    name = name or task
    params_file, result_file, log_file = (folder / f"{name}.{x}" for x in ("json", "out", "log"))
    result_file.unlink(missing_ok=True)
    params_file.write_text(json.dumps(params, default=str))
    cmd = [sys.executable, "-m", module, "--task", task, str(params_file), str(result_file)]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
    load = os.getloadavg()
    start = time.perf_counter()
    with log_file.open("w") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    watched, polled = psutil.Process(proc.pid), 0
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        with contextlib.suppress(psutil.Error):
            polled = max(polled, sum(q.memory_info().rss for q in [watched, *watched.children()]))
        time.sleep(_POLL_S)
    out: dict[str, Any] = {
        "task": name,
        "wall_s": round(time.perf_counter() - start, 2),
        "peak_rss_gb": round(max(usage.ru_maxrss * 1024, polled) / 1e9, 3),
        "load": [round(x, 2) for x in load],
        "log": str(log_file),
    }
    if os.waitstatus_to_exitcode(status) != 0 or not result_file.exists():
        return {**out, "status": "failed", "error": _tail(log_file)}
    return {**out, "status": "ok", "result": json.loads(result_file.read_text())}


def task_parser(prog: str, doc: str | None, scratch: str) -> argparse.ArgumentParser:
    """The arguments every script with tasks of its own takes (``bench.models``,
    ``bench.monthly``): the hidden ``--task`` its children run, the world, scratch and results
    folders and the engine's memory and threads."""
    ap = argparse.ArgumentParser(prog=prog, description=(doc or "").split("\n")[0])
    ap.add_argument("--task", nargs=3, metavar=("NAME", "PARAMS", "RESULT"), help=argparse.SUPPRESS)
    ap.add_argument("--world", type=Path, default=ROOT / "bench" / "world")
    ap.add_argument("--scratch", type=Path, default=ROOT / "bench" / "scratch" / scratch)
    ap.add_argument("--results", type=Path, default=ROOT / "bench" / "results")
    ap.add_argument("--explain-min-fit", type=float, default=55.0)
    ap.add_argument("--memory-limit", default="6GB")
    ap.add_argument("--threads", type=int, default=2)
    return ap


def child_main(tasks: dict[str, Any], task: list[str]) -> int:
    """The child side of :func:`watched_child`: task ``NAME`` on the JSON ``PARAMS``, its outcome
    (with the child's own peak RSS) written to ``RESULT``."""
    name, params, result = task
    out = tasks[name](json.loads(Path(params).read_text()))
    out["child_peak_rss_gb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6
    Path(result).write_text(json.dumps(out, indent=2, default=str))
    return 0
