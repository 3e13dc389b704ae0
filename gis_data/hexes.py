"""The one place that talks to h3 (v4), whose functions take and return (lat, lng).

Everything else in the project passes (lon, lat) / shapely geometries in WGS-84; the swap to
h3's order happens only here.
"""

from __future__ import annotations

import h3
import shapely
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

from gis_data.i18n import lazy_message as _

MIN_RESOLUTION = 0
MAX_RESOLUTION = 15


def check_resolution(resolution: int) -> int:
    if not isinstance(resolution, int) or not MIN_RESOLUTION <= resolution <= MAX_RESOLUTION:
        raise ValueError(
            _(
                "H3 resolution must be an integer %(min)d..%(max)d, got %(resolution)r",
                min=MIN_RESOLUTION,
                max=MAX_RESOLUTION,
                resolution=resolution,
            )
        )
    return resolution


def point_to_cell(lon: float, lat: float, resolution: int) -> str:
    """The H3 index (hex string) of the cell holding (lon, lat)."""
    return h3.latlng_to_cell(lat, lon, check_resolution(resolution))


def cell_polygon(cell: str) -> Polygon:
    """The cell's boundary as a shapely Polygon in (lon, lat), closed, counter-clockwise."""
    ring = [(lng, lat) for lat, lng in h3.cell_to_boundary(cell)]
    return Polygon(ring)


def cell_center(cell: str) -> tuple[float, float]:
    lat, lng = h3.cell_to_latlng(cell)
    return lng, lat


def mean_edge_length_m(resolution: int) -> float:
    return float(h3.average_hexagon_edge_length(check_resolution(resolution), unit="m"))


def mean_cell_area_m2(resolution: int) -> float:
    return float(h3.average_hexagon_area(check_resolution(resolution), unit="m^2"))


def _latlng_ring(coords) -> list[tuple[float, float]]:
    # h3 wants open rings of (lat, lng); shapely rings are closed (lon, lat).
    return [(lat, lon) for lon, lat in list(coords)[:-1]]


def cells_with_center_in(area: BaseGeometry, resolution: int) -> list[str]:
    """H3 cells whose centre lies inside `area` (a (Multi)Polygon in WGS-84 lon/lat)."""
    check_resolution(resolution)
    polygons = [
        part for part in shapely.get_parts(area) if isinstance(part, Polygon) and not part.is_empty
    ]
    if not polygons:
        return []
    shapes = [
        h3.LatLngPoly(
            _latlng_ring(p.exterior.coords), *[_latlng_ring(ring.coords) for ring in p.interiors]
        )
        for p in polygons
    ]
    shape = shapes[0] if len(shapes) == 1 else h3.LatLngMultiPoly(*shapes)
    return list(h3.h3shape_to_cells(shape, resolution))
