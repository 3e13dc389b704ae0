"""The phone's 值班 screen in real Chromium on a 390×844 phone: the year's attendance from
check-ins and approved leave, duty days ahead with leave and swap requests (online only, the
text kept offline), withdrawing a request, staff approving a swap (the day leaves the list),
past days, and the deliberation days (议事) the deputy is invited to, from home."""

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from backend.accounts.access import jurisdiction_of
from backend.liaison.models import (
    DutyRequest,
    DutyRequestKind,
    DutyRequestStatus,
    RotaAction,
    RotaChange,
    RuleKind,
)
from backend.liaison.rhythm import DutyRuleSpec
from backend.liaison.services import duty_request_decide, duty_rule_set
from backend.stationlife.models import ActionItem, Deliberation, DeliberationTopic
from backend.visits.services import checkin_record
from tests.browser.conftest import in_worker_thread
from tests.browser.test_phone_app import (  # noqa: F401  (the phone fixture)
    app_login,
    go_offline,
    go_online,
    no_horizontal_scroll,
    phone,
    screenshot,
)
from tests.factories import DeputyFactory, StationMembershipFactory, UserFactory


def local_at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


@pytest.fixture
def duty_world(world):
    """张代表 on duty every day at 星沙联络站 (09:00-17:00) for the last ten days and ahead:
    present on days -3 and -2 (a check-in at the station at 10:00), approved leave on day -1,
    absent before; a colleague 陈代表; a deliberation day in five days with a chosen topic and
    a held one a month ago with an overdue action."""
    today = timezone.localdate()
    station = world.station_a
    in_worker_thread(
        duty_rule_set,
        station=station,
        spec=DutyRuleSpec(kind=RuleKind.WEEKDAYS, weekdays=tuple(range(7))),
    )
    station.memberships.filter(deputy=world.deputy_a).update(since=today - dt.timedelta(days=10))
    colleague = DeputyFactory(
        region=world.county_a, name="陈代表", user=UserFactory(username="deputy-c")
    )
    StationMembershipFactory(deputy=colleague, station=station)
    free_day = today + dt.timedelta(days=2)  # staff took 陈代表 off that day: free to swap in
    RotaChange.objects.create(
        station=station, deputy=colleague, day=free_day, action=RotaAction.REMOVE
    )
    for offset in (3, 2):
        when = local_at(today - dt.timedelta(days=offset), 10)
        in_worker_thread(
            checkin_record,
            deputy=world.deputy_a,
            station=station,
            client_uuid=uuid.uuid4(),
            lon=station.location.x,
            lat=station.location.y,
            accuracy_m=5.0,
            recorded_at=when,
            received_at=when + dt.timedelta(minutes=1),
        )
    DutyRequest.objects.create(
        kind=DutyRequestKind.LEAVE,
        deputy=world.deputy_a,
        station=station,
        day=today - dt.timedelta(days=1),
        reason="住院",
        status=DutyRequestStatus.APPROVED,
        decided_at=timezone.now(),
    )
    fields = {"station": station, "adcode": "430121", "county_adcode": "430121"}
    ahead = Deliberation.objects.create(
        date=today + dt.timedelta(days=5), place="社区议事厅", **fields
    )
    ahead.deputies.add(world.deputy_a)
    DeliberationTopic.objects.create(
        deliberation=ahead, title="老旧小区加装电梯", importance=5, urgency=4, impact=4, chosen=True
    )
    held = Deliberation.objects.create(date=today - dt.timedelta(days=30), status="held", **fields)
    held.deputies.add(world.deputy_a)
    ActionItem.objects.create(
        deliberation=held,
        adcode="430121",
        county_adcode="430121",
        text="修复积水路段",
        owner="镇村建办",
        due_on=today - dt.timedelta(days=3),
    )
    world.colleague = colleague
    world.free_day = free_day.isoformat()
    return world


def open_duty(page) -> None:
    page.click("#duty-link")
    page.wait_for_function("() => document.body.dataset.screen === 'duty'")
    page.wait_for_selector("#duty-screen[data-fresh='true']")
    page.wait_for_selector("#deliberation-list")


def upcoming_rows(page):
    return page.locator("#duty-ahead > li[data-status='upcoming']")


def test_duty_screen_attendance_requests_and_deliberations(phone, duty_world):  # noqa: F811
    page = phone()
    app_login(page)
    nxt = page.locator("#next-deliberation")
    assert "星沙联络站" in nxt.inner_text() and "议事" in nxt.inner_text()
    open_duty(page)
    att = page.locator("#attendance")
    assert att.get_attribute("data-present") == "2"
    assert att.get_attribute("data-excused") == "1"
    # days -10..-4 absent; today counts once its hours are over (or after midnight mid-test)
    assert att.get_attribute("data-absent") in {"7", "8", "9"}
    assert "出勤率" in page.inner_text("#attendance-rate")
    past = page.locator("#duty-past > li")
    statuses = past.evaluate_all("rows => rows.map(r => r.dataset.status)")
    assert statuses.count("present") == 2 and statuses.count("excused") == 1
    assert page.locator("#duty-past > li[data-status='excused'] .badge").inner_text() == "已准假"
    no_horizontal_scroll(page)
    ahead = page.locator("#duty-ahead > li")
    assert ahead.count() > 8 and page.locator("#duty-ahead > li:visible").count() == 8
    page.click("#duty-ahead-more")
    assert page.locator("#duty-ahead > li:visible").count() == ahead.count()

    # Deliberation days: the invited one ahead first with its topic, the held one's overdue action.
    rows = page.locator("#deliberation-list > li")
    assert rows.count() == 2
    assert rows.nth(0).get_attribute("data-upcoming") == "true"
    assert "老旧小区加装电梯" in rows.nth(0).inner_text()
    assert rows.nth(1).locator("[data-overdue='true']").inner_text().startswith("修复积水路段")

    # Leave for the first day ahead, then withdraw it.
    first = upcoming_rows(page).nth(0)
    day_one = first.get_attribute("data-date")
    first.locator("[data-action=leave]").click()
    first.locator("textarea[name=reason]").fill("外出开会")
    first.locator("form button[type=submit]").click()
    page.wait_for_selector("#duty-requests > li[data-status='pending'][data-kind='leave']")
    asked = DutyRequest.objects.get(deputy=duty_world.deputy_a, status="pending")
    assert (asked.kind, asked.day.isoformat(), asked.reason) == ("leave", day_one, "外出开会")
    assert "待工作人员审批" in page.locator(f"#duty-ahead > li[data-date='{day_one}']").inner_text()
    page.click("#duty-requests > li[data-status='pending'] [data-action=withdraw]")
    page.wait_for_selector("#duty-requests > li[data-status='withdrawn']")
    asked.refresh_from_db()
    assert asked.status == "withdrawn"

    # Offline: the request is not sent and the text stays in the form.
    context = page.context
    go_offline(context)
    row = upcoming_rows(page).nth(1)
    row.locator("[data-action=leave]").click()
    row.locator("textarea[name=reason]").fill("家中有事")
    row.locator("form button[type=submit]").click()
    assert "需要联网" in row.locator("form [role=alert]").inner_text()
    assert row.locator("textarea[name=reason]").input_value() == "家中有事"
    assert DutyRequest.objects.filter(deputy=duty_world.deputy_a).count() == 2
    go_online(context)

    # A swap on a day 陈代表 is free (on the others no colleague can take it), approved by
    # staff: the day leaves the deputy's list.
    page.reload()
    page.wait_for_selector("#duty-screen[data-fresh='true']")
    busy = upcoming_rows(page).nth(3)
    busy.locator("[data-action=swap]").click()
    assert "没有可以代班" in busy.locator("form [role=alert]").inner_text()
    day_two = duty_world.free_day
    row = page.locator(f"#duty-ahead > li[data-date='{day_two}']")
    row.locator("[data-action=swap]").click()
    assert row.locator("select[name=substitute_id] option").all_inner_texts() == ["陈代表"]
    row.locator("textarea[name=reason]").fill("出差")
    row.locator("form button[type=submit]").click()
    page.wait_for_selector("#duty-requests > li[data-status='pending'][data-kind='swap']")
    assert "由 陈代表 代班" in page.inner_text("#duty-requests > li[data-kind='swap']")
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "phone-duty")
    swap = DutyRequest.objects.get(deputy=duty_world.deputy_a, kind="swap")
    in_worker_thread(
        duty_request_decide,
        jurisdiction=jurisdiction_of(duty_world.staff_a),
        actor=duty_world.staff_a,
        request_id=swap.id,
        body={"decision": "approve", "note": "同意"},
    )
    page.reload()
    page.wait_for_selector("#duty-screen[data-fresh='true']")
    page.wait_for_selector("#duty-requests > li[data-status='approved'][data-kind='swap']")
    assert "工作人员意见：同意" in page.inner_text("#duty-requests > li[data-kind='swap']")
    assert page.locator(f"#duty-ahead > li[data-date='{day_two}']").count() == 0
    no_horizontal_scroll(page)
