"""The cross-province link page on a phone (390×844): a Guangxi-side staff member opens the link
with 石角镇, sees its cadence, records a joint reception through the form, and sees it listed;
the Guangdong station's own figures stay out of reach (404)."""

import datetime as dt

from backend.accounts.models import Role
from backend.liaison.models import Station, StationLink
from backend.stationlife.models import ActivityKind, JointActivity
from tests.browser.conftest import PHONE, screenshot
from tests.factories import UserFactory


def test_a_guangxi_staff_member_records_and_reads_the_links_activities(open_page, border):
    link = StationLink.objects.get()
    UserFactory(username="gx-staff", role=Role.STAFF, jurisdiction=border.luchuan)
    today = dt.date.today()
    for weeks in (1, 2, 4):  # one week in the last four without a reception
        JointActivity.objects.create(
            link=link,
            kind=ActivityKind.RECEPTION,
            date=today - dt.timedelta(weeks=weeks),
            place="石角镇",
            suggestions=1,
            problems_solved=2,
        )
    page = open_page(f"/stations/links/{link.id}/", viewport=PHONE, username="gx-staff")
    assert "石角镇人大代表联络站 ⇄ 温泉镇人大代表联络站" in page.locator("h1").inner_text()
    assert page.locator("#total-activities").inner_text() == "3"
    weekly = page.locator('[data-cadence="weekly_reception"]')
    assert weekly.locator("li.state-met").count() == 3
    assert weekly.locator("li.state-missed").count() >= 1

    form = page.locator("#activity-form")
    form.locator("select[name=kind]").select_option("exchange")
    form.locator("input[name=date]").fill(today.isoformat())
    form.locator("input[name=place]").fill("温泉镇")
    form.locator("input[name=participants_b]").fill("黄代表、吴代表")
    form.locator("input[name=suggestions]").fill("2")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert page.locator("#total-activities").inner_text() == "4"
    assert "温泉镇" in page.locator("#activities").inner_text()
    saved = JointActivity.objects.get(kind=ActivityKind.EXCHANGE)
    assert saved.participants_b == ["黄代表", "吴代表"] and saved.suggestions == 2
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "station-link-phone")

    # nothing else of Guangdong: the station's health and page answer as if missing
    shijiao = Station.objects.get(name="石角镇人大代表联络站")
    status = page.evaluate(
        "url => fetch(url, {credentials: 'same-origin'}).then(r => r.status)",
        f"/api/map/v1/stations/{shijiao.id}/health",
    )
    assert status == 404
