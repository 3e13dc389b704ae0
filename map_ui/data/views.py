"""Map data endpoints (session auth, jurisdiction-scoped, JSON errors). See docs/api-map.md."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, cast
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _

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
from backend.coverage.windows import window_of
from backend.grid.access import access_cells_by_ids
from backend.grid.selectors import MAX_CELLS_PER_REQUEST
from backend.grid.services import cell_assign
from backend.opinions import selectors as opinions
from backend.opinions.access import access_opinion_by_id
from backend.opinions.models import OpinionStatus
from backend.opinions.services import opinion_transition
from backend.regions.access import access_region_by_adcode
from backend.regions.models import Region

from .body import text_field
from .http import map_endpoint
from .params import (
    MAX_GEOJSON_FEATURES,
    adcode_param,
    bbox_param,
    category_param,
    choice_param,
    cluster_params,
    ids_param,
    int_param,
    tile_coords,
)

MAX_SUGGESTION_CELLS = 50
ROLLUPS = ("township", "county", "station", "deputy")


def _json(data, status: int = 200, content_type: str = "application/json") -> JsonResponse:
    return JsonResponse(
        data,
        status=status,
        safe=False,
        content_type=content_type,
        json_dumps_params={"ensure_ascii": False},
    )


GEOJSON = "application/geo+json"  # RFC 7946 §12


def _geojson(collection: dict) -> JsonResponse:
    return _json(collection, content_type=GEOJSON)


def _region(request: HttpRequest) -> tuple[Jurisdiction, Region]:
    """The `region` parameter (default: the caller's jurisdiction), checked readable, and the
    caller's Jurisdiction narrowed to it (what the selectors read)."""
    jurisdiction = jurisdiction_of(request.user)
    adcode = adcode_param(request.GET.get("region"), default=jurisdiction.prefix or None)
    region = access_region_by_adcode(jurisdiction=jurisdiction, adcode=adcode)
    return jurisdiction.within(region.adcode), region


def _signed_in(request: HttpRequest) -> User:
    """The signed-in account (map_endpoint refuses anyone else before the view runs)."""
    return cast(User, request.user)


def _window(request: HttpRequest):
    """The `days` window ending today. Never rolls the clock (no write in a GET): standard
    windows fall back to the day rows until the job `coverage.roll` has run."""
    today = timezone.localdate()
    return window_of(
        request.GET.get("days"), today=today, clock_day=coverage.coverage_clock_day(today=today)
    )


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


@map_endpoint()
def tile(request: HttpRequest, layer: str, z: int, x: int, y: int) -> HttpResponse:
    if layer not in LAYERS:
        raise NotFound(codes.MAP_UNKNOWN_LAYER, _("No such map layer."))
    z, x, y = tile_coords(z, x, y)
    jurisdiction = jurisdiction_of_session(request).require_region_reads()
    window = _window(request)
    category = category_param(request.GET.get("category"))
    lon = (x + 0.5) / 2**z * 360.0 - 180.0
    req = TileRequest(
        layer=layer,
        z=z,
        x=x,
        y=y,
        jurisdiction=jurisdiction,
        window=window,
        category=category,
        **cluster_params(request.GET),
        metric_srid=metric_srid_for_lon(lon),
    )
    # The ETag comes from the tile's version (one cheap query), so a revalidation is answered
    # before the tile is drawn.
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
    return HttpResponse(data, content_type="application/vnd.mapbox-vector-tile", headers=headers)


# The query parameters a tile reads; the TileJSON passes these (and only these) on.
TILE_PARAMS = ("days", "category", "eps_m", "min_points")


def _tile_query(query) -> str:
    """The tile parameters of `query` for the TileJSON's URL template, validated exactly as
    the tile validates them (same codes): a bad value is refused, never copied into a URL."""
    window_of(query.get("days"))
    category_param(query.get("category"))
    cluster_params(query)
    return urlencode([(name, query[name]) for name in TILE_PARAMS if query.get(name)])


@map_endpoint()
def tilejson(request: HttpRequest, layer: str) -> JsonResponse:
    if layer not in LAYERS:
        raise NotFound(codes.MAP_UNKNOWN_LAYER, _("No such map layer."))
    jurisdiction = jurisdiction_of_session(request).require_region_reads()
    spec = LAYERS[layer]
    query = _tile_query(request.GET)
    url = request.build_absolute_uri(f"/tiles/{layer}/") + "{z}/{x}/{y}.mvt"
    return _json(
        {
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
    )


# --- JSON / GeoJSON ------------------------------------------------------------------------


@map_endpoint()
def region_stats(request: HttpRequest, adcode: str) -> JsonResponse:
    jurisdiction = jurisdiction_of(request.user)
    region = access_region_by_adcode(jurisdiction=jurisdiction, adcode=adcode_param(adcode))
    return _json(
        coverage.region_stats(jurisdiction=jurisdiction, region=region, window=_window(request))
    )


@map_endpoint()
def cells_geojson(request: HttpRequest) -> HttpResponse:
    jurisdiction, _region_shown = _region(request)
    bbox = bbox_param(request.GET.get("bbox"))
    state = choice_param(
        request.GET.get("state"),
        choices=("covered", "stale", "never"),
        code=codes.MAP_INVALID_STATE,
        message=_("state must be covered, stale or never."),
    )
    text, count = geojson.cells_feature_collection(
        jurisdiction=jurisdiction,
        window=_window(request),
        bbox=bbox,
        state=state,
        limit=MAX_GEOJSON_FEATURES + 1,
    )
    if count > MAX_GEOJSON_FEATURES:
        raise DomainError(
            codes.MAP_AREA_TOO_LARGE,
            _("More than %(n)s cells: choose a smaller area (or use the map tiles).")
            % {"n": MAX_GEOJSON_FEATURES},
        )
    return HttpResponse(text, content_type=GEOJSON)


@map_endpoint()
def gaps(request: HttpRequest) -> JsonResponse:
    jurisdiction, _region_shown = _region(request)
    limit = int_param(request.GET.get("limit"), name="limit", default=50, low=1, high=500)
    rows = coverage.coverage_gaps(jurisdiction=jurisdiction, window=_window(request), limit=limit)
    return _json({"results": rows})


def _reason(s: dict) -> str:
    parts = []
    if s["in_district"]:
        parts.append(_("the cell is in their electoral district"))
    elif s["distance_m"] is not None:
        parts.append(_("their electoral district is %(m)s m away") % {"m": round(s["distance_m"])})
    if s["station_distance_m"] is not None:
        parts.append(
            _("station %(name)s is %(m)s m away")
            % {"name": s["station_name"], "m": round(s["station_distance_m"])}
        )
    parts.append(
        _("%(cells)s cells assigned, %(hh)s households still to visit this year")
        % {"cells": s["cells_assigned"], "hh": s["households_to_visit"]}
    )
    return _("; ").join(parts)


@map_endpoint()
def suggestions(request: HttpRequest) -> JsonResponse:
    ids = ids_param(request.GET.get("cells"), name="cells", max_count=MAX_SUGGESTION_CELLS)
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
        by_cell[row["cell_id"]].append(
            {
                "deputy_id": row["deputy_id"],
                "name": row["name"],
                "station_id": row["station_id"],
                "station_name": row["station_name"],
                "distance_m": None if row["distance_m"] is None else round(row["distance_m"], 1),
                "station_distance_m": None
                if row["station_distance_m"] is None
                else round(row["station_distance_m"], 1),
                "in_district": row["in_district"],
                "cells_assigned": row["cells_assigned"],
                "households_to_visit": row["households_to_visit"],
                "reason": _reason(row),
            }
        )
    return _json(
        {"cells": [{"cell_id": c.id, "code": c.code, "suggestions": by_cell[c.id]} for c in cells]}
    )


@map_endpoint(methods=("POST",))
def assignments(request: HttpRequest) -> JsonResponse:
    jurisdiction = jurisdiction_of(request.user)
    if not jurisdiction.can_act:  # before the body is read (issue 8)
        raise DomainError(
            codes.ASSIGNMENT_NOT_ALLOWED, _("Only station staff assign grid cells."), status=403
        )
    body = json_body(request)
    if not isinstance(body.get("cells"), list):
        raise DomainError(
            codes.MAP_INVALID_CELLS, _("%(name)s must be a list of ids.") % {"name": "cells"}
        )
    cell_ids = ids_param(body["cells"], name="cells", max_count=MAX_CELLS_PER_REQUEST)
    deputy = ids_param([body.get("deputy")], name="deputy", max_count=1)[0]
    reason = text_field(body, "reason")
    results = cell_assign(
        jurisdiction=jurisdiction,
        actor=_signed_in(request),
        cell_ids=cell_ids,
        deputy_id=deputy,
        reason=reason,
    )
    return _json(
        {
            "assignments": [
                {
                    "id": r.assignment.id,
                    "cell_id": r.assignment.cell_id,
                    "deputy_id": r.assignment.deputy_id,
                    "status": r.assignment.status,
                    "created": r.created,
                }
                for r in results
            ]
        },
        status=201,
    )


@map_endpoint()
def clusters_geojson(request: HttpRequest) -> JsonResponse:
    jurisdiction, region = _region(request)
    category = category_param(request.GET.get("category"))
    rows = coverage.opinion_clusters(
        jurisdiction=jurisdiction,
        window=_window(request),
        category=category,
        **cluster_params(request.GET),
        metric_srid=_metric_srid(region),
        bbox=bbox_param(request.GET.get("bbox")),
    )
    return _geojson(_feature_collection(rows, id_key="cluster_id"))  # min opinion id: stable


@map_endpoint()
def stations_geojson(request: HttpRequest) -> JsonResponse:
    jurisdiction, _region_shown = _region(request)
    return _geojson(_feature_collection(geojson.stations(jurisdiction=jurisdiction)))


@map_endpoint()
def links_geojson(request: HttpRequest) -> JsonResponse:
    jurisdiction, _region_shown = _region(request)
    return _geojson(_feature_collection(geojson.station_links(jurisdiction=jurisdiction)))


@map_endpoint()
def rollups(request: HttpRequest) -> JsonResponse:
    jurisdiction, _region_shown = _region(request)
    by = request.GET.get("by", "township")
    if by not in ROLLUPS:
        raise DomainError(
            codes.MAP_INVALID_BY, _("by must be township, county, station or deputy.")
        )
    window = _window(request)
    if by in ("township", "county"):
        rows = coverage.coverage_rollup(jurisdiction=jurisdiction, window=window, level=by)
    elif by == "station":
        rows = coverage.coverage_by_station(jurisdiction=jurisdiction, window=window)
    else:
        rows = coverage.coverage_by_deputy(jurisdiction=jurisdiction, window=window)
        for row in rows:
            row["last_visit"] = _iso(row["last_visit"])
    return _json({"by": by, "days": window.days, "results": rows})


# --- opinions: the closed loop (staff work list) -------------------------------------------

MAX_OPINIONS_PER_PAGE = 200
TRANSITION_TEXT_FIELDS = ("handler", "reason", "answer", "note")


def _opinion_row(row: dict) -> dict:
    row = dict(row)
    for name in ("recorded_at", "due_at"):
        row[name] = _iso(row[name])
    row["cell_code"] = row.pop("cell__code")
    row["deputy_name"] = row.pop("deputy__name")
    for step in row.get("history", ()):
        step["at"] = _iso(step["at"])
    return row


@map_endpoint()
def opinion_list(request: HttpRequest) -> JsonResponse:
    jurisdiction, _region_shown = _region(request)
    status = choice_param(
        request.GET.get("status"),
        choices=OpinionStatus.values,
        code=codes.MAP_INVALID_STATUS,
        message=_("Unknown opinion status."),
    )
    overdue = request.GET.get("overdue", "")
    if overdue not in ("", "0", "1"):
        raise DomainError(codes.MAP_INVALID_OVERDUE, _("overdue must be 0 or 1."))
    limit = int_param(
        request.GET.get("limit"), name="limit", default=50, low=1, high=MAX_OPINIONS_PER_PAGE
    )
    offset = int_param(request.GET.get("offset"), name="offset", default=0, low=0, high=10**6)
    count, rows = opinions.opinion_work_list(
        jurisdiction=jurisdiction,
        status=status,
        overdue_only=overdue == "1",
        offset=offset,
        limit=limit,
    )
    return _json(
        {
            "count": count,
            "counts": opinions.opinion_status_counts(jurisdiction=jurisdiction),
            "results": [_opinion_row(r) for r in rows],
        }
    )


@map_endpoint()
def opinion_detail(request: HttpRequest, opinion_id: int) -> JsonResponse:
    opinion = access_opinion_by_id(
        jurisdiction=jurisdiction_of(request.user), opinion_id=opinion_id
    )
    return _json(_opinion_row(opinions.opinion_detail(opinion=opinion)))


@map_endpoint(methods=("POST",))
def opinion_transitions(request: HttpRequest, opinion_id: int) -> JsonResponse:
    jurisdiction = jurisdiction_of(request.user)
    if not may_transition_opinions(jurisdiction):  # before the body is read (issue 8)
        raise DomainError(
            codes.OPINION_NOT_ALLOWED,
            _("Only station staff may do this to an opinion."),
            status=403,
        )
    body = json_body(request)
    action = text_field(body, "action", required=True, field="action")
    fields: dict[str, Any] = {
        name: text_field(body, name, field=name) for name in TRANSITION_TEXT_FIELDS
    }
    opinion = opinion_transition(
        jurisdiction=jurisdiction,
        actor=_signed_in(request),
        opinion_id=opinion_id,
        action=action,
        rating=body.get("rating"),
        **fields,
    )
    return _json(_opinion_row(opinions.opinion_detail(opinion=opinion)))
