"""Where opinions cluster (DBSCAN in metres), as GeoJSON-ready rows."""

# ruff: noqa: S608 - SQL assembled from this module's fragments; every value is a parameter.
from __future__ import annotations

from backend.accounts.jurisdiction import Jurisdiction
from backend.core.db import fetch_dicts
from backend.core.geo import STORAGE_SRID
from backend.opinions.models import OPEN_STATUSES

from ..windows import Window
from .cells import BBOX_ENVELOPE, scope_params


def opinion_clusters(
    *,
    jurisdiction: Jurisdiction,
    window: Window,
    eps_m: float,
    min_points: int,
    metric_srid: int,
    category: str | None = None,
    bbox: tuple[float, float, float, float] | None = None,
) -> list[dict]:
    """Where opinions cluster: DBSCAN with `eps_m` metres in the metric CRS `metric_srid` over
    the opinions in the jurisdiction recorded in the window (one category or all). Per cluster:
    convex hull (WGS-84; buffered 25 m when it is thinner than that), count, open count,
    categories by frequency. Points that belong to no cluster are not returned."""
    where = ""
    params = {
        **scope_params(jurisdiction, window),
        "eps": float(eps_m),
        "minpts": int(min_points),
        "srid": int(metric_srid),
        "open": [str(s) for s in OPEN_STATUSES],
    }
    if category:
        where += " AND o.category = %(category)s"
        params["category"] = category
    if bbox is not None:
        where += f" AND o.location && {BBOX_ENVELOPE}"
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
                   ST_Transform(coverage_display_hull(c.hull_m), {STORAGE_SRID})), 6) AS geometry
        FROM clusters c ORDER BY c.count DESC, c.cluster_id
    """
    return fetch_dicts(sql, params)


def cluster_members(
    *,
    jurisdiction: Jurisdiction,
    window: Window,
    cluster_id: int,
    eps_m: float,
    min_points: int,
    metric_srid: int,
) -> list[int]:
    """The opinion ids of the cluster `opinion_clusters` names `cluster_id` (its smallest
    opinion id) with the same window, jurisdiction and DBSCAN parameters; [] when no such
    cluster exists there (any more). The one-click proposal of the dashboard keeps them as its
    evidence, so they are recomputed on the server rather than taken from the client."""
    params = {
        **scope_params(jurisdiction, window),
        "eps": float(eps_m),
        "minpts": int(min_points),
        "srid": int(metric_srid),
        "cluster": int(cluster_id),
    }
    sql = """
        WITH pts AS (
            SELECT o.id,
                   ST_ClusterDBSCAN(ST_Transform(o.location, %(srid)s), eps => %(eps)s,
                                    minpoints => %(minpts)s) OVER () AS k
            FROM opinions_opinion o
            WHERE o.location IS NOT NULL AND o.adcode LIKE %(scope)s
              AND o.recorded_at >= %(since_at)s
        ),
        named AS (SELECT k FROM pts WHERE k IS NOT NULL GROUP BY k HAVING min(id) = %(cluster)s)
        SELECT p.id FROM pts p JOIN named n ON n.k = p.k ORDER BY p.id
    """
    return [row["id"] for row in fetch_dicts(sql, params)]
