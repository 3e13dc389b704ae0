"""The exports operations of the map data API: list and request export jobs, one job's
progress, its file. HTTP only: each parses, calls one selector or service of backend.exports,
responds. Staff, leaders and admins, inside their jurisdiction. See docs/exports.md."""

from __future__ import annotations

from django.http import FileResponse, JsonResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers

from backend.accounts.access import jurisdiction_of
from backend.core import error_codes as codes
from backend.core.body import json_body
from backend.core.errors import DomainError
from backend.exports import selectors, services
from backend.exports.access import access_export_by_id
from backend.exports.models import ExportKind, ExportStatus

from .base import READ_ERRORS, WRITE_ERRORS, MapApi
from .params import adcode_param
from .records import year_of

TAGS = ["exports"]
CONTENT_TYPES: dict[str, str] = {
    ExportKind.WORKBOOK.value: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ExportKind.GEOPACKAGE.value: "application/geopackage+sqlite3",
    ExportKind.DEPUTY_PDF.value: "application/pdf",
    ExportKind.COVERAGE_PDF.value: "application/pdf",
}

EXPORT_BODY = inline_serializer(
    "ExportInput",
    fields={
        "kind": serializers.ChoiceField(choices=ExportKind.values),
        "region": serializers.CharField(required=False, help_text="An adcode; default: yours."),
        "year": serializers.IntegerField(required=False, help_text="Default: this year."),
        "deputy": serializers.IntegerField(
            required=False, help_text="kind=deputy_pdf: the deputy's id (region: theirs)."
        ),
    },
)


def _json(data, status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})


def job_with_link(row: dict) -> dict:
    link = reverse("map-export-file", args=[row["id"]]) if row["ready"] else None
    return row | {"download": link}


class ExportsApi(MapApi):
    methods = ("GET", "POST")

    @extend_schema(
        operation_id="map_exports_list",
        tags=TAGS,
        responses={200: OpenApiTypes.OBJECT, **READ_ERRORS},
        description="The latest export jobs of regions inside the caller's jurisdiction.",
    )
    def get(self, request) -> JsonResponse:
        jurisdiction = jurisdiction_of(request.user).require_region_reads()
        rows = selectors.export_list(jurisdiction=jurisdiction)
        return _json({"results": [job_with_link(r) for r in rows]})

    @extend_schema(
        operation_id="map_exports_create",
        tags=TAGS,
        request=EXPORT_BODY,
        responses={201: OpenApiTypes.OBJECT, **WRITE_ERRORS},
        description="Queue an export (run by the job runner); poll the job for its progress.",
    )
    def post(self, request) -> JsonResponse:
        jurisdiction = jurisdiction_of(request.user).require_region_reads()
        body = json_body(request)
        kind, region, year = body.get("kind"), body.get("region"), body.get("year")
        if not isinstance(kind, str):
            raise DomainError(codes.EXPORT_INVALID_KIND)
        if region is not None and not isinstance(region, str):
            raise DomainError(codes.MAP_INVALID_REGION)
        adcode = adcode_param(region or None, default=jurisdiction.prefix or None)
        if year is None:
            year = year_of(None)
        elif isinstance(year, bool) or not isinstance(year, int):
            raise DomainError(codes.RECORD_INVALID_YEAR)
        deputy = body.get("deputy")
        if deputy is not None and (isinstance(deputy, bool) or not isinstance(deputy, int)):
            raise DomainError(codes.EXPORT_INVALID_DEPUTY)
        job = services.export_request(
            jurisdiction=jurisdiction,
            actor=request.user,
            kind=kind,
            adcode=adcode,
            year=year,
            deputy_id=deputy,
        )
        return _json(job_with_link(selectors.export_json(job)), status=201)


class ExportApi(MapApi):
    @extend_schema(
        operation_id="map_exports_retrieve",
        tags=TAGS,
        responses={200: OpenApiTypes.OBJECT, **READ_ERRORS},
        description="One export job: status, progress (%), the download link when done.",
    )
    def get(self, request, export_id: int) -> JsonResponse:
        job = access_export_by_id(
            jurisdiction=jurisdiction_of(request.user).require_region_reads(), export_id=export_id
        )
        return _json(job_with_link(selectors.export_json(job)))


class ExportFileApi(MapApi):
    @extend_schema(
        operation_id="map_exports_file",
        tags=TAGS,
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, **READ_ERRORS},
        description="The export's file, after the same access check as the job.",
    )
    def get(self, request, export_id: int):
        job = access_export_by_id(
            jurisdiction=jurisdiction_of(request.user).require_region_reads(), export_id=export_id
        )
        path = services.export_path(job)
        if job.status != ExportStatus.DONE or not path.is_file():
            raise DomainError(codes.EXPORT_NOT_READY)
        title = job.deputy.name if job.deputy else job.region_name
        name = f"{title}-{job.year}-{job.id}.{job.suffix}"
        response = FileResponse(
            path.open("rb"),
            as_attachment=True,
            filename=name,
            content_type=CONTENT_TYPES.get(job.kind, "application/octet-stream"),
        )
        response["Cache-Control"] = "private, no-store"
        return response
