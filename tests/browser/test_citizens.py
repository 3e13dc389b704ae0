"""The citizens' side of the loop in real Chromium on a 390×844 phone: scan a station's code →
submit without an account (self-hosted challenge) → tracking code → staff forward, start and
answer on /opinions/ → the citizen rates 2 on the tracking page → re-handling → staff answer
again → the citizen rates 4 → closed. The tracking page never shows the phone number.

Screenshots: docs/screenshots/citizen-speak-phone.png, citizen-tracking-phone.png,
citizen-card.png.
"""

import redis
from captcha.models import CaptchaStore

from backend.intake.models import CitizenSubmission
from backend.opinions.models import Opinion, OpinionTransition
from tests.browser.conftest import PHONE, REDIS_URL, in_worker_thread, screenshot


def _clear_intake_limits() -> None:
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter("throttle:*intake:*"):
        client.delete(key)


def _captcha_answer(key: str) -> str:
    return in_worker_thread(lambda: CaptchaStore.objects.get(hashkey=key).response)


def staff_act(page, opinion_id: int, action: str, field: str | None = None, value: str = ""):
    page.locator(f"#op-list .op-row[data-id='{opinion_id}']").click()
    page.wait_for_selector(f"#op-detail[data-id='{opinion_id}']")
    form = page.locator(f"form[data-action={action}]")
    if field:
        form.locator(f"[name={field}]").fill(value)
    form.locator("button[type=submit]").click()


def test_scan_submit_track_rate_rehandle_close(open_page, world):
    _clear_intake_limits()
    station = world.station_a
    citizen = open_page(f"/s/station/{station.id}/", viewport=PHONE)
    assert station.name in citizen.locator("h1").inner_text()
    assert "个人信息保护说明" in citizen.locator(".pub-privacy summary").inner_text()
    citizen.select_option("#f-category", "roads")
    citizen.fill("#f-text", "村口路灯坏了三个月，晚上出行不安全。")
    citizen.fill("#f-phone", "13812345678")
    citizen.check("#f-consent")
    # A wrong answer to the challenge: the page says so and shows a new picture.
    first_key = citizen.input_value("#f-captcha-key")
    citizen.fill("#f-captcha", "WRONG")
    citizen.click("#f-submit")
    citizen.wait_for_selector("#f-error:not([hidden])")
    assert "不匹配" in citizen.locator("#f-error").inner_text()
    citizen.wait_for_function(f"document.getElementById('f-captcha-key').value !== '{first_key}'")
    citizen.fill("#f-captcha", _captcha_answer(citizen.input_value("#f-captcha-key")))
    width = citizen.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]  # nothing wider than the phone
    screenshot(citizen, "citizen-speak-phone")
    citizen.click("#f-submit")
    citizen.wait_for_selector("#done:not([hidden])")
    code = citizen.locator("#done-code").inner_text()
    assert len(code) == 12
    submission = in_worker_thread(
        lambda: CitizenSubmission.objects.select_related("opinion").get(tracking_code=code)
    )
    opinion_id = submission.opinion_id
    assert (submission.opinion.station_id, submission.opinion.status) == (station.id, "registered")

    citizen.click("#done-link")
    citizen.wait_for_selector("#t-status[data-status=registered]")
    assert citizen.locator("#t-code").inner_text() == code

    staff = open_page("/opinions/", username="staff-a")
    staff.wait_for_selector(f"#op-list .op-row[data-id='{opinion_id}']")
    staff_act(staff, opinion_id, "forward", "handler", "县城管局")
    staff.wait_for_selector(f"#op-detail[data-id='{opinion_id}'][data-status=forwarded]")
    staff_act(staff, opinion_id, "start")
    staff.wait_for_selector(f"#op-detail[data-id='{opinion_id}'][data-status=handling]")
    staff_act(staff, opinion_id, "answer", "answer", "已安排维修，本周内修复。")
    staff.wait_for_selector(f"#op-detail[data-id='{opinion_id}'][data-status=answered]")

    citizen.reload()
    citizen.wait_for_selector("#t-status[data-status=answered]")
    assert "已安排维修" in citizen.locator("#t-answer").inner_text()
    assert "13812345678" not in citizen.content() and "5678" not in citizen.content()
    assert "县城管局" in citizen.locator("#t-handler").inner_text()
    citizen.check("#rate-form input[name=rating][value='2']")
    citizen.fill("#r-comment", "路灯还是不亮")
    citizen.click("#r-submit")
    citizen.wait_for_selector("#t-status[data-status=rehandling]")
    assert citizen.locator("#rate-form").count() == 0
    assert citizen.locator("#t-due").count() == 1  # a new deadline for the re-handling

    staff.reload()
    staff.wait_for_selector(f"#op-list .op-row[data-id='{opinion_id}'][data-status=rehandling]")
    staff_act(staff, opinion_id, "answer", "answer", "更换了整条线路，已恢复照明。")
    staff.wait_for_selector(f"#op-detail[data-id='{opinion_id}'][data-status=answered]")

    citizen.reload()
    citizen.wait_for_selector("#t-status[data-status=answered]")
    citizen.check("#rate-form input[name=rating][value='4']")
    citizen.click("#r-submit")
    citizen.wait_for_selector("#t-status[data-status=closed]")
    assert "4 / 5" in citizen.locator("#t-rating").inner_text()
    screenshot(citizen, "citizen-tracking-phone")

    opinion = in_worker_thread(lambda: Opinion.objects.get(id=opinion_id))
    assert (opinion.status, opinion.rating) == ("closed", 4)
    rates = in_worker_thread(
        lambda: list(
            OpinionTransition.objects.filter(opinion_id=opinion_id, action="rate")
            .order_by("id")
            .values_list("rating", "rating_via", "by_id")
        )
    )
    assert rates == [(2, "tracking", None), (4, "tracking", None)]

    card = open_page(f"/intake/card/station/{station.id}/", username="staff-a")
    assert card.locator("#qr-card svg").count() == 1
    assert station.name in card.locator("#qr-card h1").inner_text()
    screenshot(card, "citizen-card")
