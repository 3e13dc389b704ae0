"""The deputies' phone app (/m/, 代表走访) in real Chromium on a 390×844 phone viewport.

Offline is real here: `context.set_offline(True)` alone does not stop a service worker's own
fetches (microsoft/playwright#2311), so the worker's network events are enabled
(PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS, set before the browser starts) and every request
of the context, the worker's included, is aborted by a route while "offline".

Screenshots of every screen: docs/screenshots/phone-*.png.
"""

import datetime as dt
import os
import re
import subprocess
import time
import uuid

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework_simplejwt.tokens import AccessToken

from backend.accounts.access import jurisdiction_of
from backend.opinions.models import Opinion, OpinionTransition
from backend.opinions.services import opinion_transition
from backend.visits.models import CheckIn, Visit
from bench.server import free_port, uvicorn_argv
from mobile_api.models import Device
from mobile_api.services import device_revoke
from tests.browser.conftest import (
    PASSWORD,
    PHONE,
    REDIS_URL,
    ROOT,
    SCREENSHOTS,
    in_worker_thread,
    wait_http,
)
from tests.drain import drain
from tests.factories import GridAssignmentFactory

os.environ["PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS"] = "1"
# The server's throttle counters live in Redis, keyed by user id and IP, shared with every other
# browser run on this machine: relaxed rates so that one run's logins do not throttle the next.
for _scope in ("LOGIN", "REFRESH", "READ", "SYNC", "WRITE"):
    os.environ.setdefault(f"MOBILE_THROTTLE_{_scope}", "10000/min")

CJK = re.compile(r"[\u4e00-\u9fff]")
METRES_PER_DEGREE_LAT = 111_320.0


def transition_as(actor, **fields):
    """opinion_transition by `actor`, with the actor's Jurisdiction (in the worker thread)."""
    return opinion_transition(jurisdiction=jurisdiction_of(actor), actor=actor, **fields)


@pytest.fixture
def assigned(world):
    """The world, with county A's twelve cells assigned to 张代表 (deputy-a)."""
    for cell in world.cells_a:
        GridAssignmentFactory(deputy=world.deputy_a, cell=cell)
    return world


@pytest.fixture
def phone(browser, live_server_url):
    """A phone-sized context with service workers and geolocation; fails on page errors."""
    contexts, errors = [], []

    def _open(base_url=None, *, lon=113.0, lat=28.0, accuracy=10):
        context = browser.new_context(
            viewport=PHONE,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            service_workers="allow",
            geolocation={"longitude": lon, "latitude": lat, "accuracy": accuracy},
            permissions=["geolocation"],
            base_url=base_url or live_server_url,
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(20_000)
        page.on("pageerror", lambda exc: errors.append(f"{page.url}: {exc}"))
        page.dialogs = []
        page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.accept()))
        page.goto("/m/")
        page.wait_for_function("() => document.body.dataset.ready === 'true'")
        return page

    yield _open
    for context in contexts:
        context.close()
    assert errors == [], "JavaScript errors on the pages"


def wait_async(page, predicate: str, arg=None, timeout_s: float = 20.0) -> None:
    """Poll an async predicate until it is true: page.wait_for_function does not await a
    Promise (an async predicate is always truthy there)."""
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(predicate, arg):
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {timeout_s} s: {predicate}")
        page.wait_for_timeout(200)


def screenshot(page, name: str) -> None:
    """docs/screenshots/<name>.png of the phone viewport (animations finished)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), animations="disabled")


def go_offline(context) -> None:
    context.set_offline(True)
    context.route("**/*", lambda route: route.abort("internetdisconnected"))


def go_online(context) -> None:
    context.unroute("**/*")
    context.set_offline(False)


def app_login(page, username: str = "deputy-a") -> None:
    page.wait_for_selector("#login-form")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_function("() => document.body.dataset.screen === 'home'")
    page.wait_for_selector("#home[data-fresh='true']")


def wait_worker(page) -> None:
    """The service worker controls the page and its versioned cache holds the shell."""
    wait_async(
        page,
        """async () => {
            if (navigator.serviceWorker.controller === null) return false;
            const name = 'mobile-app-' + document.documentElement.dataset.build;
            if (!(await caches.keys()).includes(name)) return false;
            return !!(await (await caches.open(name)).match('/m/'));
        }""",
    )


def open_screen(page, name: str) -> None:
    page.click(f"#tabs a[data-tab={name}]")
    page.wait_for_function("n => document.body.dataset.screen === n", arg=name)


def wait_fix(page) -> None:
    page.wait_for_selector("#position[data-accuracy]")


def record_visit(page, households: int = 1, *, notes: str = "", opinion: dict | None = None):
    form = page.locator("#visit-form")
    saved = int(form.get_attribute("data-saved") or 0)
    page.fill("input[name=households]", str(households))
    page.fill("textarea[name=notes]", notes)
    if opinion:
        page.check("input[name=with_opinion]")
        page.select_option("select[name=category]", opinion["category"])
        page.fill("textarea[name=opinion_text]", opinion["text"])
        if opinion.get("phone"):
            page.check("input[name=consent]")
            page.fill("input[name=citizen_contact]", opinion["phone"])
    page.click("#visit-form button[type=submit]")
    page.wait_for_function(
        "n => Number(document.getElementById('visit-form').dataset.saved) === n", arg=saved + 1
    )


def outbox_records(page) -> list[dict]:
    return page.evaluate(
        """() => new Promise((resolve, reject) => {
            const req = indexedDB.open('daibiao-outbox', 1);
            req.onsuccess = () => {
              const all = req.result.transaction('records').objectStore('records').getAll();
              all.onsuccess = () => resolve(all.result);
              all.onerror = () => reject(all.error);
            };
            req.onerror = () => reject(req.error);
        })"""
    )


def wait_states(page, states: dict[str, int]) -> None:
    """The outbox screen shows exactly these counts per state (data-state of each row)."""
    page.wait_for_function(
        """want => {
            const rows = [...document.querySelectorAll('#outbox-list li[data-state]')];
            const got = {};
            rows.forEach((r) => { got[r.dataset.state] = (got[r.dataset.state] || 0) + 1; });
            const norm = (o) => JSON.stringify(Object.entries(o).sort());
            return norm(got) === norm(want);
        }""",
        arg=states,
    )


def api_get(page, path: str) -> dict:
    return page.evaluate(
        """async (path) => {
            const t = JSON.parse(localStorage.getItem('m.tokens'));
            const headers = {Authorization: 'Bearer ' + t.access};
            const r = await fetch('/api/mobile/v1/' + path, {headers});
            return r.json();
        }""",
        path,
    )


def no_horizontal_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


# --- 1. login and home ---------------------------------------------------------------------------


def test_login_and_home_show_duty_and_progress_of_me(phone, assigned):
    world = assigned
    page = phone()
    assert page.evaluate("document.body.dataset.screen") == "login"
    assert page.locator("#login-form h1").inner_text() == "登录"
    no_horizontal_scroll(page)
    screenshot(page, "phone-login")
    app_login(page)
    # Seven tabs on a 390 px phone: every label (four characters at most) on one line, unclipped.
    lines = page.evaluate(
        """() => [...document.querySelectorAll('#tabs a')].map((a) => {
            const range = document.createRange();
            range.selectNodeContents(a);
            const heights = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
            return [a.textContent, heights.size, a.scrollWidth <= a.clientWidth];
        })"""
    )
    assert len(lines) == 7 and all(n == 1 and fits for _, n, fits in lines), lines

    me = api_get(page, "me")
    progress = me["progress"]
    households = page.locator("#progress-households")
    assert households.get_attribute("data-value") == str(progress["households_visited"])
    assert households.get_attribute("data-target") == str(progress["households_target"]) == "50"
    assert households.inner_text() == (
        f"已走访 {progress['households_visited']} / {progress['households_target']} 户"
    )
    assert page.locator("#progress-visits .stat-value").inner_text() == str(progress["visits"])
    assert page.locator("#progress-checkins .stat-value").inner_text() == str(progress["checkins"])
    assert page.locator("#progress-opinions .stat-value").inner_text() == str(progress["opinions"])
    if "households_pending" in progress:  # verified counts: the rest shows as 待核实
        assert page.locator("#households-pending").inner_text() == (
            f"{progress['households_pending']} 户待核实"
        )
    [station] = me["stations"]
    if me["today"]["on_duty_at"]:
        expected = f"今天在{station['name']}值班"
    else:
        date = dt.date.fromisoformat(station["next_duty_date"])
        expected = f"下次值班：{date:%Y/%m/%d}，{station['name']}"
    assert page.locator("#duty").inner_text() == expected
    # Duty days: the next five from the rule, and this year's attendance from check-ins.
    duty = me["duty"]
    card = page.locator("#duty-days")
    assert card.get_attribute("data-present") == str(duty["present"])
    assert card.get_attribute("data-absent") == str(duty["absent"])
    rows = page.locator("#duty-upcoming li")
    assert rows.count() == len(duty["upcoming"]) == 5
    first = duty["upcoming"][0]
    assert rows.first.get_attribute("data-date") == first["date"]
    day = dt.date.fromisoformat(first["date"])
    assert rows.first.inner_text() == (
        f"{day:%Y/%m/%d} {first['opens_at']}–{first['closes_at']} · {first['station_name']}"
    )
    decided = duty["present"] + duty["absent"]
    assert page.locator("#duty-attended").inner_text() == (
        f"今年应值班 {decided} 次：到岗 {duty['present']} 次，缺勤 {duty['absent']} 次"
    )
    assert page.locator("#sync").get_attribute("data-online") == "true"
    assert page.locator("#sync-waiting").inner_text() == "0 条待上传"
    no_horizontal_scroll(page)
    screenshot(page, "phone-home")

    # The English switch works without a reload (both catalogues are in the shell).
    page.click("#lang")
    page.wait_for_function("() => document.documentElement.lang === 'en'")
    page.wait_for_selector("#sync-net:text-is('Online')")
    assert page.locator("#tabs a[data-tab=outbox]").inner_text() == "Outbox"
    assert page.locator("#progress-households").inner_text() == (
        f"{progress['households_visited']} of {progress['households_target']} households visited"
    )
    screenshot(page, "phone-home-en")
    page.click("#lang")
    page.wait_for_function("() => document.documentElement.lang === 'zh-CN'")

    # My cells: the map coloured by coverage, the list never-visited first.
    open_screen(page, "cells")
    cells = api_get(page, "me/cells")["features"]
    assert len(cells) == len(world.cells_a)
    page.wait_for_function(
        "n => document.getElementById('cell-map').dataset.cells === String(n)", arg=len(cells)
    )
    states = page.eval_on_selector_all(
        "#cell-list button[data-cell]", "els => els.map(e => e.className.split('state-')[1])"
    )
    assert len(states) == len(cells)
    assert states == sorted(states, key=lambda s: s != "never")
    page.locator("#cell-list button[data-cell]").first.click()
    assert "从未" in page.locator("#cell-detail").inner_text()
    no_horizontal_scroll(page)
    screenshot(page, "phone-cells")

    open_screen(page, "visit")
    wait_fix(page)
    assert page.locator("#fix").inner_text() == "精度 ±10 米"
    page.check("input[name=with_opinion]")
    no_horizontal_scroll(page)
    screenshot(page, "phone-visit")

    open_screen(page, "opinions")
    page.wait_for_selector("#opinion-list[data-count='3']")
    assert page.locator("#opinion-list li").first.locator(".badge").inner_text() == "已登记"
    no_horizontal_scroll(page)
    screenshot(page, "phone-opinions")


def test_session_login_of_a_deputy_lands_on_the_phone_app(open_page, world):
    page = open_page("/", viewport=PHONE, username="deputy-a")
    assert page.url.split("#")[0].endswith("/m/")
    page.wait_for_function("() => document.body.dataset.ready === 'true'")


# --- my opinions: the deputy answers the citizen ---------------------------------------------


def test_the_deputy_answers_an_opinion_in_handling(phone, world):
    """An opinion the station forwarded and started shows its handler, due date and 答复群众;
    the answer sent from the phone is the loop's `answer`, with its history row."""
    opinion = Opinion.objects.filter(deputy=world.deputy_a).order_by("id").first()
    staff = world.staff_a
    in_worker_thread(
        transition_as, actor=staff, opinion_id=opinion.id, action="forward", handler="镇水务站"
    )
    in_worker_thread(transition_as, actor=staff, opinion_id=opinion.id, action="start")
    opinion.refresh_from_db()
    page = phone()
    app_login(page)
    open_screen(page, "opinions")
    row = page.locator(f"#opinion-list li[data-id='{opinion.id}'][data-status='handling']")
    row.wait_for()
    assert row.locator(".badge").inner_text() == "办理中"
    assert "承办单位：镇水务站" in row.inner_text()
    due = opinion.due_at.astimezone(dt.timezone(dt.timedelta(hours=8)))
    assert f"期限 {due:%m/%d %H:%M}" in row.inner_text()
    others = page.locator("#opinion-list li[data-status='registered'] [data-action=answer]")
    assert others.count() == 0  # a registered opinion is not the deputy's to answer yet
    row.locator("button[data-action=answer]").click()
    answer = "已联系镇水务站，本周内更换水泵。"
    row.locator("textarea[name=answer]").fill(answer)
    no_horizontal_scroll(page)
    screenshot(page, "phone-opinion-answer")
    row.locator("form.answer-form button[type=submit]").click()
    answered = page.locator(f"#opinion-list li[data-id='{opinion.id}'][data-status='answered']")
    answered.wait_for()
    assert answer in answered.locator(".answer").inner_text()
    assert answered.locator("button[data-action=answer]").count() == 0
    opinion.refresh_from_db()
    assert (opinion.status, opinion.answer) == ("answered", answer)
    last = OpinionTransition.objects.filter(opinion=opinion).order_by("-id").first()
    assert (last.action, last.from_status, last.to_status) == ("answer", "handling", "answered")
    assert last.by_id == world.deputy_a.user_id and last.note == answer


# --- 2. offline capture --------------------------------------------------------------------------


def test_offline_capture_survives_a_reload_and_uploads_when_back_online(phone, world):
    deputy = world.deputy_a
    before = (
        Visit.objects.filter(deputy=deputy).count(),
        Opinion.objects.filter(deputy=deputy).count(),
        CheckIn.objects.filter(deputy=deputy).count(),
    )
    station = world.station_a.location
    page = phone(lon=station.x, lat=station.y)
    app_login(page)
    open_screen(page, "checkin")  # caches the nearby stations while online
    page.wait_for_selector(f"#station-list button[data-station='{world.station_a.id}']")
    wait_worker(page)

    go_offline(page.context)
    page.wait_for_selector("#sync[data-online='false']")
    open_screen(page, "visit")
    wait_fix(page)
    for i in range(4):
        record_visit(page, households=1, notes=f"离线走访 {i}")
    record_visit(
        page,
        households=2,
        notes="离线走访 4",
        opinion={"category": "water", "text": "自来水水压不足", "phone": "13812345678"},
    )
    open_screen(page, "checkin")
    wait_fix(page)
    page.click(f"#station-list button[data-station='{world.station_a.id}']")
    page.wait_for_selector("#checkin-card:not([hidden])")
    assert "上传后显示结果" in page.locator("#checkin-result").inner_text()

    # A reload with no network at all: the shell comes from the service worker's cache.
    page.reload()
    page.wait_for_function("() => document.body.dataset.ready === 'true'")
    assert page.evaluate("document.body.dataset.screen") == "checkin"
    assert page.locator("#sync").get_attribute("data-waiting") == "7"
    open_screen(page, "outbox")
    wait_states(page, {"pending": 7})
    assert page.locator("#outbox-list .badge").first.inner_text() == "待上传"
    records = outbox_records(page)
    assert sorted(r["type"] for r in records) == ["checkin", "opinion"] + ["visit"] * 5
    assert "等待所属走访上传" in page.locator("#outbox-list li[data-type=opinion]").inner_text()
    screenshot(page, "phone-outbox-offline")

    go_online(page.context)
    wait_states(page, {"uploaded": 7})
    page.wait_for_selector("#sync[data-waiting='0']")
    uuids = {r["type"]: [] for r in records}
    for r in records:
        uuids[r["type"]].append(r["uuid"])
    assert Visit.objects.filter(deputy=deputy, client_uuid__in=uuids["visit"]).count() == 5
    assert Opinion.objects.filter(deputy=deputy, client_uuid__in=uuids["opinion"]).count() == 1
    assert CheckIn.objects.filter(deputy=deputy, client_uuid__in=uuids["checkin"]).count() == 1
    after = (
        Visit.objects.filter(deputy=deputy).count(),
        Opinion.objects.filter(deputy=deputy).count(),
        CheckIn.objects.filter(deputy=deputy).count(),
    )
    assert [a - b for a, b in zip(after, before, strict=True)] == [5, 1, 1]
    opinion = Opinion.objects.get(client_uuid=uuids["opinion"][0])
    assert opinion.citizen_contact == "13812345678"
    assert opinion.visit.client_uuid == uuid.UUID(
        next(r["visit_uuid"] for r in records if r["type"] == "opinion")
    )
    # The resident's phone number left the phone with the upload.
    [stored] = [r for r in outbox_records(page) if r["type"] == "opinion"]
    assert stored["payload"]["citizen_contact"] == ""
    assert "13812345678" not in page.content()
    screenshot(page, "phone-outbox")


def test_offline_visits_arrive_on_the_leaders_open_dashboard(phone, open_page, world):
    dashboard = open_page("/", username="leader-a")
    dashboard.wait_for_function("() => document.body.dataset.live === 'live'")
    target = world.cells_a[10]
    dashboard.wait_for_function("id => window.cg.cellState(id) === 'never'", arg=target.id)
    centre = target.boundary.centroid
    page = phone(lon=centre.x, lat=centre.y)
    app_login(page)
    go_offline(page.context)
    page.wait_for_selector("#sync[data-online='false']")
    open_screen(page, "visit")
    wait_fix(page)
    record_visit(page, households=2, notes="网格11 走访")
    go_online(page.context)
    page.wait_for_selector("#sync[data-waiting='0']")
    dashboard.wait_for_function("id => window.cg.cellState(id) === 'covered'", arg=target.id)
    in_worker_thread(drain)  # the job coverage.drain's part: then coverage.drained reaches it
    dashboard.wait_for_function("() => document.getElementById('stat-covered').textContent === '5'")
    assert dashboard.locator("#feed li[data-event=visit]").count() == 1


# --- 3. lost response ---------------------------------------------------------------------------


def test_a_lost_sync_response_is_retried_and_stored_once(phone, world):
    page = phone()
    app_login(page)
    answers = []

    def lose_the_first_answer(route):
        response = route.fetch()  # the server commits the batch...
        answers.append(response.json())
        if len(answers) == 1:
            route.abort("connectionreset")  # ...and the phone never hears about it
        else:
            route.fulfill(response=response)

    page.route("**/api/mobile/v1/visits/sync", lose_the_first_answer)
    open_screen(page, "visit")
    wait_fix(page)
    record_visit(page, households=3, notes="回答丢失")
    open_screen(page, "outbox")
    wait_states(page, {"uploaded": 1})
    [record] = outbox_records(page)
    assert [a["results"][0]["status"] for a in answers] == ["created", "duplicate"]
    assert record["attempts"] == 2
    assert Visit.objects.filter(client_uuid=record["uuid"]).count() == 1


# --- 4. rejected, corrected, resent ------------------------------------------------------------


def test_a_rejected_record_shows_the_reason_and_is_stored_once_corrected(phone, world):
    page = phone()
    app_login(page)
    open_screen(page, "visit")
    wait_fix(page)
    record_visit(page, households=900, notes="户数填错")
    open_screen(page, "outbox")
    wait_states(page, {"rejected": 1})
    [record] = outbox_records(page)
    message = record["errors"]["households"]["message"]
    assert record["errors"]["households"]["code"] == "number.out_of_range"
    assert CJK.search(message), message
    row = page.locator(f"#outbox-list li[data-uuid='{record['uuid']}']")
    assert row.locator(".badge").inner_text() == "被拒"
    assert f"户数: {message}" in row.locator(".reason").inner_text()
    assert Visit.objects.filter(client_uuid=record["uuid"]).count() == 0
    screenshot(page, "phone-outbox-rejected")

    row.locator("a.btn").click()
    page.wait_for_function("() => document.body.dataset.screen === 'visit'")
    assert page.input_value("input[name=households]") == "900"
    wait_fix(page)
    page.fill("input[name=households]", "5")
    page.click("#visit-form button[type=submit]")
    page.wait_for_function("() => document.body.dataset.screen === 'outbox'")
    wait_states(page, {"uploaded": 1})
    visit = Visit.objects.get(client_uuid=record["uuid"])
    assert visit.households == 5
    assert visit.notes == "户数填错"


# --- 5. geofence ---------------------------------------------------------------------------------


def test_checkin_inside_shows_the_distance_and_2_km_away_is_outside(phone, world):
    station = world.station_a
    page = phone(lon=station.location.x, lat=station.location.y, accuracy=8)
    app_login(page)
    open_screen(page, "checkin")
    wait_fix(page)
    page.click(f"#station-list button[data-station='{station.id}']")
    card = page.locator("#checkin-card[data-inside]")
    card.wait_for()
    assert card.get_attribute("data-inside") == "true"
    assert (
        page.locator("#checkin-result").inner_text() == f"{station.name}: 在签到范围内 · 距离 0 米"
    )
    no_horizontal_scroll(page)
    screenshot(page, "phone-checkin")

    away_lat = station.location.y + 2000 / METRES_PER_DEGREE_LAT
    page.context.set_geolocation(
        {"longitude": station.location.x, "latitude": away_lat, "accuracy": 8}
    )
    open_screen(page, "home")
    open_screen(page, "checkin")
    page.wait_for_selector("#position[data-state='done']")
    page.click(f"#station-list button[data-station='{station.id}']")
    page.wait_for_selector("#checkin-card[data-inside='false']")
    text = page.locator("#checkin-result").inner_text()
    distance = int(re.search(r"距离 (\d+) 米", text).group(1))
    assert text.startswith(f"{station.name}: 不在签到范围内")
    assert distance == pytest.approx(2000, abs=10)
    inside, outside = CheckIn.objects.filter(deputy=world.deputy_a).order_by("recorded_at")
    assert inside.inside_geofence is True
    assert outside.inside_geofence is False
    assert "outside_geofence" in outside.flags


def test_poor_accuracy_is_shown_and_the_visit_is_flagged(phone, world):
    page = phone(accuracy=150)
    app_login(page)
    open_screen(page, "visit")
    page.wait_for_selector("#position[data-accuracy='150']")
    assert page.locator("#fix").inner_text() == "精度 ±150 米"
    assert page.locator("#fix-warning").inner_text() == (
        "定位较差（超过 100 米）：请尽量到开阔处。"
    )
    page.context.set_geolocation({"longitude": 113.0, "latitude": 28.0, "accuracy": 350})
    page.click("#position button")
    page.wait_for_selector("#position[data-accuracy='350']")
    assert page.locator("#fix-warning").inner_text() == (
        "定位很差（超过 300 米）：记录将被标记待核实。"
    )
    page.wait_for_selector("#position[data-state='done']")
    record_visit(page, households=1, notes="定位很差")
    open_screen(page, "outbox")
    wait_states(page, {"uploaded": 1})
    [record] = outbox_records(page)
    visit = Visit.objects.get(client_uuid=record["uuid"])
    assert visit.accuracy_m == 350
    assert "low_accuracy" in visit.flags


# --- 6. expiry while offline, revoked device -----------------------------------------------------


def expired_copy(token: str) -> str:
    access = AccessToken(token)
    access.set_exp(from_time=timezone.now() - dt.timedelta(minutes=30))
    return str(access)


def test_expired_access_refreshes_on_reconnect_and_a_revoked_device_keeps_the_outbox(phone, world):
    page = phone()
    app_login(page)
    go_offline(page.context)
    page.wait_for_selector("#sync[data-online='false']")
    open_screen(page, "visit")
    wait_fix(page)
    record_visit(page, households=1, notes="过期令牌")
    tokens = page.evaluate("JSON.parse(localStorage.getItem('m.tokens'))")
    page.evaluate(
        "t => localStorage.setItem('m.tokens', JSON.stringify(t))",
        {"access": expired_copy(tokens["access"]), "refresh": tokens["refresh"]},
    )
    go_online(page.context)
    open_screen(page, "outbox")
    wait_states(page, {"uploaded": 1})
    [first] = outbox_records(page)
    assert Visit.objects.filter(client_uuid=first["uuid"]).count() == 1
    fresh = page.evaluate("JSON.parse(localStorage.getItem('m.tokens'))")
    assert fresh["refresh"] != tokens["refresh"]  # rotated by auth/refresh

    # The phone is revoked (lost, say) while a record waits offline.
    go_offline(page.context)
    page.wait_for_selector("#sync[data-online='false']")
    open_screen(page, "visit")
    wait_fix(page)
    record_visit(page, households=1, notes="设备被注销")
    device = Device.objects.get(user=world.deputy_a.user, revoked_at__isnull=True)
    in_worker_thread(device_revoke, user=world.deputy_a.user, device_id=device.id)
    go_online(page.context)
    page.wait_for_function("() => document.body.dataset.screen === 'login'")
    assert "已保存的记录仍在本机" in page.locator("#login-message").inner_text()
    assert page.locator("#login-waiting").inner_text() == "1 条待上传"
    waiting = [r for r in outbox_records(page) if r["state"] == "pending"]
    assert len(waiting) == 1
    assert Visit.objects.filter(client_uuid=waiting[0]["uuid"]).count() == 0

    app_login(page)
    open_screen(page, "outbox")
    wait_states(page, {"uploaded": 2})
    assert Visit.objects.filter(client_uuid=waiting[0]["uuid"]).count() == 1
    devices = Device.objects.filter(user=world.deputy_a.user)
    assert devices.count() == 2
    assert devices.filter(revoked_at__isnull=False).count() == 1


def test_logout_warns_about_waiting_records_and_keeps_them(phone, world):
    page = phone()
    app_login(page)
    go_offline(page.context)
    page.wait_for_selector("#sync[data-online='false']")
    open_screen(page, "visit")
    wait_fix(page)
    record_visit(page, households=2, notes="退出前未上传")
    open_screen(page, "home")
    page.click("#logout")
    page.wait_for_function("() => document.body.dataset.screen === 'login'")
    assert page.dialogs == ["还有 1 条记录未上传。它们会保留在本机，下次登录后上传。仍要退出吗？"]
    assert page.evaluate("localStorage.getItem('m.tokens')") is None
    [record] = outbox_records(page)
    assert record["state"] == "pending"
    go_online(page.context)
    app_login(page)
    open_screen(page, "outbox")
    wait_states(page, {"uploaded": 1})
    assert Visit.objects.filter(client_uuid=record["uuid"], households=2).count() == 1


# --- 7. service-worker upgrade -------------------------------------------------------------------


def start_server(port: int, version: str) -> subprocess.Popen:
    db = connection.settings_dict
    env = dict(os.environ)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "backend.settings",
            "DATABASE_URL": f"postgis://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            "REDIS_URL": REDIS_URL,
            "LOG_LEVEL": "WARNING",
            "AXES_ENABLED": "false",
            "MOBILE_APP_BUILD_VERSION": version,
        }
    )
    log = open(ROOT / "var" / f"phone-app-{version}.log", "wb")  # noqa: SIM115 - lives with the server
    proc = subprocess.Popen(uvicorn_argv(port), cwd=ROOT, env=env, stdout=log, stderr=log)
    wait_http(f"http://127.0.0.1:{port}/m/", 60, proc)
    return proc


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


def wait_active_worker(page, version: str) -> None:
    """The registration's active worker is of `version`, activated, and only its cache is left."""
    wait_async(
        page,
        """async (version) => {
            const reg = await navigator.serviceWorker.getRegistration();
            if (!reg || !reg.active || reg.active.state !== 'activated' || reg.installing
                || reg.waiting) return false;
            const answer = await new Promise((resolve) => {
              const channel = new MessageChannel();
              channel.port1.onmessage = (event) => resolve(event.data);
              reg.active.postMessage({type: 'version'}, [channel.port2]);
              setTimeout(() => resolve(null), 2000);  // a worker that never answers
            });
            const names = (await caches.keys()).filter((n) => n.startsWith('mobile-app-'));
            return answer === version
              && JSON.stringify(names) === JSON.stringify(['mobile-app-' + version]);
        }""",
        version,
    )


def cache_names(page) -> list[str]:
    return page.evaluate(
        "async () => (await caches.keys()).filter(n => n.startsWith('mobile-app-'))"
    )


def test_a_new_build_replaces_the_cached_shell(phone, live_server_url, transactional_db):
    port = free_port()
    proc = start_server(port, "release-1")
    try:
        page = phone(f"http://127.0.0.1:{port}")
        assert page.evaluate("document.documentElement.dataset.build") == "release-1"
        wait_worker(page)
        assert cache_names(page) == ["mobile-app-release-1"]
    finally:
        stop_server(proc)
    # With the server down the app still starts: the old shell, from the worker's cache.
    page.reload()
    page.wait_for_function("() => document.body.dataset.ready === 'true'")
    assert page.evaluate("document.documentElement.dataset.build") == "release-1"
    proc = start_server(port, "release-2")
    try:
        # The next start checks /m/sw.js: the new worker installs its own cache and deletes
        # the old one on activation (that start itself may still show the old shell).
        page.reload()
        page.wait_for_function("() => document.body.dataset.ready === 'true'")
        wait_active_worker(page, "release-2")
        page.reload()
        page.wait_for_function("() => document.body.dataset.ready === 'true'")
        assert page.evaluate("document.documentElement.dataset.build") == "release-2"
        assert page.evaluate("navigator.serviceWorker.controller.scriptURL").endswith("/m/sw.js")
    finally:
        stop_server(proc)
    # And the new shell starts offline too.
    go_offline(page.context)
    page.reload()
    page.wait_for_function("() => document.body.dataset.ready === 'true'")
    assert page.evaluate("document.documentElement.dataset.build") == "release-2"
