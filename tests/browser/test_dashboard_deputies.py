"""The deputies' league on the dashboard (issue 14): this year's record of the deputies in the
leader's county, ranked by points or by target completion, coloured by completion band (below
target is not green), read only when the card is opened (nothing more on load)."""

import pytest

from tests.browser.conftest import PHONE, login

ROWS = """() => Array.from(document.querySelectorAll('#deputy-league li[data-deputy-id]')).map(
    li => ({ id: Number(li.dataset.deputyId), band: li.dataset.band,
             text: li.textContent,
             colour: getComputedStyle(li.querySelector('.minibar span')).backgroundColor }))"""


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_deputies_ranked_in_the_jurisdiction(open_page, world, viewport):
    page = open_page("/accounts/login/?next=/dashboard/", viewport=viewport)
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    login(page, "leader-a")
    page.wait_for_selector("#children li[data-adcode]")
    page.wait_for_load_state("networkidle")
    assert [u for u in urls if "/api/map/v1/records" in u] == []  # not read on load

    page.click("#deputy-league-card > summary")
    page.wait_for_selector("#deputy-league li[data-deputy-id]")
    rows = page.evaluate(ROWS)
    # Only county A's deputy (李代表 of county B is outside the jurisdiction).
    assert [r["id"] for r in rows] == [world.deputy_a.id]
    [row] = rows
    assert "张代表" in row["text"] and "分" in row["text"]
    assert row["band"] in {"met", "behind", "low"}
    if row["band"] != "met":
        assert row["colour"] != "rgb(47, 158, 68)"  # below target is not green
    assert [u for u in urls if "/api/map/v1/records?region=430121" in u]

    page.click("#deputy-sort button[data-sort='completion']")
    assert page.get_attribute("#deputy-sort button[data-sort='completion']", "aria-pressed") == (
        "true"
    )
    assert [r["id"] for r in page.evaluate(ROWS)] == [world.deputy_a.id]
