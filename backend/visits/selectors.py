"""Reads of field records. A deputy only ever reads their own visits and check-ins."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db.models import (
    Count,
    DateTimeField,
    Exists,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from backend.grid.models import AssignmentStatus, GridAssignment, GridCell
from backend.liaison.models import Deputy, MandateStatus

from .models import CheckIn, PlausibilityFlag, Visit, VisitKind

# Domain target (Changsha county "12345"): visits to at least 50 voter households a year.
YEARLY_HOUSEHOLD_TARGET = 50
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


def _year_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    return (dt.datetime(year, 1, 1, tzinfo=tz), dt.datetime(year + 1, 1, 1, tzinfo=tz))


def _household_counts(prefix: str, condition: Q) -> dict:
    """Aggregates for distinct households among the household visits matching `condition`."""
    household = Q(kind=VisitKind.HOUSEHOLD) & condition
    return {
        f"{prefix}_refs": Count(
            "household_ref", distinct=True, filter=household & ~Q(household_ref="")
        ),
        f"{prefix}_unreferenced": Coalesce(
            Sum("households", filter=household & Q(household_ref="")), Value(0)
        ),
    }


def deputy_year_progress(*, deputy: Deputy, year: int | None = None) -> dict:
    """This year's numbers for `me`, counting what is verified toward the 50-household target.

    Distinct households = distinct hashed household references of household visits, plus the
    `households` count of household visits recorded without a reference. A visit carrying any of
    UNVERIFIED_VISIT_FLAGS is pending (待核实): `households_pending` are the households that only
    pending visits reached, so verified + pending = distinct households over all visits. A
    check-in counts as duty attendance only inside the geofence and without
    UNVERIFIED_CHECKIN_FLAGS. Two aggregate queries plus one count, whatever the volume."""
    from backend.opinions.models import Opinion

    year = year or timezone.localdate().year
    start, end = _year_bounds(year)
    in_year = Q(recorded_at__gte=start, recorded_at__lt=end)
    pending = Q(flags__overlap=[str(f) for f in UNVERIFIED_VISIT_FLAGS])
    v = Visit.objects.filter(in_year, deputy=deputy).aggregate(
        visits=Count("id"),
        visits_pending=Count("id", filter=pending),
        **_household_counts("all", Q()),
        **_household_counts("verified", ~pending),
        **_household_counts("pending", pending),
    )
    households = v["verified_refs"] + v["verified_unreferenced"]
    checkin_pending = Q(flags__overlap=[str(f) for f in UNVERIFIED_CHECKIN_FLAGS])
    c = CheckIn.objects.filter(in_year, deputy=deputy).aggregate(
        verified=Count("id", filter=Q(inside_geofence=True) & ~checkin_pending),
        pending=Count("id", filter=Q(inside_geofence=True) & checkin_pending),
        outside=Count("id", filter=Q(inside_geofence=False)),
    )
    return {
        "year": year,
        "households_visited": households,
        "households_pending": v["all_refs"] - v["verified_refs"] + v["pending_unreferenced"],
        "households_target": YEARLY_HOUSEHOLD_TARGET,
        "target_reached": households >= YEARLY_HOUSEHOLD_TARGET,
        "visits": v["visits"],
        "visits_verified": v["visits"] - v["visits_pending"],
        "visits_pending": v["visits_pending"],
        "checkins": c["verified"],
        "checkins_pending": c["pending"],
        "checkins_outside": c["outside"],
        "opinions": Opinion.objects.filter(in_year, deputy=deputy).count(),
    }


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
