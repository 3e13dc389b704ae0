"""Livelihood projects on the phone: the calls a deputy may propose to, a proposal from the
field, the deputy's ballots and the secret vote (online only: the app never queues a ballot),
supervision visits and satisfaction for chosen projects (docs/projects.md)."""

from __future__ import annotations

from django.contrib.gis.geos import Point
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from backend.core.geo import STORAGE_SRID
from backend.projects.access import (
    access_ballot_by_id,
    access_call_by_id,
    access_proposal_by_id,
)
from backend.projects.selectors import ballot_detail, ballot_list, call_list
from backend.projects.services import (
    ballot_cast,
    evaluation_record,
    proposal_create_by_deputy,
    supervision_record,
)

from ..fields import (
    AwareDateTimeField,
    CRSField,
    GeoJSONPointField,
    StrictBooleanField,
    StrictCharField,
    StrictIntegerField,
    StrictUUIDField,
)
from ..outputs import PointOutputField
from ..serializers import LocatedInput, point_json
from .base import COMMON_ERRORS, ERROR, POINT_EXAMPLE, MobileApi

MAX_ID = 2**62


class CallOutput(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    region_name = serializers.CharField(source="region.name")
    year = serializers.IntegerField()
    opens_on = serializers.DateField()
    closes_on = serializers.DateField()


class ProposalInput(LocatedInput):
    client_uuid = StrictUUIDField()
    title = StrictCharField(max_length=120, min_length=1)
    description = StrictCharField(max_length=4000, min_length=1)
    estimated_cost_yuan = StrictIntegerField(min_value=0, max_value=10**12)
    location = GeoJSONPointField(required=False, allow_null=True)
    crs = CRSField(required=False)


class ProposalOutput(serializers.Serializer):
    id = serializers.IntegerField()
    call_id = serializers.IntegerField()
    title = serializers.CharField()
    description = serializers.CharField()
    estimated_cost_yuan = serializers.IntegerField()
    stage = serializers.CharField()
    location = PointOutputField(allow_null=True)
    result = serializers.CharField(help_text="created or duplicate")


class CandidateOutput(serializers.Serializer):
    id = serializers.IntegerField(help_text="The candidate's id: what `choices` lists.")
    position = serializers.IntegerField()
    proposal_id = serializers.IntegerField()
    title = serializers.CharField()
    description = serializers.CharField()
    estimated_cost_yuan = serializers.IntegerField()
    votes = serializers.IntegerField(allow_null=True, help_text="null until the close")
    result = serializers.CharField(
        allow_null=True, help_text="elected, tied or not_elected; null until the close"
    )


class BallotOutput(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    call_id = serializers.IntegerField()
    status = serializers.CharField(help_text="open or closed (results published)")
    min_choices = serializers.IntegerField()
    max_choices = serializers.IntegerField()
    eligible_count = serializers.IntegerField()
    has_voted = serializers.BooleanField(help_text="Whether this deputy has voted; never what.")
    opened_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)
    turnout = serializers.IntegerField(allow_null=True)
    blank_count = serializers.IntegerField(allow_null=True)
    quorum_met = serializers.BooleanField(allow_null=True)
    candidates = CandidateOutput(many=True)


class BallotListOutput(serializers.Serializer):
    results = BallotOutput(many=True)


class CallListOutput(serializers.Serializer):
    results = CallOutput(many=True)


class VoteInput(serializers.Serializer):
    choices = serializers.ListField(
        child=StrictIntegerField(min_value=1, max_value=MAX_ID),
        max_length=100,
        allow_empty=True,
        help_text="Candidate ids, at most max_choices; [] is a blank ballot.",
    )


class SupervisionInput(serializers.Serializer):
    client_uuid = StrictUUIDField()
    findings = StrictCharField(max_length=4000, min_length=1)
    visited_at = AwareDateTimeField()


class SupervisionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    proposal_id = serializers.IntegerField()
    findings = serializers.CharField()
    visited_at = serializers.DateTimeField()
    result = serializers.CharField(help_text="created or duplicate")


class EvaluationInput(serializers.Serializer):
    satisfied = StrictBooleanField()
    comment = StrictCharField(max_length=2000, required=False, allow_blank=True, default="")


class EvaluationOutput(serializers.Serializer):
    proposal_id = serializers.IntegerField()
    satisfied = serializers.BooleanField()
    comment = serializers.CharField(allow_blank=True)


class CallsApi(MobileApi):
    @extend_schema(
        operation_id="project_calls_list",
        tags=["projects"],
        responses={200: CallListOutput, 401: ERROR, 403: ERROR},
        description="Calls for livelihood-project proposals of the congresses this deputy "
        "currently sits in.",
    )
    def get(self, request):
        calls = call_list(jurisdiction=self.jurisdiction())
        return Response({"results": CallOutput(calls, many=True).data})


class ProposalsApi(MobileApi):
    throttle_scope = "write"

    @extend_schema(
        operation_id="project_proposals_create",
        tags=["projects"],
        request=ProposalInput,
        responses={201: ProposalOutput, 200: ProposalOutput, 409: ERROR, **COMMON_ERRORS},
        examples=[
            OpenApiExample(
                "proposal",
                request_only=True,
                value={
                    "client_uuid": "0b7c3f0e-2a55-4a8e-9d0b-6c1f5f1e2d3c",
                    "title": "村口道路硬化",
                    "description": "雨天积水，群众出行不便。",
                    "estimated_cost_yuan": 800000,
                    "location": POINT_EXAMPLE,
                    "crs": "wgs84",
                },
            )
        ],
        description="A proposal from the field into an open call (call_id in the path). "
        "Idempotent per client_uuid: the same content again → 200 duplicate; other content → "
        "409 project.conflict. A call not open today → 409 project.call_closed.",
    )
    def post(self, request, call_id: int):
        call = access_call_by_id(jurisdiction=self.jurisdiction(), call_id=call_id)
        data = self.validated(ProposalInput)
        lon, lat = data.get("lon"), data.get("lat")
        uploaded = proposal_create_by_deputy(
            deputy=self.deputy(),
            call=call,
            client_uuid=data["client_uuid"],
            title=data["title"],
            description=data["description"],
            estimated_cost_yuan=data["estimated_cost_yuan"],
            place=Point(lon, lat, srid=STORAGE_SRID) if lon is not None else None,
        )
        p = uploaded.proposal
        body = {
            "id": p.pk,
            "call_id": p.call_id,
            "title": p.title,
            "description": p.description,
            "estimated_cost_yuan": p.estimated_cost_yuan,
            "stage": p.stage,
            "location": point_json(p.place) if p.place is not None else None,
            "result": uploaded.status,
        }
        return Response(body, status=201 if uploaded.status == "created" else 200)


class BallotsApi(MobileApi):
    @extend_schema(
        operation_id="ballots_list",
        tags=["projects"],
        responses={200: BallotListOutput, 401: ERROR, 403: ERROR},
        description="The ballots of the congresses this deputy sits in, newest first.",
    )
    def get(self, request):
        jurisdiction = self.jurisdiction()
        sessions = ballot_list(jurisdiction=jurisdiction)[:20]
        rows = [ballot_detail(session=s, deputy_id=jurisdiction.deputy_id) for s in sessions]
        return Response({"results": BallotOutput(rows, many=True).data})


class BallotDetailApi(MobileApi):
    @extend_schema(
        operation_id="ballots_retrieve",
        tags=["projects"],
        responses={200: BallotOutput, 401: ERROR, 403: ERROR, 404: ERROR},
    )
    def get(self, request, ballot_id: int):
        jurisdiction = self.jurisdiction()
        session = access_ballot_by_id(jurisdiction=jurisdiction, ballot_id=ballot_id)
        return Response(
            BallotOutput(ballot_detail(session=session, deputy_id=jurisdiction.deputy_id)).data
        )


class BallotVoteApi(MobileApi):
    throttle_scope = "write"

    @extend_schema(
        operation_id="ballots_vote",
        tags=["projects"],
        request=VoteInput,
        responses={200: BallotOutput, 403: ERROR, 409: ERROR, **COMMON_ERRORS},
        examples=[OpenApiExample("vote", request_only=True, value={"choices": [12, 15]})],
        description="Cast this deputy's one secret ballot: up to max_choices candidate ids "
        "(at least min_choices unless blank; [] is a blank ballot, counted in the turnout). "
        "Answers with the ballot (has_voted: true); nothing in any answer names the stored "
        "ballot. A second ballot → 409 ballot.already_voted; closed → 409 ballot.closed; "
        "not a current deputy of that congress → 403 ballot.not_eligible.",
    )
    def post(self, request, ballot_id: int):
        jurisdiction = self.jurisdiction()
        session = access_ballot_by_id(jurisdiction=jurisdiction, ballot_id=ballot_id)
        data = self.validated(VoteInput)
        ballot_cast(deputy=self.deputy(), session=session, choices=data["choices"])
        session.refresh_from_db()
        return Response(
            BallotOutput(ballot_detail(session=session, deputy_id=jurisdiction.deputy_id)).data
        )


class SupervisionsApi(MobileApi):
    throttle_scope = "write"

    @extend_schema(
        operation_id="project_supervisions_create",
        tags=["projects"],
        request=SupervisionInput,
        responses={201: SupervisionOutput, 200: SupervisionOutput, 409: ERROR, **COMMON_ERRORS},
        description="A supervision visit (视察) of a chosen project, with findings; idempotent "
        "per client_uuid.",
    )
    def post(self, request, proposal_id: int):
        proposal = access_proposal_by_id(jurisdiction=self.jurisdiction(), proposal_id=proposal_id)
        data = self.validated(SupervisionInput)
        visit, status = supervision_record(
            deputy=self.deputy(),
            proposal=proposal,
            client_uuid=data["client_uuid"],
            findings=data["findings"],
            visited_at=data["visited_at"],
        )
        body = {
            "id": visit.pk,
            "proposal_id": visit.proposal_id,
            "findings": visit.findings,
            "visited_at": visit.visited_at,
            "result": status,
        }
        body = SupervisionOutput(body).data
        return Response(body, status=201 if status == "created" else 200)


class EvaluationApi(MobileApi):
    throttle_scope = "write"

    @extend_schema(
        operation_id="project_evaluation_create",
        tags=["projects"],
        request=EvaluationInput,
        responses={200: EvaluationOutput, 409: ERROR, **COMMON_ERRORS},
        description="This deputy's satisfaction with a chosen project; again replaces it.",
    )
    def post(self, request, proposal_id: int):
        proposal = access_proposal_by_id(jurisdiction=self.jurisdiction(), proposal_id=proposal_id)
        data = self.validated(EvaluationInput)
        evaluation = evaluation_record(
            deputy=self.deputy(),
            proposal=proposal,
            satisfied=data["satisfied"],
            comment=data["comment"],
        )
        return Response(EvaluationOutput(evaluation).data)
