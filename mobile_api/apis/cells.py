"""The deputy's grid cells as GeoJSON with their coverage state."""

from __future__ import annotations

import shapely
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from shapely.geometry import mapping

from backend.core import error_codes as codes
from backend.visits.selectors import deputy_cells

from ..errors import ApiError
from ..fields import parse_query_number
from ..outputs import CellFeatureCollectionOutput
from .base import ERROR, MobileApi


def _geometry_json(geometry) -> dict:
    """RFC 7946 geometry: exterior rings counter-clockwise and holes clockwise (imported rings
    may run either way), coordinates rounded to 6 decimals (~0.1 m)."""

    def rounded(coords):
        if isinstance(coords, (int, float)):
            return round(coords, 6)
        return [rounded(c) for c in coords]

    oriented = shapely.orient_polygons(shapely.from_wkb(bytes(geometry.wkb)))
    return {"type": geometry.geom_type, "coordinates": rounded(mapping(oriented)["coordinates"])}


def _local_iso(value) -> str | None:
    """ISO 8601 in Asia/Shanghai (+08:00), as DRF's DateTimeField renders every other time here;
    the database hands aggregates back in UTC."""
    return value and timezone.localtime(value).isoformat()


class MyCellsApi(MobileApi):
    OutputSerializer = CellFeatureCollectionOutput

    @extend_schema(
        operation_id="me_cells",
        tags=["me"],
        parameters=[
            OpenApiParameter("days", int, description="Coverage window in days (default 90).")
        ],
        responses={
            (200, "application/geo+json"): OutputSerializer,
            400: ERROR,
            401: ERROR,
            403: ERROR,
        },
        description="Your grid cells as a GeoJSON FeatureCollection (RFC 7946, [lon, lat], 6 "
        "decimals) with each cell's last visit and coverage state.",
    )
    def get(self, request):
        days = parse_query_number(
            request.query_params.get("days"), name="days", required=False, default=90
        )
        if not 1 <= days <= 3650 or not float(days).is_integer():
            raise ApiError(
                codes.REQUEST_INVALID,
                _("Some fields are invalid."),
                errors={
                    "days": {
                        "code": codes.NUMBER_OUT_OF_RANGE.code,
                        "message": str(_("An integer from 1 to 3650 is required.")),
                    }
                },
            )
        cells = deputy_cells(deputy=self.deputy(), days=int(days))
        features = [
            {
                "type": "Feature",
                "id": cell.id,
                "geometry": _geometry_json(cell.display_boundary or cell.boundary),
                "properties": {
                    "id": cell.id,
                    "code": cell.code,
                    "name": cell.name,
                    "households": cell.households,
                    "assigned": cell.assigned,  # type: ignore[attr-defined]  # annotated by the selector
                    "state": cell.coverage_state,  # type: ignore[attr-defined]  # annotated by the selector
                    "last_visit_at": _local_iso(cell.last_visit_at),  # type: ignore[attr-defined]  # annotated by the selector
                    "my_last_visit_at": _local_iso(cell.my_last_visit_at),  # type: ignore[attr-defined]  # annotated by the selector
                },
            }
            for cell in cells
        ]
        return Response(
            self.OutputSerializer({"type": "FeatureCollection", "features": features}).data,
            content_type="application/geo+json",
        )
