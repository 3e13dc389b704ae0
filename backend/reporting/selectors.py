"""Reports over several kinds of field record (visits, check-ins, opinions) at once.

They live here, above the apps they read, so that no field-record app imports another one to
count its rows (visits ↔ opinions was such a cycle).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from backend.coverage.selectors.rollups import YEARLY_HOUSEHOLD_TARGET
from backend.liaison.models import Deputy
from backend.opinions.models import Opinion
from backend.visits.models import CheckIn, Visit, VisitKind
from backend.visits.selectors import UNVERIFIED_CHECKIN_FLAGS, UNVERIFIED_VISIT_FLAGS


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
