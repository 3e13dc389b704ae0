"""The registry of event sources: where a deputy's record and points come from.

An event source is a function `(deputy_ids, start, end) -> iterable of Event`, registered under
a short name with `@event_source("name")`. It reads one kind of row with one query for all the
deputies asked about, and says for each event whether it is verified (counts and earns points)
or pending (shown apart, earns nothing). The record and the points (selectors.py) only read
events, so a new kind of event (duty attendance, receptions at a station) is one more
registered function here, nothing else.

Invariants: an event's `(source, ref, item)` names it for ever (a point line and a dispute point
at it); `day` is the Asia/Shanghai date; `[start, end)` are local dates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from django.utils import timezone

from backend.opinions.models import Opinion, OpinionStatus
from backend.visits.models import CheckIn, Visit, VisitKind
from backend.visits.selectors import UNVERIFIED_CHECKIN_FLAGS, UNVERIFIED_VISIT_FLAGS

from .items import Item
from .models import COUNTED_ENTRY_STATUSES, EntryStatus, RecordEntry


@dataclass(frozen=True, slots=True)
class Event:
    source: str
    ref: int
    deputy_id: int
    item: str
    day: dt.date
    quantity: int
    verified: bool
    label: str = ""
    distinct_key: str = ""  # households: the hashed household reference ("" = count quantity)


EventSource = Callable[[list[int], dt.date, dt.date], Iterable[Event]]
SOURCES: dict[str, EventSource] = {}


def event_source(name: str) -> Callable[[EventSource], EventSource]:
    """Register `fn` as the event source `name` (a name is registered once)."""

    def register(fn: EventSource) -> EventSource:
        if name in SOURCES:
            raise ValueError(f"event source {name!r} is registered twice")
        SOURCES[name] = fn
        return fn

    return register


def events_of(deputy_ids: list[int], start: dt.date, end: dt.date) -> Iterator[Event]:
    """Every registered source's events of these deputies between the local dates [start, end)."""
    for source in SOURCES.values():
        yield from source(deputy_ids, start, end)


def _bounds(start: dt.date, end: dt.date) -> dict:
    tz = timezone.get_current_timezone()
    return {
        "recorded_at__gte": dt.datetime.combine(start, dt.time(), tzinfo=tz),
        "recorded_at__lt": dt.datetime.combine(end, dt.time(), tzinfo=tz),
    }


def _local_day(value: dt.datetime) -> dt.date:
    return timezone.localtime(value).date()


_VISIT_PENDING = frozenset(str(f) for f in UNVERIFIED_VISIT_FLAGS)
_CHECKIN_PENDING = frozenset(str(f) for f in UNVERIFIED_CHECKIN_FLAGS)


@event_source("visit")
def visit_events(deputy_ids: list[int], start: dt.date, end: dt.date) -> Iterator[Event]:
    """One `visit` per visit; a household visit is also `households` (its reference, or its
    `households` count when it has none). Flagged (UNVERIFIED_VISIT_FLAGS) = pending."""
    rows = Visit.objects.filter(deputy_id__in=deputy_ids, **_bounds(start, end)).values_list(
        "id",
        "deputy_id",
        "recorded_at",
        "kind",
        "households",
        "household_ref",
        "flags",
        "cell__name",
    )
    for vid, deputy_id, at, kind, households, ref, flags, cell in rows:
        day, verified = _local_day(at), not _VISIT_PENDING.intersection(flags or ())
        label = cell or ""
        yield Event("visit", vid, deputy_id, Item.VISIT, day, 1, verified, label)
        if kind == VisitKind.HOUSEHOLD:
            qty = 1 if ref else households
            yield Event("visit", vid, deputy_id, Item.HOUSEHOLDS, day, qty, verified, label, ref)


@event_source("checkin")
def checkin_events(deputy_ids: list[int], start: dt.date, end: dt.date) -> Iterator[Event]:
    """Check-ins inside the station's geofence (outside ones are not duty attendance);
    flagged (UNVERIFIED_CHECKIN_FLAGS) = pending."""
    rows = CheckIn.objects.filter(
        deputy_id__in=deputy_ids, inside_geofence=True, **_bounds(start, end)
    ).values_list("id", "deputy_id", "recorded_at", "flags", "station__name")
    for cid, deputy_id, at, flags, station in rows:
        verified = not _CHECKIN_PENDING.intersection(flags or ())
        yield Event("checkin", cid, deputy_id, Item.CHECKIN, _local_day(at), 1, verified, station)


@event_source("opinion")
def opinion_events(deputy_ids: list[int], start: dt.date, end: dt.date) -> Iterator[Event]:
    """Opinions a deputy took down (`opinion`) and, of those, the closed ones
    (`opinion_closed`, dated when taken down: one year's opinions and their outcome)."""
    rows = Opinion.objects.filter(deputy_id__in=deputy_ids, **_bounds(start, end)).values_list(
        "id", "deputy_id", "recorded_at", "status", "category"
    )
    for oid, deputy_id, at, status, category in rows:
        day = _local_day(at)
        yield Event("opinion", oid, deputy_id, Item.OPINION, day, 1, True, category)
        if status == OpinionStatus.CLOSED:
            yield Event("opinion", oid, deputy_id, Item.OPINION_CLOSED, day, 1, True, category)


@event_source("entry")
def entry_events(deputy_ids: list[int], start: dt.date, end: dt.date) -> Iterator[Event]:
    """Staff-entered events: verified or audited ones count, entered ones are pending,
    rejected ones are not events."""
    rows = (
        RecordEntry.objects.filter(
            deputy_id__in=deputy_ids, occurred_on__gte=start, occurred_on__lt=end
        )
        .exclude(status=EntryStatus.REJECTED)
        .values_list("id", "deputy_id", "item", "occurred_on", "quantity", "status", "description")
    )
    for eid, deputy_id, item, day, qty, status, text in rows:
        yield Event("entry", eid, deputy_id, item, day, qty, status in COUNTED_ENTRY_STATUSES, text)
