"""RFC 7946 checks shared by the map and phone API tests."""

from django.contrib.gis.geos import MultiPolygon, Polygon
from shapely.geometry import shape


def ring_orientations(geometry: dict) -> list[tuple[str, bool]]:
    """(`exterior` or `hole`, is counter-clockwise) of every ring of a GeoJSON (Multi)Polygon."""
    geom = shape(geometry)
    polygons = geom.geoms if geom.geom_type == "MultiPolygon" else [geom]
    found = []
    for polygon in polygons:
        found.append(("exterior", polygon.exterior.is_ccw))
        found.extend(("hole", ring.is_ccw) for ring in polygon.interiors)
    return found


def assert_rfc7946_rings(geometry: dict) -> None:
    """RFC 7946 §3.1.6: exterior rings counter-clockwise, holes clockwise."""
    orientations = ring_orientations(geometry)
    assert orientations, geometry
    assert orientations == [(kind, kind == "exterior") for kind, _ccw in orientations], geometry


def clockwise_with_hole(multipolygon: MultiPolygon) -> MultiPolygon:
    """The same area the wrong way round: a clockwise exterior with a counter-clockwise hole
    in the middle (a valid geometry; only the ring order differs from RFC 7946)."""
    (w, s, e, n) = multipolygon.extent
    dx, dy = (e - w) / 4, (n - s) / 4
    exterior = [(w, s), (w, n), (e, n), (e, s), (w, s)]  # clockwise
    hole = [
        (w + dx, s + dy),
        (e - dx, s + dy),
        (e - dx, n - dy),
        (w + dx, n - dy),
        (w + dx, s + dy),
    ]
    return MultiPolygon(Polygon(exterior, hole), srid=multipolygon.srid)
