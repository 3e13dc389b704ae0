"""Spatial constants and helpers shared by every app.

The only module with SRID literals. Storage is WGS-84; measurement is done on the geography
type (metres on the spheroid) or in a CGCS2000 Gauss-Krueger 3-degree zone chosen by longitude.
"""

from django.contrib.gis.db.models import GeometryField, PointField
from django.db.models.functions import Cast

STORAGE_SRID = 4326
# CGCS2000 / 3-degree Gauss-Krueger CM 75E .. CM 135E are EPSG:4534 .. 4554.
_GK3_FIRST_SRID = 4534
_GK3_FIRST_CM = 75


def metric_srid_for_lon(lon: float) -> int:
    """The CGCS2000 3-degree Gauss-Krueger zone (CM in degrees E) whose central meridian is
    nearest to `lon`."""
    zone = round((lon - _GK3_FIRST_CM) / 3)
    zone = max(0, min(zone, 20))
    return _GK3_FIRST_SRID + zone


def as_geography(expression):
    """Cast a 4326 geometry expression to geography so ST_Distance/ST_Area/ST_DWithin are metres."""
    return Cast(expression, GeometryField(srid=STORAGE_SRID, geography=True))


def as_geography_point(expression):
    return Cast(expression, PointField(srid=STORAGE_SRID, geography=True))
