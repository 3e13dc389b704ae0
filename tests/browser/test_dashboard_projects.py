"""The leader dashboard's livelihood-projects layer (民生实事项目, issue 15) and the township
funnel card, in real Chromium on a desktop and a 390x844 phone: off on first load (nothing
fetched), switched on from the card; each project's place drawn in its status colour, the
legend in the same colours, the popup's facts, the funnel of the hand-built township
(tests/backend/projects/township_year.py), and another county's project left out.

Screenshots: docs/screenshots/dashboard-projects.png, dashboard-projects-phone.png."""

from __future__ import annotations

import pytest
from django.utils import timezone

from backend.accounts.access import jurisdiction_of
from backend.projects import services
from backend.regions.models import Region
from tests.backend.projects.township_year import FUNNEL, build_township_year, propose
from tests.browser.conftest import PHONE, in_worker_thread, screenshot
from tests.factories import UserFactory

STATUS_COLOURS = {
    "candidate": "#868e96",
    "chosen": "#1c7ed6",
    "in_progress": "#f59f00",
    "done": "#2f9e44",
    "evaluated": "#7048e8",
}
FEATURES = """() => Array.from(document.querySelectorAll('path.pj-feature')).map(p => ({
    status: Array.from(p.classList).find(c => c.startsWith('pj-status-')).slice(10),
    point: p.classList.contains('pj-point'),
    fill: p.getAttribute('fill'), stroke: p.getAttribute('stroke') }))"""
LEGEND = """() => Array.from(document.querySelectorAll('#projects-legend [data-status]'))
    .map(s => ({
    status: s.dataset.status, text: s.textContent,
    colour: getComputedStyle(s.querySelector('.pj-swatch')).backgroundColor }))"""
FUNNEL_ROWS = """() => Array.from(
    document.querySelectorAll('#projects-funnel tbody tr[data-adcode]')).map(tr =>
    [tr.dataset.adcode, tr.querySelector('th').textContent].concat(
        Array.from(tr.querySelectorAll('td')).map(td => td.textContent)))"""


def _rgb(hex_colour: str) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


def _projects(world):
    """The hand-built township's year in 星沙街道, one collected proposal in 泉塘街道, and a
    placed candidate of 宁乡市 (another county)."""
    t1, t2 = (Region.objects.get(adcode=a) for a in ("430121001", "430121002"))
    built = build_township_year(staff=world.staff_a, township=t1, lon=113.0, lat=28.0, prefix="bt")
    today = timezone.localdate()
    call = services.call_create(
        jurisdiction=jurisdiction_of(world.staff_a),
        actor=world.staff_a,
        region=t2,
        year=today.year,
        title="泉塘街道民生实事项目征集",
        opens_on=today,
        closes_on=today,
    )
    propose(world.staff_a, call, "社区食堂", 200_000, None, stages=())
    staff_b = UserFactory(username="staff-b", role="staff", jurisdiction=world.county_b)
    call_b = services.call_create(
        jurisdiction=jurisdiction_of(staff_b),
        actor=staff_b,
        region=world.county_b,
        year=today.year,
        title="宁乡市民生实事项目征集",
        opens_on=today,
        closes_on=today,
    )
    propose(staff_b, call_b, "宁乡项目", 1_000, {"type": "Point", "coordinates": [113.21, 28.01]})
    return built


@pytest.fixture
def projects(world):
    return in_worker_thread(_projects, world)


def _open_popup(page, status: str) -> str:
    page.locator(f"path.pj-feature.pj-status-{status}").click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    text = popup.inner_text()
    page.locator(".leaflet-popup-close-button").click()
    page.wait_for_selector(".leaflet-popup", state="detached")  # after its fade-out
    return text


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_projects_layer_and_township_funnel(open_page, world, projects, viewport):
    page = open_page("/dashboard/", viewport=viewport, username="leader-a")
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    page.wait_for_function("() => window.cg && cg.dashboard && cg.dashboard.layers !== null")
    page.wait_for_function("() => document.querySelectorAll('#gaps li').length > 0")
    assert not page.locator("#projects-legend").is_visible()
    assert page.locator("#projects-funnel").is_hidden()
    assert not [u for u in urls if "projects.geojson" in u or "project-funnel" in u]

    page.click("#projects-toggle")
    page.wait_for_selector("#map[data-projects='5']")
    page.wait_for_selector("#projects-funnel tbody tr[data-adcode]")
    assert page.get_attribute("#projects-toggle", "aria-pressed") == "true"
    fetched = [u for u in urls if "projects.geojson" in u or "project-funnel" in u]
    assert sorted(u.split("/api/map/v1/")[1] for u in fetched) == [
        "project-funnel?region=430121",
        "projects.geojson?region=430121",
    ]

    # Each place in its status colour (a point's fill; a road's and an area's outline).
    features = page.evaluate(FEATURES)
    assert sorted(f["status"] for f in features) == sorted(STATUS_COLOURS)
    for f in features:
        colour = STATUS_COLOURS[f["status"]]
        assert (f["fill"] if f["point"] else f["stroke"]) == colour, f
    assert sorted(f["status"] for f in features if not f["point"]) == ["done", "in_progress"]

    legend = page.evaluate(LEGEND)
    assert [(s["status"], s["colour"]) for s in legend] == [
        (status, _rgb(colour)) for status, colour in STATUS_COLOURS.items()
    ]
    assert [s["text"] for s in legend] == ["候选", "票决通过", "实施中", "已完成", "已评估"]
    assert page.locator("#projects-legend").is_visible()
    assert "民生实事项目" in page.inner_text("#projects-legend")

    # The popup: title, status, department, progress, budget, latest update, visits, satisfaction.
    road = _open_popup(page, "in_progress")
    today = timezone.localdate().isoformat()  # Asia/Shanghai
    assert road.split("\n") == [
        "村道硬化",
        *("状态", "实施中", "责任单位", "县交通运输局", "进度", "40%", "预算", "1,980,000 元"),
        *("最近更新", today, "代表视察", "2", "满意度", "尚未评估"),
    ]
    pond = _open_popup(page, "evaluated")
    assert "污水处理池" in pond and "66.7% · 未达标 (目标 90%)" in pond
    square = _open_popup(page, "chosen")
    assert "文化广场" in square and "尚无进展更新" in square

    # The funnel per township: the hand-built one's numbers, 泉塘街道's one proposal, the total;
    # nothing of 宁乡市.
    rows = page.evaluate(FUNNEL_ROWS)
    assert rows == [
        ["430121001", "星沙街道", *[str(n) for n in FUNNEL.values()], "66.7%"],
        ["430121002", "泉塘街道", "1", "0", "0", "0", "–"],
    ]
    assert page.get_attribute("#projects-funnel td[data-step=satisfaction]", "class") == "below"
    total = page.inner_text("#projects-funnel tfoot").split()
    assert total == ["合计", "9", "6", "4", "2", "66.7%"]
    body = page.inner_text("body")
    assert "宁乡项目" not in body and "宁乡市" not in page.inner_text("#projects-card")

    if viewport == PHONE:
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        screenshot(page, "dashboard-projects-phone")
        return
    screenshot(page, "dashboard-projects")

    # A drill-down into 泉塘街道 reloads both for that township (no placed project there).
    page.click("#children li[data-adcode='430121002']")
    page.wait_for_selector("#map[data-projects='0']")
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('#projects-funnel tbody tr[data-adcode]'))"
        ".map(tr => tr.dataset.adcode).join() === '430121002'"
    )
    # Switched off: the legend goes, the card's button says so.
    page.click("#projects-toggle")
    assert page.get_attribute("#projects-toggle", "aria-pressed") == "false"
    assert not page.locator("#projects-legend").is_visible()
    assert page.locator("path.pj-feature").count() == 0


def test_another_countys_leader_sees_only_their_project(open_page, world, projects):
    page = open_page("/dashboard/", username="leader-b")
    page.wait_for_function("() => window.cg && cg.dashboard && cg.dashboard.layers !== null")
    page.click("#projects-toggle")
    page.wait_for_selector("#map[data-projects='1']")
    page.wait_for_selector("#projects-funnel tbody tr[data-adcode]")
    assert page.evaluate(FEATURES) == [
        {"status": "candidate", "point": True, "fill": "#868e96", "stroke": "#fff"}
    ]
    assert page.evaluate(FUNNEL_ROWS) == [["430182", "宁乡市", "1", "1", "0", "0", "–"]]
    assert "星沙街道" not in page.inner_text("#projects-card")
