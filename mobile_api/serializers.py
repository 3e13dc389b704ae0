"""Input and output shapes shared by several phone-API operations.

Inputs use the strict hand-written fields of mobile_api.fields; coordinates are converted from
the declared `crs` to WGS-84 here, at the edge (gis_data.crs), and never again.
"""

from __future__ import annotations

from typing import cast

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from backend.core import error_codes as codes
from backend.opinions.models import OpinionCategory
from backend.opinions.services import ALLOWED_FROM, MAX_TEXT_LENGTH
from backend.visits.models import VisitKind
from gis_data.crs import to_wgs84

from .fields import (
    AwareDateTimeField,
    CRSField,
    GeoJSONPointField,
    StrictBooleanField,
    StrictCharField,
    StrictFloatField,
    StrictIntegerField,
    StrictUUIDField,
    fail,
)

MAX_ACCURACY_M = 100_000.0
MAX_HOUSEHOLDS_PER_VISIT = 500


class StrictChoiceField(serializers.ChoiceField):
    def to_internal_value(self, data):
        if not isinstance(data, str) or data not in self.choices:
            raise fail(
                codes.CHOICE_INVALID,
                _("Not one of the allowed values: %(values)s.")
                % {"values": ", ".join(map(str, self.choices))},
            )
        return data


class LocatedInput(serializers.Serializer):
    """Adds `lon`/`lat` (WGS-84) to validated data from `location` + `crs`."""

    def validate(self, attrs):
        location = attrs.pop("location", None)
        crs = attrs.pop("crs", None) or self.context.get("crs") or "wgs84"
        if location is not None:
            lon, lat = to_wgs84(location[0], location[1], crs)
            attrs["lon"], attrs["lat"] = float(lon), float(lat)
        attrs["crs"] = crs
        return attrs


class VisitRecordInput(LocatedInput):
    client_uuid = StrictUUIDField(
        help_text="Generated on the phone when the visit is recorded; the same uuid on every retry."
    )
    kind = StrictChoiceField(choices=VisitKind.choices)
    location = GeoJSONPointField()
    crs = CRSField(required=False, help_text="Overrides the batch's crs for this record.")
    accuracy_m = StrictFloatField(
        min_value=0,
        max_value=MAX_ACCURACY_M,
        required=False,
        allow_null=True,
        help_text="Horizontal accuracy in metres.",
    )
    recorded_at = AwareDateTimeField()
    households = StrictIntegerField(
        min_value=0, max_value=MAX_HOUSEHOLDS_PER_VISIT, required=False, default=1
    )
    household_ref = StrictCharField(
        max_length=64,
        required=False,
        allow_blank=True,
        default="",
        help_text="Opaque household reference (e.g. a house number); stored only as a keyed hash.",
    )
    notes = StrictCharField(max_length=2000, required=False, allow_blank=True, default="")
    mock_location = StrictBooleanField(required=False, default=False)


class VisitSyncInput(serializers.Serializer):
    """Documentation shape of POST visits/sync (records are validated one by one)."""

    crs = CRSField(required=False)
    records = VisitRecordInput(many=True)


class IngestResultOutput(serializers.Serializer):
    index = serializers.IntegerField()
    client_uuid = serializers.UUIDField(allow_null=True)
    status = serializers.ChoiceField(choices=["created", "duplicate", "conflict", "rejected"])
    id = serializers.IntegerField(allow_null=True)
    cell_id = serializers.IntegerField(allow_null=True)
    flags = serializers.ListField(child=serializers.CharField())
    # A field named like Serializer.errors: it is this output's own key (per-field errors).
    errors = serializers.DictField(required=False, child=serializers.DictField())  # type: ignore[assignment]


class VisitSyncOutput(serializers.Serializer):
    results = IngestResultOutput(many=True)
    summary = serializers.DictField(child=serializers.IntegerField())


def point_json(point) -> dict | None:
    if point is None:
        return None
    return {"type": "Point", "coordinates": [round(point.x, 6), round(point.y, 6)]}


class CellRefOutput(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class VisitOutput(serializers.Serializer):
    id = serializers.IntegerField()
    client_uuid = serializers.UUIDField()
    kind = serializers.CharField()
    location = serializers.SerializerMethodField()
    accuracy_m = serializers.FloatField(allow_null=True)
    recorded_at = serializers.DateTimeField()
    received_at = serializers.DateTimeField()
    households = serializers.IntegerField()
    notes = serializers.CharField()
    mock_location = serializers.BooleanField()
    cell = CellRefOutput(allow_null=True)
    adcode = serializers.CharField()
    flags = serializers.ListField(child=serializers.CharField())

    def get_location(self, obj) -> dict:
        return cast(dict, point_json(obj.location))  # a visit's or check-in's location is set


class CheckInInput(LocatedInput):
    client_uuid = StrictUUIDField()
    station_id = StrictIntegerField(min_value=1, max_value=2**62)
    location = GeoJSONPointField()
    crs = CRSField(required=False)
    accuracy_m = StrictFloatField(
        min_value=0, max_value=MAX_ACCURACY_M, required=False, allow_null=True
    )
    recorded_at = AwareDateTimeField()
    mock_location = StrictBooleanField(required=False, default=False)


class StationRefOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    geofence_radius_m = serializers.IntegerField()


class CheckInOutput(serializers.Serializer):
    id = serializers.IntegerField()
    client_uuid = serializers.UUIDField()
    station = StationRefOutput()
    location = serializers.SerializerMethodField()
    accuracy_m = serializers.FloatField(allow_null=True)
    distance_m = serializers.SerializerMethodField()
    inside_geofence = serializers.BooleanField()
    recorded_at = serializers.DateTimeField()
    flags = serializers.ListField(child=serializers.CharField())

    def get_location(self, obj) -> dict:
        return cast(dict, point_json(obj.location))  # a visit's or check-in's location is set

    def get_distance_m(self, obj) -> float:
        return round(obj.distance_m, 1)


class OpinionInput(LocatedInput):
    client_uuid = StrictUUIDField()
    category = StrictChoiceField(choices=OpinionCategory.choices)
    text = StrictCharField(max_length=4000, min_length=1)
    location = GeoJSONPointField(required=False, allow_null=True)
    crs = CRSField(required=False)
    visit_id = StrictIntegerField(min_value=1, max_value=2**62, required=False, allow_null=True)
    contact_consent = StrictBooleanField(required=False, default=False)
    citizen_contact = StrictCharField(
        max_length=30,
        required=False,
        allow_blank=True,
        default="",
        help_text="Only with contact_consent; always returned masked.",
    )
    recorded_at = AwareDateTimeField()


class OpinionOutput(serializers.Serializer):
    """Reads a backend.opinions.selectors.FieldOpinion (contact masked there, never here)."""

    id = serializers.IntegerField()
    client_uuid = serializers.UUIDField()
    category = serializers.CharField()
    text = serializers.CharField()
    location = serializers.SerializerMethodField()
    cell_id = serializers.IntegerField(allow_null=True)
    visit_id = serializers.IntegerField(allow_null=True)
    status = serializers.CharField()
    recorded_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField(allow_null=True)
    contact_consent = serializers.BooleanField()
    citizen_contact = serializers.CharField(
        help_text="Masked, e.g. *******1234 (by the selector: backend.opinions.selectors)."
    )
    handler = serializers.CharField(
        allow_blank=True, help_text="The department handling it; blank until forwarded."
    )
    answer = serializers.SerializerMethodField(
        help_text="The answer given to the citizen; null until answered."
    )
    rating = serializers.IntegerField(
        allow_null=True, help_text="The citizen's rating (1-5); null until rated."
    )
    can_answer = serializers.SerializerMethodField(
        help_text="Whether the status allows the deputy's answer (POST opinions/{id}/answer)."
    )

    def get_location(self, obj) -> dict | None:
        return point_json(obj.location)

    def get_answer(self, obj) -> str | None:
        return obj.answer or None

    def get_can_answer(self, obj) -> bool:
        # The loop's own table decides (backend.opinions.services), not a copy of it.
        return obj.status in ALLOWED_FROM["answer"]


class OpinionAnswerInput(serializers.Serializer):
    answer = StrictCharField(
        max_length=MAX_TEXT_LENGTH, help_text="The answer given to the citizen (zh-hans text)."
    )
