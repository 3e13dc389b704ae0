"""The calendar-year window (本年) beside the rolling windows (issue 14): 1 January of this year
in Asia/Shanghai to today, so the yearly household target compares with this year's count; the
statistics, gaps, clusters and tiles all read it, and the URL keeps it across a reload."""

from map_ui.views import year_window_days
from tests.browser.conftest import A_COLS, A_ROWS, login, wait_for_cells


def test_this_year_window_reads_everything_for_the_year(open_page, world):
    page = open_page("/accounts/login/?next=/dashboard/")
    login(page, "leader-a")
    wait_for_cells(page, A_COLS * A_ROWS)
    page.wait_for_function("/[0-9]/.test(document.getElementById('stat-covered').textContent)")
    labels = page.eval_on_selector_all("#window-control button", "bs => bs.map(b => b.textContent)")
    assert labels == ["近 30 天", "近 90 天", "近 365 天", "本年"]
    assert page.inner_text("#stat-households-label") == "近 90 天已走访户数 / 年度目标"

    days = year_window_days()
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    before = page.evaluate("document.getElementById('map').dataset.cellsLoaded || ''")
    page.click("#window-control button[data-window='year']")
    page.wait_for_function(
        "b => { const m = document.getElementById('map');"
        " return m.dataset.tilesLoading === '0' && m.dataset.cellsLoaded !== b; }",
        arg=before,
    )
    page.wait_for_load_state("networkidle")
    for part in ("/stats?", "/gaps?", "/clusters.geojson?", "/tiles/cells/"):
        assert any(part in u and f"days={days}" in u for u in urls), (part, urls)
    assert page.inner_text("#stat-households-label") == "本年已走访户数 / 年度目标"
    assert "days=year" in page.url
    # The visit 200 days ago is in this year's count once the year is that long.
    covered = 5 if days > 201 else 4
    page.wait_for_function(
        "n => document.getElementById('stat-covered').textContent === String(n)", arg=covered
    )

    page.reload()
    wait_for_cells(page, A_COLS * A_ROWS)
    active = page.eval_on_selector("#window-control button.active", "b => b.dataset.window")
    assert active == "year"
    assert page.inner_text("#stat-households-label") == "本年已走访户数 / 年度目标"
