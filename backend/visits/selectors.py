"""Reads of field records. A deputy only ever reads their own visits and check-ins.

A deputy's yearly numbers (visits, check-ins and opinions together) are a report:
backend.reporting.selectors.deputy_year_progress."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db.models import (
    DateTimeField,
    Exists,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.utils import timezone

from backend.grid.models import AssignmentStatus, GridAssignment, GridCell
from backend.liaison.models import Deputy, MandateStatus

from .models import CheckIn, PlausibilityFlag, Visit

COVERAGE_WINDOW_DAYS = 90
# Flags that make a record pending (待核实) rather than verified in the deputy's progress: the
# time or the place cannot be trusted, or the visits pad the count. Poor accuracy, no cell or
# outside the assigned cells still count (a visit there is real work, just less precise).
UNVERIFIED_VISIT_FLAGS = (
    PlausibilityFlag.FUTURE,
    PlausibilityFlag.STALE,
    PlausibilityFlag.MOCK_LOCATION,
    PlausibilityFlag.TOO_FAST,
    PlausibilityFlag.CLUSTERED,
)
UNVERIFIED_CHECKIN_FLAGS = (
    PlausibilityFlag.FUTURE,
    PlausibilityFlag.STALE,
    PlausibilityFlag.MOCK_LOCATION,
)


def visit_list(*, deputy: Deputy) -> QuerySet[Visit]:
    return (
        Visit.objects.filter(deputy=deputy).select_related("cell").order_by("-recorded_at", "-id")
    )


def checkin_list(*, deputy: Deputy) -> QuerySet[CheckIn]:
    return (
        CheckIn.objects.filter(deputy=deputy)
        .select_related("station")
        .order_by("-recorded_at", "-id")
    )


def deputy_cell_ids(*, deputy: Deputy) -> QuerySet:
    """The deputy's cells: active grid assignments plus current mandates' district cells."""
    assigned = GridAssignment.objects.filter(deputy=deputy, status=AssignmentStatus.ACTIVE).values(
        "cell_id"
    )
    district = GridCell.objects.filter(
        district_mandates__deputy=deputy, district_mandates__status=MandateStatus.CURRENT
    ).values("id")
    return GridCell.objects.filter(Q(id__in=assigned) | Q(id__in=district)).values("id")


def deputy_cells(
    *, deputy: Deputy, days: int = COVERAGE_WINDOW_DAYS, now: dt.datetime | None = None
) -> Sequence[GridCell]:
    """The deputy's cells, each annotated with the last visit by anyone, the deputy's own last
    visit, whether it is assigned, and its coverage state over `days` (covered/stale/never)."""
    now = now or timezone.now()
    visits = Visit.objects.filter(cell=OuterRef("pk")).order_by()
    last_any = visits.values("cell").annotate(m=Max("recorded_at")).values("m")
    last_mine = (
        visits.filter(deputy=deputy).values("cell").annotate(m=Max("recorded_at")).values("m")
    )
    assigned = GridAssignment.objects.filter(
        deputy=deputy, cell=OuterRef("pk"), status=AssignmentStatus.ACTIVE
    )
    cells = list(
        GridCell.objects.filter(id__in=deputy_cell_ids(deputy=deputy))
        .annotate(
            last_visit_at=Subquery(last_any, output_field=DateTimeField()),
            my_last_visit_at=Subquery(last_mine, output_field=DateTimeField()),
            assigned=Exists(assigned),
        )
        .order_by("code")
    )
    cutoff = now - dt.timedelta(days=days)
    for cell in cells:
        if cell.last_visit_at is None:
            state = "never"
        elif cell.last_visit_at >= cutoff:
            state = "covered"
        else:
            state = "stale"
        # A plain attribute beside the SQL annotations (the stubs know only those), read by the
        # deputy-cells endpoint.
        cell.coverage_state = state  # type: ignore[attr-defined]
    return cells
