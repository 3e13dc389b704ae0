"""The leader dashboard (/dashboard/) in real Chromium: what a county leader waits for, and what
the browser fetches (issue 11; measured here, never asserted in tests).

Set-up: database `cg_bench_dashboard` (created and migrated if missing) holding the demo county
长沙县 (`load_demo --counties 430121`: ~4,500 cells, a year of visits, the demo logins); uvicorn
(one worker, the production ASGI stack, compression on) on it. Chromium through Playwright, a
fresh context per run (empty HTTP cache), two profiles:
- desktop: 1440x900, no throttling;
- phone: 390x844, CDP `Network.emulateNetworkConditions` 1.6 Mbit/s down, 0.75 Mbit/s up,
  150 ms RTT (Lighthouse's "slow 4G").

Per run:
- login → usable: from submitting the login form until the map has drawn its cells with no tile
  loading (`#map[data-tiles-loading=0]`, cells rendered), the statistics are filled and the gaps
  list is shown; then requests and bytes until the network is idle (no request for 1 s);
- window switch: the 30-day button until the cells are drawn again and the statistics refreshed;
  requests and bytes; then back to 90 days (what the browser already has: revalidations answered
  304 count as requests, their bytes are the headers);
- duplicates: tile URLs fetched more than once in the whole run.
Bytes are CDP `Network.loadingFinished.encodedDataLength` (on the wire, headers included).
Three runs per profile; median, spread (min-max) and the load average before and after.

Also the sizes of three responses as the client negotiates them (identity, gzip, br):
`me/cells` of the demo deputy, a 365-day cells tile at z12 over the county, `leaflet.js`.

Writes its section of docs/benchmarks.md (bench.report.update_section("dashboard", ...)).
Run: `.venv/bin/python -m bench.run dashboard`. `BENCH_DASHBOARD_RUNS` changes the run count.
"""

from __future__ import annotations

import math
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psycopg

from bench.report import update_section
from bench.server import app_env, start_uvicorn

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = os.environ.get("BENCH_DASHBOARD_DB", "cg_bench_dashboard")
PG = "postgresql://postgres@127.0.0.1:5432/"
RUNS = int(os.environ.get("BENCH_DASHBOARD_RUNS", "3"))
PASSWORD = "demo12345"  # load_demo's
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PROFILES = {
    "desktop": {"viewport": {"width": 1440, "height": 900}, "network": None},
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "network": {
            "offline": False,
            "latency": 150,
            "downloadThroughput": 1.6e6 / 8,
            "uploadThroughput": 0.75e6 / 8,
        },
    },
}
USABLE = """() => {
    const m = document.getElementById('map');
    const covered = document.getElementById('stat-covered');
    return !!m && m.dataset.tilesLoading === '0' && Number(m.dataset.cellsRendered || 0) > 0
        && !!covered && /[0-9]/.test(covered.textContent)
        && document.querySelectorAll('#gaps li').length > 0;
}"""


def _env() -> dict:
    return app_env(
        DB_NAME,
        CSP_REPORT_ONLY="1",  # Playwright's evaluations; the page itself is unchanged
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
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--no-input", "-v", "0"], **run)
    subprocess.run([*manage, "collectstatic", "--no-input", "-v", "0"], **run)
    subprocess.run([*manage, "load_demo", "--counties", "430121", "--if-empty"], **run)


class Wire:
    """Every request of one page (CDP): URL, status, bytes on the wire, time."""

    def __init__(self, cdp):
        self.requests: dict[str, dict] = {}
        cdp.on("Network.requestWillBeSent", self._sent)
        cdp.on("Network.responseReceived", self._response)
        # the status on the wire: responseReceived reports a revalidated response (304) with
        # the cached response's status, the extra info the one the server sent
        cdp.on("Network.responseReceivedExtraInfo", self._extra)
        cdp.on("Network.loadingFinished", self._finished)
        cdp.on("Network.loadingFailed", self._failed)

    def _sent(self, event):
        self.requests[event["requestId"]] = {
            "url": event["request"]["url"],
            "at": time.perf_counter(),
            "done": False,
            "bytes": 0,
            "status": 0,
        }

    def _response(self, event):
        if event["requestId"] in self.requests:
            self.requests[event["requestId"]]["status"] = event["response"]["status"]

    def _extra(self, event):
        if event["requestId"] in self.requests:
            self.requests[event["requestId"]]["wire_status"] = event.get("statusCode", 0)

    def _finished(self, event):
        if event["requestId"] in self.requests:
            r = self.requests[event["requestId"]]
            r.update(done=True, bytes=int(event["encodedDataLength"]), end=time.perf_counter())

    def _failed(self, event):
        if event["requestId"] in self.requests:
            self.requests[event["requestId"]].update(done=True, end=time.perf_counter())

    def since(self, started: float) -> list[dict]:
        return [r for r in self.requests.values() if r["at"] >= started and r["url"][:4] == "http"]

    def idle(self, quiet_s: float = 1.0, timeout_s: float = 120.0) -> list[str]:
        """Wait until no request is open and none ended for `quiet_s`; the URLs still open
        when `timeout_s` ran out (empty when the network went idle)."""
        deadline = time.monotonic() + timeout_s
        busy: list[dict] = []
        while time.monotonic() < deadline:
            busy = [r for r in self.requests.values() if not r["done"]]
            last = max((r.get("end", r["at"]) for r in self.requests.values()), default=0)
            if not busy and time.perf_counter() - last >= quiet_s:
                return []
            time.sleep(0.1)
        return [r["url"] for r in busy]


def _summary(requests: list[dict]) -> dict:
    return {
        "requests": len(requests),
        "bytes": sum(r["bytes"] for r in requests),
        "not_modified": sum(1 for r in requests if 304 in (r["status"], r.get("wire_status"))),
        "tiles": sum(1 for r in requests if "/tiles/" in r["url"] and ".mvt" in r["url"]),
    }


def _wait(page, predicate: str, arg=None, timeout_s: float = 90.0) -> None:
    page.wait_for_function(predicate, arg=arg, timeout=timeout_s * 1000, polling=50)


def _run(browser, base: str, profile: dict) -> dict:
    context = browser.new_context(viewport=profile["viewport"], locale="zh-CN")
    try:
        page = context.new_page()
        page.set_default_timeout(180_000)
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": False})
        if profile["network"]:
            cdp.send("Network.emulateNetworkConditions", profile["network"])
        wire = Wire(cdp)
        page.goto(base + "/accounts/login/?next=/dashboard/")
        page.fill("input[name=username]", "leader")
        page.fill("input[name=password]", PASSWORD)
        started = time.perf_counter()
        page.click("button[type=submit].btn-primary")
        _wait(page, USABLE)
        usable = time.perf_counter() - started
        open_urls = wire.idle()
        load = _summary(wire.since(started))
        load_urls = [r["url"] for r in wire.since(started) if "/tiles/" in r["url"]]
        result = {"usable_s": usable, **{f"load_{k}": v for k, v in load.items()}}
        for days, key in ((30, "switch"), (90, "back")):
            before = page.evaluate("document.getElementById('map').dataset.cellsLoaded || ''")
            stats_before = page.evaluate("document.getElementById('stat-covered').textContent")
            t0 = time.perf_counter()
            page.click(f"#window-control button[data-days='{days}']")
            _wait(
                page,
                """([before]) => { const m = document.getElementById('map');
                    return m.dataset.tilesLoading === '0' && m.dataset.cellsLoaded !== before
                        && Number(m.dataset.cellsRendered || 0) > 0; }""",
                [before],
            )
            if key == "switch":  # the 30-day figures differ from the 90-day ones on the demo
                _wait(
                    page,
                    "s => document.getElementById('stat-covered').textContent !== s",
                    stats_before,
                )
            result[f"{key}_s"] = time.perf_counter() - t0
            open_urls += wire.idle()
            for k, v in _summary(wire.since(t0)).items():
                result[f"{key}_{k}"] = v
        # the same tile URL twice while loading (a window switch back fetches again: revalidated)
        result["duplicate_tile_urls"] = len(load_urls) - len(set(load_urls))
        result["never_idle"] = sorted({u.split("?")[0] for u in open_urls})
        return result
    finally:
        context.close()


def _tile_xy(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    x = int((lon + 180.0) / 360.0 * n)
    y = int((1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n)
    return x, y


def _wire_bytes(client: httpx.Client, url: str, headers: dict, encoding: str) -> tuple[int, str]:
    with client.stream("GET", url, headers={**headers, "Accept-Encoding": encoding}) as r:
        r.raise_for_status()
        return sum(len(b) for b in r.iter_raw()), r.headers.get("content-encoding", "")


def _sizes(base: str) -> list[tuple[str, dict]]:
    """(label, {encoding: (bytes, Content-Encoding)}) of me/cells, a cells tile, leaflet.js."""
    access = httpx.post(
        base + "/api/mobile/v1/auth/login",
        json={"username": "deputy", "password": PASSWORD, "device_id": "bench-dashboard"},
    ).json()["access"]
    session = httpx.Client(base_url=base, timeout=60)
    page = session.get("/accounts/login/")
    session.post(
        "/accounts/login/",
        data={
            "username": "leader",
            "password": PASSWORD,
            "csrfmiddlewaretoken": page.cookies.get("csrftoken") or session.cookies["csrftoken"],
        },
        headers={"Referer": base + "/accounts/login/"},
    )
    ((lon, lat),) = _sql(
        DB_NAME,
        "SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_Centroid(ST_Extent(boundary)) AS c "
        "FROM grid_gridcell WHERE adcode LIKE '430121%%') t",
    )
    x, y = _tile_xy(lon, lat, 12)
    items = [
        (
            "`me/cells` (demo deputy)",
            "/api/mobile/v1/me/cells",
            {"Authorization": f"Bearer {access}"},
        ),
        (f"cells tile 12/{x}/{y}, 365 days", f"/tiles/cells/12/{x}/{y}.mvt?days=365", None),
        ("`leaflet.js`", "/static/leaflet/leaflet.js", {}),
    ]
    out = []
    for label, url, headers in items:
        client = session if headers is None else httpx.Client(base_url=base, timeout=60)
        out.append(
            (
                label,
                {e: _wire_bytes(client, url, headers or {}, e) for e in ("identity", "gzip", "br")},
            )
        )
    return out


def _kb(n: float) -> str:
    return f"{n / 1000:.1f} kB"


def _profile_text(name: str, profile: dict) -> str:
    size = f"{profile['viewport']['width']}x{profile['viewport']['height']}"
    network = profile["network"]
    if not network:
        return f"{name}: {size}, no throttling"
    return (
        f"{name}: {size}, {network['downloadThroughput'] * 8 / 1e6:g} Mbit/s down, "
        f"{network['uploadThroughput'] * 8 / 1e6:g} Mbit/s up, {network['latency']} ms RTT"
    )


def _markdown(results: dict, sizes: list, load: tuple[str, str]) -> str:
    never_idle = sorted({u for runs in results.values() for r in runs for u in r["never_idle"]})
    lines = [
        "## Leader dashboard in Chromium (bench/dashboard.py)",
        "",
        "Demo county 长沙县 in its own database; uvicorn, one worker; Chromium, fresh context "
        f"per run; {RUNS} runs per profile: median (min-max). Load average before/after: "
        f"{load[0]} / {load[1]} ({os.cpu_count()} cores; above that other processes competed "
        "for the CPUs). "
        + "; ".join(_profile_text(name, profile) for name, profile in PROFILES.items())
        + ". Usable: the map has drawn its cells with no tile loading, the statistics are "
        "filled and the gaps list is shown (after a switch: cells drawn again, statistics "
        "changed). Requests and bytes are counted until the network is idle (no request open, none "
        "for 1 s; at most 120 s)"
        + (
            ": it never went idle in some steps, requests still open then: "
            + ", ".join(f"`{u}`" for u in never_idle)
            if never_idle
            else ""
        )
        + ".",
        "",
        "| profile | step | time s | requests | of them 304 | tiles | bytes on the wire |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, runs in results.items():
        if not runs:
            lines.append(f"| {name} | not usable within the wait in any run | | | | | |")
            continue
        for step, label in (
            ("load", "login → usable (then to network idle)"),
            ("switch", "switch to 30 days"),
            ("back", "back to 90 days"),
        ):
            time_key = "usable_s" if step == "load" else f"{step}_s"

            def med(key, fmt="{:.0f}", runs=runs):
                values = [r[key] for r in runs]
                return (
                    f"{fmt.format(statistics.median(values))} "
                    f"({fmt.format(min(values))}-{fmt.format(max(values))})"
                )

            lines.append(
                f"| {name} | {label} | {med(time_key, '{:.2f}')} | {med(step + '_requests')} | "
                f"{med(step + '_not_modified')} | {med(step + '_tiles')} | "
                f"{_kb(statistics.median(r[step + '_bytes'] for r in runs))} |"
            )
        dups = max(r["duplicate_tile_urls"] for r in runs)
        lines.append(f"| {name} | tile URLs fetched twice (worst run) | | {dups} | | | |")
    lines += [
        "",
        "Response sizes on the wire by `Accept-Encoding` (body bytes):",
        "",
        "| response | identity | gzip | br |",
        "| --- | --- | --- | --- |",
    ]
    for label, by in sizes:
        cells = [f"{_kb(n)}{' (' + enc + ')' if enc else ''}" for n, enc in by.values()]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _loadavg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    _setup()
    load_before = _loadavg()
    process, base = start_uvicorn(_env(), workers=1, ready_path="/accounts/login/")
    results: dict[str, list[dict]] = {}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            try:
                for name, profile in PROFILES.items():
                    results[name] = []
                    for i in range(RUNS):
                        try:
                            r = _run(browser, base, profile)
                        except PlaywrightTimeout as error:  # reported, not hidden
                            print(f"{name} run {i + 1}: not usable in time: {error}", flush=True)
                            continue
                        results[name].append(r)
                        print(
                            f"{name} run {i + 1}: usable {r['usable_s']:.2f} s, "
                            f"{r['load_requests']} requests, {_kb(r['load_bytes'])}; switch "
                            f"{r['switch_s']:.2f} s {r['switch_requests']} req "
                            f"{_kb(r['switch_bytes'])}; back {r['back_s']:.2f} s "
                            f"{r['back_requests']} req {_kb(r['back_bytes'])}; duplicate tile "
                            f"URLs {r['duplicate_tile_urls']}",
                            flush=True,
                        )
            finally:
                browser.close()
        sizes = _sizes(base)
    finally:
        process.terminate()
        process.wait(timeout=30)
    path = update_section("dashboard", _markdown(results, sizes, (load_before, _loadavg())))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
