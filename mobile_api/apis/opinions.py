"""Citizens' opinions taken down by the deputy, and the deputy's answer."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework.response import Response

from backend.opinions.access import access_opinion_by_id
from backend.opinions.selectors import opinion_list, opinion_masked
from backend.opinions.services import opinion_create, opinion_transition

from ..outputs import page_of
from ..serializers import OpinionAnswerInput, OpinionInput, OpinionOutput
from .base import COMMON_ERRORS, ERROR, POINT_EXAMPLE, MobileApi


class OpinionsApi(MobileApi):
    def get_throttles(self):
        self.throttle_scope = "write" if self.request.method == "POST" else "read"
        return super().get_throttles()

    @extend_schema(
        operation_id="opinions_list",
        tags=["opinions"],
        parameters=[
            OpenApiParameter("page", int),
            OpenApiParameter("page_size", int, description="At most 100."),
        ],
        responses={200: page_of(OpinionOutput), 401: ERROR, 403: ERROR, 404: ERROR},
    )
    def get(self, request):
        return self.paginated(opinion_list(deputy=self.deputy()), OpinionOutput)

    @extend_schema(
        operation_id="opinions_create",
        tags=["opinions"],
        request=OpinionInput,
        responses={201: OpinionOutput, 200: OpinionOutput, 409: ERROR, **COMMON_ERRORS},
        examples=[
            OpenApiExample(
                "opinion",
                request_only=True,
                value={
                    "client_uuid": "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b",
                    "category": "roads",
                    "text": "村口道路破损，雨天积水。",
                    "location": POINT_EXAMPLE,
                    "crs": "wgs84",
                    "contact_consent": True,
                    "citizen_contact": "13812341234",
                    "recorded_at": "2026-11-16T10:20:00+08:00",
                },
            )
        ],
        description="Register a citizen's opinion. A contact is kept only with "
        "contact_consent and is always returned masked (*******1234). "
        "due_at = registration + 24 h (forwarding rule).",
    )
    def post(self, request):
        data = self.validated(OpinionInput)
        result = opinion_create(
            deputy=self.deputy(),
            client_uuid=data["client_uuid"],
            category=data["category"],
            text=data["text"],
            recorded_at=data["recorded_at"],
            lon=data.get("lon"),
            lat=data.get("lat"),
            visit_id=data.get("visit_id"),
            contact_consent=data["contact_consent"],
            citizen_contact=data["citizen_contact"],
        )
        body = dict(OpinionOutput(opinion_masked(result.opinion)).data, result=result.status)
        return Response(body, status=201 if result.status == "created" else 200)


class OpinionDetailApi(MobileApi):
    @extend_schema(
        operation_id="opinions_retrieve",
        tags=["opinions"],
        responses={200: OpinionOutput, 401: ERROR, 404: ERROR},
    )
    def get(self, request, opinion_id: int):
        opinion = access_opinion_by_id(jurisdiction=self.jurisdiction(), opinion_id=opinion_id)
        return Response(OpinionOutput(opinion_masked(opinion)).data)


class OpinionAnswerApi(MobileApi):
    """The deputy's own step in the closed loop: answering the citizen. The loop's service
    decides whether the status allows it; this handler only scopes and validates."""

    throttle_scope = "write"

    @extend_schema(
        operation_id="opinions_answer",
        tags=["opinions"],
        request=OpinionAnswerInput,
        responses={200: OpinionOutput, 403: ERROR, 409: ERROR, **COMMON_ERRORS},
        examples=[
            OpenApiExample(
                "answer",
                request_only=True,
                value={"answer": "已联系镇交通办，本周内修补路面。"},
            )
        ],
        description="Record the answer given to the citizen, for an opinion this deputy took "
        "down whose status is handling or rehandling (can_answer). The opinion becomes "
        "answered, with a history row. Another status: 409 opinion.invalid_transition "
        "(a repeated answer included); another deputy's opinion: 404 opinion.not_found.",
    )
    def post(self, request, opinion_id: int):
        jurisdiction = self.jurisdiction()
        opinion = access_opinion_by_id(jurisdiction=jurisdiction, opinion_id=opinion_id)
        data = self.validated(OpinionAnswerInput)
        answered = opinion_transition(
            jurisdiction=jurisdiction,
            actor=request.user,
            opinion_id=opinion.id,
            action="answer",
            answer=data["answer"],
        )
        return Response(OpinionOutput(opinion_masked(answered)).data)
