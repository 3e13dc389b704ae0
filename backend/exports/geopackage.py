"""The GeoPackage of a region (pyogrio): layer `cells` (coverage of the 90-day window), layer
`stations` (points) and layer `clusters` (where the window's opinions cluster: hulls with counts
only, the OGC collection's rows), WGS-84 (the storage SRID of backend/core/geo; CGCS2000 is
equivalent at this scale)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
from shapely.geometry import shape

from backend.accounts.jurisdiction import Jurisdiction
from backend.core.geo import STORAGE_SRID
from backend.coverage import selectors as coverage
from backend.coverage.selectors.features import cluster_rows
from backend.coverage.selectors.geojson import jurisdiction_metric_srid
from backend.coverage.selectors.geojson import stations as station_rows

from .excel import COVERAGE_DAYS, coverage_window

CELL_FIELDS = ("code", "name", "adcode", "households", "households_visited", "visits", "state")


def write_geopackage(
    path: Path, *, jurisdiction: Jurisdiction, year: int, progress: Callable[[int], None]
) -> None:
    window = coverage_window()
    cells = coverage.coverage_by_cell(jurisdiction=jurisdiction, window=window, geometry=True)
    frame = gpd.GeoDataFrame(
        {
            **{f: [c[f] for c in cells] for f in CELL_FIELDS},
            "coverage": [float(c["coverage_ratio"] or 0) for c in cells],
            "window_days": [COVERAGE_DAYS] * len(cells),
        },
        geometry=[shape(json.loads(c["geometry"])) for c in cells],
        crs=f"EPSG:{STORAGE_SRID}",
    )
    frame.to_file(path, layer="cells", driver="GPKG", engine="pyogrio")
    progress(50)
    stations = [s for s in station_rows(jurisdiction=jurisdiction) if s["geometry"]]
    points = gpd.GeoDataFrame(
        {
            "name": [s["name"] for s in stations],
            "kind": [s["kind"] for s in stations],
            "adcode": [s["adcode"] for s in stations],
            "deputies": [s["deputies"] for s in stations],
        },
        geometry=[shape(json.loads(s["geometry"])) for s in stations],
        crs=f"EPSG:{STORAGE_SRID}",
    )
    points.to_file(path, layer="stations", driver="GPKG", engine="pyogrio", append=True)
    progress(70)
    clusters = cluster_rows(
        jurisdiction=jurisdiction,
        window=window,
        bbox=None,
        metric_srid=jurisdiction_metric_srid(jurisdiction=jurisdiction),
    )
    hulls = gpd.GeoDataFrame(
        {
            "cluster_id": [c["id"] for c in clusters],
            "opinions": [c["count"] for c in clusters],
            "open_opinions": [c["open_count"] for c in clusters],
            "window_days": [COVERAGE_DAYS] * len(clusters),
        },
        geometry=[shape(json.loads(c["geometry"])) for c in clusters],
        crs=f"EPSG:{STORAGE_SRID}",
    )
    hulls.to_file(path, layer="clusters", driver="GPKG", engine="pyogrio", append=True)
    progress(90)
