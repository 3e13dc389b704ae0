"""Summaries off the phone's request path (issue 11): what a phone's sync costs now against the
synchronous summaries it replaced, and how long until the dashboard's figures hold a visit.

Set-up: the demo database of bench/dashboard.py (`cg_bench_dashboard`, 长沙县); uvicorn (one
worker) and the job worker (`manage.py jobs_worker`, as `make run` starts them) on it. The demo
deputy's phone posts batches of 100 visits to `visits/sync` over loopback.

- sync, alternated in the same run: "queued" is the production path (the insert trigger queues
  the visits; the job coverage.drain applies them); "synchronous" adds, for that round only, a
  statement trigger after the queueing one that drains the statement's visits in the same
  transaction: the work the insert trigger did before issue 11. Per run the median of each.
- freshness ("queued" rounds): from the sync answer (its transaction has committed) until no visit
  of the batch is pending any more, i.e. the drain that applied them has committed and the next
  statistics read includes them (polled every 20 ms). Budget ≤ 5 s.
3 runs, 8 rounds of each mode per run; the load average before and after.

Writes its section of docs/benchmarks.md. Run: `.venv/bin/python -m bench.run freshness`.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import time
import uuid

import httpx
import psycopg

from bench.dashboard import DB_NAME, PASSWORD, PG, ROOT, _env, _loadavg, _setup
from bench.report import update_section
from bench.server import start_uvicorn

RUNS = int(os.environ.get("BENCH_FRESHNESS_RUNS", "3"))
ROUNDS = int(os.environ.get("BENCH_FRESHNESS_ROUNDS", "8"))
BATCH = 100
BUDGET_S = 5.0

SYNC_TRIGGER = """
CREATE OR REPLACE FUNCTION bench_summaries_now() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('coverage_drain'));  -- as the old trigger waited
    PERFORM count(*) FROM coverage_drain(1000000);
    RETURN NULL;
END $fn$;
CREATE TRIGGER zz_bench_summaries_now AFTER INSERT ON visits_visit
FOR EACH STATEMENT EXECUTE FUNCTION bench_summaries_now();
"""
DROP_SYNC_TRIGGER = """
DROP TRIGGER IF EXISTS zz_bench_summaries_now ON visits_visit;
DROP FUNCTION IF EXISTS bench_summaries_now();
"""


COPY_100 = """
INSERT INTO visits_visit (deputy_id, client_uuid, content_hash, kind, location, accuracy_m,
    recorded_at, received_at, households, household_ref, notes, mock_location, cell_id, adcode,
    county_adcode, flags)
SELECT deputy_id, gen_random_uuid(), content_hash, kind, location, accuracy_m,
       now() - (id %% 30) * interval '1 day', now(), households, household_ref, notes,
       mock_location, cell_id, adcode, county_adcode, flags
FROM visits_visit WHERE id > %(after)s ORDER BY id LIMIT 100
"""


def _statement_cost(conn) -> dict:
    """One 100-visit INSERT in the database, alternated and rolled back: queued (now), applied
    (plus the drain of its visits in the same transaction: the trigger before issue 11),
    without (no coverage trigger). Medians of 20 each (the first round of each left out)."""
    while conn.execute("SELECT count(*) FROM coverage_drain(100000)").fetchone()[0]:
        pass  # nothing pending: "applied" drains only its own visits
    top = conn.execute("SELECT max(id) FROM visits_visit").fetchone()[0]
    modes = ("queued", "applied", "without")
    timings: dict[str, list[float]] = {m: [] for m in modes}
    for i in range(63):
        mode = modes[i % 3]
        with conn.transaction(force_rollback=True):
            if mode == "without":
                conn.execute("ALTER TABLE visits_visit DISABLE TRIGGER USER")
            started = time.perf_counter()
            conn.execute(COPY_100, {"after": (i * 997) % max(1, top - 200)})
            if mode == "applied":
                conn.execute("SELECT count(*) FROM coverage_drain(1000000)")
            if i >= 3:
                timings[mode].append((time.perf_counter() - started) * 1000)
    return {m: statistics.median(v) for m, v in timings.items()}


def _cells() -> list[tuple[float, float]]:
    with psycopg.connect(PG + DB_NAME, autocommit=True) as conn:
        return conn.execute(
            "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(boundary) AS p "
            "FROM grid_gridcell WHERE adcode LIKE '430121%%' ORDER BY id LIMIT 400) t"
        ).fetchall()


def _body(cells: list, round_no: int) -> bytes:
    now = dt.datetime.now(dt.UTC)
    records = [
        {
            "client_uuid": str(uuid.uuid4()),
            "kind": "household",
            "location": {"type": "Point", "coordinates": list(cells[(round_no * 37 + i) % 400])},
            "accuracy_m": 8.0,
            "recorded_at": (now - dt.timedelta(minutes=BATCH - i)).isoformat(),
            "households": 1,
            "household_ref": uuid.uuid4().hex[:12],
        }
        for i in range(BATCH)
    ]
    return json.dumps({"crs": "wgs84", "records": records}).encode()


def _pending(conn, ids: list[int]) -> int:
    return conn.execute(
        "SELECT count(*) FROM coverage_pendingvisit WHERE visit_id = ANY(%s)", [ids]
    ).fetchone()[0]


def _run(base: str, headers: dict, cells: list, conn, run_no: int) -> dict:
    client = httpx.Client(base_url=base, timeout=60)
    out: dict[str, list[float]] = {"queued": [], "synchronous": [], "fresh": []}
    for i in range(2 * ROUNDS):
        mode = ("queued", "synchronous")[(i + run_no) % 2]
        if mode == "synchronous":
            conn.execute(SYNC_TRIGGER)
        try:
            body = _body(cells, run_no * 100 + i)
            started = time.perf_counter()
            response = client.post("/api/mobile/v1/visits/sync", content=body, headers=headers)
            answered = time.perf_counter()
            response.raise_for_status()
        finally:
            if mode == "synchronous":
                conn.execute(DROP_SYNC_TRIGGER)
        ids = [r["id"] for r in response.json()["results"] if r["status"] == "created"]
        assert len(ids) == BATCH, response.text[:300]
        out[mode].append((answered - started) * 1000)
        if mode == "queued":
            while _pending(conn, ids):
                time.sleep(0.02)
                if time.perf_counter() - answered > 60:
                    raise RuntimeError("visits still pending after 60 s: is the worker running?")
            out["fresh"].append(time.perf_counter() - answered)
        else:
            assert _pending(conn, ids) == 0
        time.sleep(0.3)  # rounds apart, as phones are
    return out


def _markdown(runs: list[dict], costs: list[dict], load: tuple[str, str]) -> str:
    def med(key: str, fmt: str) -> str:
        per_run = [statistics.median(r[key]) for r in runs]
        return (
            f"{fmt.format(statistics.median(per_run))} "
            f"({fmt.format(min(per_run))}-{fmt.format(max(per_run))})"
        )

    fresh = [x for r in runs for x in r["fresh"]]
    fresh_max = max(fresh)
    ratio = [statistics.median(r["queued"]) / statistics.median(r["synchronous"]) for r in runs]
    return "\n".join(
        [
            "## Summaries off the request path (`bench/freshness.py`)",
            "",
            "Demo county 长沙县 (database of bench/dashboard.py); uvicorn, one worker, and the job "
            f"worker beside it; the demo deputy posts batches of {BATCH} visits to `visits/sync`. "
            '"queued" and "synchronous" (the statement also maintaining the summaries, as the '
            f"trigger did before issue 11) alternate in the same run; {len(runs)} runs of "
            f"{ROUNDS} rounds each: median of the per-run medians (min-max). Load average "
            f"(1, 5, 15 min) before / after: {load[0]} / {load[1]} on 2 cores.",
            "",
            "| measure | value | goal |",
            "| --- | --- | --- |",
            f"| sync of 100 visits, queued (now) | {med('queued', '{:.1f}')} ms | |",
            f"| sync of 100 visits, summaries in the same transaction (before) | "
            f"{med('synchronous', '{:.1f}')} ms | |",
            f"| queued / synchronous | {statistics.median(ratio):.2f} | < 1 |",
            f"| freshness: sync answer → batch in the summaries, p50 | "
            f"{med('fresh', '{:.2f}')} s | |",
            f"| freshness, worst of {len(fresh)} batches | {fresh_max:.2f} s | ≤ {BUDGET_S:.0f} s: "
            f"{'met' if fresh_max <= BUDGET_S else 'NOT met'} |",
            "",
            "One 100-visit INSERT statement in the database (alternated, rolled back, medians of "
            "20 per run; median of the runs (min-max)):",
            "",
            "| statement | ms |",
            "| --- | --- |",
            *(
                f"| {label} | {statistics.median(c[key] for c in costs):.1f} "
                f"({min(c[key] for c in costs):.1f}-{max(c[key] for c in costs):.1f}) |"
                for key, label in (
                    ("queued", "queued: the trigger appends to coverage_pendingvisit (now)"),
                    (
                        "applied",
                        "applied: plus their summaries in the same transaction (before; "
                        "through coverage_drain, so with its temp table and ANALYZE)",
                    ),
                    ("without", "without any coverage trigger"),
                )
            ),
            "",
            "The job runs every 2 s (procrastinate periodic, 6-field cron): a batch waits up to "
            "one period plus the worker's polling and one drain.",
        ]
    )


def main() -> None:
    _setup()
    with psycopg.connect(PG + DB_NAME, autocommit=True) as conn:
        conn.execute(DROP_SYNC_TRIGGER)
    cells = _cells()
    load_before = _loadavg()
    with psycopg.connect(PG + DB_NAME, autocommit=True) as conn:
        costs = []
        for n in range(RUNS):
            costs.append(_statement_cost(conn))
            print(
                f"statement run {n + 1}: "
                + ", ".join(f"{k} {v:.1f} ms" for k, v in costs[-1].items()),
                flush=True,
            )
    env = _env()
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "jobs_worker"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    process, base = start_uvicorn(env, workers=1, ready_path="/accounts/login/")
    runs = []
    try:
        access = httpx.post(
            base + "/api/mobile/v1/auth/login",
            json={"username": "deputy", "password": PASSWORD, "device_id": "bench-freshness"},
            timeout=60,
        ).json()["access"]
        headers = {"Authorization": f"Bearer {access}", "Content-Type": "application/json"}
        with psycopg.connect(PG + DB_NAME, autocommit=True) as conn:
            for run_no in range(RUNS):
                r = _run(base, headers, cells, conn, run_no)
                runs.append(r)
                print(
                    f"run {run_no + 1}: queued {statistics.median(r['queued']):.1f} ms, "
                    f"synchronous {statistics.median(r['synchronous']):.1f} ms, fresh p50 "
                    f"{statistics.median(r['fresh']):.2f} s max {max(r['fresh']):.2f} s",
                    flush=True,
                )
    finally:
        with psycopg.connect(PG + DB_NAME, autocommit=True) as conn:
            conn.execute(DROP_SYNC_TRIGGER)
        process.terminate()
        worker.terminate()
        process.wait(timeout=30)
        worker.wait(timeout=30)
    path = update_section("freshness", _markdown(runs, costs, (load_before, _loadavg())))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
