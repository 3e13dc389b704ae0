"""Check-ins at stations."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework.response import Response

from backend.liaison.access import access_station_for_checkin
from backend.visits.access import access_checkin_by_id
from backend.visits.selectors import checkin_list
from backend.visits.services import checkin_record

from ..outputs import page_of
from ..serializers import CheckInInput, CheckInOutput
from .base import COMMON_ERRORS, ERROR, POINT_EXAMPLE, MobileApi


class CheckInsApi(MobileApi):
    def get_throttles(self):
        self.throttle_scope = "write" if self.request.method == "POST" else "read"
        return super().get_throttles()

    @extend_schema(
        operation_id="checkins_list",
        tags=["check-ins"],
        parameters=[
            OpenApiParameter("page", int),
            OpenApiParameter("page_size", int, description="At most 100."),
        ],
        responses={200: page_of(CheckInOutput), 401: ERROR, 403: ERROR, 404: ERROR},
    )
    def get(self, request):
        return self.paginated(checkin_list(deputy=self.deputy()), CheckInOutput)

    @extend_schema(
        operation_id="checkins_create",
        tags=["check-ins"],
        request=CheckInInput,
        responses={201: CheckInOutput, 200: CheckInOutput, 409: ERROR, **COMMON_ERRORS},
        examples=[
            OpenApiExample(
                "check-in",
                request_only=True,
                value={
                    "client_uuid": "0b6f3c1e-8d2a-4f5b-9c7d-1e2f3a4b5c6d",
                    "station_id": 1,
                    "location": POINT_EXAMPLE,
                    "crs": "wgs84",
                    "accuracy_m": 12.5,
                    "recorded_at": "2026-11-16T09:30:00+08:00",
                },
            )
        ],
        description="Check in at a station. Inside the geofence when the fix's "
        "accuracy circle reaches the fence: distance_m - min(accuracy_m,"
        " 100) <= geofence_radius_m (default 200 m). Outside: stored and "
        "flagged `outside_geofence`. 201 created, 200 duplicate retry, "
        "409 same client_uuid with other content.",
    )
    def post(self, request):
        data = self.validated(CheckInInput)
        deputy = self.deputy()
        station = access_station_for_checkin(deputy=deputy, station_id=data["station_id"])
        result = checkin_record(
            deputy=deputy,
            station=station,
            client_uuid=data["client_uuid"],
            lon=data["lon"],
            lat=data["lat"],
            accuracy_m=data.get("accuracy_m"),
            recorded_at=data["recorded_at"],
            mock_location=data["mock_location"],
        )
        checkin = access_checkin_by_id(jurisdiction=self.jurisdiction(), checkin_id=result.id)
        body = dict(CheckInOutput(checkin).data, result=result.status)
        return Response(body, status=201 if result.status == "created" else 200)


class CheckInDetailApi(MobileApi):
    @extend_schema(
        operation_id="checkins_retrieve",
        tags=["check-ins"],
        responses={200: CheckInOutput, 401: ERROR, 404: ERROR},
    )
    def get(self, request, checkin_id: int):
        checkin = access_checkin_by_id(jurisdiction=self.jurisdiction(), checkin_id=checkin_id)
        return Response(CheckInOutput(checkin).data)
