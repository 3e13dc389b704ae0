"""OGC API - Features, Part 1 (Core + GeoJSON), read-only, under /ogc/ (docs/ogc-api.md).

Collections: `cells` (grid cells with their coverage of the 90-day window), `stations` (liaison
stations), `clusters` (opinion clusters, counts only). Every answer is scoped by the caller's
jurisdiction (backend.accounts.access.jurisdiction_of): a feature outside it gives the same 404
as a missing one. The caller is the session's user, or the account named by HTTP Basic auth
(GDAL's OAPIF driver and QGIS send it): the password is checked through
django.contrib.auth.authenticate with the request, so django-axes counts every failure and locks
the username + IP out exactly as for the login page. A Basic caller gets no session.
Errors are JSON with the registry's codes (backend.core.error_codes); under /ogc/ the map
API's middleware (map_ui.data.http) turns anything else (unknown URLs, wrong methods) into JSON.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from abc import ABCMeta, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth import authenticate
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from backend.accounts.access import jurisdiction_of
from backend.accounts.jurisdiction import Jurisdiction
from backend.accounts.lockout import lockout_retry_after_s
from backend.core import error_codes as codes
from backend.core.errors import DomainError, NotFound
from backend.core.http import error_response
from backend.coverage import selectors as coverage
from backend.coverage.selectors import features
from backend.coverage.selectors.geojson import jurisdiction_bounds, jurisdiction_metric_srid
from backend.coverage.windows import Window, window_of

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
]
GEOJSON = "application/geo+json"
JSON = "application/json"
COVERAGE_DAYS = 90
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000  # a larger limit is lowered to it (OGC API - Features, /req/core/fc-limit-*)
MAX_OFFSET = 10_000_000
REALM = 'Basic realm="ogc", charset="UTF-8"'
FEATURE_ID_DIGITS = 18  # ids are bigint: more digits cannot name a feature


# --- the caller ------------------------------------------------------------------------------


def _unauthorized(code: codes.ErrorCode) -> DomainError:
    return DomainError(code, status=401, www_authenticate=REALM)


def _basic_credentials(header: str) -> tuple[str, str]:
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise _unauthorized(codes.AUTH_INVALID_CREDENTIALS) from None
    username, sep, password = decoded.partition(":")
    if not sep or not username or "\x00" in decoded or len(username) > 150:
        raise _unauthorized(codes.AUTH_INVALID_CREDENTIALS)
    return username, password


def ogc_caller(request: HttpRequest) -> Jurisdiction:
    """The caller's Jurisdiction: HTTP Basic credentials (axes-counted) when sent, else the
    session's user. 401 without either, 429 when locked out, 403 without region-wide reads."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    user: Any
    if header[:6].lower() == "basic ":
        username, password = _basic_credentials(header)
        user = authenticate(request=request, username=username, password=password)
        if user is None:
            if getattr(request, "axes_locked_out", False):
                raise DomainError(
                    codes.AUTH_LOCKED_OUT,
                    retry_after=lockout_retry_after_s(request, {"username": username}),
                )
            raise _unauthorized(codes.AUTH_INVALID_CREDENTIALS)
    else:
        user = request.user
        if not user.is_authenticated or not user.is_active:
            raise _unauthorized(codes.AUTH_REQUIRED)
    jurisdiction = jurisdiction_of(user)
    if not jurisdiction.reads_regions:
        raise DomainError(codes.AUTH_FORBIDDEN)
    return jurisdiction


# --- query parameters ------------------------------------------------------------------------


def _whole(raw: str) -> int | None:
    text = raw.strip()
    if not text.isascii() or not text.isdigit() or len(text) > 12:
        return None
    return int(text)


def limit_param(raw: str | None) -> int:
    if raw is None or raw == "":
        return DEFAULT_LIMIT
    text = raw.strip()
    if not text.isascii() or not text.isdigit():
        raise DomainError(codes.OGC_INVALID_LIMIT)
    value = int(text) if len(text) <= 12 else MAX_LIMIT
    if value < 1:
        raise DomainError(codes.OGC_INVALID_LIMIT)
    return min(value, MAX_LIMIT)


def offset_param(raw: str | None) -> int:
    if raw is None or raw == "":
        return 0
    value = _whole(raw)
    if value is None or value > MAX_OFFSET:
        raise DomainError(codes.OGC_INVALID_OFFSET)
    return value


def bbox_param(raw: str | None, crs: str | None) -> features.Bbox | None:
    """`w,s,e,n` (or `w,s,zmin,e,n,zmax`) in CRS84 degrees."""
    if crs not in (None, "", CRS84):
        raise DomainError(codes.OGC_INVALID_BBOX_CRS)
    if raw is None or raw == "":
        return None
    parts = raw.split(",")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        values = []
    if len(values) not in (4, 6) or len(values) != len(parts):
        raise DomainError(codes.OGC_INVALID_BBOX)
    if not all(math.isfinite(v) for v in values):
        raise DomainError(codes.OGC_INVALID_BBOX)
    w, s, e, n = values if len(values) == 4 else (values[0], values[1], values[3], values[4])
    if not (-180 <= w <= e <= 180 and -90 <= s <= n <= 90):
        raise DomainError(codes.OGC_INVALID_BBOX)
    return w, s, e, n


def feature_id(raw: str) -> int:
    if not raw.isascii() or not raw.isdigit() or len(raw) > FEATURE_ID_DIGITS:
        raise NotFound(codes.OGC_FEATURE_NOT_FOUND)
    return int(raw)


# --- collections -----------------------------------------------------------------------------


def coverage_window() -> Window:
    """The 90-day window ending today; never rolls the coverage clock (no write in a GET)."""
    today = timezone.localdate()
    return window_of(COVERAGE_DAYS, today=today, clock_day=coverage.coverage_clock_day(today=today))


def _cell_properties(row: dict) -> dict:
    last = row["last_visit"]
    return {
        "code": row["code"],
        "name": row["name"],
        "adcode": row["adcode"],
        "households": row["households"],
        "households_visited": row["households_visited"],
        "visits": row["visits"],
        "state": row["state"],
        "assigned": row["assigned"],
        "coverage_ratio": round(float(row["coverage_ratio"] or 0), 4),
        "last_visit": timezone.localtime(last).isoformat() if last else None,
        "window_days": COVERAGE_DAYS,
    }


def _station_properties(row: dict) -> dict:
    return {k: row[k] for k in ("name", "kind", "address", "adcode", "deputies")}


def _cluster_properties(row: dict) -> dict:
    return {"count": row["count"], "open_count": row["open_count"], "window_days": COVERAGE_DAYS}


def _cells_page(j: Jurisdiction, bbox, limit: int, offset: int) -> features.Page:
    return features.cell_page(
        jurisdiction=j, window=coverage_window(), bbox=bbox, limit=limit, offset=offset
    )


def _cell_one(j: Jurisdiction, fid: int) -> dict | None:
    return features.cell_feature(jurisdiction=j, window=coverage_window(), cell_id=fid)


def _stations_page(j: Jurisdiction, bbox, limit: int, offset: int) -> features.Page:
    return features.station_page(jurisdiction=j, bbox=bbox, limit=limit, offset=offset)


def _station_one(j: Jurisdiction, fid: int) -> dict | None:
    return features.station_feature(jurisdiction=j, station_id=fid)


def _cluster_all(j: Jurisdiction, bbox) -> list[dict]:
    return features.cluster_rows(
        jurisdiction=j,
        window=coverage_window(),
        bbox=bbox,
        metric_srid=jurisdiction_metric_srid(jurisdiction=j),
    )


def _clusters_page(j: Jurisdiction, bbox, limit: int, offset: int) -> features.Page:
    rows = _cluster_all(j, bbox)  # a county has tens of clusters: paged here
    return features.Page(rows=rows[offset : offset + limit], matched=len(rows))


def _cluster_one(j: Jurisdiction, fid: int) -> dict | None:
    return next((row for row in _cluster_all(j, None) if row["id"] == fid), None)


@dataclass(frozen=True)
class Collection:
    id: str
    title: Callable[[], str]
    description: Callable[[], str]
    page: Callable[[Jurisdiction, Any, int, int], features.Page]
    one: Callable[[Jurisdiction, int], dict | None]
    properties: Callable[[dict], dict]


def _crs_note() -> str:
    return _(
        "Coordinates are WGS-84 longitude, latitude (CRS84); China's CGCS2000 coincides with it "
        "to within centimetres, which is equivalent at this scale."
    )


COLLECTIONS = {
    c.id: c
    for c in (
        Collection(
            "cells",
            lambda: _("Grid cells"),
            lambda: _(
                "Grid cells with their coverage of the last 90 days: state (covered, stale, "
                "never), visits, households visited, coverage ratio."
            ),
            _cells_page,
            _cell_one,
            _cell_properties,
        ),
        Collection(
            "stations",
            lambda: _("Liaison stations"),
            lambda: _("Deputies' liaison stations: name, kind, address, number of deputies."),
            _stations_page,
            _station_one,
            _station_properties,
        ),
        Collection(
            "clusters",
            lambda: _("Opinion clusters"),
            lambda: _(
                "Where opinions of the last 90 days cluster (within 500 m, at least 3): "
                "counts only."
            ),
            _clusters_page,
            _cluster_one,
            _cluster_properties,
        ),
    )
}


def collection_of(collection_id: str) -> Collection:
    collection = COLLECTIONS.get(collection_id)
    if collection is None:
        raise NotFound(codes.OGC_UNKNOWN_COLLECTION)
    return collection


# --- responses -------------------------------------------------------------------------------


def _json(data: dict, content_type: str = JSON) -> HttpResponse:
    return HttpResponse(
        json.dumps(data, ensure_ascii=False, separators=(",", ":")), content_type=content_type
    )


def _link(request: HttpRequest, path: str, rel: str, media: str, title: str = "") -> dict:
    link = {"href": request.build_absolute_uri(path), "rel": rel, "type": media}
    if title:
        link["title"] = title
    return link


def _feature(collection: Collection, row: dict) -> dict:
    geometry = json.loads(row["geometry"]) if row.get("geometry") else None
    return {
        "type": "Feature",
        "id": row["id"],
        "geometry": geometry,
        "properties": collection.properties(row),
    }


def _collection_body(request: HttpRequest, collection: Collection, bounds: list[float]) -> dict:
    base = f"/ogc/collections/{collection.id}"
    return {
        "id": collection.id,
        "title": collection.title(),
        "description": f"{collection.description()} {_crs_note()}",
        "itemType": "feature",
        "crs": [CRS84],
        "storageCrs": CRS84,
        "extent": {"spatial": {"bbox": [bounds], "crs": CRS84}},
        "links": [
            _link(request, base, "self", JSON),
            _link(request, base + "/items", "items", GEOJSON, collection.title()),
        ],
    }


class OgcApi(View, metaclass=ABCMeta):
    """GET (and HEAD) only; DomainError → JSON with its code; the caller checked first. Each
    endpoint is a subclass with its own `answer`."""

    http_method_names = ["get", "head"]  # noqa: RUF012 - Django View's own attribute

    def dispatch(self, request, *args, **kwargs):
        try:
            if request.method.lower() not in self.http_method_names:
                return self.http_method_not_allowed(request, *args, **kwargs)
            jurisdiction = ogc_caller(request)
            return self.answer(request, jurisdiction, **kwargs)
        except DomainError as exc:
            return _error(exc)

    @abstractmethod
    def answer(self, request, jurisdiction: Jurisdiction, **kwargs) -> HttpResponse: ...


def _error(exc: DomainError) -> JsonResponse:
    details = dict(exc.details)
    www_authenticate = details.pop("www_authenticate", None)
    retry_after = details.pop("retry_after", None)
    response = error_response(exc.code, exc.message, status=exc.status, **details)
    if www_authenticate:
        response["WWW-Authenticate"] = www_authenticate
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


class LandingApi(OgcApi):
    def answer(self, request, jurisdiction, **kwargs):
        return _json(
            {
                "title": _("Deputies into the grid: OGC API - Features"),
                "description": _(
                    "Grid cells with coverage, liaison stations and opinion clusters of your "
                    "jurisdiction."
                ),
                "links": [
                    _link(request, "/ogc/", "self", JSON),
                    _link(request, "/ogc/conformance", "conformance", JSON),
                    _link(
                        request,
                        "/ogc/conformance",
                        "http://www.opengis.net/def/rel/ogc/1.0/conformance",
                        JSON,
                    ),
                    _link(request, "/ogc/collections", "data", JSON),
                    _link(
                        request,
                        "/ogc/collections",
                        "http://www.opengis.net/def/rel/ogc/1.0/data",
                        JSON,
                    ),
                ],
            }
        )


class ConformanceApi(OgcApi):
    def answer(self, request, jurisdiction, **kwargs):
        return _json({"conformsTo": CONFORMANCE})


class CollectionsApi(OgcApi):
    def answer(self, request, jurisdiction, **kwargs):
        bounds = jurisdiction_bounds(jurisdiction=jurisdiction)
        return _json(
            {
                "links": [_link(request, "/ogc/collections", "self", JSON)],
                "collections": [_collection_body(request, c, bounds) for c in COLLECTIONS.values()],
            }
        )


class CollectionApi(OgcApi):
    def answer(self, request, jurisdiction, **kwargs):
        collection = collection_of(kwargs["collection_id"])
        bounds = jurisdiction_bounds(jurisdiction=jurisdiction)
        return _json(_collection_body(request, collection, bounds))


class ItemsApi(OgcApi):
    def answer(self, request, jurisdiction, **kwargs):
        collection = collection_of(kwargs["collection_id"])
        query = request.GET
        bbox = bbox_param(query.get("bbox"), query.get("bbox-crs"))
        limit, offset = limit_param(query.get("limit")), offset_param(query.get("offset"))
        page = collection.page(jurisdiction, bbox, limit, offset)
        path = f"/ogc/collections/{collection.id}/items"

        def paged(at: int) -> str:
            params: dict[str, object] = {"limit": limit, "offset": at}
            if bbox is not None:
                params["bbox"] = ",".join(repr(v) for v in bbox)
            return f"{path}?{urlencode(params)}"

        links = [
            _link(request, paged(offset), "self", GEOJSON),
            _link(request, f"/ogc/collections/{collection.id}", "collection", JSON),
        ]
        if offset + len(page.rows) < page.matched:
            links.append(_link(request, paged(offset + limit), "next", GEOJSON))
        if offset > 0:
            links.append(_link(request, paged(max(0, offset - limit)), "prev", GEOJSON))
        return _json(
            {
                "type": "FeatureCollection",
                "features": [_feature(collection, row) for row in page.rows],
                "numberMatched": page.matched,
                "numberReturned": len(page.rows),
                "timeStamp": timezone.localtime().isoformat(timespec="seconds"),
                "links": links,
            },
            GEOJSON,
        )


class ItemApi(OgcApi):
    def answer(self, request, jurisdiction, **kwargs):
        collection = collection_of(kwargs["collection_id"])
        row = collection.one(jurisdiction, feature_id(kwargs["fid"]))
        if row is None:
            raise NotFound(codes.OGC_FEATURE_NOT_FOUND)
        body = _feature(collection, row)
        base = f"/ogc/collections/{collection.id}"
        body["links"] = [
            _link(request, f"{base}/items/{row['id']}", "self", GEOJSON),
            _link(request, base, "collection", JSON),
        ]
        return _json(body, GEOJSON)
