"""Serving benchmark: the dashboard and API on a 1M-account snapshot, under load on loopback.

    .venv/bin/python -m bench.serve                      # 1M accounts, 15 s per endpoint
    .venv/bin/python -m bench.serve --accounts 20000 --seconds 3 --results /tmp/r   # a quick look

The server is ``uvicorn`` in a process of its own (one worker, as ``fitintent serve`` runs it);
the load generator is an asyncio client (aiohttp) in this process, over real TCP sockets on
127.0.0.1 with keep-alive connections, holding ``--concurrency`` requests in flight with API
tokens of 20 partners' executives. Both share the machine's cores. Each request picks a partner,
a product, a page and sometimes a cluster filter, so no two in a row ask the same thing.

The server runs twice: as it is configured (it keeps recent answers, and the request mix repeats
some), then keeping no answers, so that every request reads the snapshot; that second run also
measures lists sorted by a column or searched by name (read through DuckDB, not a partner's
precomputed span). The summary of the same run is the yardstick: the machine is shared, so its
load average is recorded with every row, and the list's throughput is also given as a ratio to
the summary's. The cache of the snapshot is rebuilt first (``--keep-cache`` reuses it), so its
build time is measured too.

Targets: account list and summary p95 <= 50 ms and >= 300 requests/s; an XLSX download of
100,000 rows <= 10 s (the product-family dataset of partner P0000, which holds exactly 100,000
accounts). Figures go to ``<results>/serve-latest.json`` and ``serve-latest.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import psutil

from bench import report
from bench.serve_world import PRODUCTS, config, ensure
from fitintent.serve import DataAccess, UserStore, Viewer, users_db, write_dataset

ROOT = Path(__file__).resolve().parent
TARGET_P95_MS, TARGET_RPS, TARGET_XLSX_S = 50.0, 300.0, 10.0


def _users(root: Path, partners: int) -> tuple[list[str], Viewer]:
    cfg = config(root)
    store = UserStore(users_db(cfg))
    tokens = []
    for i in [0, *range(1, partners + 1, max(1, partners // 19))][:20]:
        pid = f"P{i:04d}"
        name = f"bench-{pid.lower()}"
        if name not in {u.username for u in store.users()}:
            store.add_user(name, "bench password", partner_id=pid, role="executive")
        tokens.append(store.create_token(name, "bench", 1))
    big = Viewer.of(store.get("bench-p0000"), cfg.serve)
    return tokens[1:], big


def _start_server(root: Path, port: int, keep_answers: bool = True) -> subprocess.Popen[bytes]:
    code = (
        "import uvicorn, sys; from bench.serve_world import config; "
        "from fitintent.serve import create_app; "
        f"app = create_app(config(__import__('pathlib').Path({str(root)!r}))); "
        "app.state.services.data.data(); "
        + ("" if keep_answers else "app.state.services.data.answers_kept = 0; ")
        + f"uvicorn.run(app, host='127.0.0.1', port={port}, log_level='warning', access_log=False)"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT.parent)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=1).read()
            return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError("the server did not start")


SORTS = ["fit", "intent", "account_name", "employees", "whitespace_revenue"]


def _request(kind: str, rng: random.Random) -> tuple[str, dict[str, str]]:
    product = rng.choice(PRODUCTS)
    if kind.startswith("account list"):
        params = {"product": product, "page": str(rng.randint(1, 5))}
        if rng.random() < 0.3:
            params["cluster"] = rng.choice(["Act Now", "Evaluate", "Nurture", "Educate"])
        if kind == "account list, sorted or searched":
            if rng.random() < 0.5:
                params |= {"sort": rng.choice(SORTS), "desc": rng.choice(["true", "false"])}
            else:
                params["q"] = f"{rng.randint(0, 999):03d}"
        return ("/accounts" if kind == "account list page" else "/api/v1/accounts"), params
    return ("/api/v1/summary" if kind == "summary" else "/"), {}


async def _load(
    base: str, kind: str, tokens: list[str], seconds: float, concurrency: int
) -> dict[str, Any]:
    import aiohttp

    latencies: list[float] = []
    errors = 0
    rng = random.Random(7)

    async def worker(session: aiohttp.ClientSession, until: float, record: bool) -> None:
        nonlocal errors
        while time.perf_counter() < until:
            path, params = _request(kind, rng)
            headers = {"Authorization": f"Bearer {rng.choice(tokens)}"}
            t = time.perf_counter()
            async with session.get(base + path, params=params, headers=headers) as r:
                await r.read()
                ok = r.status == 200
            if record:
                latencies.append(time.perf_counter() - t)
                errors += 0 if ok else 1

    # keep-alive: connections are reused, as a browser or an API client would
    connector = aiohttp.TCPConnector(limit=concurrency, force_close=False)
    async with aiohttp.ClientSession(connector=connector) as session:
        warm = time.perf_counter() + min(3.0, seconds / 3)
        await asyncio.gather(*(worker(session, warm, False) for _ in range(concurrency)))
        load_before = round(os.getloadavg()[0], 2)
        start = time.perf_counter()
        until = start + seconds
        await asyncio.gather(*(worker(session, until, True) for _ in range(concurrency)))
        elapsed = time.perf_counter() - start
    ms = np.array(latencies) * 1000
    p95 = float(np.percentile(ms, 95))
    rps = len(ms) / elapsed
    return {
        "endpoint": kind,
        "load_avg": [load_before, round(os.getloadavg()[0], 2)],
        "requests": len(ms),
        "errors": errors,
        "seconds": round(elapsed, 2),
        "rps": round(rps, 1),
        "p50_ms": round(float(np.percentile(ms, 50)), 2),
        "p95_ms": round(p95, 2),
        "p99_ms": round(float(np.percentile(ms, 99)), 2),
        "met": p95 <= TARGET_P95_MS and rps >= TARGET_RPS and errors == 0,
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--accounts", type=int, default=1_000_000)
    ap.add_argument("--partners", type=int, default=600)
    ap.add_argument("--big-partner", type=int, default=100_000)
    ap.add_argument("--root", type=Path, default=ROOT / "scratch" / "serve")
    ap.add_argument("--results", type=Path, default=ROOT / "results")
    ap.add_argument("--seconds", type=float, default=15.0)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--port", type=int, default=8791)
    ap.add_argument("--keep-cache", action="store_true", help="reuse the snapshot's server cache")
    a = ap.parse_args(argv)
    big = min(a.big_partner, a.accounts // 4)
    out: dict[str, Any] = {
        "started": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": report.machine(),
        "args": {k: str(v) if isinstance(v, Path) else v for k, v in vars(a).items()},
        "load_generator": f"aiohttp asyncio client in its own process, {a.concurrency} requests "
        "in flight over keep-alive TCP connections on 127.0.0.1; server: uvicorn, one worker, "
        "separate process",
    }
    t = time.perf_counter()
    snap = ensure(a.root, a.accounts, a.partners, big)
    out["world_s"] = round(time.perf_counter() - t, 1)
    out["snapshot"] = str(snap.path)
    tokens, big_viewer = _users(a.root, a.partners)
    data = DataAccess(config(a.root))
    if not a.keep_cache:
        shutil.rmtree(data.cache_dir, ignore_errors=True)
    t = time.perf_counter()
    data.data()
    out["cache_build_s"] = round(time.perf_counter() - t, 1)
    xlsx = []
    for fmt in ("xlsx", "csv"):
        path = a.root / f"bench-productivity.{fmt}"
        t = time.perf_counter()
        rows = write_dataset(data, big_viewer, None, "productivity", fmt, path)
        seconds = round(time.perf_counter() - t, 2)
        xlsx.append(
            {
                "format": fmt,
                "rows": rows,
                "seconds": seconds,
                "bytes": path.stat().st_size,
                "met": seconds <= TARGET_XLSX_S if fmt == "xlsx" else None,
            }
        )
        path.unlink()
    out["downloads"] = xlsx
    data.close()
    out["load"], out["server_memory"] = [], []
    plan = [
        (True, ("account list", "summary", "account list page", "summary page")),
        (
            False,
            (
                "account list",
                "summary",
                "account list, sorted or searched",
                "account list page",
                "summary page",
            ),
        ),
    ]
    for keep, kinds in plan:
        server = _start_server(a.root, a.port, keep)
        try:
            base = f"http://127.0.0.1:{a.port}"
            for kind in kinds:
                row = asyncio.run(_load(base, kind, tokens, a.seconds, a.concurrency))
                out["load"].append(row | {"answers_kept": keep})
            mem = psutil.Process(server.pid).memory_full_info()
            out["server_memory"].append(
                {
                    "answers_kept": keep,
                    "rss_mb": round(mem.rss / 2**20),
                    "uss_mb": round(mem.uss / 2**20),
                }
            )
        finally:
            server.terminate()
            server.wait(timeout=30)
    out["finished"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    _write(out, a.results)
    return out


def _write(out: dict[str, Any], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "serve-latest.json").write_text(json.dumps(out, indent=2))
    m = out["machine"]
    lines = [
        "# Serving benchmark",
        "",
        f"{out['started']}, {m['cores']} cores, {m['ram_gb']} GB, load {m['load_avg_at_start']}.",
        f"Snapshot: {out['args']['accounts']:,} accounts (world {out['world_s']} s, server cache "
        f"built in {out['cache_build_s']} s). Load: {out['load_generator']}.",
        "",
        "| endpoint | answers kept | requests | errors | req/s | p50 ms | p95 ms | p99 ms "
        "| load avg before / after | target met |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in out["load"]:
        lines.append(
            f"| {r['endpoint']} | {'yes' if r['answers_kept'] else 'no'} | {r['requests']:,} "
            f"| {r['errors']} | {r['rps']} | {r['p50_ms']} | {r['p95_ms']} | {r['p99_ms']} "
            f"| {r['load_avg'][0]} / {r['load_avg'][1]} | {'yes' if r['met'] else 'NO'} |"
        )
    lines += ["", "Account list throughput as a share of the summary's in the same server run:"]
    for keep in (True, False):
        rps = {r["endpoint"]: r["rps"] for r in out["load"] if r["answers_kept"] == keep}
        if rps.get("summary"):
            share = rps["account list"] / rps["summary"]
            lines.append(f"answers kept {'yes' if keep else 'no'}: {share:.2f}")
    lines += [
        "",
        "Server memory after its run: "
        + "; ".join(
            f"answers kept {'yes' if m['answers_kept'] else 'no'}: RSS {m['rss_mb']} MB, "
            f"of which private {m['uss_mb']} MB"
            for m in out["server_memory"]
        )
        + " (the rest is the memory-mapped row file, shared between processes).",
    ]
    lines += ["", "| download | rows | seconds | MB | target met |", "|---|---|---|---|---|"]
    for d in out["downloads"]:
        met = "-" if d["met"] is None else ("yes" if d["met"] else "NO")
        lines.append(
            f"| productivity {d['format']} | {d['rows']:,} | {d['seconds']} "
            f"| {d['bytes'] / 1e6:.1f} | {met} |"
        )
    lines += [
        "",
        f"Targets: p95 <= {TARGET_P95_MS:.0f} ms and >= {TARGET_RPS:.0f} req/s (account "
        f"list and summary, API and pages), XLSX of 100,000 rows <= {TARGET_XLSX_S:.0f} s.",
    ]
    (folder / "serve-latest.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
