"""The deputy's duty (值班): their rostered days with attendance, leave (请假) and swap (换班)
requests staff decide, and the deliberation days (议事) they take part in. See docs/stations.md."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from backend.core import error_codes as codes
from backend.core.errors import DomainError
from backend.liaison.models import DutyRequestKind, DutyRequestStatus, StationMembership
from backend.liaison.selectors import deputy_duty_requests, duty_request_json, rota_slots
from backend.liaison.services import duty_request_create, duty_request_withdraw
from backend.reporting.attendance import deputy_attendance
from backend.stationlife.models import ActionStatus, DeliberationStatus
from backend.stationlife.selectors import deputy_deliberations

from ..fields import StrictCharField, StrictIntegerField
from ..serializers import StrictChoiceField
from .base import COMMON_ERRORS, ERROR, MobileApi

MIN_YEAR, MAX_YEAR = 2000, 2100


class RefOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class DutyRequestOutput(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=DutyRequestKind.choices)
    status = serializers.ChoiceField(choices=DutyRequestStatus.choices)
    date = serializers.DateField()
    station = RefOutput()
    deputy = RefOutput()
    substitute = RefOutput(allow_null=True)
    reason = serializers.CharField()
    created_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)
    decision_note = serializers.CharField()


class DutyDayOutput(serializers.Serializer):
    date = serializers.DateField()
    station_id = serializers.IntegerField()
    station_name = serializers.CharField()
    opens_at = serializers.CharField(help_text="HH:MM")
    closes_at = serializers.CharField(help_text="HH:MM")
    status = serializers.ChoiceField(
        choices=["present", "excused", "absent", "open", "upcoming"],
        help_text="present: a verified check-in inside the geofence within the hours; excused: "
        "approved leave; absent: the day is over without either",
    )
    substitutes = RefOutput(
        many=True,
        help_text="Days to come: the station's other members not rostered that day, who may "
        "take it in a swap",
    )


class StationTallyOutput(serializers.Serializer):
    station_id = serializers.IntegerField()
    station_name = serializers.CharField()
    scheduled = serializers.IntegerField()
    present = serializers.IntegerField()
    excused = serializers.IntegerField()
    absent = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True)


class ColleaguesOutput(serializers.Serializer):
    station_id = serializers.IntegerField()
    deputies = RefOutput(many=True, help_text="Who may take a swapped day (names only)")


class MyDutyOutput(serializers.Serializer):
    year = serializers.IntegerField()
    scheduled = serializers.IntegerField()
    present = serializers.IntegerField()
    excused = serializers.IntegerField()
    absent = serializers.IntegerField()
    open = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True, help_text="present / (present + absent)")
    stations = StationTallyOutput(many=True)
    days = DutyDayOutput(many=True, help_text="The year's rostered days and those to come")
    requests = DutyRequestOutput(many=True)
    colleagues = ColleaguesOutput(many=True)


def _year(raw: str | None) -> int:
    if raw is None or raw == "":
        return timezone.localdate().year
    if not raw.isascii() or not raw.isdigit() or not MIN_YEAR <= int(raw) <= MAX_YEAR:
        raise DomainError(codes.ROTA_INVALID_FIELD, field="year")
    return int(raw)


def _with_substitutes(days: list[dict], colleagues: list[dict]) -> None:
    """Each day to come gets the colleagues a swap may name: the station's other members not
    rostered that day (one rota read over the days to come); past days get none."""
    ahead = [d for d in days if d["status"] in ("open", "upcoming")]
    for d in days:
        d["substitutes"] = []
    mates = {c["station_id"]: c["deputies"] for c in colleagues}
    if not ahead or not mates:
        return
    slots, _ = rota_slots(
        start=min(d["date"] for d in ahead),
        end=max(d["date"] for d in ahead),
        station_ids=mates,
    )
    rostered = {(s.station_id, s.deputy_id, s.day) for s in slots}
    for d in ahead:
        station = d["station_id"]
        d["substitutes"] = [
            m for m in mates.get(station, []) if (station, m["id"], d["date"]) not in rostered
        ]


def _colleagues(deputy) -> list[dict]:
    """Each current station's other current members (one query)."""
    mine = StationMembership.objects.filter(deputy=deputy, until__isnull=True).values("station_id")
    rows = (
        StationMembership.objects.filter(station_id__in=mine, until__isnull=True)
        .exclude(deputy=deputy)
        .order_by("station_id", "deputy__name")
        .values_list("station_id", "deputy_id", "deputy__name")
    )
    found: dict[int, list[dict]] = {}
    for station_id, deputy_id, name in rows:
        found.setdefault(station_id, []).append({"id": deputy_id, "name": name})
    return [{"station_id": s, "deputies": d} for s, d in found.items()]


class MyDutyApi(MobileApi):
    OutputSerializer = MyDutyOutput

    @extend_schema(
        operation_id="me_duty",
        tags=["me"],
        parameters=[OpenApiParameter("year", int, description="Default: this year.")],
        responses={200: MyDutyOutput, 400: ERROR, 401: ERROR, 403: ERROR},
        description="The deputy's rostered duty days of the year (and those to come) with "
        "their status, the tally per station, their leave and swap requests, and the "
        "colleagues a swap may name.",
    )
    def get(self, request):
        deputy = self.deputy()
        year = _year(request.query_params.get("year"))
        data = deputy_attendance(deputy=deputy, year=year, with_days=True)
        data["requests"] = deputy_duty_requests(deputy=deputy)
        data["colleagues"] = _colleagues(deputy)
        _with_substitutes(data["days"], data["colleagues"])
        return Response(self.OutputSerializer(data).data)


class DutyRequestInput(serializers.Serializer):
    kind = StrictChoiceField(choices=DutyRequestKind.values)
    station_id = StrictIntegerField(min_value=1, max_value=2**62)
    date = StrictCharField(max_length=10, help_text="YYYY-MM-DD: a rostered day not over")
    reason = StrictCharField(max_length=500)
    substitute_id = StrictIntegerField(
        min_value=1, max_value=2**62, required=False, allow_null=True
    )


class MyDutyRequestsApi(MobileApi):
    InputSerializer = DutyRequestInput

    def get_throttles(self):
        self.throttle_scope = "write" if self.request.method == "POST" else "read"
        return super().get_throttles()

    @extend_schema(
        operation_id="me_duty_requests",
        tags=["me"],
        responses={200: DutyRequestOutput(many=True), 401: ERROR, 403: ERROR},
    )
    def get(self, request):
        rows = deputy_duty_requests(deputy=self.deputy())
        return Response(DutyRequestOutput(rows, many=True).data)

    @extend_schema(
        operation_id="me_duty_requests_create",
        tags=["me"],
        request=InputSerializer,
        responses={201: DutyRequestOutput, 409: ERROR, 403: ERROR, **COMMON_ERRORS},
        description="Ask leave (kind leave) or hand the day to a colleague (kind swap, "
        "substitute_id) for a day you are rostered; staff decide.",
    )
    def post(self, request):
        data = self.validated(self.InputSerializer)
        row = duty_request_create(deputy=self.deputy(), body=dict(data))
        return Response(DutyRequestOutput(duty_request_json(row)).data, status=201)


class MyDutyRequestWithdrawApi(MobileApi):
    throttle_scope = "write"

    @extend_schema(
        operation_id="me_duty_requests_withdraw",
        tags=["me"],
        request=None,
        responses={200: DutyRequestOutput, 409: ERROR, 403: ERROR, **COMMON_ERRORS},
        description="Withdraw your own pending request.",
    )
    def post(self, request, request_id: int):
        row = duty_request_withdraw(deputy=self.deputy(), request_id=request_id)
        return Response(DutyRequestOutput(duty_request_json(row)).data)


class DeliberationActionOutput(serializers.Serializer):
    text = serializers.CharField()
    owner = serializers.CharField()
    due_on = serializers.DateField()
    status = serializers.ChoiceField(choices=ActionStatus.choices)
    overdue = serializers.BooleanField()


class MyDeliberationOutput(serializers.Serializer):
    id = serializers.IntegerField()
    station = RefOutput()
    date = serializers.DateField()
    opens_at = serializers.CharField(help_text="HH:MM")
    place = serializers.CharField()
    status = serializers.ChoiceField(choices=DeliberationStatus.choices)
    upcoming = serializers.BooleanField(help_text="Today or later (Asia/Shanghai)")
    notice_sent = serializers.BooleanField(help_text="The three-day notice has gone out")
    topics = serializers.ListField(child=serializers.CharField(), help_text="The chosen topics")
    actions = DeliberationActionOutput(many=True)


class MyDeliberationsOutput(serializers.Serializer):
    results = MyDeliberationOutput(many=True)


class MyDeliberationsApi(MobileApi):
    OutputSerializer = MyDeliberationsOutput

    @extend_schema(
        operation_id="me_deliberations",
        tags=["me"],
        responses={200: MyDeliberationsOutput, 401: ERROR, 403: ERROR},
        description="The deliberation days (议事) the deputy takes part in: those to come, "
        "soonest first, then the last year's, newest first; chosen topics and action items.",
    )
    def get(self, request):
        rows = deputy_deliberations(deputy=self.deputy())
        return Response(self.OutputSerializer({"results": rows}).data)
