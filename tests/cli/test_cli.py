"""The ``fitintent`` command as a user runs it: the demo, snapshots, summary and plain errors."""

from __future__ import annotations

import json
import re
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
        "demo", "--accounts", "1500", "--seed", "5", "--workdir", str(work), "--no-serve",
        "--crawl-sites", "30",
    )  # fmt: skip
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
    assert "crawl: 30 sites" in proc.stdout
    # the run resolved the crawl's hosts to accounts itself, and the crawl reached intent
    resolved = re.search(
        r"Signals resolved to accounts: .*\bcrawler ([0-9.]+)% of ([0-9,]+)", proc.stdout
    )
    assert resolved, proc.stdout
    assert float(resolved[1]) == 100.0 and int(resolved[2].replace(",", "")) > 0
    cited = re.search(
        r"intent evidence cites crawled pages in ([0-9,]+) .* of ([0-9,]+) accounts", proc.stdout
    )
    assert cited and 0 < int(cited[2].replace(",", "")) <= 30, proc.stdout
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


def _expected_targets(work: Path, partner: str, product: str, capacity: int) -> list[str]:
    """The ranking rule written out apart from the engine: cluster order, then intent, then fit."""
    snap = work / "snapshots" / "2026-10"
    mine = {
        r["account_id"]
        for r in pq.read_table(snap / "accounts", columns=["account_id", "partner_id"]).to_pylist()
        if r["partner_id"] == partner
    }
    order = {"Act Now": 0, "Evaluate": 1, "Nurture": 2, "Educate": 3}
    rows = [
        r
        for r in pq.read_table(snap / "scores").to_pylist()
        if r["product"] == product and r["account_id"] in mine
    ]
    rows.sort(key=lambda r: (order[r["cluster"]], -r["intent"], -r["fit"], r["account_id"]))
    return [r["account_id"] for r in rows[:capacity]]


def test_targets_ranks_act_now_by_intent_first(
    demo: tuple[Path, subprocess.CompletedProcess[str]], tmp_path: Path
) -> None:
    work, _ = demo
    ranked = _expected_targets(work, "P0003", "Azure", 10**6)
    scores = pq.read_table(work / "snapshots" / "2026-10" / "scores").to_pylist()
    azure = [r for r in scores if r["product"] == "Azure"]
    act_now = {r["account_id"] for r in azure if r["cluster"] == "Act Now"}
    n_act_now = sum(1 for a in ranked if a in act_now)
    assert 5 < n_act_now < len(ranked) - 5
    for capacity in (5, n_act_now + 5):
        out = tmp_path / f"t{capacity}.csv"
        proc = fitintent(
            "targets", "--workdir", str(work), "--partner", "P0003", "--product", "Azure",
            "--capacity", str(capacity), "--out", str(out),
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        lines = out.read_text(encoding="utf-8").splitlines()
        header = lines[0].split(",")
        rows = [dict(zip(header, line.split(","), strict=False)) for line in lines[1:]]
        got = [r["account_id"] for r in rows]
        assert got == _expected_targets(work, "P0003", "Azure", capacity)
        assert {r["partner_id"] for r in rows} == {"P0003"}
        assert [int(r["rank"]) for r in rows] == list(range(1, len(rows) + 1))
    clusters = [r["cluster"] for r in rows]
    assert clusters[0] == "Act Now" and "Evaluate" in clusters  # capacity spills over in order


def test_targets_errors_are_plain(demo: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    work, _ = demo
    bad = fitintent(
        "targets", "--workdir", str(work), "--partner", "P9999", "--product", "Azure",
        "--capacity", "3",
    )  # fmt: skip
    assert bad.returncode != 0 and "P9999" in bad.stderr and "Traceback" not in bad.stderr
    bad = fitintent(
        "targets", "--workdir", str(work), "--partner", "P0001", "--product", "Nope",
        "--capacity", "3",
    )  # fmt: skip
    assert bad.returncode != 0 and "Nope" in bad.stderr and "Traceback" not in bad.stderr


def test_demo_snapshot_scores_every_account_and_product(
    demo: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    work, _ = demo
    snap = work / "snapshots" / "2026-10"
    accounts = pq.read_table(snap / "accounts", columns=["account_id"]).column(0).to_pylist()
    products = ["M365", "O365", "Surface", "D365BC", "D365FO", "D365CE", "PowerApps", "Azure"]
    pairs = {(a, p) for a in accounts for p in products}
    scores = pq.read_table(snap / "scores").to_pylist()
    assert {(r["account_id"], r["product"]) for r in scores} == pairs
    assert len(scores) == len(pairs)
    for r in scores:
        for col in ("fit", "intent", "fit_band", "intent_band", "cell", "cluster"):
            assert r[col] is not None, (col, r["account_id"], r["product"])
        assert 0 <= r["fit"] <= 100 and 0 <= r["intent"] <= 100
        assert r["fit_model"] and r["intent_model"]
        assert r["entered_act_now"] is not None and r["left_act_now"] is not None
        assert r["previous_cluster"] is not None  # the demo published July's snapshot first
        assert r["fit_change"] == pytest.approx(r["fit"] - r["previous_fit"], abs=0.006)
        if r["cluster"] in ("Act Now", "Evaluate"):
            assert r["fit_reasons"], (r["account_id"], r["product"])
    plays = pq.read_table(snap / "account_product_plays").to_pylist()
    assert {(r["account_id"], r["product"]) for r in plays} == pairs
    for r in plays:
        assert r["whitespace"] is not None and r["upsell"] is not None
        if r["whitespace"]:
            assert r["whitespace_revenue"] is not None and r["whitespace_revenue"] >= 0
    flags = pq.read_table(snap / "account_flags")
    assert sorted(flags.column("account_id").to_pylist()) == sorted(accounts)
    for name in ("HasGoogle", "HasAWS", "HasEA", "HasOpen", "M365UpsellCustomer"):
        assert name in flags.schema.names
    assert any(n.startswith("EOS") and "WithPropensity" in n for n in flags.schema.names)
    moved = {r["cluster"] != r["previous_cluster"] for r in scores}
    assert moved == {True, False}
    assert any(r["entered_act_now"] for r in scores) and any(r["left_act_now"] for r in scores)
    manifest = json.loads((snap / "manifest.json").read_text())
    assert manifest["evaluation"]["method"] == "published snapshots"
    assert manifest["evaluation"]["periods"] == ["2026-07"]
    assert (snap / "evaluation_clusters").is_dir() and (snap / "evaluation.md").is_file()
    used = {m["name"] for m in manifest["models"] if m["status"] == "published"}
    assert used == {f"{k}-{p}" for k in ("fit", "intent") for p in products}
    assert {r["fit_model"] for r in scores} <= {m["version"] for m in manifest["models"]}


def test_import_feed_writes_signals_and_keeps_the_unresolved(tmp_path: Path) -> None:
    sources = tmp_path / "drops"
    sources.mkdir()
    (sources / "accounts.csv").write_text(
        "account_id,account_name,domain,city,country\n"
        "A1,Fabrikam Ltd,fabrikam.co.uk,Leeds,GB\n"
        "A2,Contoso GmbH,contoso.example,Berlin,DE\n"
    )
    (tmp_path / "fitintent.toml").write_text(
        f'[paths]\nworkdir = "{tmp_path / "work"}"\nsources = "{sources}"\n'
    )
    feed = tmp_path / "posts.jsonl"
    rows = [
        {"created_at": "2026-09-02T10:00:00Z", "website": "blog.fabrikam.co.uk",
         "text": "Moving our servers to the cloud this quarter"},
        {"created_at": "2026-09-03", "company": "Contoso", "country": "DE",
         "text": "We are hiring a CRM administrator"},
        {"created_at": "2026-09-04", "company": "Tailspin Toys", "text": "Hello"},
    ]  # fmt: skip
    feed.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    proc = fitintent(
        "import-feed", str(feed), "--kind", "social", "--config", str(tmp_path / "fitintent.toml")
    )
    assert proc.returncode == 0, proc.stderr
    assert "3 rows, 2 signals" in proc.stdout and "1 unresolved" in proc.stdout
    out = pq.read_table(sources / "signals" / "social-posts.parquet").to_pylist()
    assert sorted(r["account_id"] for r in out) == ["A1", "A2"]
    assert {r["signal_type"] for r in out} == {"social_post"}
    (left,) = (
        (tmp_path / "work" / "feeds" / "social-posts.unresolved.jsonl").read_text().splitlines()
    )
    assert json.loads(left)["row"] == 3 and "Tailspin" in json.loads(left)["reason"]
    bad = fitintent(
        "import-feed", str(feed), "--kind", "rumour", "--config", str(tmp_path / "fitintent.toml")
    )
    assert bad.returncode != 0 and "rumour" in bad.stderr and "Traceback" not in bad.stderr
