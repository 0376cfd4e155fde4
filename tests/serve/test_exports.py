"""Downloads: the original's column names, one row per (partner, account), formula-like text
neutralised while numbers stay numbers, workbook tabs, field rules, safe names, retention."""

from __future__ import annotations

import csv
import dataclasses
import io
import time
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from fastapi.testclient import TestClient

from fitintent.serve import DataAccess, UserStore, Viewer, restricted, safe_filename, users_db
from fitintent.serve import write_dataset as write
from serve_world import FORMULA_NAME, World, csrf_of


def _export(c: TestClient, dataset: str, fmt: str) -> tuple[str, bytes]:
    r = c.post(
        "/api/v1/exports",
        json={"dataset": dataset, "format": fmt},
        headers={"x-csrf-token": csrf_of(c)},
    )
    assert r.status_code == 202, r.text
    job = r.json()["id"]
    deadline = time.monotonic() + 60
    while (status := c.get(f"/api/v1/exports/{job}").json()["status"]) != "done":
        assert status in ("queued", "running") and time.monotonic() < deadline
        time.sleep(0.1)
    f = c.get(f"/api/v1/exports/{job}/file")
    assert f.status_code == 200
    return f.headers["content-disposition"], f.content


def test_family_csv_has_the_original_columns_and_one_row_per_account(
    world: World, client_for: Callable[[str], TestClient]
) -> None:
    disposition, body = _export(client_for("exec-a"), "productivity", "csv")
    assert f'filename="fitintent-{world.partners[0]}-productivity-2026-10.csv"' in disposition
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8"))))
    head = list(rows[0])
    assert head[:4] == ["MPNID", "PartnerName", "CustomerID", "DUNSNumber"]
    for column in (
        "SMCTypeSummary",
        "M365Fit",
        "M365Intent",
        "M365Cluster",
        "O365Cluster",
        "HasGoogle",
        "HasAWS",
        "HasEA",
        "HasOpen",
        "AzureUpsellCustomer",
        "M365UpsellCustomer",
        "PostalCode",
    ):
        assert column in head
    assert head[-2:] == ["AzureUpsellCustomer", "M365UpsellCustomer"]
    assert {r["CustomerID"] for r in rows} == world.accounts(world.partners[0])
    assert len(rows) == len(world.accounts(world.partners[0]))
    assert {r["MPNID"] for r in rows} == {world.partners[0]}
    hostile = [r for r in rows if FORMULA_NAME in r["AccountName"]]
    if hostile:
        assert hostile[0]["AccountName"] == "'" + FORMULA_NAME
    assert all(r["OrgSize"] == "" or int(r["OrgSize"]) >= 0 for r in rows)
    assert all(not r["AccountName"].startswith(("=", "+", "-", "@")) for r in rows)


def test_agreements_tsv(world: World, client_for: Callable[[str], TestClient]) -> None:
    _, body = _export(client_for("exec-b"), "agreements", "tsv")
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8")), delimiter="\t"))
    assert rows
    for column in (
        "LicenseProgram",
        "AgreementID",
        "AgreementEndDate",
        "ExpirationType",
        "ExpiringRevenue",
        "RevSumDivisionName",
    ):
        assert column in rows[0]
    assert {r["CustomerID"] for r in rows} <= world.accounts(world.partners[1])
    assert all(float(r["ExpiringRevenue"]) >= 0 for r in rows if r["ExpiringRevenue"])


def test_workbook_tabs_numbers_and_neutralised_text(
    world: World, client_for: Callable[[str], TestClient], tmp_path: Path
) -> None:
    _, body = _export(client_for("exec-a"), "workbook", "xlsx")
    path = tmp_path / "book.xlsx"
    path.write_bytes(body)
    wb = openpyxl.load_workbook(path, read_only=True)
    assert wb.sheetnames[:2] == ["Summary", "Propensity model"]
    assert {"M365", "Azure", "Agreements", "EOS"} <= set(wb.sheetnames)
    rows = list(wb["Propensity model"].iter_rows(values_only=True))
    head = rows[0]
    assert "EstimatedWhitespaceRevenue" in head and "Propensity" in head
    fit = head.index("Fit")
    assert all(isinstance(r[fit], float | int) for r in rows[1:] if r[fit] is not None)
    assert {r[1] for r in rows[1:]} == world.accounts(world.partners[0])
    names = [r[2] for r in rows[1:]]
    assert not [n for n in names if isinstance(n, str) and n.startswith("=")]
    summary = dict(wb["Summary"].iter_rows(values_only=True))
    assert summary["Smc customers"] == len(world.accounts(world.partners[0]))
    wb.close()


def test_a_report_viewer_with_download_rights_gets_no_restricted_columns(
    world: World, tmp_path: Path
) -> None:
    user = UserStore(users_db(world.cfg)).get("viewer-a")
    viewer = dataclasses.replace(Viewer.of(user, world.cfg.serve), downloads=True)
    data = DataAccess(world.cfg)
    try:
        for dataset in ("productivity", "agreements", "workbook"):
            fmt = "xlsx" if dataset == "workbook" else "csv"
            out = tmp_path / f"{dataset}.{fmt}"
            assert write(data, viewer, None, dataset, fmt, out) > 0
            if fmt == "csv":
                with out.open(encoding="utf-8") as fh:
                    heads = [next(csv.reader(fh))]
            else:
                wb = openpyxl.load_workbook(out, read_only=True)
                heads = [next(ws.iter_rows(values_only=True)) for ws in wb.worksheets[1:]]
                reasons = [
                    v
                    for ws in wb.worksheets[2:3]
                    for row in ws.iter_rows(min_row=2, values_only=True)
                    for v in row
                    if isinstance(v, str) and "a year" in v
                ]
                wb.close()
                assert not [r for r in reasons if "spends" in r]
            for head in heads:
                bad = [h for h in head if h and restricted(str(h))]
                assert not bad, (dataset, bad)
                assert "PostalCode" not in head and "ExpiringRevenue" not in head
    finally:
        data.close()


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("../../etc/passwd", "etc_passwd"),
        ('a"b\r\nContent-Type: x.csv', "a_b_Content-Type_x.csv"),
        ("fitintent-P0001-eos-2026-10.csv", "fitintent-P0001-eos-2026-10.csv"),
        ("", "download"),
        ("…\x00.xlsx", "xlsx"),
    ],
)
def test_download_names_are_safe(name: str, safe: str) -> None:
    assert safe_filename(name) == safe


def test_old_downloads_are_removed(app: object, world: World) -> None:
    exports = app.state.services.exports  # type: ignore[attr-defined]
    store = exports.store
    user = store.get("exec-b")
    viewer = Viewer.of(user, world.cfg.serve)
    job = exports.start(viewer, None, "eos", "csv")
    deadline = time.monotonic() + 30
    while exports.job(viewer, job["id"])["status"] != "done":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    path = exports.folder / f"{job['id']}.csv"
    assert path.is_file()
    days = world.cfg.serve.export_retention_days
    store.query(
        "UPDATE exports SET created_at = ? WHERE id = ?",
        (time.time() - days * 86400 - 1, job["id"]),
    )
    exports.sweep()
    assert not path.exists()
    assert job["id"] not in {j["id"] for j in exports.jobs(viewer)}
