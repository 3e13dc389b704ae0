"""The campaigns pages in real Chromium on a 390×844 phone (issue 14): staff start a campaign
from /campaigns/ (the region's current deputies take part), its page shows the bars against the
targets, the township and deputy tables (sortable; a deputy behind the target is not green)
and the untouched cells on a map; a visit synced from the field raises the progress and shrinks
the untouched cells without a reload."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from backend.accounts.access import jurisdiction_of
from backend.campaigns.models import Campaign
from backend.campaigns.selectors import campaign_progress
from backend.campaigns.services import campaign_create
from tests.browser.conftest import (
    PASSWORD,
    PHONE,
    in_worker_thread,
    post_visit_through_field_api,
    screenshot,
)

FACT = "id => Number(document.getElementById(id).dataset.value)"


def test_campaign_progress_updates_live_after_a_visit_sync(
    open_page, world, browser, live_server_url
):
    page = open_page("/campaigns/?region=430121", viewport=PHONE, username="staff-a")
    page.wait_for_selector("#cp-form")
    page.fill("#cp-form input[name=name]", "千名代表访万人")
    page.fill("#cp-form input[name=target_households]", "100")
    page.fill("#cp-form input[name=target_people]", "1000")
    page.fill("#cp-form input[name=target_households_per_deputy]", "50")
    page.click("#cp-form button[type=submit]")
    page.wait_for_selector("#campaign-page")
    assert page.locator("h1.region-name").inner_text() == "千名代表访万人"
    page.wait_for_function("document.body.dataset.live === 'live'")
    page.wait_for_function("Number(document.getElementById('cp-map').dataset.features) > 0")
    visits = page.evaluate(FACT, "cp-visits")
    households = page.evaluate(FACT, "cp-households")
    untouched = page.evaluate("Number(document.getElementById('cp-map').dataset.features)")
    expected = campaign_progress(campaign=Campaign.objects.get(name="千名代表访万人"))
    assert expected["deputies"][0]["name"] == "张代表"  # the county's one current deputy
    assert (visits, households) == (
        expected["overall"]["visits"],
        expected["overall"]["households"],
    )
    assert visits > 0 and untouched == 12 - expected["overall"]["cells_covered"]
    # 张代表: under 50 households, behind (red, not green); the bar for cells is behind too
    row = page.locator("#cp-deputies tbody tr")
    assert row.count() == 1
    assert row.first.get_attribute("data-band") in ("behind", "on_track")
    assert page.locator("#cp-bars li[data-name=cells_pct]").get_attribute("data-band") == "behind"
    fill = "document.querySelector('#cp-deputies .cp-bar-fill')"
    colour = page.evaluate(f"() => getComputedStyle({fill}).backgroundColor")
    assert colour != "rgb(47, 158, 68)"  # not the green of a met target
    # the township table sorts by a click (cells covered, highest first)
    page.click("#cp-towns th[data-key=cells_pct]")
    assert page.locator("#cp-towns tbody tr").first.get_attribute("data-adcode") == "430121001"
    # no horizontal scroll of the page on the phone
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    screenshot(page, "campaign-phone")
    page.evaluate("window.__sameDocument = true")

    post_visit_through_field_api(browser, live_server_url, "deputy-a", world.cells_a[10])

    page.wait_for_function(
        f"() => Number(document.getElementById('cp-visits').dataset.value) === {visits + 1}"
    )
    page.wait_for_function(
        f"() => Number(document.getElementById('cp-households').dataset.value) === {households + 4}"
    )
    page.wait_for_function(
        f"() => Number(document.getElementById('cp-map').dataset.features) === {untouched - 1}"
    )
    assert page.evaluate("Number(document.getElementById('campaign-page').dataset.refreshes)") >= 1
    assert page.evaluate("window.__sameDocument") is True  # no reload happened
    screenshot(page, "campaign-live-phone")


def test_leader_reads_campaigns_without_the_form(open_page, world):
    page = open_page("/campaigns/?region=430121", viewport=PHONE, username="leader-a")
    page.wait_for_selector("#cp-list")
    assert page.locator("#cp-form").count() == 0
    assert page.locator(".topbar nav a[href^='/campaigns/']").count() == 1


def test_the_phone_home_shows_my_campaign_line(open_page, world):
    staff = world.staff_a
    today = timezone.localdate()
    in_worker_thread(
        campaign_create,
        jurisdiction=jurisdiction_of(staff),
        actor=staff,
        region=world.county_a,
        name="走访50户",
        starts_on=dt.date(today.year, 1, 1),
        ends_on=dt.date(today.year, 12, 31),
        targets={"target_households_per_deputy": 50},
    )
    page = open_page("/m/", viewport=PHONE)
    page.wait_for_function("() => document.body.dataset.ready === 'true'")
    page.wait_for_selector("#login-form")
    page.fill("input[name=username]", "deputy-a")
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#home[data-fresh='true']")
    line = page.locator("#my-campaigns p.campaign")
    households = line.get_attribute("data-households")
    assert line.inner_text() == f"走访50户：已走访 {households} / 50 户（截至 {today.year}-12-31）"
    assert "band-" in (line.get_attribute("class") or "")
