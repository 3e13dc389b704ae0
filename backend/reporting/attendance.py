"""Duty attendance, derived from check-ins (never entered by hand).

Invariants:
- the rota of a station on a held duty day (its DutyRule after the holiday policy) is every
  deputy whose membership is open on that day (`since` ≤ day ≤ `until`, or no `until`);
- a rostered deputy is `present` when they have a verified check-in at that station on that day
  (local time, Asia/Shanghai) inside the geofence and within the rule's hours (opens_at ≤ local
  time ≤ closes_at); otherwise `absent` once the day is over, `open` while it is today, and
  `upcoming` after it;
- rates count present / (present + absent): open and upcoming days count for neither.
A fixed number of queries per call (memberships, rules, calendar, check-ins), whatever the span.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from backend.accounts.jurisdiction import Jurisdiction
from backend.liaison.access import access_station_by_id
from backend.liaison.models import Deputy, Station, StationMembership
from backend.liaison.selectors import day_calendar, duty_occurrences, duty_rule_of, with_duty_rules
from backend.visits.models import CheckIn
from backend.visits.selectors import UNVERIFIED_CHECKIN_FLAGS

PRESENT, ABSENT, OPEN, UPCOMING = "present", "absent", "open", "upcoming"
UPCOMING_COUNT = 5  # the phone app's list
UPCOMING_DAYS = 62  # how far past the year's end it looks for them


@dataclass(frozen=True)
class DutyDay:
    deputy_id: int
    station_id: int
    day: dt.date
    opens_at: dt.time
    closes_at: dt.time
    status: str


def _memberships(rows: QuerySet[StationMembership], start: dt.date, end: dt.date) -> list:
    overlapping = rows.filter(Q(until__isnull=True) | Q(until__gte=start), since__lte=end)
    return list(with_duty_rules(overlapping.select_related("station"), prefix="station__"))


def _checkin_times(memberships: list, start: dt.date, end: dt.date) -> dict[tuple, list]:
    """(deputy_id, station_id, local date) → local times of verified check-ins in the span."""
    if not memberships:
        return {}
    first = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
    last = timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min))
    rows = CheckIn.objects.filter(
        deputy_id__in={m.deputy_id for m in memberships},
        station_id__in={m.station_id for m in memberships},
        recorded_at__gte=first,
        recorded_at__lt=last,
        inside_geofence=True,
    ).exclude(flags__overlap=[str(f) for f in UNVERIFIED_CHECKIN_FLAGS])
    found: dict[tuple, list] = defaultdict(list)
    for deputy_id, station_id, at in rows.values_list("deputy_id", "station_id", "recorded_at"):
        local = timezone.localtime(at)
        found[(deputy_id, station_id, local.date())].append(local.time())
    return found


def _status(day: dt.date, today: dt.date, present: bool) -> str:
    if present:
        return PRESENT
    if day < today:
        return ABSENT
    return OPEN if day == today else UPCOMING


def duty_days(
    rows: QuerySet[StationMembership], *, start: dt.date, end: dt.date, today: dt.date
) -> list[DutyDay]:
    """Every rostered (deputy, station, held day) in [start, end] with its status."""
    memberships = _memberships(rows, start, end)
    checkins = _checkin_times(memberships, start, end)
    cal = day_calendar(start, end)
    result = []
    for m in memberships:
        rule = duty_rule_of(m.station)
        for occurrence in duty_occurrences(rule, start=start, end=end, cal=cal):
            day = occurrence.day
            if day is None or day < m.since or (m.until is not None and day > m.until):
                continue
            assert rule is not None  # occurrences exist only for a rule
            times = checkins.get((m.deputy_id, m.station_id, day), ())
            present = any(rule.opens_at <= t <= rule.closes_at for t in times)
            status = _status(day, today, present)
            result.append(
                DutyDay(m.deputy_id, m.station_id, day, rule.opens_at, rule.closes_at, status)
            )
    result.sort(key=lambda d: (d.day, d.station_id, d.deputy_id))
    return result


def tally(days: list[DutyDay]) -> dict:
    """{scheduled, present, absent, open, ahead (upcoming days), rate}: rate = present /
    (present + absent), None before any day is over."""
    counts = Counter(d.status for d in days)
    decided = counts[PRESENT] + counts[ABSENT]
    return {
        "scheduled": len(days),
        "present": counts[PRESENT],
        "absent": counts[ABSENT],
        "open": counts[OPEN],
        "ahead": counts[UPCOMING],
        "rate": round(counts[PRESENT] / decided, 3) if decided else None,
    }


def deputy_attendance(*, deputy: Deputy, year: int, today: dt.date | None = None) -> dict:
    """The deputy's own duty days (the phone app): the tally of `year` and the next five duty
    days from today (open or upcoming, possibly in the next year)."""
    today = today or timezone.localdate()
    rows = StationMembership.objects.filter(deputy=deputy)
    end = max(dt.date(year, 12, 31), today + dt.timedelta(days=UPCOMING_DAYS))
    days = duty_days(rows, start=dt.date(year, 1, 1), end=end, today=today)
    names = dict(Station.objects.filter(memberships__deputy=deputy).values_list("id", "name"))
    coming = [d for d in days if d.status in (OPEN, UPCOMING)][:UPCOMING_COUNT]
    return {
        "year": year,
        **tally([d for d in days if d.day.year == year]),
        "upcoming": [
            {
                "date": d.day,
                "station_id": d.station_id,
                "station_name": names.get(d.station_id, ""),
                "opens_at": d.opens_at.strftime("%H:%M"),
                "closes_at": d.closes_at.strftime("%H:%M"),
            }
            for d in coming
        ],
    }


def station_attendance(
    *,
    jurisdiction: Jurisdiction,
    station_id: int,
    month: dt.date,
    today: dt.date | None = None,
) -> dict:
    """A readable station's month (`month` = any day in it): per rostered deputy the tally and
    each duty day's status, and the station's tally. Deputies' names only (no contact)."""
    station = access_station_by_id(jurisdiction=jurisdiction, station_id=station_id)
    today = today or timezone.localdate()
    start = month.replace(day=1)
    end = (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    days = duty_days(station.memberships.all(), start=start, end=end, today=today)
    by_deputy: dict[int, list[DutyDay]] = defaultdict(list)
    for d in days:
        by_deputy[d.deputy_id].append(d)
    names = dict(Deputy.objects.filter(id__in=by_deputy).values_list("id", "name"))
    return {
        "station": {"id": station.id, "name": station.name},
        "month": start.strftime("%Y-%m"),
        "days": sorted({d.day.isoformat() for d in days}),
        **tally(days),
        "deputies": [
            {
                "id": deputy_id,
                "name": names.get(deputy_id, ""),
                **tally(rows),
                "statuses": {d.day.isoformat(): d.status for d in rows},
            }
            for deputy_id, rows in sorted(by_deputy.items(), key=lambda kv: names.get(kv[0], ""))
        ],
    }
