"""Browser tests: the real app under uvicorn (ASGI, websockets) on a free loopback port, driven
by Debian's Chromium through Playwright's sync API.

The server is a subprocess against this run's test database with the Redis channel layer; the
test process publishes through the same Redis (services run here, events reach the server's
sockets). Data is built per test with `transactional_db` so the server sees it committed.
Run as its own pytest invocation (`make test-browser`): Playwright's sync API runs an event
loop, hence DJANGO_ALLOW_ASYNC_UNSAFE=true and `-p no:asyncio`.
"""

import datetime as dt
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.db import connection, connections
from django.utils import timezone
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import sync_playwright

from backend.accounts.models import Role
from backend.coverage.services import heat_hexes_complete
from backend.liaison.models import LinkCadence, StationKind
from backend.liaison.services import station_create, station_link_create
from backend.opinions.services import opinion_create
from backend.regions.models import RegionLevel
from backend.visits.services import visits_sync
from bench.server import free_port, uvicorn_argv
from tests.drain import drain
from tests.factories import (
    DeputyFactory,
    GridCellFactory,
    MandateFactory,
    RegionFactory,
    StationFactory,
    StationMembershipFactory,
    UserFactory,
    square,
)

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "docs" / "screenshots"
REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
PASSWORD = "pass-1234"

# County A: 4 × 3 cells of 0.01° at 113.00E 28.00N; county B: 3 × 2 cells at 113.20E 28.00N.
A_COLS, A_ROWS = 4, 3
B_COLS, B_ROWS = 3, 2
B_ORIGIN = (113.2, 28.0)


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.browser)


def wait_http(url: str, timeout_s: float, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    raise RuntimeError(f"server at {url} did not answer within {timeout_s} s")


@pytest.fixture(autouse=True)
def redis_channel_layer(settings):
    """Events published by services in this process go through the server's Redis."""
    host = {"address": REDIS_URL, "socket_timeout": settings.CHANNEL_REDIS_SOCKET_TIMEOUT_S}
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [host]},
        }
    }


def server_env() -> dict:
    """The environment of the browser tests' servers: this run's test database and Redis."""
    db = connection.settings_dict
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "backend.settings",
            "DATABASE_URL": f"postgis://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            "REDIS_URL": REDIS_URL,
            "LOG_LEVEL": "WARNING",
            "AXES_ENABLED": "false",
            # Playwright's string predicates are evaluations a strict CSP blocks: report only
            # (tests/browser/test_csp.py asserts that the pages themselves report nothing).
            "CSP_REPORT_ONLY": "1",
        }
    )
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return env


@pytest.fixture(scope="session")
def live_server_url(django_db_setup, django_db_blocker):
    """uvicorn serving backend.asgi on this run's test database."""
    env = server_env()
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    port = free_port()
    log = ROOT / "var"
    log.mkdir(exist_ok=True)
    with open(log / "browser-test-server.log", "wb") as out:
        proc = subprocess.Popen(
            uvicorn_argv(port),
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            wait_http(url + "/accounts/login/", 60, proc)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def open_page(browser, live_server_url):
    """Open a page (desktop or phone viewport) in a fresh context; closes them all at the end."""
    contexts, errors = [], []

    def _open(path="/", viewport=None, username=None):
        context = browser.new_context(viewport=viewport or DESKTOP, locale="zh-CN")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(20_000)
        page.on("pageerror", lambda exc: errors.append(f"{page.url}: {exc}"))
        if username:
            page.goto(f"{live_server_url}/accounts/login/?next={path}")
            login(page, username)
        else:
            page.goto(live_server_url + path)
        return page

    yield _open
    for context in contexts:
        context.close()
    assert errors == [], "JavaScript errors on the pages"


def login(page, username: str) -> None:
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit].btn-primary")
    page.wait_for_load_state("load")


MAP_STATE = """() => { const m = document.getElementById('map'), c = window.cg && window.cg.cells;
    const tiles = c && c.layer ? Object.values(c.layer._tiles || {}) : [];
    return { dataset: m ? Object.assign({}, m.dataset) : null, zoom: window.cg && cg.map
        && cg.map.getZoom(), tiles: tiles.length, unloaded: tiles.filter(t => !t.loaded).length,
        url: location.href }; }"""


def wait_for_cells(page, expected: int) -> None:
    """Until the cells layer has drawn `expected` distinct cells with no tile loading; on a
    timeout the error carries the map's state (zoom, data attributes, tiles pending)."""
    try:
        page.wait_for_function(
            "n => { const m = document.getElementById('map');"
            " return m && m.dataset.tilesLoading === '0'"
            " && Number(m.dataset.cellsRendered) === n; }",
            arg=expected,
        )
    except PlaywrightTimeoutError as exc:
        raise AssertionError(f"cells not drawn: {page.evaluate(MAP_STATE)}") from exc


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_function("!(window.cg && window.cg.map && window.cg.map._animatingZoom)")
    page.wait_for_timeout(400)  # let the last canvas tiles fade in (Leaflet's 200 ms fade)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def rectangle(lon: float, lat: float, width_deg: float, height_deg: float) -> MultiPolygon:
    return MultiPolygon(Polygon.from_bbox((lon, lat, lon + width_deg, lat + height_deg)), srid=4326)


@dataclass
class World:
    county_a: object
    county_b: object
    cells_a: list
    cells_b: list
    deputy_a: object
    deputy_b: object
    leader_a: object
    staff_a: object
    leader_b: object
    station_a: object


def _visit(deputy, cell, *, days_ago: float, households: int = 3) -> dict:
    (w, s, e, n) = cell.boundary.extent
    return {
        "client_uuid": uuid.uuid4(),
        "kind": "household",
        "lon": (w + e) / 2,
        "lat": (s + n) / 2,
        "accuracy_m": 10.0,
        "recorded_at": timezone.now() - dt.timedelta(days=days_ago),
        "households": households,
        "household_ref": "",
        "notes": "",
        "mock_location": False,
    }


def post_visit_through_field_api(browser, base_url: str, username: str, cell) -> dict:
    """Log in as a deputy's phone and POST /api/mobile/v1/visits/sync (docs/api.md)."""
    context = browser.new_context()
    try:
        api = context.request
        login_response = api.post(
            f"{base_url}/api/mobile/v1/auth/login",
            data={
                "username": username,
                "password": PASSWORD,
                "device_id": "browser-test-phone",
                "device_name": "测试手机",
                "platform": "android",
            },
        )
        assert login_response.status == 200, login_response.text()
        access = login_response.json()["access"]
        (w, s, e, n) = cell.boundary.extent
        record = {
            "client_uuid": str(uuid.uuid4()),
            "kind": "household",
            "location": {"type": "Point", "coordinates": [(w + e) / 2, (s + n) / 2]},
            "accuracy_m": 8,
            "recorded_at": timezone.now().isoformat(),
            "households": 4,
        }
        response = api.post(
            f"{base_url}/api/mobile/v1/visits/sync",
            headers={"Authorization": f"Bearer {access}"},
            data={"crs": "wgs84", "records": [record]},
        )
        assert response.status == 200, response.text()
        [result] = response.json()["results"]
        assert result["status"] == "created", result
        in_worker_thread(drain)  # the job coverage.drain's part (no worker beside the server)
        return result
    finally:
        context.close()


def in_worker_thread(fn, *args, **kwargs):
    """Run `fn` in a thread of its own: Playwright's sync API keeps an event loop running in
    this one, where async_to_sync (used to publish events) refuses to work."""

    def call():
        try:
            return fn(*args, **kwargs)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(call).result()


def record_visit(deputy, cell, *, days_ago: float = 0, households: int = 3):
    """A visit through the same service as the phone API (publishes visit.created on commit),
    then drained (coverage.drained)."""
    [result] = in_worker_thread(
        visits_sync,
        deputy=deputy,
        records=[_visit(deputy, cell, days_ago=days_ago, households=households)],
        received_at=timezone.now() - dt.timedelta(days=days_ago),
    )
    assert result.status == "created", result
    in_worker_thread(drain)  # its summaries, as the job coverage.drain would within seconds
    return result


@pytest.fixture
def world(transactional_db) -> World:
    """Two small counties of one city. In A (90 days): cells 0-3 covered (cell 3 only 60 days
    ago), cell 4 stale (200 days), cells 5-11 never visited; B: cell 0 covered, the rest never.
    Cells are numbered row by row from the south-west; A's columns 0-1 are 星沙街道, 2-3 are
    泉塘街道."""
    province = RegionFactory(
        adcode="43", name="湖南省", level=RegionLevel.PROVINCE, boundary=square(112.9, 27.9, 0.5)
    )
    city = RegionFactory(
        adcode="4301", name="长沙市", parent=province, boundary=square(112.95, 27.95, 0.4)
    )
    county_a = RegionFactory(
        adcode="430121",
        name="长沙县",
        parent=city,
        boundary=rectangle(113.0, 28.0, 0.01 * A_COLS, 0.01 * A_ROWS),
    )
    county_b = RegionFactory(
        adcode="430182",
        name="宁乡市",
        parent=city,
        boundary=rectangle(*B_ORIGIN, 0.01 * B_COLS, 0.01 * B_ROWS),
    )
    # Two townships of two columns each; cells belong to their township (9-digit adcode).
    townships = [
        RegionFactory(
            adcode="430121001",
            name="星沙街道",
            parent=county_a,
            boundary=rectangle(113.0, 28.0, 0.02, 0.01 * A_ROWS),
        ),
        RegionFactory(
            adcode="430121002",
            name="泉塘街道",
            parent=county_a,
            boundary=rectangle(113.02, 28.0, 0.02, 0.01 * A_ROWS),
        ),
    ]
    cells_a = [
        GridCellFactory(
            region=townships[c // 2],
            col=c,
            row=r,
            code=f"A-{r}{c}",
            name=f"长沙县网格{r * A_COLS + c + 1:02d}",
            households=40 + 5 * c,
        )
        for r in range(A_ROWS)
        for c in range(A_COLS)
    ]
    cells_b = [
        GridCellFactory(
            region=county_b,
            code=f"B-{r}{c}",
            name=f"宁乡网格{r * B_COLS + c + 1}",
            boundary=square(B_ORIGIN[0] + 0.01 * c, B_ORIGIN[1] + 0.01 * r, 0.01),
        )
        for r in range(B_ROWS)
        for c in range(B_COLS)
    ]
    station_a = StationFactory(
        region=county_a, name="星沙联络站", location=cells_a[5].boundary.centroid
    )
    deputy_a = DeputyFactory(
        region=county_a, name="张代表", user=UserFactory(username="deputy-a", role=Role.DEPUTY)
    )
    deputy_b = DeputyFactory(
        region=county_b, name="李代表", user=UserFactory(username="deputy-b", role=Role.DEPUTY)
    )
    MandateFactory(deputy=deputy_a, district_region=county_a, congress_region=county_a)
    MandateFactory(deputy=deputy_b, district_region=county_b, congress_region=county_b)
    StationMembershipFactory(deputy=deputy_a, station=station_a)
    for cell in cells_a[:3]:
        record_visit(deputy_a, cell, days_ago=5)
    record_visit(deputy_a, cells_a[3], days_ago=60)  # covered at 90 days, stale at 30
    record_visit(deputy_a, cells_a[4], days_ago=200)
    record_visit(deputy_b, cells_b[0], days_ago=3)
    # Three opinions about water within ~300 m of each other in cell 6: one cluster.
    (w, s, _e, _n) = cells_a[6].boundary.extent
    for i, (dx, dy) in enumerate([(0.002, 0.002), (0.004, 0.003), (0.003, 0.005)]):
        in_worker_thread(
            opinion_create,
            deputy=deputy_a,
            client_uuid=uuid.uuid4(),
            category="water",
            text=f"村里自来水水压不足 {i}",
            recorded_at=timezone.now() - dt.timedelta(days=2 + i),
            lon=w + dx,
            lat=s + dy,
        )
    # What the job coverage.heat_hexes_complete does within a minute (no worker runs here).
    in_worker_thread(heat_hexes_complete)
    return World(
        county_a=county_a,
        county_b=county_b,
        cells_a=cells_a,
        cells_b=cells_b,
        deputy_a=deputy_a,
        deputy_b=deputy_b,
        station_a=station_a,
        leader_a=UserFactory(
            username="leader-a", role=Role.LEADER, jurisdiction=county_a, first_name="王局长"
        ),
        staff_a=UserFactory(
            username="staff-a", role=Role.STAFF, jurisdiction=county_a, first_name="赵专干"
        ),
        leader_b=UserFactory(username="leader-b", role=Role.LEADER, jurisdiction=county_b),
    )


@dataclass
class Border:
    lianjiang: object
    luchuan: object
    admin: object


@pytest.fixture
def border(transactional_db) -> Border:
    """The 廉江 (Guangdong) – 陆川 (Guangxi) pair on either side of a provincial border at
    21.62N, with stations of three kinds and one cross-province link."""
    gd = RegionFactory(adcode="44", name="广东省", boundary=None)
    gx = RegionFactory(adcode="45", name="广西壮族自治区", boundary=None)
    zj = RegionFactory(adcode="4408", name="湛江市", parent=gd, boundary=None)
    yl = RegionFactory(adcode="4509", name="玉林市", parent=gx, boundary=None)
    lianjiang = RegionFactory(
        adcode="440881", name="廉江市", parent=zj, boundary=rectangle(109.80, 21.30, 0.48, 0.32)
    )
    luchuan = RegionFactory(
        adcode="450922", name="陆川县", parent=yl, boundary=rectangle(109.80, 21.62, 0.48, 0.32)
    )
    a = station_create(
        kind=StationKind.STATION,
        name="石角镇人大代表联络站",
        region=lianjiang,
        location=Point(110.00, 21.50, srid=4326),
    )
    station_create(
        kind=StationKind.POINT,
        name="石角镇塘蓬联络点",
        region=lianjiang,
        location=Point(110.12, 21.42, srid=4326),
    )
    station_create(
        kind=StationKind.POST,
        name="石角镇代表服务岗",
        region=lianjiang,
        location=Point(109.88, 21.38, srid=4326),
    )
    b = station_create(
        kind=StationKind.STATION,
        name="温泉镇人大代表联络站",
        region=luchuan,
        location=Point(110.08, 21.72, srid=4326),
    )
    station_link_create(
        station_a=a,
        station_b=b,
        agreement_date=dt.date(2024, 6, 1),
        cadences=[LinkCadence.values[0], LinkCadence.values[1]],
    )
    admin = UserFactory(username="admin-1", role=Role.ADMIN, first_name="管理员")
    return Border(lianjiang=lianjiang, luchuan=luchuan, admin=admin)
