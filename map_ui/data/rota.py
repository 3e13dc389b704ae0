"""The rota, leave/swap and reception operations of the map data API (station life, issue 13):
a station's rota for a month and staff edits of it, the leave and swap requests to decide, a
station's receptions, a deputy's year of attendance. HTTP only: each parses, calls one selector
or service of backend.liaison / backend.reporting, responds. See docs/stations.md."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers

from backend.accounts.access import jurisdiction_of
from backend.accounts.jurisdiction import Jurisdiction
from backend.core import error_codes as codes
from backend.core.body import json_body
from backend.core.errors import DomainError
from backend.liaison import selectors, services
from backend.liaison.models import DutyRequestStatus, RotaAction
from backend.performance.access import access_deputy_record_by_id
from backend.reporting.attendance import deputy_year_attendance
from backend.reporting.receptions import station_receptions

from .base import READ_ERRORS, WRITE_ERRORS, IntParam, MapApi, TextParam
from .records import year_of
from .serializers import _month

TAGS = ["stations"]


def _json(data, status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})


def _staff(request: HttpRequest) -> Jurisdiction:
    """The caller's jurisdiction if they may write (staff, admins): checked before any body.
    Deputies (no region reads) get the 404 of a missing object."""
    jurisdiction = jurisdiction_of(request.user).require_region_reads()
    if not jurisdiction.can_act:
        raise DomainError(codes.ROTA_NOT_ALLOWED)
    return jurisdiction


def _status(raw: str | None) -> str | None:
    if raw in (None, ""):
        return None
    if raw not in DutyRequestStatus.values:
        raise DomainError(codes.MAP_INVALID_STATUS)
    return raw


def _station(raw: str | None) -> int | None:
    if raw in (None, ""):
        return None
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
        raise DomainError(codes.ROTA_INVALID_FIELD, field="station")
    return int(raw)


class MonthInput(serializers.Serializer):
    month = TextParam(_month, help_text="YYYY-MM; default this month.")


class RequestListInput(serializers.Serializer):
    status = TextParam(_status, help_text="pending, approved, refused or withdrawn; default all")
    station = IntParam(_station, help_text="One station's requests only.")


class YearInput(serializers.Serializer):
    year = IntParam(year_of, help_text="Default: this year (Asia/Shanghai).")


ROTA_BODY = inline_serializer(
    "RotaChangeInput",
    fields={
        "date": serializers.DateField(),
        "deputy_id": serializers.IntegerField(),
        "action": serializers.ChoiceField(choices=RotaAction.values),
        "note": serializers.CharField(required=False, max_length=200),
    },
)
DECIDE_BODY = inline_serializer(
    "DutyRequestDecisionInput",
    fields={
        "decision": serializers.ChoiceField(choices=["approve", "refuse"]),
        "note": serializers.CharField(required=False, max_length=500),
    },
)
RECEPTION_BODY = inline_serializer(
    "ReceptionInput",
    fields={
        "date": serializers.DateField(),
        "citizens_received": serializers.IntegerField(min_value=0, max_value=100_000),
        "note": serializers.CharField(required=False, max_length=500),
    },
)


def _month_of(api: MapApi):
    return api.params(MonthInput)["month"] or timezone.localdate()


class StationRotaApi(MapApi):
    methods = ("GET", "POST")

    @extend_schema(
        operation_id="map_station_rota",
        tags=TAGS,
        parameters=[MonthInput],
        responses={200: OpenApiTypes.OBJECT, **READ_ERRORS},
        description="The station's rota for a month: each held duty day with its hours and "
        "deputies (mixed levels; `added` by staff or a swap, `leave` approved), and the "
        "station's members staff may add.",
    )
    def get(self, request, station_id: int) -> JsonResponse:
        month = _month_of(self)
        return _json(
            selectors.station_rota(
                jurisdiction=jurisdiction_of(request.user), station_id=station_id, month=month
            )
        )

    @extend_schema(
        operation_id="map_station_rota_change",
        tags=TAGS,
        request=ROTA_BODY,
        responses={200: OpenApiTypes.OBJECT, **WRITE_ERRORS},
        description="Staff add a deputy to, or remove one from, a held duty day; answers the "
        "month's rota.",
    )
    def post(self, request, station_id: int) -> JsonResponse:
        jurisdiction = _staff(request)
        body = json_body(request)
        change = services.rota_change(
            jurisdiction=jurisdiction, actor=request.user, station_id=station_id, body=body
        )
        return _json(
            selectors.station_rota(
                jurisdiction=jurisdiction, station_id=station_id, month=change.day
            )
        )


class DutyRequestsApi(MapApi):
    @extend_schema(
        operation_id="map_duty_requests",
        tags=TAGS,
        parameters=[RequestListInput],
        responses={200: OpenApiTypes.OBJECT, **READ_ERRORS},
        description="Leave (请假) and swap (换班) requests at stations inside the caller's "
        "jurisdiction, newest first (at most 200).",
    )
    def get(self, request) -> JsonResponse:
        query = self.params(RequestListInput)
        jurisdiction = jurisdiction_of(request.user).require_region_reads()
        rows = selectors.duty_request_list(
            jurisdiction=jurisdiction, status=query["status"], station_id=query["station"]
        )
        return _json({"results": rows})


class DutyRequestDecideApi(MapApi):
    methods = ("POST",)

    @extend_schema(
        operation_id="map_duty_request_decide",
        tags=TAGS,
        request=DECIDE_BODY,
        responses={200: OpenApiTypes.OBJECT, **WRITE_ERRORS},
        description="Staff approve or refuse a pending request; an approved swap rewrites the "
        "rota, an approved leave excuses the day.",
    )
    def post(self, request, request_id: int) -> JsonResponse:
        jurisdiction = _staff(request)
        body = json_body(request)
        row = services.duty_request_decide(
            jurisdiction=jurisdiction, actor=request.user, request_id=request_id, body=body
        )
        return _json(selectors.duty_request_json(row))


class StationReceptionsApi(MapApi):
    methods = ("GET", "POST")

    @extend_schema(
        operation_id="map_station_receptions",
        tags=TAGS,
        parameters=[MonthInput],
        responses={200: OpenApiTypes.OBJECT, **READ_ERRORS},
        description="The reception sessions (接待) of the station's held duty days in a month "
        "(up to today): citizens received, opinions taken at the station that day, the "
        "deputies present; totals per station and per deputy.",
    )
    def get(self, request, station_id: int) -> JsonResponse:
        month = _month_of(self)
        return _json(
            station_receptions(
                jurisdiction=jurisdiction_of(request.user), station_id=station_id, month=month
            )
        )

    @extend_schema(
        operation_id="map_station_reception_record",
        tags=TAGS,
        request=RECEPTION_BODY,
        responses={200: OpenApiTypes.OBJECT, **WRITE_ERRORS},
        description="Staff record the citizens received at a held duty day's reception (on or "
        "after the day); answers the month.",
    )
    def post(self, request, station_id: int) -> JsonResponse:
        jurisdiction = _staff(request)
        body = json_body(request)
        reception = services.reception_record(
            jurisdiction=jurisdiction, actor=request.user, station_id=station_id, body=body
        )
        return _json(
            station_receptions(
                jurisdiction=jurisdiction, station_id=station_id, month=reception.day
            )
        )


class DeputyAttendanceApi(MapApi):
    @extend_schema(
        operation_id="map_deputy_attendance",
        tags=TAGS,
        parameters=[YearInput],
        responses={200: OpenApiTypes.OBJECT, **READ_ERRORS},
        description="A deputy's duty attendance over a year (present, excused, absent), per "
        "station and per day; staff and leaders of the deputy's region.",
    )
    def get(self, request, deputy_id: int) -> JsonResponse:
        year = self.params(YearInput)["year"]
        deputy = access_deputy_record_by_id(
            jurisdiction=jurisdiction_of(request.user).require_region_reads(), deputy_id=deputy_id
        )
        return _json(deputy_year_attendance(deputy=deputy, year=year))
