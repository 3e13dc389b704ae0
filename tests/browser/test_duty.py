"""The staff's station duty page (站点值班) in real Chromium on a 390×844 phone: the rule's
preview of ten dates, the month's rota edited, a leave request approved, attendance shown."""

import datetime as dt

from django.utils import timezone

from backend.liaison.models import DutyRequest, DutyRule, RuleKind
from backend.liaison.rhythm import DutyRuleSpec
from backend.liaison.services import duty_request_create, duty_rule_set
from tests.browser.conftest import PHONE, in_worker_thread, screenshot
from tests.factories import DeputyFactory, StationMembershipFactory


def _scene(world) -> str:
    """Every day a duty day at 星沙联络站; a second member; a leave request for the day after
    tomorrow (still this month or the next: the page is opened on that month)."""
    station = world.station_a
    duty_rule_set(
        station=station, spec=DutyRuleSpec(kind=RuleKind.WEEKDAYS, weekdays=tuple(range(7)))
    )
    colleague = DeputyFactory(region=world.county_a, name="钱代表")
    StationMembershipFactory(deputy=colleague, station=station)
    day = timezone.localdate() + dt.timedelta(days=2)
    duty_request_create(
        deputy=world.deputy_a,
        body={
            "kind": "leave",
            "station_id": station.id,
            "date": day.isoformat(),
            "reason": "外出开会",
        },
    )
    return day.isoformat()


def test_staff_edit_the_rota_and_approve_leave_on_a_phone(open_page, world):
    day = in_worker_thread(_scene, world)
    station = world.station_a
    page = open_page(
        f"/stations/duty/?region=430121&station={station.id}&month={day[:7]}",
        viewport=PHONE,
        username="staff-a",
    )
    page.wait_for_function("Number(document.getElementById('duty-page').dataset.ready) >= 1")
    assert page.locator("#duty-station option:checked").inner_text() == "星沙联络站"
    # The rota of the day: both members; the pending request waits.
    rota_day = page.locator(f"#duty-rota li[data-date='{day}']")
    assert sorted(rota_day.locator(".duty-chip").all_inner_texts())[0].startswith("张代表")
    assert rota_day.locator(".duty-chip").count() == 2
    request = page.locator("#duty-requests-list li[data-status=pending]")
    assert request.count() == 1 and "外出开会" in request.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "staff-duty")

    # Approve: the request leaves the list, the chip shows the leave.
    request.locator("button[data-decision=approve]").click()
    page.wait_for_selector("#duty-requests-list li.muted")
    page.wait_for_selector(f"#duty-rota li[data-date='{day}'] .duty-chip.leave")
    status = in_worker_thread(lambda: DutyRequest.objects.get().status)
    assert status == "approved"

    # Remove 钱代表 from that day.
    colleague = page.locator(f"#duty-rota li[data-date='{day}'] .duty-chip", has_text="钱代表")
    colleague.locator("button").click()
    page.wait_for_function(
        "d => document.querySelectorAll(`#duty-rota li[data-date='${d}'] .duty-chip`).length === 1",
        arg=day,
    )
    # Add him back through the day's select.
    page.locator(f"#duty-rota li[data-date='{day}'] .duty-add button").click()
    page.wait_for_function(
        "d => document.querySelectorAll(`#duty-rota li[data-date='${d}'] .duty-chip`).length === 2",
        arg=day,
    )

    # Preview an unsaved rule: 逢六 → ten dates ending in 6.
    page.select_option("#duty-rule-form select[name=kind]", "day_digit")
    page.fill("#duty-rule-form input[name=digit]", "6")
    page.click("#duty-preview")
    page.wait_for_function(
        "() => [...document.querySelectorAll('#duty-preview-list li')]"
        ".every(li => li.dataset.date.endsWith('6'))"
    )
    assert page.locator("#duty-preview-list li").count() == 10
    # The attendance table lists both deputies.
    assert page.locator("#duty-att-table tbody tr").count() == 2

    # The rota's size: out of range the form refuses it (and the API would:
    # station.invalid_deputies_per_day); 1 a day is saved and shown back.
    page.select_option("#duty-rule-form select[name=kind]", "weekdays")
    size = "#duty-rule-form input[name=deputies_per_day]"
    page.fill(size, "0")
    page.click("#duty-rule-save")
    assert page.eval_on_selector(size, "el => el.validity.rangeUnderflow")
    unsaved = in_worker_thread(lambda: DutyRule.objects.get(station=station).deputies_per_day)
    assert unsaved is None
    page.fill(size, "1")
    page.click("#duty-rule-save")
    page.wait_for_function(
        "() => document.querySelectorAll('#duty-rota li .duty-chip').length"
        " < document.querySelectorAll('#duty-rota li').length * 2"
    )
    saved = in_worker_thread(lambda: DutyRule.objects.get(station=station).deputies_per_day)
    assert saved == 1
    assert page.input_value(size) == "1"
