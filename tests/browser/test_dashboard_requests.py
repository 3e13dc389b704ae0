"""The dashboard fetches each thing once (issue 11): counts of requests, never times."""

from collections import Counter

from tests.browser.conftest import A_COLS, A_ROWS, login, wait_for_cells

LOADED = """() => document.querySelectorAll('#gaps li').length > 0
    && /[0-9]/.test(document.getElementById('stat-covered').textContent)
    && document.getElementById('map').dataset.clusters !== undefined"""


def _idle(page) -> None:
    page.wait_for_load_state("networkidle")


def test_no_url_is_fetched_twice_while_the_dashboard_loads(open_page, world):
    page = open_page("/accounts/login/?next=/dashboard/")
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    login(page, "leader-a")
    wait_for_cells(page, A_COLS * A_ROWS)
    page.wait_for_function(LOADED)
    _idle(page)
    fetched = Counter(u for u in urls if u.startswith("http"))
    assert [u for u, n in fetched.items() if n > 1] == []
    tiles = [u for u in fetched if "/tiles/" in u and ".mvt" in u]
    assert tiles, "the dashboard drew its map from tiles"

    # A window switch fetches each of its tiles once too; back to the first window, the browser
    # revalidates what it has (no URL twice within one switch either).
    for days in ("30", "90"):
        urls.clear()
        before = page.evaluate("document.getElementById('map').dataset.cellsLoaded || ''")
        page.click(f"#window-control button[data-days='{days}']")
        page.wait_for_function(
            "b => { const m = document.getElementById('map');"
            " return m.dataset.tilesLoading === '0' && m.dataset.cellsLoaded !== b; }",
            arg=before,
        )
        _idle(page)
        again = Counter(u for u in urls if u.startswith("http"))
        assert [u for u, n in again.items() if n > 1] == [], days
