"""The ``fitintent`` command as a user runs it: the demo, snapshots, summary and plain errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest


def fitintent(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fitintent", *args],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=cwd,
    )


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    work = tmp_path_factory.mktemp("demo")
    proc = fitintent(
        "demo", "--accounts", "1500", "--seed", "5", "--workdir", str(work), "--no-serve"
    )
    return work, proc


def test_demo_prints_every_partners_summary(
    demo: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    work, proc = demo
    assert proc.returncode == 0, proc.stderr
    ids = [
        line.split(",")[0]
        for line in (work / "sources" / "partners.csv").read_text().splitlines()[1:]
    ]
    assert len(ids) >= 10
    for pid in ids:
        assert pid in proc.stdout
    assert "SMC customers" in proc.stdout and "Open expiring revenue" in proc.stdout
    assert "rows in = loaded + quarantined" in proc.stdout
    assert str(work / "snapshots") in proc.stdout and str(work / "truth") in proc.stdout


def test_summary_and_snapshots(demo: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    work, _ = demo
    rows = {
        r["partner_id"]: r
        for r in pq.read_table(work / "snapshots" / "2026-10" / "summary_partner").to_pylist()
    }
    one = fitintent("summary", "--workdir", str(work), "--partner", "P0001")
    assert one.returncode == 0, one.stderr
    assert f"{rows['P0001']['smc_customers']:,}" in one.stdout
    assert f"${rows['P0001']['expiring_revenue']:,.2f}" in one.stdout
    assert "P0002" not in one.stdout
    by_location = fitintent("summary", "--workdir", str(work), "--partner", "P0001", "--locations")
    assert by_location.returncode == 0 and "P0001-L01" in by_location.stdout
    listing = fitintent("snapshots", "--workdir", str(work))
    assert listing.returncode == 0 and "2026-10" in listing.stdout and "1,500" in listing.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["summary", "--partner", "NOPE"], "partner 'NOPE' is not in snapshot 2026-10"),
        (["summary", "--period", "2031-01"], "no snapshot for 2031-01"),
        (["run", "--period", "2026-13"], "period '2026-13' is not a month in the form YYYY-MM"),
    ],
)
def test_user_mistakes_are_plain_errors(
    demo: tuple[Path, subprocess.CompletedProcess[str]], args: list[str], message: str
) -> None:
    work, _ = demo
    proc = fitintent(*args, "--config", str(work / "fitintent.toml"))
    assert proc.returncode != 0
    assert message in proc.stderr and "Traceback" not in proc.stderr
