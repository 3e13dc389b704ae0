"""Coverage analytics (reads). One SQL statement per selector, no per-row Python loops.

Every selector takes `scope`: an adcode prefix the caller is allowed to read (a region the user
may see, checked by the caller through backend.accounts.access). Standard windows read the
per-cell summaries when the clock is at the window's day (`coverage_clock_day`, passed to
`window_of` by the map views); reads never roll the clock (the job `coverage.roll` does).

Definitions (docs/api-map.md):
- cell state: `covered` (visited in the window), `stale` (visited, not in the window), `never`;
- households visited: distinct household references + households of unreferenced household
  visits, in the window; coverage ratio = that / households in the cell, capped at 1;
- region coverage = covered cells / cells.
"""

# ruff: noqa: S608 - SQL assembled from this module's fragments; every value is a parameter.
from __future__ import annotations

import datetime as dt

from django.db import connection

from backend.core.db import reading_cursor
from backend.opinions.models import OPEN_STATUSES

from .models import CoverageClock
from .windows import Window, cell_window_sql, ratio_sql, state_sql, window_params

# Gap ranking: a never-visited cell counts as this many days without a visit, and an open
# opinion in the cell adds as much as 1,000 household-days (10 households unvisited 100 days).
NEVER_VISITED_DAYS = 730
OPEN_OPINION_WEIGHT = 1_000
YEARLY_HOUSEHOLD_TARGET = 50
ROLLUP_LEVELS = {"county": 6, "township": 9}


# Per process: (database, day) pairs at which the clock was seen. The clock only moves forward,
# so once it is at today a read needs no query for it until tomorrow.
_clock_seen: set[tuple[str, dt.date]] = set()


def coverage_clock_day(*, today: dt.date) -> dt.date | None:
    """The day the standard windows were rolled to (None: no clock row yet); no write."""
    key = (connection.settings_dict["NAME"], today)
    if key in _clock_seen:
        return today
    as_of = CoverageClock.objects.values_list("as_of", flat=True).first()
    if as_of == today:
        _clock_seen.add(key)
    return as_of


def coverage_clock_forget() -> None:
    """Forget the days seen (a test that moves the clock back)."""
    _clock_seen.clear()


def _fetch_dicts(sql: str, params: dict) -> list[dict]:
    with reading_cursor() as cursor:
        cursor.execute(sql, params)
        names = [c.name for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _scope_params(scope: str, window: Window) -> dict:
    if not scope.isdigit() and scope != "":
        raise ValueError("scope must be an adcode prefix")
    return {"scope": scope + "%", **window_params(window)}


def cells_sql(window: Window, *, where: str = "", geometry: bool = False) -> str:
    """Per-cell coverage rows inside %(scope)s (+ `where`), with the contract's properties."""
    visits, households_visited = cell_window_sql(window)
    geom = (
        # RFC 7946 ring order (exterior counter-clockwise), whatever order was imported
        ", ST_AsGeoJSON(ST_ForcePolygonCCW(coalesce(c.display_boundary, c.boundary)), 6)"
        " AS geometry"
        if geometry
        else ""
    )
    return f"""
        SELECT x.*, {ratio_sql("x.households_visited", "x.households", "x.visits")}
                   AS coverage_ratio
        FROM (
            SELECT c.id, c.code, c.name, c.adcode, c.households, s.last_visit_at AS last_visit,
                   {visits} AS visits, {households_visited} AS households_visited,
                   {state_sql()} AS state,
                   coalesce(s.assigned, false) AS assigned
                   {geom}
            FROM grid_gridcell c
            LEFT JOIN coverage_cellsummary s ON s.cell_id = c.id
            WHERE c.adcode LIKE %(scope)s {where}
        ) x
    """


def coverage_by_cell_query(
    *,
    scope: str,
    window: Window,
    cell_ids: list[int] | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    state: str | None = None,
    geometry: bool = False,
    limit: int | None = None,
) -> tuple[str, dict]:
    """The statement of `coverage_by_cell` (also wrapped into GeoJSON by the map data API)."""
    params = _scope_params(scope, window)
    where = ""
    if cell_ids is not None:
        where += " AND c.id = ANY(%(ids)s)"
        params["ids"] = list(cell_ids)
    if bbox is not None:
        where += " AND c.boundary && ST_MakeEnvelope(%(w)s, %(s)s, %(e)s, %(n)s, 4326)"
        params.update(w=bbox[0], s=bbox[1], e=bbox[2], n=bbox[3])
    sql = cells_sql(window, where=where, geometry=geometry)
    if state is not None:
        sql = f"SELECT * FROM ({sql}) y WHERE y.state = %(state)s"
        params["state"] = state
    sql += " ORDER BY code"
    if limit is not None:
        sql += " LIMIT %(limit)s"
        params["limit"] = limit
    return sql, params


def coverage_by_cell(**kwargs) -> list[dict]:
    """Coverage of every cell in `scope` (optionally: these ids, this bbox, this state):
    id, code, name, adcode, households, last_visit, visits, households_visited, state,
    assigned, coverage_ratio (and geometry as GeoJSON text)."""
    sql, params = coverage_by_cell_query(**kwargs)
    return _fetch_dicts(sql, params)


def coverage_rollup(*, scope: str, window: Window, level: str) -> list[dict]:
    """Per township or county inside `scope`: cells, covered/stale/never, households, visited."""
    length = ROLLUP_LEVELS[level]
    sql = f"""
        SELECT left(x.adcode, %(len)s) AS adcode, min(r.name) AS name,
               count(*) AS cells,
               count(*) FILTER (WHERE x.state = 'covered') AS covered,
               count(*) FILTER (WHERE x.state = 'stale') AS stale,
               count(*) FILTER (WHERE x.state = 'never') AS never,
               coalesce(sum(x.households), 0) AS households,
               coalesce(sum(x.households_visited), 0) AS households_visited,
               coalesce(sum(x.visits), 0) AS visits,
               round(100.0 * count(*) FILTER (WHERE x.state = 'covered') / count(*), 1)::float8
                   AS coverage_pct
        FROM ({cells_sql(window)}) x
        LEFT JOIN regions_region r ON r.adcode = left(x.adcode, %(len)s)
        GROUP BY 1 ORDER BY 1
    """
    return _fetch_dicts(sql, {**_scope_params(scope, window), "len": length})


def coverage_by_station(*, scope: str, window: Window) -> list[dict]:
    """Per station with a service area in `scope`: the cells whose interior point it covers."""
    sql = f"""
        SELECT st.id, st.name, st.kind, st.adcode,
               count(x.id) AS cells,
               count(x.id) FILTER (WHERE x.state = 'covered') AS covered,
               coalesce(sum(x.households), 0) AS households,
               coalesce(sum(x.households_visited), 0) AS households_visited,
               CASE WHEN count(x.id) = 0 THEN 0.0 ELSE round(
                   100.0 * count(x.id) FILTER (WHERE x.state = 'covered') / count(x.id), 1
               )::float8 END AS coverage_pct
        FROM liaison_station st
        LEFT JOIN grid_gridcell gc
               ON gc.boundary && st.service_area
              AND ST_Covers(st.service_area, ST_PointOnSurface(gc.boundary))
        LEFT JOIN ({cells_sql(window)}) x ON x.id = gc.id
        WHERE st.adcode LIKE %(scope)s AND st.service_area IS NOT NULL
        GROUP BY st.id ORDER BY st.adcode, st.name
    """
    return _fetch_dicts(sql, _scope_params(scope, window))


def coverage_by_deputy(*, scope: str, window: Window) -> list[dict]:
    """Per deputy in `scope`: assigned cells and their coverage, last visit, active or not."""
    sql = f"""
        SELECT d.id, d.name, d.adcode,
               count(x.id) AS cells_assigned,
               count(x.id) FILTER (WHERE x.state = 'covered') AS covered,
               coalesce(sum(x.households), 0) AS households,
               coalesce(sum(x.households_visited), 0) AS households_visited,
               ds.last_visit_at AS last_visit,
               coalesce(ds.last_visit_at >= %(since_at)s, false) AS active
        FROM liaison_deputy d
        LEFT JOIN coverage_deputysummary ds ON ds.deputy_id = d.id
        LEFT JOIN grid_gridassignment a ON a.deputy_id = d.id AND a.status = 'active'
        LEFT JOIN ({cells_sql(window)}) x ON x.id = a.cell_id
        WHERE d.adcode LIKE %(scope)s
        GROUP BY d.id, ds.last_visit_at ORDER BY d.adcode, d.name, d.id
    """
    return _fetch_dicts(sql, _scope_params(scope, window))


def region_stats_query(*, region, window: Window) -> tuple[str, dict]:
    """The one statement behind `region_stats` (also run raw by the benchmark)."""
    params = _scope_params(region.adcode, window)
    params["region_id"] = region.id
    sql = f"""
        WITH cells AS ({cells_sql(window)}),
        kids AS (
            SELECT r.adcode, r.name, r.level, length(r.adcode) AS len,
                   ST_XMin(b) AS w, ST_YMin(b) AS s, ST_XMax(b) AS e, ST_YMax(b) AS n
            FROM regions_region r, LATERAL (SELECT coalesce(r.boundary, r.display_boundary) b) g
            WHERE r.parent_id = %(region_id)s
        ),
        kid_stats AS (
            SELECT k.adcode, count(c.id) AS cells,
                   count(c.id) FILTER (WHERE c.state = 'covered') AS covered,
                   coalesce(sum(c.households_visited), 0) AS households_visited
            FROM kids k LEFT JOIN cells c ON c.adcode LIKE k.adcode || '%%'
            GROUP BY k.adcode
        ),
        deputies AS (
            SELECT count(*) AS deputies,
                   count(*) FILTER (WHERE ds.last_visit_at >= %(since_at)s) AS active
            FROM liaison_deputy d LEFT JOIN coverage_deputysummary ds ON ds.deputy_id = d.id
            WHERE d.adcode LIKE %(scope)s
        )
        SELECT (SELECT count(*) FROM cells) AS cells,
               (SELECT count(*) FROM cells WHERE state = 'covered') AS covered,
               (SELECT count(*) FROM cells WHERE state = 'stale') AS stale,
               (SELECT count(*) FROM cells WHERE state = 'never') AS never,
               (SELECT coalesce(sum(households), 0) FROM cells) AS households,
               (SELECT coalesce(sum(households_visited), 0) FROM cells) AS households_visited,
               (SELECT deputies FROM deputies) AS deputies,
               (SELECT active FROM deputies) AS deputies_active,
               (SELECT coalesce(json_agg(json_build_object(
                    'adcode', k.adcode, 'name', k.name, 'level', k.level,
                    'bbox', CASE WHEN k.w IS NULL THEN NULL
                                 ELSE json_build_array(k.w, k.s, k.e, k.n) END,
                    'cells', ks.cells, 'covered', ks.covered,
                    'coverage_pct', CASE WHEN ks.cells = 0 THEN 0.0
                                         ELSE round(100.0 * ks.covered / ks.cells, 1) END,
                    'households_visited', ks.households_visited) ORDER BY k.adcode), '[]')
                FROM kids k JOIN kid_stats ks USING (adcode)) AS children
    """
    return sql, params


def region_stats(*, region, window: Window) -> dict:
    """The stats panel of `region` (already checked readable): totals and direct children."""
    sql, params = region_stats_query(region=region, window=window)
    row = _fetch_dicts(sql, params)[0]
    boundary = region.boundary or region.display_boundary
    cells = row["cells"]
    return {
        "adcode": region.adcode,
        "name": region.name,
        "level": region.level,
        "bbox": [round(v, 6) for v in boundary.extent] if boundary else None,
        "cells": cells,
        "covered": row["covered"],
        "stale": row["stale"],
        "never": row["never"],
        "coverage_pct": round(100.0 * row["covered"] / cells, 1) if cells else 0.0,
        "households": int(row["households"]),
        "households_visited": int(row["households_visited"]),
        "deputies": row["deputies"],
        "deputies_active": row["deputies_active"],
        "target_households": row["deputies"] * YEARLY_HOUSEHOLD_TARGET,
        "children": [
            dict(
                child,
                bbox=[round(v, 6) for v in child["bbox"]] if child["bbox"] else None,
                coverage_pct=float(child["coverage_pct"]),
            )
            for child in row["children"]
        ],
    }


def coverage_gaps(*, scope: str, window: Window, limit: int = 50) -> list[dict]:
    """Uncovered (stale or never visited) cells, most urgent first:
    score = households × days since the last visit (never: 730) + 1,000 × open opinions."""
    sql = f"""
        SELECT g.*, g.households * coalesce(g.days_since_visit, %(never_days)s)
                    + %(opinion_weight)s * g.open_opinions AS score
        FROM (
            SELECT c.id AS cell_id, c.code, c.name, c.households, x.state,
                   (%(today)s::date
                    - (s.last_visit_at AT TIME ZONE 'Asia/Shanghai')::date) AS days_since_visit,
                   (SELECT count(*) FROM opinions_opinion o
                    WHERE o.cell_id = c.id AND o.status = ANY(%(open)s)) AS open_opinions
            FROM ({cells_sql(window)}) x
            JOIN grid_gridcell c ON c.id = x.id
            LEFT JOIN coverage_cellsummary s ON s.cell_id = c.id
            WHERE x.state <> 'covered'
        ) g
        ORDER BY score DESC, g.code
        LIMIT %(limit)s
    """
    params = {
        **_scope_params(scope, window),
        "never_days": NEVER_VISITED_DAYS,
        "opinion_weight": OPEN_OPINION_WEIGHT,
        "open": [str(s) for s in OPEN_STATUSES],
        "limit": limit,
    }
    return _fetch_dicts(sql, params)


# Candidate district cells taken by bounding-box distance before ranking in metres: generous, so
# that the metric top few are always among them (degrees distort distance ~12% at 28°N).
SUGGESTION_PREFILTER_CELLS = 200
SUGGESTION_NEAREST_STATIONS = 3


def assignment_suggestions(
    *, scope: str, cell_ids: list[int], year_start, per_cell: int = 5
) -> list[dict]:
    """Deputies to assign each cell to, best first, with the facts that explain the choice.

    Candidates (of the cell's county, with a current mandate): those whose electoral district
    (its cells, or else its region) contains the cell or lies nearest to it, and members of the
    nearest stations. Ranked by: district contains the cell; district distance (m); station
    distance (m); fewer cells assigned. Distances on the spheroid (geography), never degrees.
    """
    sql = """
        WITH t AS (
            SELECT c.id, c.code, c.boundary, c.adcode, c.county_adcode,
                   ST_PointOnSurface(c.boundary) AS p
            FROM grid_gridcell c WHERE c.id = ANY(%(ids)s) AND c.adcode LIKE %(scope)s
        ),
        cand AS (
            SELECT t.id AS cell_id, k.deputy_id, k.distance_m
            FROM t CROSS JOIN LATERAL (
                SELECT m.deputy_id,
                       min(ST_Distance(t.boundary::geography, n.boundary::geography)) AS distance_m
                FROM (SELECT gc.id, gc.boundary FROM grid_gridcell gc
                      WHERE gc.county_adcode = t.county_adcode AND EXISTS (
                          SELECT 1 FROM liaison_mandate_district_cells mc
                          JOIN liaison_mandate mm ON mm.id = mc.mandate_id
                          WHERE mc.gridcell_id = gc.id AND mm.status = 'current')
                      ORDER BY gc.boundary <-> t.boundary LIMIT %(prefilter)s) n
                JOIN liaison_mandate_district_cells mc ON mc.gridcell_id = n.id
                JOIN liaison_mandate m ON m.id = mc.mandate_id AND m.status = 'current'
                GROUP BY m.deputy_id
            ) k
            UNION ALL
            SELECT t.id, m.deputy_id, 0.0
            FROM t JOIN regions_region r ON t.adcode LIKE r.adcode || '%%'
            JOIN liaison_mandate m ON m.district_region_id = r.id AND m.status = 'current'
            WHERE NOT EXISTS (SELECT 1 FROM liaison_mandate_district_cells mc
                              WHERE mc.mandate_id = m.id)
            UNION ALL
            SELECT t.id, sm.deputy_id, NULL
            FROM t CROSS JOIN LATERAL (
                SELECT s.id FROM liaison_station s WHERE s.county_adcode = t.county_adcode
                ORDER BY s.location <-> t.p LIMIT %(stations)s) ns
            JOIN liaison_stationmembership sm ON sm.station_id = ns.id AND sm.until IS NULL
        ),
        best AS (
            SELECT cell_id, deputy_id, min(distance_m) AS distance_m FROM cand GROUP BY 1, 2
        ),
        facts AS (
            SELECT t.id AS cell_id, t.code, d.id AS deputy_id, d.name, b.distance_m,
                   EXISTS (
                       SELECT 1 FROM liaison_mandate m
                       LEFT JOIN regions_region r ON r.id = m.district_region_id
                       WHERE m.deputy_id = d.id AND m.status = 'current' AND (
                           EXISTS (SELECT 1 FROM liaison_mandate_district_cells mc
                                   WHERE mc.mandate_id = m.id AND mc.gridcell_id = t.id)
                           OR (r.adcode IS NOT NULL AND t.adcode LIKE r.adcode || '%%'
                               AND NOT EXISTS (SELECT 1 FROM liaison_mandate_district_cells mc
                                               WHERE mc.mandate_id = m.id)))
                   ) AS in_district,
                   st.id AS station_id, st.name AS station_name,
                   st.distance_m AS station_distance_m,
                   (SELECT count(*) FROM grid_gridassignment a
                    WHERE a.deputy_id = d.id AND a.status = 'active') AS cells_assigned,
                   greatest(0, %(target)s - (
                       SELECT count(DISTINCT v.household_ref) FILTER (WHERE v.household_ref <> '')
                              + coalesce(sum(v.households) FILTER (WHERE v.household_ref = ''), 0)
                       FROM visits_visit v
                       WHERE v.deputy_id = d.id AND v.kind = 'household'
                         AND v.recorded_at >= %(year_start)s)) AS households_to_visit,
                   EXISTS (SELECT 1 FROM grid_gridassignment a WHERE a.deputy_id = d.id
                           AND a.cell_id = t.id AND a.status = 'active') AS already_assigned
            FROM best b
            JOIN t ON t.id = b.cell_id
            JOIN liaison_deputy d ON d.id = b.deputy_id AND d.county_adcode = t.county_adcode
            LEFT JOIN LATERAL (
                SELECT s.id, s.name,
                       ST_Distance(s.location::geography, t.p::geography) AS distance_m
                FROM liaison_stationmembership sm JOIN liaison_station s ON s.id = sm.station_id
                WHERE sm.deputy_id = d.id AND sm.until IS NULL
                ORDER BY 3, s.id LIMIT 1
            ) st ON true
        )
        SELECT * FROM (
            SELECT f.*, row_number() OVER (
                PARTITION BY f.cell_id
                ORDER BY f.in_district DESC, f.distance_m NULLS LAST,
                         f.station_distance_m NULLS LAST, f.cells_assigned, f.deputy_id) AS rank
            FROM facts f WHERE NOT f.already_assigned
        ) ranked
        WHERE rank <= %(per_cell)s
        ORDER BY cell_id, rank
    """
    params = {
        "ids": list(cell_ids),
        "scope": scope + "%",
        "prefilter": SUGGESTION_PREFILTER_CELLS,
        "stations": SUGGESTION_NEAREST_STATIONS,
        "target": YEARLY_HOUSEHOLD_TARGET,
        "year_start": year_start,
        "per_cell": per_cell,
    }
    return _fetch_dicts(sql, params)


def opinion_clusters(
    *,
    scope: str,
    window: Window,
    eps_m: float,
    min_points: int,
    metric_srid: int,
    category: str | None = None,
    bbox: tuple[float, float, float, float] | None = None,
) -> list[dict]:
    """Where opinions cluster: DBSCAN with `eps_m` metres in the metric CRS `metric_srid` over
    the opinions in `scope` recorded in the window (one category or all). Per cluster: convex
    hull (WGS-84; buffered 25 m when it is thinner than that), count, open count, categories
    by frequency. Points that belong to no cluster are not returned."""
    where = ""
    params = {
        **_scope_params(scope, window),
        "eps": float(eps_m),
        "minpts": int(min_points),
        "srid": int(metric_srid),
        "open": [str(s) for s in OPEN_STATUSES],
    }
    if category:
        where += " AND o.category = %(category)s"
        params["category"] = category
    if bbox is not None:
        where += " AND o.location && ST_MakeEnvelope(%(w)s, %(s)s, %(e)s, %(n)s, 4326)"
        params.update(w=bbox[0], s=bbox[1], e=bbox[2], n=bbox[3])
    sql = f"""
        WITH pts AS (
            SELECT o.id, o.category, o.status = ANY(%(open)s) AS is_open,
                   ST_Transform(o.location, %(srid)s) AS pm,
                   ST_ClusterDBSCAN(ST_Transform(o.location, %(srid)s), eps => %(eps)s,
                                    minpoints => %(minpts)s) OVER () AS k
            FROM opinions_opinion o
            WHERE o.location IS NOT NULL AND o.adcode LIKE %(scope)s
              AND o.recorded_at >= %(since_at)s {where}
        ),
        cats AS (
            SELECT k, category, count(*) AS n FROM pts WHERE k IS NOT NULL GROUP BY k, category
        ),
        clusters AS (
            SELECT k, min(id) AS cluster_id, count(*) AS count,
                   count(*) FILTER (WHERE is_open) AS open_count,
                   ST_ConvexHull(ST_Collect(pm)) AS hull_m
            FROM pts WHERE k IS NOT NULL GROUP BY k
        )
        SELECT c.cluster_id, c.count, c.open_count,
               (SELECT array_agg(category ORDER BY n DESC, category) FROM cats
                WHERE cats.k = c.k) AS top_categories,
               ST_AsGeoJSON(ST_ForcePolygonCCW(  -- GEOS hulls run clockwise; RFC 7946
                   ST_Transform(coverage_display_hull(c.hull_m), 4326)), 6) AS geometry
        FROM clusters c ORDER BY c.count DESC, c.cluster_id
    """
    return _fetch_dicts(sql, params)
