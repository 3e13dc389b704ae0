"""The deputies' phone app (/m/) in real Chromium on a throttled phone profile (issue 10's
budgets; measured here, never asserted in tests).

Set-up: database `cg_bench_phone` (created and migrated if missing) with one county, 12 cells
assigned to one deputy (`bench-phone`), a station with the deputy as member; uvicorn (one
worker, the production ASGI stack) on it. Chromium through Playwright: a 390x844 context,
network emulation by CDP `Network.emulateNetworkConditions` on each page (1.6 Mbit/s down,
0.75 Mbit/s up, 150 ms RTT: Lighthouse's "slow 4G").

Per run, in a fresh context (empty HTTP cache, no service worker, no outbox):
- first load: navigation to /m/ until the login form is usable; login submitted until the home
  screen is usable with fresh data (`#home[data-fresh=true]` holding `#progress-households`);
- shell bytes: the page's own non-API responses during that first load, `encodedDataLength` of
  CDP `Network.loadingFinished` (bytes on the wire, headers included), with their
  `Content-Encoding`; beside them the same files' raw and gzip -6 sizes;
- later start: once the service worker controls the app and its cache holds the shell, a new
  page: navigation until home shows `#progress-households` (from the cached `me`), and until
  it is fresh again;
- upload: offline (CDP offline plus a route that aborts every request of the context, the
  worker's included: microsoft/playwright#2311), 200 visit records appended to the app's own
  outbox (its module, `outbox.add`), then back online (one CDP call, throttled): time until all
  200 are 已上传 (`uploaded`), and the API requests it took.
Three runs; median and each run; load average before and after.
Writes its section of docs/benchmarks.md (bench.report.update_section("phone_app", ...)).
Run: `.venv/bin/python -m bench.run phone_app`.
"""

from __future__ import annotations

import gzip
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import psycopg

from bench.report import update_section
from bench.server import app_env, start_uvicorn

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = os.environ.get("BENCH_PHONE_DB", "cg_bench_phone")
PG = "postgresql://postgres@127.0.0.1:5432/"
USERNAME, PASSWORD = "bench-phone", "bench-pass-2026"
RUNS = int(os.environ.get("BENCH_PHONE_RUNS", "3"))
RECORDS = 200
PHONE = {"width": 390, "height": 844}
DOWN_BPS, UP_BPS, RTT_MS = 1.6e6, 0.75e6, 150
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
THROTTLED = {
    "offline": False,
    "latency": RTT_MS,
    "downloadThroughput": DOWN_BPS / 8,
    "uploadThroughput": UP_BPS / 8,
}
OFFLINE = {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}
OUTBOX_MODULE = "/static/mobile_app/js/outbox.js"  # the URL app.js imports it under
SETUP_SCRIPT = f"""
import datetime as dt
import django; django.setup()
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.utils import timezone
from backend.accounts.models import User
from backend.grid.models import GridAssignment, GridCell
from backend.liaison.models import Deputy, DutyRule, Station, StationMembership
from backend.regions.models import Region

def square(lon, lat, d):
    ring = ((lon, lat), (lon + d, lat), (lon + d, lat + d), (lon, lat + d), (lon, lat))
    return MultiPolygon(Polygon(ring), srid=4326)

county, _ = Region.objects.get_or_create(adcode="439902", defaults=dict(
    name="基准手机县", level="county", boundary=square(113.0, 28.0, 0.1), area_m2=1.0e8))
user, _ = User.objects.get_or_create(username="{USERNAME}", defaults={{"role": "deputy"}})
user.set_password("{PASSWORD}"); user.save()
deputy, _ = Deputy.objects.get_or_create(user=user, defaults=dict(
    name="基准代表", region=county, adcode=county.adcode, county_adcode=county.adcode))
for i in range(12):
    cell, _ = GridCell.objects.get_or_create(code=f"P-{{i:02d}}", defaults=dict(
        name=f"基准网格{{i}}", region=county, adcode=county.adcode,
        county_adcode=county.adcode, boundary=square(113.0 + 0.01 * (i % 4),
        28.0 + 0.01 * (i // 4), 0.01), area_m2=1.0e6, households=100, population=300,
        source="square"))
    GridAssignment.objects.get_or_create(deputy=deputy, cell=cell, defaults=dict(
        county_adcode=county.adcode, valid_from=timezone.now() - dt.timedelta(days=30),
        status="active"))
station, _ = Station.objects.get_or_create(name="基准联络站", defaults=dict(
    kind="station", location=Point(113.005, 28.005, srid=4326), region=county,
    adcode=county.adcode, county_adcode=county.adcode))
DutyRule.objects.get_or_create(station=station, defaults=dict(kind="day_digit", digit=6))
StationMembership.objects.get_or_create(deputy=deputy, station=station, defaults=dict(
    since=timezone.localdate() - dt.timedelta(days=365)))
"""


def _env() -> dict:
    return app_env(
        DB_NAME,
        # Playwright's evaluations are what a strict policy blocks; the app itself is unchanged.
        CSP_REPORT_ONLY="1",
        **{f"MOBILE_THROTTLE_{s}": "100000/min" for s in ("LOGIN", "REFRESH", "READ", "SYNC")},
        MOBILE_THROTTLE_WRITE="100000/min",
    )


def _sql(dbname: str, statement: str, params=None):
    with psycopg.connect(PG + dbname, autocommit=True) as conn:
        cur = conn.execute(statement, params)
        return cur.fetchall() if cur.description else None


def _setup() -> None:
    if not _sql("postgres", "SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]):
        _sql("postgres", f'CREATE DATABASE "{DB_NAME}"')
        _sql(DB_NAME, "CREATE EXTENSION IF NOT EXISTS postgis")
    env = dict(_env(), DB_POOL="false")
    run = {"cwd": ROOT, "env": env, "check": True, "stdout": subprocess.DEVNULL}
    subprocess.run([sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"], **run)
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"], **run)
    subprocess.run([sys.executable, "-c", SETUP_SCRIPT], **run)


def _records(n: int) -> list[dict]:
    """n visit payloads as the app's visit screen makes them: 5 minutes apart, spread over the
    deputy's cells (no plausibility flag is the point here)."""
    now = time.time()
    out = []
    for i in range(n):
        at = time.strftime("%Y-%m-%dT%H:%M:%S+08:00", time.gmtime(now + 8 * 3600 - 300 * (n - i)))
        out.append(
            {
                "client_uuid": str(uuid.uuid4()),
                "kind": "household",
                "location": {
                    "type": "Point",
                    "coordinates": [113.001 + 0.0019 * (i % 20), 28.001 + 0.0029 * (i // 20)],
                },
                "accuracy_m": 8.0,
                "recorded_at": at,
                "households": 1,
                "household_ref": f"b{i}",
                "notes": "",
                "mock_location": False,
            }
        )
    return out


class Wire:
    """CDP network events of one page: bytes per response, requests per API path."""

    def __init__(self, cdp):
        self.responses: dict[str, dict] = {}
        self.bytes: dict[str, int] = {}
        self.api_requests: list[tuple[float, str, str]] = []
        self.api_started: dict[str, tuple[float, str]] = {}
        self.api_durations: list[tuple[str, float]] = []  # (method path, seconds), in order
        cdp.on("Network.responseReceived", self._response)
        cdp.on("Network.loadingFinished", self._finished)
        cdp.on("Network.requestWillBeSent", self._request)

    def _response(self, event):
        r = event["response"]
        headers = {k.lower(): v for k, v in r.get("headers", {}).items()}
        self.responses[event["requestId"]] = {
            "url": r["url"],
            "encoding": headers.get("content-encoding", ""),
            "from_sw": r.get("fromServiceWorker", False),
        }

    def _finished(self, event):
        self.bytes[event["requestId"]] = int(event["encodedDataLength"])
        if event["requestId"] in self.api_started:
            at, name = self.api_started.pop(event["requestId"])
            self.api_durations.append((name, event["timestamp"] - at))

    def _request(self, event):
        url = event["request"]["url"]
        if "/api/mobile/v1/" in url:
            path = url.split("/api/mobile/v1/", 1)[1].split("?")[0]
            self.api_requests.append((time.perf_counter(), event["request"]["method"], path))
            name = f"{event['request']['method']} {path}"
            self.api_started[event["requestId"]] = (event["timestamp"], name)

    def shell(self) -> list[dict]:
        return [
            dict(r, bytes=self.bytes.get(rid, 0))
            for rid, r in self.responses.items()
            if "/api/" not in r["url"] and r["url"].startswith("http")
        ]


def _throttled_page(context, conditions=THROTTLED):
    page = context.new_page()
    page.set_default_timeout(120_000)
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", conditions)
    return page, cdp, Wire(cdp)


def _wait_async(page, predicate: str, arg=None, timeout_s: float = 300.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(predicate, arg):
        if time.monotonic() > deadline:
            raise RuntimeError(f"not true within {timeout_s} s: {predicate}")
        time.sleep(0.05)


WORKER_READY = """async () => {
    if (navigator.serviceWorker.controller === null) return false;
    const name = 'mobile-app-' + document.documentElement.dataset.build;
    if (!(await caches.keys()).includes(name)) return false;
    return !!(await (await caches.open(name)).match('/m/'));
}"""
UPLOADED = """async (module) => {
    const outbox = await import(module);
    return (await outbox.all()).filter((r) => r.state === 'uploaded').length;
}"""
APPEND = """async ([module, records]) => {
    const outbox = await import(module);
    for (const payload of records) await outbox.add('visit', payload);
    return (await outbox.all()).filter((r) => r.state === 'pending').length;
}"""


def _first_load(context, base: str) -> dict:
    page, _cdp, wire = _throttled_page(context)
    started = time.perf_counter()
    page.goto(base + "/m/")
    page.wait_for_selector("#login-form input[name=username]", state="visible")
    login_ready = time.perf_counter()
    page.fill("input[name=username]", USERNAME)
    page.fill("input[name=password]", PASSWORD)
    submitted = time.perf_counter()
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#home[data-fresh='true'] #progress-households", state="visible")
    home = time.perf_counter()
    shell = wire.shell()
    _wait_async(page, WORKER_READY)
    page.close()
    return {
        "login_form_s": login_ready - started,
        "login_to_home_s": home - submitted,
        "first_home_s": (login_ready - started) + (home - submitted),
        "shell": shell,
        "login_api": list(wire.api_durations),
    }


def _later_start(context, base: str):
    page, cdp, wire = _throttled_page(context)
    started = time.perf_counter()
    page.goto(base + "/m/")
    page.wait_for_selector("#home #progress-households", state="visible")
    usable = time.perf_counter()
    page.wait_for_selector("#home[data-fresh='true'] #progress-households", state="visible")
    fresh = time.perf_counter()
    shell_from_worker = all(r["from_sw"] for r in wire.shell())
    return (
        page,
        cdp,
        wire,
        {
            "sw_home_s": usable - started,
            "sw_fresh_s": fresh - started,
            "shell_from_worker": shell_from_worker,
        },
    )


def _upload(page, cdp, wire, context) -> dict:
    context.route("**/*", lambda route: route.abort("internetdisconnected"))
    cdp.send("Network.emulateNetworkConditions", OFFLINE)
    page.wait_for_function("() => navigator.onLine === false")
    before = page.evaluate(UPLOADED, OUTBOX_MODULE)
    pending = page.evaluate(APPEND, [OUTBOX_MODULE, _records(RECORDS)])
    if pending != RECORDS:
        raise RuntimeError(f"outbox holds {pending} pending records, expected {RECORDS}")
    context.unroute("**/*")
    started = time.perf_counter()
    cdp.send("Network.emulateNetworkConditions", THROTTLED)  # back online: the `online` event
    deadline = time.monotonic() + 300
    while page.evaluate(UPLOADED, OUTBOX_MODULE) < before + RECORDS:
        if time.monotonic() > deadline:
            raise RuntimeError("the 200 records did not upload within 300 s")
        time.sleep(0.05)
    done = time.perf_counter()
    requests = [(m, p) for at, m, p in wire.api_requests if at >= started]
    by_path: dict[str, int] = {}
    for method, path in requests:
        by_path[f"{method} {path}"] = by_path.get(f"{method} {path}", 0) + 1
    return {"upload_s": done - started, "upload_requests": len(requests), "by_path": by_path}


def _sizes(base: str, urls: list[str]) -> dict[str, tuple[int, int]]:
    """(raw, gzip -6) bytes of each shell file, fetched unthrottled."""
    sizes = {}
    with httpx.Client(timeout=30) as client:
        for url in urls:
            body = client.get(url, headers={"Accept-Encoding": "identity"}).content
            sizes[url] = (len(body), len(gzip.compress(body, compresslevel=6)))
    return sizes


def _precache(base: str) -> list[str]:
    text = httpx.get(base + "/m/sw.js", timeout=30).text
    line = next(x for x in text.splitlines() if x.startswith("const PRECACHE = "))
    return json.loads(line.removeprefix("const PRECACHE = ").rstrip(";"))


STORED_SQL = """
SELECT count(*) FROM visits_visit v JOIN liaison_deputy d ON d.id = v.deputy_id
JOIN accounts_user u ON u.id = d.user_id WHERE u.username = %s
"""


def _run(browser, base: str) -> dict:
    load_before = os.getloadavg()[0]
    stored_before = _sql(DB_NAME, STORED_SQL, [USERNAME])[0][0]
    context = browser.new_context(
        viewport=PHONE,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        service_workers="allow",
        geolocation={"longitude": 113.005, "latitude": 28.005, "accuracy": 10},
        permissions=["geolocation"],
    )
    try:
        first = _first_load(context, base)
        page, cdp, wire, later = _later_start(context, base)
        upload = _upload(page, cdp, wire, context)
    finally:
        context.close()
    stored = _sql(DB_NAME, STORED_SQL, [USERNAME])[0][0] - stored_before
    if stored != RECORDS:  # the app said 已上传: the server must hold exactly those rows
        raise RuntimeError(f"{stored} visits stored, expected {RECORDS}")
    return {**first, **later, **upload, "load": (load_before, os.getloadavg()[0])}


def _kb(n: float) -> str:
    return f"{n / 1000:.1f} kB"


def _markdown(runs: list[dict], sizes: dict, precache: list[str], base: str) -> str:
    def med(key: str) -> float:
        return statistics.median(r[key] for r in runs)

    def each(key: str, fmt: str = "{:.2f}") -> str:
        return " / ".join(fmt.format(r[key]) for r in runs)

    shell = runs[0]["shell"]
    wire_bytes = [sum(x["bytes"] for x in r["shell"]) for r in runs]
    encodings = sorted({x["encoding"] or "none" for x in shell})
    unique = {x["url"] for x in shell} & set(sizes)
    raw = sum(sizes[u][0] for u in unique)
    gz = sum(sizes[u][1] for u in unique)
    precache_raw = sum(sizes.get(base + u, (0, 0))[0] for u in precache)
    paths = runs[0]["by_path"]
    login_api = "; ".join(
        f"run {i}: "
        + ", ".join(f"`{name}` {seconds * 1000:.0f} ms" for name, seconds in r["login_api"])
        for i, r in enumerate(runs, 1)
    )
    rows = [
        ("measure", "median", "runs", "goal"),
        ("---", "---", "---", "---"),
        (
            "first load: navigation to a usable login form",
            f"{med('login_form_s'):.2f} s",
            each("login_form_s"),
            "",
        ),
        (
            "first load: login submitted to usable home (fresh `me`)",
            f"{med('login_to_home_s'):.2f} s",
            each("login_to_home_s"),
            "",
        ),
        (
            "first load to usable home (the two above, typing excluded)",
            f"{med('first_home_s'):.2f} s",
            each("first_home_s"),
            "≤ 3 s" + (" met" if med("first_home_s") <= 3 else " **missed**"),
        ),
        (
            "later start from the service worker: usable home (cached `me`)",
            f"{med('sw_home_s'):.2f} s",
            each("sw_home_s"),
            "≤ 1 s" + (" met" if med("sw_home_s") <= 1 else " **missed**"),
        ),
        (
            "later start: home with fresh `me` (one API round trip more)",
            f"{med('sw_fresh_s'):.2f} s",
            each("sw_fresh_s"),
            "",
        ),
        (
            f"shell on the wire, first load ({len(shell)} responses, "
            f"Content-Encoding: {', '.join(encodings)})",
            _kb(statistics.median(wire_bytes)),
            " / ".join(_kb(b) for b in wire_bytes),
            "≤ 300 kB" + (" met" if statistics.median(wire_bytes) <= 300_000 else " **missed**"),
        ),
        ("the same files: raw bodies / gzip -6", f"{_kb(raw)} / {_kb(gz)}", "", ""),
        (
            f"upload of {RECORDS} queued visits after reconnecting, until all 已上传",
            f"{med('upload_s'):.2f} s",
            each("upload_s"),
            "",
        ),
        (
            "requests that upload took",
            f"{med('upload_requests'):.0f}",
            each("upload_requests", "{:d}"),
            "",
        ),
    ]
    table = "\n".join("| " + " | ".join(r) + " |" for r in rows)
    files = "\n".join(
        f"| `{x['url'].removeprefix(base)}` | {x['encoding'] or 'none'} | {_kb(x['bytes'])} | "
        f"{_kb(sizes.get(x['url'], (0, 0))[0])} | {_kb(sizes.get(x['url'], (0, 0))[1])} |"
        for x in sorted(shell, key=lambda x: -x["bytes"])
    )
    loads = "; ".join(f"{a:.1f} → {b:.1f}" for a, b in (r["load"] for r in runs))
    from_worker = all(r["shell_from_worker"] for r in runs)
    return f"""## Phone app: first load, service-worker start, upload (`bench/phone_app.py`)

Chromium (Playwright, `/usr/bin/chromium`) on a 390×844 context, each page throttled by CDP
`Network.emulateNetworkConditions`: {DOWN_BPS / 1e6:.1f} Mbit/s down, {UP_BPS / 1e6:.2f} Mbit/s up,
{RTT_MS} ms RTT. uvicorn, one worker, database `{DB_NAME}` (one county, 12 cells, one deputy).
{len(runs)} run(s), each in a fresh context (empty cache, no service worker, empty outbox): first
load and login, then a new page once the worker controls the app, then {RECORDS} visits queued
offline and uploaded on reconnect (the app's own outbox and upload loop; visits go in batches of
100 to `visits/sync`; each run checks that the server then holds exactly {RECORDS} more rows).
"Usable home" = `#progress-households` visible on `#home` (the progress line); "fresh" =
`#home[data-fresh=true]`, i.e. `me` answered by the server.

{table}

API requests between login and the fresh home, each from request to last byte (throttled):
{login_api}. `auth/login` checks the password (PBKDF2, Django's default cost) on the server's CPU.

Requests of one upload (run 1): {", ".join(f"`{k}` × {v}" for k, v in sorted(paths.items()))}.
Later start answered every shell file from the service worker in all runs: {
        "yes" if from_worker else "no"
    }.

Shell files of the first load (run 1), largest first:

| file | Content-Encoding | on the wire | raw body | gzip -6 |
| --- | --- | --- | --- | --- |
{files}

On the wire = `encodedDataLength` of `Network.loadingFinished` (headers included). The network
emulation applies to the page's requests only: the service worker's install fetches its
precache list ({len(precache)} files, {_kb(precache_raw)} raw) a second time, unthrottled here
and not in the figures above. Load average (1 min) before → after each run: {loads} (2 cores;
above 2 the machine was shared and times are inflated).

Run: `.venv/bin/python -m bench.run phone_app`.
"""


def main() -> None:
    os.environ["PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS"] = "1"
    from playwright.sync_api import sync_playwright

    _setup()
    process, base = start_uvicorn(_env(), workers=1, ready_path="/m/")
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            try:
                runs = []
                for i in range(RUNS):
                    runs.append(_run(browser, base))
                    print(
                        f"run {i + 1}: first home {runs[-1]['first_home_s']:.2f} s, "
                        f"worker start {runs[-1]['sw_home_s']:.2f} s, "
                        f"upload {runs[-1]['upload_s']:.2f} s "
                        f"({runs[-1]['upload_requests']} requests)",
                        flush=True,
                    )
            finally:
                browser.close()
        precache = _precache(base)
        urls = {x["url"] for r in runs for x in r["shell"]} | {base + u for u in precache}
        sizes = _sizes(base, sorted(urls))
    finally:
        process.terminate()
        process.wait(timeout=30)
    path = update_section("phone_app", _markdown(runs, sizes, precache, base))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
