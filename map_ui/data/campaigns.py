"""The campaigns operations of the map data API (千名代表访万人, a 走访50户 year; issue 14):
list and create (staff create, leaders read), one campaign's progress and its update, and its
untouched cells as GeoJSON. HTTP only: each parses its input, calls one selector or service of
backend.campaigns, shapes its answer. See docs/campaigns.md."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, JsonResponse
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers

from backend.accounts.access import jurisdiction_of
from backend.accounts.jurisdiction import Jurisdiction
from backend.campaigns import selectors, services
from backend.campaigns.access import access_campaign_by_id
from backend.core import error_codes as codes
from backend.core.body import day_value, json_body, text_field
from backend.core.errors import DomainError
from backend.regions.access import access_region_by_adcode

from . import serializers as s
from .base import READ_ERRORS, WRITE_ERRORS, IntParam, MapApi, Param, TextParam
from .params import int_param

TAGS = ["campaigns"]
GEOJSON = "application/geo+json"
MAX_ID = 2**62
MAX_TARGET = 10**9
MAX_DEPUTIES = 5000


def _json(data, status: int = 200, content_type: str = "application/json") -> JsonResponse:
    return JsonResponse(
        data, status=status, content_type=content_type, json_dumps_params={"ensure_ascii": False}
    )


def _bad(field: str) -> DomainError:
    return DomainError(codes.CAMPAIGN_INVALID_FIELD, field=field)


def _name(raw):
    value = text_field(
        {"name": raw},
        "name",
        invalid=codes.CAMPAIGN_INVALID_FIELD,
        required=True,
        max_length=120,
        field="name",
    )
    if not value.strip():
        raise _bad("name")
    return value.strip()


def _date(field: str, *, required: bool = True) -> Callable[[Any], Any]:
    """A day as "YYYY-MM-DD" (years 2000-2100); absent is None when not `required`."""

    def parse(raw):
        if raw is None and not required:
            return None
        day = day_value(raw)
        if day is None:
            raise _bad(field)
        return day

    return parse


def _target(field: str, high: int = MAX_TARGET) -> Callable[[Any], Any]:
    """A whole number 1..high, or null (no target)."""

    def parse(raw):
        if raw is None:
            return None
        if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= high:
            raise _bad(field)
        return raw

    return parse


def _ids(field: str) -> Callable[[Any], Any]:
    def parse(raw):
        if raw is None:
            return None
        if not isinstance(raw, list) or len(raw) > MAX_DEPUTIES:
            raise _bad(field)
        for i in raw:
            if isinstance(i, bool) or not isinstance(i, int) or not 1 <= i <= MAX_ID:
                raise _bad(field)
        return sorted(set(raw))

    return parse


def _adcode(raw):
    """A county's (6 digits) or a township's (9 digits) adcode."""
    if not isinstance(raw, str) or not raw.isascii() or not raw.isdigit() or len(raw) not in (6, 9):
        raise _bad("region")
    return raw


def _limit(raw):
    return int_param(
        raw,
        name="limit",
        default=selectors.UNTOUCHED_LIMIT_DEFAULT,
        low=1,
        high=selectors.UNTOUCHED_LIMIT_MAX,
    )


@extend_schema_field({"type": "array", "items": {"type": "integer"}})
class IdListParam(Param):
    pass


def _reader(request: HttpRequest) -> Jurisdiction:
    """Staff, leaders, admins; a deputy gets the map API's 404 (region.not_found)."""
    return jurisdiction_of(request.user).require_region_reads()


def _writer(request: HttpRequest) -> Jurisdiction:
    """Staff and admins: checked before any body (a leader: 403 campaign.not_allowed)."""
    jurisdiction = _reader(request)
    if not jurisdiction.can_act:
        raise DomainError(codes.CAMPAIGN_NOT_ALLOWED)
    return jurisdiction


# --- inputs ------------------------------------------------------------------------------------


class _Targets(serializers.Serializer):
    target_people = IntParam(_target("target_people"), help_text="People reached (null: none).")
    target_households = IntParam(_target("target_households"), help_text="Distinct households.")
    target_cells_pct = IntParam(
        _target("target_cells_pct", 100), help_text="Share of the region's cells covered, 1-100."
    )
    target_households_per_deputy = IntParam(
        _target("target_households_per_deputy"), help_text="Households per deputy (走访50户)."
    )


class CampaignCreateInput(_Targets):
    name = TextParam(_name, help_text="e.g. 千名代表访万人")
    region = TextParam(_adcode, help_text="A county's (6 digits) or township's (9) adcode.")
    starts_on = TextParam(_date("starts_on"), help_text="YYYY-MM-DD (Asia/Shanghai day)")
    ends_on = TextParam(_date("ends_on"), help_text="YYYY-MM-DD, on or after starts_on")
    deputy_ids = IdListParam(
        _ids("deputy_ids"), help_text="Participants; default: the region's current deputies."
    )


def _optional_name(raw):
    return None if raw is None else _name(raw)


class CampaignUpdateInput(_Targets):
    name = TextParam(_optional_name)
    starts_on = TextParam(_date("starts_on", required=False), help_text="YYYY-MM-DD")
    ends_on = TextParam(_date("ends_on", required=False), help_text="YYYY-MM-DD")
    add_deputy_ids = IdListParam(_ids("add_deputy_ids"), help_text="Deputies of the region.")
    remove_deputy_ids = IdListParam(_ids("remove_deputy_ids"))


class UntouchedInput(serializers.Serializer):
    limit = IntParam(_limit, help_text="At most this many cells (1-5000, default 2000).")


REQUIRED_ON_UPDATE = ("name", "starts_on", "ends_on")  # sent, they may not be null
UPDATABLE = (*REQUIRED_ON_UPDATE, *services.TARGET_FIELDS)

# --- outputs -----------------------------------------------------------------------------------


class TargetsOutput(serializers.Serializer):
    people = serializers.IntegerField(allow_null=True)
    households = serializers.IntegerField(allow_null=True)
    cells_pct = serializers.IntegerField(allow_null=True)
    households_per_deputy = serializers.IntegerField(allow_null=True)


class CampaignRegionOutput(serializers.Serializer):
    adcode = serializers.CharField()
    name = serializers.CharField()


class CampaignOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    region = CampaignRegionOutput()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    status = serializers.CharField(help_text="upcoming, running, ended (Asia/Shanghai today)")
    elapsed_pct = serializers.FloatField(help_text="Share of the period's days begun")
    participants = serializers.IntegerField()
    targets = TargetsOutput()


class CampaignListOutput(serializers.Serializer):
    results = CampaignOutput(many=True)


class MeasuresOutput(serializers.Serializer):
    visits = serializers.IntegerField()
    people = serializers.IntegerField()
    households = serializers.IntegerField()
    cells_covered = serializers.IntegerField()


class OverallOutput(MeasuresOutput):
    cells_total = serializers.IntegerField()
    cells_pct = serializers.FloatField()


class TargetProgressOutput(serializers.Serializer):
    name = serializers.CharField(help_text="people, households, cells_pct")
    value = serializers.FloatField()
    target = serializers.IntegerField(allow_null=True)
    pct = serializers.FloatField(allow_null=True)
    band = serializers.CharField(help_text="met, on_track, behind, none")


class TownshipProgressOutput(MeasuresOutput):
    adcode = serializers.CharField()
    name = serializers.CharField()
    cells = serializers.IntegerField()
    households_total = serializers.IntegerField()
    cells_pct = serializers.FloatField()
    target_cells_pct = serializers.IntegerField(allow_null=True)
    band = serializers.CharField()


class DeputyProgressOutput(MeasuresOutput):
    id = serializers.IntegerField()
    name = serializers.CharField()
    adcode = serializers.CharField()
    township = serializers.CharField(allow_blank=True)
    target_households = serializers.IntegerField(allow_null=True)
    pct = serializers.FloatField(allow_null=True)
    band = serializers.CharField()


class CampaignProgressOutput(CampaignOutput):
    overall = OverallOutput()
    targets_progress = TargetProgressOutput(many=True)
    townships = TownshipProgressOutput(many=True)
    deputies = DeputyProgressOutput(many=True)


UNTOUCHED = OpenApiResponse(
    s.FeatureCollectionOutput,
    description="GeoJSON (application/geo+json) with `total` and `truncated`; properties: id, "
    "code, name, adcode, households",
)

# --- operations --------------------------------------------------------------------------------


class CampaignsApi(MapApi):
    methods = ("GET", "POST")

    @extend_schema(
        operation_id="map_campaigns_list",
        tags=TAGS,
        responses={200: CampaignListOutput, **READ_ERRORS},
        description="Campaigns inside the jurisdiction, newest period first.",
    )
    def get(self, request) -> JsonResponse:
        rows = selectors.campaign_list(jurisdiction=_reader(request))
        return _json(CampaignListOutput({"results": rows}).data)

    @extend_schema(
        operation_id="map_campaigns_create",
        tags=TAGS,
        request=CampaignCreateInput,
        responses={201: CampaignProgressOutput, **WRITE_ERRORS},
        description="Create a campaign over a county or township of the jurisdiction. "
        "Participants default to the region's current deputies.",
    )
    def post(self, request) -> JsonResponse:
        jurisdiction = _writer(request)
        body = self.params(CampaignCreateInput, data=json_body(request))
        region = access_region_by_adcode(jurisdiction=jurisdiction, adcode=body.pop("region"))
        targets = {k: body.pop(k) for k in services.TARGET_FIELDS}
        campaign = services.campaign_create(
            jurisdiction=jurisdiction, actor=request.user, region=region, targets=targets, **body
        )
        progress = selectors.campaign_progress(campaign=campaign)
        return _json(CampaignProgressOutput(progress).data, status=201)


class CampaignApi(MapApi):
    methods = ("GET", "POST")

    @extend_schema(
        operation_id="map_campaign_progress",
        tags=TAGS,
        responses={200: CampaignProgressOutput, **READ_ERRORS},
        description="The campaign with its progress: overall against each target, per "
        "township and per participating deputy (verified visits in the region and period).",
    )
    def get(self, request, campaign_id: int) -> JsonResponse:
        campaign = access_campaign_by_id(jurisdiction=_reader(request), campaign_id=campaign_id)
        return _json(CampaignProgressOutput(selectors.campaign_progress(campaign=campaign)).data)

    @extend_schema(
        operation_id="map_campaign_update",
        tags=TAGS,
        request=CampaignUpdateInput,
        responses={200: CampaignProgressOutput, **WRITE_ERRORS},
        description="Change the name, period or targets (only the fields sent; a target null "
        "removes it) and add or remove participants.",
    )
    def post(self, request, campaign_id: int) -> JsonResponse:
        jurisdiction = _writer(request)
        access_campaign_by_id(jurisdiction=jurisdiction, campaign_id=campaign_id)
        raw = json_body(request)
        body = self.params(CampaignUpdateInput, data=raw)
        for name in REQUIRED_ON_UPDATE:
            if name in raw and body[name] is None:
                raise _bad(name)
        campaign = services.campaign_update(
            jurisdiction=jurisdiction,
            campaign_id=campaign_id,
            fields={k: body[k] for k in UPDATABLE if k in raw},
            add_deputy_ids=body.get("add_deputy_ids"),
            remove_deputy_ids=body.get("remove_deputy_ids"),
        )
        return _json(CampaignProgressOutput(selectors.campaign_progress(campaign=campaign)).data)


class CampaignUntouchedApi(MapApi):
    @extend_schema(
        operation_id="map_campaign_untouched",
        tags=TAGS,
        parameters=[UntouchedInput],
        responses={200: UNTOUCHED, **READ_ERRORS},
        description="The region's cells without a counted visit in the period, most "
        "households first, at most `limit`.",
    )
    def get(self, request, campaign_id: int) -> JsonResponse:
        query = self.params(UntouchedInput)
        campaign = access_campaign_by_id(jurisdiction=_reader(request), campaign_id=campaign_id)
        collection = selectors.campaign_untouched_cells(campaign=campaign, limit=query["limit"])
        return _json(collection, content_type=GEOJSON)
