"""Duty attendance, derived from the rota and check-ins (never entered by hand).

Invariants:
- who is expected is the rota (backend.liaison.selectors.rota_slots: the station's members on
  each held day of its duty rule, with staff changes and approved swaps); a deputy not on the
  rota of a day is not counted, even with a check-in;
- a rostered deputy is `present` when they have a verified check-in at that station on that day
  (local time, Asia/Shanghai) inside the geofence and within the rule's hours (opens_at <= local
  time <= closes_at); else `excused` with approved leave (请假); else `absent` once the day is
  over, `open` while it is today, and `upcoming` after it;
- rates count present / (present + absent): excused, open and upcoming days count for neither.
A fixed number of queries per call (memberships, rules, changes, calendar, leave, check-ins),
whatever the span.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils import timezone

from backend.accounts.jurisdiction import Jurisdiction
from backend.liaison.access import access_station_by_id
from backend.liaison.models import Deputy
from backend.liaison.selectors import RotaSlot, month_span, rota_slots
from backend.visits.models import CheckIn
from backend.visits.selectors import UNVERIFIED_CHECKIN_FLAGS

PRESENT, EXCUSED, ABSENT, OPEN, UPCOMING = "present", "excused", "absent", "open", "upcoming"
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
    added: bool = False
    leave: bool = False


def _checkin_times(slots: list[RotaSlot], start: dt.date, end: dt.date) -> dict[tuple, list]:
    """(deputy_id, station_id, local date) → local times of verified check-ins in the span."""
    if not slots:
        return {}
    first = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
    last = timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min))
    rows = CheckIn.objects.filter(
        deputy_id__in={s.deputy_id for s in slots},
        station_id__in={s.station_id for s in slots},
        recorded_at__gte=first,
        recorded_at__lt=last,
        inside_geofence=True,
    ).exclude(flags__overlap=[str(f) for f in UNVERIFIED_CHECKIN_FLAGS])
    found: dict[tuple, list] = defaultdict(list)
    for deputy_id, station_id, at in rows.values_list("deputy_id", "station_id", "recorded_at"):
        local = timezone.localtime(at)
        found[(deputy_id, station_id, local.date())].append(local.time())
    return found


def _status(day: dt.date, today: dt.date, present: bool, leave: bool) -> str:
    if present:
        return PRESENT
    if leave:
        return EXCUSED
    if day < today:
        return ABSENT
    return OPEN if day == today else UPCOMING


def duty_days(
    *,
    start: dt.date,
    end: dt.date,
    today: dt.date,
    station_ids: Iterable[int] | None = None,
    deputy_id: int | None = None,
) -> tuple[list[DutyDay], dict]:
    """Every rostered (deputy, station, held day) in [start, end] of the stations or of the
    deputy, with its status; and the stations named (id → Station)."""
    slots, stations = rota_slots(start=start, end=end, station_ids=station_ids, deputy_id=deputy_id)
    checkins = _checkin_times(slots, start, end)
    result = []
    for slot in slots:
        times = checkins.get((slot.deputy_id, slot.station_id, slot.day), ())
        present = any(slot.opens_at <= t <= slot.closes_at for t in times)
        result.append(
            DutyDay(
                slot.deputy_id,
                slot.station_id,
                slot.day,
                slot.opens_at,
                slot.closes_at,
                _status(slot.day, today, present, slot.leave),
                added=slot.added,
                leave=slot.leave,
            )
        )
    return result, stations


def tally(days: list[DutyDay]) -> dict:
    """{scheduled, present, excused, absent, open, ahead (upcoming days), rate}: rate =
    present / (present + absent), None before any day is over."""
    counts = Counter(d.status for d in days)
    decided = counts[PRESENT] + counts[ABSENT]
    return {
        "scheduled": len(days),
        "present": counts[PRESENT],
        "excused": counts[EXCUSED],
        "absent": counts[ABSENT],
        "open": counts[OPEN],
        "ahead": counts[UPCOMING],
        "rate": round(counts[PRESENT] / decided, 3) if decided else None,
    }


def _year_days(deputy: Deputy, year: int, today: dt.date) -> tuple[list[DutyDay], dict]:
    end = max(dt.date(year, 12, 31), today + dt.timedelta(days=UPCOMING_DAYS))
    return duty_days(start=dt.date(year, 1, 1), end=end, today=today, deputy_id=deputy.id)


def _by_station(days: list[DutyDay], stations: dict) -> list[dict]:
    grouped: dict[int, list[DutyDay]] = defaultdict(list)
    for d in days:
        grouped[d.station_id].append(d)
    return [
        {"station_id": sid, "station_name": stations[sid].name, **tally(rows)}
        for sid, rows in sorted(grouped.items(), key=lambda kv: stations[kv[0]].name)
    ]


def deputy_attendance(
    *, deputy: Deputy, year: int, today: dt.date | None = None, with_days: bool = False
) -> dict:
    """The deputy's own duty days (the phone app): the tally of `year`, per station, and the
    next five duty days from today (open or upcoming, possibly in the next year); with
    `with_days`, every rostered day of the year with its status."""
    today = today or timezone.localdate()
    days, stations = _year_days(deputy, year, today)
    coming = [d for d in days if d.status in (OPEN, UPCOMING)][:UPCOMING_COUNT]
    this_year = [d for d in days if d.day.year == year]
    answer = {
        "year": year,
        **tally(this_year),
        "stations": _by_station(this_year, stations),
        "upcoming": [
            {
                "date": d.day,
                "station_id": d.station_id,
                "station_name": stations[d.station_id].name,
                "opens_at": d.opens_at.strftime("%H:%M"),
                "closes_at": d.closes_at.strftime("%H:%M"),
            }
            for d in coming
        ],
    }
    if with_days:
        answer["days"] = [
            {
                "date": d.day,
                "station_id": d.station_id,
                "station_name": stations[d.station_id].name,
                "opens_at": d.opens_at.strftime("%H:%M"),
                "closes_at": d.closes_at.strftime("%H:%M"),
                "status": d.status,
            }
            for d in days
            if d.day.year == year or d.status in (OPEN, UPCOMING)
        ]
    return answer


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
    start, end = month_span(month)
    days, _stations = duty_days(start=start, end=end, today=today, station_ids=[station.id])
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


def deputy_year_attendance(*, deputy: Deputy, year: int, today: dt.date | None = None) -> dict:
    """A deputy's year for staff and leaders (the deputy reached through
    backend.performance.access): the tally, per station, and every past rostered day."""
    today = today or timezone.localdate()
    days, stations = _year_days(deputy, year, today)
    this_year = [d for d in days if d.day.year == year]
    return {
        "deputy": {"id": deputy.id, "name": deputy.name},
        "year": year,
        **tally(this_year),
        "stations": _by_station(this_year, stations),
        "days": [
            {
                "date": d.day.isoformat(),
                "station_id": d.station_id,
                "station_name": stations[d.station_id].name,
                "status": d.status,
            }
            for d in this_year
        ],
    }
