"""Pages of features for the OGC API - Features (map_ui.ogc): cells with their coverage,
liaison stations, opinion clusters; each scoped by the caller's jurisdiction, filtered by a
WGS-84 bbox, paged by limit/offset, with the number matched."""

# ruff: noqa: S608 - SQL assembled from this package's fragments; every value is a parameter.
from __future__ import annotations

from dataclasses import dataclass

from backend.accounts.jurisdiction import Jurisdiction
from backend.core.db import fetch_dicts

from ..windows import Window
from .cells import BBOX_ENVELOPE, coverage_by_cell_query
from .clusters import opinion_clusters

Bbox = tuple[float, float, float, float]


@dataclass(frozen=True, slots=True)
class Page:
    """One page of features: `rows` (each with `id` and `geometry` as GeoJSON text) and the
    number of features matching the filter over all pages."""

    rows: list[dict]
    matched: int


def _bbox_params(bbox: Bbox | None) -> dict:
    if bbox is None:
        return {}
    return {"w": bbox[0], "s": bbox[1], "e": bbox[2], "n": bbox[3]}


def cell_page(
    *, jurisdiction: Jurisdiction, window: Window, bbox: Bbox | None, limit: int, offset: int
) -> Page:
    """Cells in the jurisdiction (and bbox), ordered by code: coverage in `window` + geometry."""
    count_sql, count_params = coverage_by_cell_query(
        jurisdiction=jurisdiction, window=window, bbox=bbox
    )
    matched = fetch_dicts(f"SELECT count(*) AS n FROM ({count_sql}) x", count_params)[0]["n"]
    sql, params = coverage_by_cell_query(
        jurisdiction=jurisdiction, window=window, bbox=bbox, geometry=True
    )
    rows = fetch_dicts(
        f"{sql} LIMIT %(limit)s OFFSET %(offset)s", {**params, "limit": limit, "offset": offset}
    )
    return Page(rows=rows, matched=matched)


def cell_feature(*, jurisdiction: Jurisdiction, window: Window, cell_id: int) -> dict | None:
    """One cell of the jurisdiction, or None (missing and outside look the same)."""
    sql, params = coverage_by_cell_query(
        jurisdiction=jurisdiction, window=window, cell_ids=[cell_id], geometry=True
    )
    rows = fetch_dicts(sql, params)
    return rows[0] if rows else None


STATIONS_SQL = """
    SELECT s.id, s.name, s.kind, s.address, s.adcode,
           (SELECT count(*) FROM liaison_stationmembership m
            WHERE m.station_id = s.id AND m.until IS NULL) AS deputies,
           ST_AsGeoJSON(s.location, 6) AS geometry
    FROM liaison_station s WHERE s.adcode LIKE %(scope)s {where}
"""


def station_page(*, jurisdiction: Jurisdiction, bbox: Bbox | None, limit: int, offset: int) -> Page:
    """Liaison stations in the jurisdiction (and bbox): name, kind, address, adcode, number of
    deputies (no personal data), as points; ordered by adcode, name, id."""
    where = f" AND s.location && {BBOX_ENVELOPE}" if bbox is not None else ""
    params = {"scope": jurisdiction.sql_like(), **_bbox_params(bbox)}
    matched = fetch_dicts(
        f"SELECT count(*) AS n FROM liaison_station s WHERE s.adcode LIKE %(scope)s {where}",
        params,
    )[0]["n"]
    rows = fetch_dicts(
        STATIONS_SQL.format(where=where)
        + " ORDER BY s.adcode, s.name, s.id LIMIT %(limit)s OFFSET %(offset)s",
        {**params, "limit": limit, "offset": offset},
    )
    return Page(rows=rows, matched=matched)


def station_feature(*, jurisdiction: Jurisdiction, station_id: int) -> dict | None:
    rows = fetch_dicts(
        STATIONS_SQL.format(where=" AND s.id = %(id)s"),
        {"scope": jurisdiction.sql_like(), "id": station_id},
    )
    return rows[0] if rows else None


def cluster_rows(
    *, jurisdiction: Jurisdiction, window: Window, bbox: Bbox | None, metric_srid: int
) -> list[dict]:
    """Opinion clusters of the window (DBSCAN 500 m, at least 3 opinions, the map's defaults):
    id (the smallest opinion id of the cluster), counts only, hull geometry."""
    rows = opinion_clusters(
        jurisdiction=jurisdiction,
        window=window,
        eps_m=CLUSTER_EPS_M,
        min_points=CLUSTER_MIN_POINTS,
        metric_srid=metric_srid,
        bbox=bbox,
    )
    return [
        {
            "id": row["cluster_id"],
            "count": row["count"],
            "open_count": row["open_count"],
            "geometry": row["geometry"],
        }
        for row in rows
    ]


CLUSTER_EPS_M = 500.0
CLUSTER_MIN_POINTS = 3
