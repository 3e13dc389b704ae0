"""Read polygon files (boundaries, grid cells) into WGS-84 MultiPolygons, or refuse clearly.

Pure: pyogrio/shapely/pyproj, no Django. Invariants of what `read_polygons` returns:

- Only GeoJSON, ESRI Shapefile and GeoPackage are read. The content is sniffed before GDAL
  sees the file and the driver GDAL reports must be on the allowlist, so a VRT (which makes
  GDAL open other local files) named ``.geojson`` is refused; VRT drivers are also switched
  off (``GDAL_SKIP``, set in ``gis_data/__init__.py`` before pyogrio is imported).
- Geometry is 2-D, valid, Multi-Polygon, WGS-84 (lon, lat). Declared EPSG CRSs are
  transformed with pyproj; ``crs="gcj02"|"bd09"`` declares lon/lat in those systems and is
  converted with gis_data.crs. Every make_valid repair is reported.
- Refused, naming file, feature and reason (GisDataError): no CRS, a feature outside China
  (lon 73..136, lat 3..54), swapped axes (fits China only as lat, lon), a non-polygon or empty
  geometry, NaN/Infinity coordinates, a GeoJSON ``crs`` member other than a plain EPSG/CRS84
  name.
- Shapefile text without a ``.cpg`` is decoded as UTF-8 if it is valid UTF-8, else as GB18030
  (a superset of GBK and GB2312) if valid, else refused (pass ``encoding``): never mojibake.
"""

from __future__ import annotations

import json
import math
import re
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyogrio
import pyogrio.raw
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError
from shapely.geometry import MultiPolygon

from backend.core.geo import STORAGE_SRID
from gis_data import crs as china_crs
from gis_data.errors import GisDataError
from gis_data.i18n import Message
from gis_data.i18n import lazy_message as _
from gis_data.report import Repair

ALLOWED_DRIVERS = {"GeoJSON", "ESRI Shapefile", "GPKG"}
_DRIVER_BY_SUFFIX = {
    ".geojson": "GeoJSON",
    ".json": "GeoJSON",
    ".shp": "ESRI Shapefile",
    ".gpkg": "GPKG",
}
# Rough box around China (incl. the South China Sea islands' latitudes) for sanity checks.
CHINA_LON = (73.0, 136.0)
CHINA_LAT = (3.0, 54.0)
_POLYGON_TYPES = {"Polygon", "MultiPolygon"}
_LABEL_FIELDS = ("adcode", "code", "ADCODE", "CODE", "name", "NAME", "名称")
_EPSG_NAME = re.compile(r"^(?:urn:ogc:def:crs:)?EPSG:{1,2}(\d{4,6})$", re.IGNORECASE)
_CRS84_NAMES = {"urn:ogc:def:crs:ogc:1.3:crs84", "urn:ogc:def:crs:ogc::crs84", "crs84"}
_SQLITE_MAGIC = b"SQLite format 3\x00"
_SHP_FILE_CODE = 9994
_GEOJSON_CRS_SCAN_BYTES = 200_000_000


@dataclass
class Feature:
    index: int  # 0-based position in the layer
    label: str  # how messages name it: "3 (name=长沙县)"
    properties: dict[str, Any]
    geometry: MultiPolygon  # WGS-84, valid, 2-D


@dataclass
class ReadResult:
    path: Path
    driver: str
    source_crs: str  # "EPSG:4547", "gcj02", ...
    encoding: str | None
    features: list[Feature] = field(default_factory=list)
    repairs: list[Repair] = field(default_factory=list)
    notes: list[Message] = field(default_factory=list)


def read_polygons(
    path: str | Path,
    *,
    crs: str | None = None,
    encoding: str | None = None,
    layer: str | int | None = None,
) -> ReadResult:
    """Read every feature of a polygon layer; see the module docstring for the guarantees.

    `crs`: "gcj02" / "bd09" / "wgs84" (lon/lat in that system), or "EPSG:<code>" for a file
    that declares none. `encoding`: the Shapefile text encoding, overriding detection.
    """
    path = Path(path)
    name = path.name
    driver = _sniff_driver(path)
    if driver == "GeoJSON":
        _check_geojson_crs_member(path)
    if driver == "ESRI Shapefile" and encoding is None:
        encoding = _detect_shapefile_encoding(path)
    try:
        info = pyogrio.read_info(path, layer=layer, encoding=encoding)
    except Exception as exc:  # pyogrio raises several DataSource/DataLayer errors
        raise GisDataError(_("cannot be read: %(error)s", error=exc), file=name) from exc
    if info.get("driver") not in ALLOWED_DRIVERS or info.get("driver") != driver:
        raise GisDataError(
            _(
                "GDAL reads it with driver %(driver)r; only %(allowed)s files matching their "
                "extension are accepted",
                driver=info.get("driver"),
                allowed=", ".join(sorted(ALLOWED_DRIVERS)),
            ),
            file=name,
        )
    source = _source_crs(info.get("crs"), crs, name)
    try:
        meta, _fids, wkb, field_data = pyogrio.raw.read(path, layer=layer, encoding=encoding)
    except Exception as exc:
        raise GisDataError(_("cannot be read: %(error)s", error=exc), file=name) from exc
    result = ReadResult(path=path, driver=driver, source_crs=source.label, encoding=encoding)
    properties = _properties(list(meta["fields"]), field_data, len(wkb))
    geoms = _geometries(wkb, properties, name)
    if shapely.has_z(geoms).any():
        geoms = shapely.force_2d(geoms)
        result.notes.append(_("Z coordinates dropped (stored 2-D)"))
    labels = [_label(i, p) for i, p in enumerate(properties)]
    geoms = _to_wgs84(geoms, source, labels, name)
    polygons, result.repairs = _make_valid(geoms, labels, name)
    result.features = [
        Feature(index=i, label=labels[i], properties=properties[i], geometry=polygons[i])
        for i in range(len(polygons))
    ]
    return result


# ------------------------------------------------------------------ what the file is


def _sniff_driver(path: Path) -> str:
    name = path.name
    if str(path).startswith("/vsi") or not path.is_file():
        raise GisDataError(_("no such file"), file=str(path))
    driver = _DRIVER_BY_SUFFIX.get(path.suffix.lower())
    if driver is None:
        raise GisDataError(
            _(
                "unsupported file type %(suffix)r: use .geojson/.json, .shp or .gpkg",
                suffix=path.suffix,
            ),
            file=name,
        )
    with path.open("rb") as f:
        head = f.read(4096)
    if driver == "GeoJSON":
        text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
        if not text.startswith(b"{"):
            if text.startswith(b"<"):
                reason = _("is not a GeoJSON document: it is an XML document (a GDAL VRT?)")
            else:
                reason = _("is not a GeoJSON document: it is not JSON")
            raise GisDataError(reason, file=name)
    elif driver == "GPKG":
        if not head.startswith(_SQLITE_MAGIC):
            raise GisDataError(_("is not a GeoPackage (SQLite) file"), file=name)
    elif len(head) < 4 or struct.unpack(">i", head[:4])[0] != _SHP_FILE_CODE:
        raise GisDataError(_("is not an ESRI Shapefile (.shp header)"), file=name)
    return driver


def _check_geojson_crs_member(path: Path) -> None:
    """Refuse a GeoJSON `crs` member other than a plain EPSG / CRS84 name.

    RFC 7946 dropped `crs`; old files use {"type": "name", "properties": {"name": "EPSG:..."}}.
    Anything else (a "link" to fetch, a PROJ string, WKT) is not honoured.
    """
    if path.stat().st_size > _GEOJSON_CRS_SCAN_BYTES:
        raise GisDataError(_("GeoJSON file too large (over 200 MB)"), file=path.name)
    raw = path.read_bytes()
    if b'"crs"' not in raw:
        return
    try:
        doc = json.loads(raw)
    except ValueError as exc:
        raise GisDataError(_("is not valid JSON: %(error)s", error=exc), file=path.name) from exc
    member = doc.get("crs") if isinstance(doc, dict) else None
    if member is None:
        return
    name = (member.get("properties") or {}).get("name") if isinstance(member, dict) else None
    if not (
        isinstance(member, dict)
        and member.get("type") == "name"
        and isinstance(name, str)
        and (_EPSG_NAME.match(name) or name.lower() in _CRS84_NAMES)
    ):
        raise GisDataError(
            _(
                "unsupported GeoJSON crs member %(member)s: only a named EPSG code or CRS84 is "
                "accepted",
                member=json.dumps(member, ensure_ascii=False)[:120],
            ),
            file=path.name,
        )


def _detect_shapefile_encoding(shp: Path) -> str | None:
    """The encoding of the .dbf text: from the .cpg if there is one, else sniffed."""
    for cpg in (shp.with_suffix(".cpg"), shp.with_suffix(".CPG")):
        if cpg.is_file():
            return None  # GDAL honours the .cpg
    dbf = next((p for p in (shp.with_suffix(".dbf"), shp.with_suffix(".DBF")) if p.is_file()), None)
    if dbf is None:
        return None
    data = dbf.read_bytes()[32:]
    if all(b < 0x80 for b in data):
        return None  # plain ASCII: any encoding reads it the same
    for candidate in ("UTF-8", "GB18030"):
        try:
            data.decode(candidate)
        except UnicodeDecodeError:
            continue
        return candidate
    raise GisDataError(
        _(
            "the .dbf text is neither UTF-8 nor GBK/GB18030 and there is no .cpg: "
            "pass the encoding explicitly"
        ),
        file=shp.name,
    )


@dataclass(frozen=True)
class _Source:
    label: str
    crs: CRS | None  # None: lon/lat already (wgs84) or a Chinese system below
    china: str  # "wgs84" | "gcj02" | "bd09": the lon/lat system after the EPSG transform


def _source_crs(file_crs: str | None, declared: str | None, name: str) -> _Source:
    declared_key = None
    if declared is not None:
        if epsg_match := _EPSG_NAME.match(declared.strip()):
            epsg_crs = _parse_epsg(epsg_match, name)
            if file_crs and CRS.from_user_input(file_crs) != epsg_crs:
                raise GisDataError(
                    _(
                        "declared crs %(declared)s contradicts the file's %(file_crs)s",
                        declared=declared,
                        file_crs=file_crs,
                    ),
                    file=name,
                )
            return _Source(f"EPSG:{epsg_crs.to_epsg()}", epsg_crs, "wgs84")
        try:
            declared_key = china_crs.normalise_crs_name(declared)
        except ValueError as exc:
            raise GisDataError(exc.args[0], file=name) from exc  # a Message: see crs.py
    if file_crs is None:
        if declared_key is None:
            raise GisDataError(
                _(
                    "has no coordinate reference system (e.g. a Shapefile without .prj): "
                    "declare one (crs=EPSG:<code>, wgs84, gcj02 or bd09)"
                ),
                file=name,
            )
        return _Source(declared_key, None, declared_key)
    try:
        source = CRS.from_user_input(file_crs)
    except CRSError as exc:
        raise GisDataError(
            _("unreadable coordinate reference system: %(error)s", error=exc), file=name
        ) from exc
    if declared_key is not None and not source.is_geographic:
        raise GisDataError(
            _(
                "declared %(declared)s but the file's CRS %(file_crs)s is projected",
                declared=declared_key,
                file_crs=file_crs,
            ),
            file=name,
        )
    epsg = source.to_epsg()
    label = f"EPSG:{epsg}" if epsg else source.name
    if declared_key in {"gcj02", "bd09"}:
        label = declared_key
    return _Source(label, None if epsg == STORAGE_SRID else source, declared_key or "wgs84")


def _parse_epsg(epsg_match: re.Match[str], name: str) -> CRS:
    code = int(epsg_match.group(1))
    try:
        return CRS.from_epsg(code)
    except CRSError as exc:
        raise GisDataError(_("unknown EPSG code %(code)d", code=code), file=name) from exc


# ------------------------------------------------------------------ features


def _properties(names: list[str], field_data: list, count: int) -> list[dict[str, Any]]:
    columns = [[_plain(v) for v in values] for values in field_data]
    return [{n: col[i] for n, col in zip(names, columns, strict=True)} for i in range(count)]


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _label(index: int, properties: dict[str, Any]) -> str:
    for key in _LABEL_FIELDS:
        value = properties.get(key)
        if value not in (None, ""):
            return f"{index} ({key}={value})"
    return str(index)


def _geometries(wkb: np.ndarray, properties: list[dict[str, Any]], name: str) -> np.ndarray:
    geoms = shapely.from_wkb(wkb)
    if len(geoms) == 0:
        raise GisDataError(_("has no features"), file=name)
    for i, g in enumerate(geoms):
        if g is None or g.is_empty:
            raise GisDataError(_("has no geometry"), file=name, feature=_label(i, properties[i]))
        if g.geom_type not in _POLYGON_TYPES:
            raise GisDataError(
                _(
                    "unsupported geometry type %(type)s: only Polygon and MultiPolygon",
                    type=g.geom_type,
                ),
                file=name,
                feature=_label(i, properties[i]),
            )
    coords = shapely.get_coordinates(geoms)
    if not np.isfinite(coords).all():
        bad = int(np.flatnonzero(~np.isfinite(shapely.bounds(geoms)).all(axis=1))[0])
        raise GisDataError(
            _("has NaN or infinite coordinates"), file=name, feature=_label(bad, properties[bad])
        )
    return geoms


def _to_wgs84(geoms: np.ndarray, source: _Source, labels: list[str], name: str) -> np.ndarray:
    if source.crs is not None:
        transformer = Transformer.from_crs(source.crs, STORAGE_SRID, always_xy=True)

        def project(xy: np.ndarray) -> np.ndarray:
            x, y = transformer.transform(xy[:, 0], xy[:, 1])
            return np.column_stack([x, y])

        geoms = shapely.transform(geoms, project)
    _check_in_china(geoms, labels, name, source.label)
    if source.china != "wgs84":

        def convert(xy: np.ndarray) -> np.ndarray:
            lon, lat = china_crs.to_wgs84_arrays(xy[:, 0], xy[:, 1], source.china)
            return np.column_stack([lon, lat])

        geoms = shapely.transform(geoms, convert)
    return geoms


def _inside_china(bounds: np.ndarray) -> np.ndarray:
    return (
        np.isfinite(bounds).all(axis=1)
        & (bounds[:, 0] >= CHINA_LON[0])
        & (bounds[:, 2] <= CHINA_LON[1])
        & (bounds[:, 1] >= CHINA_LAT[0])
        & (bounds[:, 3] <= CHINA_LAT[1])
    )


def _check_in_china(geoms: np.ndarray, labels: list[str], name: str, crs_label: str) -> None:
    bounds = shapely.bounds(geoms)
    inside = _inside_china(bounds)
    if inside.all():
        return
    bad = int(np.flatnonzero(~inside)[0])
    swapped = _inside_china(bounds[:, [1, 0, 3, 2]])
    w, s, e, n = (round(float(v), 4) for v in bounds[bad])
    if swapped[bad]:
        raise GisDataError(
            _(
                "swapped axes: coordinates are (lat, lon) — x spans %(west)s..%(east)s, "
                "y spans %(south)s..%(north)s, which lies in China only when swapped; "
                "write them as (lon, lat)",
                west=w,
                east=e,
                south=s,
                north=n,
            ),
            file=name,
            feature=labels[bad],
        )
    raise GisDataError(
        _(
            "outside China: bounds lon %(west)s..%(east)s, lat %(south)s..%(north)s after "
            "reading as %(crs)s (expected lon %(lon_min)g..%(lon_max)g, "
            "lat %(lat_min)g..%(lat_max)g); is the declared CRS right?",
            west=w,
            east=e,
            south=s,
            north=n,
            crs=crs_label,
            lon_min=CHINA_LON[0],
            lon_max=CHINA_LON[1],
            lat_min=CHINA_LAT[0],
            lat_max=CHINA_LAT[1],
        ),
        file=name,
        feature=labels[bad],
    )


def _make_valid(
    geoms: np.ndarray, labels: list[str], name: str
) -> tuple[list[MultiPolygon], list[Repair]]:
    repairs: list[Repair] = []
    out: list[MultiPolygon] = []
    valid = shapely.is_valid(geoms)
    for i, g in enumerate(geoms):
        if not valid[i]:
            reason = shapely.is_valid_reason(g)
            g = _polygonal(shapely.make_valid(g))
            if g.is_empty:
                raise GisDataError(
                    _("invalid polygon (%(reason)s) with no area left after repair", reason=reason),
                    file=name,
                    feature=labels[i],
                )
            if not g.is_valid:  # parts of a repaired collection may still touch or overlap
                g = _polygonal(shapely.union_all(shapely.get_parts(g)))
            repairs.append(Repair(file=name, feature=labels[i], reason=reason))
        out.append(_polygonal(g))
    return out, repairs


def _polygonal(geom) -> MultiPolygon:
    if geom.geom_type == "MultiPolygon":
        return geom
    if geom.geom_type == "Polygon":
        return MultiPolygon([geom])
    polygons = []
    for part in shapely.get_parts(geom):
        if part.geom_type == "Polygon" and part.area > 0:
            polygons.append(part)
        elif part.geom_type == "MultiPolygon":
            polygons.extend(p for p in part.geoms if p.area > 0)
    return MultiPolygon(polygons)
