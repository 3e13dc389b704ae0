"""The map data API's input and output serializers (the OpenAPI schema is built from them).

Inputs validate query parameters and bodies through the parsers of map_ui.data.params (each
bad value keeps its own code). Outputs shape every JSON answer; the GeoJSON answers are built in
SQL (backend.coverage.selectors.geojson) and only described here.
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from backend.core import error_codes as codes
from backend.core.errors import DomainError
from backend.coverage.windows import window_of
from backend.grid.selectors import MAX_CELLS_PER_REQUEST
from backend.opinions.models import OpinionStatus

from .base import IdsParam, IntParam, NumberParam, TextParam
from .body import text_field
from .params import (
    adcode_param,
    bbox_param,
    category_param,
    choice_param,
    eps_m_param,
    ids_param,
    int_param,
    min_points_param,
)

MAX_SUGGESTION_CELLS = 50
MAX_OPINIONS_PER_PAGE = 200
ROLLUPS = ("township", "county", "station", "deputy")
CELL_STATES = ("covered", "stale", "never")


def _days(raw) -> int:
    """`days` (1..730, default 90): the window is built by the view (it reads the clock)."""
    return window_of(raw).days


def _region(raw) -> str | None:
    """`region`: an adcode; absent is None (the view defaults to the caller's jurisdiction)."""
    return adcode_param(raw) if raw else None


def _choice(choices, code, message):
    return lambda raw: choice_param(raw, choices=choices, code=code, message=message)


# --- inputs ----------------------------------------------------------------------------------


class WindowInput(serializers.Serializer):
    days = IntParam(_days, help_text="The window in days ending today (1-730, default 90).")


class RegionStatsInput(WindowInput):
    outline = TextParam(
        _choice(("0", "1"), codes.MAP_INVALID_OUTLINE, _("outline must be 0 or 1.")),
        help_text="1: add the region's outline (GeoJSON, display boundary), for the dashboard "
        "to highlight the region drilled into; 0 or absent: without.",
    )


class RegionInput(serializers.Serializer):
    region = TextParam(
        _region, help_text="An adcode (2-12 digits); default: the caller's jurisdiction."
    )


class RegionWindowInput(RegionInput, WindowInput):
    pass


class ClusterInput(WindowInput):
    category = TextParam(category_param, help_text="An opinion category.")
    eps_m = NumberParam(eps_m_param, help_text="DBSCAN radius in metres (10-5000, default 500).")
    min_points = IntParam(min_points_param, help_text="DBSCAN minimum points (2-100, default 3).")


class TileInput(ClusterInput):
    pass


class ClustersInput(RegionInput, ClusterInput):
    bbox = TextParam(bbox_param, help_text="w,s,e,n in WGS-84 degrees (at most 2,500 km²).")


class CellsInput(RegionWindowInput):
    bbox = TextParam(bbox_param, help_text="w,s,e,n in WGS-84 degrees (at most 2,500 km²).")
    state = TextParam(
        _choice(CELL_STATES, codes.MAP_INVALID_STATE, _("state must be covered, stale or never.")),
        help_text="covered, stale or never.",
    )


class GapsInput(RegionWindowInput):
    limit = IntParam(
        lambda raw: int_param(raw, name="limit", default=50, low=1, high=500),
        help_text="1-500, default 50.",
    )


class RollupsInput(RegionWindowInput):
    by = TextParam(
        _choice(
            ROLLUPS, codes.MAP_INVALID_BY, _("by must be township, county, station or deputy.")
        ),
        help_text="township (default), county, station or deputy.",
    )


class SuggestionsInput(serializers.Serializer):
    cells = TextParam(
        lambda raw: ids_param(raw, name="cells", max_count=MAX_SUGGESTION_CELLS),
        help_text="Comma-separated cell ids (at most 50).",
    )


class OpinionListInput(RegionInput):
    status = TextParam(
        _choice(OpinionStatus.values, codes.MAP_INVALID_STATUS, _("Unknown opinion status.")),
        help_text="One status (default: the open ones).",
    )
    overdue = TextParam(
        _choice(("0", "1"), codes.MAP_INVALID_OVERDUE, _("overdue must be 0 or 1.")),
        help_text="1: only the overdue ones.",
    )
    limit = IntParam(
        lambda raw: int_param(raw, name="limit", default=50, low=1, high=MAX_OPINIONS_PER_PAGE),
        help_text="1-200, default 50.",
    )
    offset = IntParam(
        lambda raw: int_param(raw, name="offset", default=0, low=0, high=10**6),
        help_text="0-1000000, default 0.",
    )


def _body_cells(raw) -> list[int]:
    if not isinstance(raw, list):
        raise DomainError(
            codes.MAP_INVALID_CELLS, _("%(name)s must be a list of ids.") % {"name": "cells"}
        )
    return ids_param(raw, name="cells", max_count=MAX_CELLS_PER_REQUEST)


def _text(name: str, **details):
    return lambda raw: text_field({name: raw}, name, **details)


class AssignmentsInput(serializers.Serializer):
    """The body of POST assignments."""

    cells = IdsParam(_body_cells, help_text="Cell ids (a JSON list, at most 500).")
    deputy = IntParam(
        lambda raw: ids_param([raw], name="deputy", max_count=1)[0], help_text="A deputy's id."
    )
    reason = TextParam(_text("reason"), help_text="Why (at most 200 characters).")


class TransitionInput(serializers.Serializer):
    """The body of POST opinions/{id}/transitions (which fields an action needs: docs)."""

    action = TextParam(
        lambda raw: text_field({"action": raw}, "action", required=True, field="action"),
        help_text="forward, accept, answer, rate, close, extend, reopen, ...",
    )
    handler = TextParam(_text("handler", field="handler"))
    reason = TextParam(_text("reason", field="reason"))
    answer = TextParam(_text("answer", field="answer"))
    note = TextParam(_text("note", field="note"))
    rating = IntParam(lambda raw: raw, help_text="1-5 (the rate action); checked by the loop.")
    department = IntParam(
        lambda raw: raw, help_text="A Department id of the opinion's county (forward, refer)."
    )
    duplicate_of = IntParam(lambda raw: raw, help_text="The canonical case's id (link).")


# --- outputs ---------------------------------------------------------------------------------


class BboxField(serializers.ListField):
    child = serializers.FloatField()


class TileJsonLayerOutput(serializers.Serializer):
    id = serializers.CharField()
    minzoom = serializers.IntegerField()
    maxzoom = serializers.IntegerField()


# TileJSON names a layer's attributes `fields`, which is a Serializer's own attribute: declared
# after the class is built (the key and the schema are the same as a class attribute's).
TileJsonLayerOutput._declared_fields["fields"] = serializers.DictField(
    child=serializers.CharField(), help_text="attribute name → type"
)


class TileJsonOutput(serializers.Serializer):
    tilejson = serializers.CharField()
    name = serializers.CharField()
    scheme = serializers.CharField()
    tiles = serializers.ListField(child=serializers.CharField())
    minzoom = serializers.IntegerField()
    maxzoom = serializers.IntegerField()
    bounds = BboxField(allow_null=True)
    vector_layers = TileJsonLayerOutput(many=True)


class RegionChildOutput(serializers.Serializer):
    """A region's coverage in one row (a child of the region shown)."""

    adcode = serializers.CharField()
    name = serializers.CharField()
    level = serializers.CharField()
    bbox = BboxField(allow_null=True)
    cells = serializers.IntegerField()
    covered = serializers.IntegerField()
    coverage_pct = serializers.FloatField()
    households_visited = serializers.IntegerField()


class RegionLeagueRowOutput(RegionChildOutput):
    """A child region's row in the league table: its rank (best coverage first) and colour band,
    and where the map writes its name (a point inside its boundary)."""

    name_at = serializers.ListField(
        child=serializers.FloatField(), min_length=2, max_length=2, allow_null=True
    )

    rank = serializers.IntegerField()
    band = serializers.ChoiceField(choices=["met", "behind", "low"])


class RegionStatsOutput(RegionChildOutput):
    """The stats panel of a region: a child's row, and the totals below."""

    stale = serializers.IntegerField()
    never = serializers.IntegerField()
    households = serializers.IntegerField()
    deputies = serializers.IntegerField()
    deputies_active = serializers.IntegerField()
    target_households = serializers.IntegerField()
    children = RegionLeagueRowOutput(many=True)
    outline = serializers.JSONField(
        required=False, help_text="GeoJSON MultiPolygon (only with outline=1; null without one)"
    )


class RegionOverdueOutput(serializers.Serializer):
    """What is past its deadline under a region (the dashboard's overdue badge)."""

    region = serializers.CharField(help_text="adcode")
    opinions = serializers.IntegerField(help_text="Open opinions past their deadline")
    actions = serializers.IntegerField(
        help_text="Open action items of deliberation days (议事) past their deadline"
    )


class GapOutput(serializers.Serializer):
    cell_id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    households = serializers.IntegerField()
    state = serializers.CharField()
    days_since_visit = serializers.IntegerField(allow_null=True)
    open_opinions = serializers.IntegerField()
    score = serializers.IntegerField()


class GapsOutput(serializers.Serializer):
    results = GapOutput(many=True)


class SuggestionOutput(serializers.Serializer):
    deputy_id = serializers.IntegerField()
    name = serializers.CharField()
    station_id = serializers.IntegerField(allow_null=True)
    station_name = serializers.CharField(allow_null=True)
    distance_m = serializers.FloatField(allow_null=True)
    station_distance_m = serializers.FloatField(allow_null=True)
    in_district = serializers.BooleanField()
    cells_assigned = serializers.IntegerField()
    households_to_visit = serializers.IntegerField()
    reason = serializers.CharField()


class CellSuggestionsOutput(serializers.Serializer):
    cell_id = serializers.IntegerField()
    code = serializers.CharField()
    suggestions = SuggestionOutput(many=True)


class SuggestionsOutput(serializers.Serializer):
    cells = CellSuggestionsOutput(many=True)


class AssignmentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    cell_id = serializers.IntegerField()
    deputy_id = serializers.IntegerField()
    status = serializers.CharField()
    created = serializers.BooleanField()


class AssignmentsOutput(serializers.Serializer):
    assignments = AssignmentOutput(many=True)


class RollupRowOutput(serializers.Serializer):
    """One row: a township/county (adcode), a station (id, kind) or a deputy (id, last_visit)."""

    id = serializers.IntegerField(required=False)
    adcode = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField(required=False)
    cells = serializers.IntegerField(required=False)
    cells_assigned = serializers.IntegerField(required=False)
    covered = serializers.IntegerField()
    stale = serializers.IntegerField(required=False)
    never = serializers.IntegerField(required=False)
    households = serializers.IntegerField()
    households_visited = serializers.IntegerField()
    visits = serializers.IntegerField(required=False)
    coverage_pct = serializers.FloatField(required=False)
    last_visit = serializers.CharField(required=False, allow_null=True)
    active = serializers.BooleanField(required=False)


class RollupsOutput(serializers.Serializer):
    by = serializers.CharField()
    days = serializers.IntegerField()
    results = RollupRowOutput(many=True)


class HistoryStepOutput(serializers.Serializer):
    at = serializers.CharField()
    action = serializers.CharField()
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    rating = serializers.IntegerField(allow_null=True)
    note = serializers.CharField()
    by = serializers.CharField(allow_null=True)


class OpinionRowOutput(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    category = serializers.CharField()
    text = serializers.CharField()
    recorded_at = serializers.CharField()
    due_at = serializers.CharField(allow_null=True)
    handler = serializers.CharField()
    level = serializers.CharField(help_text="deputy, township, county, city or blank.")
    department_id = serializers.IntegerField(allow_null=True)
    answer = serializers.CharField()
    rating = serializers.IntegerField(allow_null=True)
    adcode = serializers.CharField()
    county_adcode = serializers.CharField()
    cell_id = serializers.IntegerField(allow_null=True)
    cell_code = serializers.CharField(allow_null=True)
    deputy_id = serializers.IntegerField(allow_null=True)
    deputy_name = serializers.CharField(allow_null=True)
    contact_consent = serializers.BooleanField()
    citizen_contact = serializers.CharField(help_text="Masked, e.g. *******1234.")
    overdue = serializers.BooleanField()
    sla = serializers.CharField(allow_null=True, help_text="overdue, due_soon, on_time or null.")


class SimilarOutput(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    text = serializers.CharField()
    recorded_at = serializers.CharField()
    distance_m = serializers.IntegerField()


class OpinionDetailOutput(OpinionRowOutput):
    station_name = serializers.CharField(allow_null=True)
    lon = serializers.FloatField(allow_null=True)
    lat = serializers.FloatField(allow_null=True)
    calendar_covered = serializers.BooleanField()
    rating_via = serializers.CharField(allow_null=True)
    duplicate_of_id = serializers.IntegerField(allow_null=True)
    similar = SimilarOutput(many=True, required=False)
    history = HistoryStepOutput(many=True)


class OpinionCountsOutput(serializers.Serializer):
    overdue = serializers.IntegerField()


class OpinionListOutput(serializers.Serializer):
    count = serializers.IntegerField()
    counts = serializers.DictField(
        child=serializers.IntegerField(), help_text="{status: count} and overdue."
    )
    results = OpinionRowOutput(many=True)


class FeatureCollectionOutput(serializers.Serializer):
    """A GeoJSON FeatureCollection (RFC 7946), built in SQL: features with `id`, `geometry`
    (WGS-84 lon/lat) and `properties` (listed in docs/api-map.md)."""

    type = serializers.CharField(help_text="FeatureCollection")
    features = serializers.ListField(child=serializers.DictField())


# --- station life: duty rhythms and attendance (docs/stations.md) ---------------------------


def _date(raw):
    """`from`: an ISO date; absent is None (today)."""
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(str(raw))
    except ValueError:
        raise DomainError(codes.MAP_INVALID_DATE) from None


def _month(raw):
    """`month`: YYYY-MM; absent is None (this month)."""
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(f"{raw}-01")
    except ValueError:
        raise DomainError(codes.MAP_INVALID_MONTH) from None


class RhythmInput(serializers.Serializer):
    """`from`, and optionally a rule to preview unsaved (its fields are read by
    backend.liaison.rhythm.spec_from_data)."""

    kind = TextParam(
        lambda raw: raw or None,
        help_text="Preview this rule unsaved: day_digit, nth_weekday, half_month, weekdays or "
        "dates, with digit, nth, weekday, weekdays (1,4), month_day, dates (ISO, comma "
        "separated), opens_at, closes_at, holiday_policy.",
    )


# `from` is a keyword: declared after the class body.
RhythmInput._declared_fields["from"] = TextParam(
    _date, help_text="First day (YYYY-MM-DD); default today."
)


class RhythmSaveInput(serializers.Serializer):
    rule = serializers.JSONField(
        help_text="{kind, digit, nth, weekday, weekdays, month_day, dates, opens_at, closes_at, "
        "holiday_policy}, or null to remove the rule"
    )


class AttendanceInput(serializers.Serializer):
    month = TextParam(_month, help_text="YYYY-MM; default this month.")
