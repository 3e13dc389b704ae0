"""Where to compute a grid cell's H3 index: in the database (today) or at the ingest edge.

The hexagon of the heat map is the cell's: `coverage_cells_upsert` (the grid_gridcell INSERT /
UPDATE trigger) takes the cell's interior point and computes its H3 res-7 index with the SQL
port of latLngToCell (backend/coverage/sql/coverage_h3_cells_r7.sql). A visit only copies its
cell's index (`coverage_cellsummary.h3_r7`) and takes parents with the bit-level
`coverage_h3_parent`; no approach computes H3 per visit.

Measured on database `cg_bench_h3` (created and migrated if missing), everything inside
transactions that are rolled back, ROUNDS rounds each:
- cells, today: one INSERT of 100 square cells (~500 m) into grid_gridcell, triggers included;
- cells, edge: the same 100 cells, their interior point and H3 index computed in Python
  (shapely `point_on_surface`, `h3.latlng_to_cell`) and sent as a column of the INSERT; the cell
  trigger copies it (the column and that trigger variant exist only inside the transaction);
- H3 alone: the SQL function for 100 points (inside PL/pgSQL, cached plan, as the trigger calls
  it) and the h3 library for the same 100 points;
- visits: one INSERT of 100 visits into those cells (the visit trigger), the same in both.

Usage: python -m bench.h3_ingest   (prints a table; writes the `h3` section of
docs/benchmarks.md)
"""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

import h3
import psycopg
import shapely
from shapely import wkt as shapely_wkt

from bench.report import update_section

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = os.environ.get("BENCH_H3_DB", "cg_bench_h3")
PG = "postgresql://postgres@127.0.0.1:5432/"
COUNTY = "439902"
ROUNDS = int(os.environ.get("BENCH_H3_ROUNDS", "30"))
BATCH = 100
SIDE = 0.005  # degrees, ~500 m

INSERT_CELLS = """
INSERT INTO grid_gridcell (code, name, region_id, adcode, county_adcode, boundary, area_m2,
                           households, population, source{extra_col})
SELECT k.code, k.code, %(region)s, %(c)s, %(c)s, ST_Multi(ST_GeomFromText(k.wkt, 4326)),
       250000, 100, 300, 'square'{extra_val}
FROM unnest(%(codes)s::text[], %(wkts)s::text[]{extra_arr}) AS k(code, wkt{extra_name})
"""

# The edge variant of the cell trigger's upsert: the index comes with the row.
EDGE_CELLS_UPSERT = """
CREATE OR REPLACE FUNCTION coverage_cells_upsert(ids bigint[]) RETURNS void
LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $fn$
BEGIN
    INSERT INTO coverage_cellsummary (
        cell_id, adcode, county_adcode, h3_r7, assigned, last_visit_at, visits_total,
        households_total, visits_30d, households_30d, visits_90d, households_90d, visits_180d,
        households_180d, visits_365d, households_365d)
    SELECT c.id, c.adcode, c.county_adcode, c.h3_r7, false, NULL, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
    FROM grid_gridcell c WHERE c.id = ANY (ids)
    ORDER BY c.id
    ON CONFLICT (cell_id) DO UPDATE
        SET adcode = EXCLUDED.adcode, county_adcode = EXCLUDED.county_adcode,
            h3_r7 = EXCLUDED.h3_r7;

    INSERT INTO coverage_heathex (h3, resolution, boundary)
    SELECT DISTINCT coverage_h3_parent(c.h3_r7, r), r, NULL::geometry
    FROM grid_gridcell c CROSS JOIN unnest('{4,5,6,7}'::int[]) AS r
    WHERE c.id = ANY (ids) AND c.h3_r7 IS NOT NULL
    ON CONFLICT (h3) DO NOTHING;
END
$fn$;
"""

SQL_H3_ONLY = """
CREATE OR REPLACE FUNCTION pg_temp.bench_h3(lats float8[], lngs float8[]) RETURNS bigint
LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $fn$
DECLARE n bigint;
BEGIN
    SELECT count(h.h3) INTO n FROM coverage_h3_cells_r7(lats, lngs) h;
    RETURN n;
END
$fn$;
"""

INSERT_VISITS = """
INSERT INTO visits_visit (deputy_id, client_uuid, content_hash, kind, location, accuracy_m,
    recorded_at, received_at, households, household_ref, notes, mock_location, cell_id, adcode,
    county_adcode, flags)
SELECT %(deputy)s, gen_random_uuid(), md5(random()::text), 'household',
       ST_PointOnSurface(g.boundary), 10, now() - interval '1 hour', now(), 1, '', '', false,
       g.id, g.adcode, g.county_adcode, '{}'
FROM grid_gridcell g WHERE g.code = ANY (%(codes)s::text[])
"""


def _sql(dbname: str, statement: str, params=None):
    with psycopg.connect(PG + dbname, autocommit=True) as conn:
        cur = conn.execute(statement, params)
        return cur.fetchall() if cur.description else None


def _setup_database() -> tuple[int, int]:
    if not _sql("postgres", "SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]):
        _sql("postgres", f'CREATE DATABASE "{DB_NAME}"')
        _sql(DB_NAME, "CREATE EXTENSION IF NOT EXISTS postgis")
    env = dict(
        os.environ, DATABASE_URL=f"postgis://postgres@127.0.0.1:5432/{DB_NAME}", DB_POOL="false"
    )
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    _sql(
        DB_NAME,
        """
        INSERT INTO regions_region (adcode, name, level, boundary, area_m2)
        VALUES (%(c)s, '基准县H3', 'county',
                ST_Multi(ST_MakeEnvelope(110, 25, 116, 31, 4326)), 1)
        ON CONFLICT (adcode) DO NOTHING""",
        {"c": COUNTY},
    )
    region = _sql(DB_NAME, "SELECT id FROM regions_region WHERE adcode = %s", [COUNTY])[0][0]
    _sql(
        DB_NAME,
        """
        INSERT INTO liaison_deputy (name, gender, occupation, phone, adcode, county_adcode,
                                    region_id)
        SELECT '基准代表H3', '', '', '', %(c)s, %(c)s, %(r)s
        WHERE NOT EXISTS (SELECT 1 FROM liaison_deputy WHERE name = '基准代表H3')""",
        {"c": COUNTY, "r": region},
    )
    deputy = _sql(DB_NAME, "SELECT id FROM liaison_deputy WHERE name = '基准代表H3'")[0][0]
    return region, deputy


def _batch(rng: random.Random, n: int) -> tuple[list[str], list[str]]:
    codes, wkts = [], []
    for i in range(BATCH):
        x, y = rng.uniform(110, 116 - SIDE), rng.uniform(25, 31 - SIDE)
        codes.append(f"H3B-{n}-{i}")
        wkts.append(
            f"POLYGON(({x} {y},{x + SIDE} {y},{x + SIDE} {y + SIDE},{x} {y + SIDE},{x} {y}))"
        )
    return codes, wkts


def _edge_h3(wkts: list[str]) -> list[int]:
    points = shapely.point_on_surface([shapely_wkt.loads(w) for w in wkts])
    return [h3.str_to_int(h3.latlng_to_cell(p.y, p.x, 7)) for p in points]


def _ms(samples: list[float]) -> str:
    return f"{statistics.median(samples) * 1000:.1f}"


def _run(region: int, deputy: int) -> dict[str, list[float]]:
    rng = random.Random(20261202)
    out: dict[str, list[float]] = {
        k: [] for k in ("today", "edge", "edge_py", "sql_h3", "py_h3", "visits")
    }
    base = {"region": region, "c": COUNTY}
    plain = INSERT_CELLS.format(extra_col="", extra_val="", extra_arr="", extra_name="")
    with_h3 = INSERT_CELLS.format(
        extra_col=", h3_r7",
        extra_val=", k.h3",
        extra_arr=", %(h3s)s::bigint[]",
        extra_name=", h3",
    )
    with psycopg.connect(PG + DB_NAME) as conn:
        conn.execute(SQL_H3_ONLY)
        conn.commit()  # (a temporary function: this session only)
        for n in range(ROUNDS + 2):  # two warm-up rounds, not counted
            codes, wkts = _batch(rng, n)
            t0 = time.perf_counter()
            conn.execute(plain, {**base, "codes": codes, "wkts": wkts})
            t1 = time.perf_counter()
            conn.execute(INSERT_VISITS, {"deputy": deputy, "codes": codes})
            t2 = time.perf_counter()
            pts = [shapely_wkt.loads(w).representative_point() for w in wkts]
            lats, lngs = [p.y for p in pts], [p.x for p in pts]
            t3 = time.perf_counter()
            conn.execute("SELECT pg_temp.bench_h3(%s, %s)", [lats, lngs])
            t4 = time.perf_counter()
            [h3.latlng_to_cell(la, lo, 7) for la, lo in zip(lats, lngs, strict=True)]
            t5 = time.perf_counter()
            conn.rollback()
            if n >= 2:
                out["today"].append(t1 - t0)
                out["visits"].append(t2 - t1)
                out["sql_h3"].append(t4 - t3)
                out["py_h3"].append(t5 - t4)
        conn.execute("ALTER TABLE grid_gridcell ADD COLUMN h3_r7 bigint")
        conn.execute(EDGE_CELLS_UPSERT)
        conn.execute("SAVEPOINT edge")
        rng = random.Random(20261202)
        for n in range(ROUNDS + 2):
            codes, wkts = _batch(rng, n)
            t0 = time.perf_counter()
            h3s = _edge_h3(wkts)
            t1 = time.perf_counter()
            conn.execute(with_h3, {**base, "codes": codes, "wkts": wkts, "h3s": h3s})
            t2 = time.perf_counter()
            conn.execute("ROLLBACK TO SAVEPOINT edge")
            if n >= 2:
                out["edge_py"].append(t1 - t0)
                out["edge"].append(t2 - t0)
        conn.rollback()
    return out


def _code_size() -> dict[str, int]:
    def lines(path: str) -> int:
        return len((ROOT / path).read_text(encoding="utf-8").splitlines())

    return {
        "h3sql.py": lines("backend/coverage/h3sql.py"),
        "coverage_h3_cells_r7.sql": len(
            (ROOT / "backend/coverage/sql/coverage_h3_cells_r7.sql").read_text(encoding="utf-8")
        ),
    }


def main() -> None:
    region, deputy = _setup_database()
    r = _run(region, deputy)
    size = _code_size()
    rows = [
        ("INSERT 100 cells, H3 in the trigger (today)", _ms(r["today"])),
        ("INSERT 100 cells, H3 from Python in the row (edge), total", _ms(r["edge"])),
        ("  of which Python interior points + h3", _ms(r["edge_py"])),
        ("H3 of 100 points, SQL port (cached plan)", _ms(r["sql_h3"])),
        ("H3 of 100 points, h3 library", _ms(r["py_h3"])),
        ("INSERT 100 visits (same in both: no H3 per visit)", _ms(r["visits"])),
    ]
    table = "\n".join(f"| {name} | {ms} |" for name, ms in rows)
    markdown = (
        "## H3 in the database or at the ingest edge (`python -m bench.h3_ingest`)\n\n"
        f"Median of {ROUNDS} rounds, ms, each in a rolled-back transaction.\n\n"
        "| what | ms |\n|---|---|\n"
        f"{table}\n\n"
        f"Code: backend/coverage/h3sql.py {size['h3sql.py']} lines; the generated "
        f"coverage_h3_cells_r7 is {size['coverage_h3_cells_r7.sql']:,} characters of SQL.\n"
    )
    print(markdown)
    update_section("h3", markdown)


if __name__ == "__main__":
    main()
