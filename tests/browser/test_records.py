"""The deputy's record and points screen (#record) of the phone app in real Chromium at 390×844:
the numbers match the API, an approved staff entry counts, a line can be contested."""

from django.utils import timezone

from backend.accounts.access import jurisdiction_of
from backend.accounts.models import Role
from backend.performance import services
from backend.performance.models import PointDispute
from tests.browser.conftest import in_worker_thread
from tests.browser.test_phone_app import (  # noqa: F401  (the phone fixture)
    api_get,
    app_login,
    no_horizontal_scroll,
    phone,
    screenshot,
)
from tests.factories import UserFactory


def _approved_speech(world) -> None:
    """A speech entered by one staff member and verified by another (four eyes)."""
    reviewer = UserFactory(username="staff-a2", role=Role.STAFF, jurisdiction=world.county_a)
    entry = services.entry_create(
        jurisdiction=jurisdiction_of(world.staff_a),
        actor=world.staff_a,
        deputy_id=world.deputy_a.id,
        fields={
            "item": "speech",
            "occurred_on": timezone.localdate().isoformat(),
            "description": "县人代会审议发言",
            "evidence": "大会秘书处记录",
        },
    )
    services.entry_transition(
        jurisdiction=jurisdiction_of(reviewer), actor=reviewer, entry_id=entry.id, action="verify"
    )


def test_the_deputy_sees_record_and_points_and_contests_a_line(phone, world):  # noqa: F811
    in_worker_thread(_approved_speech, world)
    page = phone()
    app_login(page)
    page.click("#record-link")
    page.wait_for_selector("#record[data-total]")
    data = api_get(page, "me/record")
    assert page.locator("#record").get_attribute("data-total") == str(data["points"]["total"])
    assert page.locator("#points-total").inner_text() == f"{data['points']['total']} 分"
    speech = page.locator("#record-items li[data-item=speech]")
    assert speech.get_attribute("data-met") == "true"
    assert "审议发言" in speech.inner_text()
    households = page.locator("#record-items li[data-item=households]")
    assert households.get_attribute("data-met") == "false"  # far below 50
    lines = page.locator("#point-lines li[data-points]")
    assert lines.count() == len(data["points"]["lines"])
    assert (
        sum(int(x) for x in lines.evaluate_all("els => els.map(e => e.dataset.points)"))
        == (data["points"]["total"])
    )
    no_horizontal_scroll(page)
    screenshot(page, "phone-record")

    first = page.locator("#point-lines li[data-item=visit]").first
    ref = first.get_attribute("data-ref")
    first.locator("button.contest").click()
    first.locator("textarea[name=reason]").fill("这次走访是两户")
    first.locator("button[type=submit]").click()
    page.wait_for_selector(
        f"#point-lines li[data-ref='{ref}'][data-item=visit] [data-dispute=open]"
    )
    disputes = in_worker_thread(lambda: list(PointDispute.objects.values_list("ref", "reason")))
    assert disputes == [(int(ref), "这次走访是两户")]
