"""The staff and leaders' record pages (/records/, /records/<id>/) in real Chromium on a 390×844
phone: open the league, open a deputy, enter an event as one staff member (who may not verify
it: the service's error is shown), verify it as another, see the points and progress change,
resolve a dispute the deputy raised; the leader reads with no forms."""

from django.utils import timezone

from backend.accounts.models import Role
from backend.performance import services
from backend.performance.models import EntryStatus, PointDispute, RecordEntry
from tests.browser.conftest import PHONE, in_worker_thread
from tests.browser.test_phone_app import screenshot
from tests.factories import UserFactory


def no_horizontal_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def total(page) -> int:
    return int(page.locator("#points-total").get_attribute("data-total"))


def test_staff_enter_verify_and_resolve_on_a_phone(open_page, world):
    UserFactory(username="staff-a2", role=Role.STAFF, jurisdiction=world.county_a)
    deputy = world.deputy_a
    page = open_page("/records/?region=430121", viewport=PHONE, username="staff-a")
    page.wait_for_selector("#rec-league")
    row = page.locator(f"#rec-league li[data-deputy='{deputy.id}']")
    assert "张代表" in row.inner_text()
    assert row.get_attribute("data-band") == "low"  # far below the 12345 targets: not green
    assert page.locator(f"#rec-league li[data-deputy='{world.deputy_b.id}']").count() == 0
    points_before = int(row.get_attribute("data-points"))
    assert page.locator("a.active", has_text="履职档案").count() == 1
    no_horizontal_scroll(page)
    screenshot(page, "records-league-phone")

    # Open the deputy: targets, points total → its lines.
    row.locator("a.rec-name").click()
    page.wait_for_url(f"**/records/{deputy.id}/?year=*")
    assert total(page) == points_before
    speech = page.locator("#rec-targets li[data-item=speech]")
    assert (speech.get_attribute("data-verified"), speech.get_attribute("data-met")) == (
        "0",
        "false",
    )
    assert not page.locator("#points-total .rec-lines").first.is_visible()
    page.click("#points-total > summary")
    visits = page.locator("#points-total li[data-source=visit][data-item=visit]")
    assert visits.first.is_visible()
    shown = page.locator("#points-total li[data-points]").evaluate_all(
        "els => els.reduce((s, e) => s + Number(e.dataset.points), 0)"
    )
    assert shown == points_before

    # Staff A enters a speech at the congress, with its evidence.
    page.select_option("#entry-form select[name=item]", "speech")
    page.fill("#entry-form textarea[name=description]", "县人代会分组审议发言")
    page.fill("#entry-form textarea[name=evidence]", "大会秘书处简报第 3 期")
    page.click("#entry-form button[type=submit]")
    entry_row = page.locator("#rec-entries li[data-status=entered]")
    entry_row.wait_for()
    entry = in_worker_thread(lambda: RecordEntry.objects.get())
    assert (entry.item, entry.status, entry.entered_by.username) == ("speech", "entered", "staff-a")
    assert total(page) == points_before  # not verified: counts nothing yet

    # The one who entered it may not verify it: the service's error is shown, nothing changes.
    entry_row.locator("button[value=verify]").click()
    error = entry_row.locator(".life-error")
    error.wait_for()
    assert error.inner_text() == "录入或核实这条登记的人不能再审批它。"
    assert entry_row.locator("form").get_attribute("data-error-code") == "record_entry.self_review"
    assert in_worker_thread(lambda: RecordEntry.objects.get().status) == EntryStatus.ENTERED
    no_horizontal_scroll(page)

    # Another staff member verifies it from the review queue on the league page.
    other = open_page("/records/?region=430121", viewport=PHONE, username="staff-a2")
    queued = other.locator(f"#rec-queue li[data-id='{entry.id}']")
    assert "县人代会分组审议发言" in queued.inner_text()
    queued.locator("input[name=note]").fill("与简报核对无误")
    queued.locator("button[value=verify]").click()
    other.wait_for_selector(f"#rec-queue li[data-id='{entry.id}'][data-status=verified]")
    assert in_worker_thread(lambda: RecordEntry.objects.get().status) == EntryStatus.VERIFIED
    league_row = other.locator(f"#rec-league li[data-deputy='{deputy.id}']")
    assert int(league_row.get_attribute("data-points")) == points_before + 10

    # The deputy's page shows the points and the progress changed.
    page.reload()
    assert total(page) == points_before + 10
    speech = page.locator("#rec-targets li[data-item=speech]")
    assert (speech.get_attribute("data-verified"), speech.get_attribute("data-met")) == (
        "1",
        "true",
    )
    assert speech.locator(".minibar span.band-met").count() == 1
    line = page.locator(f"#line-entry-{entry.id}-speech")
    assert line.get_attribute("data-points") == "10"
    assert "与简报核对无误" in page.inner_text(f"#rec-entries li[data-id='{entry.id}']")

    # The deputy contests the line (as the phone does, through the service) …
    dispute = in_worker_thread(
        services.dispute_open,
        deputy=deputy,
        actor=deputy.user,
        year=timezone.localdate().year,
        fields={"source": "entry", "ref": entry.id, "item": "speech", "reason": "发言两次"},
    )
    other.reload()
    open_row = other.locator(f"#rec-disputes li[data-id='{dispute.id}']")
    assert "发言两次" in open_row.inner_text()
    # … upheld without the corrected points: the page says so, nothing is sent.
    open_row.locator("input[value=upheld]").check()
    open_row.locator("textarea[name=note]").fill("核实为两次发言")
    open_row.locator("button[type=submit]").click()
    assert open_row.locator(".life-error").inner_text() == "请填写更正后的积分。"
    open_row.locator("input[name=adjusted_points]").fill("20")
    open_row.locator("button[type=submit]").click()
    other.wait_for_selector(
        f"#rec-resolved li[data-id='{dispute.id}'][data-status=upheld]", state="attached"
    )
    resolved = in_worker_thread(lambda: PointDispute.objects.get())
    assert (resolved.status, resolved.adjusted_points) == ("upheld", 20)
    assert other.locator("#dispute-count").inner_text() == "0"

    page.reload()
    assert total(page) == points_before + 20
    assert page.locator(f"#line-entry-{entry.id}-speech").get_attribute("data-points") == "20"
    history = page.inner_text(f"#rec-disputes li[data-id='{dispute.id}']")
    assert "发言两次" in history and "核实为两次发言" in history and "staff-a2" in history
    page.click("#points-total > summary")
    no_horizontal_scroll(page)
    screenshot(page, "records-deputy-phone")


def test_the_leader_reads_without_forms(open_page, world):
    page = open_page("/records/?region=430121", viewport=PHONE, username="leader-a")
    page.wait_for_selector("#rec-league")
    assert page.locator("form.rec-form").count() == 0
    page.click(f"#rec-league li[data-deputy='{world.deputy_a.id}'] a.rec-name")
    page.wait_for_selector("#points-total")
    assert page.locator("form.rec-form").count() == 0
    assert page.locator("#entry-form").count() == 0
    # another county's deputy is a 404
    response = page.goto(page.url.split("/records/")[0] + f"/records/{world.deputy_b.id}/")
    assert response.status == 404
    no_horizontal_scroll(page)
