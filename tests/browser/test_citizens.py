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

CSP = "Content Security Policy"


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


def _phone_context(browser, **options):
    context = browser.new_context(viewport=PHONE, locale="zh-CN", **options)
    page = context.new_page()
    page.set_default_timeout(20_000)
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if CSP in msg.text else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    return context, page, problems


def _send(page) -> None:
    page.fill("#f-captcha", _captcha_answer(page.input_value("#f-captcha-key")))
    page.click("#f-submit")


def test_a_point_picked_on_the_small_map(browser, live_server_url, world):
    """The QR page's small map (Leaflet, under the strict CSP): the county's outline and the
    station; the citizen taps a place inside it and the opinion is stored there."""
    _clear_intake_limits()
    station = world.station_a
    context, page, problems = _phone_context(browser)
    try:
        page.goto(f"{live_server_url}/s/station/{station.id}/")
        assert page.locator("#f-map").is_hidden()
        page.click("#f-pick")
        page.wait_for_selector("#f-map[data-ready='1']", state="attached")
        assert page.locator("#f-map svg path").count() >= 1  # the outline
        page.locator("#f-map").click()  # the middle of the map: inside the county's outline
        page.wait_for_selector("#f-map:not([data-picked=''])")
        assert "已在地图上选点" in page.locator("#f-locate-status").inner_text()
        assert page.locator("#f-clear").is_visible()
        page.fill("#f-text", "这里的井盖丢了。")
        page.locator("#f-pick").evaluate("e => e.closest('fieldset').scrollIntoView()")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        screenshot(page, "citizen-point-picker-phone")
        lat, lon = (float(v) for v in page.get_attribute("#f-map", "data-picked").split(","))
        _send(page)
        page.wait_for_selector("#done:not([hidden])")
        code = page.locator("#done-code").inner_text()
        opinion = in_worker_thread(
            lambda: (
                CitizenSubmission.objects.select_related("opinion").get(tracking_code=code).opinion
            )
        )
        assert (round(opinion.location.x, 5), round(opinion.location.y, 5)) == (
            round(lon, 5),
            round(lat, 5),
        )
        assert world.county_a.boundary.contains(opinion.location)
        assert opinion.county_adcode == "430121"
    finally:
        context.close()
    assert problems == []


def test_a_position_outside_the_area_is_refused_and_can_be_dropped(browser, live_server_url, world):
    """The phone's position (granted) lies in Beijing: the server refuses it with a clear
    message; the citizen sends without a place."""
    _clear_intake_limits()
    context, page, problems = _phone_context(
        browser, geolocation={"latitude": 39.909, "longitude": 116.397}, permissions=["geolocation"]
    )
    try:
        page.goto(f"{live_server_url}/s/station/{world.station_a.id}/")
        page.click("#f-locate")
        page.wait_for_selector("#f-clear:not([hidden])")
        page.fill("#f-text", "路灯坏了。")
        _send(page)
        page.wait_for_selector("#f-error:not([hidden])")
        assert "不在长沙县范围内" in page.locator("#f-error").inner_text()
        page.click("#f-clear")
        assert page.locator("#f-clear").is_hidden()
        page.wait_for_load_state("networkidle")  # the page's new challenge has arrived
        _send(page)
        page.wait_for_selector("#done:not([hidden])")
        code = page.locator("#done-code").inner_text()
        opinion = in_worker_thread(
            lambda: (
                CitizenSubmission.objects.select_related("opinion").get(tracking_code=code).opinion
            )
        )
        assert opinion.location is None
    finally:
        context.close()
    assert problems == []
