"""Map data endpoints (session auth, jurisdiction-scoped, JSON errors). See docs/api-map.md.

One API class per operation (base: map_ui.data.base.MapApi): its InputSerializer validates the
query or body (map_ui.data.serializers), it calls one selector or service, its OutputSerializer
shapes the answer; the OpenAPI schema (/api/map/v1/schema/) is built from them.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import cast
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema

from backend.accounts.access import (
    jurisdiction_of,
    jurisdiction_of_session,
    may_transition_opinions,
)
from backend.accounts.jurisdiction import Jurisdiction
from backend.accounts.models import User
from backend.core import error_codes as codes
from backend.core.body import json_body
from backend.core.errors import DomainError, NotFound
from backend.core.geo import metric_srid_for_lon
from backend.coverage import selectors as coverage
from backend.coverage.selectors import geojson
from backend.coverage.selectors.tiles import LAYERS, TileRequest, tile_etag, tile_render
from backend.coverage.windows import Window, window_of
from backend.grid.access import access_cells_by_ids
from backend.grid.services import cell_assign
from backend.liaison.rhythm import spec_from_data
from backend.liaison.selectors import station_rhythm
from backend.liaison.services import station_rhythm_set
from backend.opinions import selectors as opinions
from backend.opinions.access import access_opinion_by_id
from backend.opinions.services import opinion_transition
from backend.regions.access import access_region_by_adcode
from backend.regions.models import Region
from backend.regions.selectors import region_outline
from backend.reporting.attendance import station_attendance
from backend.stationlife import selectors as life_selectors

from . import serializers as s
from .base import READ_ERRORS, WRITE_ERRORS, MapApi
from .params import MAX_GEOJSON_FEATURES, adcode_param, tile_coords

GEOJSON = "application/geo+json"  # RFC 7946 §12
FEATURES = OpenApiResponse(s.FeatureCollectionOutput, description="GeoJSON (application/geo+json)")


def _json(data, status: int = 200, content_type: str = "application/json") -> JsonResponse:
    return JsonResponse(
        data,
        status=status,
        safe=False,
        content_type=content_type,
        json_dumps_params={"ensure_ascii": False},
    )


def _out(serializer_class, data, status: int = 200) -> JsonResponse:
    """The answer shaped by the operation's OutputSerializer."""
    return _json(serializer_class(data).data, status=status)


def _geojson(collection: dict) -> JsonResponse:
    return _json(collection, content_type=GEOJSON)


def _region(request: HttpRequest, adcode: str | None) -> tuple[Jurisdiction, Region]:
    """The `region` parameter (default: the caller's jurisdiction), checked readable, and the
    caller's Jurisdiction narrowed to it (what the selectors read)."""
    jurisdiction = jurisdiction_of(request.user)
    adcode = adcode or adcode_param(None, default=jurisdiction.prefix or None)
    region = access_region_by_adcode(jurisdiction=jurisdiction, adcode=adcode)
    return jurisdiction.within(region.adcode), region


def _signed_in(request: HttpRequest) -> User:
    """The signed-in account (MapApi refuses anyone else before the handler runs)."""
    return cast(User, request.user)


def _window(days: int) -> Window:
    """The `days` window ending today. Never rolls the clock (no write in a GET): standard
    windows fall back to the day rows until the job `coverage.roll` has run."""
    today = timezone.localdate()
    return window_of(days, today=today, clock_day=coverage.coverage_clock_day(today=today))


def _metric_srid(region: Region) -> int:
    geom = region.display_boundary or region.boundary
    return metric_srid_for_lon(geom.centroid.x if geom else 113.0)


def _feature_collection(rows: list[dict], *, id_key: str = "id") -> dict:
    features = []
    for row in rows:
        geometry = json.loads(row.pop("geometry"))
        features.append(
            {"type": "Feature", "id": row[id_key], "geometry": geometry, "properties": row}
        )
    return {"type": "FeatureCollection", "features": features}


def _iso(value: dt.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


# --- tiles ---------------------------------------------------------------------------------


def _layer(layer: str) -> str:
    if layer not in LAYERS:
        raise NotFound(codes.MAP_UNKNOWN_LAYER, _("No such map layer."))
    return layer


class TileApi(MapApi):
    @extend_schema(
        operation_id="map_tile",
        tags=["tiles"],
        parameters=[s.TileInput],
        responses={
            (200, "application/vnd.mapbox-vector-tile"): OpenApiTypes.BINARY,
            304: OpenApiResponse(description="Not modified (If-None-Match)"),
            **READ_ERRORS,
        },
        description="A Mapbox vector tile of `layer` (cells, heat, stations, clusters, ...).",
    )
    def get(self, request, layer: str, z: int, x: int, y: int) -> HttpResponse:
        _layer(layer)
        z, x, y = tile_coords(z, x, y)
        jurisdiction = jurisdiction_of_session(request).require_region_reads()
        query = self.params(s.TileInput)
        lon = (x + 0.5) / 2**z * 360.0 - 180.0
        req = TileRequest(
            layer=layer,
            z=z,
            x=x,
            y=y,
            jurisdiction=jurisdiction,
            window=_window(query["days"]),
            category=query["category"],
            eps_m=query["eps_m"],
            min_points=query["min_points"],
            metric_srid=metric_srid_for_lon(lon),
        )
        # The ETag comes from the tile's version (one cheap query), so a revalidation is
        # answered before the tile is drawn.
        etag = tile_etag(req)
        headers = {
            "ETag": etag,
            "Cache-Control": "private, max-age=0, must-revalidate",
            "Vary": "Cookie",
        }
        if etag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
            return HttpResponse(status=304, headers=headers)
        # Heat hexagons without a boundary yet are skipped; the job coverage.heat_hexes_complete
        # gives them one within a minute (no write in a GET).
        data = tile_render(req)
        return HttpResponse(
            data, content_type="application/vnd.mapbox-vector-tile", headers=headers
        )


# The query parameters a tile reads; the TileJSON passes these (and only these) on.
TILE_PARAMS = ("days", "category", "eps_m", "min_points")


class TileJsonApi(MapApi):
    @extend_schema(
        operation_id="map_tilejson",
        tags=["tiles"],
        parameters=[s.TileInput],
        responses={200: s.TileJsonOutput, **READ_ERRORS},
        description="TileJSON 3.0 of `layer`; its URL template carries the tile parameters "
        "given here (validated as the tile validates them).",
    )
    def get(self, request, layer: str) -> JsonResponse:
        spec = LAYERS[_layer(layer)]
        jurisdiction = jurisdiction_of_session(request).require_region_reads()
        self.params(s.TileInput)  # a bad value is refused, never copied into a URL
        query = urlencode([(n, request.GET[n]) for n in TILE_PARAMS if request.GET.get(n)])
        url = request.build_absolute_uri(f"/tiles/{layer}/") + "{z}/{x}/{y}.mvt"
        tilejson = {
            "tilejson": "3.0.0",
            "name": layer,
            "scheme": "xyz",
            "tiles": [url + (f"?{query}" if query else "")],
            "minzoom": spec.minzoom,
            "maxzoom": spec.maxzoom,
            "bounds": geojson.jurisdiction_bounds(jurisdiction=jurisdiction),
            "vector_layers": [
                {
                    "id": layer,
                    "fields": spec.fields,
                    "minzoom": spec.minzoom,
                    "maxzoom": spec.maxzoom,
                }
            ],
        }
        return _out(s.TileJsonOutput, tilejson)


# --- JSON / GeoJSON ------------------------------------------------------------------------


class RegionStatsApi(MapApi):
    @extend_schema(
        operation_id="map_region_stats",
        tags=["coverage"],
        parameters=[s.RegionStatsInput],
        responses={200: s.RegionStatsOutput, **READ_ERRORS},
    )
    def get(self, request, adcode: str) -> JsonResponse:
        jurisdiction = jurisdiction_of(request.user)
        region = access_region_by_adcode(jurisdiction=jurisdiction, adcode=adcode_param(adcode))
        query = self.params(s.RegionStatsInput)
        window = _window(query["days"])
        stats = coverage.region_stats(jurisdiction=jurisdiction, region=region, window=window)
        if query["outline"] == "1":
            stats["outline"] = region_outline(region=region)
        return _out(s.RegionStatsOutput, stats)


class RegionOverdueApi(MapApi):
    @extend_schema(
        operation_id="map_region_overdue",
        tags=["opinions"],
        responses={200: s.RegionOverdueOutput, **READ_ERRORS},
        description="Open opinions and deliberation action items past their deadline under a "
        "readable region: the dashboard's overdue badge (two counts, two queries).",
    )
    def get(self, request, adcode: str) -> JsonResponse:
        jurisdiction = jurisdiction_of(request.user)
        region = access_region_by_adcode(jurisdiction=jurisdiction, adcode=adcode_param(adcode))
        narrowed = jurisdiction.within(region.adcode)
        answer = {
            "region": region.adcode,
            "opinions": opinions.opinion_overdue_count(jurisdiction=narrowed),
            "actions": life_selectors.overdue_action_count(jurisdiction=narrowed),
        }
        return _out(s.RegionOverdueOutput, answer)


class CellsGeoJsonApi(MapApi):
    @extend_schema(
        operation_id="map_cells_geojson",
        tags=["coverage"],
        parameters=[s.CellsInput],
        responses={200: FEATURES, **READ_ERRORS},
    )
    def get(self, request) -> HttpResponse:
        query = self.params(s.CellsInput)
        jurisdiction, _region_shown = _region(request, query["region"])
        text, count = geojson.cells_feature_collection(
            jurisdiction=jurisdiction,
            window=_window(query["days"]),
            bbox=query["bbox"],
            state=query["state"],
            limit=MAX_GEOJSON_FEATURES + 1,
        )
        if count > MAX_GEOJSON_FEATURES:
            raise DomainError(
                codes.MAP_AREA_TOO_LARGE,
                _("More than %(n)s cells: choose a smaller area (or use the map tiles).")
                % {"n": MAX_GEOJSON_FEATURES},
            )
        return HttpResponse(text, content_type=GEOJSON)


class GapsApi(MapApi):
    @extend_schema(
        operation_id="map_gaps",
        tags=["coverage"],
        parameters=[s.GapsInput],
        responses={200: s.GapsOutput, **READ_ERRORS},
    )
    def get(self, request) -> JsonResponse:
        query = self.params(s.GapsInput)
        jurisdiction, _region_shown = _region(request, query["region"])
        rows = coverage.coverage_gaps(
            jurisdiction=jurisdiction, window=_window(query["days"]), limit=query["limit"]
        )
        return _out(s.GapsOutput, {"results": rows})


def _reason(row: dict) -> str:
    parts = []
    if row["in_district"]:
        parts.append(_("the cell is in their electoral district"))
    elif row["distance_m"] is not None:
        parts.append(
            _("their electoral district is %(m)s m away") % {"m": round(row["distance_m"])}
        )
    if row["station_distance_m"] is not None:
        parts.append(
            _("station %(name)s is %(m)s m away")
            % {"name": row["station_name"], "m": round(row["station_distance_m"])}
        )
    parts.append(
        _("%(cells)s cells assigned, %(hh)s households still to visit this year")
        % {"cells": row["cells_assigned"], "hh": row["households_to_visit"]}
    )
    return _("; ").join(parts)


def _round_m(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _suggestion(row: dict) -> dict:
    return {
        **row,
        "distance_m": _round_m(row["distance_m"]),
        "station_distance_m": _round_m(row["station_distance_m"]),
        "reason": _reason(row),
    }


class SuggestionsApi(MapApi):
    @extend_schema(
        operation_id="map_suggestions",
        tags=["assignments"],
        parameters=[s.SuggestionsInput],
        responses={200: s.SuggestionsOutput, **READ_ERRORS},
    )
    def get(self, request) -> JsonResponse:
        ids = self.params(s.SuggestionsInput)["cells"]
        jurisdiction = jurisdiction_of(request.user)
        cells = access_cells_by_ids(jurisdiction=jurisdiction, ids=ids)
        year_start = dt.datetime(
            timezone.localdate().year, 1, 1, tzinfo=timezone.get_current_timezone()
        )
        rows = coverage.assignment_suggestions(
            jurisdiction=jurisdiction, cell_ids=ids, year_start=year_start
        )
        by_cell: dict[int, list[dict]] = {c.id: [] for c in cells}
        for row in rows:
            by_cell[row["cell_id"]].append(_suggestion(row))
        answer = [{"cell_id": c.id, "code": c.code, "suggestions": by_cell[c.id]} for c in cells]
        return _out(s.SuggestionsOutput, {"cells": answer})


class AssignmentsApi(MapApi):
    methods = ("POST",)

    @extend_schema(
        operation_id="map_assignments_create",
        tags=["assignments"],
        request=s.AssignmentsInput,
        responses={201: s.AssignmentsOutput, **WRITE_ERRORS},
    )
    def post(self, request) -> JsonResponse:
        jurisdiction = jurisdiction_of(request.user)
        if not jurisdiction.can_act:  # before the body is read (issue 8)
            raise DomainError(
                codes.ASSIGNMENT_NOT_ALLOWED, _("Only station staff assign grid cells."), status=403
            )
        body = self.params(s.AssignmentsInput, data=json_body(request))
        results = cell_assign(
            jurisdiction=jurisdiction,
            actor=_signed_in(request),
            cell_ids=body["cells"],
            deputy_id=body["deputy"],
            reason=body["reason"],
        )
        rows = [
            {
                "id": r.assignment.id,
                "cell_id": r.assignment.cell_id,
                "deputy_id": r.assignment.deputy_id,
                "status": r.assignment.status,
                "created": r.created,
            }
            for r in results
        ]
        return _out(s.AssignmentsOutput, {"assignments": rows}, status=201)


class ClustersGeoJsonApi(MapApi):
    @extend_schema(
        operation_id="map_clusters_geojson",
        tags=["opinions"],
        parameters=[s.ClustersInput],
        responses={200: FEATURES, **READ_ERRORS},
    )
    def get(self, request) -> JsonResponse:
        query = self.params(s.ClustersInput)
        jurisdiction, region = _region(request, query["region"])
        rows = coverage.opinion_clusters(
            jurisdiction=jurisdiction,
            window=_window(query["days"]),
            category=query["category"],
            eps_m=query["eps_m"],
            min_points=query["min_points"],
            metric_srid=_metric_srid(region),
            bbox=query["bbox"],
        )
        return _geojson(_feature_collection(rows, id_key="cluster_id"))  # min opinion id: stable


class StationsGeoJsonApi(MapApi):
    @extend_schema(
        operation_id="map_stations_geojson",
        tags=["stations"],
        parameters=[s.RegionInput],
        responses={200: FEATURES, **READ_ERRORS},
    )
    def get(self, request) -> JsonResponse:
        jurisdiction, _region_shown = _region(request, self.params(s.RegionInput)["region"])
        return _geojson(_feature_collection(geojson.stations(jurisdiction=jurisdiction)))


class OpinionPinsGeoJsonApi(MapApi):
    @extend_schema(
        operation_id="map_opinion_pins_geojson",
        tags=["opinions"],
        parameters=[s.RegionInput],
        responses={200: FEATURES, **READ_ERRORS},
    )
    def get(self, request) -> JsonResponse:
        """Overdue and due-soon opinions as points (the dashboard's SLA pins)."""
        jurisdiction, _region_shown = _region(request, self.params(s.RegionInput)["region"])
        rows = opinions.opinion_deadline_pins(jurisdiction=jurisdiction)
        for row in rows:
            row["due_at"] = _iso(row["due_at"])
        return _geojson(_feature_collection(rows))


class LinksGeoJsonApi(MapApi):
    @extend_schema(
        operation_id="map_links_geojson",
        tags=["stations"],
        parameters=[s.RegionInput],
        responses={200: FEATURES, **READ_ERRORS},
    )
    def get(self, request) -> JsonResponse:
        jurisdiction, _region_shown = _region(request, self.params(s.RegionInput)["region"])
        return _geojson(_feature_collection(geojson.station_links(jurisdiction=jurisdiction)))


class StationRhythmApi(MapApi):
    methods = ("GET", "POST")

    @extend_schema(
        operation_id="map_station_rhythm",
        tags=["stations"],
        parameters=[s.RhythmInput],
        responses={200: OpenApiTypes.OBJECT, **READ_ERRORS},
        description="The station's duty rule and its next ten occurrences (each with the "
        "official holiday it meets and what the holiday policy made of it); with `kind` and "
        "the rule's fields, the preview of that rule unsaved. See docs/stations.md.",
    )
    def get(self, request, station_id: int) -> JsonResponse:
        query = self.params(s.RhythmInput)
        preview = spec_from_data(request.GET) if query.get("kind") else None
        return _json(
            station_rhythm(
                jurisdiction=jurisdiction_of(request.user),
                station_id=station_id,
                start=query.get("from"),
                spec=preview,
            )
        )

    @extend_schema(
        operation_id="map_station_rhythm_save",
        tags=["stations"],
        request=s.RhythmSaveInput,
        responses={200: OpenApiTypes.OBJECT, **WRITE_ERRORS},
        description="Staff save (or with null remove) the station's duty rule; answers as GET.",
    )
    def post(self, request, station_id: int) -> JsonResponse:
        jurisdiction = jurisdiction_of(request.user)
        if not jurisdiction.can_act:  # before the body is read
            raise DomainError(codes.STATION_NOT_ALLOWED, status=403)
        body = json_body(request)
        station_rhythm_set(jurisdiction=jurisdiction, station_id=station_id, body=body)
        return _json(station_rhythm(jurisdiction=jurisdiction, station_id=station_id))


class StationAttendanceApi(MapApi):
    @extend_schema(
        operation_id="map_station_attendance",
        tags=["stations"],
        parameters=[s.AttendanceInput],
        responses={200: OpenApiTypes.OBJECT, **READ_ERRORS},
        description="The station's duty days of one month with each rostered deputy's status "
        "(present, absent, open, upcoming), derived from check-ins. See docs/stations.md.",
    )
    def get(self, request, station_id: int) -> JsonResponse:
        month = self.params(s.AttendanceInput)["month"] or timezone.localdate()
        return _json(
            station_attendance(
                jurisdiction=jurisdiction_of(request.user), station_id=station_id, month=month
            )
        )


def _rollup_rows(jurisdiction: Jurisdiction, window: Window, by: str) -> list[dict]:
    if by in ("township", "county"):
        return coverage.coverage_rollup(jurisdiction=jurisdiction, window=window, level=by)
    if by == "station":
        return coverage.coverage_by_station(jurisdiction=jurisdiction, window=window)
    rows = coverage.coverage_by_deputy(jurisdiction=jurisdiction, window=window)
    return [{**row, "last_visit": _iso(row["last_visit"])} for row in rows]


class RollupsApi(MapApi):
    @extend_schema(
        operation_id="map_rollups",
        tags=["coverage"],
        parameters=[s.RollupsInput],
        responses={200: s.RollupsOutput, **READ_ERRORS},
    )
    def get(self, request) -> JsonResponse:
        query = self.params(s.RollupsInput)
        jurisdiction, _region_shown = _region(request, query["region"])
        by = query["by"] or "township"
        window = _window(query["days"])
        rows = _rollup_rows(jurisdiction, window, by)
        return _out(s.RollupsOutput, {"by": by, "days": window.days, "results": rows})


# --- opinions: the closed loop (staff work list) -------------------------------------------


def _opinion_row(row: dict) -> dict:
    row = dict(row)
    for name in ("recorded_at", "due_at"):
        row[name] = _iso(row[name])
    row["cell_code"] = row.pop("cell__code")
    row["deputy_name"] = row.pop("deputy__name")
    for step in row.get("history", ()):
        step["at"] = _iso(step["at"])
    return row


def _opinion_scope(request: HttpRequest, adcode: str | None) -> Jurisdiction:
    """The work list's scope: a department account's own (what is referred to it; it has no
    region), everyone else's jurisdiction narrowed to the `region` parameter."""
    jurisdiction = jurisdiction_of(request.user)
    if jurisdiction.department_id is not None:
        return jurisdiction
    return _region(request, adcode)[0]


class OpinionListApi(MapApi):
    @extend_schema(
        operation_id="map_opinions_list",
        tags=["opinions"],
        parameters=[s.OpinionListInput],
        responses={200: s.OpinionListOutput, **READ_ERRORS},
    )
    def get(self, request) -> JsonResponse:
        query = self.params(s.OpinionListInput)
        jurisdiction = _opinion_scope(request, query["region"])
        count, rows = opinions.opinion_work_list(
            jurisdiction=jurisdiction,
            status=query["status"],
            overdue_only=query["overdue"] == "1",
            offset=query["offset"],
            limit=query["limit"],
        )
        answer = {
            "count": count,
            "counts": opinions.opinion_status_counts(jurisdiction=jurisdiction),
            "results": [_opinion_row(r) for r in rows],
        }
        return _out(s.OpinionListOutput, answer)


class OpinionDetailApi(MapApi):
    @extend_schema(
        operation_id="map_opinions_retrieve",
        tags=["opinions"],
        responses={200: s.OpinionDetailOutput, **READ_ERRORS},
    )
    def get(self, request, opinion_id: int) -> JsonResponse:
        jurisdiction = jurisdiction_of(request.user)
        opinion = access_opinion_by_id(jurisdiction=jurisdiction, opinion_id=opinion_id)
        row = _opinion_row(opinions.opinion_detail(opinion=opinion))
        row["similar"] = [
            {**similar, "recorded_at": _iso(similar["recorded_at"])}
            for similar in opinions.opinion_similar(jurisdiction=jurisdiction, opinion=opinion)
        ]
        return _out(s.OpinionDetailOutput, row)


class OpinionTransitionsApi(MapApi):
    methods = ("POST",)

    @extend_schema(
        operation_id="map_opinions_transition",
        tags=["opinions"],
        request=s.TransitionInput,
        responses={200: s.OpinionDetailOutput, **WRITE_ERRORS},
    )
    def post(self, request, opinion_id: int) -> JsonResponse:
        jurisdiction = jurisdiction_of(request.user)
        if not may_transition_opinions(jurisdiction):  # before the body is read (issue 8)
            raise DomainError(
                codes.OPINION_NOT_ALLOWED,
                _("Only station staff may do this to an opinion."),
                status=403,
            )
        body = self.params(s.TransitionInput, data=json_body(request))
        opinion = opinion_transition(
            jurisdiction=jurisdiction,
            actor=_signed_in(request),
            opinion_id=opinion_id,
            **body,
        )
        return _out(s.OpinionDetailOutput, _opinion_row(opinions.opinion_detail(opinion=opinion)))
