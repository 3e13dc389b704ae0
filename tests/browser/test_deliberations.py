"""Deliberation days (议事) end to end in real Chromium on a 390×844 phone: staff plan a day on
/deliberations/, add topics and choose them, record the meeting, add an action item and follow
it up on the day's page; the leader's dashboard counts the overdue action items live and links
to the list."""

import datetime as dt

from django.utils import timezone

from backend.accounts.access import jurisdiction_of
from backend.stationlife import services
from backend.stationlife.models import ActionItem, Deliberation
from tests.browser.conftest import PHONE, in_worker_thread, screenshot


def no_horizontal_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_staff_run_a_deliberation_day_from_the_list(open_page, world):
    page = open_page("/deliberations/?region=430121", viewport=PHONE, username="staff-a")
    assert page.locator("#delib-ahead").get_attribute("data-count") == "0"
    day = timezone.localdate() + dt.timedelta(days=6)
    page.select_option("#plan-form select[name=station_id]", label="星沙联络站")
    page.fill("#plan-form input[name=date]", day.isoformat())
    page.fill("#plan-form input[name=place]", "星沙社区议事厅")
    page.click("#plan-form button[type=submit]")
    page.wait_for_selector("#delib-ahead[data-count='1']")
    planned = Deliberation.objects.get(station=world.station_a)
    assert (planned.date, planned.place, planned.status) == (day, "星沙社区议事厅", "planned")
    assert list(planned.deputies.values_list("name", flat=True)) == ["张代表"]
    assert "尚未发出通知" in page.inner_text(f"#delib-ahead li[data-id='{planned.id}']")
    no_horizontal_scroll(page)
    screenshot(page, "deliberations-phone")

    # A date less than three days ahead is not sent (the field's minimum); nothing stored.
    page.fill("#plan-form input[name=date]", timezone.localdate().isoformat())
    page.click("#plan-form button[type=submit]")
    assert (
        page.evaluate("document.querySelector('#plan-form input[name=date]').validity.valid")
        is False
    )
    assert Deliberation.objects.count() == 1

    page.click(f"#delib-ahead li[data-id='{planned.id}'] a")
    page.wait_for_url(f"**/deliberations/{planned.id}/")
    page.fill("form[data-action=topics] input[name=title]", "老旧小区加装电梯")
    page.click("form[data-action=topics] button[type=submit]")
    page.wait_for_selector("#topics input[name=topic_ids]")
    page.check("#topics input[name=topic_ids]")
    page.click("#choose-form button[type=submit]")
    page.wait_for_selector("#topics li.chosen")
    assert page.locator("#record-later").is_visible()  # not before the day
    Deliberation.objects.filter(id=planned.id).update(date=timezone.localdate())  # the day comes
    page.reload()
    page.fill("form[data-action=record] textarea[name=minutes]", "议定由住建部门牵头加装电梯。")
    page.click("form[data-action=record] button[type=submit]")
    page.wait_for_selector("form[data-action=actions]")
    page.fill("form[data-action=actions] input[name=text]", "摸排加装意愿")
    page.fill("form[data-action=actions] input[name=owner]", "县住建局")
    page.fill("form[data-action=actions] input[name=due_on]", day.isoformat())
    page.click("form[data-action=actions] button[type=submit]")
    page.wait_for_selector("#actions form[data-action=follow]")
    page.fill("#actions form[data-action=follow] input[name=note]", "已完成摸排")
    page.check("#actions form[data-action=follow] input[name=done]")
    page.click("#actions form[data-action=follow] button[type=submit]")
    page.wait_for_selector("#actions li:not(.overdue)")
    page.wait_for_function("!document.querySelector('#actions form[data-action=follow]')")
    item = ActionItem.objects.get(deliberation=planned)
    assert item.status == "done" and "已完成摸排" in item.progress
    no_horizontal_scroll(page)
    page.click(".crumbs a[href*='/deliberations/']")
    page.wait_for_selector(f"#delib-past li[data-id='{planned.id}'][data-status='held']")


def test_the_dashboard_counts_overdue_action_items_live(open_page, world):
    today = timezone.localdate()
    held = Deliberation.objects.create(
        station=world.station_a,
        adcode=world.station_a.adcode,
        county_adcode="430121",
        date=today - dt.timedelta(days=20),
        status="held",
    )
    late = ActionItem.objects.create(
        deliberation=held,
        adcode=held.adcode,
        county_adcode="430121",
        text="修复积水路段",
        owner="镇村建办",
        due_on=today - dt.timedelta(days=2),
    )
    dashboard = open_page("/dashboard/", viewport=PHONE, username="leader-a")
    dashboard.wait_for_selector("#actions-badge[data-count='1']")
    dashboard.wait_for_function("document.body.dataset.live === 'live'")
    in_worker_thread(
        services.action_item_follow,
        jurisdiction=jurisdiction_of(world.staff_a),
        item_id=late.id,
        fields={"done": True, "note": "已修复"},
    )
    dashboard.wait_for_selector("#actions-badge[data-count='0']")
    assert dashboard.locator("#actions-count").inner_text() == "0"
    href = dashboard.locator("#actions-badge").get_attribute("href")
    assert href.endswith("/deliberations/?region=430121")
    # Another county's leader reads neither the count nor the list.
    other = open_page("/dashboard/", viewport=PHONE, username="leader-b")
    other.wait_for_selector("#actions-badge[data-count='0']")
