"""The citizens' side of the loop in real Chromium on a 390×844 phone. The whole chain on a
server whose clock is set before 春节 2026 (time-machine in the server's process): scan a
station's code → submit without an account (self-hosted challenge) → tracking code → staff
forward to a department → the department's account answers → the station reviews → the citizen
rates 2 → re-handling → rates 4 → closed, every deadline checked against the official calendar
(the 调休 Saturday counted). The tracking page never shows the phone number. Also: a point
picked on the small map, a position outside the code's area refused.

Screenshots: docs/screenshots/citizen-speak-phone.png, citizen-tracking-phone.png,
citizen-card.png, citizen-point-picker-phone.png.
"""

import datetime as dt
import subprocess
import sys
from zoneinfo import ZoneInfo

import pytest
import redis
from captcha.models import CaptchaStore

from backend.accounts.models import Role
from backend.intake.models import CitizenSubmission
from backend.opinions.models import Department, Opinion, OpinionTransition
from bench.server import free_port, uvicorn_argv
from tests.browser.conftest import (
    DESKTOP,
    PHONE,
    REDIS_URL,
    ROOT,
    in_worker_thread,
    login,
    screenshot,
    server_env,
    wait_http,
)
from tests.factories import UserFactory

CSP = "Content Security Policy"


def _clear_intake_limits() -> None:
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter("throttle:*intake:*"):
        client.delete(key)


def _captcha_answer(key: str) -> str:
    return in_worker_thread(lambda: CaptchaStore.objects.get(hashkey=key).response)


TRAVEL = (
    "import datetime, runpy, sys, time_machine;"
    "time_machine.travel(datetime.datetime.fromisoformat(sys.argv[1]), tick=True).start();"
    "sys.argv = ['uvicorn', *sys.argv[2:]];"
    "runpy.run_module('uvicorn', run_name='__main__', alter_sys=True)"
)
# Thursday 12 February 2026, 09:50 in Shanghai: 春节 2026 is 15-23 February off, with Saturday
# 14 February a make-up working day (调休).
BEFORE_SPRING_FESTIVAL = dt.datetime(2026, 2, 12, 9, 50, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def server_at(live_server_url):
    """Start a second server of this run's database whose clock starts at `moment` and runs
    on (time-machine in the server's process: the deadlines are computed where they are in
    production). The browser's clock is left alone; only the server's dates matter here."""
    started: list[subprocess.Popen] = []

    def start(moment: dt.datetime) -> str:
        port = free_port()
        argv = [sys.executable, "-c", TRAVEL, moment.isoformat(), *uvicorn_argv(port)[3:]]
        log = open(ROOT / "var" / "browser-travel-server.log", "wb")  # noqa: SIM115
        proc = subprocess.Popen(argv, cwd=ROOT, env=server_env(), stdout=log, stderr=log)
        started.append(proc)
        url = f"http://127.0.0.1:{port}"
        wait_http(url + "/accounts/login/", 60, proc)
        return url

    yield start
    for proc in started:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def _open(browser, base: str, path: str, viewport=PHONE, username: str | None = None):
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(20_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(f"{page.url}: {exc}"))
    page.on("console", lambda msg: errors.append(msg.text) if CSP in msg.text else None)
    if username:
        page.goto(f"{base}/accounts/login/?next={path}")
        login(page, username)
    else:
        page.goto(base + path)
    return context, page, errors


def _local(value: dt.datetime) -> dt.datetime:
    return value.astimezone(ZoneInfo("Asia/Shanghai"))


def test_scan_submit_track_forward_department_review_rate_rehandle_close(browser, server_at, world):
    """The whole loop across 春节 2026 on the server's clock (Thursday 12 February), with no
    CSP report on any page (no string evaluations here): scan →
    submit → tracking code → staff forward to a department → the department's account answers
    → the station reviews → the citizen rates 2 → re-handling (the department again, the
    station again) → the citizen rates 4 → closed. Every deadline is checked against the
    official calendar: forwarding due in 24 hours (Friday 13); handling 3 working days from
    the forward (Friday 13, Saturday 14 worked as 调休, then Tuesday 24 after the holiday);
    re-handling 3 new working days (also Tuesday 24). No phone number on the tracking page."""
    _clear_intake_limits()
    station = world.station_a
    department = in_worker_thread(
        lambda: Department.objects.create(county_adcode="430121", name="县城管局")
    )
    in_worker_thread(UserFactory, username="dept-a", role=Role.DEPARTMENT, department=department)
    base = server_at(BEFORE_SPRING_FESTIVAL)
    contexts, errors = [], []

    def open_(path, **kwargs):
        context, page, page_errors = _open(browser, base, path, **kwargs)
        contexts.append(context)
        errors.append(page_errors)
        return page

    try:
        citizen = open_(f"/s/station/{station.id}/")
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
        citizen.wait_for_load_state("networkidle")  # the page's new challenge has arrived
        assert citizen.input_value("#f-captcha-key") != first_key
        citizen.fill("#f-captcha", _captcha_answer(citizen.input_value("#f-captcha-key")))
        assert citizen.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        screenshot(citizen, "citizen-speak-phone")
        citizen.click("#f-submit")
        citizen.wait_for_selector("#done:not([hidden])")
        code = citizen.locator("#done-code").inner_text()
        assert len(code) == 12
        submission = in_worker_thread(
            lambda: CitizenSubmission.objects.select_related("opinion").get(tracking_code=code)
        )
        opinion_id = submission.opinion_id
        opinion = submission.opinion
        assert (opinion.station_id, opinion.status) == (station.id, "registered")
        registered = _local(opinion.recorded_at)
        assert registered.date() == dt.date(2026, 2, 12)  # the server's clock
        assert _local(opinion.due_at) == registered + dt.timedelta(hours=24)  # forward in 24 h

        citizen.click("#done-link")
        citizen.wait_for_selector("#t-status[data-status=registered]")
        assert citizen.locator("#t-code").inner_text() == code
        assert citizen.locator("#t-due").inner_text().startswith("2026-02-13")

        # The station forwards it to the department record.
        staff = open_("/opinions/", viewport=DESKTOP, username="staff-a")
        staff.locator(f"#op-list .op-row[data-id='{opinion_id}']").click()
        staff.wait_for_selector(f"#op-detail[data-id='{opinion_id}']")
        forward = staff.locator("form[data-action=forward]")
        forward.locator("select[name=department]").select_option(str(department.id))
        forward.locator("button[type=submit]").click()
        staff.wait_for_selector(f"#op-detail[data-id='{opinion_id}'][data-status=forwarded]")
        forwarded = in_worker_thread(lambda: Opinion.objects.get(id=opinion_id))
        forward_at = _local(
            in_worker_thread(
                lambda: OpinionTransition.objects.get(opinion_id=opinion_id, action="forward").at
            )
        )
        due = _local(forwarded.due_at)
        # Fri 13, Sat 14 (调休, worked), 15-23 off: Tue 24 at the forward's time of day.
        assert (due.date(), due.time()) == (dt.date(2026, 2, 24), forward_at.time())
        assert (forwarded.level, forwarded.department_id) == ("county", department.id)
        citizen.reload()
        assert citizen.locator("#t-due").inner_text().startswith("2026-02-24")
        assert "县城管局" in citizen.locator("#t-handler").inner_text()

        # The department's account (on a phone) sees it, starts and answers.
        dept = open_("/opinions/", username="dept-a")
        dept.locator(f"#op-list .op-row[data-id='{opinion_id}']").click()
        dept.wait_for_selector(f"#op-detail[data-id='{opinion_id}']")
        dept.locator("form[data-action=start] button[type=submit]").click()
        dept.wait_for_selector("#op-detail[data-status=handling]")
        answer = dept.locator("form[data-action=answer]")
        answer.locator("textarea[name=answer]").fill("已安排维修，本周内修复。")
        answer.locator("button[type=submit]").click()
        dept.wait_for_selector("#op-detail[data-status=reviewing]")

        # Under review the citizen does not see the answer yet.
        citizen.reload()
        citizen.wait_for_selector("#t-status[data-status=reviewing]")
        assert citizen.locator("#t-answer").count() == 0

        # The station reviews and approves it.
        staff.reload()
        staff.locator(f"#op-list .op-row[data-id='{opinion_id}']").click()
        staff.wait_for_selector(f"#op-detail[data-id='{opinion_id}'][data-status=reviewing]")
        staff.locator("form[data-action=approve] button[type=submit]").click()
        staff.wait_for_selector(f"#op-detail[data-id='{opinion_id}'][data-status=answered]")

        citizen.reload()
        citizen.wait_for_selector("#t-status[data-status=answered]")
        assert "已安排维修" in citizen.locator("#t-answer").inner_text()
        content = citizen.content()
        assert "13812345678" not in content and "5678" not in content
        citizen.check("#rate-form input[name=rating][value='2']")
        citizen.fill("#r-comment", "路灯还是不亮")
        citizen.click("#r-submit")
        citizen.wait_for_selector("#t-status[data-status=rehandling]")
        assert citizen.locator("#rate-form").count() == 0
        rehandling = in_worker_thread(lambda: Opinion.objects.get(id=opinion_id))
        rated_at = _local(
            in_worker_thread(
                lambda: OpinionTransition.objects.get(opinion_id=opinion_id, action="rate").at
            )
        )
        # Re-handling: 3 new working days from the rating, again across the festival.
        due = _local(rehandling.due_at)
        assert (due.date(), due.time()) == (dt.date(2026, 2, 24), rated_at.time())
        assert citizen.locator("#t-due").inner_text().startswith("2026-02-24")

        # The department handles it again; the station reviews again.
        dept.reload()
        dept.locator(f"#op-list .op-row[data-id='{opinion_id}']").click()
        dept.wait_for_selector(f"#op-detail[data-id='{opinion_id}'][data-status=rehandling]")
        answer = dept.locator("form[data-action=answer]")
        answer.locator("textarea[name=answer]").fill("更换了整条线路，已恢复照明。")
        answer.locator("button[type=submit]").click()
        dept.wait_for_selector("#op-detail[data-status=reviewing]")
        staff.reload()
        staff.locator(f"#op-list .op-row[data-id='{opinion_id}']").click()
        staff.wait_for_selector(f"#op-detail[data-id='{opinion_id}'][data-status=reviewing]")
        staff.locator("form[data-action=approve] button[type=submit]").click()
        staff.wait_for_selector(f"#op-detail[data-id='{opinion_id}'][data-status=answered]")

        citizen.reload()
        citizen.wait_for_selector("#t-status[data-status=answered]")
        assert "更换了整条线路" in citizen.locator("#t-answer").inner_text()
        citizen.check("#rate-form input[name=rating][value='4']")
        citizen.click("#r-submit")
        citizen.wait_for_selector("#t-status[data-status=closed]")
        assert "4 / 5" in citizen.locator("#t-rating").inner_text()
        screenshot(citizen, "citizen-tracking-phone")

        card = open_(f"/intake/card/station/{station.id}/", viewport=DESKTOP, username="staff-a")
        assert card.locator("#qr-card svg").count() == 1
        assert station.name in card.locator("#qr-card h1").inner_text()
        screenshot(card, "citizen-card")
        pdf = card.request.get(base + card.locator("#card-pdf").get_attribute("href"))
        assert (pdf.status, pdf.headers["content-type"]) == (200, "application/pdf")
    finally:
        for context in contexts:
            context.close()
    assert [e for page_errors in errors for e in page_errors] == []

    opinion = in_worker_thread(lambda: Opinion.objects.get(id=opinion_id))
    assert (opinion.status, opinion.rating, opinion.department_id) == ("closed", 4, department.id)
    steps = in_worker_thread(
        lambda: list(
            OpinionTransition.objects.filter(opinion_id=opinion_id)
            .order_by("id")
            .values_list("action", "to_status", "rating", "rating_via")
        )
    )
    assert [(a, s) for a, s, _r, _v in steps] == [
        ("", "registered"),
        ("forward", "forwarded"),
        ("start", "handling"),
        ("answer", "reviewing"),
        ("approve", "answered"),
        ("rate", "rehandling"),
        ("answer", "reviewing"),
        ("approve", "answered"),
        ("rate", "closed"),
    ]
    assert [(r, v) for a, _s, r, v in steps if a == "rate"] == [(2, "tracking"), (4, "tracking")]


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
