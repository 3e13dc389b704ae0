"""The station-life operations of the map data API: station health and the league table,
deliberation days (list, plan, detail,
topics, choice, record, action items and their follow-up), cross-province links (list with
cadence, detail, joint activities, cross-border problems). HTTP only: each parses, calls one
selector or service of backend.stationlife, responds. See docs/stations.md."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest, JsonResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers

from backend.accounts.access import jurisdiction_of
from backend.accounts.jurisdiction import Jurisdiction
from backend.core import error_codes as codes
from backend.core.body import json_body
from backend.core.errors import DomainError
from backend.regions.access import access_region_by_adcode
from backend.stationlife import health, selectors, services
from backend.stationlife.models import ActivityKind

from .base import READ_ERRORS, WRITE_ERRORS, IntParam, MapApi, TextParam
from .params import adcode_param

TAGS = ["station life"]
IDS = serializers.ListField(child=serializers.IntegerField(), required=False)


def _json(data, status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})


def _id_param(raw: str | None) -> int | None:
    if raw in (None, ""):
        return None
    if not raw.isascii() or not raw.isdigit() or len(raw) > 10 or int(raw) > 2**31 - 1:
        raise DomainError(codes.STATIONLIFE_INVALID_FIELD, field="station")
    return int(raw)


def _day_param(raw: str | None) -> dt.date | None:
    if raw in (None, ""):
        return None
    try:
        day = dt.date.fromisoformat(raw) if len(raw) == 10 else None
    except ValueError:
        day = None
    if day is None or not 2000 <= day.year <= 2100:
        raise DomainError(codes.MAP_INVALID_DATE)
    return day


class DeliberationListInput(serializers.Serializer):
    station = IntParam(_id_param, help_text="Only this station's days.")


class PeriodInput(serializers.Serializer):
    to = TextParam(_day_param, help_text="Last day (YYYY-MM-DD); default today.")


# `from` is a keyword: declared after the class body.
PeriodInput._declared_fields["from"] = TextParam(
    _day_param, help_text="First day (YYYY-MM-DD); default 52 weeks before `to`."
)

PLAN_BODY = inline_serializer(
    "DeliberationPlanInput",
    fields={
        "station_id": serializers.IntegerField(),
        "date": serializers.DateField(required=False, help_text="default: the rule's next date"),
        "opens_at": serializers.CharField(required=False, help_text="HH:MM"),
        "place": serializers.CharField(required=False, max_length=200),
        "department_ids": IDS,
    },
)
TOPIC_BODY = inline_serializer(
    "DeliberationTopicInput",
    fields={
        "title": serializers.CharField(max_length=200),
        "importance": serializers.IntegerField(min_value=1, max_value=5),
        "urgency": serializers.IntegerField(min_value=1, max_value=5),
        "impact": serializers.IntegerField(min_value=1, max_value=5),
        "opinion_ids": IDS,
        "visit_ids": IDS,
    },
)
CHOOSE_BODY = inline_serializer("DeliberationChooseInput", fields={"topic_ids": IDS})
RECORD_BODY = inline_serializer(
    "DeliberationRecordInput",
    fields={
        "minutes": serializers.CharField(max_length=5000),
        "resolutions": serializers.ListField(child=serializers.CharField(), required=False),
    },
)
ACTION_BODY = inline_serializer(
    "ActionItemInput",
    fields={
        "text": serializers.CharField(max_length=5000),
        "owner": serializers.CharField(required=False, max_length=100),
        "department_id": serializers.IntegerField(required=False),
        "due_on": serializers.DateField(),
        "opinion_ids": IDS,
    },
)
FOLLOW_BODY = inline_serializer(
    "ActionItemFollowInput",
    fields={
        "note": serializers.CharField(required=False, max_length=5000),
        "done": serializers.BooleanField(required=False),
    },
)
ACTIVITY_BODY = inline_serializer(
    "JointActivityInput",
    fields={
        "kind": serializers.ChoiceField(choices=ActivityKind.values),
        "date": serializers.DateField(),
        "place": serializers.CharField(required=False, max_length=200),
        "participants_a": serializers.ListField(child=serializers.CharField(), required=False),
        "participants_b": serializers.ListField(child=serializers.CharField(), required=False),
        "summary": serializers.CharField(required=False),
        "suggestions": serializers.IntegerField(required=False, min_value=0),
        "problems_solved": serializers.IntegerField(required=False, min_value=0),
    },
)
PROBLEM_BODY = inline_serializer(
    "CrossBorderProblemInput",
    fields={
        "place_adcode": serializers.CharField(help_text="the place's adcode (either province)"),
        "place": serializers.CharField(max_length=200),
        "text": serializers.CharField(max_length=5000),
    },
)
SOLVE_BODY = inline_serializer(
    "CrossBorderSolveInput", fields={"answer": serializers.CharField(max_length=5000)}
)


def _staff(request: HttpRequest) -> Jurisdiction:
    """The caller's jurisdiction if they may write (staff, admins): checked before any body."""
    jurisdiction = jurisdiction_of(request.user).require_region_reads()
    if not jurisdiction.can_act:
        raise DomainError(codes.STATIONLIFE_NOT_ALLOWED)
    return jurisdiction


def _detail(request: HttpRequest, deliberation_id: int) -> JsonResponse:
    return _json(
        selectors.deliberation_detail(
            jurisdiction=jurisdiction_of(request.user), deliberation_id=deliberation_id
        )
    )


class DeliberationsApi(MapApi):
    methods = ("GET", "POST")

    @extend_schema(
        operation_id="map_deliberations_list",
        tags=TAGS,
        parameters=[DeliberationListInput],
        responses={200: OpenApiTypes.OBJECT, **READ_ERRORS},
        description="Deliberation days (议事) inside the caller's jurisdiction, newest first.",
    )
    def get(self, request) -> JsonResponse:
        query = self.params(DeliberationListInput)
        jurisdiction = jurisdiction_of(request.user).require_region_reads()
        rows = selectors.deliberation_list(jurisdiction=jurisdiction, station_id=query["station"])
        return _json(
            {
                "overdue_actions": selectors.overdue_action_count(jurisdiction=jurisdiction),
                "results": rows,
            }
        )

    @extend_schema(
        operation_id="map_deliberations_plan",
        tags=TAGS,
        request=PLAN_BODY,
        responses={201: OpenApiTypes.OBJECT, **WRITE_ERRORS},
        description="Staff plan a deliberation day at least three days ahead.",
    )
    def post(self, request) -> JsonResponse:
        jurisdiction = _staff(request)
        body = json_body(request)
        station_id = body.get("station_id")
        if isinstance(station_id, bool) or not isinstance(station_id, int):
            raise DomainError(codes.STATIONLIFE_INVALID_FIELD, field="station_id")
        deliberation = services.deliberation_plan(
            jurisdiction=jurisdiction, actor=request.user, station_id=station_id, fields=body
        )
        detail = selectors.deliberation_detail(
            jurisdiction=jurisdiction, deliberation_id=deliberation.id
        )
        return _json(detail, status=201)


class DeliberationDetailApi(MapApi):
    @extend_schema(
        operation_id="map_deliberations_retrieve",
        tags=TAGS,
        responses={200: OpenApiTypes.OBJECT, **READ_ERRORS},
        description="A deliberation day: participants, candidate topics ranked by score, "
        "resolutions, action items and their follow-up.",
    )
    def get(self, request, deliberation_id: int) -> JsonResponse:
        return _detail(request, deliberation_id)


class DeliberationTopicsApi(MapApi):
    methods = ("POST",)

    @extend_schema(
        operation_id="map_deliberation_topics_add",
        tags=TAGS,
        request=TOPIC_BODY,
        responses={200: OpenApiTypes.OBJECT, **WRITE_ERRORS},
    )
    def post(self, request, deliberation_id: int) -> JsonResponse:
        jurisdiction = _staff(request)
        services.topic_add(
            jurisdiction=jurisdiction, deliberation_id=deliberation_id, fields=json_body(request)
        )
        return _detail(request, deliberation_id)


class DeliberationChooseApi(MapApi):
    methods = ("POST",)

    @extend_schema(
        operation_id="map_deliberation_topics_choose",
        tags=TAGS,
        request=CHOOSE_BODY,
        responses={200: OpenApiTypes.OBJECT, **WRITE_ERRORS},
    )
    def post(self, request, deliberation_id: int) -> JsonResponse:
        jurisdiction = _staff(request)
        services.topics_choose(
            jurisdiction=jurisdiction,
            deliberation_id=deliberation_id,
            topic_ids=json_body(request).get("topic_ids"),
        )
        return _detail(request, deliberation_id)


class DeliberationRecordApi(MapApi):
    methods = ("POST",)

    @extend_schema(
        operation_id="map_deliberations_record",
        tags=TAGS,
        request=RECORD_BODY,
        responses={200: OpenApiTypes.OBJECT, **WRITE_ERRORS},
        description="The day was held: its minutes and resolutions.",
    )
    def post(self, request, deliberation_id: int) -> JsonResponse:
        jurisdiction = _staff(request)
        services.deliberation_record(
            jurisdiction=jurisdiction, deliberation_id=deliberation_id, fields=json_body(request)
        )
        return _detail(request, deliberation_id)


class DeliberationActionsApi(MapApi):
    methods = ("POST",)

    @extend_schema(
        operation_id="map_deliberation_actions_add",
        tags=TAGS,
        request=ACTION_BODY,
        responses={200: OpenApiTypes.OBJECT, **WRITE_ERRORS},
    )
    def post(self, request, deliberation_id: int) -> JsonResponse:
        jurisdiction = _staff(request)
        services.action_item_add(
            jurisdiction=jurisdiction, deliberation_id=deliberation_id, fields=json_body(request)
        )
        return _detail(request, deliberation_id)


class ActionItemFollowApi(MapApi):
    methods = ("POST",)

    @extend_schema(
        operation_id="map_action_items_follow",
        tags=TAGS,
        request=FOLLOW_BODY,
        responses={200: OpenApiTypes.OBJECT, **WRITE_ERRORS},
        description="A progress note, and/or done.",
    )
    def post(self, request, item_id: int) -> JsonResponse:
        jurisdiction = _staff(request)
        item = services.action_item_follow(
            jurisdiction=jurisdiction, item_id=item_id, fields=json_body(request)
        )
        return _detail(request, item.deliberation_id)


class LinkListApi(MapApi):
    @extend_schema(
        operation_id="map_station_links_list",
        tags=TAGS,
        parameters=[PeriodInput],
        responses={200: OpenApiTypes.OBJECT, **READ_ERRORS},
        description="The cross-province links either side of which the caller reaches, with "
        "totals and cadence compliance (weeks with a reception, months with an exchange, "
        "quarters with an interaction).",
    )
    def get(self, request) -> JsonResponse:
        query = self.params(PeriodInput)
        jurisdiction = jurisdiction_of(request.user).require_region_reads()
        rows = selectors.link_list(jurisdiction=jurisdiction, start=query["from"], end=query["to"])
        return _json({"results": rows})


class LinkDetailApi(MapApi):
    @extend_schema(
        operation_id="map_station_links_retrieve",
        tags=TAGS,
        parameters=[PeriodInput],
        responses={200: OpenApiTypes.OBJECT, **READ_ERRORS},
        description="One link: its joint activities, cadence compliance and cross-border "
        "problems; nothing else of either side.",
    )
    def get(self, request, link_id: int) -> JsonResponse:
        query = self.params(PeriodInput)
        return _json(
            selectors.link_detail(
                jurisdiction=jurisdiction_of(request.user),
                link_id=link_id,
                start=query["from"],
                end=query["to"],
            )
        )


class LinkActivitiesApi(MapApi):
    methods = ("POST",)

    @extend_schema(
        operation_id="map_link_activities_add",
        tags=TAGS,
        request=ACTIVITY_BODY,
        responses={201: OpenApiTypes.OBJECT, **WRITE_ERRORS},
    )
    def post(self, request, link_id: int) -> JsonResponse:
        jurisdiction = _staff(request)
        activity = services.joint_activity_record(
            jurisdiction=jurisdiction,
            actor=request.user,
            link_id=link_id,
            fields=json_body(request),
        )
        return _json(selectors.activity_json(activity), status=201)


class LinkProblemsApi(MapApi):
    methods = ("POST",)

    @extend_schema(
        operation_id="map_link_problems_raise",
        tags=TAGS,
        request=PROBLEM_BODY,
        responses={201: OpenApiTypes.OBJECT, **WRITE_ERRORS},
        description="A cross-border problem, routed to the side where the place is (属地).",
    )
    def post(self, request, link_id: int) -> JsonResponse:
        jurisdiction = _staff(request)
        problem = services.problem_raise(
            jurisdiction=jurisdiction, link_id=link_id, fields=json_body(request)
        )
        return _json(selectors.problem_json(problem), status=201)


class ProblemSolveApi(MapApi):
    methods = ("POST",)

    @extend_schema(
        operation_id="map_link_problems_solve",
        tags=TAGS,
        request=SOLVE_BODY,
        responses={200: OpenApiTypes.OBJECT, **WRITE_ERRORS},
    )
    def post(self, request, problem_id: int) -> JsonResponse:
        jurisdiction = _staff(request)
        problem = services.problem_solve(
            jurisdiction=jurisdiction, problem_id=problem_id, fields=json_body(request)
        )
        return _json(selectors.problem_json(problem))


def _region_param(raw: str | None) -> str | None:
    return None if raw in (None, "") else adcode_param(raw)


class LeagueInput(PeriodInput):
    region = TextParam(_region_param, help_text="An adcode; default: the caller's jurisdiction.")


class StationHealthApi(MapApi):
    @extend_schema(
        operation_id="map_station_health",
        tags=TAGS,
        parameters=[PeriodInput],
        responses={200: OpenApiTypes.OBJECT, **READ_ERRORS},
        description="The station's health over the period (default the last 90 days): duty "
        "days held vs scheduled, attendance, opinions received, median hours to forward and to "
        "answer, satisfaction, active deputies, 六有 and registers; with its address, kind, "
        "duty rule and next duty date (the maps' popups).",
    )
    def get(self, request, station_id: int) -> JsonResponse:
        query = self.params(PeriodInput)
        return _json(
            health.station_health(
                jurisdiction=jurisdiction_of(request.user),
                station_id=station_id,
                start=query["from"],
                end=query["to"],
            )
        )


class StationLeagueApi(MapApi):
    @extend_schema(
        operation_id="map_station_league",
        tags=TAGS,
        parameters=[LeagueInput],
        responses={200: OpenApiTypes.OBJECT, **READ_ERRORS},
        description="The region's stations ranked by active deputies, attendance and opinions; "
        "the inactive ones (many deputies, little activity) flagged.",
    )
    def get(self, request) -> JsonResponse:
        query = self.params(LeagueInput)
        jurisdiction = jurisdiction_of(request.user)
        adcode = query["region"] or adcode_param(None, default=jurisdiction.prefix or None)
        region = access_region_by_adcode(jurisdiction=jurisdiction, adcode=adcode)
        answer = health.station_league(
            jurisdiction=jurisdiction.within(region.adcode), start=query["from"], end=query["to"]
        )
        return _json({"region": region.adcode, **answer})
