"""The reference layer drawn from the product's own data when no base map is configured (issue
14): the county dashboard writes its townships' names inside the map's view, a layer the leader
can switch off (地名 in the layer control)."""

from __future__ import annotations

from tests.browser.conftest import PHONE

NAMES = "[...document.querySelectorAll('.place-label')].map(el => el.textContent).sort()"


def test_the_county_dashboard_names_its_townships(open_page, world):
    page = open_page("/dashboard/", viewport=PHONE, username="leader-a")
    page.wait_for_function("document.getElementById('map').dataset.placeNames === '2'")
    assert page.evaluate(NAMES) == ["星沙街道", "泉塘街道"]
    # the names sit inside the map's view of the county, where the townships are
    inside = page.evaluate(
        "[...document.querySelectorAll('.place-label')].every(el => { const r ="
        " el.getBoundingClientRect(), m = document.getElementById('map').getBoundingClientRect();"
        " return r.left >= m.left && r.right <= m.right"
        " && r.top >= m.top && r.bottom <= m.bottom; })"
    )
    assert inside
    page.evaluate(
        "cg.map.removeLayer(Object.values(cg.dashboard.layers._layers).find("
        "x => x.name === '地名').layer)"
    )
    assert page.evaluate(NAMES) == []
