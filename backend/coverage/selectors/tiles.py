"""Mapbox Vector Tiles built by PostGIS (ST_AsMVT / ST_AsMVTGeom), one SQL statement per tile.

XYZ scheme in Web Mercator (WEB_MERCATOR_SRID: only for drawing, no measurement here). Each
layer filters its rows with the caller's jurisdiction prefix inside the SQL (`adcode LIKE
prefix%`) and with the tile's envelope (+ the 64/4096 buffer) through the GiST index of the
storage geometry. A tile is a read and never writes: heat hexagons without a boundary yet are
left out until the job `coverage.heat_hexes_complete` gives them one.

Layers and zooms:
- `counties` (z 0-9): county roll-up: adcode, name, cells, covered, coverage_ratio (covered/cells);
- `cells` (z 10-22): cells with their coverage in the window (the contract's properties); below
  z 10 a tile would hold tens of thousands of cells of a pixel or two: the counties answer there;
- `heat` (all zooms): H3 hexagons (res 4-7 by zoom) with visits and households; aggregates only;
- `clusters` (z 8-22): DBSCAN clusters of opinions (eps in metres, metric CRS) in the tile;
- `stations` (all zooms): id, name, kind.
"""

# ruff: noqa: S608 - SQL assembled from this module's fragments; every value is a parameter.
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from backend.accounts.jurisdiction import Jurisdiction
from backend.core.db import fetchone_prepared
from backend.core.geo import STORAGE_SRID, WEB_MERCATOR_SRID, metric_srid_for_lon
from backend.opinions.models import OPEN_STATUSES

from ..windows import Window
from .cells import cell_window_sql, ratio_sql, state_sql, window_params

EXTENT = 4096
BUFFER = 64
# H3 resolution of the heat layer by zoom (hexagons of roughly 10-40 px).
HEAT_RES_BY_ZOOM = ((6, 4), (8, 5), (10, 6), (99, 7))

_BOUNDS = f"""
    bounds AS (
        SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS env,
               ST_Transform(ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => {BUFFER / EXTENT}),
                            {STORAGE_SRID}) AS env_deg
    )
"""


def _mvt_geom(expr: str) -> str:
    mercator = f"ST_Transform({expr}, {WEB_MERCATOR_SRID})"
    return f"ST_AsMVTGeom({mercator}, bounds.env, {EXTENT}, {BUFFER}, true)"


def _local_iso(expr: str) -> str:
    return f"to_char({expr} AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD\"T\"HH24:MI:SS') || '+08:00'"


def heat_resolution(z: int) -> int:
    return next(res for max_zoom, res in HEAT_RES_BY_ZOOM if z <= max_zoom)


def cells_layer_sql(window: Window) -> str:
    visits, households_visited = cell_window_sql(window)
    return f"""
        WITH {_BOUNDS},
        rows AS (
            SELECT c.id AS fid, c.id, c.code, c.name, c.households,
                   {state_sql()} AS state,
                   coalesce(s.assigned, false) AS assigned,
                   {visits} AS visits, {households_visited} AS households_visited,
                   s.last_visit_at,
                   {_mvt_geom("coalesce(c.display_boundary, c.boundary)")} AS geom
            FROM grid_gridcell c
            CROSS JOIN bounds
            LEFT JOIN coverage_cellsummary s ON s.cell_id = c.id
            WHERE c.boundary && bounds.env_deg AND c.adcode LIKE %(scope)s
        )
        SELECT ST_AsMVT(t.*, 'cells', {EXTENT}, 'geom', 'fid') FROM (
            SELECT fid, id, code, name, state, assigned, visits, households_visited, households,
                   round({ratio_sql("households_visited", "households", "visits")}::numeric, 4)
                       ::float8 AS coverage_ratio,
                   {_local_iso("last_visit_at")} AS last_visit, geom
            FROM rows
        ) t
    """


def counties_layer_sql(window: Window) -> str:
    # A township user sees their county's outline with the figures of their own cells only.
    return f"""
        WITH {_BOUNDS}
        SELECT ST_AsMVT(t.*, 'counties', {EXTENT}, 'geom') FROM (
            SELECT r.adcode, r.name, agg.cells, agg.covered,
                   CASE WHEN agg.cells = 0 THEN 0.0
                        ELSE round(agg.covered::numeric / agg.cells, 4)::float8 END
                       AS coverage_ratio,
                   {_mvt_geom("coalesce(r.display_boundary, r.boundary)")} AS geom
            FROM regions_region r
            CROSS JOIN bounds
            CROSS JOIN LATERAL (
                SELECT count(*) AS cells,
                       count(*) FILTER (WHERE s.last_visit_at >= %(since_at)s) AS covered
                FROM coverage_cellsummary s
                WHERE s.county_adcode = r.adcode AND s.adcode LIKE %(scope)s
            ) agg
            WHERE r.level = 'county' AND coalesce(r.display_boundary, r.boundary) && bounds.env_deg
              AND (r.adcode LIKE %(scope)s OR %(raw_scope)s LIKE r.adcode || '%%')
        ) t
    """


def heat_layer_sql(window: Window) -> str:
    return f"""
        WITH {_BOUNDS},
        hexes AS (
            SELECT x.h3, x.boundary FROM coverage_heathex x, bounds
            WHERE x.resolution = %(res)s AND x.boundary && bounds.env_deg
        ),
        sums AS (
            SELECT b.h3, sum(b.visits) AS visits, sum(b.households) AS households
            FROM coverage_heatbin b JOIN hexes USING (h3)
            WHERE b.resolution = %(res)s AND b.day >= %(since)s AND b.adcode LIKE %(scope)s
            GROUP BY b.h3
        )
        SELECT ST_AsMVT(t.*, 'heat', {EXTENT}, 'geom') FROM (
            SELECT to_hex(s.h3) AS h3, s.visits::int AS visits, s.households::int AS households,
                   {_mvt_geom("h.boundary")} AS geom
            FROM sums s JOIN hexes h USING (h3) CROSS JOIN bounds
        ) t
    """


def clusters_layer_sql(window: Window, *, category: bool) -> str:
    # Opinions of the tile plus a margin of 2 eps, so that clusters crossing the edge are whole.
    cat = "AND o.category = %(category)s" if category else ""
    return f"""
        WITH {_BOUNDS},
        area AS (
            SELECT ST_Transform(ST_Expand(ST_Transform(bounds.env_deg, %(srid)s), 2 * %(eps)s),
                                {STORAGE_SRID}) AS a FROM bounds
        ),
        pts AS (
            SELECT o.id, o.category, o.status = ANY(%(open)s) AS is_open,
                   ST_Transform(o.location, %(srid)s) AS pm,
                   ST_ClusterDBSCAN(ST_Transform(o.location, %(srid)s), eps => %(eps)s,
                                    minpoints => %(minpts)s) OVER () AS k
            FROM opinions_opinion o, area
            WHERE o.location && area.a AND o.adcode LIKE %(scope)s
              AND o.recorded_at >= %(since_at)s {cat}
        ),
        top AS (
            SELECT DISTINCT ON (k) k, category FROM pts WHERE k IS NOT NULL
            GROUP BY k, category ORDER BY k, count(*) DESC, category
        ),
        clusters AS (
            SELECT k, min(id) AS cluster_id, count(*) AS count,
                   count(*) FILTER (WHERE is_open) AS open_count,
                   coverage_display_hull(ST_ConvexHull(ST_Collect(pm))) AS hull_m
            FROM pts WHERE k IS NOT NULL GROUP BY k
        )
        SELECT ST_AsMVT(t.*, 'clusters', {EXTENT}, 'geom') FROM (
            SELECT c.cluster_id, c.count::int AS count, c.open_count::int AS open_count,
                   top.category AS top_category,
                   {_mvt_geom("c.hull_m")} AS geom
            FROM clusters c JOIN top USING (k) CROSS JOIN bounds
        ) t
    """


def stations_layer_sql() -> str:
    return f"""
        WITH {_BOUNDS}
        SELECT ST_AsMVT(t.*, 'stations', {EXTENT}, 'geom', 'fid') FROM (
            SELECT s.id AS fid, s.id, s.name, s.kind, {_mvt_geom("s.location")} AS geom
            FROM liaison_station s CROSS JOIN bounds
            WHERE s.location && bounds.env_deg AND s.adcode LIKE %(scope)s
        ) t
    """


@dataclass(frozen=True)
class Layer:
    name: str
    minzoom: int
    maxzoom: int
    fields: dict = field(default_factory=dict)


LAYERS = {
    layer.name: layer
    for layer in (
        Layer(
            "cells",
            10,
            22,
            {
                "id": "Number",
                "code": "String",
                "name": "String",
                "state": "String",
                "assigned": "Boolean",
                "visits": "Number",
                "households_visited": "Number",
                "households": "Number",
                "coverage_ratio": "Number",
                "last_visit": "String",
            },
        ),
        Layer("heat", 0, 22, {"h3": "String", "visits": "Number", "households": "Number"}),
        Layer(
            "clusters",
            8,
            22,
            {
                "cluster_id": "Number",
                "count": "Number",
                "open_count": "Number",
                "top_category": "String",
            },
        ),
        Layer("stations", 0, 22, {"id": "Number", "name": "String", "kind": "String"}),
        Layer(
            "counties",
            0,
            9,
            {
                "adcode": "String",
                "name": "String",
                "coverage_ratio": "Number",
                "cells": "Number",
                "covered": "Number",
            },
        ),
    )
}


@dataclass(frozen=True)
class TileRequest:
    layer: str
    z: int
    x: int
    y: int
    jurisdiction: Jurisdiction  # the caller's (its prefix: "" = everything)
    window: Window
    category: str | None = None
    eps_m: float = 500.0
    min_points: int = 3
    metric_srid: int = metric_srid_for_lon(113.0)  # the map view passes the tile's zone

    def cache_key(self) -> str:
        """Everything the tile depends on, the caller's jurisdiction included."""
        return "|".join(
            str(v)
            for v in (
                self.layer,
                self.z,
                self.x,
                self.y,
                self.jurisdiction.sql_prefix(),
                self.window.days,
                self.window.today,
                self.category or "",
                self.eps_m,
                self.min_points,
            )
        )


def tile_query(req: TileRequest) -> tuple[str | None, dict]:
    """The SQL and parameters of a tile; None when the layer has nothing at this zoom."""
    layer = LAYERS[req.layer]
    if not layer.minzoom <= req.z <= layer.maxzoom:
        return None, {}
    params = {
        "z": req.z,
        "x": req.x,
        "y": req.y,
        "scope": req.jurisdiction.sql_like(),
        "raw_scope": req.jurisdiction.sql_prefix(),
        **window_params(req.window),
    }
    if req.layer == "cells":
        sql = cells_layer_sql(req.window)
    elif req.layer == "counties":
        sql = counties_layer_sql(req.window)
    elif req.layer == "heat":
        sql = heat_layer_sql(req.window)
        params["res"] = heat_resolution(req.z)
    elif req.layer == "clusters":
        sql = clusters_layer_sql(req.window, category=bool(req.category))
        params.update(
            eps=req.eps_m,
            minpts=req.min_points,
            srid=req.metric_srid,
            open=[str(s) for s in OPEN_STATUSES],
            category=req.category,
        )
    else:
        sql = stations_layer_sql()
    return sql, params


# --- versions: what a revalidation is answered from, before any tile SQL runs ---------------
#
# A tile's version is a fingerprint of the row versions it is drawn from: for every row in the
# tile's envelope (and the caller's scope), its physical address and creating transaction
# (`ctid`, `xmin`), which PostgreSQL changes on every insert, update and delete, whoever writes
# (services, triggers, loaders, the daily roll), so no writer has to remember to bump anything.
# It reads the same index range as the tile but draws nothing: no ST_AsMVTGeom, no transform, no
# DBSCAN. The counties layer fingerprints its own figures (per county: cells, covered) and the
# regions' rows, which is cheaper than touching every summary row of a province.

_ROW_PRINT = "coalesce(sum(hashtext({t}.ctid::text || ':' || {t}.xmin::text)::bigint), 0)"


def _prints(*tables: str) -> str:
    return " || ':' || ".join(_ROW_PRINT.format(t=t) for t in tables)


def _envelope_only() -> str:
    return f"""
    bounds AS (
        SELECT ST_Transform(ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => {BUFFER / EXTENT}),
                            {STORAGE_SRID}) AS env_deg
    )
"""


def cells_version_sql() -> str:
    return f"""
        WITH {_envelope_only()}
        SELECT count(*) || ':' || {_prints("c", "s")}
        FROM grid_gridcell c CROSS JOIN bounds
        LEFT JOIN coverage_cellsummary s ON s.cell_id = c.id
        WHERE c.boundary && bounds.env_deg AND c.adcode LIKE %(scope)s
    """


def counties_version_sql() -> str:
    return f"""
        WITH {_envelope_only()}
        SELECT count(*) || ':' || {_prints("r")}
               || ':' || coalesce(sum(hashtext(r.adcode || ':' || agg.cells || ':'
                                               || agg.covered)::bigint), 0)
        FROM regions_region r
        CROSS JOIN bounds
        CROSS JOIN LATERAL (
            SELECT count(*) AS cells,
                   count(*) FILTER (WHERE s.last_visit_at >= %(since_at)s) AS covered
            FROM coverage_cellsummary s
            WHERE s.county_adcode = r.adcode AND s.adcode LIKE %(scope)s
        ) agg
        WHERE r.level = 'county' AND coalesce(r.display_boundary, r.boundary) && bounds.env_deg
          AND (r.adcode LIKE %(scope)s OR %(raw_scope)s LIKE r.adcode || '%%')
    """


def heat_version_sql() -> str:
    return f"""
        WITH {_envelope_only()},
        hexes AS (
            SELECT x.h3, x.ctid, x.xmin FROM coverage_heathex x, bounds
            WHERE x.resolution = %(res)s AND x.boundary && bounds.env_deg
        )
        SELECT (SELECT count(*) || ':' || {_prints("hexes")} FROM hexes)
               || ':' || (SELECT count(*) || ':' || {_prints("b")}
                          FROM coverage_heatbin b JOIN hexes USING (h3)
                          WHERE b.resolution = %(res)s AND b.day >= %(since)s
                            AND b.adcode LIKE %(scope)s)
    """


def clusters_version_sql(*, category: bool) -> str:
    cat = "AND o.category = %(category)s" if category else ""
    return f"""
        WITH {_envelope_only()},
        area AS (
            SELECT ST_Transform(ST_Expand(ST_Transform(bounds.env_deg, %(srid)s), 2 * %(eps)s),
                                {STORAGE_SRID}) AS a FROM bounds
        )
        SELECT count(*) || ':' || {_prints("o")}
        FROM opinions_opinion o, area
        WHERE o.location && area.a AND o.adcode LIKE %(scope)s
          AND o.recorded_at >= %(since_at)s {cat}
    """


def stations_version_sql() -> str:
    return f"""
        WITH {_envelope_only()}
        SELECT count(*) || ':' || {_prints("s")}
        FROM liaison_station s CROSS JOIN bounds
        WHERE s.location && bounds.env_deg AND s.adcode LIKE %(scope)s
    """


def tile_version_sql(req: TileRequest) -> str:
    if req.layer == "cells":
        return cells_version_sql()
    if req.layer == "counties":
        return counties_version_sql()
    if req.layer == "heat":
        return heat_version_sql()
    if req.layer == "clusters":
        return clusters_version_sql(category=bool(req.category))
    return stations_version_sql()


def tile_etag(req: TileRequest) -> str:
    """The tile's ETag without drawing it: its cache key, its SQL (a deploy that changes what a
    tile holds changes the tag) and its version (one cheap query; none outside the layer's
    zooms). Computed before the tile, so the tile drawn afterwards may be newer than its tag,
    never older: a revalidation then draws it again, it never keeps a stale tile."""
    sql, params = tile_query(req)
    version = ""
    if sql is not None:
        row = fetchone_prepared(tile_version_sql(req), params)
        version = str(row[0]) if row else ""
    digest = hashlib.sha256("\0".join((req.cache_key(), sql or "", version)).encode()).hexdigest()[
        :32
    ]
    return f'"{digest}"'


def tile_render(req: TileRequest) -> bytes:
    """The MVT bytes of the tile (empty outside the layer's zooms). Heat hexagons without a
    boundary yet are left out (the job coverage.heat_hexes_complete gives them one)."""
    sql, params = tile_query(req)
    if sql is None:
        return b""
    row = fetchone_prepared(sql, params)
    return bytes(row[0]) if row and row[0] is not None else b""
