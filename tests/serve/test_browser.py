"""The dashboard in headless Chromium (Debian's, no browser download): each user signs in and
sees exactly its own accounts and fields, the matrix click filters the list, a download arrives
and opens, and no page trips the Content-Security-Policy. Screenshots of every page go to
``tests/artifacts/serve/``."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from serve_world import PASSWORD, World

sync_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "serve"
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium")


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield b
        b.close()


def _session(browser: object, live_url: str, username: str) -> tuple[object, list[str]]:
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)  # type: ignore[attr-defined]
    problems: list[str] = []
    page.on(
        "console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None
    )
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on(
        "response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None
    )
    page.goto(f"{live_url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_url}/")
    return page, problems


def _shot(page: object, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]


@pytest.mark.parametrize("username", ["exec-a", "viewer-b", "viewer-loc", "admin"])
def test_each_user_sees_its_own_accounts_and_fields(
    browser: object, live_url: str, world: World, username: str
) -> None:
    role, partner, locations = world.users[username]
    mine = world.accounts() if role == "admin" else world.accounts(partner, locations)
    page, problems = _session(browser, live_url, username)
    page.wait_for_selector("div.vl[data-ready]", timeout=15_000)  # type: ignore[attr-defined]
    _shot(page, f"{username}-summary")
    tiles = page.inner_text("section.tiles")  # type: ignore[attr-defined]
    assert ("Expiring revenue" in tiles) == (role != "viewer")
    page.goto(f"{live_url}/accounts")  # type: ignore[attr-defined]
    total = int(page.get_attribute("#total", "data-total"))  # type: ignore[attr-defined]
    assert total == len(mine)
    shown = set(
        page.eval_on_selector_all("tr[data-account]", "rows => rows.map(r => r.dataset.account)")
    )  # type: ignore[attr-defined]
    assert shown and shown <= mine
    heads = page.inner_text("table.accounts thead")  # type: ignore[attr-defined]
    assert ("Whitespace revenue" in heads) == (role != "viewer")
    _shot(page, f"{username}-accounts")
    page.click("tr[data-account] a")  # type: ignore[attr-defined]
    page.wait_for_selector("h2")  # type: ignore[attr-defined]
    assert ('data-field="postal_code"' in page.content()) == (role != "viewer")  # type: ignore[attr-defined]
    _shot(page, f"{username}-account")
    pages = ["matrix", "plays", "plays?kind=eos", "plays?kind=renewals", "downloads"]
    pages += ["health", "admin/users"] if role == "admin" else []
    for path in pages:
        response = page.goto(f"{live_url}/{path}")  # type: ignore[attr-defined]
        assert response.status == 200, path
        assert response.headers["content-security-policy"].startswith("default-src 'none'")
        if path == "health":  # 2026-10 judged 2026-07 on the outcomes that followed it
            page.wait_for_selector("div.vl[data-ready]", timeout=15_000)  # type: ignore[attr-defined]
            text = page.inner_text("main")  # type: ignore[attr-defined]
            assert "Evaluation clusters" in text and "Act Now" in text, text[:2000]
            assert "Signal resolution" in text
        _shot(page, f"{username}-{path.replace('?kind=', '-').replace('/', '-')}")
    assert not problems, problems
    page.close()  # type: ignore[attr-defined]


def test_matrix_click_filters_the_list(browser: object, live_url: str, world: World) -> None:
    page, problems = _session(browser, live_url, "viewer-a")
    page.goto(f"{live_url}/matrix")  # type: ignore[attr-defined]
    cell = page.locator("a[data-cell=A1]")  # type: ignore[attr-defined]
    count = int(cell.locator(".n").inner_text().replace(",", ""))
    cell.click()
    page.wait_for_url("**/accounts?*fit_band=High*")  # type: ignore[attr-defined]
    assert int(page.get_attribute("#total", "data-total")) == count  # type: ignore[attr-defined]
    cells = page.eval_on_selector_all(  # type: ignore[attr-defined]
        "td[data-col=cell]", "tds => tds.map(td => td.innerText)"
    )
    assert cells and set(cells) == {"A1"}
    _shot(page, "viewer-a-matrix-click")
    assert not problems, problems
    page.close()  # type: ignore[attr-defined]


def test_a_download_arrives_and_opens(browser: object, live_url: str, world: World) -> None:
    page, problems = _session(browser, live_url, "exec-a")
    page.goto(f"{live_url}/downloads")  # type: ignore[attr-defined]
    page.click("button[data-dataset=productivity][data-format=csv]")  # type: ignore[attr-defined]
    link = page.wait_for_selector("#jobs a[download]", timeout=30_000)  # type: ignore[attr-defined]
    _shot(page, "exec-a-downloads-done")
    with page.expect_download() as info:  # type: ignore[attr-defined]
        link.click()
    download = info.value
    assert download.suggested_filename.startswith(f"fitintent-{world.partners[0]}-productivity")
    text = Path(download.path()).read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {r["CustomerID"] for r in rows} == world.accounts(world.partners[0])
    assert not problems, problems
    page.close()  # type: ignore[attr-defined]
