"""Coverage rolled up: per township or county, per station, per deputy, and a region's panel."""

# ruff: noqa: S608 - SQL assembled from this module's fragments; every value is a parameter.
from __future__ import annotations

from backend.accounts.jurisdiction import Jurisdiction
from backend.core.db import fetch_dicts

from ..bands import league_order
from ..windows import Window
from .cells import cell_rows_sql, scope_params

# Domain target (Changsha county "12345"): visits to at least 50 voter households a year.
# The one definition: the roll-ups, suggestions and the deputy's own progress all read it.
YEARLY_HOUSEHOLD_TARGET = 50
ROLLUP_LEVELS = {"county": 6, "township": 9}


def coverage_rollup(*, jurisdiction: Jurisdiction, window: Window, level: str) -> list[dict]:
    """Per township or county inside the jurisdiction: cells, covered/stale/never,
    households, visited."""
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
        FROM ({cell_rows_sql(window)}) x
        LEFT JOIN regions_region r ON r.adcode = left(x.adcode, %(len)s)
        GROUP BY 1 ORDER BY 1
    """
    return fetch_dicts(sql, {**scope_params(jurisdiction, window), "len": length})


def coverage_by_station(*, jurisdiction: Jurisdiction, window: Window) -> list[dict]:
    """Per station with a service area in the jurisdiction: the cells whose interior point it
    covers."""
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
        LEFT JOIN ({cell_rows_sql(window)}) x ON x.id = gc.id
        WHERE st.adcode LIKE %(scope)s AND st.service_area IS NOT NULL
        GROUP BY st.id ORDER BY st.adcode, st.name
    """
    return fetch_dicts(sql, scope_params(jurisdiction, window))


def coverage_by_deputy(*, jurisdiction: Jurisdiction, window: Window) -> list[dict]:
    """Per deputy in the jurisdiction: assigned cells and their coverage, last visit, active or
    not."""
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
        LEFT JOIN ({cell_rows_sql(window)}) x ON x.id = a.cell_id
        WHERE d.adcode LIKE %(scope)s
        GROUP BY d.id, ds.last_visit_at ORDER BY d.adcode, d.name, d.id
    """
    return fetch_dicts(sql, scope_params(jurisdiction, window))


def region_stats_query(*, jurisdiction: Jurisdiction, region, window: Window) -> tuple[str, dict]:
    """The one statement behind `region_stats` (also run raw by the benchmark)."""
    params = scope_params(jurisdiction.within(region.adcode), window)
    params["region_id"] = region.id
    sql = f"""
        WITH cells AS ({cell_rows_sql(window)}),
        kids AS (
            SELECT r.adcode, r.name, r.level, length(r.adcode) AS len,
                   ST_XMin(b) AS w, ST_YMin(b) AS s, ST_XMax(b) AS e, ST_YMax(b) AS n,
                   -- where the map writes the name: a point inside the (display) boundary
                   ST_PointOnSurface(coalesce(r.display_boundary, r.boundary)) AS label
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
                    'name_at', CASE WHEN k.label IS NULL THEN NULL
                                  ELSE json_build_array(round(ST_X(k.label)::numeric, 5),
                                                        round(ST_Y(k.label)::numeric, 5)) END,
                    'cells', ks.cells, 'covered', ks.covered,
                    'coverage_pct', CASE WHEN ks.cells = 0 THEN 0.0
                                         ELSE round(100.0 * ks.covered / ks.cells, 1) END,
                    'households_visited', ks.households_visited) ORDER BY k.adcode), '[]')
                FROM kids k JOIN kid_stats ks USING (adcode)) AS children
    """
    return sql, params


def region_stats(*, jurisdiction: Jurisdiction, region, window: Window) -> dict:
    """The stats panel of `region` (inside the jurisdiction): totals and direct children."""
    sql, params = region_stats_query(jurisdiction=jurisdiction, region=region, window=window)
    row = fetch_dicts(sql, params)[0]
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
        "children": league_order(
            [
                dict(
                    child,
                    bbox=[round(v, 6) for v in child["bbox"]] if child["bbox"] else None,
                    name_at=[float(v) for v in child["name_at"]] if child["name_at"] else None,
                    coverage_pct=float(child["coverage_pct"]),
                )
                for child in row["children"]
            ]
        ),
    }
