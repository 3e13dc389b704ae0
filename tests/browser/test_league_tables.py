"""The dashboard's league table of townships: ranked by coverage, coloured by band, sortable,
with a legend (issue 14), on a desktop and a 390x844 phone."""

import pytest

from tests.browser.conftest import login, screenshot

ROWS = """() => Array.from(document.querySelectorAll('#children li[data-adcode]')).map(li => ({
    adcode: li.dataset.adcode, band: li.dataset.band,
    name: li.querySelector('.row span').textContent,
    pct: parseFloat(li.querySelector('.row b').textContent),
    bar: li.querySelector('.minibar span').className,
    colour: getComputedStyle(li.querySelector('.minibar span')).backgroundColor }))"""


def expected_band(pct: float) -> str:
    return "met" if pct >= 90 else "behind" if pct >= 60 else "low"


PHONE = {"width": 390, "height": 844}


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_townships_ranked_by_coverage_coloured_by_band(open_page, world, viewport):
    page = open_page("/accounts/login/?next=/dashboard/", viewport=viewport)
    login(page, "leader-a")
    page.wait_for_function(
        "() => document.querySelectorAll('#children li[data-adcode]').length >= 2"
    )
    rows = page.evaluate(ROWS)
    pcts = [r["pct"] for r in rows]
    assert pcts == sorted(pcts, reverse=True)
    for row in rows:
        assert row["band"] == expected_band(row["pct"]), row
        assert row["bar"] == "band-" + row["band"]
        if row["band"] != "met":
            assert row["colour"] != "rgb(47, 158, 68)", row  # below target is not green
    legend = page.inner_text("#league-legend")
    assert "90%" in legend and "60" in legend
    if viewport is None:
        screenshot(page, "dashboard-league-table")

    page.click("#league-sort button[data-sort='name']")
    by_name = [r["name"] for r in page.evaluate(ROWS)]
    assert sorted(by_name) == sorted(r["name"] for r in rows)
    page.click("#league-sort button[data-sort='rank']")
    assert [r["adcode"] for r in page.evaluate(ROWS)] == [r["adcode"] for r in rows]
