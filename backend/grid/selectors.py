"""Reads of grid cells and assignments, always scoped by the caller's Jurisdiction (fetches of
single rows, permission-checked: backend.grid.access)."""

from __future__ import annotations

from django.db.models import QuerySet

from backend.accounts.jurisdiction import Jurisdiction

from .models import AssignmentStatus, GridAssignment

MAX_CELLS_PER_REQUEST = 200


def assignment_list(
    *, jurisdiction: Jurisdiction, active_only: bool = True
) -> QuerySet[GridAssignment]:
    qs = GridAssignment.objects.select_related("cell", "deputy").defer(
        "cell__boundary", "cell__display_boundary"
    )
    if active_only:
        qs = qs.filter(status=AssignmentStatus.ACTIVE)
    return jurisdiction.filter(qs, "cell__adcode").order_by("cell__code", "deputy_id")
