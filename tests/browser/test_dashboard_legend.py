"""The dashboard's legend (issue 14): one group per layer, shown while that layer is on (the
county roll-up ramp below the cells' zoom), in the colours the layers draw, readable and
foldable on a 390x844 phone."""

import pytest

from tests.browser.conftest import A_COLS, A_ROWS, PHONE, login, screenshot, wait_for_cells

GROUPS = """() => Array.from(document.querySelectorAll('#legend .legend-group'))
    .filter(g => !g.hidden).map(g => g.dataset.layer)"""

SCALE = """id => Array.from(document.querySelectorAll('#' + id + ' span')).map(s => ({
    text: s.textContent, colour: getComputedStyle(s.querySelector('i')).backgroundColor }))"""


def toggle_overlay(page, name: str) -> None:
    """Tick or untick the layers control's entry `name` (collapsed on a phone: by script)."""
    page.evaluate(
        """name => Array.from(document.querySelectorAll('.leaflet-control-layers-overlays label'))
            .find(l => l.textContent.trim() === name).querySelector('input').click()""",
        name,
    )


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_a_legend_for_each_layer_that_is_on(open_page, world, viewport):
    page = open_page("/accounts/login/?next=/dashboard/", viewport=viewport)
    login(page, "leader-a")
    wait_for_cells(page, A_COLS * A_ROWS)
    assert page.evaluate(GROUPS) == ["coverage", "gaps", "clusters", "overdue"]
    legend = page.inner_text("#legend")
    for words in ("已覆盖", "从未走访", "缺口", "意见聚集", "已逾期"):
        assert words in legend, words

    toggle_overlay(page, "走访热力（H3）")
    page.wait_for_function("() => !document.querySelector('#legend [data-layer=heat]').hidden")
    heat = page.evaluate(SCALE, "legend-heat")
    assert [s["text"] for s in heat] == ["1–2", "3–9", "10–29", "30–99", "100–299", "≥ 300"]
    assert heat[0]["colour"] == "rgb(255, 243, 191)" and heat[-1]["colour"] == "rgb(134, 46, 156)"
    toggle_overlay(page, "缺口")
    page.wait_for_function("() => document.querySelector('#legend [data-layer=gaps]').hidden")

    if viewport is PHONE:
        box = page.locator("#legend").bounding_box()
        map_box = page.locator("#map").bounding_box()
        assert box["x"] >= map_box["x"] and box["x"] + box["width"] <= map_box["width"] + 1
        assert box["height"] <= 0.5 * map_box["height"]  # the map stays visible
        size = page.evaluate(
            "parseFloat(getComputedStyle(document.querySelector('#legend')).fontSize)"
        )
        assert size >= 11
        screenshot(page, "dashboard-legend-phone")
        page.click("#legend-toggle")
        assert not page.locator("#legend-groups").is_visible()
        assert page.get_attribute("#legend-toggle", "aria-expanded") == "false"
        page.click("#legend-toggle")
        assert page.locator("#legend-groups").is_visible()

    # Zoomed out below the cells: the county roll-up's ramp replaces the cell states.
    page.evaluate("cg.map.setZoom(8, {animate: false})")
    page.wait_for_function("() => !document.querySelector('#legend [data-layer=counties]').hidden")
    groups = page.evaluate(GROUPS)
    assert "counties" in groups and "coverage" not in groups
    ramp = page.evaluate(SCALE, "legend-ramp")
    assert [s["text"] for s in ramp] == ["0–20%", "20–40%", "40–60%", "60–80%", "80–100%"]
    assert ramp[0]["colour"] == "rgb(224, 49, 49)" and ramp[-1]["colour"] == "rgb(47, 158, 68)"
