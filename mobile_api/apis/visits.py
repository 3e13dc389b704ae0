"""Visits: the outbox sync and the deputy's own list."""

from __future__ import annotations

from typing import cast

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from backend.core import error_codes as codes
from backend.core.text import is_storable_text
from backend.visits.access import access_visit_by_id
from backend.visits.selectors import visit_list
from backend.visits.services import visits_sync

from ..errors import ApiError, flatten_errors
from ..fields import CRSField
from ..outputs import page_of
from ..serializers import VisitOutput, VisitRecordInput, VisitSyncInput, VisitSyncOutput
from .base import COMMON_ERRORS, ERROR, POINT_EXAMPLE, MobileApi


def _result_json(result) -> dict:
    data = {
        "index": result.index,
        "client_uuid": result.client_uuid and str(result.client_uuid),
        "status": result.status,
        "id": result.id,
        "cell_id": result.cell_id,
        "flags": list(result.flags),
    }
    if result.errors:
        data["errors"] = result.errors
    return data


class VisitsSyncApi(MobileApi):
    throttle_scope = "sync"

    @extend_schema(
        operation_id="visits_sync",
        tags=["visits"],
        request=VisitSyncInput,
        responses={200: VisitSyncOutput, **COMMON_ERRORS},
        examples=[
            OpenApiExample(
                "two records",
                request_only=True,
                value={
                    "crs": "gcj02",
                    "records": [
                        {
                            "client_uuid": "5a0c7c3e-2f1b-4d8e-9a6b-3c2d1e0f9a8b",
                            "kind": "household",
                            "location": POINT_EXAMPLE,
                            "accuracy_m": 8.0,
                            "recorded_at": "2026-11-16T10:05:00+08:00",
                            "households": 1,
                            "household_ref": "3组12号",
                            "notes": "",
                            "mock_location": False,
                        }
                    ],
                },
            )
        ],
        description="Upload up to 500 records from the phone's outbox. One result "
        "per record: created / duplicate (same uuid and content: the "
        "existing id) / conflict (same uuid, other content: nothing "
        "changed) / rejected (field errors). Retrying is always safe.",
    )
    def post(self, request):
        data = request.data
        if not isinstance(data, dict) or not isinstance(data.get("records"), list):
            raise ApiError(codes.VISITS_RECORDS_REQUIRED, _('Send {"records": [...]}.'))
        records = data["records"]
        if not records:
            raise ApiError(codes.VISITS_BATCH_EMPTY, _("The batch has no records."))
        if len(records) > settings.MOBILE_API_MAX_BATCH:
            raise ApiError(
                codes.VISITS_BATCH_TOO_LARGE,
                _("At most %(n)d records per batch.") % {"n": settings.MOBILE_API_MAX_BATCH},
            )
        try:
            batch_crs = CRSField().to_internal_value(data.get("crs", "wgs84"))
        except serializers.ValidationError as exc:
            raise ApiError(
                codes.REQUEST_INVALID,
                _("Some fields are invalid."),
                errors={"crs": flatten_errors(exc.detail)["non_field_errors"]},
            ) from exc
        results: list[dict | None] = [None] * len(records)
        valid, positions = [], []
        # One serializer instance for the whole batch: DRF deep-copies its fields per instance,
        # which would cost more than everything else in the request for 500 records.
        serializer = VisitRecordInput(context={"crs": batch_crs})
        for index, record in enumerate(records):
            try:
                valid.append(serializer.run_validation(record))
                positions.append(index)
            except serializers.ValidationError as exc:
                uuid_ = record.get("client_uuid") if isinstance(record, dict) else None
                echo = isinstance(uuid_, str) and len(uuid_) <= 64 and is_storable_text(uuid_)
                results[index] = {
                    "index": index,
                    "client_uuid": uuid_ if echo else None,  # a lone surrogate cannot be sent
                    "status": "rejected",
                    "id": None,
                    "cell_id": None,
                    "flags": [],
                    "errors": flatten_errors(exc.detail),
                }
        if valid:
            for position, ingested in zip(
                positions, visits_sync(deputy=self.deputy(), records=valid), strict=True
            ):
                results[position] = dict(_result_json(ingested), index=position)
        summary = dict.fromkeys(("created", "duplicate", "conflict", "rejected"), 0)
        for result in results:
            summary[cast(dict, result)["status"]] += 1  # every position is filled by now
        return Response({"results": results, "summary": summary})


class VisitsApi(MobileApi):
    @extend_schema(
        operation_id="visits_list",
        tags=["visits"],
        parameters=[
            OpenApiParameter("page", int),
            OpenApiParameter("page_size", int, description="At most 100."),
        ],
        responses={200: page_of(VisitOutput), 401: ERROR, 403: ERROR, 404: ERROR},
    )
    def get(self, request):
        return self.paginated(visit_list(deputy=self.deputy()), VisitOutput)


class VisitDetailApi(MobileApi):
    @extend_schema(
        operation_id="visits_retrieve",
        tags=["visits"],
        responses={200: VisitOutput, 401: ERROR, 404: ERROR},
    )
    def get(self, request, visit_id: int):
        return Response(
            VisitOutput(
                access_visit_by_id(jurisdiction=self.jurisdiction(), visit_id=visit_id)
            ).data
        )
