"""The pages in real Chromium under the Content-Security-Policy: the browser tests' server sends
it report-only (tests/browser/conftest.py), so every violation the pages themselves commit is a
console report; this test drives each page without string evaluations and asserts none."""

import pytest

from tests.browser.conftest import DESKTOP, PHONE, login

CELLS_DRAWN = "#map[data-cells-rendered]:not([data-cells-rendered='0'])"
PAGES = [
    # (user, path, CSS selectors to wait for in turn, clicking each one but the last)
    (None, "/accounts/login/", ["input[name=username]"]),
    ("leader-a", "/dashboard/", [CELLS_DRAWN]),
    ("leader-a", "/stations/", ["#map .leaflet-marker-icon, #map .leaflet-interactive"]),
    ("staff-a", "/assign/", [CELLS_DRAWN]),
    ("staff-a", "/opinions/", ["#op-list .op-row", "#op-detail .leaflet-container"]),
    ("staff-a", "/records/", ["#rec-league a.rec-name", "#points-total > summary", "#entry-form"]),
    (None, "/m/", ["body"]),
]


@pytest.mark.parametrize(("username", "path", "steps"), PAGES)
def test_pages_commit_no_csp_violation(browser, live_server_url, world, username, path, steps):
    reports, errors = [], []
    viewport = PHONE if path.startswith("/m/") else DESKTOP
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    try:
        page = context.new_page()
        page.set_default_timeout(20_000)
        page.on(
            "console",
            lambda msg: reports.append(msg.text) if "Content Security Policy" in msg.text else None,
        )
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        if username:
            page.goto(f"{live_server_url}/accounts/login/?next={path}")
            login(page, username)
        else:
            page.goto(live_server_url + path)
        for i, selector in enumerate(steps):
            page.wait_for_selector(selector, state="attached")
            if i < len(steps) - 1:
                page.click(selector)
        page.wait_for_load_state("networkidle")
        header = page.evaluate("() => document.readyState")  # a page that ran its scripts
        assert header == "complete"
    finally:
        context.close()
    assert reports == [], (path, reports)
    assert errors == [], (path, errors)
