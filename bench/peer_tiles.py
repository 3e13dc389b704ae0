"""The project's cell tiles beside a real peer tile server, tipg, on the same database and SQL.

Peer: tipg (PyPI: "Simple and Fast Geospatial OGC Features and Tiles API for PostGIS"), pinned to
TIPG_VERSION, installed by this module into its own venv `.bench-venv/` at the repository root
(`python -m venv` + pip; the project's requirements do not change), served by that venv's uvicorn
with one worker, like the project's.

Data: the county database of bench/coverage_tiles.py (`cg_bench_county`, 5,000 cells, 1,000,000
visits; generated there if missing). Same SQL: the view `bench_peer.cells_90d` is built from the
project's own cell-tile fragments (backend/coverage/selectors/cells.py and tiles.py: the state,
window counts, coverage ratio and local time of the `cells` layer), with the parameters the
project binds for a provincial leader and the 90-day window bound as literals; its geometry is
`grid_gridcell.boundary` (indexed; the project draws `coalesce(display_boundary, boundary)`,
and the bench cells have no display boundary, so both draw the same polygons). tipg adds its own
tile filter, ORDER BY + LIMIT and ST_AsMVT over the view (its `max_features_per_tile` raised past
any tile here, buffer 64 px as the project's, catalogue refresh off).

Tiles: every tile of z10 / z12 / z14 touching the county that holds at least one cell (counted
in SQL), up to TILES_PER_ZOOM evenly spread; a county of ~0.6 x 0.3 degree spans only a few z10
tiles, so z10 holds fewer than 40 (all of them). Feature counts decoded from both answers (they
must agree). Per run both servers are started fresh; for each tile and each Accept-Encoding
(identity, gzip) the first fetch from each server is recorded apart, then WARM_REPEATS warm
fetches alternating project / peer / the project's tile SQL raw (psycopg, prepared after 5 runs
as the app's tile cursor: settings prepare_threshold). RUNS runs (`BENCH_PEER_RUNS`); p50 / p95 /
p99 over the warm fetches of all runs, and the per-run p50 spread; bytes are the median body on
the wire. Load average before and after each run.

Writes the "peer_tiles" section of docs/benchmarks.md. Run: `.venv/bin/python -m bench.run
peer_tiles`.
"""

from __future__ import annotations

import json
import math
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import psycopg

from bench.coverage_tiles import PG, SPECS, Spec, _env, _tile_xy, ensure_database

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".bench-venv"
TIPG_VERSION = "1.6.1"
RUNS = int(os.environ.get("BENCH_PEER_RUNS", "3"))
ZOOMS = (10, 12, 14)
TILES_PER_ZOOM = 60
WARM_REPEATS = 5
ENCODINGS = ("identity", "gzip")
BENCH_USER = "bench-coverage-leader"
VIEW = "bench_peer.cells_90d"
RESULTS = ROOT / "bench" / "results" / "peer_tiles.json"


# --- the peer's environment -------------------------------------------------------------------


def ensure_peer_venv() -> Path:
    """`.bench-venv` with tipg and uvicorn; created when missing. Raises with pip's output if the
    install fails (only PyPI is reachable from here)."""
    python = VENV / "bin" / "python"
    check = f"import tipg, uvicorn; assert tipg.__version__ == {TIPG_VERSION!r}"
    probe = [str(python), "-c", check]
    if python.exists() and subprocess.run(probe, capture_output=True).returncode == 0:
        return python
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", f"tipg=={TIPG_VERSION}", "uvicorn"],
        capture_output=True,
        text=True,
    )
    if install.returncode != 0:
        raise RuntimeError(f"pip install tipg=={TIPG_VERSION} failed:\n{install.stderr[-3000:]}")
    return python


def _start_tipg(python: Path, spec: Spec):
    from bench.server import free_port

    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DATABASE_URL": f"postgresql://postgres@127.0.0.1:5432/{spec.db}",
        "TIPG_DB_SCHEMAS": '["bench_peer"]',
        "TIPG_DB_FUNCTIONS": "[]",
        "TIPG_DB_SPATIAL_EXTENT": "false",
        "TIPG_DB_DATETIME_EXTENT": "false",
        "TIPG_CATALOG_TTL": "0",
        "TIPG_MAX_FEATURES_PER_TILE": "100000",
        "TIPG_TILE_BUFFER": "64",
        "TIPG_DB_MIN_CONN_SIZE": "1",
        "TIPG_DB_MAX_CONN_SIZE": "4",
        "TIPG_ADD_TILES_VIEWER": "false",
    }
    process = subprocess.Popen(
        [
            str(python),
            "-m",
            "uvicorn",
            "tipg.main:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        cwd=VENV,  # no .env of the project's
        env=env,
    )
    import httpx

    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(f"{base}/collections/{VIEW}", timeout=2).status_code == 200:
                return process, base
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    process.terminate()
    raise RuntimeError("tipg did not start (or does not list the view)")


# --- measurement (a Django process bound to the county database) -------------------------------


def _create_view(conn, window, scope_like: str) -> None:
    """`bench_peer.cells_90d`: the rows of the project's `cells` tile, every cell in scope, with
    the window's parameters bound as literals (psycopg's client-side binding)."""
    from backend.coverage.selectors.cells import (
        cell_window_sql,
        ratio_sql,
        state_sql,
        window_params,
    )
    from backend.coverage.selectors.tiles import _local_iso

    visits, households_visited = cell_window_sql(window)
    body = f"""
        SELECT id, code, name, state, assigned, visits, households_visited, households,
               round({ratio_sql("households_visited", "households", "visits")}::numeric, 4)
                   ::float8 AS coverage_ratio,
               {_local_iso("last_visit_at")} AS last_visit, geom
        FROM (
            SELECT c.id, c.code, c.name, c.households, {state_sql()} AS state,
                   coalesce(s.assigned, false) AS assigned,
                   {visits} AS visits, {households_visited} AS households_visited,
                   s.last_visit_at, c.boundary AS geom
            FROM grid_gridcell c
            LEFT JOIN coverage_cellsummary s ON s.cell_id = c.id
            WHERE c.adcode LIKE %(scope)s
        ) rows
    """
    bound = psycopg.ClientCursor(conn).mogrify(body, {"scope": scope_like, **window_params(window)})
    conn.execute("CREATE SCHEMA IF NOT EXISTS bench_peer")
    conn.execute(f"DROP VIEW IF EXISTS {VIEW}")
    conn.execute(f"CREATE VIEW {VIEW} AS {bound}")


def _county_tiles(conn, spec: Spec, z: int) -> list[tuple[int, int, int, int]]:
    """(z, x, y, cells) of every tile touching the county that holds a cell, evenly thinned."""
    w0, s0 = spec.origin
    e0 = w0 + spec.counties_x * spec.cols * spec.cell_deg
    n0 = s0 + spec.counties_y * spec.rows * spec.cell_deg
    x0, y1 = _tile_xy(w0, s0, z)
    x1, y0 = _tile_xy(e0, n0, z)
    found = []
    for x in range(x0, x1 + 1):
        for y in range(y0, y1 + 1):
            (n,) = conn.execute(
                "SELECT count(*) FROM grid_gridcell WHERE boundary && "
                "ST_Transform(ST_TileEnvelope(%s, %s, %s), 4326)",
                [z, x, y],
            ).fetchone()
            if n:
                found.append((z, x, y, n))
    step = max(1, math.ceil(len(found) / TILES_PER_ZOOM))
    return found[::step][:TILES_PER_ZOOM]


def _features(body: bytes) -> int:
    import mapbox_vector_tile

    layers = mapbox_vector_tile.decode(body) if body else {}
    return sum(len(layer["features"]) for layer in layers.values())


def _loadavg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _fetch(client, url: str, encoding: str) -> tuple[float, bytes, int]:
    """(ms to the last byte, decoded body, bytes on the wire)."""
    started = time.perf_counter()
    response = client.get(url, headers={"Accept-Encoding": encoding})
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"{url}: {response.status_code} {response.content[:200]!r}")
    return elapsed, response.content, int(response.num_bytes_downloaded)


def _one_run(tiles: dict, ours, theirs, raw, reach, window) -> tuple[dict, dict]:
    """One pass over every tile: per encoding the first fetch from each server, then the warm
    repeats alternating project / peer / raw SQL. Returns (timings, feature counts)."""
    from backend.coverage.selectors.tiles import TileRequest, tile_query

    # name -> zoom -> encoding -> {"first": [...], "warm": [...], "bytes": [...]}
    data: dict = {
        name: {z: {e: {"first": [], "warm": [], "bytes": []} for e in ENCODINGS} for z in tiles}
        for name in ("project", "peer", "raw")
    }
    counts: dict = {z: [] for z in tiles}
    for z, zoom_tiles in tiles.items():
        for i, (tz, tx, ty, cells) in enumerate(zoom_tiles):
            req = TileRequest(layer="cells", z=tz, x=tx, y=ty, jurisdiction=reach, window=window)
            sql, params = tile_query(req)
            urls = {
                "project": (ours, f"/tiles/cells/{tz}/{tx}/{ty}.mvt"),
                "peer": (theirs, f"/collections/{VIEW}/tiles/WebMercatorQuad/{tz}/{tx}/{ty}"),
            }
            order = ["project", "peer"] if i % 2 == 0 else ["peer", "project"]
            bodies = {}
            for encoding in ENCODINGS:
                for name in order:
                    elapsed, body, wire = _fetch(*urls[name], encoding)
                    data[name][z][encoding]["first"].append(elapsed)
                    data[name][z][encoding]["bytes"].append(wire)
                    if encoding == "identity":
                        bodies[name] = body
                for _ in range(WARM_REPEATS):
                    for name in order:
                        data[name][z][encoding]["warm"].append(_fetch(*urls[name], encoding)[0])
                    started = time.perf_counter()
                    raw.execute(sql, params).fetchone()
                    data["raw"][z][encoding]["warm"].append((time.perf_counter() - started) * 1000)
            counts[z].append(
                {
                    "tile": f"{tz}/{tx}/{ty}",
                    "cells": cells,
                    "project": _features(bodies["project"]),
                    "peer": _features(bodies["peer"]),
                }
            )
    return data, counts


def measure(spec: Spec, python: Path) -> dict:
    import django

    django.setup()
    import logging

    import httpx
    from django.test import Client

    logging.getLogger("httpx").setLevel(logging.WARNING)  # no log line per request

    from backend.accounts.jurisdiction import Jurisdiction
    from backend.accounts.models import Role, User
    from backend.coverage.services import coverage_roll_forward
    from backend.coverage.windows import window_of
    from backend.regions.models import Region
    from bench.coverage_tiles import _start_server

    scope = "49"
    reach = Jurisdiction(user_id=None, role=Role.LEADER, prefix=scope)
    user, _ = User.objects.get_or_create(
        username=BENCH_USER,
        defaults={"role": Role.LEADER, "jurisdiction": Region.objects.get(adcode=scope)},
    )
    login = Client()
    login.force_login(user)
    cookie = login.cookies["sessionid"].value
    window = window_of(90)
    coverage_roll_forward(today=window.today)  # the window's summary columns are today's
    admin = psycopg.connect(PG + spec.db, autocommit=True)
    _create_view(admin, window, reach.sql_like())
    tiles = {z: _county_tiles(admin, spec, z) for z in ZOOMS}
    admin.close()

    runs = []
    for run in range(RUNS):
        load_before = _loadavg()
        project, project_base = _start_server(spec)
        peer, peer_base = _start_tipg(python, spec)
        raw = psycopg.connect(
            PG + spec.db, autocommit=True, options="-c jit=off", prepare_threshold=5
        )
        ours = httpx.Client(base_url=project_base, cookies={"sessionid": cookie}, timeout=60)
        theirs = httpx.Client(base_url=peer_base, timeout=60)
        try:
            data, counts = _one_run(tiles, ours, theirs, raw, reach, window)
        finally:
            ours.close()
            theirs.close()
            raw.close()
            for process in (project, peer):
                process.terminate()
                process.wait(timeout=30)
        runs.append({"data": data, "counts": counts, "loadavg": [load_before, _loadavg()]})
        print(f"  run {run + 1}: load {load_before} -> {_loadavg()}", file=sys.stderr, flush=True)
    return {"runs": runs, "tiles": {z: len(t) for z, t in tiles.items()}}


# --- report -----------------------------------------------------------------------------------


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def _warm(res: dict, name: str, z: int, encoding: str) -> list[float]:
    return [t for run in res["runs"] for t in run["data"][name][str(z)][encoding]["warm"]]


def _first(res: dict, name: str, z: int, encoding: str) -> list[float]:
    return [t for run in res["runs"] for t in run["data"][name][str(z)][encoding]["first"]]


def _markdown(res: dict) -> str:
    runs = res["runs"]
    lines = [
        "## Cell tiles beside a peer tile server: tipg (`bench/peer_tiles.py`)",
        "",
        f"tipg {TIPG_VERSION} (PyPI, its own venv `.bench-venv/`, uvicorn, one worker) and the "
        "project (uvicorn, one worker, the production ASGI stack, session of a provincial "
        "leader) on the same database `cg_bench_county` (5,000 cells, 1,000,000 visits), "
        "90-day window. tipg serves the view `bench_peer.cells_90d`, built from the project's "
        "own `cells` tile SQL fragments with the same parameters bound as literals; it adds "
        "its own tile filter, ORDER BY id + LIMIT and ST_AsMVT. The project's tile SQL is "
        "timed raw beside them (psycopg, prepared after 5 runs as the app's tile cursor). "
        f"{len(runs)} runs, each with both servers started fresh; per tile and encoding: the "
        f"first fetch from each server (identity before gzip, so the gzip one finds the "
        f"database pages warm), then {WARM_REPEATS} warm fetches alternating project / "
        "tipg / raw SQL. Warm p50 / p95 / p99 over all runs (ms); per-run p50 in brackets; "
        "bytes: median body on the wire. Ratio = project / tipg (below 1: the project is "
        "faster). Goal (issue 11): faster than the peer at p50 and p95 at every zoom, "
        "compressed and uncompressed.",
        "",
        "| zoom | encoding | tiles | features per tile median (min-max) | project warm "
        "p50 / p95 / p99 | tipg warm p50 / p95 / p99 | raw SQL p50 / p95 | ratio p50 / p95 | "
        "project / tipg first fetch p50 | project / tipg bytes | goal met |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    mismatches = []
    for z in ZOOMS:
        counts = [c for run in runs for c in run["counts"][str(z)]]
        features = [c["project"] for c in runs[0]["counts"][str(z)]]
        mismatches += [c for c in counts if c["project"] != c["peer"]]
        for encoding in ENCODINGS:
            ours, theirs = _warm(res, "project", z, encoding), _warm(res, "peer", z, encoding)
            raw = _warm(res, "raw", z, encoding)
            per_run = [
                (
                    statistics.median(run["data"]["project"][str(z)][encoding]["warm"]),
                    statistics.median(run["data"]["peer"][str(z)][encoding]["warm"]),
                )
                for run in runs
            ]
            o50, o95, o99 = (_pct(ours, q) for q in (0.5, 0.95, 0.99))
            t50, t95, t99 = (_pct(theirs, q) for q in (0.5, 0.95, 0.99))
            bytes_ = [
                statistics.median(
                    b for run in runs for b in run["data"][name][str(z)][encoding]["bytes"]
                )
                for name in ("project", "peer")
            ]
            met = o50 < t50 and o95 < t95
            lines.append(
                f"| z{z} | {encoding} | {res['tiles'][str(z)]} | "
                f"{statistics.median(features):.0f} ({min(features)}-{max(features)}) | "
                f"{o50:.1f} / {o95:.1f} / {o99:.1f} "
                f"({', '.join(f'{p:.1f}' for p, _ in per_run)}) | "
                f"{t50:.1f} / {t95:.1f} / {t99:.1f} "
                f"({', '.join(f'{t:.1f}' for _, t in per_run)}) | "
                f"{_pct(raw, 0.5):.1f} / {_pct(raw, 0.95):.1f} | "
                f"{o50 / t50:.2f} / {o95 / t95:.2f} | "
                f"{_pct(_first(res, 'project', z, encoding), 0.5):.1f} / "
                f"{_pct(_first(res, 'peer', z, encoding), 0.5):.1f} | "
                f"{bytes_[0] / 1000:.1f} / {bytes_[1] / 1000:.1f} kB | "
                f"{'yes' if met else 'NO'} |"
            )
    lines.append("")
    differing = {c["tile"]: c for c in mismatches}
    lines.append(
        "Feature counts: the project's and tipg's answers hold the same number of features in "
        "every tile."
        if not differing
        else f"Feature counts differ in {len(differing)} tile(s), project vs tipg: "
        + ", ".join(f"{t} {c['project']} vs {c['peer']}" for t, c in sorted(differing.items()))
        + ". The project's tile SQL selects the cells within its 64-px buffer around the tile "
        "(`ST_TileEnvelope(..., margin => 64/4096)`), tipg those intersecting the tile itself; "
        "both clip to the same 64-px buffer."
    )
    fewer = [f"z{z}: {res['tiles'][str(z)]}" for z in ZOOMS if res["tiles"][str(z)] < 40]
    if fewer:
        lines.append(
            "Tiles holding a cell of the county, all of them measured where fewer than 40 "
            f"exist ({', '.join(fewer)}): the bench county spans ~0.6° x 0.3°; 40 distinct "
            "non-empty tiles at z10 need the province database."
        )
    lines.append(
        "Load average (1, 5, 15 min) before → after each run: "
        + "; ".join(f"{r['loadavg'][0]} → {r['loadavg'][1]}" for r in runs)
        + f" ({os.cpu_count()} cores; above that other processes competed for the CPUs, the "
        "ratios are measured in the same run)."
    )
    lines.append("")
    lines.append("Run: `.venv/bin/python -m bench.run peer_tiles` (`BENCH_PEER_RUNS` runs, 3).")
    return "\n".join(lines)


def main() -> None:
    from bench.report import update_section

    spec = SPECS["county"]
    ensure_peer_venv()
    print(f"== peer_tiles: {spec.db}, tipg in {VENV}", flush=True)
    ensure_database(spec)
    out = subprocess.run(
        [sys.executable, "-m", "bench.peer_tiles", "--measure"],
        cwd=ROOT,
        env=_env(spec),
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    res = json.loads(out.stdout.strip().splitlines()[-1])
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(res), encoding="utf-8")  # bench/results/: not committed
    markdown = _markdown(res)
    print(markdown)
    update_section("peer_tiles", markdown)


if __name__ == "__main__":
    if sys.argv[1:] == ["--measure"]:
        print(json.dumps(measure(SPECS["county"], VENV / "bin" / "python")))
    else:
        main()
