"""Stations near a point."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from backend.core import error_codes as codes
from backend.liaison.selectors import stations_nearby
from gis_data.crs import SUPPORTED_CRS, to_wgs84

from ..errors import ApiError, flatten_errors
from ..fields import CRSField, check_lon_lat, parse_query_number
from ..outputs import NearbyStationsOutput
from ..serializers import point_json
from .base import ERROR, MobileApi

MAX_NEARBY_RADIUS_M = 50_000.0


class NearbyStationsApi(MobileApi):
    OutputSerializer = NearbyStationsOutput

    @extend_schema(
        operation_id="stations_nearby",
        tags=["stations"],
        parameters=[
            OpenApiParameter(
                "lon", float, required=True, description="Longitude (first, as in GeoJSON)."
            ),
            OpenApiParameter("lat", float, required=True),
            OpenApiParameter("radius_m", float, description="Metres, 1..50000 (default 5000)."),
            OpenApiParameter("crs", str, enum=list(SUPPORTED_CRS)),
        ],
        responses={
            200: OutputSerializer,
            400: ERROR,
            401: ERROR,
        },
        description="Stations within radius_m of the point, nearest first, by geodesic "
        "distance (index-backed ST_DWithin on geography).",
    )
    def get(self, request):
        params = request.query_params
        lon = parse_query_number(params.get("lon"), name="lon")
        lat = parse_query_number(params.get("lat"), name="lat")
        radius_m = parse_query_number(
            params.get("radius_m"), name="radius_m", required=False, default=5000.0
        )
        errors = {}
        try:
            lon, lat = check_lon_lat(lon, lat)
        except serializers.ValidationError as exc:
            errors["lon"] = flatten_errors(exc.detail)["non_field_errors"]
        if not 1 <= radius_m <= MAX_NEARBY_RADIUS_M:
            errors["radius_m"] = {
                "code": codes.NUMBER_OUT_OF_RANGE.code,
                "message": str(_("radius_m must be from 1 to 50000 metres.")),
            }
        try:
            crs = CRSField().to_internal_value(params.get("crs", "wgs84"))
        except serializers.ValidationError as exc:
            errors["crs"] = flatten_errors(exc.detail)["non_field_errors"]
        if errors:
            raise ApiError(codes.REQUEST_INVALID, _("Some fields are invalid."), errors=errors)
        lon, lat = to_wgs84(lon, lat, crs)
        stations = stations_nearby(lon=float(lon), lat=float(lat), radius_m=radius_m)
        return Response(
            self.OutputSerializer(
                {
                    "results": [
                        {
                            "id": s.id,
                            "name": s.name,
                            "kind": s.kind,
                            "address": s.address,
                            "location": point_json(s.location),
                            "distance_m": round(s.distance_m, 1),  # type: ignore[attr-defined]  # annotated by the selector
                            "geofence_radius_m": s.geofence_radius_m,
                        }
                        for s in stations
                    ]
                }
            ).data
        )
