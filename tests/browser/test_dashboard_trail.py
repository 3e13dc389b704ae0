"""Drilling into a township survives a reload (issue 14): the township stays in the URL, is
outlined on the map after the reload, and the breadcrumb leads back up to the county."""

import pytest

from tests.browser.conftest import PHONE, login, screenshot

CRUMBS = """() => Array.from(document.querySelectorAll('#crumbs .crumb')).map(c => c.textContent)"""


def outlined(page) -> str:
    return page.evaluate("document.getElementById('map').dataset.outline || ''")


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_township_kept_outlined_and_led_back_up_after_a_reload(open_page, world, viewport):
    page = open_page("/accounts/login/?next=/dashboard/", viewport=viewport)
    login(page, "leader-a")
    page.wait_for_selector("#children li[data-adcode='430121002']")
    assert outlined(page) == ""  # the top of the jurisdiction: nothing singled out
    page.click("#children li[data-adcode='430121002']")
    page.wait_for_function("document.getElementById('region-name').textContent === '泉塘街道'")
    page.wait_for_function("document.getElementById('map').dataset.outline === '430121002'")
    assert "region=430121002" in page.url

    page.reload()
    page.wait_for_function("document.getElementById('map').dataset.outline === '430121002'")
    assert page.evaluate(CRUMBS) == ["长沙县", "泉塘街道"]
    assert page.inner_text("#region-name") == "泉塘街道"
    paths = page.evaluate("document.querySelectorAll('.leaflet-overlay-pane path').length")
    assert paths >= 1  # the outline is drawn
    if viewport is None:
        screenshot(page, "dashboard-township-after-reload")

    page.click("#crumbs .crumb:not(.current)")
    page.wait_for_function("document.getElementById('region-name').textContent === '长沙县'")
    page.wait_for_function("document.getElementById('map').dataset.outline === ''")
    assert page.evaluate(CRUMBS) == ["长沙县"]
    assert "region=430121&" in page.url or page.url.endswith("region=430121")
    page.wait_for_function("document.getElementById('stat-covered').textContent === '4'")
