"""The livelihood-projects operations of the map data API (民生实事项目代表票决制, issue 15):
the calls with their township's funnel, a call's proposals, a stage move, the ballot (detail
and results with the turnout, open, close with `confirm: true`, the tellers' paper counts), a
project's progress update and the projects GeoJSON layer. HTTP only: each parses its input,
calls one selector or service of backend.projects, shapes its answer. Nothing served names a
voter: a ballot's answer has counts and, per teller, who entered a paper count.
See docs/projects.md."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers

from backend.accounts.access import jurisdiction_of
from backend.accounts.jurisdiction import Jurisdiction
from backend.core import error_codes as codes
from backend.core.body import day_value, json_body, text_field
from backend.core.errors import DomainError, NotFound
from backend.core.privacy import mask_contact
from backend.coverage import selectors as coverage
from backend.coverage.windows import window_of
from backend.projects import selectors, services
from backend.projects.access import access_ballot_by_id, access_call_by_id
from backend.projects.models import ProjectStatus, ProposalStage, QuorumRule
from backend.regions.access import access_region_by_adcode

from . import serializers as s
from .base import READ_ERRORS, WRITE_ERRORS, IntParam, MapApi, Param, TextParam
from .params import adcode_param, eps_m_param, min_points_param
from .views import _metric_srid as metric_srid_of
from .views import _window as window_for

TAGS = ["projects"]
GEOJSON = "application/geo+json"
MAX_ID = 2**62
MAX_COUNT = 100_000
MAX_YUAN = 10**12


def _json(data, status: int = 200, content_type: str = "application/json") -> JsonResponse:
    return JsonResponse(
        data, status=status, content_type=content_type, json_dumps_params={"ensure_ascii": False}
    )


def _out(serializer_class, data, status: int = 200) -> JsonResponse:
    return _json(serializer_class(data).data, status=status)


def _bad(field: str) -> DomainError:
    return DomainError(codes.PROJECT_INVALID_FIELD, field=field)


def _int(field: str, low: int, high: int, *, required: bool = True) -> Callable[[Any], Any]:
    def parse(raw):
        if raw is None and not required:
            return None
        if isinstance(raw, bool) or not isinstance(raw, int) or not low <= raw <= high:
            raise _bad(field)
        return raw

    return parse


def _text(field: str, max_length: int, *, required: bool = True) -> Callable[[Any], Any]:
    def parse(raw):
        if raw is None and not required:
            return None
        value = text_field(
            {field: raw},
            field,
            invalid=codes.PROJECT_INVALID_FIELD,
            required=True,
            max_length=max_length,
            field=field,
        )
        if required and not value.strip():
            raise _bad(field)
        return value

    return parse


def _choice(field: str, choices, default: str | None = None) -> Callable[[Any], Any]:
    def parse(raw):
        if raw is None and default is not None:
            return default
        if not isinstance(raw, str) or raw not in choices:
            raise _bad(field)
        return raw

    return parse


def _ids(raw):
    if not isinstance(raw, list) or not 1 <= len(raw) <= 100:
        raise _bad("proposal_ids")
    return [_int("proposal_ids", 1, MAX_ID)(i) for i in raw]


def _votes(raw) -> dict[int, int]:
    """{"<candidate id>": votes, ...}: every candidate of the ballot, whole numbers."""
    if not isinstance(raw, dict) or not 1 <= len(raw) <= 100:
        raise _bad("votes")
    votes = {}
    for key, value in raw.items():
        if not isinstance(key, str) or not key.isascii() or not key.isdigit() or len(key) > 18:
            raise _bad("votes")
        votes[int(key)] = _int("votes", 0, MAX_COUNT)(value)
    return votes


def _date(field: str, *, required: bool = True) -> Callable[[Any], Any]:
    """A day as "YYYY-MM-DD" (years 2000-2100)."""

    def parse(raw):
        if raw is None and not required:
            return None
        day = day_value(raw)
        if day is None:
            raise _bad(field)
        return day

    return parse


def _adcode(raw):
    """A township's (9 digits) or a county's (6 digits) adcode."""
    if not isinstance(raw, str) or not raw.isascii() or not raw.isdigit() or len(raw) not in (6, 9):
        raise _bad("region")
    return raw


def _confirm(raw):
    if raw is not True:
        raise _bad("confirm")
    return True


def _place(raw):
    """An optional GeoJSON geometry (a point picked on the map, a road's line, an area)."""
    return services.place_from_geojson(raw)


def _opinion_ids(raw):
    if raw is None:
        return []
    if not isinstance(raw, list) or len(raw) > 500:
        raise _bad("opinion_ids")
    return [_int("opinion_ids", 1, MAX_ID)(i) for i in raw]


@dataclass(frozen=True)
class ClusterRef:
    """An opinion cluster as the dashboard shows it: its id (the smallest opinion id), the
    region and window it was computed for, and the DBSCAN parameters (the map's defaults)."""

    id: int
    days: int
    region: str | None
    eps_m: float
    min_points: int


def _cluster(raw):
    if raw is None:
        return None
    if not isinstance(raw, dict) or not set(raw) <= {"id", "days", "region", "eps_m", "min_points"}:
        raise _bad("cluster")
    region = raw.get("region")
    if region is not None and not isinstance(region, str):
        raise _bad("cluster")
    eps_m = raw.get("eps_m")
    if eps_m is not None and (
        isinstance(eps_m, bool) or not isinstance(eps_m, int | float) or not math.isfinite(eps_m)
    ):
        raise _bad("cluster")
    days = _int("cluster", 1, 730, required=False)(raw.get("days"))
    min_points = _int("cluster", 2, 100, required=False)(raw.get("min_points"))
    return ClusterRef(
        id=_int("cluster", 1, MAX_ID)(raw.get("id")),
        days=window_of(days).days,
        region=adcode_param(region) if region else None,
        eps_m=eps_m_param(None if eps_m is None else str(float(eps_m))),
        min_points=min_points_param(None if min_points is None else str(min_points)),
    )


@extend_schema_field(OpenApiTypes.BOOL)
class BoolParam(Param):
    pass


@extend_schema_field(OpenApiTypes.OBJECT)
class ObjectParam(Param):
    pass


@extend_schema_field({"type": "array", "items": {"type": "integer"}})
class IdListParam(Param):
    pass


@extend_schema_field({"type": "object", "additionalProperties": {"type": "integer"}})
class VotesParam(Param):
    pass


def _staff(request: HttpRequest) -> Jurisdiction:
    """The caller's jurisdiction if they read regions (staff, leaders, admins): a deputy gets
    the map API's 404. The services refuse leaders' writes (404, as for any row they may not
    change)."""
    return jurisdiction_of(request.user).require_region_reads()


def _in_region(request: HttpRequest, adcode: str | None) -> Jurisdiction:
    """The caller's jurisdiction (as `_staff`), narrowed to the `region` parameter when given:
    a region outside it, or none such, is the map API's 404 (region.not_found)."""
    jurisdiction = _staff(request)
    if adcode is None:
        return jurisdiction
    region = access_region_by_adcode(jurisdiction=jurisdiction, adcode=adcode)
    return jurisdiction.within(region.adcode)


def _writer(request: HttpRequest) -> Jurisdiction:
    """The caller's jurisdiction if they may write (staff, admins): checked before any body;
    a leader reads only (403 project.not_allowed)."""
    jurisdiction = _staff(request)
    if not jurisdiction.can_act:
        raise DomainError(codes.PROJECT_NOT_ALLOWED)
    return jurisdiction


# --- inputs ------------------------------------------------------------------------------------


class AdvanceInput(serializers.Serializer):
    to_stage = TextParam(
        _choice("to_stage", ProposalStage.values),
        help_text="referred, consulted, reviewed, candidate (the five forms) or rejected",
    )
    reason = TextParam(_text("reason", 2000), help_text="Why (kept with the decision).")
    final_description = TextParam(
        _text("final_description", 4000, required=False), help_text="On becoming a candidate."
    )
    final_cost_yuan = IntParam(
        _int("final_cost_yuan", 0, MAX_YUAN, required=False), help_text="On becoming a candidate."
    )


class ProposalCreateInput(serializers.Serializer):
    title = TextParam(
        _text("title", 120, required=False), help_text="Required unless from a cluster."
    )
    description = TextParam(
        _text("description", 4000, required=False), help_text="Required unless from a cluster."
    )
    estimated_cost_yuan = IntParam(
        _int("estimated_cost_yuan", 0, MAX_YUAN, required=False), help_text="Default 0."
    )
    place = ObjectParam(_place, help_text="A GeoJSON point, line or area inside the region.")
    opinion_ids = IdListParam(_opinion_ids, help_text="Opinions kept as evidence (sources).")
    cluster = ObjectParam(
        _cluster,
        help_text="An opinion cluster of the dashboard: {id, region, days[, eps_m, "
        "min_points]}; its opinions (recomputed here) become the evidence.",
    )


class CallCreateInput(serializers.Serializer):
    region = TextParam(_adcode, help_text="The township's (9 digits) or county's adcode.")
    year = IntParam(_int("year", 2000, 2100))
    title = TextParam(_text("title", 120))
    opens_on = TextParam(_date("opens_on"), help_text="YYYY-MM-DD")
    closes_on = TextParam(_date("closes_on"), help_text="YYYY-MM-DD, on or after opens_on")


class BallotOpenInput(serializers.Serializer):
    title = TextParam(_text("title", 120))
    proposal_ids = IdListParam(_ids, help_text="Candidates in ballot order: more than the seats.")
    max_choices = IntParam(_int("max_choices", 1, 100), help_text="Seats (差额: < candidates).")
    min_choices = IntParam(_int("min_choices", 0, 100, required=False))
    quorum = TextParam(
        _choice("quorum", QuorumRule.values, default=QuorumRule.HALF),
        help_text="half (more than half of the eligible deputies vote) or two_thirds",
    )
    session_on = TextParam(
        _date("session_on", required=False), help_text="The congress session's day, YYYY-MM-DD"
    )


class BallotCloseInput(serializers.Serializer):
    confirm = BoolParam(_confirm, help_text="Must be true: the close counts and publishes.")


class PaperCountInput(serializers.Serializer):
    ballots = IntParam(_int("ballots", 0, MAX_COUNT), help_text="Paper ballots cast.")
    blank = IntParam(_int("blank", 0, MAX_COUNT))
    invalid = IntParam(_int("invalid", 0, MAX_COUNT))
    votes = VotesParam(_votes, help_text='{"<candidate id>": votes} for every candidate.')


class ProjectUpdateInput(serializers.Serializer):
    status = TextParam(_choice("status", ProjectStatus.values), help_text="planned, ...")
    progress_pct = IntParam(_int("progress_pct", 0, 100))
    note = TextParam(_text("note", 2000))
    department = TextParam(_text("department", 100, required=False))


# --- outputs -----------------------------------------------------------------------------------


class FunnelOutput(serializers.Serializer):
    collected = serializers.IntegerField()
    shortlisted = serializers.IntegerField()
    voted = serializers.IntegerField()
    implemented = serializers.IntegerField()


class SatisfactionOutput(serializers.Serializer):
    evaluations = serializers.IntegerField(help_text="Deputies' and citizens' answers")
    satisfied = serializers.IntegerField()
    pct = serializers.FloatField(allow_null=True, help_text="Both counted together")
    deputies = serializers.IntegerField()
    deputies_pct = serializers.FloatField(allow_null=True)
    citizens = serializers.IntegerField()
    citizens_pct = serializers.FloatField(allow_null=True, help_text="Rated 3 of 5 or better")
    bar_pct = serializers.IntegerField()
    meets_bar = serializers.BooleanField(allow_null=True)


class BallotRefOutput(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    status = serializers.CharField()


class StaffCallOutput(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    adcode = serializers.CharField()
    region_name = serializers.CharField()
    year = serializers.IntegerField()
    opens_on = serializers.DateField()
    closes_on = serializers.DateField()
    public_url = serializers.CharField(help_text="The citizens' proposal page (its QR code)")
    funnel = FunnelOutput()
    satisfaction = SatisfactionOutput()
    ballots = BallotRefOutput(many=True)


class ProjectCallListOutput(serializers.Serializer):
    results = StaffCallOutput(many=True)


class ProjectProposalOutput(serializers.Serializer):
    id = serializers.IntegerField()
    call_id = serializers.IntegerField()
    title = serializers.CharField()
    description = serializers.CharField()
    estimated_cost_yuan = serializers.IntegerField()
    source = serializers.CharField()  # type: ignore[assignment]
    citizen_contact = serializers.CharField(allow_blank=True, help_text="masked")
    stage = serializers.CharField()
    next_stages = serializers.ListField(child=serializers.CharField())
    merged_into_id = serializers.IntegerField(allow_null=True)
    has_place = serializers.BooleanField()
    department = serializers.CharField(allow_blank=True)
    budget_yuan = serializers.IntegerField(allow_null=True)
    status = serializers.CharField(allow_blank=True)
    progress_pct = serializers.IntegerField()
    evidence_count = serializers.IntegerField()
    supervision_count = serializers.IntegerField()
    evaluation_count = serializers.IntegerField()
    satisfaction_pct = serializers.FloatField(allow_null=True)
    rating_url = serializers.CharField(
        allow_null=True, help_text="The citizens' satisfaction page, once the project is done"
    )


class ProposalCreatedOutput(serializers.Serializer):
    proposal = ProjectProposalOutput()
    call = StaffCallOutput()


class ProposalListOutput(serializers.Serializer):
    call = StaffCallOutput()
    results = ProjectProposalOutput(many=True)


class StaffCandidateOutput(serializers.Serializer):
    id = serializers.IntegerField()
    position = serializers.IntegerField()
    proposal_id = serializers.IntegerField()
    title = serializers.CharField()
    estimated_cost_yuan = serializers.IntegerField()
    votes = serializers.IntegerField(allow_null=True, help_text="null until the close")
    result = serializers.CharField(allow_null=True, help_text="elected, tied, not_elected")


class PaperEntryOutput(serializers.Serializer):
    entry = serializers.IntegerField()
    teller = serializers.CharField()
    teller_id = serializers.IntegerField()
    matched = serializers.BooleanField()
    at = serializers.DateTimeField()
    ballots = serializers.IntegerField(allow_null=True, help_text="null while waiting (blind)")


class ProjectBallotOutput(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    call_id = serializers.IntegerField()
    status = serializers.CharField()
    min_choices = serializers.IntegerField()
    max_choices = serializers.IntegerField()
    quorum = serializers.CharField(help_text="half or two_thirds")
    session_on = serializers.DateField(allow_null=True)
    eligible_count = serializers.IntegerField()
    voted_count = serializers.IntegerField(help_text="Phone ballots cast so far (a count only).")
    opened_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)
    turnout = serializers.IntegerField(allow_null=True)
    turnout_pct = serializers.FloatField(allow_null=True)
    blank_count = serializers.IntegerField(allow_null=True)
    paper_count = serializers.IntegerField(allow_null=True)
    invalid_count = serializers.IntegerField(allow_null=True)
    quorum_met = serializers.BooleanField(allow_null=True)
    paper_entries = PaperEntryOutput(many=True)
    candidates = StaffCandidateOutput(many=True)


class PaperCountOutput(serializers.Serializer):
    entry = serializers.IntegerField()
    matched = serializers.BooleanField()
    ballot = ProjectBallotOutput()


class ProjectUpdateOutput(serializers.Serializer):
    id = serializers.IntegerField()
    proposal_id = serializers.IntegerField()
    status = serializers.CharField()
    progress_pct = serializers.IntegerField()
    note = serializers.CharField()
    at = serializers.DateTimeField()


class ProjectFeatureProperties(serializers.Serializer):
    id = serializers.IntegerField()
    call_id = serializers.IntegerField()
    title = serializers.CharField()
    status = serializers.CharField(help_text="candidate, chosen, in_progress, done, evaluated")
    progress_pct = serializers.IntegerField()
    department = serializers.CharField(allow_blank=True)
    budget_yuan = serializers.IntegerField(allow_null=True)
    supervision_count = serializers.IntegerField()
    evaluation_count = serializers.IntegerField()
    satisfaction_pct = serializers.FloatField(allow_null=True)
    satisfaction_bar_pct = serializers.IntegerField()
    updated_on = serializers.DateField(
        allow_null=True, help_text="Date of the latest progress update (Asia/Shanghai)."
    )


class ProjectFeatureOutput(serializers.Serializer):
    type = serializers.CharField()
    id = serializers.IntegerField()
    geometry = serializers.JSONField()
    properties = ProjectFeatureProperties()


class ProjectFeaturesOutput(serializers.Serializer):
    type = serializers.CharField()
    features = ProjectFeatureOutput(many=True)


class TownshipFunnelOutput(serializers.Serializer):
    adcode = serializers.CharField()
    name = serializers.CharField()
    calls = serializers.IntegerField()
    funnel = FunnelOutput()
    satisfaction = SatisfactionOutput()


class ProjectFunnelOutput(serializers.Serializer):
    results = TownshipFunnelOutput(many=True)


# --- rows --------------------------------------------------------------------------------------


def _proposal_row(p) -> dict:
    return {
        "id": p.pk,
        "call_id": p.call_id,
        "title": p.title,
        "description": p.description,
        "estimated_cost_yuan": p.estimated_cost_yuan,
        "source": p.source,
        "citizen_contact": mask_contact(p.citizen_contact),
        "stage": p.stage,
        "next_stages": list(services.NEXT_STAGES.get(p.stage, ())),
        "merged_into_id": p.merged_into_id,
        "has_place": p.place is not None,
        "department": p.department,
        "budget_yuan": p.budget_yuan,
        "status": p.status,
        "progress_pct": p.progress_pct,
        "evidence_count": p.evidence_count,
        "supervision_count": p.supervision_count,
        "evaluation_count": p.evaluation_count,
        "satisfaction_pct": selectors.satisfaction_pct(p),
        "rating_url": (
            reverse("projects:rate", args=[p.pk])
            if p.stage == ProposalStage.CHOSEN
            and (p.status == ProjectStatus.DONE or p.evaluation_count)
            else None
        ),
    }


def _call_row(call) -> dict:
    return {
        **selectors.call_summary(call=call),
        "public_url": reverse("projects:propose", args=[call.pk]),
    }


def _ballot_row(session) -> dict:
    detail = selectors.ballot_detail(session=session)
    detail.pop("has_voted", None)
    for candidate in detail["candidates"]:
        candidate.pop("description", None)
    turnout = detail["turnout"]
    eligible = detail["eligible_count"]
    detail["turnout_pct"] = round(100 * turnout / eligible, 1) if turnout and eligible else None
    detail["voted_count"] = selectors.phone_votes(session=session)
    return detail


# --- operations --------------------------------------------------------------------------------


class ProjectCallsApi(MapApi):
    methods = ("GET", "POST")

    @extend_schema(
        operation_id="map_project_calls_list",
        tags=TAGS,
        responses={200: ProjectCallListOutput, **READ_ERRORS},
        description="Calls for proposals in the jurisdiction, each with its township's funnel "
        "(collected, shortlisted, voted, implemented), satisfaction against the 90% bar and "
        "its ballots.",
    )
    def get(self, request) -> JsonResponse:
        jurisdiction = _staff(request)
        calls = selectors.call_list(jurisdiction=jurisdiction)
        rows = [_call_row(c) for c in calls]
        return _out(ProjectCallListOutput, {"results": rows})

    @extend_schema(
        operation_id="map_project_calls_create",
        tags=TAGS,
        request=CallCreateInput,
        responses={201: StaffCallOutput, **WRITE_ERRORS},
        description="Open a call for proposals of a township's or county's congress for a "
        "year (one per region and year: 409 project.call_exists); a closing day before the "
        "opening day is 400 project.invalid_field with `field: closes_on`.",
    )
    def post(self, request) -> JsonResponse:
        jurisdiction = _writer(request)
        body = self.params(CallCreateInput, data=json_body(request))
        region = access_region_by_adcode(jurisdiction=jurisdiction, adcode=body.pop("region"))
        call = services.call_create(
            jurisdiction=jurisdiction, actor=request.user, region=region, **body
        )
        return _out(StaffCallOutput, _call_row(call), status=201)


def _cluster_members(jurisdiction: Jurisdiction, ref: ClusterRef) -> list[int]:
    """The opinion ids of the dashboard's cluster `ref`, recomputed as the map computed them
    (its region, window and DBSCAN parameters): never taken from the client."""
    adcode = ref.region or jurisdiction.prefix or None
    try:  # a region outside the jurisdiction is no cluster of the caller's: the same 404
        region = access_region_by_adcode(jurisdiction=jurisdiction, adcode=adcode_param(adcode))
    except NotFound as error:
        raise NotFound(codes.PROJECT_NO_CLUSTER) from error
    within = jurisdiction.within(region.adcode)
    ids = coverage.cluster_members(
        jurisdiction=within,
        window=window_for(ref.days),
        cluster_id=ref.id,
        eps_m=ref.eps_m,
        min_points=ref.min_points,
        metric_srid=metric_srid_of(region),
    )
    if not ids:
        raise NotFound(codes.PROJECT_NO_CLUSTER)
    return ids


def _create(view: MapApi, request, call_id: int | None) -> JsonResponse:
    """The one POST of a staff proposal: into the call `call_id`, or (None) into the call open
    today for the cluster's township or county."""
    jurisdiction = _writer(request)
    call = access_call_by_id(jurisdiction=jurisdiction, call_id=call_id) if call_id else None
    body = view.params(ProposalCreateInput, data=json_body(request))
    title: str = body["title"] or ""
    description: str = body["description"] or ""
    cost: int = body["estimated_cost_yuan"] or 0
    if body["cluster"] is not None:
        proposal = services.proposal_create_from_cluster(
            jurisdiction=jurisdiction,
            actor=request.user,
            opinion_ids=_cluster_members(jurisdiction, body["cluster"]),
            call=call,
            title=title,
            description=description,
            estimated_cost_yuan=cost,
        )
    elif call is None:
        raise _bad("cluster")
    else:
        for field, value in (("title", title), ("description", description)):
            if not value.strip():
                raise _bad(field)
        proposal = services.proposal_create(
            jurisdiction=jurisdiction,
            actor=request.user,
            call=call,
            title=title,
            description=description,
            estimated_cost_yuan=cost,
            place=body["place"],
            opinion_ids=body["opinion_ids"],
        )
    answer = {"proposal": _proposal_row(_annotated(proposal)), "call": _call_row(proposal.call)}
    return _out(ProposalCreatedOutput, answer, status=201)


CREATE_DESCRIPTION = (
    "A staff proposal (征): title, description, an optional place (GeoJSON), estimated cost and "
    "its sources (opinions kept as evidence), or an opinion cluster of the dashboard turned "
    "into a proposal in one click (`cluster`: its opinions become the evidence, its centre the "
    "place, title and description are written from them unless given; the same cluster twice "
    "is 409 project.cluster_proposed). Leaders read only (403 project.not_allowed)."
)


class ProjectCallProposalsApi(MapApi):
    methods = ("GET", "POST")

    @extend_schema(
        operation_id="map_project_call_proposals",
        tags=TAGS,
        responses={200: ProposalListOutput, **READ_ERRORS},
    )
    def get(self, request, call_id: int) -> JsonResponse:
        call = access_call_by_id(jurisdiction=_staff(request), call_id=call_id)
        rows = [_proposal_row(p) for p in selectors.proposal_list(call=call)]
        return _out(ProposalListOutput, {"call": _call_row(call), "results": rows})

    @extend_schema(
        operation_id="map_project_call_proposals_create",
        tags=TAGS,
        request=ProposalCreateInput,
        responses={201: ProposalCreatedOutput, **WRITE_ERRORS},
        description=CREATE_DESCRIPTION,
    )
    def post(self, request, call_id: int) -> JsonResponse:
        return _create(self, request, call_id)


class ProposalCreateApi(MapApi):
    methods = ("POST",)

    @extend_schema(
        operation_id="map_proposals_create",
        tags=TAGS,
        request=ProposalCreateInput,
        responses={201: ProposalCreatedOutput, **WRITE_ERRORS},
        description=CREATE_DESCRIPTION + " Here `cluster` is required and the call is the one "
        "open today for the cluster's township (else its county): none is 409 "
        "project.no_open_call.",
    )
    def post(self, request) -> JsonResponse:
        return _create(self, request, None)


class ProposalAdvanceApi(MapApi):
    methods = ("POST",)

    @extend_schema(
        operation_id="map_proposals_advance",
        tags=TAGS,
        request=AdvanceInput,
        responses={200: ProjectProposalOutput, **WRITE_ERRORS},
        description="Move a proposal to its next form (or reject it), with the reason.",
    )
    def post(self, request, proposal_id: int) -> JsonResponse:
        jurisdiction = _writer(request)
        body = self.params(AdvanceInput, data=json_body(request))
        proposal = services.proposal_advance(
            jurisdiction=jurisdiction, actor=request.user, proposal_id=proposal_id, **body
        )
        return _out(ProjectProposalOutput, _proposal_row(_annotated(proposal)))


def _annotated(proposal):
    return selectors.proposal_list(call=proposal.call).get(pk=proposal.pk)


class BallotOpenApi(MapApi):
    methods = ("POST",)

    @extend_schema(
        operation_id="map_project_call_ballots_open",
        tags=TAGS,
        request=BallotOpenInput,
        responses={201: ProjectBallotOutput, **WRITE_ERRORS},
        description="Open a secret competitive ballot (more candidates than seats).",
    )
    def post(self, request, call_id: int) -> JsonResponse:
        jurisdiction = _writer(request)
        call = access_call_by_id(jurisdiction=jurisdiction, call_id=call_id)
        body = self.params(BallotOpenInput, data=json_body(request))
        session = services.ballot_open(
            jurisdiction=jurisdiction,
            actor=request.user,
            call=call,
            title=body["title"],
            proposal_ids=body["proposal_ids"],
            max_choices=body["max_choices"],
            min_choices=body["min_choices"] or 0,
            quorum=body["quorum"],
            session_on=body["session_on"],
        )
        return _out(ProjectBallotOutput, _ballot_row(session), status=201)


class BallotDetailApi(MapApi):
    @extend_schema(
        operation_id="map_ballots_retrieve",
        tags=TAGS,
        responses={200: ProjectBallotOutput, **READ_ERRORS},
        description="A ballot: candidates, and once closed the published result (votes, who is "
        "chosen, turnout, blank and invalid ballots, quorum). Never who voted how.",
    )
    def get(self, request, ballot_id: int) -> JsonResponse:
        session = access_ballot_by_id(jurisdiction=_staff(request), ballot_id=ballot_id)
        return _out(ProjectBallotOutput, _ballot_row(session))


class BallotCloseApi(MapApi):
    methods = ("POST",)

    @extend_schema(
        operation_id="map_ballots_close",
        tags=TAGS,
        request=BallotCloseInput,
        responses={200: ProjectBallotOutput, **WRITE_ERRORS},
        description="Close, count and publish at once. The body must say `confirm: true`.",
    )
    def post(self, request, ballot_id: int) -> JsonResponse:
        jurisdiction = _writer(request)
        self.params(BallotCloseInput, data=json_body(request))
        session = services.ballot_close(
            jurisdiction=jurisdiction, actor=request.user, ballot_id=ballot_id
        )
        return _out(ProjectBallotOutput, _ballot_row(session))


class BallotPaperCountsApi(MapApi):
    methods = ("POST",)

    @extend_schema(
        operation_id="map_ballots_paper_counts",
        tags=TAGS,
        request=PaperCountInput,
        responses={201: PaperCountOutput, **WRITE_ERRORS},
        description="One teller's entry of the hall's paper count. The second entry, by "
        "another staff account, must match the first (else 409 ballot.paper_mismatch with "
        "`differences`, and both are void).",
    )
    def post(self, request, ballot_id: int) -> JsonResponse:
        jurisdiction = _writer(request)
        body = self.params(PaperCountInput, data=json_body(request))
        entry = services.paper_count_enter(
            jurisdiction=jurisdiction,
            actor=request.user,
            ballot_id=ballot_id,
            tally=services.PaperTally(
                body["ballots"], body["blank"], body["invalid"], body["votes"]
            ),
        )
        answer = {
            "entry": entry.entry,
            "matched": entry.matched,
            "ballot": _ballot_row(entry.session),
        }
        return _out(PaperCountOutput, answer, status=201)


class ProjectUpdatesApi(MapApi):
    methods = ("POST",)

    @extend_schema(
        operation_id="map_projects_update",
        tags=TAGS,
        request=ProjectUpdateInput,
        responses={201: ProjectUpdateOutput, **WRITE_ERRORS},
        description="A dated progress update of a chosen project (办).",
    )
    def post(self, request, proposal_id: int) -> JsonResponse:
        jurisdiction = _writer(request)
        body = self.params(ProjectUpdateInput, data=json_body(request))
        update = services.project_update(
            jurisdiction=jurisdiction, actor=request.user, proposal_id=proposal_id, **body
        )
        row = {
            "id": update.pk,
            "proposal_id": update.proposal_id,
            "status": update.status,
            "progress_pct": update.progress_pct,
            "note": update.note,
            "at": update.at,
        }
        return _out(ProjectUpdateOutput, row, status=201)


class ProjectsGeoJsonApi(MapApi):
    @extend_schema(
        operation_id="map_projects_geojson",
        tags=TAGS,
        responses={
            200: OpenApiResponse(ProjectFeaturesOutput, description="GeoJSON"),
            **READ_ERRORS,
        },
        parameters=[s.RegionInput],
        description="Placed candidates and projects of the region (default: the jurisdiction): "
        "status candidate, chosen, in_progress, done or evaluated, with progress, supervision "
        "visits, satisfaction against the 90% bar and the date of the latest update.",
    )
    def get(self, request) -> JsonResponse:
        region = self.params(s.RegionInput)["region"]
        rows = selectors.project_map(jurisdiction=_in_region(request, region))
        features = [
            {
                "type": "Feature",
                "id": p.pk,
                "geometry": json.loads(p.place.geojson) if p.place else None,
                "properties": {
                    "id": p.pk,
                    "call_id": p.call_id,
                    "title": p.title,
                    "status": selectors.map_status(p),
                    "progress_pct": p.progress_pct,
                    "department": p.department,
                    "budget_yuan": p.budget_yuan,
                    "supervision_count": getattr(p, "supervision_count", 0),
                    "evaluation_count": getattr(p, "evaluation_count", 0),
                    "satisfaction_pct": selectors.satisfaction_pct(p),
                    "satisfaction_bar_pct": selectors.SATISFACTION_BAR_PCT,
                    "updated_on": selectors.last_update_on(p),
                },
            }
            for p in rows
        ]
        collection = {"type": "FeatureCollection", "features": features}
        return _json(ProjectFeaturesOutput(collection).data, content_type=GEOJSON)


class ProjectFunnelApi(MapApi):
    @extend_schema(
        operation_id="map_project_funnel",
        tags=TAGS,
        parameters=[s.RegionInput],
        responses={200: ProjectFunnelOutput, **READ_ERRORS},
        description="Per township of the region (default: the jurisdiction) holding a call: "
        "the Cili funnel over its calls (collected, shortlisted, voted, implemented) and the "
        "deputies' and citizens' satisfaction with its projects against the 90% bar (pooled "
        "in `pct`, each side also on its own).",
    )
    def get(self, request) -> JsonResponse:
        region = self.params(s.RegionInput)["region"]
        rows = selectors.township_funnel(jurisdiction=_in_region(request, region))
        return _out(ProjectFunnelOutput, {"results": rows})
