"""Map reads as GeoJSON: the cells (a FeatureCollection built by PostgreSQL), stations, their
links, and the bounds of a jurisdiction; scoped by an adcode prefix the caller may read."""

from __future__ import annotations

import json

from django.db import connection

from backend.accounts.jurisdiction import Jurisdiction
from backend.core.db import fetch_dicts
from backend.core.geo import display_tolerance_deg, metric_srid_for_lon

from .cells import coverage_by_cell_query


def stations(*, jurisdiction: Jurisdiction) -> list[dict]:
    """Stations inside the jurisdiction: id, name, kind, adcode, deputies (open memberships) and the
    simplified service area as a GeoJSON geometry (or None)."""
    rows = fetch_dicts(
        """
        SELECT s.id, s.name, s.kind, s.adcode,
               (SELECT count(*) FROM liaison_stationmembership m
                WHERE m.station_id = s.id AND m.until IS NULL) AS deputies,
               ST_AsGeoJSON(ST_ForcePolygonCCW(  -- RFC 7946 ring order
                   ST_Multi(ST_SimplifyPreserveTopology(s.service_area, %(tolerance)s))), 6)
                   AS service_area,
               ST_AsGeoJSON(s.location, 6) AS geometry
        FROM liaison_station s WHERE s.adcode LIKE %(scope)s ORDER BY s.adcode, s.name, s.id
        """,
        {"scope": jurisdiction.sql_like(), "tolerance": display_tolerance_deg("cell")},
    )
    for row in rows:
        if row["service_area"] is not None:
            row["service_area"] = json.loads(row["service_area"])
    return rows


def station_links(*, jurisdiction: Jurisdiction) -> list[dict]:
    """Cross-province links with at least one station inside the jurisdiction, as LineStrings."""
    rows = fetch_dicts(
        """
        SELECT l.id, l.cadences, l.agreement_date,
               json_build_object('id', a.id, 'name', a.name, 'adcode', a.adcode) AS station_a,
               json_build_object('id', b.id, 'name', b.name, 'adcode', b.adcode) AS station_b,
               ST_AsGeoJSON(ST_MakeLine(a.location, b.location), 6) AS geometry
        FROM liaison_stationlink l
        JOIN liaison_station a ON a.id = l.station_a_id
        JOIN liaison_station b ON b.id = l.station_b_id
        WHERE a.adcode LIKE %(scope)s OR b.adcode LIKE %(scope)s
        ORDER BY l.id
        """,
        {"scope": jurisdiction.sql_like()},
    )
    for row in rows:
        row["agreement_date"] = row["agreement_date"].isoformat()
        for key in ("cadences", "station_a", "station_b"):
            if isinstance(row[key], str):  # json/jsonb arrive as text through Django's cursor
                row[key] = json.loads(row[key])
    return rows


def jurisdiction_bounds(*, jurisdiction: Jurisdiction) -> list[float]:
    """[w, s, e, n] of the regions at the top of the jurisdiction (the whole world for
    everything)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (
                SELECT ST_Extent(coalesce(r.display_boundary, r.boundary)) AS e
                FROM regions_region r
                WHERE r.adcode LIKE %(scope)s AND length(r.adcode) = (
                    SELECT min(length(adcode)) FROM regions_region WHERE adcode LIKE %(scope)s)
            ) x
            """,
            {"scope": jurisdiction.sql_like()},
        )
        row = cursor.fetchone()
    if not row or row[0] is None:
        return [-180.0, -85.0511, 180.0, 85.0511]
    return [round(v, 6) for v in row]


def jurisdiction_metric_srid(*, jurisdiction: Jurisdiction) -> int:
    """The metric CRS (UTM zone) at the middle of the jurisdiction's bounds: where clustering in
    metres runs for a whole jurisdiction (the OGC collection, the GeoPackage)."""
    w, _s, e, _n = jurisdiction_bounds(jurisdiction=jurisdiction)
    return metric_srid_for_lon((w + e) / 2)


# The cells as a GeoJSON FeatureCollection built by PostgreSQL: no per-row Python work, so a
# county's 5,000 cells cost what the query costs.
CELLS_GEOJSON = """
    SELECT json_build_object('type', 'FeatureCollection', 'features', coalesce(json_agg(
        json_build_object(
            'type', 'Feature', 'id', x.id, 'geometry', x.geometry::json,
            'properties', json_build_object(
                'id', x.id, 'code', x.code, 'name', x.name, 'households', x.households,
                'last_visit', to_char(x.last_visit AT TIME ZONE 'Asia/Shanghai',
                                      'YYYY-MM-DD"T"HH24:MI:SS') || '+08:00',
                'visits', x.visits, 'households_visited', x.households_visited,
                'state', x.state, 'assigned', x.assigned,
                'coverage_ratio', round(x.coverage_ratio::numeric, 4)))
        ORDER BY x.code), '[]'::json))::text,
        count(*)
    FROM ({inner}) x
"""


def cells_feature_collection(**kwargs) -> tuple[str, int]:
    """(GeoJSON text, number of cells) of `coverage_by_cell_query(**kwargs, geometry=True)`."""
    inner, params = coverage_by_cell_query(geometry=True, **kwargs)
    with connection.cursor() as cursor:
        cursor.execute(CELLS_GEOJSON.format(inner=inner), params)
        text, count = cursor.fetchone()
    return text, count
