"""Typed response shapes of `me`, `me/cells` and `stations/nearby` for the OpenAPI schema.

These views build their JSON from selectors directly (one dict per row, no serializer pass);
the shapes here declare exactly that JSON, and tests/mobile_api/test_schemathesis.py checks
every real response against them (response_schema_conformance), so they cannot drift.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

_LON_LAT = {
    "type": "array",
    "items": {"type": "number"},
    "minItems": 2,
    "maxItems": 2,
    "description": "[lon, lat], WGS-84, 6 decimals",
}


@extend_schema_field(
    {
        "type": "object",
        "nullable": True,
        "description": "GeoJSON Point (RFC 7946), WGS-84.",
        "properties": {"type": {"type": "string", "enum": ["Point"]}, "coordinates": _LON_LAT},
        "required": ["type", "coordinates"],
    }
)
class PointOutputField(serializers.JSONField):
    pass


@extend_schema_field(
    {
        "type": "object",
        "description": "GeoJSON MultiPolygon (RFC 7946): exterior rings counter-clockwise, "
        "holes clockwise, WGS-84.",
        "properties": {
            "type": {"type": "string", "enum": ["MultiPolygon"]},
            "coordinates": {
                "type": "array",
                "items": {"type": "array", "items": {"type": "array", "items": _LON_LAT}},
            },
        },
        "required": ["type", "coordinates"],
    }
)
class MultiPolygonOutputField(serializers.JSONField):
    pass


# --- me ------------------------------------------------------------------------------------------


class MeUserOutput(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()


class MeDeputyOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    adcode = serializers.CharField()
    county_adcode = serializers.CharField()


class RegionRefOutput(serializers.Serializer):
    adcode = serializers.CharField()
    name = serializers.CharField()


class MeMandateOutput(serializers.Serializer):
    level = serializers.CharField()
    status = serializers.CharField()
    term_number = serializers.IntegerField()
    term_start = serializers.DateField()
    term_end = serializers.DateField()
    congress = RegionRefOutput()
    district = RegionRefOutput(allow_null=True)


class MeStationOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()
    address = serializers.CharField()
    location = PointOutputField()
    geofence_radius_m = serializers.IntegerField()
    duty_rule = serializers.JSONField(
        allow_null=True,
        help_text="kind (day_digit, nth_weekday, half_month, weekdays, dates) with its fields "
        "(digit; nth, weekday; month_day; weekdays; dates), opens_at, closes_at (HH:MM), "
        "holiday_policy (held, moved, skipped) and text (the rule in words)",
    )
    on_duty_today = serializers.BooleanField()
    next_duty_date = serializers.DateField(allow_null=True)
    role = serializers.CharField()


class DutyStationOutput(serializers.Serializer):
    station_id = serializers.IntegerField()
    station_name = serializers.CharField()


class MeTodayOutput(serializers.Serializer):
    date = serializers.DateField()
    on_duty_at = DutyStationOutput(many=True)


class MeProgressOutput(serializers.Serializer):
    """backend.reporting.selectors.deputy_year_progress."""

    year = serializers.IntegerField()
    households_visited = serializers.IntegerField(
        help_text="Verified: distinct households of visits without a pending flag; counts "
        "toward the target."
    )
    households_pending = serializers.IntegerField(
        help_text="Pending (待核实): households reached only by visits flagged future, stale, "
        "mock_location, too_fast or clustered; not counted toward the target."
    )
    households_target = serializers.IntegerField()
    target_reached = serializers.BooleanField(help_text="households_visited >= target.")
    visits = serializers.IntegerField(help_text="All visits this year, verified and pending.")
    visits_verified = serializers.IntegerField(help_text="Visits without a pending flag.")
    visits_pending = serializers.IntegerField(help_text="Visits with a pending flag.")
    checkins = serializers.IntegerField(
        help_text="Verified duty attendance: inside the geofence, not flagged mock_location, "
        "future or stale."
    )
    checkins_pending = serializers.IntegerField(
        help_text="Inside the geofence but flagged mock_location, future or stale."
    )
    checkins_outside = serializers.IntegerField(
        help_text="Outside the geofence: stored, not counted as attendance."
    )
    opinions = serializers.IntegerField()


class UpcomingDutyOutput(serializers.Serializer):
    date = serializers.DateField()
    station_id = serializers.IntegerField()
    station_name = serializers.CharField()
    opens_at = serializers.CharField(help_text="HH:MM")
    closes_at = serializers.CharField(help_text="HH:MM")


class DutyTallyOutput(serializers.Serializer):
    station_id = serializers.IntegerField()
    station_name = serializers.CharField()
    scheduled = serializers.IntegerField()
    present = serializers.IntegerField()
    excused = serializers.IntegerField(help_text="approved leave (请假)")
    absent = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True)


class MeDutyOutput(serializers.Serializer):
    year = serializers.IntegerField()
    scheduled = serializers.IntegerField(help_text="rostered duty days of the year")
    present = serializers.IntegerField()
    excused = serializers.IntegerField(help_text="approved leave (请假)")
    absent = serializers.IntegerField()
    open = serializers.IntegerField(help_text="today's duty days without a check-in yet")
    upcoming = UpcomingDutyOutput(many=True)
    rate = serializers.FloatField(allow_null=True, help_text="present / (present + absent)")
    stations = DutyTallyOutput(many=True)


class NextDeliberationOutput(serializers.Serializer):
    id = serializers.IntegerField()
    date = serializers.DateField()
    opens_at = serializers.CharField(help_text="HH:MM")
    station_name = serializers.CharField()
    place = serializers.CharField()


class MeCampaignRegionOutput(serializers.Serializer):
    adcode = serializers.CharField()
    name = serializers.CharField()


class MeCampaignOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    region = MeCampaignRegionOutput()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    visits = serializers.IntegerField(help_text="My verified visits in its region and period")
    people = serializers.IntegerField()
    households = serializers.IntegerField(help_text="Distinct households (the record's rule)")
    target_households = serializers.IntegerField(allow_null=True, help_text="My share")
    pct = serializers.FloatField(allow_null=True)
    band = serializers.ChoiceField(choices=["met", "on_track", "behind", "none"])


class MeOutput(serializers.Serializer):
    user = MeUserOutput()
    deputy = MeDeputyOutput()
    mandates = MeMandateOutput(many=True)
    stations = MeStationOutput(many=True)
    today = MeTodayOutput()
    progress = MeProgressOutput()
    duty = MeDutyOutput()
    next_deliberation = NextDeliberationOutput(
        allow_null=True, help_text="The next planned deliberation day (议事) the deputy attends"
    )
    campaigns = MeCampaignOutput(
        many=True, help_text="Campaigns I take part in (running, upcoming, ended < 90 days)"
    )


# --- me/cells ------------------------------------------------------------------------------------


class CellPropertiesOutput(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    households = serializers.IntegerField()
    assigned = serializers.BooleanField()
    state = serializers.ChoiceField(choices=["covered", "stale", "never"])
    last_visit_at = serializers.DateTimeField(allow_null=True, help_text="By anyone.")
    my_last_visit_at = serializers.DateTimeField(allow_null=True)


class CellFeatureOutput(serializers.Serializer):
    type = serializers.ChoiceField(choices=["Feature"])
    id = serializers.IntegerField()
    geometry = MultiPolygonOutputField()
    properties = CellPropertiesOutput()


class CellFeatureCollectionOutput(serializers.Serializer):
    type = serializers.ChoiceField(choices=["FeatureCollection"])
    features = CellFeatureOutput(many=True)


# --- stations/nearby -----------------------------------------------------------------------------


class NearbyStationOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()
    address = serializers.CharField()
    location = PointOutputField()
    distance_m = serializers.FloatField(help_text="Geodesic metres, 0.1 m.")
    geofence_radius_m = serializers.IntegerField()


class NearbyStationsOutput(serializers.Serializer):
    results = NearbyStationOutput(many=True)


def page_of(output_class: type[serializers.Serializer]) -> serializers.Serializer:
    """The schema of one MobilePagination page of `output_class` (what `paginated` answers)."""

    class Page(serializers.Serializer):
        count = serializers.IntegerField()
        next = serializers.URLField(allow_null=True)
        previous = serializers.URLField(allow_null=True)
        results = output_class(many=True)

    Page.__name__ = f"Paginated{output_class.__name__}List"
    return Page()
