"""The map pages in real Chromium: coverage rendering, live updates, assignment, jurisdiction.

Screenshots of every page (desktop and phone) are written to docs/screenshots/.
"""

from playwright.sync_api import expect

from backend.accounts.models import Role
from tests.browser.conftest import (
    A_COLS,
    A_ROWS,
    B_COLS,
    B_ROWS,
    PHONE,
    login,
    post_visit_through_field_api,
    record_visit,
    rectangle,
    screenshot,
    wait_for_cells,
)
from tests.factories import GridCellFactory, RegionFactory, UserFactory, square

CELL_STATE = "id => window.cg && window.cg.cellState(id)"


def wait_live(page) -> None:
    page.wait_for_function("document.body.dataset.live === 'live'")


def click_cell(page, cell) -> None:
    """Click the middle of a cell, located through the map's own projection."""
    (w, s, e, n) = cell.boundary.extent
    point = page.evaluate(
        "([lat, lon]) => { const p = window.cg.map.latLngToContainerPoint([lat, lon]);"
        " const r = window.cg.map.getContainer().getBoundingClientRect();"
        " return {x: r.left + p.x, y: r.top + p.y}; }",
        [(s + n) / 2, (w + e) / 2],
    )
    page.mouse.click(point["x"], point["y"])


def test_a_wide_county_on_a_phone_opens_where_its_cells_are_drawn(open_page, transactional_db):
    """A county 0.48° wide fits a 390 px screen only at zoom 9, below the cells layer's minzoom
    (10): the phone dashboard opens at the minzoom instead, on the county's centre, so its
    leader sees cells (before: one county-coloured area, no cells, tiles never loading)."""
    county = RegionFactory(
        adcode="440881",
        name="廉江市",
        parent=RegionFactory(adcode="4408", name="湛江市", boundary=None),
        boundary=rectangle(109.80, 21.30, 0.48, 0.32),
    )
    for c in range(3):
        GridCellFactory(region=county, boundary=square(110.02 + 0.01 * c, 21.45, 0.01))
    UserFactory(username="leader-lj", role=Role.LEADER, jurisdiction=county)
    phone = open_page("/dashboard/", viewport=PHONE, username="leader-lj")
    wait_for_cells(phone, 3)
    zoom, minzoom = phone.evaluate(
        "() => cg.tileJson('cells').then(tj => [cg.map.getZoom(), tj.minzoom])"
    )
    assert zoom == minzoom == 10


def test_login_page_screenshots(open_page, world):
    page = open_page("/")
    assert page.url.endswith("/accounts/login/?next=/")
    assert page.locator("h1").inner_text() == "人大代表进网格"
    screenshot(page, "login-desktop")
    page.click(".lang-switch button[value=en]")
    page.wait_for_function("document.documentElement.lang === 'en'")
    assert page.locator("h1").inner_text() == "Deputies into the grid"
    assert page.locator("button.btn-primary").inner_text() == "Sign in"
    page.click(".lang-switch button[value=zh-hans]")
    page.wait_for_function("document.documentElement.lang === 'zh-hans'")
    phone = open_page("/accounts/login/", viewport=PHONE)
    screenshot(phone, "login-phone")


def test_leader_sees_coverage_cells_of_the_county(open_page, world):
    page = open_page("/")
    login(page, "leader-a")
    assert page.url.endswith("/dashboard/")
    wait_for_cells(page, A_COLS * A_ROWS)
    states = page.evaluate(
        "ids => ids.map(id => window.cg.cellState(id))", [c.id for c in world.cells_a]
    )
    assert states == ["covered"] * 4 + ["stale"] + ["never"] * 7
    page.wait_for_function("document.getElementById('stat-covered').textContent === '4'")
    assert page.locator("#stat-never").inner_text() == "7"
    assert page.locator("#region-name").inner_text() == "长沙县"
    # Gaps: the stale cell and the 7 never visited; one opinion cluster; the H3 heat layer.
    page.wait_for_function("document.querySelectorAll('#gaps li').length === 8")
    page.wait_for_function("document.getElementById('map').dataset.clusters === '1'")
    wait_live(page)
    screenshot(page, "dashboard-desktop")
    page.check(".leaflet-control-layers-overlays label:nth-child(2) input")
    page.wait_for_function("Number(document.getElementById('map').dataset.heatRendered) > 0")
    screenshot(page, "dashboard-heat-desktop")

    phone = open_page("/dashboard/", viewport=PHONE, username="leader-a")
    wait_for_cells(phone, A_COLS * A_ROWS)
    screenshot(phone, "dashboard-phone")


def test_time_window_control_recolours_the_cells(open_page, world):
    page = open_page("/dashboard/", username="leader-a")
    wait_for_cells(page, A_COLS * A_ROWS)
    assert page.evaluate(CELL_STATE, world.cells_a[3].id) == "covered"
    page.click("#window-control button[data-days='30']")
    assert page.locator("#window-control button.active").get_attribute("data-days") == "30"
    wait_for_cells(page, A_COLS * A_ROWS)
    page.wait_for_function("id => window.cg.cellState(id) === 'stale'", arg=world.cells_a[3].id)
    page.wait_for_function("document.getElementById('stat-stale').textContent === '2'")
    assert page.url.endswith("?region=430121&days=30")


def test_drill_down_county_to_township_to_cell(open_page, world):
    page = open_page("/dashboard/", username="leader-a")
    wait_for_cells(page, A_COLS * A_ROWS)
    page.wait_for_selector("#children li[data-adcode='430121001']")
    assert page.locator("#children li").count() == 2
    page.click("#children li[data-adcode='430121001']")
    page.wait_for_function("document.getElementById('region-name').textContent === '星沙街道'")
    # Columns 0-1: cells 0 and 1 covered, 4 stale, 5, 8 and 9 never.
    page.wait_for_function("document.getElementById('stat-covered').textContent === '2'")
    assert page.locator("#stat-stale").inner_text() == "1"
    assert page.locator("#stat-never").inner_text() == "3"
    assert page.locator("#crumbs .crumb").all_inner_texts() == ["长沙县", "星沙街道"]
    assert page.url.endswith("?region=430121001&days=90")

    click_cell(page, world.cells_a[0])
    page.wait_for_selector("#cell-card:not([hidden])")
    details = page.locator("#cell-details").inner_text()
    assert "A-00" in details and "已覆盖" in details

    page.click("#crumbs .crumb:not(.current)")
    page.wait_for_function("document.getElementById('region-name').textContent === '长沙县'")
    page.wait_for_function("document.getElementById('stat-covered').textContent === '4'")


def test_visit_from_the_field_appears_without_reload(open_page, world, browser, live_server_url):
    page = open_page("/")
    login(page, "leader-a")
    wait_for_cells(page, A_COLS * A_ROWS)
    wait_live(page)
    target = world.cells_a[10]
    assert page.evaluate(CELL_STATE, target.id) == "never"
    page.evaluate("window.__sameDocument = true")

    # The phone's request, through the real HTTP stack: the server publishes the event.
    post_visit_through_field_api(browser, live_server_url, "deputy-a", target)

    page.wait_for_function("id => window.cg.cellState(id) === 'covered'", arg=target.id)
    page.wait_for_function("document.getElementById('stat-covered').textContent === '5'")
    assert page.locator("#feed li[data-event=visit]").count() == 1
    assert page.evaluate("window.__sameDocument") is True  # no reload happened
    screenshot(page, "dashboard-live-desktop")


def test_staff_assign_an_uncovered_cell_and_see_it_assigned(open_page, world):
    page = open_page("/")
    login(page, "staff-a")
    assert page.url.endswith("/assign/")
    wait_for_cells(page, A_COLS * A_ROWS)
    target = world.cells_a[11]
    assert page.evaluate(CELL_STATE, target.id) == "never"

    click_cell(page, target)
    page.wait_for_function("document.getElementById('selected-count').textContent === '1'")
    page.click("#btn-suggest")
    page.wait_for_selector("#suggestions input[name=deputy]")
    assert "张代表" in page.locator("#suggestions").inner_text()
    page.check(f"#suggestions input[value='{world.deputy_a.id}']")
    screenshot(page, "assign-desktop")
    page.click("#btn-assign")

    # The server's answer applied: selection emptied, the cell assigned. (The live event
    # `assignment.created` may colour the cell before the answer arrives: wait for the answer,
    # not for the colour; test_assignment_event_before_the_answer forces that order.)
    expect(page.locator("#selected-count")).to_have_text("0")
    expect(page.locator("#toast")).to_have_text("已将 1 个网格分配给 张代表。")
    assert page.evaluate(CELL_STATE, target.id) == "assigned"
    assert world.deputy_a.assignments.filter(cell=target, status="active").count() == 1

    phone = open_page("/assign/", viewport=PHONE, username="staff-a")
    wait_for_cells(phone, A_COLS * A_ROWS)
    assert phone.evaluate(CELL_STATE, target.id) == "assigned"
    screenshot(phone, "assign-phone")


def test_assignment_event_before_the_answer(open_page, world):
    """The live `assignment.created` event can reach the page before the POST's answer (the
    event is sent on commit): the cell turns assigned while still selected, and the answer
    then empties the selection. The answer is held here until the event has arrived."""
    page = open_page("/assign/", username="staff-a")
    wait_for_cells(page, A_COLS * A_ROWS)
    wait_live(page)
    target = world.cells_a[11]
    held = []

    def hold_answer(route):
        held.append((route, route.fetch()))  # the server has committed; the browser waits

    page.route("**/api/map/v1/assignments", hold_answer)
    click_cell(page, target)
    expect(page.locator("#selected-count")).to_have_text("1")
    page.click("#btn-suggest")
    page.check(f"#suggestions input[value='{world.deputy_a.id}']")
    page.click("#btn-assign")

    page.wait_for_function("id => window.cg.cellState(id) === 'assigned'", arg=target.id)
    expect(page.locator("#selected-count")).to_have_text("1")  # the answer is still held
    route, answer = held[0]
    route.fulfill(response=answer)
    expect(page.locator("#selected-count")).to_have_text("0")
    expect(page.locator("#btn-assign")).to_be_disabled()
    assert page.evaluate(CELL_STATE, target.id) == "assigned"
    assert page.evaluate("document.getElementById('map').dataset.assigned") == "1"


def test_box_select_picks_only_uncovered_cells(open_page, world):
    page = open_page("/")
    login(page, "staff-a")
    wait_for_cells(page, A_COLS * A_ROWS)
    # A box over the whole bottom row: cells 0-3 are covered, so nothing; then rows 1-2.
    corners = page.evaluate(
        "([a, b]) => { const m = window.cg.map, r = m.getContainer().getBoundingClientRect();"
        " const p = m.latLngToContainerPoint(a), q = m.latLngToContainerPoint(b);"
        " return [r.left + p.x, r.top + p.y, r.left + q.x, r.top + q.y]; }",
        [[28.0105, 113.0005], [28.0295, 113.0395]],
    )
    page.click("#tool-box")
    page.mouse.move(corners[0], corners[1])
    page.mouse.down()
    page.mouse.move(corners[2], corners[3], steps=5)
    page.mouse.up()
    # Rows 1 and 2: cell 4 stale + cells 5-11 never = 8 selectable cells.
    page.wait_for_function("document.getElementById('selected-count').textContent === '8'")


def test_leader_of_another_county_sees_none_of_it(open_page, world, live_server_url):
    page = open_page("/")
    login(page, "leader-b")
    wait_for_cells(page, B_COLS * B_ROWS)
    wait_live(page)
    assert page.evaluate(CELL_STATE, world.cells_a[0].id) is None
    assert (
        page.evaluate(
            "ids => ids.map(id => window.cg.cellState(id))", [c.id for c in world.cells_b]
        )
        == ["covered"] + ["never"] * 5
    )
    # A visit in county A, then one in B: only B's reaches this socket, in order.
    record_visit(world.deputy_a, world.cells_a[9])
    record_visit(world.deputy_b, world.cells_b[5])
    page.wait_for_function("id => window.cg.cellState(id) === 'covered'", arg=world.cells_b[5].id)
    assert page.locator("#feed li[data-event=visit]").count() == 1
    assert page.evaluate(CELL_STATE, world.cells_a[9].id) is None
    # Pages and data of county A are 404 for this leader.
    response = page.goto(live_server_url + "/dashboard/?region=430121")
    assert response.status == 404
    response = page.goto(live_server_url + "/api/map/v1/regions/430121/stats")
    assert response.status == 404


def test_stations_page_of_a_county_leader(open_page, world):
    page = open_page("/stations/", username="leader-a")
    page.wait_for_function("document.getElementById('map').dataset.stations === '1'")
    assert "联络站" in page.locator("#kinds").inner_text()


def test_cross_province_link_is_drawn_across_the_border(open_page, border):
    page = open_page("/stations/?region=440881", username="admin-1")
    page.wait_for_function("document.getElementById('map').dataset.stations === '3'")
    page.wait_for_function("document.getElementById('map').dataset.links === '1'")
    assert "石角镇人大代表联络站 ⇄ 温泉镇人大代表联络站" in page.locator("#links").inner_text()
    # The line leaves Guangdong (south of 21.62N) and ends in Guangxi (north of it).
    lats = page.evaluate(
        "() => { const out = []; window.cg.map.eachLayer(l => { if (l instanceof L.Polyline &&"
        " !(l instanceof L.Polygon)) { l.getLatLngs().forEach(p => out.push(p.lat)); } });"
        " return out; }"
    )
    assert min(lats) < 21.62 < max(lats)
    screenshot(page, "stations-desktop")
    phone = open_page("/stations/?region=440881", viewport=PHONE, username="admin-1")
    phone.wait_for_function("document.getElementById('map').dataset.links === '1'")
    screenshot(phone, "stations-phone")
