"""The deputy's own performance record (履职档案) and points (积分), and contesting a line."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from backend.core import error_codes as codes
from backend.core.errors import DomainError
from backend.performance.items import Item
from backend.performance.models import DisputeStatus
from backend.performance.selectors import (
    MAX_YEAR,
    MIN_YEAR,
    deputy_record,
    dispute_json,
    dispute_list,
)
from backend.performance.services import dispute_open

from ..fields import StrictCharField, StrictIntegerField
from ..serializers import StrictChoiceField
from .base import COMMON_ERRORS, ERROR, MobileApi


class RecordRowOutput(serializers.Serializer):
    item = serializers.ChoiceField(choices=Item.choices)
    label = serializers.CharField()  # type: ignore[assignment]  # a declared field, not Field.label
    category = serializers.CharField()
    verified = serializers.IntegerField()
    pending = serializers.IntegerField(help_text="Not yet verified (待核实); earns nothing.")
    target = serializers.IntegerField(allow_null=True)
    met = serializers.BooleanField(allow_null=True)


class RuleOutput(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True, help_text="null: the built-in default")
    item = serializers.CharField()
    points = serializers.IntegerField()
    cap = serializers.IntegerField(allow_null=True)
    period = serializers.CharField()
    effective_from = serializers.DateField()


class LineDisputeOutput(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=DisputeStatus.choices)


class LineOutput(serializers.Serializer):
    source = serializers.CharField()  # type: ignore[assignment]  # a declared field, not Field.source
    ref = serializers.IntegerField()
    item = serializers.CharField()
    category = serializers.CharField()
    day = serializers.DateField()
    quantity = serializers.IntegerField()
    label = serializers.CharField()  # type: ignore[assignment]  # a declared field, not Field.label
    rule = RuleOutput()
    raw_points = serializers.IntegerField()
    points = serializers.IntegerField()
    capped = serializers.BooleanField()
    dispute = LineDisputeOutput(allow_null=True)


class PointsOutput(serializers.Serializer):
    total = serializers.IntegerField()
    by_category = serializers.DictField(child=serializers.IntegerField())
    lines = LineOutput(many=True)


class RecordDeputyOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    adcode = serializers.CharField()


class RecordOutput(serializers.Serializer):
    year = serializers.IntegerField()
    deputy = RecordDeputyOutput()
    record = RecordRowOutput(many=True)
    points = PointsOutput()


class HistoryOutput(serializers.Serializer):
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    by = serializers.CharField(allow_null=True)
    at = serializers.DateTimeField()
    note = serializers.CharField()


class DisputeOutput(serializers.Serializer):
    id = serializers.IntegerField()
    source = serializers.CharField()  # type: ignore[assignment]  # a declared field, not Field.source
    ref = serializers.IntegerField()
    item = serializers.CharField()
    reason = serializers.CharField()
    status = serializers.ChoiceField(choices=DisputeStatus.choices)
    adjusted_points = serializers.IntegerField(allow_null=True)
    history = HistoryOutput(many=True)


def _year(raw: str | None) -> int:
    if raw is None or raw == "":
        return timezone.localdate().year
    if not raw.isdigit() or not MIN_YEAR <= int(raw) <= MAX_YEAR:
        raise DomainError(codes.RECORD_INVALID_YEAR)
    return int(raw)


class MyRecordApi(MobileApi):
    OutputSerializer = RecordOutput

    @extend_schema(
        operation_id="me_record",
        tags=["me"],
        parameters=[OpenApiParameter("year", int, description="Default: this year.")],
        responses={200: RecordOutput, 400: ERROR, 401: ERROR, 403: ERROR},
        description="The deputy's record of the year against the county's targets (the "
        "12345 set by default) and their points, every line naming its event "
        "(source, ref, item) and the rule that priced it.",
    )
    def get(self, request):
        data = deputy_record(deputy=self.deputy(), year=_year(request.query_params.get("year")))
        return Response(self.OutputSerializer(data).data)


class MyDisputesApi(MobileApi):
    class InputSerializer(serializers.Serializer):
        year = StrictIntegerField(min_value=MIN_YEAR, max_value=MAX_YEAR)
        source = StrictCharField(max_length=16)  # type: ignore[assignment]  # a declared field
        ref = StrictIntegerField(min_value=1, max_value=2**62)
        item = StrictChoiceField(choices=Item.choices)
        reason = StrictCharField(max_length=500)

    def get_throttles(self):
        self.throttle_scope = "write" if self.request.method == "POST" else "read"
        return super().get_throttles()

    @extend_schema(
        operation_id="me_disputes",
        tags=["me"],
        responses={200: DisputeOutput(many=True), 401: ERROR, 403: ERROR},
    )
    def get(self, request):
        return Response(
            DisputeOutput(dispute_list(jurisdiction=self.jurisdiction()), many=True).data
        )

    @extend_schema(
        operation_id="me_disputes_create",
        tags=["me"],
        request=InputSerializer,
        responses={201: DisputeOutput, 409: ERROR, 403: ERROR, **COMMON_ERRORS},
        description="Contest one line of the year's points; staff resolve it.",
    )
    def post(self, request):
        data = self.validated(self.InputSerializer)
        dispute = dispute_open(
            deputy=self.deputy(), actor=request.user, year=data.pop("year"), fields=data
        )
        return Response(DisputeOutput(dispute_json(dispute)).data, status=201)
