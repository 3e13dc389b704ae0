"""Mixed load (issue 11): phones syncing at field rates while leaders keep dashboards open, on
the production stack; error rate, p50/p95/p99 per endpoint, and whether anything was lost.

Set-up: its own copy of the demo county 长沙县 (`cg_bench_mixed`, `load_demo --counties 430121`,
as bench/dashboard.py builds its database); uvicorn with `nproc` workers and the job worker beside
it, as `make run` starts them. A set-up script run by `manage.py shell` gives PHONES demo deputies
an account and a device token (mobile_api.services, what a login issues) and a county leader a
session. Then, for BENCH_MIXED_SECONDS per run, in one asyncio process:
- PHONES phones, each every PHONE_INTERVAL_S (jittered) posting a batch of BATCH household visits
  at cells of the county to `visits/sync`, and every fourth round reading `me` (field rates
  compressed: a deputy records a household every few minutes; here 200 phones post 5 visits every
  15 s, about 67 visits/s). A batch that fails is sent again, the same records, next round (the
  phone's outbox), so a failure shows in the error rate and not as a loss;
- DASHBOARDS leaders, each every DASHBOARD_INTERVAL_S reading what a dashboard reads on a window
  switch: the statistics, gaps, clusters and overdue badge, and TILES_PER_REFRESH cells tiles at
  z12 (a random window of 30/90/365 days each time).
After the load: the time until the summary queue (coverage_pendingvisit) is empty, and the visits
in the table against the records the server answered `created` (nothing lost, nothing doubled).
Three runs; per endpoint the requests, errors, p50/p95/p99 over all runs; load averages.

Writes its section of docs/benchmarks.md. Run: `.venv/bin/python -m bench.run mixed_load`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import math
import os
import random
import subprocess
import sys
import time
import uuid

import httpx
import psycopg

from bench.report import update_section
from bench.server import app_env, start_uvicorn

DB_NAME = os.environ.get("BENCH_MIXED_DB", "cg_bench_mixed")
os.environ.setdefault("BENCH_DASHBOARD_DB", DB_NAME)  # bench.dashboard's set-up, on this copy

from bench.dashboard import PG, ROOT, _loadavg, _setup  # noqa: E402

COUNTY = "430121"
RUNS = int(os.environ.get("BENCH_MIXED_RUNS", "3"))
SECONDS = float(os.environ.get("BENCH_MIXED_SECONDS", "60"))
PHONES = int(os.environ.get("BENCH_MIXED_PHONES", "200"))
DASHBOARDS = int(os.environ.get("BENCH_MIXED_DASHBOARDS", "20"))
PHONE_INTERVAL_S = 15.0
DASHBOARD_INTERVAL_S = 5.0
BATCH = 5
TILES_PER_REFRESH = 8
TILE_ZOOM = 12
WINDOWS = (30, 90, 365)
DRAIN_BUDGET_S = 5.0

# Run by `manage.py shell` on the bench database: accounts, devices and tokens for the phones,
# a session for the leaders; prints one JSON line.
SETUP_SCRIPT = """
import json
from django.test import Client
from backend.accounts.models import Role, User
from backend.liaison.models import Deputy
from backend.regions.models import Region
from mobile_api.models import Device
from mobile_api.services import _issue

phones = []
deputies = Deputy.objects.filter(county_adcode=COUNTY).order_by("id")[:PHONES]
for deputy in deputies:
    user = deputy.user
    if user is None:
        user = User.objects.create(username=f"bench-phone-{deputy.id}", role=Role.DEPUTY)
        deputy.user = user
        deputy.save(update_fields=["user"])
    device, _ = Device.objects.get_or_create(user=user, device_uid=f"bench-mixed-{deputy.id}")
    phones.append(_issue(user, device)["access"])
leader, _ = User.objects.get_or_create(
    username="bench-mixed-leader",
    defaults={"role": Role.LEADER, "jurisdiction": Region.objects.get(adcode=COUNTY)},
)
client = Client()
client.force_login(leader)
print("BENCH-SETUP " + json.dumps({"phones": phones, "session": client.cookies["sessionid"].value}))
"""


def _env() -> dict:
    return app_env(DB_NAME)


def _credentials() -> dict:
    script = f"COUNTY = {COUNTY!r}\nPHONES = {PHONES}\n" + SETUP_SCRIPT
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    line = next(x for x in done.stdout.splitlines() if x.startswith("BENCH-SETUP "))
    return json.loads(line.removeprefix("BENCH-SETUP "))


def _cells(conn) -> list[tuple[float, float]]:
    return conn.execute(
        "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(boundary) AS p "
        "FROM grid_gridcell WHERE county_adcode = %s ORDER BY id) t",
        [COUNTY],
    ).fetchall()


def _tile_xy(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    x = int((lon + 180.0) / 360.0 * n)
    y = int((1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n)
    return x, y


def _tiles(conn) -> list[tuple[int, int, int]]:
    w, s, e, n = conn.execute(
        "SELECT ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b) FROM (SELECT "
        "coalesce(display_boundary, boundary)::box2d AS b FROM regions_region WHERE adcode = %s) t",
        [COUNTY],
    ).fetchone()
    x0, y1 = _tile_xy(w, s, TILE_ZOOM)
    x1, y0 = _tile_xy(e, n, TILE_ZOOM)
    return [(TILE_ZOOM, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]


class Tally:
    """Per endpoint: latencies (ms) of the answered requests and the errors (5xx, a refused
    connection or a timeout; a 4xx is an error too: nothing in this load should be refused)."""

    def __init__(self):
        self.ms: dict[str, list[float]] = {}
        self.errors: dict[str, int] = {}
        self.error_samples: list[str] = []

    async def call(self, name: str, send) -> httpx.Response | None:
        started = time.perf_counter()
        try:
            response = await send()
        except httpx.HTTPError as error:
            self._error(name, type(error).__name__)
            return None
        self.ms.setdefault(name, []).append((time.perf_counter() - started) * 1000)
        if response.status_code >= 400:
            self._error(name, f"{response.status_code} {response.text[:120]}")
            return None
        return response

    def _error(self, name: str, what: str) -> None:
        self.errors[name] = self.errors.get(name, 0) + 1
        if len(self.error_samples) < 10:
            self.error_samples.append(f"{name}: {what}")


def _batch(cells: list, rng: random.Random) -> list[dict]:
    now = dt.datetime.now(dt.UTC)
    return [
        {
            "client_uuid": str(uuid.uuid4()),
            "kind": "household",
            "location": {"type": "Point", "coordinates": list(rng.choice(cells))},
            "accuracy_m": 8.0,
            "recorded_at": (now - dt.timedelta(seconds=30 * (BATCH - i))).isoformat(),
            "households": 1,
            "household_ref": uuid.uuid4().hex[:12],
        }
        for i in range(BATCH)
    ]


async def _phone(client, token, cells, tally, created, sent, stop_at, rng) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    outbox: list[dict] = []
    await asyncio.sleep(rng.uniform(0, PHONE_INTERVAL_S))
    round_no = 0
    while time.monotonic() < stop_at:
        if not outbox:
            outbox = _batch(cells, rng)
            sent.update(r["client_uuid"] for r in outbox)
        body = {"crs": "wgs84", "records": outbox}
        response = await tally.call(
            "POST visits/sync",
            lambda body=body: client.post("/api/mobile/v1/visits/sync", json=body, headers=headers),
        )
        if response is not None:
            for record, result in zip(outbox, response.json()["results"], strict=True):
                if result["status"] in ("created", "duplicate"):  # a replay after a timeout
                    created.add(record["client_uuid"])
            outbox = []
        if round_no % 4 == 3:
            await tally.call("GET me", lambda: client.get("/api/mobile/v1/me", headers=headers))
        round_no += 1
        await asyncio.sleep(PHONE_INTERVAL_S * rng.uniform(0.8, 1.2))


async def _dashboard(client, tiles, tally, stop_at, rng) -> None:
    await asyncio.sleep(rng.uniform(0, DASHBOARD_INTERVAL_S))
    while time.monotonic() < stop_at:
        days = rng.choice(WINDOWS)
        window = {"region": COUNTY, "days": days}
        reads = [
            ("GET stats", f"/api/map/v1/regions/{COUNTY}/stats", {"days": days}),
            ("GET gaps", "/api/map/v1/gaps", window),
            ("GET clusters", "/api/map/v1/clusters.geojson", window),
            ("GET overdue", f"/api/map/v1/regions/{COUNTY}/overdue", {}),
        ]
        reads += [
            ("GET cells tile z12", f"/tiles/cells/{z}/{x}/{y}.mvt", {"days": days})
            for z, x, y in rng.sample(tiles, min(TILES_PER_REFRESH, len(tiles)))
        ]
        await asyncio.gather(
            *(
                tally.call(name, lambda path=path, params=params: client.get(path, params=params))
                for name, path, params in reads
            )
        )
        await asyncio.sleep(DASHBOARD_INTERVAL_S * rng.uniform(0.8, 1.2))


async def _load(base: str, creds: dict, cells: list, tiles: list, seed: int) -> dict:
    tally, created, sent = Tally(), set(), set()
    stop_at = time.monotonic() + SECONDS
    limits = httpx.Limits(max_connections=PHONES + DASHBOARDS * TILES_PER_REFRESH)
    async with (
        httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as phones,
        httpx.AsyncClient(
            base_url=base, timeout=60, limits=limits, cookies={"sessionid": creds["session"]}
        ) as leaders,
    ):
        rng = random.Random(seed)
        tasks = [
            _phone(phones, token, cells, tally, created, sent, stop_at, random.Random(rng.random()))
            for token in creds["phones"]
        ]
        tasks += [
            _dashboard(leaders, tiles, tally, stop_at, random.Random(rng.random()))
            for _ in range(DASHBOARDS)
        ]
        await asyncio.gather(*tasks)
    return {"tally": tally, "created": created, "sent": sent}


def _drain_wait(conn) -> float:
    started = time.perf_counter()
    while conn.execute("SELECT count(*) FROM coverage_pendingvisit").fetchone()[0]:
        if time.perf_counter() - started > 120:
            raise RuntimeError("visits still pending 120 s after the load: is the worker up?")
        time.sleep(0.05)
    return time.perf_counter() - started


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def _met(ok: bool) -> str:
    return "met" if ok else "missed"


def _markdown(runs: list[dict], load: tuple[str, str], phones: int) -> str:
    names = sorted(
        {n for r in runs for n in r["tally"].ms} | {n for r in runs for n in r["tally"].errors}
    )
    rows = []
    for name in names:
        ms = [v for r in runs for v in r["tally"].ms.get(name, [])]
        errors = sum(r["tally"].errors.get(name, 0) for r in runs)
        p = f"{_pct(ms, 0.5):.1f} / {_pct(ms, 0.95):.1f} / {_pct(ms, 0.99):.1f}" if ms else "–"
        rows.append(f"| {name} | {len(ms):,} | {errors} | {p} |")
    sent = sum(len(r["sent"]) for r in runs)
    created = sum(len(r["created"]) for r in runs)
    stored = sum(r["stored"] for r in runs)
    drains = ", ".join(f"{r['drain_s']:.2f}" for r in runs)
    errors = sum(sum(r["tally"].errors.values()) for r in runs)
    samples = [s for r in runs for s in r["tally"].error_samples][:5]
    lines = [
        "## Mixed load: phones syncing while dashboards are open (`bench/mixed_load.py`)",
        "",
        f"Demo county 长沙县 (its own database `{DB_NAME}`); uvicorn with {os.cpu_count()} "
        "workers and the job worker beside it, as `make run` serves them; the load generator "
        f"(one asyncio process) on the same machine. {len(runs)} run(s) of {SECONDS:.0f} s: "
        f"{phones} phones, each posting {BATCH} household visits every "
        f"~{PHONE_INTERVAL_S:.0f} s and reading `me` every fourth round; {DASHBOARDS} county "
        "leaders' dashboards, each every "
        f"~{DASHBOARD_INTERVAL_S:.0f} s reading statistics, gaps, clusters, the overdue badge "
        f"and {TILES_PER_REFRESH} cells tiles at z{TILE_ZOOM} (window 30/90/365 days at random). "
        f"Load average (1, 5, 15 min) before / after: {load[0]} / {load[1]} on "
        f"{os.cpu_count()} cores.",
        "",
        "| endpoint | answered | errors | p50 / p95 / p99 (ms) |",
        "| --- | --- | --- | --- |",
        *rows,
        "",
        "| outcome | value | goal |",
        "| --- | --- | --- |",
        f"| errors (all endpoints, all runs) | {errors} | 0: {_met(errors == 0)} |",
        f"| visits sent / acknowledged (created or duplicate) / in the table | {sent:,} / "
        f"{created:,} / {stored:,} | all stored, none doubled: {_met(sent == created == stored)} |",
        f"| summary queue empty after the load (s), per run | {drains} "
        f"| ≤ {DRAIN_BUDGET_S:.0f} s: {_met(all(r['drain_s'] <= DRAIN_BUDGET_S for r in runs))} |",
    ]
    if samples:
        lines += ["", "First errors: " + "; ".join(f"`{s}`" for s in samples)]
    return "\n".join(lines)


def main() -> None:
    _setup()
    creds = _credentials()
    with psycopg.connect(PG + DB_NAME, autocommit=True) as conn:
        cells, tiles = _cells(conn), _tiles(conn)
    env = _env()
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "jobs_worker"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    process, base = start_uvicorn(env, workers=os.cpu_count() or 2, ready_path="/accounts/login/")
    load_before = _loadavg()
    runs = []
    try:
        with psycopg.connect(PG + DB_NAME, autocommit=True) as conn:
            _drain_wait(conn)  # nothing of the set-up left in the queue
            for run_no in range(RUNS):
                run = asyncio.run(_load(base, creds, cells, tiles, seed=run_no))
                run["drain_s"] = _drain_wait(conn)
                run["stored"] = conn.execute(
                    "SELECT count(*) FROM visits_visit WHERE client_uuid = ANY(%s::uuid[])",
                    [list(run["sent"])],
                ).fetchone()[0]
                runs.append(run)
                tally = run["tally"]
                print(
                    f"run {run_no + 1}: {sum(len(v) for v in tally.ms.values())} answered, "
                    f"{sum(tally.errors.values())} errors, sent {len(run['sent'])} created "
                    f"{len(run['created'])} stored {run['stored']}, drained in "
                    f"{run['drain_s']:.2f} s",
                    flush=True,
                )
    finally:
        process.terminate()
        worker.terminate()
        process.wait(timeout=30)
        worker.wait(timeout=30)
    path = update_section(
        "mixed_load", _markdown(runs, (load_before, _loadavg()), len(creds["phones"]))
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
