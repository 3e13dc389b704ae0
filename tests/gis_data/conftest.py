"""Files the gis_data tests write themselves (tmp_path): GeoJSON, Shapefile, GeoPackage, VRT."""

import json
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
from django.utils import translation
from shapely.geometry import Polygon, box, mapping

import gis_data  # noqa: F401  (GDAL_SKIP before pyogrio registers drivers)

# Two townships of 长沙县, side by side (WGS-84).
TOWN_A = box(113.00, 28.20, 113.05, 28.25)
TOWN_B = box(113.05, 28.20, 113.10, 28.25)
TOWN_NAMES = ["星沙街道", "黄兴镇"]
TOWN_ADCODES = ["430121001", "430121002"]


def write_geojson(path: Path, features: list[dict], **extra) -> Path:
    doc = {"type": "FeatureCollection", "features": features, **extra}
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def feature(geometry, **properties) -> dict:
    geo = geometry if isinstance(geometry, dict) else mapping(geometry)
    return {"type": "Feature", "properties": properties, "geometry": geo}


def towns_frame(crs: str = "EPSG:4326") -> gpd.GeoDataFrame:
    df = gpd.GeoDataFrame(
        {"adcode": TOWN_ADCODES, "name": TOWN_NAMES},
        geometry=[TOWN_A, TOWN_B],
        crs="EPSG:4326",
    )
    return df.to_crs(crs)


@pytest.fixture
def english():
    """Messages in English, their msgids (the default language is zh-hans): for the tests that
    match message text; tests/gis_data/test_i18n.py checks the Chinese."""
    with translation.override("en"):
        yield


@pytest.fixture
def towns_geojson(tmp_path) -> Path:
    return write_geojson(
        tmp_path / "towns.geojson",
        [
            feature(g, adcode=a, name=n)
            for g, a, n in zip([TOWN_A, TOWN_B], TOWN_ADCODES, TOWN_NAMES, strict=True)
        ],
    )


@pytest.fixture
def gbk_shapefile(tmp_path) -> Path:
    """A GBK Shapefile without .cpg and without a DBF language-driver byte (as found in the
    wild): GDAL alone reads its names as Latin-1 mojibake."""
    path = tmp_path / "towns.shp"
    pyogrio.write_dataframe(towns_frame(), path, encoding="GBK")
    path.with_suffix(".cpg").unlink()
    dbf = path.with_suffix(".dbf")
    data = bytearray(dbf.read_bytes())
    data[29] = 0  # no language driver id
    dbf.write_bytes(bytes(data))
    return path


@pytest.fixture
def projected_gpkg(tmp_path) -> Path:
    """A GeoPackage in CGCS2000 / 3-degree Gauss-Kruger CM 114E (EPSG:4547)."""
    path = tmp_path / "towns.gpkg"
    pyogrio.write_dataframe(towns_frame("EPSG:4547"), path, layer="towns")
    return path


@pytest.fixture
def vrt_disguised_as_geojson(tmp_path, towns_geojson) -> Path:
    """A GDAL VRT (XML that makes GDAL open another local file) named .geojson."""
    path = tmp_path / "innocent.geojson"
    path.write_text(
        "\n  <OGRVRTDataSource>\n"
        '    <OGRVRTLayer name="towns">\n'
        f"      <SrcDataSource>{towns_geojson}</SrcDataSource>\n"
        "    </OGRVRTLayer>\n"
        "  </OGRVRTDataSource>\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def bowtie_geojson(tmp_path) -> Path:
    """One valid township and one self-intersecting (bow-tie) polygon."""
    bowtie = Polygon([(113.0, 28.3), (113.05, 28.35), (113.05, 28.3), (113.0, 28.35)])
    return write_geojson(
        tmp_path / "bowtie.geojson",
        [
            feature(TOWN_A, adcode="430121001", name="星沙街道"),
            feature(bowtie, adcode="430121003", name="蝴蝶镇"),
        ],
    )


@pytest.fixture
def crsless_shapefile(tmp_path) -> Path:
    path = tmp_path / "nocrs.shp"
    pyogrio.write_dataframe(towns_frame(), path, encoding="UTF-8")
    path.with_suffix(".prj").unlink()
    return path


@pytest.fixture
def outside_china_geojson(tmp_path) -> Path:
    return write_geojson(
        tmp_path / "paris.geojson",
        [
            feature(TOWN_A, adcode="430121001", name="星沙街道"),
            feature(box(2.30, 48.80, 2.40, 48.90), adcode="430121009", name="巴黎"),
        ],
    )


@pytest.fixture
def swapped_axes_geojson(tmp_path) -> Path:
    swapped = Polygon([(y, x) for x, y in TOWN_A.exterior.coords])
    return write_geojson(
        tmp_path / "swapped.geojson", [feature(swapped, adcode="430121001", name="星沙街道")]
    )


@pytest.fixture
def points_geojson(tmp_path) -> Path:
    return write_geojson(
        tmp_path / "points.geojson",
        [
            feature(TOWN_A, adcode="430121001", name="星沙街道"),
            feature(
                {"type": "Point", "coordinates": [113.02, 28.22]}, adcode="430121002", name="黄兴镇"
            ),
        ],
    )
