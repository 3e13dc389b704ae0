"""Grid cells (网格) generated inside a boundary: squares of N metres or H3 hexagons.

Pure shapely 2 / pyproj / h3; no Django. Invariants:

- Computed in a metric projection: the CGCS2000 3-degree Gauss-Krueger zone (core.geo's picker)
  whose central meridian is nearest the boundary's centre (never Web Mercator).
- The cells tile the boundary: each candidate cell is clipped to it, so cells neither overlap
  nor leave gaps, and holes in the boundary stay holes. Fragments smaller than
  `merge_below` x a full cell are merged into the neighbour they share the longest edge with
  (the union still tiles; isolated fragments such as islets are kept as cells of their own).
- Codes are stable: a square is named by its column/row in a grid anchored at the zone's
  false origin (0, 0) -- f"{prefix}-S{size}-{col}-{row}" -- so regenerating over the same
  boundary gives the same codes; a hexagon by its H3 index, f"{prefix}-{h3}".
- Each cell is a valid 2-D MultiPolygon in WGS-84 (lon, lat) with its geodesic area in m².
- Cells are returned north to south, then west to east (the order names are given in).
- Bad arguments raise ValueError whose argument is a gis_data.i18n Message (generate_grid shows
  it to users, translated).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import shapely
from pyproj import Proj, Transformer
from shapely.geometry import MultiPolygon
from shapely.geometry.base import BaseGeometry

from backend.core.geo import STORAGE_SRID, metric_srid_for_lon
from gis_data import hexes
from gis_data.i18n import lazy_message as _

DEFAULT_MERGE_BELOW = 0.1
MAX_CANDIDATE_CELLS = 4_000_000
# Clip against the boundary in blocks of BLOCK x BLOCK cells: intersecting each edge cell with
# a block-sized piece of the boundary instead of the whole of it keeps large regions fast.
_BLOCK_CELLS = 16
_TYPE_POLYGON = 3
_DENSIFY_DEG = 0.001


@dataclass(frozen=True)
class GeneratedCell:
    code: str
    geometry: MultiPolygon  # WGS-84 (lon, lat), valid, 2-D
    area_m2: float


@dataclass(frozen=True)
class MetricFrame:
    """Forward/backward transforms between WGS-84 and one Gauss-Krueger zone."""

    epsg: int

    @property
    def _forward(self) -> Transformer:
        return _transformer(STORAGE_SRID, self.epsg)

    @property
    def _backward(self) -> Transformer:
        return _transformer(self.epsg, STORAGE_SRID)

    def to_metric(self, geoms):
        return shapely.transform(geoms, lambda xy: _apply(self._forward, xy))

    def to_wgs84(self, geoms):
        return shapely.transform(geoms, lambda xy: _apply(self._backward, xy))


@lru_cache(maxsize=64)
def _proj(epsg: int) -> Proj:
    return Proj(f"EPSG:{epsg}")


@lru_cache(maxsize=64)
def _transformer(src: int, dst: int) -> Transformer:
    return Transformer.from_crs(src, dst, always_xy=True)


def _apply(transformer: Transformer, xy: np.ndarray) -> np.ndarray:
    x, y = transformer.transform(xy[:, 0], xy[:, 1])
    return np.column_stack([x, y])


def metric_frame_for(boundary: BaseGeometry) -> MetricFrame:
    minx, _miny, maxx, _maxy = boundary.bounds
    return MetricFrame(metric_srid_for_lon((minx + maxx) / 2))


# --------------------------------------------------------------------------- public API


def square_cells(
    boundary: BaseGeometry,
    *,
    cell_size_m: float,
    code_prefix: str,
    merge_below: float = DEFAULT_MERGE_BELOW,
) -> list[GeneratedCell]:
    """Square cells of `cell_size_m` metres clipped to `boundary` (WGS-84 (Multi)Polygon)."""
    if not (
        isinstance(cell_size_m, int | float) and math.isfinite(cell_size_m) and cell_size_m >= 1
    ):
        raise ValueError(_("cell_size_m must be a number >= 1, got %(size)r", size=cell_size_m))
    _check_boundary(boundary)
    frame = metric_frame_for(boundary)
    area_m = _boundary_to_metric(frame, boundary)
    minx, miny, maxx, maxy = area_m.bounds
    size = float(cell_size_m)
    cols = np.arange(math.floor(minx / size), math.ceil(maxx / size), dtype=np.int64)
    rows = np.arange(math.floor(miny / size), math.ceil(maxy / size), dtype=np.int64)
    if cols.size * rows.size > MAX_CANDIDATE_CELLS:
        raise ValueError(
            _(
                "%(count)d candidate cells of %(size_m)g m: choose a larger cell size",
                count=cols.size * rows.size,
                size_m=size,
            )
        )
    # North to south, then west to east.
    row_grid, col_grid = np.meshgrid(rows[::-1], cols, indexing="ij")
    col_flat, row_flat = col_grid.ravel(), row_grid.ravel()
    boxes = shapely.box(
        col_flat * size, row_flat * size, (col_flat + 1) * size, (row_flat + 1) * size
    )
    size_label = f"{size:g}"
    codes = np.array(
        [f"{code_prefix}-S{size_label}-{c}-{r}" for c, r in zip(col_flat, row_flat, strict=True)],
        dtype=object,
    )
    block_keys = np.column_stack([col_flat // _BLOCK_CELLS, row_flat // _BLOCK_CELLS])
    return _finish(frame, area_m, boxes, codes, block_keys, merge_below)


def hex_cells(
    boundary: BaseGeometry,
    *,
    resolution: int,
    code_prefix: str,
    merge_below: float = DEFAULT_MERGE_BELOW,
) -> list[GeneratedCell]:
    """H3 hexagons at `resolution`: every hexagon touching `boundary`, clipped to it."""
    hexes.check_resolution(resolution)
    _check_boundary(boundary)
    frame = metric_frame_for(boundary)
    area_m = _boundary_to_metric(frame, boundary)
    edge_m = hexes.mean_edge_length_m(resolution)
    # A hexagon touching the boundary has its centre within one circumradius (= edge length)
    # of it; search twice that so that the variation of cell sizes cannot lose one.
    search_m = shapely.simplify(shapely.buffer(area_m, 2 * edge_m, quad_segs=4), edge_m / 4)
    search_m = (
        shapely.Polygon(search_m.exterior)
        if search_m.geom_type == "Polygon"
        else (shapely.MultiPolygon([shapely.Polygon(p.exterior) for p in search_m.geoms]))
    )
    cells = hexes.cells_with_center_in(frame.to_wgs84(search_m), resolution)
    if len(cells) > MAX_CANDIDATE_CELLS:
        raise ValueError(
            _("%(count)d candidate hexagons: choose a coarser resolution", count=len(cells))
        )
    polygons = frame.to_metric(np.array([hexes.cell_polygon(c) for c in cells], dtype=object))
    centers = shapely.get_coordinates(shapely.centroid(polygons)) if cells else np.empty((0, 2))
    order = np.lexsort((centers[:, 0], -centers[:, 1]))
    polygons = polygons[order]
    codes = np.array(
        [f"{code_prefix}-{cells[i]}" if code_prefix else cells[i] for i in order], dtype=object
    )
    block_m = _BLOCK_CELLS * edge_m * math.sqrt(3)
    block_keys = np.floor(centers[order] / block_m).astype(np.int64)
    return _finish(frame, area_m, polygons, codes, block_keys, merge_below)


# --------------------------------------------------------------------------- internals


def _check_boundary(boundary: BaseGeometry) -> None:
    if boundary is None or boundary.is_empty:
        raise ValueError(_("the boundary is empty"))
    if boundary.geom_type not in {"Polygon", "MultiPolygon"}:
        raise ValueError(
            _(
                "the boundary must be a Polygon or MultiPolygon, not %(type)s",
                type=boundary.geom_type,
            )
        )
    if not boundary.is_valid:
        raise ValueError(
            _(
                "the boundary is not valid: %(reason)s",
                reason=shapely.is_valid_reason(boundary),
            )
        )
    minx, miny, maxx, maxy = boundary.bounds
    if minx < -180 or maxx > 180 or miny < -90 or maxy > 90:
        raise ValueError(_("the boundary is not in WGS-84 lon/lat degrees"))


def _boundary_to_metric(frame: MetricFrame, boundary: BaseGeometry) -> BaseGeometry:
    # A straight edge in lon/lat is not straight in Gauss-Krueger: over a 1.7 km boundary edge
    # the two differ by ~3 cm, which would leave slivers between the cells and the boundary as
    # stored (PostGIS geometry edges are straight in lon/lat). Densifying first to ~100 m
    # segments shrinks that to ~0.1 mm.
    return frame.to_metric(shapely.segmentize(boundary, _DENSIFY_DEG))


def _finish(
    frame: MetricFrame,
    area_m: BaseGeometry,
    candidates: np.ndarray,
    codes: np.ndarray,
    block_keys: np.ndarray,
    merge_below: float,
) -> list[GeneratedCell]:
    full_area_m2 = shapely.area(candidates)
    clipped = _clip(candidates, area_m, block_keys)
    keep = np.flatnonzero(shapely.area(clipped) > 0)
    clipped, codes, full_area_m2 = clipped[keep], codes[keep], full_area_m2[keep]
    clipped, codes = _merge_fragments(clipped, codes, full_area_m2, merge_below)
    areas_m2 = _true_area_m2(frame, clipped)
    geoms = _valid_multipolygons(shapely.force_2d(frame.to_wgs84(clipped)))
    return [
        GeneratedCell(code=str(c), geometry=g, area_m2=float(a))
        for c, g, a in zip(codes, geoms, areas_m2, strict=True)
        if a > 0 and not g.is_empty
    ]


def _true_area_m2(frame: MetricFrame, geoms_m: np.ndarray) -> np.ndarray:
    """Ellipsoidal area: the projected area divided by the projection's areal scale.

    Gauss-Krueger inflates areas by up to ~0.1% at a zone's edge; the scale varies by ~1e-7
    across a cell, so one factor at the cell's centre gives the geodesic area to ~1e-6.
    """
    if len(geoms_m) == 0:
        return np.empty(0)
    centers = shapely.get_coordinates(frame.to_wgs84(shapely.point_on_surface(geoms_m)))
    factors = _proj(frame.epsg).get_factors(centers[:, 0], centers[:, 1])
    return shapely.area(geoms_m) / np.asarray(factors.areal_scale)


def _clip(candidates: np.ndarray, area_m: BaseGeometry, block_keys: np.ndarray) -> np.ndarray:
    """Each candidate intersected with the area (empty where they do not meet)."""
    shapely.prepare(area_m)
    hits = shapely.intersects(area_m, candidates)
    inside = hits & shapely.contains_properly(area_m, candidates)
    out = np.full(candidates.shape, shapely.MultiPolygon(), dtype=object)
    out[inside] = candidates[inside]
    crossing = np.flatnonzero(hits & ~inside)
    by_block: dict[tuple[int, int], list[int]] = defaultdict(list)
    for i in crossing:
        by_block[(int(block_keys[i, 0]), int(block_keys[i, 1]))].append(int(i))
    for members in by_block.values():
        idx = np.array(members)
        minx, miny, maxx, maxy = shapely.total_bounds(candidates[idx])
        # The area's piece under this block (a rectangle slightly larger than its cells).
        pad = max(maxx - minx, maxy - miny) * 0.01
        piece = shapely.intersection(
            area_m, shapely.box(minx - pad, miny - pad, maxx + pad, maxy + pad)
        )
        out[idx] = shapely.intersection(candidates[idx], piece)
    return _polygonal(out)


def _polygonal(geoms: np.ndarray) -> np.ndarray:
    """Keep only the polygon parts of each geometry (clipping can yield lines and points)."""
    result = np.full(geoms.shape, shapely.MultiPolygon(), dtype=object)
    parts, index = shapely.get_parts(geoms, return_index=True)
    # A GeometryCollection can hold MultiPolygons: flatten a second level.
    parts2, index2 = shapely.get_parts(parts, return_index=True)
    owners = index[index2]
    mask = (shapely.get_type_id(parts2) == _TYPE_POLYGON) & (shapely.area(parts2) > 0)
    if mask.any():
        shapely.multipolygons(parts2[mask], indices=owners[mask], out=result)
    return result


def _merge_fragments(
    geoms: np.ndarray, codes: np.ndarray, full_area_m2: np.ndarray, merge_below: float
) -> tuple[np.ndarray, np.ndarray]:
    """Merge each small fragment into the non-small neighbour sharing its longest edge."""
    areas = shapely.area(geoms)
    small = areas < merge_below * full_area_m2
    if not small.any() or small.all():
        return geoms, codes
    tree = shapely.STRtree(geoms)
    absorbed: dict[int, list[int]] = defaultdict(list)
    for i in np.flatnonzero(small):
        neighbours = [j for j in tree.query(geoms[i], predicate="intersects") if not small[j]]
        if not neighbours:
            continue  # an islet: keep it as a cell of its own
        shared_m = shapely.length(
            shapely.intersection(shapely.boundary(geoms[i]), shapely.boundary(geoms[neighbours]))
        )
        best = int(np.argmax(shared_m))
        if shared_m[best] > 0:
            absorbed[neighbours[best]].append(int(i))
    if not absorbed:
        return geoms, codes
    geoms = geoms.copy()
    dropped = np.zeros(len(geoms), dtype=bool)
    for target, fragments in absorbed.items():
        geoms[target] = shapely.union_all(geoms[[target, *fragments]])
        dropped[fragments] = True
    keep = ~dropped
    return _polygonal(geoms[keep]), codes[keep]


def _valid_multipolygons(geoms: np.ndarray) -> list[MultiPolygon]:
    invalid = ~shapely.is_valid(geoms)
    if invalid.any():
        geoms = geoms.copy()
        geoms[invalid] = shapely.make_valid(geoms[invalid])
        geoms = _polygonal(geoms)
    return list(geoms)
