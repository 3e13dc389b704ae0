"""Reads of opinions. A citizen's contact never leaves unmasked: every row these selectors
return carries `citizen_contact` masked by the one mask, backend.core.privacy.mask_contact.

The staff's work list (`opinion_work_list`) and its counts are scoped by the caller's
Jurisdiction (backend.accounts.access.jurisdiction_of); a department account's list is the
opinions referred to its department. An opinion is *overdue* when it is open (registered,
forwarded, handling, re-handling) and its due_at has passed; its SLA state (`sla`, FixMyStreet
#2378) is `overdue`, `due_soon` (due within DUE_SOON), `on_time`, or None when no deadline runs.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from django.contrib.gis.db.models.functions import AsGeoJSON, Distance
from django.contrib.gis.geos import Point
from django.contrib.gis.measure import D
from django.db.models import BooleanField, Case, CharField, Count, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext

from backend.accounts.jurisdiction import Jurisdiction
from backend.core.privacy import mask_contact
from backend.liaison.models import Deputy

from .deadlines import calendar_covers
from .models import (
    OPEN_STATUSES,
    SYSTEM_NOTES,
    WORK_STATUSES,
    Department,
    Opinion,
    OpinionStatus,
    OpinionTransition,
)

DUE_SOON = dt.timedelta(hours=24)

WORK_LIST_FIELDS = (
    "id",
    "status",
    "category",
    "text",
    "recorded_at",
    "due_at",
    "handler",
    "level",
    "department_id",
    "answer",
    "rating",
    "adcode",
    "county_adcode",
    "cell_id",
    "cell__code",
    "deputy_id",
    "deputy__name",
    "contact_consent",
    "citizen_contact",
)


@dataclass(frozen=True, slots=True)
class FieldOpinion:
    """An opinion as the deputy's field app reads it, the citizen's contact already masked.
    Not a model row: nothing downstream can read, or save over, the unmasked number."""

    id: int
    client_uuid: uuid.UUID
    category: str
    text: str
    location: Point | None
    cell_id: int | None
    visit_id: int | None
    status: str
    recorded_at: dt.datetime
    due_at: dt.datetime | None
    contact_consent: bool
    citizen_contact: str
    handler: str
    answer: str
    rating: int | None


FIELD_OPINION_FIELDS = tuple(FieldOpinion.__slots__)


def _field_opinion(row: dict) -> FieldOpinion:
    return FieldOpinion(**_masked(row))


def opinion_masked(opinion: Opinion) -> FieldOpinion:
    """One opinion (fetched by access_opinion_by_id or returned by a service) as the field app
    reads it: the contact masked."""
    return _field_opinion({name: getattr(opinion, name) for name in FIELD_OPINION_FIELDS})


class FieldOpinionList:
    """A deputy's opinions, newest first, read a slice at a time (what a paginator needs:
    `count()` and slicing); every row comes out as a masked FieldOpinion."""

    def __init__(self, queryset: QuerySet[Opinion]):
        self._rows = queryset.values(*FIELD_OPINION_FIELDS)

    def count(self) -> int:
        return self._rows.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list[FieldOpinion]:
        if not isinstance(index, slice):
            raise TypeError("FieldOpinionList is read in slices")
        return [_field_opinion(row) for row in self._rows[index]]

    def __iter__(self) -> Iterator[FieldOpinion]:
        return (_field_opinion(row) for row in self._rows)


def opinion_list(*, deputy: Deputy) -> FieldOpinionList:
    """The opinions `deputy` took down, contacts masked (the phone API's list)."""
    return FieldOpinionList(Opinion.objects.filter(deputy=deputy).order_by("-recorded_at", "-id"))


def _overdue(now: dt.datetime) -> Case:
    return Case(
        When(Q(status__in=OPEN_STATUSES, due_at__lt=now), then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )


def _sla(now: dt.datetime) -> Case:
    open_ = Q(status__in=OPEN_STATUSES, due_at__isnull=False)
    return Case(
        When(open_ & Q(due_at__lt=now), then=Value("overdue")),
        When(open_ & Q(due_at__lt=now + DUE_SOON), then=Value("due_soon")),
        When(open_, then=Value("on_time")),
        default=Value(None),
        output_field=CharField(),
    )


def sla_state(opinion: Opinion, now: dt.datetime) -> str | None:
    """The SLA state of one opinion in Python (the same rule as `_sla`)."""
    if opinion.status not in OPEN_STATUSES or opinion.due_at is None:
        return None
    if opinion.due_at < now:
        return "overdue"
    return "due_soon" if opinion.due_at < now + DUE_SOON else "on_time"


def scoped_opinions(jurisdiction: Jurisdiction) -> QuerySet[Opinion]:
    """The opinions of the caller's lists: inside the jurisdiction, or (a department account)
    the ones referred to its department."""
    if jurisdiction.department_id is not None:
        return Opinion.objects.filter(department_id=jurisdiction.department_id)
    return jurisdiction.filter(Opinion.objects.all())


def _work_list(
    *, jurisdiction: Jurisdiction, status: str | None, overdue_only: bool, now: dt.datetime
) -> QuerySet:
    queryset = scoped_opinions(jurisdiction)
    if status is not None:
        queryset = queryset.filter(status=status)
    else:
        queryset = queryset.filter(status__in=WORK_STATUSES)
    if overdue_only:
        queryset = queryset.filter(status__in=OPEN_STATUSES, due_at__lt=now)
    return (
        queryset.annotate(overdue=_overdue(now), sla=_sla(now))
        .order_by("-overdue", "due_at", "id")
        .values(*WORK_LIST_FIELDS, "overdue", "sla")
    )


def opinion_work_list(
    *,
    jurisdiction: Jurisdiction,
    status: str | None = None,
    overdue_only: bool = False,
    offset: int = 0,
    limit: int = 50,
    now: dt.datetime | None = None,
) -> tuple[int, list[dict]]:
    """(count, one page) of the opinions inside the jurisdiction as dicts (WORK_LIST_FIELDS +
    `overdue`, `sla`, the contact masked), overdue first, then by due_at (earliest first).
    Default: the open ones and those awaiting review; `status` picks one status instead.
    Two queries: the count and the page."""
    rows = _work_list(
        jurisdiction=jurisdiction,
        status=status,
        overdue_only=overdue_only,
        now=now or timezone.now(),
    )
    return rows.count(), [_masked(r) for r in rows[offset : offset + limit]]


def _masked(row: dict) -> dict:
    """A row with the citizen's contact masked."""
    return {**row, "citizen_contact": mask_contact(row["citizen_contact"])}


def opinion_overdue_count(*, jurisdiction: Jurisdiction, now: dt.datetime | None = None) -> int:
    """Open opinions past their deadline inside the jurisdiction (one query)."""
    now = now or timezone.now()
    return scoped_opinions(jurisdiction).filter(status__in=OPEN_STATUSES, due_at__lt=now).count()


def opinion_status_counts(
    *, jurisdiction: Jurisdiction, now: dt.datetime | None = None
) -> dict[str, int]:
    """{status: count} for every status inside the jurisdiction, and `overdue` (one query)."""
    now = now or timezone.now()
    counts = {s: Count("id", filter=Q(status=s)) for s in OpinionStatus.values}
    counts["overdue"] = Count("id", filter=Q(status__in=OPEN_STATUSES, due_at__lt=now))
    return scoped_opinions(jurisdiction).aggregate(**counts)


def opinion_history(*, opinion: Opinion) -> list[dict]:
    """The opinion's transitions, oldest first: at, action, from_status, to_status, rating, note,
    by (the account's display name, else its username; None once the account is gone)."""
    rows = (
        OpinionTransition.objects.filter(opinion=opinion)
        .order_by("at", "id")
        .values(
            "at",
            "action",
            "from_status",
            "to_status",
            "rating",
            "note",
            "by__username",
            "by__first_name",
        )
    )
    return [
        {
            **{k: v for k, v in row.items() if not k.startswith("by__")},
            "note": gettext(row["note"]) if row["note"] in SYSTEM_NOTES else row["note"],
            "by": row["by__first_name"] or row["by__username"],
        }
        for row in rows
    ]


def opinion_detail(*, opinion: Opinion, now: dt.datetime | None = None) -> dict:
    """One opinion (already access-checked) as a work-list row, with its location and history."""
    now = now or timezone.now()
    row = {name: getattr(opinion, name) for name in WORK_LIST_FIELDS if "__" not in name}
    row["cell__code"] = opinion.cell.code if opinion.cell is not None else None
    row["deputy__name"] = opinion.deputy.name if opinion.deputy is not None else None
    row["station_name"] = opinion.station.name if opinion.station is not None else None
    row["sla"] = sla_state(opinion, now)
    row["overdue"] = row["sla"] == "overdue"
    row["lon"] = opinion.location.x if opinion.location else None
    row["lat"] = opinion.location.y if opinion.location else None
    row["calendar_covered"] = calendar_covers(opinion.due_at)
    # How the current rating was given: by the citizen (tracking page) or in person via staff.
    row["rating_via"] = (
        OpinionTransition.objects.filter(opinion=opinion, action="rate")
        .order_by("-at", "-id")
        .values_list("rating_via", flat=True)
        .first()
    )
    row["duplicate_of_id"] = opinion.duplicate_of_id
    return {**_masked(row), "history": opinion_history(opinion=opinion)}


SIMILAR_WITHIN_M = 200
SIMILAR_WITHIN = dt.timedelta(days=30)
MAX_SIMILAR = 10


def opinion_similar(*, jurisdiction: Jurisdiction, opinion: Opinion) -> list[dict]:
    """Possible duplicates offered to staff: open cases the caller sees, of the same category,
    within SIMILAR_WITHIN_M metres and SIMILAR_WITHIN days of the opinion, not themselves
    duplicates; nearest first: id, status, text, recorded_at, distance_m. Empty for an opinion
    without a location or already linked."""
    if opinion.location is None or opinion.duplicate_of_id is not None:
        return []
    rows = (
        scoped_opinions(jurisdiction)
        .filter(
            category=opinion.category,
            status__in=WORK_STATUSES,
            duplicate_of__isnull=True,
            created_at__gte=opinion.created_at - SIMILAR_WITHIN,
            created_at__lte=opinion.created_at + SIMILAR_WITHIN,
            location__distance_lte=(opinion.location, D(m=SIMILAR_WITHIN_M)),
        )
        .exclude(id=opinion.id)
        .annotate(distance=Distance("location", opinion.location))
        .order_by("distance", "id")
        .values("id", "status", "text", "recorded_at", "distance")[:MAX_SIMILAR]
    )
    return [
        {
            **{k: v for k, v in row.items() if k != "distance"},
            "distance_m": round(row["distance"].m),
        }
        for row in rows
    ]


def department_choices(*, jurisdiction: Jurisdiction, adcode: str) -> list[dict]:
    """The active departments of the counties under `adcode` (the page's region, already
    checked readable) that the caller may refer opinions to: id, name, level, county_adcode.
    Empty for a caller who does not act in the region."""
    if not jurisdiction.may_act_in(adcode):
        return []
    rows = Department.objects.filter(active=True, county_adcode__startswith=adcode[:6])
    return [dict(row) for row in rows.values("id", "name", "level", "county_adcode")]


def department_home_adcode(*, jurisdiction: Jurisdiction) -> str | None:
    """The county adcode of a department account's department (its page's region)."""
    if jurisdiction.department_id is None:
        return None
    return (
        Department.objects.filter(id=jurisdiction.department_id)
        .values_list("county_adcode", flat=True)
        .first()
    )


MAX_PINS = 2000


def opinion_deadline_pins(
    *, jurisdiction: Jurisdiction, now: dt.datetime | None = None
) -> list[dict]:
    """The map's SLA pins (FixMyStreet #2378): the located open opinions inside the
    jurisdiction that are overdue or due within DUE_SOON, overdue first (at most MAX_PINS):
    id, category, status, due_at, sla, geometry (GeoJSON text). No text, no contact."""
    now = now or timezone.now()
    rows = (
        scoped_opinions(jurisdiction)
        .filter(status__in=OPEN_STATUSES, location__isnull=False, due_at__lt=now + DUE_SOON)
        .annotate(sla=_sla(now), geometry=AsGeoJSON("location", precision=6))
        .order_by("due_at", "id")
        .values("id", "category", "status", "due_at", "sla", "geometry")[:MAX_PINS]
    )
    return [dict(row) for row in rows]
