"""A crawl killed with SIGKILL resumes without fetching again what it had stored."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from crawl.kit import site_pages, store
from fitintent.demo._site_server import SiteServer

HOSTS = [f"site{i}.test" for i in range(4)]


def _config(tmp: Path, port: int) -> Path:
    sources = tmp / "sources"
    sources.mkdir()
    rows = "\n".join(f"A{i},{h}" for i, h in enumerate(HOSTS))
    (sources / "accounts.csv").write_text(f"account_id,domain\n{rows}\n")
    cfg = tmp / "fitintent.toml"
    cfg.write_text(
        f'[paths]\nworkdir = "{tmp}"\nsources = "{sources}"\n\n[crawl]\n'
        f'allow_networks = ["127.0.0.1/32"]\nmin_delay_s = 0.1\nretries = 0\nembeddings = false\n'
        f'[crawl.hosts]\n"*.test" = "127.0.0.1:{port}"\n'
    )
    return cfg


def _crawl(cfg: Path, *, capture: bool) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "fitintent", "crawl", "--config", str(cfg), "--scheme", "http"]
    pipe = subprocess.PIPE if capture else subprocess.DEVNULL
    return subprocess.Popen(cmd, stdout=pipe, stderr=pipe)


def test_resume_after_kill_does_not_refetch(serve, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    server = SiteServer(store({h: site_pages(h, 0.15, pages=10) for h in HOSTS}))
    port = serve(server).port
    cfg = _config(tmp_path, port)
    proc = _crawl(cfg, capture=False)
    deadline = time.monotonic() + 30
    while len(server.hits) < 16 and time.monotonic() < deadline:
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    assert proc.returncode == -signal.SIGKILL
    killed_at = len(server.hits)
    db = sqlite3.connect(tmp_path / "crawl" / "state.sqlite")
    stored = {u for (u,) in db.execute("SELECT url FROM urls WHERE state = 'done'")}
    db.close()
    total = sum(len(site_pages(h, 0.15, pages=10)) - 2 for h in HOSTS)  # no robots, no private
    assert 0 < len(stored) < total  # killed midway

    proc = _crawl(cfg, capture=True)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err.decode()
    after = [f"http://{h.host}{h.path}" for h in server.hits[killed_at:]]
    assert not set(after) & stored  # nothing stored before the kill was asked again
    assert not [u for u in after if u.endswith("/robots.txt")]  # robots rules were kept too
    db = sqlite3.connect(tmp_path / "crawl" / "state.sqlite")
    pages = db.execute("SELECT count(*) FROM pages").fetchone()[0]
    db.close()
    assert pages == total
    assert b"signals to" in out
    assert (tmp_path / "sources" / "signals" / "crawler.parquet").is_file()
