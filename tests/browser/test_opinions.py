"""The opinion work list /opinions/ (意见办理) in real Chromium: staff forward an opinion and see
its status change without a reload; an API error shows in the page's message area.

Screenshots: docs/screenshots/opinions-desktop.png and opinions-phone.png.
"""

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from backend.accounts.access import jurisdiction_of
from backend.opinions.escalation import opinions_escalate_overdue
from backend.opinions.models import Opinion
from backend.opinions.services import opinion_create, opinion_transition
from tests.browser.conftest import PHONE, in_worker_thread, screenshot

ROWS = "#op-list .op-row"


def transition_as(actor, **fields):
    """opinion_transition by `actor`, with the actor's Jurisdiction (in the worker thread)."""
    return opinion_transition(jurisdiction=jurisdiction_of(actor), actor=actor, **fields)


def row(page, opinion_id: int):
    return page.locator(f"{ROWS}[data-id='{opinion_id}']")


@pytest.fixture
def opinions(world):
    """On top of the world's three water opinions: one about a road with the citizen's phone
    number, and one forwarded ten days ago (overdue)."""
    now = timezone.now()
    (w, s, e, n) = world.cells_a[1].boundary.extent
    road = in_worker_thread(
        opinion_create,
        deputy=world.deputy_a,
        client_uuid=uuid.uuid4(),
        category="roads",
        text="村口道路坑洼严重，雨天积水，群众出行不便，希望尽快修补。",
        recorded_at=now - dt.timedelta(hours=5),
        lon=(w + e) / 2,
        lat=(s + n) / 2,
        contact_consent=True,
        citizen_contact="13812345678",
    ).opinion
    late = in_worker_thread(
        opinion_create,
        deputy=world.deputy_a,
        client_uuid=uuid.uuid4(),
        category="health",
        text="卫生室周末不开门，老人看病要跑到镇上。",
        recorded_at=now - dt.timedelta(days=11),
        lon=(w + e) / 2 + 0.002,
        lat=(s + n) / 2,
        received_at=now - dt.timedelta(days=11),
    ).opinion
    in_worker_thread(
        transition_as,
        actor=world.staff_a,
        opinion_id=late.id,
        action="forward",
        handler="县卫生健康局",
        at=now - dt.timedelta(days=10),
    )
    return {"road": road, "late": late}


def test_staff_forward_an_opinion_and_see_it_change_without_reload(open_page, world, opinions):
    road, late = opinions["road"], opinions["late"]
    # The county leader watches the dashboard meanwhile: the step reaches its live feed.
    dashboard = open_page("/dashboard/", username="leader-a")
    dashboard.wait_for_function("document.body.dataset.live === 'live'")
    page = open_page("/opinions/", username="staff-a")
    assert page.url.endswith("/opinions/")
    assert page.locator("h1").inner_text() == "意见办理"
    page.wait_for_function("document.querySelectorAll('#op-list .op-row').length === 5")
    page.evaluate("window.__sameDocument = true")

    # Overdue first, with its badge; the road opinion's contact masked.
    first = page.locator(ROWS).first
    assert first.get_attribute("data-id") == str(late.id)
    assert "逾期" in first.locator(".op-overdue").inner_text()
    assert "已转办" in first.inner_text()
    assert "*******5678" in row(page, road.id).inner_text()
    assert "星沙街道 · A-01" in row(page, road.id).inner_text()
    assert page.locator("[data-count=registered]").inner_text() == "4"
    assert page.locator("[data-count=overdue]").inner_text() == "1"

    # Forwarding without a department: the API's error, in Chinese, in the message area.
    row(page, road.id).click()
    page.wait_for_selector(f"#op-detail[data-id='{road.id}']")
    assert page.locator("#op-d-contact").inner_text() == "*******5678"
    forward = page.locator("form[data-action=forward]")
    assert forward.is_visible()
    assert not page.locator("form[data-action=answer]").is_visible()
    forward.locator("button[type=submit]").click()
    page.wait_for_selector("#op-message.error")
    assert page.locator("#op-message").inner_text().startswith("操作失败")

    forward.locator("input[name=handler]").fill("县交通运输局")
    forward.locator("button[type=submit]").click()
    page.wait_for_selector(f"{ROWS}[data-id='{road.id}'][data-status=forwarded]")
    assert row(page, road.id).locator(".op-status").inner_text() == "已转办"
    assert page.locator("#op-d-status").inner_text() == "已转办"
    assert page.locator("#op-d-handler").inner_text() == "县交通运输局"
    assert "转办" in page.locator("#op-d-history").inner_text()
    page.wait_for_function(
        "document.querySelector('[data-count=registered]').textContent === '3'"
        " && document.querySelector('[data-count=forwarded]').textContent === '2'"
    )
    assert page.locator("form[data-action=start]").is_visible()
    assert not forward.is_visible()
    assert page.evaluate("window.__sameDocument") is True  # no reload happened
    road.refresh_from_db()
    assert (road.status, road.handler) == ("forwarded", "县交通运输局")
    dashboard.wait_for_selector("#feed li[data-event=handled]")
    assert "已转办" in dashboard.locator("#feed li[data-event=handled]").inner_text()
    screenshot(page, "opinions-desktop")

    phone = open_page("/opinions/", viewport=PHONE, username="staff-a")
    phone.wait_for_function("document.querySelectorAll('#op-list .op-row').length === 5")
    screenshot(phone, "opinions-phone")
    # Narrow screen: the detail stacks under the list, full width.
    row(phone, road.id).click()
    phone.wait_for_selector(f"#op-detail[data-id='{road.id}']")
    detail, rows = (
        phone.locator("#op-detail").bounding_box(),
        phone.locator("#op-list").bounding_box(),
    )
    assert detail["y"] >= rows["y"] + rows["height"]
    assert detail["width"] == PHONE["width"]


def test_a_re_render_keeps_what_staff_are_typing(open_page, world, opinions):
    """Re-selecting the opinion (or a live event for it) redraws the detail; the half-typed
    department must survive it: the forms are cleared only when the opinion or status changes."""
    road = opinions["road"]
    page = open_page("/opinions/", username="staff-a")
    row(page, road.id).click()
    page.wait_for_selector(f"#op-detail[data-id='{road.id}'][data-status=registered]")
    handler = page.locator("form[data-action=forward] [name=handler]")
    handler.fill("县交通运输局")
    renders = int(page.locator("#op-detail").get_attribute("data-renders"))
    row(page, road.id).click()
    page.wait_for_function(
        f"Number(document.getElementById('op-detail').dataset.renders) > {renders}"
    )
    assert handler.input_value() == "县交通运输局"
    page.locator("form[data-action=forward] button[type=submit]").click()
    page.wait_for_selector(f"#op-detail[data-id='{road.id}'][data-status=forwarded]")
    assert Opinion.objects.get(id=road.id).handler == "县交通运输局"


def test_leaders_see_the_list_without_actions(open_page, world, opinions):
    page = open_page("/opinions/", username="leader-a")
    page.wait_for_function("document.querySelectorAll('#op-list .op-row').length === 5")
    row(page, opinions["late"].id).click()
    page.wait_for_selector(f"#op-detail[data-id='{opinions['late'].id}']")
    assert page.locator("#op-d-handler").inner_text() == "县卫生健康局"
    assert page.locator("#op-detail form").count() == 0
    assert Opinion.objects.get(id=opinions["late"].id).status == "forwarded"


def test_department_account_answers_and_the_station_reviews(open_page, world, opinions):
    """Graded handling on the page: staff forward to a department record; that department's
    account (on a phone) sees only it, starts and answers; the answer waits for the station's
    review, which approves it. The overdue opinion carries its SLA state."""
    from backend.accounts.models import Role
    from backend.opinions.models import Department
    from tests.factories import UserFactory

    road, late = opinions["road"], opinions["late"]
    transport = Department.objects.create(county_adcode="430121", name="县交通运输局")
    Department.objects.create(county_adcode="430182", name="别县交通局")  # not offered
    UserFactory(username="dept-a", role=Role.DEPARTMENT, department=transport)

    staff = open_page("/opinions/", username="staff-a")
    staff.wait_for_function("document.querySelectorAll('#op-list .op-row').length === 5")
    assert row(staff, late.id).get_attribute("data-sla") == "overdue"
    assert row(staff, road.id).get_attribute("data-sla") == "due_soon"
    row(staff, road.id).click()
    staff.wait_for_selector(f"#op-detail[data-id='{road.id}']")
    forward = staff.locator("form[data-action=forward]")
    options = forward.locator("select[name=department] option").all_inner_texts()
    assert options[1:] == ["县交通运输局 · 县级承办单位"]
    forward.locator("select[name=department]").select_option(str(transport.id))
    forward.locator("button[type=submit]").click()
    staff.wait_for_selector(f"#op-detail[data-id='{road.id}'][data-status=forwarded]")
    assert staff.locator("#op-d-level").inner_text() == "县级承办单位"
    assert staff.locator("#op-d-handler").inner_text() == "县交通运输局"

    dept = open_page("/opinions/", viewport=PHONE, username="dept-a")
    dept.wait_for_function("document.querySelectorAll('#op-list .op-row').length === 1")
    row(dept, road.id).click()
    dept.wait_for_selector(f"#op-detail[data-id='{road.id}']")
    assert not dept.locator("form[data-action=forward]").is_visible()
    dept.locator("form[data-action=start] button[type=submit]").click()
    dept.wait_for_selector("#op-detail[data-status=handling]")
    answer = dept.locator("form[data-action=answer]")
    answer.locator("textarea[name=answer]").fill("已安排施工队，本周内修补。")
    answer.locator("button[type=submit]").click()
    dept.wait_for_selector("#op-detail[data-status=reviewing]")
    assert dept.locator("#op-no-actions").is_visible()  # the review is the station's
    screenshot(dept, "opinions-department-phone")

    # The station sees the answer waiting (live event) and approves it.
    staff.wait_for_selector(f"#op-detail[data-id='{road.id}'][data-status=reviewing]")
    approve = staff.locator("form[data-action=approve]")
    assert approve.is_visible()
    approve.locator("button[type=submit]").click()
    staff.wait_for_selector(f"#op-detail[data-id='{road.id}'][data-status=answered]")
    assert staff.locator("#op-d-answer").inner_text() == "已安排施工队，本周内修补。"
    road.refresh_from_db()
    assert (road.status, road.department_id, road.level) == ("answered", transport.id, "county")


def test_duplicate_linking_and_overdue_pins(open_page, world, opinions):
    """A second road opinion 55 m from the first: staff see the first as a possible duplicate
    and close the second as its duplicate; the dashboard map pins the overdue opinion."""
    road, late = opinions["road"], opinions["late"]
    now = timezone.now()
    again = in_worker_thread(
        opinion_create,
        deputy=world.deputy_a,
        client_uuid=uuid.uuid4(),
        category="roads",
        text="村口的路还是坑坑洼洼。",
        recorded_at=now - dt.timedelta(hours=1),
        lon=road.location.x,
        lat=road.location.y + 0.0005,
    ).opinion
    dashboard = open_page("/dashboard/", viewport=PHONE, username="leader-a")
    dashboard.wait_for_selector("#map[data-overdue-pins='1']")
    # + the due-soon ones: the world's three water opinions and the two roads (due within 24 h)
    assert dashboard.locator("#map").get_attribute("data-pins") == "6"
    assert late.id

    page = open_page("/opinions/", viewport=PHONE, username="staff-a")
    page.wait_for_function("document.querySelectorAll('#op-list .op-row').length === 6")
    row(page, again.id).click()
    page.wait_for_selector(f"#op-detail[data-id='{again.id}']")
    page.wait_for_selector("#op-similar[data-count='1']")
    similar = page.locator(f"#op-similar-list li[data-similar='{road.id}']")
    assert "55 m" in similar.inner_text() or "56 m" in similar.inner_text()
    similar.locator("button[data-link]").click()
    page.wait_for_selector(f"#op-detail[data-id='{again.id}'][data-status=closed]")
    assert str(road.id) in page.locator("#op-d-duplicate").inner_text()
    again.refresh_from_db()
    assert (again.status, again.duplicate_of_id) == ("closed", road.id)


def test_overdue_badge_and_live_alert_on_the_dashboard(open_page, world, opinions):
    """The dashboard's overdue badge counts the region's overdue opinions; the escalation job's
    alert appears in the live feed and the badge follows without a reload; the badge opens the
    work list filtered to the overdue ones."""
    dashboard = open_page("/dashboard/", viewport=PHONE, username="leader-a")
    dashboard.wait_for_selector("#overdue-badge[data-count='1']")
    dashboard.wait_for_function("document.body.dataset.live === 'live'")
    now = timezone.now()
    unforwarded = in_worker_thread(
        opinion_create,
        deputy=world.deputy_a,
        client_uuid=uuid.uuid4(),
        category="safety",
        text="桥头路灯坏了两天，晚上很黑。",
        recorded_at=now - dt.timedelta(days=2),
        received_at=now - dt.timedelta(days=2),
    ).opinion
    assert in_worker_thread(opinions_escalate_overdue) == 2  # it and the late one
    dashboard.wait_for_function(
        "document.querySelectorAll('#feed li[data-event=overdue]').length === 2"
    )
    dashboard.wait_for_selector("#overdue-badge[data-count='2']")
    assert dashboard.locator("#overdue-count").inner_text() == "2"
    dashboard.locator("#overdue-badge").scroll_into_view_if_needed()
    screenshot(dashboard, "citizen-overdue-dashboard-phone")

    dashboard.locator("#overdue-badge").click()
    dashboard.wait_for_url("**/opinions/**overdue=1**")
    dashboard.wait_for_function("document.querySelectorAll('#op-list .op-row').length === 2")
    assert dashboard.locator("#op-overdue").is_checked()
    assert row(dashboard, unforwarded.id).get_attribute("data-sla") == "overdue"
