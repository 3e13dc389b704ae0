"""The record (履职档案) and points (积分) operations of the map data API: league table, one
deputy's year, staff entries and their review, disputes, rules and targets. HTTP only: each
parses, calls one selector or service of backend.performance, responds. See docs/records.md."""

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
from backend.performance import selectors, services
from backend.performance.access import access_deputy_record_by_id
from backend.performance.items import STAFF_ITEMS, Item, Period
from backend.performance.models import DisputeStatus, EntryStatus
from backend.regions.access import access_region_by_adcode

from .base import READ_ERRORS, WRITE_ERRORS, IntParam, MapApi, TextParam
from .params import adcode_param

TAGS = ["records"]


def _json(data, status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})


def year_of(raw: str | None) -> int:
    """The `year` parameter (default: this year in Asia/Shanghai)."""
    if raw is None or raw == "":
        return timezone.localdate().year
    if not raw.isdigit() or len(raw) != 4:
        raise DomainError(codes.RECORD_INVALID_YEAR)
    return services.check_year(int(raw))


def _status_of(choices):
    def parse(raw: str | None) -> str | None:
        if raw in (None, ""):
            return None
        if raw not in choices:
            raise DomainError(codes.MAP_INVALID_STATUS)
        return raw

    return parse


def _adcode(raw: str | None) -> str | None:
    return None if raw in (None, "") else adcode_param(raw)


class RegionYearInput(serializers.Serializer):
    region = TextParam(_adcode, help_text="An adcode; default: the caller's jurisdiction.")
    year = IntParam(year_of, help_text="Default: this year (Asia/Shanghai).")


class CountyYearInput(serializers.Serializer):
    county = TextParam(_adcode, help_text="A county adcode; default: the caller's county.")
    year = IntParam(year_of, help_text="Default: this year (Asia/Shanghai).")


class EntryListInput(serializers.Serializer):
    status = TextParam(_status_of(EntryStatus.values), help_text="entered, verified, ...")


class DisputeListInput(serializers.Serializer):
    status = TextParam(_status_of(DisputeStatus.values), help_text="open, upheld, rejected")


ENTRY_BODY = inline_serializer(
    "RecordEntryInput",
    fields={
        "deputy_id": serializers.IntegerField(),
        "item": serializers.ChoiceField(choices=[i.value for i in STAFF_ITEMS]),
        "occurred_on": serializers.DateField(),
        "quantity": serializers.IntegerField(required=False, min_value=1),
        "description": serializers.CharField(max_length=500),
        "evidence": serializers.CharField(max_length=500),
    },
)
STEP_BODY = inline_serializer(
    "RecordEntryStepInput",
    fields={
        "action": serializers.ChoiceField(choices=list(services.ENTRY_STEPS)),
        "note": serializers.CharField(required=False, max_length=500),
    },
)
RESOLVE_BODY = inline_serializer(
    "PointDisputeResolveInput",
    fields={
        "outcome": serializers.ChoiceField(choices=["upheld", "rejected"]),
        "note": serializers.CharField(max_length=500),
        "adjusted_points": serializers.IntegerField(required=False),
    },
)
RULE_BODY = inline_serializer(
    "PointRuleInput",
    fields={
        "item": serializers.ChoiceField(choices=Item.values),
        "points": serializers.IntegerField(),
        "cap": serializers.IntegerField(required=False, allow_null=True),
        "period": serializers.ChoiceField(choices=Period.values, required=False),
        "effective_from": serializers.DateField(),
    },
)
TARGETS_BODY = inline_serializer(
    "TargetsInput",
    fields={"targets": serializers.DictField(child=serializers.IntegerField(min_value=1))},
)


def _staff(request: HttpRequest) -> Jurisdiction:
    """The caller's jurisdiction if they may write (staff, admins): checked before any body."""
    jurisdiction = jurisdiction_of(request.user).require_region_reads()
    if not jurisdiction.can_act:
        raise DomainError(codes.RECORD_NOT_ALLOWED)
    return jurisdiction


def _county(request: HttpRequest, adcode: str | None) -> str:
    """The county (6 digits) of `adcode` (default: the caller's county), readable by the
    caller: a township's adcode names its county."""
    jurisdiction = jurisdiction_of(request.user)
    adcode = adcode or adcode_param(None, default=(jurisdiction.prefix or "")[:6] or None)
    region = access_region_by_adcode(jurisdiction=jurisdiction, adcode=adcode[:6])
    if len(region.adcode) != 6:
        raise DomainError(codes.MAP_INVALID_REGION)
    return region.adcode


class RecordLeagueApi(MapApi):
    @extend_schema(
        operation_id="map_records_league",
        tags=TAGS,
        parameters=[RegionYearInput],
        responses={200: OpenApiTypes.OBJECT, **READ_ERRORS},
        description="Deputies inside the region ranked by points, then target completion.",
    )
    def get(self, request) -> JsonResponse:
        query = self.params(RegionYearInput)
        jurisdiction = jurisdiction_of(request.user)
        adcode = query["region"] or adcode_param(None, default=jurisdiction.prefix or None)
        region = access_region_by_adcode(jurisdiction=jurisdiction, adcode=adcode)
        rows = selectors.record_league(
            jurisdiction=jurisdiction.within(region.adcode), year=query["year"]
        )
        answer = {"year": query["year"], "region": region.adcode, "count": len(rows)}
        return _json(answer | {"results": rows})


class DeputyRecordApi(MapApi):
    @extend_schema(
        operation_id="map_records_retrieve",
        tags=TAGS,
        parameters=[CountyYearInput],
        responses={200: OpenApiTypes.OBJECT, **READ_ERRORS},
    )
    def get(self, request, deputy_id: int) -> JsonResponse:
        query = self.params(CountyYearInput)
        deputy = access_deputy_record_by_id(
            jurisdiction=jurisdiction_of(request.user).require_region_reads(), deputy_id=deputy_id
        )
        return _json(selectors.deputy_record(deputy=deputy, year=query["year"]))


class RecordEntriesApi(MapApi):
    methods = ("GET", "POST")

    @extend_schema(
        operation_id="map_record_entries_list",
        tags=TAGS,
        parameters=[EntryListInput],
        responses={200: OpenApiTypes.OBJECT, **READ_ERRORS},
    )
    def get(self, request) -> JsonResponse:
        query = self.params(EntryListInput)
        jurisdiction = jurisdiction_of(request.user).require_region_reads()
        rows = selectors.entry_list(jurisdiction=jurisdiction, status=query["status"])
        return _json({"results": rows})

    @extend_schema(
        operation_id="map_record_entries_create",
        tags=TAGS,
        request=ENTRY_BODY,
        responses={201: OpenApiTypes.OBJECT, **WRITE_ERRORS},
    )
    def post(self, request) -> JsonResponse:
        jurisdiction = _staff(request)
        body = json_body(request)
        deputy_id = body.get("deputy_id")
        if isinstance(deputy_id, bool) or not isinstance(deputy_id, int):
            raise DomainError(codes.RECORD_INVALID_FIELD, field="deputy_id")
        entry = services.entry_create(
            jurisdiction=jurisdiction, actor=request.user, deputy_id=deputy_id, fields=body
        )
        return _json(selectors.entry_json(entry), status=201)


class RecordEntryTransitionsApi(MapApi):
    methods = ("POST",)

    @extend_schema(
        operation_id="map_record_entries_transition",
        tags=TAGS,
        request=STEP_BODY,
        responses={200: OpenApiTypes.OBJECT, **WRITE_ERRORS},
    )
    def post(self, request, entry_id: int) -> JsonResponse:
        jurisdiction = _staff(request)
        body = json_body(request)
        entry = services.entry_transition(
            jurisdiction=jurisdiction,
            actor=request.user,
            entry_id=entry_id,
            action=body.get("action"),
            note=body.get("note", ""),
        )
        return _json(selectors.entry_json(entry))


class PointDisputesApi(MapApi):
    @extend_schema(
        operation_id="map_point_disputes_list",
        tags=TAGS,
        parameters=[DisputeListInput],
        responses={200: OpenApiTypes.OBJECT, **READ_ERRORS},
    )
    def get(self, request) -> JsonResponse:
        query = self.params(DisputeListInput)
        jurisdiction = jurisdiction_of(request.user).require_region_reads()
        rows = selectors.dispute_list(jurisdiction=jurisdiction, status=query["status"])
        return _json({"results": rows})


class PointDisputeResolveApi(MapApi):
    methods = ("POST",)

    @extend_schema(
        operation_id="map_point_disputes_resolve",
        tags=TAGS,
        request=RESOLVE_BODY,
        responses={200: OpenApiTypes.OBJECT, **WRITE_ERRORS},
    )
    def post(self, request, dispute_id: int) -> JsonResponse:
        jurisdiction = _staff(request)
        body = json_body(request)
        dispute = services.dispute_resolve(
            jurisdiction=jurisdiction,
            actor=request.user,
            dispute_id=dispute_id,
            outcome=body.get("outcome"),
            note=body.get("note"),
            adjusted_points=body.get("adjusted_points"),
        )
        return _json(selectors.dispute_json(dispute))


class PointRulesApi(MapApi):
    methods = ("GET", "POST")

    @extend_schema(
        operation_id="map_point_rules_list",
        tags=TAGS,
        parameters=[CountyYearInput],
        responses={200: OpenApiTypes.OBJECT, **READ_ERRORS},
    )
    def get(self, request) -> JsonResponse:
        county = _county(request, self.params(CountyYearInput)["county"])
        return _json({"county": county, "results": selectors.rule_table(county_adcode=county)})

    @extend_schema(
        operation_id="map_point_rules_create",
        tags=TAGS,
        parameters=[CountyYearInput],
        request=RULE_BODY,
        responses={200: OpenApiTypes.OBJECT, **WRITE_ERRORS},
    )
    def post(self, request) -> JsonResponse:
        jurisdiction = _staff(request)
        county = _county(request, self.params(CountyYearInput)["county"])
        services.point_rule_add(
            jurisdiction=jurisdiction,
            actor=request.user,
            county_adcode=county,
            fields=json_body(request),
        )
        return _json({"county": county, "results": selectors.rule_table(county_adcode=county)})


class TargetsApi(MapApi):
    methods = ("GET", "POST")

    def _answer(self, county: str, year: int) -> JsonResponse:
        targets = selectors.county_targets(county_adcode=county, year=year)
        return _json({"county": county, "year": year, "targets": targets})

    @extend_schema(
        operation_id="map_targets_retrieve",
        tags=TAGS,
        parameters=[CountyYearInput],
        responses={200: OpenApiTypes.OBJECT, **READ_ERRORS},
    )
    def get(self, request) -> JsonResponse:
        query = self.params(CountyYearInput)
        return self._answer(_county(request, query["county"]), query["year"])

    @extend_schema(
        operation_id="map_targets_set",
        tags=TAGS,
        parameters=[CountyYearInput],
        request=TARGETS_BODY,
        responses={200: OpenApiTypes.OBJECT, **WRITE_ERRORS},
    )
    def post(self, request) -> JsonResponse:
        jurisdiction = _staff(request)
        query = self.params(CountyYearInput)
        county = _county(request, query["county"])
        services.target_set(
            jurisdiction=jurisdiction,
            county_adcode=county,
            year=query["year"],
            targets=json_body(request).get("targets"),
        )
        return self._answer(county, query["year"])
