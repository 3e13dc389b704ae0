"""The dashboard fetches each thing once (issue 11): counts of requests, never times.

Budgets, this test's world and desktop viewport (docs/performance.md): the load was 43 requests
before the zoom ranges and bounds of the tile layers came with the page config (no TileJSON per
layer, no tile outside the jurisdiction), the marker-cluster plugin stayed on the stations page
and a window switch read again only what depends on the window; a switch was 26."""

from collections import Counter

from tests.browser.conftest import A_COLS, A_ROWS, login, record_visit, wait_for_cells

LOADED = """() => document.querySelectorAll('#gaps li').length > 0
    && /[0-9]/.test(document.getElementById('stat-covered').textContent)
    && document.getElementById('map').dataset.clusters !== undefined"""

LOAD_BUDGET = 23  # page, 10 static files, 5 API reads, 6 cell tiles, the login post
NEW_WINDOW_BUDGET = 10  # 6 cell tiles, 1 county tile, statistics, gaps, clusters
SEEN_WINDOW_BUDGET = 4  # the decoded cell tiles are reused; at most the county tile again
WINDOW_READS = ("/stats?", "/gaps?", "/clusters.geojson?")


def _idle(page) -> None:
    page.wait_for_load_state("networkidle")


def _switch(page, urls: list[str], days: str) -> Counter:
    urls.clear()
    before = page.evaluate("document.getElementById('map').dataset.cellsLoaded || ''")
    page.click(f"#window-control button[data-days='{days}']")
    page.wait_for_function(
        "b => { const m = document.getElementById('map');"
        " return m.dataset.tilesLoading === '0' && m.dataset.cellsLoaded !== b; }",
        arg=before,
    )
    _idle(page)
    fetched = Counter(u for u in urls if u.startswith("http"))
    assert [u for u, n in fetched.items() if n > 1] == [], days  # no URL twice within a switch
    return fetched


def _cell_tiles(fetched: Counter) -> list[str]:
    return [u for u in fetched if "/tiles/cells/" in u]


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
    assert [u for u in fetched if u.split("?")[0].endswith(".json")] == []  # no TileJSON
    assert [u for u in fetched if "markercluster" in u.lower()] == []
    assert sum(fetched.values()) <= LOAD_BUDGET, sorted(fetched)

    # A new window: its tiles and what depends on it, nothing else (pins, badges stay).
    switched = _switch(page, urls, "30")
    assert _cell_tiles(switched), "the new window's cells"
    assert all(any(r in u for u in switched) for r in WINDOW_READS), sorted(switched)
    assert [u for u in switched if "/overdue" in u or "opinion-pins" in u] == []
    assert sum(switched.values()) <= NEW_WINDOW_BUDGET, sorted(switched)

    # Back to the first window: its decoded cell tiles are drawn again without a request.
    back = _switch(page, urls, "90")
    assert _cell_tiles(back) == [], sorted(back)
    assert sum(back.values()) <= SEEN_WINDOW_BUDGET, sorted(back)
    assert page.evaluate("id => cg.cellState(id)", world.cells_a[0].id) == "covered"

    # A live visit to a never-visited cell while the 90-day window is shown: drawn covered at
    # once; the cached tiles holding it are dropped, so a switch away and back fetches them
    # afresh (with the visit) while the other cached tiles are still reused.
    cell = world.cells_a[9]
    assert page.evaluate("id => cg.cellState(id)", cell.id) == "never"
    record_visit(world.deputy_a, cell)
    page.wait_for_function("id => cg.cellState(id) === 'covered'", arg=cell.id)
    page.wait_for_timeout(1500)  # the statistics read again after the visit (debounced 700 ms)
    _idle(page)
    _switch(page, urls, "30")
    again = _switch(page, urls, "90")
    refetched = _cell_tiles(again)
    assert refetched, "the tiles the visit touched are fetched again"
    assert len(refetched) < len(_cell_tiles(switched)), sorted(again)
    assert page.evaluate("id => cg.cellState(id)", cell.id) == "covered"
