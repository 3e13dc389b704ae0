"""Spatial constants and helpers shared by every app.

The only module with SRID literals. Storage is WGS-84; measurement is done on the geography
type (metres on the spheroid) or in a CGCS2000 Gauss-Krueger 3-degree zone chosen by longitude;
Web Mercator is for drawing map tiles only. Django-free at import (gis_data's pure modules use
it); the Django expression helpers import GeoDjango when called.
"""

from __future__ import annotations

STORAGE_SRID = 4326
# Map tiles (XYZ) only: never measure in it (scale grows by 1/cos(latitude)).
WEB_MERCATOR_SRID = 3857
# CGCS2000 / 3-degree Gauss-Krueger CM 75E .. CM 135E are EPSG:4534 .. 4554.
_GK3_FIRST_SRID = 4534
_GK3_FIRST_CM = 75
_GK3_ZONES = 21

# Display copies (drawn on maps, never measured) are simplified by a tolerance in metres, by what
# is drawn: a region's outline (seen at county zoom) by 20 m, a cell or a station's service area
# (seen at street zoom) by 3 m. Loaders simplify in metres in the local Gauss-Krueger zone; SQL
# that simplifies in storage degrees uses `display_tolerance_deg`.
DISPLAY_TOLERANCE_M = {"region": 20.0, "cell": 3.0}
# Metres in a degree of latitude, and at most in a degree of longitude: a tolerance of
# m / METRES_PER_DEGREE degrees never moves a vertex by more than about m metres.
METRES_PER_DEGREE = 111_320.0


def metric_srid_for_lon(lon: float) -> int:
    """The CGCS2000 3-degree Gauss-Krueger zone (CM in degrees E) whose central meridian is
    nearest to `lon`."""
    zone = round((lon - _GK3_FIRST_CM) / 3)
    return _GK3_FIRST_SRID + max(0, min(zone, _GK3_ZONES - 1))


def display_tolerance_m(kind: str) -> float:
    """The display simplification tolerance of `kind` ("region" or "cell"), in metres."""
    return DISPLAY_TOLERANCE_M[kind]


def display_tolerance_deg(kind: str) -> float:
    """`display_tolerance_m(kind)` as degrees, for simplifying storage (WGS-84) geometries."""
    return DISPLAY_TOLERANCE_M[kind] / METRES_PER_DEGREE


def as_geography(expression):
    """Cast a 4326 geometry expression to geography so ST_Distance/ST_Area/ST_DWithin are metres."""
    from django.contrib.gis.db.models import GeometryField
    from django.db.models.functions import Cast

    return Cast(expression, GeometryField(srid=STORAGE_SRID, geography=True))


def as_geography_point(expression):
    from django.contrib.gis.db.models import PointField
    from django.db.models.functions import Cast

    return Cast(expression, PointField(srid=STORAGE_SRID, geography=True))
